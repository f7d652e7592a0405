"""Tests of version counters: every in-place change bumps `_version`, and backward() refuses a rule whose saved tensor changed since the forward pass, as PyTorch does."""

import inspect
import operator
import os
import re

import numpy as np
import pytest

import tinygrad_edu as tg

torch = pytest.importorskip("torch")

THIS_FILE = os.path.basename(__file__)


def leaf(lib, values=(1.0, 2.0, 3.0), requires_grad=False):
    return lib.tensor(np.array(values), dtype=lib.float64, requires_grad=requires_grad)


# ---------------------------------------------------------------------------------------------
# Counting
# ---------------------------------------------------------------------------------------------

def test_version_starts_at_zero():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    assert x._version == 0
    assert tg.zeros(3)._version == 0
    assert (x * 2)._version == 0 and x.detach()._version == 0 and x[0]._version == 0
    x * 2
    x.sum()
    assert x._version == 0                                      # reading does not count


def test_each_in_place_change_counts_one():
    t = tg.zeros(3)
    for expected, change in enumerate([lambda: t.add_(1.0), lambda: t.mul_(2.0),
                                       lambda: t.__setitem__(0, 5.0), lambda: t.zero_(),
                                       lambda: operator.iadd(t, 1.0), lambda: t.exp_()],
                                      start=1):
        change()
        assert t._version == expected


# Each change runs in both frameworks on a plain float64 tensor [1, 2, 3]; the test compares
# the counts.  torch's own numbers are written beside each case so a reader sees them.

def plus_equals_at_int(t):
    t[0] += 1.0        # t[0] is a view: += changes it (1), then t[0] = ... writes it back (2)


def plus_equals_at_int_list(t):
    t[[0, 2]] += 1.0   # t[[0, 2]] is a copy: only the write back changes t


def plus_equals_at_mask(t):
    t[t > 1] += 1.0


def three_changes(t):
    t += 1.0
    t -= 1.0
    t *= 1.0           # values back where they started; the count still says 3


def through_a_slice_view(t):
    t[1:].mul_(2.0)


def through_detach(t):
    t.detach().add_(1.0)


def through_data(t):
    t.data.add_(1.0)   # torch: .data has its own counter, so the owner does not count this


def through_data_plus_equals(t):
    t.data += 1.0


def assign_data(t):
    t.data = torch.zeros(3, dtype=torch.float64) if isinstance(t, torch.Tensor) else tg.zeros(
        3, dtype=tg.float64)


def out_of_place(t):
    t + 1.0
    t.exp()
    t[0]
    t.clamp(0.0, 1.0)


def clone_then_change(t):
    t.clone().add_(1.0)


def refused_broadcast(t):
    try:
        t += torch.ones(2, 3, dtype=torch.float64) if isinstance(t, torch.Tensor) else tg.ones(
            2, 3, dtype=tg.float64)
    except (RuntimeError, ValueError):
        pass


def version_case(change, torch_version, id=None):
    return pytest.param(change, torch_version, id=id or change.__name__)


VERSION_CASES = [
    version_case(lambda t: t.add_(1.0), 1, "add_"),
    version_case(lambda t: t.sub_(1.0, alpha=2.0), 1, "sub_ alpha"),
    version_case(lambda t: t.mul_(2.0), 1, "mul_"),
    version_case(lambda t: t.div_(2.0), 1, "div_"),
    version_case(lambda t: t.pow_(2), 1, "pow_"),
    version_case(lambda t: t.neg_(), 1, "neg_"),
    version_case(lambda t: t.exp_(), 1, "exp_"),
    version_case(lambda t: t.log_(), 1, "log_"),
    version_case(lambda t: t.sqrt_(), 1, "sqrt_"),
    version_case(lambda t: t.abs_(), 1, "abs_"),
    version_case(lambda t: t.sigmoid_(), 1, "sigmoid_"),
    version_case(lambda t: t.tanh_(), 1, "tanh_"),
    version_case(lambda t: t.relu_(), 1, "relu_"),
    version_case(lambda t: t.clamp_(0.0, 2.0), 1, "clamp_"),
    version_case(lambda t: t.zero_(), 1, "zero_"),
    version_case(lambda t: t.fill_(4.0), 1, "fill_"),
    version_case(lambda t: t.copy_(t * 2), 1, "copy_"),
    version_case(lambda t: t.normal_(), 1, "normal_"),
    version_case(lambda t: t.uniform_(), 1, "uniform_"),
    version_case(lambda t: t.masked_fill_(t > 1, 0.0), 1, "masked_fill_"),
    version_case(lambda t: t.add_(1.0).mul_(2.0), 2, "chain of two"),
    version_case(lambda t: operator.iadd(t, 1.0), 1, "+="),
    version_case(lambda t: operator.isub(t, t), 1, "-= itself"),
    version_case(lambda t: operator.imul(t, 2.0), 1, "*="),
    version_case(lambda t: operator.itruediv(t, 2.0), 1, "/="),
    version_case(three_changes, 3),
    version_case(lambda t: t.__setitem__(0, 5.0), 1, "t[0] = 5"),
    version_case(lambda t: t.__setitem__(slice(0, 2), 5.0), 1, "t[0:2] = 5"),
    version_case(lambda t: t.__setitem__(Ellipsis, 5.0), 1, "t[...] = 5"),
    version_case(lambda t: t.__setitem__([0, 2], 5.0), 1, "t[[0, 2]] = 5"),
    version_case(lambda t: t.__setitem__(t > 1, 5.0), 1, "t[mask] = 5"),
    version_case(plus_equals_at_int, 2),
    version_case(plus_equals_at_int_list, 1),
    version_case(plus_equals_at_mask, 1),
    version_case(through_a_slice_view, 1),
    version_case(through_detach, 1),
    version_case(through_data, 0),
    version_case(through_data_plus_equals, 0),
    version_case(assign_data, 0),
    version_case(out_of_place, 0),
    version_case(clone_then_change, 0),
    version_case(refused_broadcast, 0),
]


@pytest.mark.parametrize("change, torch_version", VERSION_CASES)
def test_version_counts_like_torch(change, torch_version):
    theirs = leaf(torch)
    change(theirs)
    assert theirs._version == torch_version
    ours = leaf(tg)
    change(ours)
    assert ours._version == torch_version


def test_views_and_detach_share_the_counter_but_data_does_not_like_torch():
    def run(lib):
        t = leaf(lib)
        view, detached = t[1:], t.detach()
        view.add_(1.0)
        detached.mul_(2.0)
        t.neg_()
        data = t.data
        data.add_(1.0)
        return [t._version, view._version, detached._version, data._version]
    theirs = run(torch)
    assert theirs == [3, 3, 3, 1]
    assert run(tg) == theirs


def test_changes_under_no_grad_count_too():
    def run(lib):
        w = leaf(lib, requires_grad=True)
        with lib.no_grad():
            w -= 0.1
            w.mul_(2.0)
            w[0] = 1.0
        return w._version
    assert run(tg) == run(torch) == 3


# ---------------------------------------------------------------------------------------------
# backward() refuses a rule whose saved tensor was changed
# ---------------------------------------------------------------------------------------------

def backward_error(run):
    """Run a scenario; returns the RuntimeError it raised (None when it ran through)."""
    try:
        run()
    except RuntimeError as error:
        return error
    return None


def test_the_issue_example_names_the_op_the_line_the_versions_and_the_fix():
    w = torch.tensor([1., 2.], requires_grad=True)
    x = torch.tensor([3., 4.])
    y = (w * x).sum()
    x += 1
    assert "is at version 1; expected version 0" in str(backward_error(y.backward))

    w = tg.tensor([1., 2.], requires_grad=True)
    x = tg.tensor([3., 4.])
    y = (w * x).sum(); line = inspect.currentframe().f_lineno  # noqa: E702 (the Mul's line)
    x += 1
    with pytest.raises(RuntimeError) as error:
        y.backward()
    message = str(error.value)
    assert re.search(r"\bMul\b", message), message
    assert THIS_FILE in message and re.search(rf"\b{line}\b", message), message
    assert "version 0" in message and "version 1" in message, message
    assert ".clone()" in message, message


def test_the_error_counts_every_change():
    def run(lib):
        w = lib.tensor([1., 2.], requires_grad=True)
        x = lib.tensor([3., 4.])
        y = (w * x).sum()
        x += 1
        x[0] = 3.0                                 # back to the old values: still refused
        x -= 1
        return backward_error(y.backward)
    assert "is at version 3; expected version 0" in str(run(torch))
    message = str(run(tg))
    assert "version 3" in message and "version 0" in message, message


def test_a_changed_output_saved_by_its_own_op_names_that_op():
    x = torch.tensor([1., 2.], requires_grad=True)
    y = x.exp()
    y += 1
    assert "output 0 of Exp" in str(backward_error(y.sum().backward))

    x = tg.tensor([1., 2.], requires_grad=True)
    y = x.exp(); line = inspect.currentframe().f_lineno  # noqa: E702 (the Exp's line)
    y += 1
    with pytest.raises(RuntimeError) as error:
        y.sum().backward()
    message = str(error.value)
    assert re.search(r"\bExp\b", message), message
    assert THIS_FILE in message and re.search(rf"\b{line}\b", message), message
    assert "version 0" in message and "version 1" in message and ".clone()" in message, message


def test_the_suggested_clone_fix_works_like_torch():
    def run(lib):
        w = leaf(lib, requires_grad=True)
        x = leaf(lib, (3.0, 4.0, 5.0))
        y = (w * x.clone()).sum()
        x += 1
        y.backward()
        return w.grad
    np.testing.assert_allclose(run(tg).numpy(), run(torch).numpy())


# Scenarios for the refusal table: each builds a graph, changes something in place, and calls
# backward(); the table says what torch does, and tinygrad_edu must do the same.

def mul_then_change_the_factor(lib):
    w, x = leaf(lib, requires_grad=True), leaf(lib)
    y = (w * x).sum()
    x += 1
    y.backward()


def add_then_change_the_term(lib):
    w, x = leaf(lib, requires_grad=True), leaf(lib)
    y = w + x                                      # Add saves nothing
    x += 1
    y.sum().backward()


def sub_then_change_the_term(lib):
    w, x = leaf(lib, requires_grad=True), leaf(lib)
    y = x - w
    x.mul_(3.0)
    y.sum().backward()


def sum_then_change_the_input(lib):
    w = leaf(lib, requires_grad=True)
    y = w.sum()
    with lib.no_grad():
        w += 1
    y.backward()


def mul_then_change_after_backward(lib):
    w, x = leaf(lib, requires_grad=True), leaf(lib)
    y = (w * x).sum()
    y.backward()
    x += 1                                         # the graph was used and released


def mul_retained_then_change_and_backward_again(lib):
    w, x = leaf(lib, requires_grad=True), leaf(lib)
    y = (w * x).sum()
    y.backward(retain_graph=True)
    x += 1
    y.backward()


def exp_then_change_its_output(lib):
    x = leaf(lib, requires_grad=True)
    y = x.exp()                                    # Exp saves its output
    y += 1
    y.sum().backward()


def sigmoid_then_change_its_output(lib):
    x = leaf(lib, requires_grad=True)
    y = x.sigmoid()
    y.mul_(2.0)
    y.sum().backward()


def tanh_then_change_its_output(lib):
    x = leaf(lib, requires_grad=True)
    y = x.tanh()
    y[0] = 0.0
    y.sum().backward()


def sqrt_then_change_its_output(lib):
    x = leaf(lib, requires_grad=True)
    y = x.sqrt()
    y.sub_(1.0)
    y.sum().backward()


def log_then_change_its_input(lib):
    w, x = leaf(lib, requires_grad=True), leaf(lib)
    h = w * x
    y = h.log()                                    # Log saves its input h
    h += 1
    y.sum().backward()


def exp_output_copied_then_copy_changed(lib):
    x = leaf(lib, requires_grad=True)
    y = x.exp()
    z = y * 1
    z += 1                                         # z is a new tensor; Exp's output is intact
    z.sum().backward()


def square_then_change_under_no_grad(lib):
    w = leaf(lib, requires_grad=True)
    y = (w * w).sum()
    with lib.no_grad():
        w += 1
    y.backward()


def pow_then_change_the_base_under_no_grad(lib):
    w = leaf(lib, requires_grad=True)
    y = (w ** 2).sum()
    with lib.no_grad():
        w.mul_(2.0)
    y.backward()


def divide_then_change_the_divisor(lib):
    w, x = leaf(lib, requires_grad=True), leaf(lib)
    y = (w / x).sum()
    x += 1
    y.backward()


def matmul_then_change_the_vector(lib):
    m = lib.tensor(np.arange(6.0).reshape(2, 3), dtype=lib.float64, requires_grad=True)
    x = leaf(lib)
    y = (m @ x).sum()
    x.mul_(2.0)
    y.backward()


def non_leaf_squared_then_changed(lib):
    w = leaf(lib, requires_grad=True)
    h = w * 2
    y = (h * h).sum()
    h.add_(1.0)
    y.backward()


def mul_then_change_the_factor_through_data(lib):
    w, x = leaf(lib, requires_grad=True), leaf(lib)
    y = (w * x).sum()
    x.data += 1                                    # .data is not counted: not refused
    y.backward()


def mul_then_change_the_factor_through_detach(lib):
    w, x = leaf(lib, requires_grad=True), leaf(lib)
    y = (w * x).sum()
    x.detach().add_(1.0)
    y.backward()


def mul_then_change_the_factor_through_a_view(lib):
    w, x = leaf(lib, requires_grad=True), leaf(lib)
    y = (w * x).sum()
    x[1:].mul_(2.0)
    y.backward()


def mul_then_set_an_element_of_the_factor(lib):
    w, x = leaf(lib, requires_grad=True), leaf(lib)
    y = (w * x).sum()
    x[0] = 7.0
    y.backward()


def mul_then_zero_the_factor(lib):
    w, x = leaf(lib, requires_grad=True), leaf(lib)
    y = (w * x).sum()
    x.zero_()
    y.backward()


def mul_then_copy_into_the_factor(lib):
    w, x = leaf(lib, requires_grad=True), leaf(lib)
    y = (w * x).sum()
    x.copy_(w.detach())
    y.backward()


def mul_by_a_number_then_change_under_no_grad(lib):
    w = leaf(lib, requires_grad=True)
    y = (w * 2.0).sum()                            # w's gradient needs only the 2.0
    with lib.no_grad():
        w.mul_(3.0)
    y.backward()


def mul_then_change_the_factor_whose_partner_needs_no_grad(lib):
    w, x = leaf(lib, requires_grad=True), leaf(lib)
    y = (w * x).sum()                              # w's gradient needs x; nobody needs w
    with lib.no_grad():
        w.mul_(3.0)
    y.backward()


def refusal_case(scenario, torch_raises):
    return pytest.param(scenario, torch_raises, id=scenario.__name__)


REFUSAL_CASES = [
    refusal_case(mul_then_change_the_factor, True),
    refusal_case(add_then_change_the_term, False),
    refusal_case(sub_then_change_the_term, False),
    refusal_case(sum_then_change_the_input, False),
    refusal_case(mul_then_change_after_backward, False),
    refusal_case(mul_retained_then_change_and_backward_again, True),
    refusal_case(exp_then_change_its_output, True),
    refusal_case(sigmoid_then_change_its_output, True),
    refusal_case(tanh_then_change_its_output, True),
    refusal_case(sqrt_then_change_its_output, True),
    refusal_case(log_then_change_its_input, True),
    refusal_case(exp_output_copied_then_copy_changed, False),
    refusal_case(square_then_change_under_no_grad, True),
    refusal_case(pow_then_change_the_base_under_no_grad, True),
    refusal_case(divide_then_change_the_divisor, True),
    refusal_case(matmul_then_change_the_vector, True),
    refusal_case(non_leaf_squared_then_changed, True),
    refusal_case(mul_then_change_the_factor_through_data, False),
    refusal_case(mul_then_change_the_factor_through_detach, True),
    refusal_case(mul_then_change_the_factor_through_a_view, True),
    refusal_case(mul_then_set_an_element_of_the_factor, True),
    refusal_case(mul_then_zero_the_factor, True),
    refusal_case(mul_then_copy_into_the_factor, True),
    refusal_case(mul_by_a_number_then_change_under_no_grad, False),
    refusal_case(mul_then_change_the_factor_whose_partner_needs_no_grad, False),
]


@pytest.mark.parametrize("scenario, torch_raises", REFUSAL_CASES)
def test_backward_refuses_a_changed_saved_tensor_exactly_when_torch_does(scenario, torch_raises):
    their_error = backward_error(lambda: scenario(torch))
    assert (their_error is not None) == torch_raises, their_error
    if their_error is not None:
        assert "modified by an inplace operation" in str(their_error)
    our_error = backward_error(lambda: scenario(tg))
    if torch_raises:
        assert our_error is not None, "torch refuses this backward(); tinygrad_edu must too"
        message = str(our_error)
        assert "version" in message and ".clone()" in message, message
    else:
        assert our_error is None, our_error


def test_the_gradient_after_a_change_through_data_uses_the_new_values_like_torch():
    def run(lib):
        w, x = leaf(lib, requires_grad=True), leaf(lib)
        y = (w * x).sum()
        x.data += 1
        y.backward()
        return w.grad
    np.testing.assert_allclose(run(tg).numpy(), run(torch).numpy())


def test_an_optimizer_step_before_backward_is_refused_like_torch():
    """opt.step() changes the weights a Linear saved: the next backward() through that graph
    must refuse (PyTorch does too), because the optimizers' fast writes count as versions."""
    def run(lib, nn, optim):
        layer = nn.Linear(3, 1)
        opt = optim.SGD(layer.parameters(), lr=0.1)
        x = lib.ones(2, 3, requires_grad=True)
        loss = layer(x).sum()
        loss.backward(retain_graph=True)
        before = layer.weight._version
        opt.step()
        assert layer.weight._version == before + 1
        with pytest.raises(RuntimeError) as error:
            loss.backward()
        return str(error.value)

    run(torch, torch.nn, torch.optim)
    message = run(tg, tg.nn, tg.optim)
    assert "Linear" in message and "weight" in message and ".clone()" in message


def test_the_named_line_is_right_after_the_same_op_was_made_deeper_in_the_stack(tmp_path):
    """The user's line is remembered per op class with its depth; a later, shallower stack
    (here the top of a script) must still get its own line, not "(created inside ...)"."""
    script = tmp_path / "shallow.py"
    script.write_text(
        "import tinygrad_edu as tg\n"
        "def deeper():\n"
        "    a = tg.tensor([1., 2.], requires_grad=True)\n"
        "    b = a * 1\n"
        "    b *= 3\n"  # a Mul made through the in-place machinery: a deep stack
        "deeper()\n"
        "w = tg.tensor([1., 2.], requires_grad=True); x = tg.tensor([3., 4.])\n"
        "y = (w * x).sum()\n"
        "x += 1\n"
        "try:\n"
        "    y.backward()\n"
        "except RuntimeError as error:\n"
        "    print(error)\n", encoding="utf-8")
    import subprocess
    import sys
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         check=True).stdout
    assert f'File "{script}", line 8: y = (w * x).sum()' in out, out
