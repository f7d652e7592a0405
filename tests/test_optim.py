"""Tests of tinygrad_edu.optim: every optimizer against its update equations in numpy and against PyTorch, schedules, state_dict."""

import math
import tracemalloc

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import optim

STEPS = 25

# A fixed linear-regression problem: loss(w, b) = 1/(2n) Σ (X w + b − y)².
_RNG = np.random.default_rng(1234)
X = _RNG.normal(size=(16, 5))
Y = _RNG.normal(size=(16, 3))
W0 = _RNG.normal(size=(5, 3))
B0 = _RNG.normal(size=(3,))


def analytic_gradients(w, b):
    """∂loss/∂w = Xᵀ r / n and ∂loss/∂b = Σ r / n, with residual r = X w + b − y."""
    residual = X @ w + b - Y
    return [X.T @ residual / len(X), residual.mean(axis=0)]


def tg_loss(w, b):
    residual = tg.Tensor(X) @ w + b - tg.Tensor(Y)
    return (residual * residual).sum() / (2 * len(X))


# ----- the update equations, written out again in numpy (independently of the package) -----

def reference_sgd(params, grads, state, lr, momentum=0.0, dampening=0.0, weight_decay=0.0,
                  nesterov=False):
    for i, (p, g) in enumerate(zip(params, grads)):
        d = g + weight_decay * p
        if momentum:
            if i not in state:
                state[i] = d.copy()
            else:
                state[i] = momentum * state[i] + (1 - dampening) * d
            d = d + momentum * state[i] if nesterov else state[i]
        params[i] = p - lr * d


def reference_adam(params, grads, state, lr=1e-3, betas=(0.9, 0.999), eps=1e-8,
                   weight_decay=0.0, amsgrad=False, decoupled=False):
    beta1, beta2 = betas
    for i, (p, g) in enumerate(zip(params, grads)):
        s = state.setdefault(i, {"t": 0, "m": np.zeros_like(p), "v": np.zeros_like(p),
                                 "vmax": np.zeros_like(p)})
        if decoupled:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
        s["t"] += 1
        s["m"] = beta1 * s["m"] + (1 - beta1) * g
        s["v"] = beta2 * s["v"] + (1 - beta2) * g * g
        s["vmax"] = np.maximum(s["vmax"], s["v"])
        v = s["vmax"] if amsgrad else s["v"]
        m_hat = s["m"] / (1 - beta1 ** s["t"])
        v_hat = v / (1 - beta2 ** s["t"])
        params[i] = p - lr * m_hat / (np.sqrt(v_hat) + eps)


def reference_adamw(params, grads, state, weight_decay=1e-2, **options):
    reference_adam(params, grads, state, weight_decay=weight_decay, decoupled=True, **options)


def reference_rmsprop(params, grads, state, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0,
                      momentum=0.0, centered=False):
    for i, (p, g) in enumerate(zip(params, grads)):
        s = state.setdefault(i, {"sq": np.zeros_like(p), "avg": np.zeros_like(p),
                                 "buf": np.zeros_like(p)})
        g = g + weight_decay * p
        s["sq"] = alpha * s["sq"] + (1 - alpha) * g * g
        if centered:
            s["avg"] = alpha * s["avg"] + (1 - alpha) * g
            denominator = np.sqrt(s["sq"] - s["avg"] ** 2) + eps
        else:
            denominator = np.sqrt(s["sq"]) + eps
        if momentum:
            s["buf"] = momentum * s["buf"] + g / denominator
            params[i] = p - lr * s["buf"]
        else:
            params[i] = p - lr * g / denominator


def reference_adagrad(params, grads, state, lr=1e-2, lr_decay=0.0, weight_decay=0.0,
                      initial_accumulator_value=0.0, eps=1e-10):
    for i, (p, g) in enumerate(zip(params, grads)):
        s = state.setdefault(i, {"t": 0, "sum": np.full_like(p, initial_accumulator_value)})
        s["t"] += 1
        g = g + weight_decay * p
        s["sum"] = s["sum"] + g * g
        params[i] = p - lr / (1 + (s["t"] - 1) * lr_decay) * g / (np.sqrt(s["sum"]) + eps)


REFERENCES = {"SGD": reference_sgd, "Adam": reference_adam, "AdamW": reference_adamw,
              "RMSprop": reference_rmsprop, "Adagrad": reference_adagrad}

CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.5)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.1, weight_decay=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.8, weight_decay=0.05, nesterov=True)),
    ("Adam", dict(lr=0.05)),
    ("Adam", dict(lr=0.05, betas=(0.8, 0.99), weight_decay=0.1)),
    ("Adam", dict(lr=0.05, amsgrad=True)),
    ("Adam", dict(lr=0.05, eps=1e-3, amsgrad=True, weight_decay=0.01)),
    ("AdamW", dict(lr=0.05)),
    ("AdamW", dict(lr=0.05, weight_decay=0.3, amsgrad=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.01, momentum=0.9)),
    ("RMSprop", dict(lr=0.005, alpha=0.9, momentum=0.5, centered=True, weight_decay=0.1)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.1, weight_decay=0.05)),
    ("Adagrad", dict(lr=0.1, initial_accumulator_value=0.5, eps=1e-6)),
]
CASE_IDS = [f"{name}-" + "-".join(f"{k}={v}" for k, v in options.items()) for name, options in CASES]


def run_tinygrad(name, options, steps=STEPS, dtype=np.float64):
    w = tg.Tensor(W0.astype(dtype), requires_grad=True)
    b = tg.Tensor(B0.astype(dtype), requires_grad=True)
    optimizer = getattr(optim, name)([w, b], **options)
    trajectory = []
    for _ in range(steps):
        optimizer.zero_grad()
        tg_loss(w, b).backward()
        optimizer.step()
        trajectory.append([w.numpy().copy(), b.numpy().copy()])
    return trajectory


@pytest.mark.parametrize("name, options", CASES, ids=CASE_IDS)
def test_optimizer_follows_its_update_equations(name, options):
    params, state = [W0.copy(), B0.copy()], {}
    ours = run_tinygrad(name, options)
    for step, (w, b) in enumerate(ours):
        REFERENCES[name](params, analytic_gradients(*params), state, **options)
        np.testing.assert_allclose(w, params[0], rtol=1e-10, atol=1e-12, err_msg=f"step {step}")
        np.testing.assert_allclose(b, params[1], rtol=1e-10, atol=1e-12, err_msg=f"step {step}")
    assert not np.allclose(ours[-1][0], W0), "the parameters did not move"


@pytest.mark.parametrize("name, options", CASES, ids=CASE_IDS)
def test_optimizer_matches_pytorch_step_for_step(name, options):
    torch = pytest.importorskip("torch")
    w = torch.tensor(W0, requires_grad=True)
    b = torch.tensor(B0, requires_grad=True)
    optimizer = getattr(torch.optim, name)([w, b], **options)
    x, y = torch.tensor(X), torch.tensor(Y)
    for step, (our_w, our_b) in enumerate(run_tinygrad(name, options)):
        optimizer.zero_grad()
        (((x @ w + b - y) ** 2).sum() / (2 * len(X))).backward()
        optimizer.step()
        np.testing.assert_allclose(our_w, w.detach().numpy(), rtol=1e-9, atol=1e-11,
                                   err_msg=f"step {step}")
        np.testing.assert_allclose(our_b, b.detach().numpy(), rtol=1e-9, atol=1e-11,
                                   err_msg=f"step {step}")


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"])
def test_float32_parameters_stay_float32_and_learn(name):
    lr = 0.2 if name in ("SGD", "Adagrad") else 0.05
    trajectory = run_tinygrad(name, dict(lr=lr), steps=60, dtype=np.float32)
    w, b = trajectory[-1]
    assert w.dtype == np.float32 and b.dtype == np.float32
    start = float(tg_loss(tg.Tensor(W0), tg.Tensor(B0)).item())
    end = float(tg_loss(tg.Tensor(w.astype(np.float64)), tg.Tensor(b.astype(np.float64))).item())
    assert end < 0.5 * start


def test_sgd_is_the_lectures_rule_on_the_minibatch_mean():
    # w → w − (η/m) Σₓ ∂Cₓ/∂w: the mean cost's gradient times η is exactly that.
    w = tg.tensor([[0.5, -1.0]], requires_grad=True, dtype=tg.float64)
    xs = np.array([[1.0, 2.0], [3.0, -1.0], [0.0, 1.0]])
    targets = np.array([1.0, 0.0, 2.0])
    per_example = []
    for x, y in zip(xs, targets):
        residual = float((w.numpy() @ x)[0]) - y
        per_example.append(residual * x)  # ∂Cₓ/∂w for Cₓ = ½ (w·x − y)²
    eta, m = 0.3, len(xs)
    expected = w.numpy() - (eta / m) * np.sum(per_example, axis=0)
    residual = (tg.Tensor(xs) @ w.T).reshape(3) - tg.Tensor(targets)
    (0.5 * residual * residual).mean().backward()
    optim.SGD([w], lr=eta).step()
    np.testing.assert_allclose(w.numpy(), expected, rtol=1e-12)


def test_plain_sgd_step_updates_in_place_without_allocating():
    shapes = [(30, 784), (30,), (10, 30), (10,)]
    rng = np.random.default_rng(0)
    params = [tg.Tensor(rng.normal(size=s).astype(np.float32), requires_grad=True) for s in shapes]
    for p in params:
        p.grad = tg.Tensor(rng.normal(size=p.shape).astype(np.float32))
    arrays = [p.numpy() for p in params]
    before = [a.copy() for a in arrays]
    optimizer = optim.SGD(params, lr=3.0)
    optimizer.step()  # the first step makes the scratch buffers
    tracemalloc.start()
    try:
        for _ in range(20):
            optimizer.step()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4096, f"plain SGD steps allocated {peak} bytes"
    for p, array, start in zip(params, arrays, before):
        assert p.numpy() is array  # same array object: the update was in place
        np.testing.assert_allclose(array, start - 21 * np.float32(3.0) * p.grad.numpy(), rtol=1e-4,
                                   atol=1e-3)


def test_step_skips_parameters_without_gradient():
    a = tg.tensor([1.0, 2.0], requires_grad=True)
    b = tg.tensor([3.0, 4.0], requires_grad=True)
    for name in ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"]:
        optimizer = getattr(optim, name)([a, b], lr=0.1)
        optimizer.zero_grad()
        (a * a).sum().backward()
        start_b = b.numpy().copy()
        optimizer.step()
        np.testing.assert_array_equal(b.numpy(), start_b)
        assert b not in optimizer.state
        assert not np.allclose(a.numpy(), [1.0, 2.0])
        a.numpy()[...] = [1.0, 2.0]


def test_zero_grad_sets_to_none_or_zero():
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    optimizer = optim.SGD([w], lr=0.1)
    (w * w).sum().backward()
    optimizer.zero_grad(set_to_none=False)
    assert w.grad is not None and np.all(w.grad.numpy() == 0)
    (w * w).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), [2.0, 4.0])  # accumulated onto zeros, not onto 2w
    optimizer.zero_grad()
    assert w.grad is None


def test_parameter_groups_have_their_own_hyperparameters():
    a = tg.tensor([1.0], requires_grad=True)
    b = tg.tensor([1.0], requires_grad=True)
    optimizer = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1, momentum=0.0)
    assert [g["lr"] for g in optimizer.param_groups] == [0.1, 0.5]
    (a + b).sum().backward()
    optimizer.step()
    np.testing.assert_allclose([a.item(), b.item()], [0.9, 0.5], rtol=1e-6)


@pytest.mark.parametrize("name, options", [c for c in CASES if c[1].get("momentum") or
                                           c[0] != "SGD"][::2])
def test_state_dict_round_trip_continues_identically(name, options):
    w = tg.Tensor(W0.copy(), requires_grad=True)
    b = tg.Tensor(B0.copy(), requires_grad=True)
    optimizer = getattr(optim, name)([w, b], **options)

    def train(opt, params, steps):
        for _ in range(steps):
            opt.zero_grad()
            tg_loss(*params).backward()
            opt.step()

    train(optimizer, [w, b], 10)
    saved = optimizer.state_dict()
    assert set(saved) == {"state", "param_groups"}
    assert saved["param_groups"][0]["params"] == [0, 1]
    assert all(isinstance(v, (np.ndarray, int, float)) for s in saved["state"].values()
               for v in s.values())
    w2 = tg.Tensor(w.numpy().copy(), requires_grad=True)
    b2 = tg.Tensor(b.numpy().copy(), requires_grad=True)
    fresh = getattr(optim, name)([w2, b2], lr=123.0)  # the loaded groups restore the real lr
    fresh.load_state_dict(saved)
    assert fresh.param_groups[0]["lr"] == optimizer.param_groups[0]["lr"]
    train(optimizer, [w, b], 10)
    train(fresh, [w2, b2], 10)
    np.testing.assert_array_equal(w.numpy(), w2.numpy())
    np.testing.assert_array_equal(b.numpy(), b2.numpy())
    # The saved state is a copy: training on did not change it.
    for buffers in saved["state"].values():
        for key, value in buffers.items():
            if isinstance(value, np.ndarray):
                assert not np.shares_memory(value, optimizer.state[w].get(key, np.empty(0)))


def test_state_dict_survives_save_and_load(tmp_path):
    w = tg.Tensor(W0.copy(), requires_grad=True)
    b = tg.Tensor(B0.copy(), requires_grad=True)
    optimizer = optim.Adam([w, b], lr=0.05)
    for _ in range(3):
        optimizer.zero_grad()
        tg_loss(w, b).backward()
        optimizer.step()
    state = optimizer.state_dict()
    fresh = optim.Adam([tg.Tensor(W0.copy(), requires_grad=True),
                        tg.Tensor(B0.copy(), requires_grad=True)])
    fresh.load_state_dict(state)
    np.testing.assert_array_equal(fresh.state[fresh.param_groups[0]["params"][0]]["exp_avg"],
                                  optimizer.state[w]["exp_avg"])
    assert fresh.state[fresh.param_groups[0]["params"][1]]["step"] == 3


def test_load_state_dict_rejects_a_different_layout():
    w = tg.Tensor(W0.copy(), requires_grad=True)
    optimizer = optim.SGD([w], lr=0.1, momentum=0.9)
    tg_loss(w, tg.Tensor(B0)).backward()
    optimizer.step()
    other = optim.SGD([tg.Tensor(W0.copy(), requires_grad=True),
                       tg.Tensor(B0.copy(), requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match="1 parameters.*has 2"):
        other.load_state_dict(optimizer.state_dict())
    wrong_shape = optim.SGD([tg.Tensor(np.zeros((2, 2)), requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match=r"shape \(5, 3\).*\(2, 2\)"):
        wrong_shape.load_state_dict(optimizer.state_dict())


@pytest.mark.parametrize("make, message", [
    (lambda p: optim.SGD(p, lr=-0.1), "invalid lr -0.1"),
    (lambda p: optim.SGD(p, lr=float("nan")), "invalid lr"),
    (lambda p: optim.SGD(p, lr=0.1, nesterov=True), "nesterov=True needs momentum > 0"),
    (lambda p: optim.SGD(p, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), "dampening = 0"),
    (lambda p: optim.SGD(p, lr=0.1, momentum=-0.5), "invalid momentum"),
    (lambda p: optim.Adam(p, betas=(1.0, 0.999)), r"beta1.*\[0.0, 1.0\)"),
    (lambda p: optim.Adam(p, betas=(0.9, -0.1)), "beta2"),
    (lambda p: optim.AdamW(p, eps=-1e-8), "invalid eps"),
    (lambda p: optim.RMSprop(p, alpha=1.5), "invalid alpha"),
    (lambda p: optim.Adagrad(p, lr_decay=-1), "invalid lr_decay"),
    (lambda p: optim.Adam(p, weight_decay=-1), "invalid weight_decay"),
])
def test_bad_hyperparameters_raise_clear_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make([tg.tensor([1.0], requires_grad=True)])


def test_bad_parameters_raise_clear_errors():
    w = tg.tensor([1.0], requires_grad=True)
    with pytest.raises(TypeError, match="single Tensor; wrap it in a list"):
        optim.SGD(w, lr=0.1)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="does not require grad"):
        optim.SGD([tg.tensor([1.0])], lr=0.1)
    with pytest.raises(ValueError, match="more than one place"):
        optim.SGD([w, w], lr=0.1)
    with pytest.raises(TypeError, match="not a Tensor"):
        optim.Adam([np.zeros(3)])
    with pytest.raises(ValueError, match="not a leaf"):
        optim.SGD([w * 2], lr=0.1)
    w.grad = tg.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"gradient .* shape \(2,\)"):
        optim.SGD([w], lr=0.1).step()


def test_step_calls_the_closure_and_returns_its_loss():
    w = tg.tensor([3.0], requires_grad=True)
    optimizer = optim.SGD([w], lr=0.25)

    def closure():
        optimizer.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    with tg.no_grad():  # the closure runs with gradients on anyway
        loss = optimizer.step(closure)
    assert loss.item() == 9.0
    assert w.item() == pytest.approx(3.0 - 0.25 * 6.0)


# ----- learning-rate schedules -----------------------------------------------------------------

def closed_form(name, base, epoch, options):
    if name == "StepLR":
        return base * options.get("gamma", 0.1) ** (epoch // options["step_size"])
    if name == "ExponentialLR":
        return base * options["gamma"] ** epoch
    eta_min = options.get("eta_min", 0.0)
    return eta_min + (base - eta_min) * (1 + math.cos(math.pi * epoch / options["T_max"])) / 2


SCHEDULES = [
    ("StepLR", dict(step_size=3)),
    ("StepLR", dict(step_size=2, gamma=0.5)),
    ("ExponentialLR", dict(gamma=0.9)),
    ("CosineAnnealingLR", dict(T_max=10)),
    ("CosineAnnealingLR", dict(T_max=7, eta_min=0.01)),
]


def _our_lrs(name, options, epochs=25, lrs=(0.5, 0.1)):
    params = [tg.tensor([1.0], requires_grad=True) for _ in lrs]
    optimizer = optim.SGD([{"params": [p], "lr": lr} for p, lr in zip(params, lrs)], lr=lrs[0])
    scheduler = getattr(optim, name)(optimizer, **options)
    sequence = []
    with tg.guardrails("off", tg.NoGradientWarning):  # only the schedule matters here
        for _ in range(epochs):
            sequence.append(scheduler.get_last_lr())
            optimizer.step()
            scheduler.step()
    return sequence


@pytest.mark.parametrize("name, options", SCHEDULES)
def test_schedules_follow_their_formula(name, options):
    for epoch, lrs in enumerate(_our_lrs(name, options)):
        assert lrs == pytest.approx([closed_form(name, base, epoch, options) for base in (0.5, 0.1)],
                                    rel=1e-12, abs=1e-14)


@pytest.mark.parametrize("name, options", SCHEDULES)
def test_schedules_match_pytorch(name, options):
    torch = pytest.importorskip("torch")
    params = [torch.zeros(1, requires_grad=True) for _ in range(2)]
    optimizer = torch.optim.SGD([{"params": [params[0]], "lr": 0.5},
                                 {"params": [params[1]], "lr": 0.1}], lr=0.5)
    scheduler = getattr(torch.optim.lr_scheduler, name)(optimizer, **options)
    for epoch, ours in enumerate(_our_lrs(name, options)):
        assert ours == pytest.approx(scheduler.get_last_lr(), rel=1e-9, abs=1e-12), f"epoch {epoch}"
        optimizer.step()
        scheduler.step()


def test_scheduler_changes_the_optimizers_lr_and_round_trips():
    w = tg.tensor([1.0], requires_grad=True)
    optimizer = optim.SGD([w], lr=1.0)
    scheduler = optim.StepLR(optimizer, step_size=2, gamma=0.5)
    for _ in range(3):
        scheduler.step()
    assert optimizer.param_groups[0]["lr"] == 0.5
    saved = scheduler.state_dict()
    assert "optimizer" not in saved and saved["last_epoch"] == 3
    optimizer2 = optim.SGD([tg.tensor([1.0], requires_grad=True)], lr=1.0)
    scheduler2 = optim.StepLR(optimizer2, step_size=99, gamma=0.9)
    scheduler2.load_state_dict(saved)
    for _ in range(5):
        scheduler.step()
        scheduler2.step()
        assert scheduler2.get_last_lr() == scheduler.get_last_lr()
    assert scheduler.get_last_lr() == [0.0625]  # epoch 8: 0.5⁴


def test_scheduler_errors():
    optimizer = optim.SGD([tg.tensor([1.0], requires_grad=True)], lr=1.0)
    with pytest.raises(ValueError, match="step_size must be an int >= 1"):
        optim.StepLR(optimizer, step_size=0)
    with pytest.raises(ValueError, match="T_max"):
        optim.CosineAnnealingLR(optimizer, T_max=0)
    with pytest.raises(TypeError, match="expected an optimizer"):
        optim.ExponentialLR([1.0], gamma=0.5)
    with pytest.raises(ValueError, match="factor must be in"):
        optim.ReduceLROnPlateau(optimizer, factor=1.5)
    with pytest.raises(ValueError, match="mode must be"):
        optim.ReduceLROnPlateau(optimizer, mode="up")


PLATEAU_METRICS = [1.0, 0.9, 0.9, 0.91, 0.95, 0.9, 0.85, 0.85, 0.86, 0.87, 0.88, 0.85, 0.5,
                   0.5, 0.5, 0.5, 0.5, 0.49999, 0.5, 0.5, 0.5, 0.5]
PLATEAU_CASES = [
    dict(mode="min", factor=0.5, patience=2),
    dict(mode="min", factor=0.1, patience=1, cooldown=2, min_lr=0.001),
    dict(mode="max", factor=0.5, patience=1, threshold=0.05, threshold_mode="abs"),
    dict(mode="min", factor=0.5, patience=0, threshold=0.02),
]


def _our_plateau(options):
    optimizer = optim.SGD([tg.tensor([1.0], requires_grad=True)], lr=0.1)
    scheduler = optim.ReduceLROnPlateau(optimizer, **options)
    sequence = []
    for metric in PLATEAU_METRICS:
        scheduler.step(metric)
        sequence.append(scheduler.get_last_lr()[0])
    return sequence


@pytest.mark.parametrize("options", PLATEAU_CASES)
def test_reduce_on_plateau_matches_pytorch(options):
    torch = pytest.importorskip("torch")
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, **options)
    expected = []
    for metric in PLATEAU_METRICS:
        scheduler.step(metric)
        expected.append(scheduler.get_last_lr()[0])
    assert _our_plateau(options) == pytest.approx(expected, rel=1e-12)


def test_reduce_on_plateau_by_hand():
    # patience 2: the third epoch in a row without improvement halves the lr.
    assert _our_plateau(dict(mode="min", factor=0.5, patience=2))[:7] == pytest.approx(
        [0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05])
    optimizer = optim.SGD([tg.tensor([1.0], requires_grad=True)], lr=0.1)
    scheduler = optim.ReduceLROnPlateau(optimizer, patience=0)
    scheduler.step(1.0)
    saved = scheduler.state_dict()
    scheduler.step(2.0)
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.01)
    clone_optimizer = optim.SGD([tg.tensor([1.0], requires_grad=True)], lr=0.1)
    clone = optim.ReduceLROnPlateau(clone_optimizer)
    clone.load_state_dict(saved)
    clone.step(2.0)
    assert clone_optimizer.param_groups[0]["lr"] == pytest.approx(0.01)
    with pytest.raises(ValueError, match="NaN"):
        scheduler.step(float("nan"))
