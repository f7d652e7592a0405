"""Exercises the framework checks: a student writes a rule, an equation or a gradient by hand, and check() says right or wrong and names the first wrong element, op or layer.

    import tinygrad_edu as tg
    def my_rule(z, grad_out):                     # Sigmoid.backward, on numpy arrays
        s = 1 / (1 + np.exp(-z))
        return grad_out * s * (1 - s)
    print(tg.exercises.check("sigmoid_backward", my_rule))   # right, or where it is wrong
    print(tg.exercises.solution("sigmoid_backward"))          # only when asked

The exercises (`tg.exercises.EXERCISES` describes each):
  * "sigmoid_backward": your f(z, grad_out) -> grad_out · σ′(z). Checked element by element
    against finite differences, then planted into the Sigmoid op of a small network whose
    every rule is checked by `check_rules` (gradcheck's localizer), which names the op.
  * "bp2": your f(delta_next, w_next, z) -> δˡ = ((wˡ⁺¹)ᵀδˡ⁺¹) ⊙ σ′(zˡ) (rows are examples, so
    (wˡ⁺¹)ᵀδˡ⁺¹ is `delta_next @ w_next`). Checked at every hidden layer of a sigmoid network
    against autograd, as rows of an equations report, which names the layer.
  * "gradient": your ∇f(v) for any f(v) (pass function= and at=), against autograd; names
    the first wrong component.
  * "layer_gradients": your [(∂C/∂wˡ, ∂C/∂bˡ), …] for a Sequential, a batch x, y and a cost
    (by hand, "backprop ninja" style) against autograd; names the first wrong layer, parameter
    and element.

Solutions are kept out of sight: check() never shows them; `solution(name)` returns one.
"""

import contextlib
import html as html_text
import inspect
from dataclasses import dataclass, field

import numpy as np

from ..core import Tensor, enable_grad, float64, grad, manual_seed, say
from ..core import ops as core_ops
from .equation_report import EquationReport, _row
from .gradcheck import check_rules

__all__ = ["check", "solution", "ExerciseResult", "EXERCISES"]


@dataclass
class ExerciseResult:
    """The verdict on one answer.

    Attributes:
        exercise: the exercise's name.
        ok: the answer is right.
        message: the verdict in a sentence or two.
        where: the first wrong place ("element (1, 2)", "op Sigmoid …", "layer 2 …"), or None.
        details: extra numbers (the reports of the checks).
    """

    exercise: str
    ok: bool
    message: str
    where: object = None
    details: dict = field(default_factory=dict, repr=False)

    def __str__(self):
        head = say("exercise.right" if self.ok else "exercise.wrong")
        text = f"{self.exercise}: {head}. {self.message}"
        if not self.ok:
            text += "\n  " + say("exercise.solution", name=repr(self.exercise))
        return text

    def _repr_html_(self):
        color = "#2e7d32" if self.ok else "#c62828"
        verdict = say("exercise.right" if self.ok else "exercise.wrong").lower()
        return (f"<div style='border-left:4px solid {color};padding:4px 8px'>"
                f"<b>{html_text.escape(self.exercise)}</b>: <b style='color:{color}'>{verdict}"
                f"</b><br>{html_text.escape(self.message).replace(chr(10), '<br>')}</div>")


def _first_wrong(answer, reference, atol, rtol):
    """(index, got, want) of the first element out of tolerance, or None."""
    answer = np.asarray(answer, dtype=np.float64)
    reference = np.asarray(reference, dtype=np.float64)
    if answer.shape != reference.shape:
        raise ValueError(f"exercises: your answer has shape {answer.shape}, but {reference.shape} "
                         f"is expected")
    bad = ~(np.abs(answer - reference) <= atol + rtol * np.abs(reference))
    if not bad.any():
        return None
    index = tuple(int(i) for i in np.argwhere(bad)[0])
    return index, float(answer[index]), float(reference[index])


def _call(answer, *arguments, exercise):
    if not callable(answer):
        raise TypeError(f"exercises.check({exercise!r}, answer): the answer must be a function, "
                        f"got {type(answer).__name__}")
    try:
        result = answer(*arguments)
    except Exception as error:
        raise RuntimeError(f"exercises.check({exercise!r}): your function raised "
                           f"{type(error).__name__}: {error}") from error
    if isinstance(result, Tensor):
        result = result.numpy()
    return result


# ---------------------------------------------------------------------------------------------
# Sigmoid.backward, through the rule localizer
# ---------------------------------------------------------------------------------------------

@contextlib.contextmanager
def _planted_rule(op_class, student):
    """Sigmoid's rule replaced by the student's f(z, grad_out) for the duration (z: the input)."""
    original = op_class.backward

    def backward(self, grad_out):
        z = self.parents[0].numpy().astype(np.float64)
        return Tensor(np.asarray(student(z, grad_out.numpy().astype(np.float64)),
                                 dtype=grad_out.dtype))

    op_class.backward = backward
    try:
        yield
    finally:
        op_class.backward = original


def _check_sigmoid_backward(answer, seed=0):
    rng = np.random.default_rng(seed)
    z = rng.normal(scale=2.0, size=(3, 4))
    grad_out = rng.normal(size=(3, 4))
    s = 1 / (1 + np.exp(-z))
    got = _call(answer, z, grad_out, exercise="sigmoid_backward")
    wrong = _first_wrong(got, grad_out * s * (1 - s), 1e-8, 1e-6)
    # The same rule planted into the op: check_rules (gradcheck's localizer) runs every node of
    # a small network on its own and names the node whose rule disagrees with finite differences.
    x = Tensor(rng.normal(size=(2, 3)))
    w1, w2 = Tensor(rng.normal(size=(3, 4))), Tensor(rng.normal(size=(4, 2)))
    with _planted_rule(core_ops.Sigmoid, answer):
        with enable_grad():
            w1.requires_grad_(); w2.requires_grad_()
            cost = ((x @ w1).sigmoid() @ w2).sigmoid().sum()
            reports = check_rules(cost)
    culprits = [r for r in reports if not r.ok]
    details = {"reports": reports}
    if wrong is None and not culprits:
        return ExerciseResult("sigmoid_backward", True, say("exercise.sigmoid.ok"), None, details)
    lines = []
    if wrong is not None:
        index, value, want = wrong
        lines.append(say("exercise.sigmoid.element", index=index, z=f"{z[index]:.4g}",
                         grad_out=f"{grad_out[index]:.4g}", got=f"{value:.6g}", want=f"{want:.6g}"))
    if culprits:
        lines.append(say("exercise.sigmoid.localizer", culprit=culprits[0].describe()))
    where = f"element {wrong[0]}" if wrong is not None else culprits[0].describe()
    return ExerciseResult("sigmoid_backward", False, "\n".join(lines), where, details)


# ---------------------------------------------------------------------------------------------
# BP2, through the equations report
# ---------------------------------------------------------------------------------------------

def _lecture_network(sizes, seed):
    from ..nn import Linear, Sequential, Sigmoid  # nn builds on the core; lens imports it lazily
    manual_seed(seed)
    layers = []
    for n_in, n_out in zip(sizes, sizes[1:]):
        layers += [Linear(n_in, n_out, dtype=float64), Sigmoid()]
    return Sequential(*layers)


def _check_bp2(answer, seed=0):
    from .equations import closed_form, compare
    model = _lecture_network([5, 4, 3, 2], seed)
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=(6, 5)), rng.random(size=(6, 2))
    terms = closed_form(model, x, y, "quadratic")
    reference = compare(model, x, y, "quadratic")  # the closed form itself agrees with autograd
    rows, chained = [], list(terms.deltas)
    for i in range(len(terms.layers) - 2, -1, -1):
        layer, w_next = terms.layers[i], terms.layers[i + 1].linear.weight.numpy()
        chained[i] = np.asarray(_call(answer, chained[i + 1], w_next, terms.zs[i], exercise="bp2"))
        alone = np.asarray(_call(answer, terms.deltas[i + 1], w_next, terms.zs[i], exercise="bp2"))
        if alone.shape != terms.deltas[i].shape:
            raise ValueError(f"exercises.check('bp2'): at layer {layer.number} your δ has shape "
                             f"{alone.shape}, expected {terms.deltas[i].shape} (rows: examples)")
        sup = str(layer.number).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))
        rows.append(_row("BP2", layer.number, layer.module_description(), f"δ{sup}", chained[i],
                         alone, terms.deltas[i], 1e-9, 1e-12))
    report = EquationReport(rows, "quadratic", len(x), "float64", 1e-9, 1e-12)
    details = {"report": report, "closed_form_ok": reference.ok}
    if report.ok:
        return ExerciseResult("bp2", True, say("exercise.bp2.ok", layers=", ".join(
            str(r.layer) for r in rows)), None, details)
    culprit = report.failures[0] if report.failures else [r for r in rows if not r.ok][0]
    layer_index = [layer.number for layer in terms.layers].index(culprit.layer)
    wrong = _first_wrong(_call(answer, terms.deltas[layer_index + 1],
                               terms.layers[layer_index + 1].linear.weight.numpy(),
                               terms.zs[layer_index], exercise="bp2"),
                         terms.deltas[layer_index], 1e-12, 1e-9)
    element = say("exercise.bp2.element", index=wrong[0], got=f"{wrong[1]:.6g}",
                  want=f"{wrong[2]:.6g}") if wrong else ""
    verdict = "\n".join(line for line in report.verdict().splitlines()
                        if "equations.ACTIVATIONS" not in line)   # that hint is for the library
    message = verdict + "\n" + say("exercise.bp2.wrong", layer=culprit.layer,
                                   module=culprit.module, element=element)
    return ExerciseResult("bp2", False, message, f"layer {culprit.layer}", details)


# ---------------------------------------------------------------------------------------------
# Gradients by hand
# ---------------------------------------------------------------------------------------------

def _check_gradient(answer, function=None, at=None):
    if function is None or at is None:
        raise TypeError("exercises.check('gradient', answer, function=f, at=point): pass the "
                        "function f(v) (of a Tensor v, returning a scalar) and the point")
    point = np.asarray(at, dtype=np.float64)
    v = Tensor(point.copy(), requires_grad=True)
    with enable_grad():
        (reference,) = grad(function(v), [v])
    got = _call(answer, point.copy(), exercise="gradient")
    wrong = _first_wrong(got, reference.numpy(), 1e-8, 1e-6)
    if wrong is None:
        return ExerciseResult("gradient", True, say(
            "exercise.gradient.ok", point=point.tolist(),
            reference=np.round(reference.numpy(), 6).tolist()))
    index, value, want = wrong
    return ExerciseResult("gradient", False, say(
        "exercise.gradient.wrong", index=index, point=point.tolist(), got=f"{value:.6g}",
        want=f"{want:.6g}"), f"component {index}")


def _check_layer_gradients(answer, model=None, x=None, y=None, cost=None):
    if model is None or x is None or y is None or cost is None:
        raise TypeError("exercises.check('layer_gradients', answer, model=…, x=…, y=…, cost=…): "
                        "pass the Sequential, a batch and the cost module")
    from .equations import _layers  # the Linear layers as the equations number them
    layers = _layers(model)
    got = _call(answer, model, x, y, exercise="layer_gradients")
    if len(got) != len(layers):
        raise ValueError(f"exercises.check('layer_gradients'): {len(layers)} Linear layers, but "
                         f"your answer has {len(got)} (grad_w, grad_b) pairs")
    parameters = [(f"w{layer.number}", layer.linear.weight) for layer in layers]
    parameters += [(f"b{layer.number}", layer.linear.bias) for layer in layers]
    with enable_grad():
        references = grad(cost(model(x), y), [p for _, p in parameters])
    count = len(layers)
    for k, layer in enumerate(layers):
        for kind, mine, reference in (("∂C/∂w", got[k][0], references[k]),
                                      ("∂C/∂b", got[k][1], references[count + k])):
            wrong = _first_wrong(mine, reference.numpy(), 1e-7, 1e-4)
            if wrong is not None:
                index, value, want = wrong
                return ExerciseResult("layer_gradients", False, say(
                    "exercise.layers.wrong", what=f"{kind}{layer.number}", layer=layer.describe(),
                    index=index, got=f"{value:.6g}", want=f"{want:.6g}"),
                    f"layer {layer.number}, {kind}{layer.number} {index}")
    return ExerciseResult("layer_gradients", True, say("exercise.layers.ok", count=count))


# ---------------------------------------------------------------------------------------------
# The register, and the hidden solutions
# ---------------------------------------------------------------------------------------------

def _solution_sigmoid_backward(z, grad_out):
    s = 1 / (1 + np.exp(-z))
    return grad_out * s * (1 - s)          # σ′(z) = σ(z)(1 − σ(z))


def _solution_bp2(delta_next, w_next, z):
    s = 1 / (1 + np.exp(-z))
    return (delta_next @ w_next) * s * (1 - s)    # ((wˡ⁺¹)ᵀδˡ⁺¹) ⊙ σ′(zˡ), rows = examples


def _solution_gradient(v):
    # For the lesson's C(v₁, v₂) = (v₁² − 1)² + 0.3 v₁ + v₂²:
    return np.array([4 * v[0] ** 3 - 4 * v[0] + 0.3, 2 * v[1]])


def _solution_layer_gradients(model, x, y):
    from .equations import backprop    # BP1-BP4 (quadratic cost), as lesson 7 derives them
    return backprop(model, x, y, "quadratic")


EXERCISES = {
    "sigmoid_backward": ("write Sigmoid's rule: f(z, grad_out) -> grad_out · σ′(z)",
                         _check_sigmoid_backward, _solution_sigmoid_backward),
    "bp2": ("write BP2: f(delta_next, w_next, z) -> δˡ = ((wˡ⁺¹)ᵀδˡ⁺¹) ⊙ σ′(zˡ)",
            _check_bp2, _solution_bp2),
    "gradient": ("differentiate by hand: f(v) -> ∇f(v) (pass function= and at=)",
                 _check_gradient, _solution_gradient),
    "layer_gradients": ("backprop by hand: f(model, x, y) -> [(∂C/∂wˡ, ∂C/∂bˡ) per Linear]",
                        _check_layer_gradients, _solution_layer_gradients),
}
"""name -> (what to write, its checker, its solution)."""


def _exercise(name):
    if name not in EXERCISES:
        raise ValueError(f"exercises: no exercise {name!r}; choose one of {', '.join(EXERCISES)}")
    return EXERCISES[name]


def check(name, answer, **context):
    """Check a student's answer to exercise `name`; says right or wrong, and where.

    Args:
        name: "sigmoid_backward", "bp2", "gradient" or "layer_gradients".
        answer: the student's function (see the module docstring for each signature).
        **context: what the exercise needs ("gradient": function=, at=; "layer_gradients":
            model=, x=, y=, cost=).

    Returns:
        An ExerciseResult (`.ok`, `.message`, `.where`); it prints and shows itself in Jupyter.

    Raises:
        ValueError: an unknown exercise, or an answer of the wrong shape.
        TypeError: the answer is not a function, or the context is missing.
    """
    return _exercise(name)[1](answer, **context)


def solution(name):
    """The source of a solution of exercise `name` (kept out of check()'s messages)."""
    return inspect.getsource(_exercise(name)[2])
