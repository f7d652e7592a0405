"""Learner warnings (issue 10): each silent trap fires once, names the user's line, is silenced by its switch, raises in "error" mode, and the corrected program is quiet."""

import math
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn, optim

THIS_FILE = Path(__file__).resolve()
LINES = THIS_FILE.read_text(encoding="utf-8").splitlines()


def site(marker):
    """The line number of the line of this file that ends with the comment `# site: marker`."""
    (number,) = [i + 1 for i, line in enumerate(LINES) if line.rstrip().endswith(f"# site: {marker}")]
    return number


def quiet(function):
    """Run `function` with every learner warning turned into an error (so it must not fire)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", tg.LearnerWarning)
        return function()


def tiny_model(seed=0):
    tg.manual_seed(seed)
    return nn.Sequential(nn.Linear(3, 4), nn.Sigmoid(), nn.Linear(4, 2))


def data(seed=1):
    generator = np.random.default_rng(seed)
    return (tg.tensor(generator.standard_normal((5, 3)).astype(np.float32)),
            tg.tensor(generator.standard_normal((5, 2)).astype(np.float32)))


# ---------------------------------------------------------------------------------------------
# The traps and their corrected programs
# ---------------------------------------------------------------------------------------------

def accumulate_without_zero_grad():
    model, (x, y) = tiny_model(), data()
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    for _ in range(3):
        loss = nn.MSELoss()(model(x), y)
        loss.backward()  # site: accumulate
        optimizer.step()


def accumulate_fixed():
    model, (x, y) = tiny_model(), data()
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    for step in range(3):
        optimizer.zero_grad(set_to_none=bool(step % 2))  # zeros in place work too
        nn.MSELoss()(model(x), y).backward()
        optimizer.step()
    for _ in range(2):  # gradient accumulation over mini-batches, then one step: intended
        model.zero_grad()
        for half in (x[:2], x[2:]):
            nn.MSELoss()(model(half), y[:len(half)]).backward()
        optimizer.step()


def rebind_parameter():
    w = tg.tensor([1.0, -2.0], requires_grad=True)
    for _ in range(2):
        loss = (w * w).sum()
        loss.backward()
        gradient = w.grad  # site: rebind
        if gradient is None:
            return
        w = w - 0.1 * gradient


def rebind_fixed():
    w = tg.tensor([1.0, -2.0], requires_grad=True)
    for _ in range(2):
        (w * w).sum().backward()
        with tg.no_grad():
            w -= 0.1 * w.grad
        w.grad = None
    hidden = (w * 3).retain_grad()
    (hidden * hidden).sum().backward()
    assert hidden.grad is not None


def double_softmax():
    logits = tg.randn(4, 3, requires_grad=True)
    nn.CrossEntropyLoss()(logits.softmax(1), tg.tensor([0, 1, 2, 1]))  # site: double_softmax


def double_softmax_fixed():
    logits = tg.randn(4, 3, requires_grad=True)
    nn.CrossEntropyLoss()(logits, tg.tensor([0, 1, 2, 1])).backward()
    nn.NLLLoss()(logits.log_softmax(1), tg.tensor([0, 1, 2, 1]))
    nn.BCEWithLogitsLoss()(logits, tg.ones(4, 3))


def handmade_softmax_overflow():
    z = tg.tensor([[1000.0, 0.0], [1.0, 2.0]], requires_grad=True)
    return z.exp() / z.exp().sum(1, keepdim=True)  # site: overflow


def handmade_softmax_fixed():
    z = tg.tensor([[1000.0, 0.0], [1.0, 2.0]], requires_grad=True)
    shifted = z - z.max(1, keepdim=True).values
    probabilities = shifted.exp() / shifted.exp().sum(1, keepdim=True)
    assert np.isfinite(probabilities.numpy()).all()
    probabilities.sum().backward()


def zero_initialization():
    model, (x, y) = tiny_model(), data()
    for p in model.parameters():
        nn.init.zeros_(p)
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    nn.MSELoss()(model(x), y).backward()
    optimizer.step()  # site: symmetric


def zero_initialization_fixed():
    model, (x, y) = tiny_model(), data()
    nn.init.zeros_(model[2].weight)  # zeros in the last layer only break no symmetry
    for layer in (model[0], model[2]):
        nn.init.zeros_(layer.bias)
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    nn.MSELoss()(model(x), y).backward()
    optimizer.step()


def evaluate_in_train_mode():
    model = nn.Sequential(nn.Linear(3, 4), nn.Dropout(0.5), nn.Linear(4, 2))
    x, _ = data()
    with tg.no_grad():
        return model(x).argmax(1)  # site: train_mode


def evaluate_fixed():
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Dropout(0.5), nn.Linear(4, 2))
    x, y = data()
    nn.MSELoss()(model(x), y).backward()  # training mode with gradients: what it is for
    model.eval()
    with tg.no_grad():
        return model(x).argmax(1)


def normalize_rows_without_keepdim():
    counts = tg.tensor(np.arange(1.0, 10.0).reshape(3, 3))
    return counts / counts.sum(1)  # site: keepdim


def normalize_rows_fixed():
    counts = tg.tensor(np.arange(1.0, 10.0).reshape(3, 3))
    rows = counts / counts.sum(1, keepdim=True)
    columns = counts / counts.sum(0)  # lines up: the reduced dim was the leading one
    np.testing.assert_allclose(rows.sum(1).numpy(), 1.0)
    np.testing.assert_allclose(columns.sum(0).numpy(), 1.0)


def step_without_backward():
    model = tiny_model()
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    optimizer.step()  # site: no_gradient


def step_fixed():
    model, (x, y) = tiny_model(), data()
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    nn.MSELoss()(model(x), y).backward()
    optimizer.step()


def nan_in_the_data():
    x, y = data()
    spoiled = x.numpy().copy()
    spoiled[1, 0] = np.nan
    model = tiny_model()
    return nn.MSELoss()(model(tg.tensor(spoiled)), y)  # site: nan_input


def nan_in_the_data_fixed():
    x, y = data()
    return nn.MSELoss()(tiny_model()(x), y)


CASES = [
    # (kind, the trap, its site, what the message must say, the corrected program)
    (tg.GradientAccumulationWarning, accumulate_without_zero_grad, "accumulate",
     "zero_grad() was not called", accumulate_fixed),
    (tg.NonLeafGradWarning, rebind_parameter, "rebind", "made by op Sub was read", rebind_fixed),
    (tg.DoubleSoftmaxWarning, double_softmax, "double_softmax",
     "CrossEntropyLoss got the output of a Softmax op", double_softmax_fixed),
    (tg.NonFiniteWarning, handmade_softmax_overflow, "overflow",
     "Exp: the forward pass produced infinity", handmade_softmax_fixed),
    (tg.SymmetricInitWarning, zero_initialization, "symmetric", "the 4 units of the layer",
     zero_initialization_fixed),
    (tg.TrainModeWarning, evaluate_in_train_mode, "train_mode",
     "Dropout ran in training mode under no_grad()", evaluate_fixed),
    (tg.ReductionBroadcastWarning, normalize_rows_without_keepdim, "keepdim",
     "reduced over dim 1 of a tensor of shape (3, 3) without keepdim", normalize_rows_fixed),
    (tg.NoGradientWarning, step_without_backward, "no_gradient", "SGD.step() found no gradient",
     step_fixed),
    (tg.NonFiniteWarning, nan_in_the_data, "nan_input",
     "MSELoss: the loss is NaN: input 0 (the model's output) holds NaN, first at element (1, 0)",
     nan_in_the_data_fixed),
]
IDS = [f"{case[0].__name__}-{case[2]}" for case in CASES]


@pytest.mark.parametrize("kind, trap, marker, text, fixed", CASES, ids=IDS)
def test_the_warning_fires_once_and_names_the_users_line(kind, trap, marker, text, fixed):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        trap()
    mine = [w for w in caught if issubclass(w.category, tg.LearnerWarning)]
    (warning,) = [w for w in mine if w.category is kind and text in str(w.message)]
    message = str(warning.message)
    assert text in message
    assert f'File "{THIS_FILE}", line {site(marker)}:' in message
    assert (Path(warning.filename).resolve(), warning.lineno) == (THIS_FILE, site(marker))
    for part in ("\n  why: ", "\n  fix: ", f'tg.guardrails("off", tg.{kind.__name__})'):
        assert part in message
    assert not [w for w in caught if issubclass(w.category, RuntimeWarning)]


@pytest.mark.parametrize("kind, trap, marker, text, fixed", CASES, ids=IDS)
def test_the_switch_silences_that_kind(kind, trap, marker, text, fixed):
    others = [k for k in tg.core.guardrails.WARNING_KINDS if k is not kind]
    with tg.guardrails("off", kind), warnings.catch_warnings():
        warnings.simplefilter("error", kind)
        trap()
    with tg.guardrails("off"), warnings.catch_warnings():
        warnings.simplefilter("error", tg.LearnerWarning)
        trap()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=kind)
        for other in others:
            warnings.filterwarnings("error", category=other)
        trap()  # the standard filter works too, and no other kind fires instead


@pytest.mark.parametrize("kind, trap, marker, text, fixed", CASES, ids=IDS)
def test_error_mode_raises(kind, trap, marker, text, fixed):
    with tg.guardrails("error"), pytest.raises(kind, match=re.escape(text)):
        trap()


@pytest.mark.parametrize("kind, trap, marker, text, fixed", CASES, ids=IDS)
def test_the_corrected_program_is_quiet(kind, trap, marker, text, fixed):
    with tg.guardrails("error"):
        quiet(fixed)


def test_a_warning_fires_once_per_line_not_once_per_step():
    z = tg.tensor([1000.0], requires_grad=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(5):
            z.exp()
    assert len([w for w in caught if w.category is tg.NonFiniteWarning]) == 1


def test_accumulate_grad_says_the_accumulation_is_intended():
    with tg.accumulate_grad():
        quiet(accumulate_without_zero_grad)
    with pytest.warns(tg.GradientAccumulationWarning):
        accumulate_without_zero_grad()  # the mode is back after the block


def test_guardrails_checks_its_arguments():
    with pytest.raises(ValueError, match="mode must be one of"):
        tg.guardrails("loud")
    with pytest.raises(TypeError, match="not a kind of learner warning"):
        tg.guardrails("off", RuntimeWarning)
    assert issubclass(tg.LearnerWarning, UserWarning)
    assert all(issubclass(k, tg.LearnerWarning) for k in tg.core.guardrails.WARNING_KINDS)


# ---------------------------------------------------------------------------------------------
# Case 5 of the issue: no numpy RuntimeWarning escapes an op; the learner warning names it
# ---------------------------------------------------------------------------------------------

BIG = np.float32(1e30)
NON_FINITE_OPS = [
    # (op, what makes inf or NaN, forward or backward)
    ("Exp", lambda x: (x * 0 + 1000).exp(), "forward"),
    ("Log", lambda x: (x * 0).log(), "forward"),
    ("Div", lambda x: (x * 0) / (x * 0), "forward"),
    ("Sqrt", lambda x: (x * 0 - 1).sqrt(), "forward"),
    ("Pow", lambda x: (x * 0 + 1e20) ** 3.0, "forward"),
    ("Mul", lambda x: (x * 0 + BIG) * BIG, "forward"),
    ("Add", lambda x: (x * 0 + 3e38) + 3e38, "forward"),
    ("MatMul", lambda x: (x * 0 + BIG).reshape(1, 2) @ (x * 0 + BIG).reshape(2, 1), "forward"),
    ("Sum", lambda x: (x * 0 + 3e38).sum(), "forward"),
    ("Sqrt", lambda x: (x * 0).sqrt().sum(), "backward"),
    ("Log", lambda x: (x * 0).log().sum(), "backward"),
]


@pytest.mark.parametrize("op, make, phase", NON_FINITE_OPS,
                         ids=[f"{op}-{phase}" for op, _, phase in NON_FINITE_OPS])
def test_no_numpy_runtime_warning_escapes_an_op(op, make, phase):
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = make(x)
        if phase == "backward":
            out.backward()
    assert not [w for w in caught if issubclass(w.category, RuntimeWarning)]
    named = [str(w.message) for w in caught if w.category is tg.NonFiniteWarning]
    expected = f"{op}: the forward pass produced" if phase == "forward" else \
        f"{op}: its backward rule produced"
    assert any(m.startswith(expected) for m in named), named
    assert all(f'File "{THIS_FILE}"' in m for m in named)


def test_numpy_errors_outside_ops_stay_numpys_runtime_warnings():
    with pytest.warns(RuntimeWarning, match="overflow encountered"):
        np.exp(np.float32(1000.0))
    with tg.guardrails("off"):  # numpy's own settings come back
        assert np.geterr()["over"] == "warn"
        with pytest.warns(RuntimeWarning, match="overflow encountered in exp"):
            np.exp(np.float32(1000.0))
    assert np.geterr()["over"] == "call"
    with np.errstate(over="ignore"):  # a program's own errstate is obeyed
        quiet(lambda: np.exp(np.float32(1000.0)))


def test_inside_detect_anomaly_the_error_is_raised_instead():
    x = tg.tensor([0.0, 1.0], requires_grad=True)
    with tg.detect_anomaly(), warnings.catch_warnings():
        warnings.simplefilter("error", tg.LearnerWarning)
        with pytest.raises(tg.AnomalyError, match="Log: forward"):
            x.log()
        y = x.sqrt().sum()
        with pytest.raises(tg.AnomalyError, match="Sqrt: backward"):
            y.backward()


def test_a_nan_target_is_named_as_the_target():
    x, y = data()
    spoiled = y.numpy().copy()
    spoiled[2, 1] = np.nan
    with pytest.warns(tg.NonFiniteWarning, match=r"the target holds NaN, first at element \(2, 1\)"):
        loss = nn.MSELoss()(tiny_model()(x), spoiled)
    assert math.isnan(loss.item())


def test_the_double_sigmoid_and_the_missing_log_are_named_too():
    z = tg.randn(4, 3, requires_grad=True)
    with pytest.warns(tg.DoubleSoftmaxWarning, match="BCEWithLogitsLoss got the output of a "
                                                     "Sigmoid op"):
        nn.BCEWithLogitsLoss()(z.sigmoid(), tg.ones(4, 3))
    with pytest.warns(tg.DoubleSoftmaxWarning, match="NLLLoss got the output of a Softmax op.*"
                                                     "expects log-probabilities"):
        nn.NLLLoss()(z.softmax(1), tg.tensor([0, 1, 2, 0]))


def test_the_fit_loop_is_quiet():
    from tinygrad_edu.data import TensorDataset
    from tinygrad_edu.train import fit
    generator = np.random.default_rng(0)
    x = generator.standard_normal((40, 3)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    model = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Dropout(0.2), nn.BatchNorm1d(8),
                          nn.Linear(8, 2))
    dataset = TensorDataset(tg.tensor(x), tg.tensor(y))
    with tg.guardrails("error"):
        quiet(lambda: fit(model, dataset, nn.CrossEntropyLoss(),
                          optim.SGD(model.parameters(), lr=0.1), epochs=2, batch_size=8,
                          val_data=dataset, progress=False, seed=0))


@pytest.mark.parametrize("reduce", [lambda t: t.max(1).values, lambda t: t.min(1).values,
                                    lambda t: t.amin(1), lambda t: t.amax(1), lambda t: t.mean(1)],
                         ids=["max(dim).values", "min(dim).values", "amin", "amax", "mean"])
def test_every_reduction_without_keepdim_is_tagged(reduce):
    # makemore's shift written with torch's max(dim): z - z.max(1).values on a square z
    z = tg.tensor(np.arange(9.0).reshape(3, 3))
    with pytest.warns(tg.ReductionBroadcastWarning, match=r"reduced over dim 1 of a tensor of shape \(3, 3\)"):
        z - reduce(z)
    with warnings.catch_warnings():
        warnings.simplefilter("error", tg.ReductionBroadcastWarning)
        z - reduce(tg.tensor(np.arange(9.0).reshape(3, 3))).unsqueeze(1)  # lined up: quiet
