"""Numeric checks of gradients in float64: gradcheck, gradgradcheck, and the localizer that names the op whose rule is wrong."""

import warnings
from dataclasses import dataclass, field

import numpy as np

from ..core import Tensor, enable_grad, grad, no_grad, topological_order

__all__ = ["gradcheck", "gradgradcheck", "check_rules", "GradcheckError", "RuleReport"]


class GradcheckError(RuntimeError):
    """A gradient computed by backward() disagrees with finite differences.

    Attributes:
        input_index: which input of the function has the wrong gradient.
        element: the index of the worst element in that input.
        analytic, numeric: the two values at that element.
        max_relative_error: the worst relative error over the input.
        culprit: the RuleReport of the first op whose local rule fails, or None.
        kinks: the RuleReports of the ops whose input sits on a kink (where the derivative is
            not defined, so no rule can be checked there); empty when there is none.
    """

    def __init__(self, message, input_index=None, element=None, analytic=None, numeric=None,
                 max_relative_error=None, culprit=None, kinks=()):
        super().__init__(message)
        self.kinks = list(kinks)
        self.input_index = input_index
        self.element = element
        self.analytic = analytic
        self.numeric = numeric
        self.max_relative_error = max_relative_error
        self.culprit = culprit


@dataclass
class RuleReport:
    """The check of one graph node's local rule against finite differences of its own forward."""

    op: str
    tensor_name: object
    input_shapes: list
    input_names: list
    ok: bool
    max_abs_error: float = 0.0
    max_relative_error: float = 0.0
    input_index: object = None
    element: object = None
    analytic: float = 0.0
    numeric: float = 0.0
    note: str = field(default="")
    kink: bool = False     # the failure is a kink of the op (one-sided slopes differ), not its rule
    left: float = 0.0      # the one-sided slopes at the kink: (f(x) − f(x − h)) / h ...
    right: float = 0.0     # ... and (f(x + h) − f(x)) / h
    value: float = 0.0     # the op's input at that element

    def describe(self):
        name = f" (output {self.tensor_name!r})" if self.tensor_name else ""
        names = [n for n in self.input_names if n]
        inputs = f", inputs named {names}" if names else ""
        head = f"op {self.op}{name}, input shapes {self.input_shapes}{inputs}"
        if self.ok:
            return head + ": rule agrees with finite differences"
        if self.kink:
            return (f"{head}: input {self.input_index} sits on a kink of {self.op} at element "
                    f"{self.element} (value {self.value:.6g}): the slope from the left is "
                    f"{self.left:.6g}, from the right {self.right:.6g}, so the derivative is not "
                    f"defined there and the rule cannot be checked at this point")
        return (f"{head}: the local rule is wrong for input {self.input_index} at element "
                f"{self.element}: analytic {self.analytic:.6g} vs numeric {self.numeric:.6g} "
                f"(worst relative error {self.max_relative_error:.3g})")


def _as_tuple(value):
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def _outputs_of(fn, inputs):
    result = fn(*inputs)
    outputs = _as_tuple(result)
    for index, out in enumerate(outputs):
        if not isinstance(out, Tensor):
            raise TypeError(f"gradcheck: the function returned a {type(out).__name__} as output "
                            f"{index}; it must return a Tensor or a tuple of Tensors")
    return outputs


def _compare(analytic, numeric, atol, rtol):
    """(ok, worst element, max relative error) for two arrays of the same shape."""
    excess = np.abs(analytic - numeric) - (atol + rtol * np.abs(numeric))
    relative = np.abs(analytic - numeric) / np.maximum(np.abs(numeric), 1e-12)
    worst = np.unravel_index(int(np.argmax(excess)), analytic.shape) if analytic.size else ()
    ok = bool(analytic.size == 0 or excess.max() <= 0)
    max_relative = float(relative.max()) if analytic.size else 0.0
    return ok, worst, max_relative


def _numeric_gradient(scalar_fn, x, eps, elements=None):
    """Central differences of scalar_fn() with respect to x's values (changed in place, restored)."""
    gradient = np.zeros(x.shape, dtype=np.float64)
    # in place on the input's storage (see Tensor.numpy): x is a C-ordered float64 copy, so
    # the flat view writes through, and every element is put back before the next one moves
    flat = x.numpy().reshape(-1)
    indices = range(flat.size) if elements is None else elements
    for j in indices:
        original = flat[j]
        flat[j] = original + eps
        plus = scalar_fn()
        flat[j] = original - eps
        minus = scalar_fn()
        flat[j] = original
        gradient.reshape(-1)[j] = (plus - minus) / (2 * eps)
    return gradient


def _one_sided_slopes(scalar_fn, flat, j, h, center):
    """(left, right) slopes of scalar_fn at element j of `flat`: (f(x) − f(x − h))/h, (f(x + h) − f(x))/h."""
    original = flat[j]
    flat[j] = original + h
    plus = scalar_fn()
    flat[j] = original - h
    minus = scalar_fn()
    flat[j] = original
    return (center - minus) / h, (plus - center) / h


def _kink_at(scalar_fn, x, j, eps, atol, rtol):
    """(left, right) slopes when element j of x sits on a kink of scalar_fn, else None.

    Central differences average the two one-sided slopes, so at a kink (ReLU at 0, a clamp
    bound, a where boundary) they agree with neither side. The test: the slopes from the left
    and from the right differ beyond the tolerance, and the gap does not shrink with the step
    (at a smooth point it is h·|f″| and shrinks tenfold with h; at a kink it is the jump of the
    slope and stays)."""
    flat = x.numpy().reshape(-1)
    center = scalar_fn()
    left, right = _one_sided_slopes(scalar_fn, flat, j, eps, center)
    gap = abs(right - left)
    if gap <= atol + rtol * max(abs(left), abs(right)):
        return None
    small_left, small_right = _one_sided_slopes(scalar_fn, flat, j, eps / 10, center)
    if abs(small_right - small_left) < 0.5 * gap:
        return None
    return left, right


def _failing_elements(analytic, numeric, atol, rtol, limit=64):
    """Flat indices where the two gradients disagree (at most `limit`)."""
    excess = (np.abs(analytic - numeric) - (atol + rtol * np.abs(numeric))).reshape(-1)
    return np.flatnonzero(excess > 0)[:limit]  # in index order: the first kink is reported


def _float64_copies(inputs, caller):
    copies = []
    for index, x in enumerate(inputs):
        if isinstance(x, Tensor) and x.dtype.kind == "f":
            if x.requires_grad and x.dtype != np.float64:
                warnings.warn(f"{caller}: input {index} is {x.dtype.name}; finite differences are "
                              f"only reliable in float64, so it is checked as a float64 copy "
                              f"(pass .double() inputs to silence this)", stacklevel=3)
            copy = Tensor(np.array(x.numpy(), dtype=np.float64, order="C"), requires_grad=x.requires_grad,
                          name=x.name)
            copies.append(copy)
        else:
            copies.append(x)
    return copies


def _vjp_check(fn, xs, eps, atol, rtol, seed, caller):
    """Compare the analytic vector-Jacobian product with central differences; returns the first
    failure as (index, element, analytic, numeric, max_relative) or None, and the outputs."""
    checked = [i for i, x in enumerate(xs) if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        raise ValueError(f"{caller}: no input requires grad; create the inputs to check with "
                         f"requires_grad=True")
    with enable_grad():
        outputs = _outputs_of(fn, xs)
    generator = np.random.default_rng(seed)
    vectors = [generator.standard_normal(out.shape) for out in outputs]

    def scalar():
        # grad mode stays on: fn may itself differentiate (gradgradcheck's first derivative)
        with enable_grad():
            outs = _outputs_of(fn, xs)
        return float(sum((o.numpy().astype(np.float64) * v).sum() for o, v in zip(outs, vectors)))

    differentiable = [(o, v) for o, v in zip(outputs, vectors) if o.requires_grad]
    if differentiable:
        analytic = grad([o for o, _ in differentiable], [xs[i] for i in checked],
                        grad_outputs=[Tensor(v.astype(o.dtype)) for o, v in differentiable],
                        retain_graph=True, allow_unused=True)
    else:
        analytic = [None] * len(checked)
    for i, g in zip(checked, analytic):
        a = np.zeros(xs[i].shape) if g is None else g.numpy().astype(np.float64)
        n = _numeric_gradient(scalar, xs[i], eps)
        ok, element, max_relative = _compare(a, n, atol, rtol)
        if not ok:
            return (i, element, float(a[element]), float(n[element]), max_relative), outputs
    return None, outputs


def check_rules(outputs, eps=1e-6, atol=1e-5, rtol=1e-3, seed=0, max_elements=512):
    """Check the local rule of every op node in the graph of `outputs`, one node at a time.

    Each node's op is run again on float64 copies of its own inputs; its backward rule's
    vector-Jacobian product is compared with central differences of its own forward. This
    is how a failing whole-function gradcheck names the op whose rule is wrong.

    Returns:
        A list of RuleReport, parents before children.
    """
    generator = np.random.default_rng(seed)
    reports = []
    for node in topological_order(list(_as_tuple(outputs))):
        ctx = node.grad_fn
        op_class = type(ctx)
        parents = ctx.parents
        report = RuleReport(op=ctx.name, tensor_name=node.name,
                            input_shapes=[p.shape for p in parents],
                            input_names=[p.name for p in parents], ok=True)
        reports.append(report)
        # The op's own params for float64 inputs (Cast then casts to float64: finite
        # differences need float64 values, and its derivative does not depend on the dtype).
        params = op_class.params_for_float64(ctx.params)
        leaves = [Tensor(np.array(p.numpy(), dtype=np.float64, order="C"), requires_grad=p.requires_grad)
                  for p in parents]
        with enable_grad():
            out = op_class.apply(*leaves, **params)
        vector = generator.standard_normal(out.shape)
        wanted = [i for i, leaf in enumerate(leaves) if leaf.requires_grad]
        analytic = grad(out, [leaves[i] for i in wanted], grad_outputs=Tensor(vector),
                        allow_unused=True)

        def scalar():
            with no_grad():
                return float((op_class.apply(*leaves, **params).numpy() * vector).sum())

        for i, g in zip(wanted, analytic):
            a = np.zeros(leaves[i].shape) if g is None else g.numpy().astype(np.float64)
            size = leaves[i].numpy().size
            elements = None
            if size > max_elements:
                elements = generator.choice(size, max_elements, replace=False)
            n = _numeric_gradient(scalar, leaves[i], eps, elements)
            if elements is not None:
                mask = np.zeros(size, dtype=bool)
                mask[elements] = True
                a = np.where(mask.reshape(a.shape), a, 0.0)
            ok, element, max_relative = _compare(a, n, atol, rtol)
            report.max_abs_error = max(report.max_abs_error, float(np.abs(a - n).max()))
            report.max_relative_error = max(report.max_relative_error, max_relative)
            if not ok and (report.ok or report.kink):
                _classify(report, scalar, leaves[i], i, a, n, eps, atol, rtol)
    return reports


def _classify(report, scalar, x, index, analytic, numeric, eps, atol, rtol):
    """Record a node's failure: a wrong rule at an element where the op is smooth, or (when
    every failing element sits on a kink) the kink, which blames no rule."""
    shape = analytic.shape
    kink = None
    for j in _failing_elements(analytic, numeric, atol, rtol):
        slopes = _kink_at(scalar, x, int(j), eps, atol, rtol)
        element = tuple(int(e) for e in np.unravel_index(int(j), shape))
        if slopes is None:  # a smooth point where the rule disagrees: the rule is wrong
            report.ok, report.kink, report.input_index, report.element = False, False, index, element
            report.analytic, report.numeric = float(analytic[element]), float(numeric[element])
            return
        if kink is None:
            kink = element, slopes
    if report.kink or kink is None:
        return
    element, (left, right) = kink
    report.ok, report.kink, report.input_index, report.element = False, True, index, element
    report.analytic, report.numeric = float(analytic[element]), float(numeric[element])
    report.left, report.right = float(left), float(right)
    report.value = float(x.numpy()[element])


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, localize=True,
              seed=0):
    """Check backward() of `fn` against central finite differences, in float64.

    The analytic vector-Jacobian product vᵀJ (v random) is compared, element by element of each
    input that requires grad, with (f(x + ε) − f(x − ε)) / 2ε of vᵀf. When they disagree and
    `localize` is on, every op node of the graph is checked on its own (`check_rules`), so the
    error names the op whose local derivative rule is wrong.

    Args:
        fn: a function of the inputs returning a Tensor (or a tuple of Tensors).
        inputs: a Tensor or a tuple of inputs; those with requires_grad are checked.
        eps: the finite-difference step.
        atol, rtol: a gradient passes where |analytic − numeric| ≤ atol + rtol·|numeric|.
        raise_exception: raise GradcheckError on failure (else return False).
        localize: on failure, find the op whose rule is wrong.
        seed: seed of the random vector v.

    Returns:
        True when every gradient agrees.

    Raises:
        GradcheckError: naming the input, the element, both values, the worst relative error,
            and (with localize) the op node whose rule is wrong.

    Example:
        >>> x = tg.randn(3, 4, dtype=tg.float64, requires_grad=True)
        >>> tg.gradcheck(lambda x: x.sigmoid().sum(), x)
        True
    """
    xs = _float64_copies(_as_tuple(inputs), "gradcheck")
    failure, outputs = _vjp_check(fn, xs, eps, atol, rtol, seed, "gradcheck")
    if failure is None:
        return True
    if not raise_exception:
        return False
    index, element, analytic, numeric, max_relative = failure
    element = tuple(int(e) for e in element)  # plain ints (not np.int64) in the error's attribute
    message = (f"gradcheck: the gradient of input {index} (shape {xs[index].shape}) is wrong at "
               f"element {element}: analytic {analytic:.6g} vs numeric "
               f"{numeric:.6g}; worst relative error {max_relative:.3g}")
    culprit, kinks = None, []
    if localize:
        reports = [r for r in check_rules(outputs, eps, atol, rtol, seed) if not r.ok]
        kinks = [r for r in reports if r.kink]
        wrong = [r for r in reports if not r.kink]
        if kinks and not wrong:
            message = message.replace(" is wrong at element", " disagrees with finite "
                                      "differences at element", 1)
        for report in kinks:
            message += f"\n  the input sits on a kink: {report.describe()}"
        if kinks:
            message += "\n  " + _KINK_ADVICE
        if wrong:
            culprit = wrong[0]
            message += f"\n  the first op whose local rule is wrong: {culprit.describe()}"
        elif not kinks:
            message += _unexplained(fn, xs, index, element, eps, atol, rtol, seed)
    else:
        message += _unexplained(fn, xs, index, element, eps, atol, rtol, seed, localized=False)
    raise GradcheckError(message, index, element, analytic, numeric, max_relative, culprit, kinks)


_KINK_ADVICE = ("at a kink the derivative does not exist, so backward() returns one of the "
                "one-sided slopes (as PyTorch does) and no rule is wrong; fix: check at a point "
                "off the kink (random inputs, or add a small random offset to x: a constant "
                "one keeps ties of max), or compare with a one-sided difference if that side "
                "is the one you need")


def _unexplained(fn, xs, index, element, eps, atol, rtol, seed, localized=True):
    """The end of the message when no node was found: a kink of the whole function at the
    failing element, a graph-building mistake, or (without localizing) nothing more."""
    generator = np.random.default_rng(seed)
    with enable_grad():
        vectors = [generator.standard_normal(o.shape) for o in _outputs_of(fn, xs)]

    def scalar():
        with enable_grad():
            outs = _outputs_of(fn, xs)
        return float(sum((o.numpy().astype(np.float64) * v).sum() for o, v in zip(outs, vectors)))

    flat_index = int(np.ravel_multi_index(element, xs[index].shape)) if element else 0
    slopes = _kink_at(scalar, xs[index], flat_index, eps, atol, rtol)
    if slopes is not None:
        return (f"\n  the function has a kink at element {element} of input {index}: the slope "
                f"from the left is {slopes[0]:.6g}, from the right {slopes[1]:.6g}\n  "
                + _KINK_ADVICE)
    if not localized:
        return ""
    return ("\n  every op's local rule agrees with finite differences, so the error "
            "is in how the graph was built (a detached or non-differentiable step)")


def gradgradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
                  localize=True, seed=0):
    """Check second derivatives: gradcheck of x ↦ wᵀ ∂(vᵀ fn(x))/∂x computed with create_graph.

    This differentiates the backward rules themselves, which the rulebook writes with Tensor
    operations; it passes when every rule on the path is itself correctly differentiable.

    Returns:
        True when the second derivatives agree (raises GradcheckError otherwise).
    """
    xs = _float64_copies(_as_tuple(inputs), "gradgradcheck")
    checked = [i for i, x in enumerate(xs) if isinstance(x, Tensor) and x.requires_grad]
    generator = np.random.default_rng(seed + 1)
    with enable_grad():
        probe = _outputs_of(fn, xs)
    vectors = [Tensor(generator.standard_normal(o.shape)) for o in probe]
    weights = [Tensor(generator.standard_normal(xs[i].shape)) for i in checked]

    def first_derivative(*args):
        outputs = [o for o in _outputs_of(fn, args)]
        pairs = [(o, v) for o, v in zip(outputs, vectors) if o.requires_grad]
        if not pairs:
            return Tensor(np.zeros(()))
        grads = grad([o for o, _ in pairs], [args[i] for i in checked],
                     grad_outputs=[v for _, v in pairs], create_graph=True, allow_unused=True)
        total = Tensor(np.zeros(()))
        for g, w in zip(grads, weights):
            if g is not None:
                total = total + (g * w).sum()
        return total

    return gradcheck(first_derivative, xs, eps, atol, rtol, raise_exception, localize, seed)
