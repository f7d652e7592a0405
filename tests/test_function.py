"""Custom autograd Functions (tinygrad_edu.core.Function, torch.autograd.Function): the same class body under both libraries gives the same values and gradients (float64), and the node is a real graph node for gradcheck, explain(), the pictures and the stepper."""

import re

import numpy as np
import pytest
import torch

import tinygrad_edu as tg
from tinygrad_edu.core import Function
from tinygrad_edu.lens import explain as explain_module
from tinygrad_edu.lens.stepper import stepper_steps
from tinygrad_edu.lens.trace import trace_backward


def define(base):
    """The same Functions, written once, built on `base` (tg's Function or torch's)."""

    class Cube(base):
        """out = scale · x³

        δ(x) = δ(out) ⊙ 3 · scale · x²
        """

        @staticmethod
        def forward(ctx, x, scale):
            ctx.save_for_backward(x)
            ctx.scale = scale
            return x * x * x * scale

        @staticmethod
        def backward(ctx, grad_out):
            (x,) = ctx.saved_tensors
            return grad_out * 3 * x * x * ctx.scale, None

    class Affine(base):
        """out = x ⊙ w + b   (elementwise, PyTorch docs' LinearFunction made elementwise)

        δ(x) = δ(out) ⊙ w
        δ(w) = δ(out) ⊙ x
        δ(b) = δ(out)
        """

        @staticmethod
        def forward(ctx, x, w, b):
            ctx.save_for_backward(x, w)
            return x * w + b

        @staticmethod
        def backward(ctx, grad_out):
            x, w = ctx.saved_tensors
            ctx.seen_needs = tuple(ctx.needs_input_grad)
            gx = grad_out * w if ctx.needs_input_grad[0] else None
            gw = grad_out * x if ctx.needs_input_grad[1] else None
            gb = grad_out if ctx.needs_input_grad[2] else None
            return gx, gw, gb

    class ExpWithMask(base):
        """out = eˣ, and the mask x > 0 (not differentiable)

        δ(x) = δ(out) ⊙ out
        """

        @staticmethod
        def forward(ctx, x):
            out = x.exp()
            mask = x > 0
            ctx.mark_non_differentiable(mask)
            ctx.save_for_backward(out)
            return out, mask

        @staticmethod
        def backward(ctx, grad_out, grad_mask):
            (out,) = ctx.saved_tensors
            return grad_out * out

    return Cube, Affine, ExpWithMask


TG = define(Function)
TORCH = define(torch.autograd.Function)
VALUES = np.array([[0.5, -1.25, 2.0], [1.5, 0.25, -0.75]])


def pair(values=VALUES, requires_grad=True):
    return (tg.tensor(values, dtype=tg.float64, requires_grad=requires_grad),
            torch.tensor(values, dtype=torch.float64, requires_grad=requires_grad))


def test_values_and_gradients_match_torch():
    (x, tx), (w, tw), (b, tb) = pair(), pair(VALUES[::-1] + 1), pair(VALUES * 0.5)
    cube, affine, _ = TG
    torch_cube, torch_affine, _ = TORCH
    ours = (affine.apply(cube.apply(x, 0.5), w, b).sin()).sum()
    theirs = (torch_affine.apply(torch_cube.apply(tx, 0.5), tw, tb).sin()).sum()
    np.testing.assert_allclose(ours.item(), theirs.item(), rtol=1e-12)
    ours.backward()
    theirs.backward()
    for a, t in [(x, tx), (w, tw), (b, tb)]:
        np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("needs", [(True, False, True), (False, True, False), (True, True, True)])
def test_needs_input_grad_is_what_torch_gives(needs):
    ours = [tg.tensor(VALUES, dtype=tg.float64, requires_grad=r) for r in needs]
    theirs = [torch.tensor(VALUES, dtype=torch.float64, requires_grad=r) for r in needs]
    out, torch_out = TG[1].apply(*ours), TORCH[1].apply(*theirs)
    assert out.grad_fn.needs_input_grad == torch_out.grad_fn.needs_input_grad == needs
    # the non-tensor argument of Cube has its own entry, False
    (x, tx) = pair()
    assert TG[0].apply(x, 2.0).grad_fn.needs_input_grad == \
        TORCH[0].apply(tx, 2.0).grad_fn.needs_input_grad == (True, False)
    out.sum().backward()
    torch_out.sum().backward()
    for a, t in zip(ours, theirs):
        assert (a.grad is None) == (t.grad is None)
        if a.grad is not None:
            np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy())


def test_non_differentiable_outputs_like_torch():
    (x, tx) = pair()
    out, mask = TG[2].apply(x)
    torch_out, torch_mask = TORCH[2].apply(tx)
    assert mask.requires_grad is torch_mask.requires_grad is False
    assert out.requires_grad and torch_out.requires_grad
    np.testing.assert_array_equal(mask.numpy(), torch_mask.numpy())
    (out * 2).sum().backward()
    (torch_out * 2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)


def test_second_derivatives_through_the_rule_match_torch():
    (x, tx) = pair()
    (g,) = tg.grad(TG[0].apply(x, 1.5).sum(), x, create_graph=True)
    (tg_,) = torch.autograd.grad(TORCH[0].apply(tx, 1.5).sum(), tx, create_graph=True)
    (gg,) = tg.grad(g.sum(), x)
    (tgg,) = torch.autograd.grad(tg_.sum(), tx)
    np.testing.assert_allclose(gg.numpy(), tgg.numpy(), rtol=1e-12)


def strip_overload(name):
    return re.sub(r"Backward\d+$", "Backward", name)


def structure(node, depth=3):
    """(name, [children]) of a grad_fn, read only through name() and next_functions."""
    if node is None:
        return None
    if depth == 0:
        return strip_overload(node.name())
    return (strip_overload(node.name()),
            [(structure(child, depth - 1), index) for child, index in node.next_functions])


def test_grad_fn_name_and_next_functions_as_in_torch():
    (x, tx), (w, tw) = pair(), pair(VALUES + 2, requires_grad=False)
    ours = (TG[0].apply(x, 2.0).sin() * w).sum()
    theirs = (TORCH[0].apply(tx, 2.0).sin() * tw).sum()
    assert structure(ours.grad_fn, 4) == structure(theirs.grad_fn, 4)
    node = ours.grad_fn
    for _ in range(3):  # Sum -> Mul -> Sin -> Cube
        node = node.next_functions[0][0]
    assert node.name() == "CubeBackward" and repr(node) == "<CubeBackward>"
    leaf = node.next_functions[0][0]
    assert leaf.name() == "torch::autograd::AccumulateGrad" and leaf.variable is x


def test_gradcheck_passes_and_a_planted_wrong_rule_is_named():
    cube = TG[0]
    x = tg.tensor(VALUES, dtype=tg.float64, requires_grad=True)
    assert tg.gradcheck(lambda x: cube.apply(x, 0.5).tanh().sum(), x)

    class WrongCube(cube):
        @staticmethod
        def backward(ctx, grad_out):
            (x,) = ctx.saved_tensors
            return grad_out * 2 * x * x * ctx.scale, None  # 2 instead of 3

    with pytest.raises(tg.GradcheckError) as caught:
        tg.gradcheck(lambda x: WrongCube.apply(x, 0.5).tanh().sum(), x)
    assert caught.value.culprit.op == "WrongCube"
    assert "WrongCube" in str(caught.value)


def test_explain_pictures_and_stepper_show_the_docstring_rule():
    x = tg.tensor([1.0, 2.0], requires_grad=True, name="x")
    y = TG[0].apply(x, 2.0)
    y.name = "y"
    loss = y.sum()
    text = explain_module.explain(loss)
    assert "δ(x) = δ(y) ⊙ 3 · scale · x²" in text
    dot = tg.viz.to_dot(loss)
    assert 'label="Cube"' in dot and "out = scale · x³" in dot
    steps = stepper_steps(trace_backward(loss))
    cube_step = next(s for s in steps if s["op"] == "Cube")
    assert cube_step["rule"] == TG[0].rule_text() and "δ(x) = δ(out) ⊙ 3" in cube_step["rule"]
    # what the rule sent to x: 3 · 2 · x² = [6, 24]
    assert re.findall(r"[\d.]+", cube_step["sent"][0]["value"]) == ["6", "24"]


def test_a_saved_input_changed_in_place_is_refused_like_a_builtin():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1.0
    y = TG[0].apply(h, 1.0)
    h.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation: Cube saved its input 0"):
        y.sum().backward()


def test_released_graph_and_no_grad():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = TG[0].apply(x, 1.0).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="already released"):
        y.backward()
    with tg.no_grad():
        out, mask = TG[2].apply(x)
    assert not out.requires_grad and out.grad_fn is None
    np.testing.assert_allclose(out.numpy(), np.exp([1.0, 2.0]), rtol=1e-6)


def test_mistakes_get_clear_errors():
    x = tg.tensor([1.0, 2.0], requires_grad=True)

    class TooFew(Function):
        @staticmethod
        def forward(ctx, x, y):
            return x * y

        @staticmethod
        def backward(ctx, grad_out):
            return grad_out

    with pytest.raises(RuntimeError, match="incorrect number of gradients \\(expected 2, got 1\\)"):
        TooFew.apply(x, x).sum().backward()

    class TwoOutputs(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, x * 3

    with pytest.raises(NotImplementedError, match="2 differentiable outputs"):
        TwoOutputs.apply(x)

    class Number(Function):
        @staticmethod
        def forward(ctx, x):
            return 3.0

    with pytest.raises(TypeError, match="Number.forward: output 0 is a float"):
        Number.apply(x)
    with pytest.raises(RuntimeError, match="not instantiated"):
        TooFew()
    with pytest.raises(TypeError, match="save only Tensors"):
        class SavesNumber(Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(2.0)
                return x
        SavesNumber.apply(x)


def test_function_nodes_stay_out_of_the_rulebook():
    assert "FunctionNode" not in tg.registry and "Cube" not in tg.registry
