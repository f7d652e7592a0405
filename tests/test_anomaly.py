"""Tests of NaN provenance with tg.detect_anomaly(): the error names the op where a NaN or an infinity was born, the pass (forward or backward), the line of user code, and the inputs there."""

import inspect
import os

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn

THIS_FILE = os.path.basename(__file__)


def next_line():
    """The line number of the caller's next line (where the op under test is created)."""
    return inspect.currentframe().f_back.f_lineno + 1


def test_log_of_zero_in_the_forward_pass():
    x = tg.tensor([0.0, 1.0], requires_grad=True, name="x")
    with pytest.raises(tg.AnomalyError) as info:
        with tg.detect_anomaly():
            line = next_line()
            y = x.log()  # noqa: F841
    message = str(info.value)
    assert message.startswith("Log: forward pass produced infinity")
    assert "first at element (0,)" in message
    assert "input 0 'x' of shape (2,) is 0.0 there" in message
    assert f'{THIS_FILE}", line {line}: y = x.log()' in message
    assert "rule: out = ln x" in message and "clamp" in message
    assert isinstance(info.value, RuntimeError)


def test_sqrt_of_zero_is_fine_forward_but_infinite_backward():
    x = tg.tensor([4.0, 0.0, 9.0], requires_grad=True, name="x")
    with tg.detect_anomaly():
        line = next_line()
        y = x.sqrt()
        assert y.numpy()[1] == 0.0                     # √0 = 0: the forward pass is fine
        total = y.sum()
        with pytest.raises(tg.AnomalyError) as info:
            total.backward()
    message = str(info.value)
    # blamed on the op whose rule produced it (1 / (2·√0)), not on the Div inside that rule
    assert message.startswith("Sqrt: backward pass produced infinity")
    assert "the gradient it sends to input 0" in message and "first at element (1,)" in message
    assert "input 0 'x' of shape (3,) is 0.0 there" in message
    assert f'{THIS_FILE}", line {line}: y = x.sqrt()' in message
    assert x.grad is None                              # stopped before anything accumulated


def test_zero_over_zero():
    z = tg.zeros(3, requires_grad=True)
    one = tg.ones(3, requires_grad=True)
    with tg.detect_anomaly():
        fine = one / (z + 1.0)                        # no anomaly: nothing raised
        with pytest.raises(tg.AnomalyError) as info:
            line = next_line()
            bad = z / z  # noqa: F841
    message = str(info.value)
    assert message.startswith("Div: forward pass produced NaN")
    assert "input 0 of shape (3,) is 0.0 there" in message
    assert "input 1 of shape (3,) is 0.0 there" in message
    assert f"line {line}: bad = z / z" in message
    assert np.isfinite(fine.numpy()).all()


def test_without_detect_anomaly_the_nan_is_no_error_but_a_learner_warning():
    x = tg.tensor([0.0, 1.0], requires_grad=True)
    with pytest.warns(tg.NonFiniteWarning, match="Log: the forward pass produced infinity"):
        y = x.log().sum()                             # −∞, and no error
    with pytest.warns(tg.NonFiniteWarning, match="Log: its backward rule produced infinity"):
        y.backward()
    assert y.item() == -np.inf and x.grad.numpy()[0] == np.inf
    with pytest.warns(tg.NonFiniteWarning, match="Div: the forward pass produced NaN"):
        nan = (x / x).sum()
    assert np.isnan(nan.item())
    assert not tg.is_anomaly_enabled()


def small_network(seed=0):
    tg.manual_seed(seed)
    return nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2), nn.Sigmoid())


def test_nan_born_inside_a_small_network():
    """log of a tanh output: negative activations give NaN at the Log, not earlier."""
    model = small_network()
    x = tg.randn(5, 3)
    with tg.detect_anomaly():
        hidden = model[1](model[0](x))
        assert (hidden.numpy() < 0).any()
        with pytest.raises(tg.AnomalyError) as info:
            line = next_line()
            cost = hidden.log().sum()  # noqa: F841
    message = str(info.value)
    assert message.startswith("Log: forward pass produced NaN")
    assert f"line {line}: cost = hidden.log().sum()" in message
    assert "already holds" not in message              # born here, not inherited


def test_nan_in_the_data_is_reported_as_inherited_at_the_first_layer():
    model = small_network()
    data = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    data[2, 1] = np.nan
    with tg.detect_anomaly():
        with pytest.raises(tg.AnomalyError) as info:
            model(tg.tensor(data))
    message = str(info.value)
    assert message.startswith("Linear: forward pass produced NaN")
    assert "first at element (2, 0)" in message
    assert "input 0 of shape (4, 3) and already holds NaN or infinity" in message
    assert "input 1 '0.weight' of shape (4, 3)" in message             # parameter names
    assert "made before this op" in message
    assert f'{THIS_FILE}", line' in message                   # the user's line, not nn's


def test_nan_parameter_after_a_bad_update_is_caught_in_the_next_forward():
    model = small_network()
    with tg.no_grad():
        model[2].weight.numpy()[0, 0] = np.inf
    with tg.detect_anomaly():
        with pytest.raises(tg.AnomalyError) as info:
            model(tg.randn(2, 3))
    message = str(info.value)
    assert "Linear: forward pass produced" in message
    assert "'2.weight' of shape (2, 4) and already holds NaN or infinity" in message


def test_exploding_backward_inside_a_network():
    """Cost √(Σ h²) with h = 0 for a whole example: the backward pass divides by zero."""
    model = small_network()
    x = tg.randn(2, 3)
    with tg.detect_anomaly():
        h = nn.ReLU()(model[0](x) * 0.0)                # an all-zero hidden layer
        norm = (h * h).sum().sqrt()
        with pytest.raises(tg.AnomalyError) as info:
            norm.backward()
    assert str(info.value).startswith("Sqrt: backward pass produced infinity")


def test_state_is_restored_and_the_decorator_form_works():
    x = tg.tensor([0.0], requires_grad=True)

    @tg.detect_anomaly()
    def bad():
        assert tg.is_anomaly_enabled()
        return x.log()

    with pytest.raises(tg.AnomalyError, match="Log: forward"):
        bad()
    assert not tg.is_anomaly_enabled()
    with tg.detect_anomaly():
        with tg.detect_anomaly(check_nan=False), pytest.warns(tg.NonFiniteWarning):
            x.log()                                   # inner block: checks off (the warning stays)
        assert tg.is_anomaly_enabled()
    assert not tg.is_anomaly_enabled()
