"""tg.exercises: right answers pass, planted wrong ones fail with the first wrong element, op or layer named, and solutions stay hidden until asked for."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def test_sigmoid_backward_right_and_wrong():
    right = tg.exercises.check("sigmoid_backward", lambda z, g: g * sigmoid(z) * (1 - sigmoid(z)))
    assert right.ok and "RIGHT" in str(right)
    wrong = tg.exercises.check("sigmoid_backward", lambda z, g: g * sigmoid(z))  # σ′ = σ: planted
    assert not wrong.ok and wrong.where == "element (0, 0)"
    assert "op Sigmoid" in wrong.message  # named by check_rules, the rule localizer
    assert "solution(" in str(wrong) and "s * (1 - s)" not in str(wrong)  # hidden by default
    assert tg.core.ops.Sigmoid.backward.__qualname__ == "Sigmoid.backward"  # the rule is restored
    only_one = tg.exercises.check("sigmoid_backward",
                                  lambda z, g: np.where(z > 2.5, 0.0, g * sigmoid(z) * (1 - sigmoid(z))))
    assert not only_one.ok and only_one.where.startswith("element")
    assert "<b" in wrong._repr_html_() and "wrong" in wrong._repr_html_()


def test_bp2_names_the_layer():
    solution = lambda d, w, z: (d @ w) * sigmoid(z) * (1 - sigmoid(z))
    assert tg.exercises.check("bp2", solution).ok
    slide = lambda d, w, z: (d @ w) * sigmoid(z)          # the slide's typo: σ instead of σ′
    wrong = tg.exercises.check("bp2", slide)
    assert not wrong.ok and wrong.where == "layer 3"      # the last hidden layer is checked first
    assert "BP2 at layer 3" in wrong.message and "σ′" in wrong.message
    transposed = lambda d, w, z: (d @ w[::-1, ::-1]) * sigmoid(z) * (1 - sigmoid(z))
    assert not tg.exercises.check("bp2", transposed).ok
    with pytest.raises(ValueError, match="shape"):
        tg.exercises.check("bp2", lambda d, w, z: d)


def test_hand_gradient_names_the_component():
    f = lambda v: (v[0] ** 2 - 1) ** 2 + 0.3 * v[0] + v[1] ** 2
    good = lambda v: np.array([4 * v[0] ** 3 - 4 * v[0] + 0.3, 2 * v[1]])
    assert tg.exercises.check("gradient", good, function=f, at=[1.6, 1.2]).ok
    bad = tg.exercises.check("gradient", lambda v: np.array([4 * v[0] ** 3 - 4 * v[0], 2 * v[1]]),
                             function=f, at=[1.6, 1.2])
    assert not bad.ok and bad.where == "component (0,)"
    with pytest.raises(TypeError, match="function="):
        tg.exercises.check("gradient", good)


def test_layer_gradients_backprop_ninja():
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3, dtype=tg.float64), nn.Sigmoid(),
                          nn.Linear(3, 2, dtype=tg.float64), nn.Sigmoid())
    x = tg.randn(5, 4, dtype=tg.float64)
    y = tg.rand(5, 2, dtype=tg.float64)
    context = dict(model=model, x=x, y=y, cost=nn.QuadraticCost())
    by_equations = lambda m, x, y: tg.equations.backprop(m, x, y, "quadratic")
    assert tg.exercises.check("layer_gradients", by_equations, **context).ok

    def wrong_first_layer(m, x, y):
        grads = by_equations(m, x, y)
        grads[0] = (grads[0][0] * 2, grads[0][1])
        return grads
    result = tg.exercises.check("layer_gradients", wrong_first_layer, **context)
    assert not result.ok and result.where.startswith("layer 2, ∂C/∂w2")


def test_solutions_are_there_and_unknown_names_are_clear():
    for name in tg.exercises.EXERCISES:
        assert "return" in tg.exercises.solution(name)
    namespace = {"np": np}
    exec(tg.exercises.solution("sigmoid_backward"), namespace)
    assert tg.exercises.check("sigmoid_backward", namespace["_solution_sigmoid_backward"]).ok
    with pytest.raises(ValueError, match="no exercise 'bp5'"):
        tg.exercises.check("bp5", lambda: None)
    with pytest.raises(TypeError, match="must be a function"):
        tg.exercises.check("sigmoid_backward", 3)
