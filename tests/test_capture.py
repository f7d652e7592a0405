"""tg.capture: a replayed training step gives the eager step's weights, falls back to eager when it must, and prints its program."""

import warnings

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.captured.replay import build_replay
from tinygrad_edu.core import autograd


def lecture_net(seed):
    rng = np.random.default_rng(seed)
    model = nn.Sequential(nn.Linear(6, 5), nn.Sigmoid(), nn.Linear(5, 3), nn.Sigmoid()).double()
    for p in model.parameters():
        p.numpy()[...] = rng.standard_normal(p.shape)
    return model


def conv_net(seed):
    rng = np.random.default_rng(seed)
    model = nn.Sequential(nn.Conv2d(1, 3, 3), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(4, 3)).double()
    for p in model.parameters():
        p.numpy()[...] = rng.standard_normal(p.shape) * 0.5
    return model


def data(kind, n=32, seed=1):
    rng = np.random.default_rng(seed)
    if kind == "lecture":
        return rng.standard_normal((n, 6)), np.eye(3)[rng.integers(0, 3, n)]
    return rng.random((n, 1, 6, 6)), rng.integers(0, 3, n)


def train_both(make_model, kind, loss_fn, make_optimizer, steps=100, batch=4, shapes=None):
    """The same steps eagerly and captured: both models, and the captured step."""
    images, targets = data(kind)
    eager, captured = make_model(0), make_model(0)
    eager_opt, captured_opt = make_optimizer(eager), make_optimizer(captured)
    step = tg.capture(lambda x, y: loss_fn(captured(x), y), captured_opt, model=captured)
    order = np.random.default_rng(2).integers(0, len(images), (steps, batch))
    for k, index in enumerate(order):
        size = shapes(k) if shapes else batch
        x, y = images[index[:size]], targets[index[:size]]
        loss = loss_fn(eager(tg.Tensor(x)), tg.Tensor(y))
        eager_opt.zero_grad()
        loss.backward()
        eager_opt.step()
        captured_loss = step(x, y)
        assert float(captured_loss) == pytest.approx(float(loss.item()), rel=1e-12, abs=1e-15)
    return eager, captured, step


def assert_same_weights(a, b, tolerance=1e-12):
    for p, q in zip(a.parameters(), b.parameters()):
        np.testing.assert_allclose(p.numpy(), q.numpy(), rtol=tolerance, atol=tolerance)


def test_the_lecture_network_captured_gives_the_eager_weights_after_100_steps():
    eager, captured, step = train_both(lecture_net, "lecture", nn.QuadraticCost(),
                                       lambda m: optim.SGD(m.parameters(), lr=3.0))
    assert step.replaying and step.calls == 100
    assert_same_weights(eager, captured)


def test_a_conv_net_with_momentum_captured_gives_the_eager_weights_after_100_steps():
    eager, captured, step = train_both(
        conv_net, "conv", nn.CrossEntropyLoss(),
        lambda m: optim.SGD(m.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-3))
    assert step.replaying
    assert_same_weights(eager, captured)


def test_another_optimizer_is_replayed_through_its_own_step():
    eager, captured, step = train_both(lecture_net, "lecture", nn.QuadraticCost(),
                                       lambda m: optim.Adam(m.parameters(), lr=0.01), steps=30)
    assert step.replaying
    assert_same_weights(eager, captured)


def test_a_replayed_step_builds_no_graph_and_runs_no_walk(monkeypatch):
    images, targets = data("lecture")
    model = lecture_net(0)
    loss_fn = nn.QuadraticCost()
    step = tg.capture(lambda x, y: loss_fn(model(x), y), optim.SGD(model.parameters(), lr=1.0))
    step(images[:4], targets[:4])
    step(images[4:8], targets[4:8])
    assert step.replaying

    def refuse(*args, **kwargs):
        raise AssertionError("a replayed step must not record ops or walk the graph")
    monkeypatch.setattr(autograd.Op, "apply", classmethod(refuse))
    monkeypatch.setattr(autograd, "backward_walk", refuse)
    before = model[0].weight.numpy().copy()
    step(images[8:12], targets[8:12])
    assert not np.array_equal(before, model[0].weight.numpy())


def test_a_changed_batch_shape_runs_eagerly_with_a_clear_message():
    with pytest.warns(UserWarning, match=r"capture: the inputs have shapes/dtypes .*\(3, 6\).* "
                                         r"captured for .*\(4, 6\).*runs eagerly"):
        eager, captured, step = train_both(lecture_net, "lecture", nn.QuadraticCost(),
                                           lambda m: optim.SGD(m.parameters(), lr=3.0),
                                           steps=12, shapes=lambda k: 3 if k == 7 else 4)
    assert step.replaying  # the other shapes still replay
    assert_same_weights(eager, captured)


def test_a_dropout_mask_made_inside_the_step_is_not_captured():
    images, targets = data("lecture")
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 5), nn.Dropout(0.5), nn.Linear(5, 3)).double()
    loss_fn = nn.MSELoss()
    step = tg.capture(lambda x, y: loss_fn(model(x), y), optim.SGD(model.parameters(), lr=0.1))
    with pytest.warns(UserWarning, match=r"the constant .* changed between calls.*dropout"):
        step(images[:4], targets[:4])
        step(images[4:8], targets[4:8])
    assert not step.replaying and "changed between calls" in step.eager_reason
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # said once; later calls are eager without a warning
        step(images[8:12], targets[8:12])
    assert "NOT REPLAYED" in step.source


def test_batchnorm_statistics_updated_outside_the_graph_are_not_captured():
    images, targets = data("conv")
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten(),
                          nn.Linear(32, 3)).double()
    loss_fn = nn.CrossEntropyLoss()
    step = tg.capture(lambda x, y: loss_fn(model(x), y), optim.SGD(model.parameters(), lr=0.1),
                      model=model)
    with pytest.warns(UserWarning, match=r"changes the buffer '1\.running_mean' outside the graph"):
        step(images[:4], targets[:4])
    step(images[4:8], targets[4:8])
    assert not step.replaying
    assert model[1].num_batches_tracked.numpy() == 2  # the eager steps did update them


def test_the_source_is_the_program_line_for_line():
    images, targets = data("lecture")
    model = lecture_net(0)
    loss_fn = nn.QuadraticCost()
    step = tg.capture(lambda x, y: loss_fn(model(x), y),
                      optim.SGD(model.parameters(), lr=3.0), model=model)
    step(images[:4], targets[:4])
    step(images[4:8], targets[4:8])
    source = step.source
    program = step.program
    op_lines = [line for line in source.splitlines() if " = " in line and "(" in line
                and not line.strip().startswith(("#", "c"))]
    assert len(op_lines) == len(program.instructions)
    assert "def captured_step(x, y):" in source
    assert "v0 = Linear(x, layer0_weight, layer0_bias)" in source
    assert "# rule of Sigmoid (v3): δ(x) = δ(out) ⊙ out ⊙ (1 − out)" in source
    assert "layer0_weight -= 3.0 * grad_layer0_weight" in source
    assert [i.phase for i in program.instructions].count("forward") == 5


def test_dropping_one_instruction_changes_the_weights():
    """The equality tests bite: a replay that skips one rule's operation is caught."""
    images, targets = data("lecture")
    models = [lecture_net(0), lecture_net(0)]
    loss_fn = nn.QuadraticCost()
    steps = [tg.capture(lambda x, y, m=m: loss_fn(m(x), y), optim.SGD(m.parameters(), lr=3.0))
             for m in models]
    for step in steps:
        step(images[:4], targets[:4])
        step(images[4:8], targets[4:8])
    broken = steps[1].program.instructions
    multiply = next(k for k, i in enumerate(broken) if i.phase.startswith("Sigmoid (v1)")
                    and i.op_class.__name__ == "Mul")
    broken[multiply] = broken[multiply - 1].__class__(**{
        **vars(broken[multiply]), "inputs": (broken[multiply].inputs[0],) * 2})
    steps[1]._replay_program = build_replay(steps[1].program)  # replay the planted program
    for step in steps:
        step(images[8:12], targets[8:12])
    difference = max(float(np.abs(p.numpy() - q.numpy()).max())
                     for p, q in zip(models[0].parameters(), models[1].parameters()))
    assert difference > 1e-6


def test_capture_needs_a_scalar_loss():
    model = lecture_net(0)
    step = tg.capture(lambda x: model(x), optim.SGD(model.parameters(), lr=1.0))
    with pytest.raises(TypeError, match="capture: the step function must return a scalar loss"):
        step(np.zeros((2, 6)))
