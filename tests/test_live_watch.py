"""What tg.live measures, checked without a browser: the probe's histograms, saturation, update-to-weight ratio, weight images and decision boundary against numpy; the nudge against a numeric ΔC; the controls' checks; the whole step's update rule for Adam against torch."""

import base64
import re

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.lens.trace import trace_backward
from tinygrad_edu.lens.training_step import update_steps
from tinygrad_edu.live import probes
from tinygrad_edu.live.controls import Controls, nudge


def decode(text):
    return np.frombuffer(base64.b64decode(text), dtype=np.uint8)


def sigmoid_net(seed=0, inputs=784, hidden=6):
    tg.manual_seed(seed)
    return nn.Sequential(nn.Linear(inputs, hidden), nn.Sigmoid(), nn.Linear(hidden, 3))


def test_layer_probe_histograms_and_saturation_match_numpy():
    model = sigmoid_net(inputs=4)
    inputs = np.random.default_rng(0).normal(0, 3, (50, 4)).astype(np.float32)
    targets = np.arange(50) % 3
    layers, outputs, cost = probes.layer_probe(model, nn.CrossEntropyLoss(), inputs, targets)
    w, b = (p.numpy().astype(np.float64) for p in model[0].parameters())
    hidden = 1 / (1 + np.exp(-(inputs @ w.T + b)))
    assert [layer["name"] for layer in layers] == ["0 (Linear)", "1 (Sigmoid)", "2 (Linear)"]
    shown = layers[1]["activation"]
    counts, _ = np.histogram(hidden, bins=probes.BINS, range=(hidden.min(), hidden.max()))
    assert shown["lo"] == pytest.approx(hidden.min(), rel=1e-5)
    assert sum(shown["counts"]) == hidden.size and np.abs(np.array(shown["counts"]) - counts).sum() <= 2
    assert layers[1]["saturated"] == pytest.approx(np.mean((hidden < 0.05) | (hidden > 0.95)))
    assert layers[0]["saturated"] is None
    # ∂C/∂a of the hidden layer, against the closed form of softmax cross-entropy
    scores = outputs.astype(np.float64)
    probabilities = np.exp(scores - scores.max(1, keepdims=True))
    probabilities /= probabilities.sum(1, keepdims=True)
    delta = (probabilities - np.eye(3)[targets]) / 50 @ model[2].weight.numpy().astype(np.float64)
    assert layers[1]["gradient"]["mean"] == pytest.approx(delta.mean(), rel=1e-3, abs=1e-9)
    assert cost == pytest.approx(-np.log(probabilities[np.arange(50), targets]).mean(), rel=1e-5)
    assert all(p.grad is None for p in model.parameters())              # tg.grad, not .grad


def test_update_to_weight_ratio_and_weight_images():
    model = sigmoid_net()
    before = {name: p.numpy().copy() for name, p in model.named_parameters()}
    model[0].weight.numpy()[...] += 0.01
    stats = {s["name"]: s for s in probes.parameter_stats(model, before)}
    expected = np.linalg.norm(np.full((6, 784), 0.01)) / np.linalg.norm(before["0.weight"])
    assert stats["0.weight"]["ratio"] == pytest.approx(expected, rel=1e-4)
    assert stats["0.bias"]["ratio"] == 0.0 and stats["0.weight"]["grad"] is None
    images = probes.weight_images(model)
    assert (images["side"], images["count"], images["name"]) == (28, 6, "0.weight")
    pixels = decode(images["pixels"]).reshape(6, 784)
    w = model[0].weight.numpy()
    strongest = np.abs(w).argmax(axis=1)
    for unit in range(6):                                 # ±max|w| → 0 or 255, 0 → about 128
        assert pixels[unit, strongest[unit]] in (0, 255)
        assert np.corrcoef(pixels[unit].astype(float), w[unit])[0, 1] > 0.999
    assert probes.weight_images(sigmoid_net(inputs=5)) is None         # not a square image


def test_decision_boundary_is_the_models_argmax_on_the_grid():
    tg.manual_seed(1)
    model = nn.Sequential(nn.Linear(2, 3))
    box = [-1.0, 2.0, -3.0, 1.0]
    found = probes.decision_boundary(model, box, resolution=5)
    classes = decode(found["classes"]).reshape(5, 5)
    xs, ys = np.linspace(-1, 2, 5), np.linspace(1, -3, 5)             # the top row first
    for row, y in enumerate(ys):
        for column, x in enumerate(xs):
            scores = model(tg.tensor([[x, y]], dtype=tg.float32)).numpy()
            assert classes[row, column] == scores.argmax()


def test_nudge_measures_delta_c_and_puts_the_weight_back():
    model = sigmoid_net(inputs=3)
    rng = np.random.default_rng(2)
    inputs, targets = rng.normal(size=(20, 3)).astype(np.float32), np.arange(20) % 3
    loss_fn = nn.CrossEntropyLoss()
    original = model[0].weight.numpy().copy()
    result = nudge(model, loss_fn, inputs, targets, "0.weight", 4, 1e-2)
    np.testing.assert_array_equal(model[0].weight.numpy(), original)
    changed = {name: p.numpy().copy() for name, p in model.named_parameters()}
    changed["0.weight"].flat[4] += np.float32(1e-2)
    clone = sigmoid_net(inputs=3)
    clone.load_state_dict(changed)
    after = float(loss_fn(clone(tg.tensor(inputs)), tg.tensor(targets)).numpy())
    assert result["C_after"] == pytest.approx(after, rel=1e-6)
    assert result["actual"] == pytest.approx(result["C_after"] - result["C"])
    assert result["predicted"] == pytest.approx(result["actual"], rel=0.05)   # ΔC ≈ ∂C/∂w·Δw
    with pytest.raises(ValueError, match=r"nudge: index 99 is outside 0.bias, which has 6"):
        nudge(model, loss_fn, inputs, targets, "0.bias", 99, 0.1)


@pytest.mark.parametrize("request_, message", [
    ({"action": "fly"}, "control: unknown action 'fly'"),
    ({"action": "lr", "value": 0}, "lr: the learning rate must be > 0, got 0"),
    ({"action": "lr", "value": "x"}, "lr: value must be a finite number"),
    ({"action": "nudge", "parameter": "w", "index": 0, "delta": 1}, "nudge: no parameter named 'w'"),
    ({"action": "nudge", "parameter": "b", "index": -1, "delta": 1}, "nudge: index must be an int >= 0"),
])
def test_bad_control_requests_are_clear_errors(request_, message):
    with pytest.raises(ValueError, match=message):
        Controls().request(request_, True, ["b"])
    with pytest.raises(ValueError, match="watched without an optimizer"):
        Controls().request({"action": "lr", "value": 1.0}, False, ["b"])


def test_one_step_then_pause_again_and_a_closed_page_resumes():
    controls, served = Controls(), []
    controls.request({"action": "step"}, True, [])
    controls.wait_while_paused(served.append, lambda: served.append("shown"), lambda: True)
    assert controls.paused and served == []                  # one step allowed, no wait
    controls.wait_while_paused(served.append, lambda: served.append("shown"), lambda: False)
    assert not controls.paused and served == ["shown"]        # no page any more: resumes


def test_a_watch_without_data_shows_curves_and_parameters(tmp_path):
    model = sigmoid_net(inputs=4)
    with tg.live.watch(model, path=tmp_path / "p.html", show_url=False, every=0.0,
                       overhead=None) as watch:
        watch.step(loss=1.0, margin=tg.tensor(0.5))
        watch.step(loss=3.0, margin=0.25)
        with pytest.raises(TypeError, match=r"watch.step: margin must be a number or a 1-element"):
            watch.step(margin=np.zeros(3))
        state = watch.state()
    assert state["series"]["loss"] == [[2, 2.0]] and state["series"]["margin"] == [[2, 0.375]]
    assert "layers" not in state["latest"] and len(state["latest"]["parameters"]) == 4
    assert not state["run"]["two_d"] and state["run"]["has_data"] is False


def test_the_whole_steps_adam_update_matches_torch():
    torch = pytest.importorskip("torch")
    model = sigmoid_net(inputs=3, hidden=2)
    optimizer = optim.Adam(model.parameters(), lr=0.05, betas=(0.8, 0.9), weight_decay=0.1)
    x, y = tg.tensor([[0.3, -0.2, 0.9]]), tg.tensor([1])
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(2):                                        # a state with t = 2 before the step
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        optimizer.step()
    saved = optimizer.state_dict()
    cost = loss_fn(model(x), y)
    steps = update_steps(trace_backward(cost, params=model), optimizer, max_elements=20,
                         precision=8)
    assert optimizer.state_dict()["state"][0]["step"] == saved["state"][0]["step"] == 2
    copies = [torch.tensor(p.numpy(), dtype=torch.float64, requires_grad=True)
              for p in model.parameters()]
    reference = torch.optim.Adam(copies, lr=0.05, betas=(0.8, 0.9), weight_decay=0.1)
    reference.load_state_dict({"state": {i: {"step": torch.tensor(2.0),
                                            "exp_avg": torch.tensor(s["exp_avg"], dtype=torch.float64),
                                            "exp_avg_sq": torch.tensor(s["exp_avg_sq"], dtype=torch.float64)}
                                        for i, s in saved["state"].items()},
                               "param_groups": reference.state_dict()["param_groups"]})
    tensors = [torch.tensor(a, dtype=torch.float64) for a in (x.numpy(), y.numpy())]
    scores = torch.sigmoid(tensors[0] @ copies[0].T + copies[1]) @ copies[2].T + copies[3]
    torch.nn.functional.cross_entropy(scores, tensors[1].long()).backward()
    reference.step()
    assert [s["parameter"] for s in steps] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    for step, expected in zip(steps, copies):
        shown = [float(v) for v in re.findall(r"-?\d+\.?\d*(?:e[-+]?\d+)?", step["after"])]
        np.testing.assert_allclose(shown, expected.detach().numpy().ravel(), rtol=1e-5)
        assert "m̂ = m / (1 − β₁ᵗ)" in step["rule"] and step["buffers"]["step"] == "3"
