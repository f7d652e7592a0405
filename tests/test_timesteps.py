"""Backpropagation through time made visible (lens/timesteps.py): one cluster or box per step, explain() naming the step, ‖∂L/∂h_t‖ through time against autograd; and nn.utils.clip_grad_norm_ / clip_grad_value_ against torch."""

import re
import shutil

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.lens.timesteps import (draw_unrolled, gradient_norms_through_time,
                                         plot_gradients_through_time, record_steps, unrolled_dot)


def unrolled(kind="LSTM", steps=4, **options):
    tg.manual_seed(0)
    layer = getattr(nn, kind)(2, 3, **options)
    x = tg.tensor(np.random.default_rng(0).standard_normal((steps, 1, 2)), requires_grad=True,
                  name="x")
    with record_steps() as record:
        output, _ = layer(x)
    return layer, x, output, record


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("steps", [1, 5])
def test_the_picture_has_one_cluster_per_step(kind, steps):
    _, _, output, record = unrolled(kind, steps)
    loss = output.sum()
    dot = unrolled_dot(loss, record)
    clusters = re.findall(r'subgraph cluster_\d+ \{\n    graph \[label="step t=(\d+)"', dot)
    assert sorted(int(t) for t in clusters) == list(range(steps))
    boxes = re.findall(r'label="step t=(\d+)\\nout', unrolled_dot(loss, record, collapse=True))
    assert sorted(int(t) for t in boxes) == list(range(steps))
    # the weights are shared by all steps: drawn once, outside every frame
    outside = dot.split("subgraph cluster_")[0]
    assert "weight_hh_l0" in outside and dot.count('label="weight_hh_l0') == 1


def test_every_op_of_a_step_sits_in_its_frame():
    """In an LSTM step: 2 Linear, Add, 4 Index (gate slices), 3 Sigmoid, 2 Tanh, 3 Mul, 1 Add;
    plus x[t] (Index). The frames hold exactly the ops of the cell."""
    _, _, output, record = unrolled("LSTM", 3)
    dot = unrolled_dot(output.sum(), record)
    frames = dot.split("subgraph cluster_")[1:]
    for frame in frames:
        body = frame.split("\n  }")[0]
        ops = re.findall(r'shape="ellipse"[^]]*label="(\w+)"|label="(\w+)"[^]]*shape="ellipse"',
                         body)
        names = sorted(a or b for a, b in ops)
        assert names.count("Linear") == 2 and names.count("Sigmoid") == 3
        assert names.count("Tanh") == 2 and names.count("Mul") == 3
        assert names.count("Index") == 5  # four gate slices and x[t]


def test_bidirectional_two_layers_get_a_frame_per_layer_direction_and_step():
    _, _, output, record = unrolled("GRU", 3, num_layers=2, bidirectional=True)
    assert len(record) == 2 * 2 * 3
    labels = re.findall(r'graph \[label="(step [^"]+)"', unrolled_dot(output.sum(), record))
    assert sorted(labels) == sorted(
        ["step t=0", "step t=1", "step t=2"] +
        [f"step l{layer}{d},t={t}" for layer, d in ((0, "r"), (1, ""), (1, "r"))
         for t in range(3)])


def test_explain_names_the_step():
    _, _, output, record = unrolled("LSTM", 3)
    text = output[-1].sum().explain()
    for tag in ("t=0", "t=1", "t=2"):
        for name in ("h", "c", "f", "i", "o", "g", "x"):
            assert f"{name}[{tag}]" in text
    assert "δ(c[t=1]) +=" in text or "δ(c[t=1])" in text


def test_recording_stops_after_the_block():
    layer, x, _, record = unrolled("RNN", 2)
    layer(x)
    assert len(record) == 2
    from tinygrad_edu.nn import recurrent
    assert recurrent._STEP_LISTENERS == []


def test_gradient_norms_through_time_are_the_adjoints_of_h():
    layer, x, output, record = unrolled("RNN", 6)
    loss = (output[-1] ** 2).sum()
    norms = gradient_norms_through_time(loss, record)
    hidden = record.hidden_states()
    expected = [float(np.linalg.norm(g.numpy())) for g in tg.grad(loss, hidden, retain_graph=True)]
    np.testing.assert_allclose(norms, expected)
    assert norms[-1] == pytest.approx(2 * np.linalg.norm(output[-1].numpy()), rel=1e-5)
    assert all(p.grad is None for p in layer.parameters())  # nothing written to .grad


def test_a_tanh_rnn_with_small_weights_vanishes_and_large_ones_explode():
    """The lesson's claim, measured: ‖∂L/∂h_t‖ shrinks by a steady factor per step back in time
    for small recurrent weights and grows for large ones."""
    curves = {}
    for scale in (0.2, 3.0):
        tg.manual_seed(1)
        rnn = nn.RNN(1, 8, dtype="float64")
        with tg.no_grad():
            rnn.weight_hh_l0.copy_(tg.tensor(np.eye(8) * scale))
            rnn.bias_ih_l0.zero_()
            rnn.bias_hh_l0.zero_()
        # tiny inputs keep tanh in its linear part (tanh′ ≈ 1): the factor per step is `scale`
        x = tg.tensor(np.random.default_rng(0).standard_normal((12, 1, 1)) * 1e-7)
        with record_steps() as record:
            output, _ = rnn(x)
        curves[scale] = gradient_norms_through_time(output[-1].sum(), record)
    assert curves[0.2][0] < 1e-6 * curves[0.2][-1]  # vanished over 11 steps (0.2^11 ≈ 2e-8)
    assert curves[3.0][0] > 1e3 * curves[3.0][-1]   # exploded (near 0, tanh′ ≈ 1)


def test_plot_of_gradients_through_time(tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "through_time.png"
    plot_gradients_through_time({"a": [1e-3, 1e-2, 1.0], "b": [5.0, 2.0, 1.0]}, path)
    assert path.stat().st_size > 1000


@pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz's dot is not installed")
def test_draw_unrolled_renders_svg(tmp_path):
    _, _, output, record = unrolled("GRU", 3)
    path = draw_unrolled(output.sum(), record, tmp_path / "unrolled.svg")
    text = open(path).read()
    assert text.count('class="cluster"') == 3


# ---------------------------------------------------------------------------------------------
# Gradient clipping
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("max_norm, norm_type", [(0.5, 2.0), (100.0, 2.0), (0.1, np.inf),
                                                 (1.0, 1.0)])
def test_clip_grad_norm_matches_torch(max_norm, norm_type):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal((3, 4)), rng.standard_normal(5)]
    ours = [tg.tensor(np.zeros_like(g), requires_grad=True) for g in grads]
    theirs = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for o, t, g in zip(ours, theirs, grads):
        o.grad, t.grad = tg.tensor(g.copy()), torch.tensor(g.copy())
    total = nn.utils.clip_grad_norm_(ours, max_norm, norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    assert total.item() == pytest.approx(expected.item())
    for o, t, g in zip(ours, theirs, grads):
        np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy())
        cosine = np.vdot(o.grad.numpy(), g) / (np.linalg.norm(o.grad.numpy()) * np.linalg.norm(g))
        assert cosine == pytest.approx(1.0)  # the direction is kept


def test_clip_grad_norm_reads_a_generator_once():
    """model.parameters() is a generator: the norm and the scaling must see the same list."""
    layer = nn.Linear(3, 2)
    layer(tg.randn(4, 3)).sum().backward()
    total = nn.utils.clip_grad_norm_(layer.parameters(), 0.01).item()
    assert total > 0.01
    joined = np.concatenate([p.grad.numpy().ravel() for p in layer.parameters()])
    assert np.linalg.norm(joined) == pytest.approx(0.01, rel=1e-4)


def test_clip_grad_value_and_errors():
    p = tg.tensor([0.0, 0.0, 0.0], requires_grad=True)
    p.grad = tg.tensor([-3.0, 0.5, 2.0])
    nn.utils.clip_grad_value_([p], 1.0)
    np.testing.assert_allclose(p.grad.numpy(), [-1.0, 0.5, 1.0])
    p.grad = tg.tensor([np.inf, 0.0, 0.0])
    with pytest.raises(RuntimeError, match="clip_grad_norm_.*(inf|infinite|nan)"):
        nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    with pytest.raises(ValueError, match="max_norm must be a number"):
        nn.utils.clip_grad_norm_([p], -1)


@pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz's dot is not installed")
def test_the_stepper_page_walks_through_time_by_name(tmp_path):
    _, _, output, record = unrolled("RNN", 3)
    path = tg.viz.html(output[-1].sum(), tmp_path / "stepper.html")
    page = open(path, encoding="utf-8").read()
    for t in range(3):
        assert f"h[t={t}]" in page
