"""Tests for tinygrad_edu.perceptron: the learning rule, the lecture's AND example, XOR, and lesson 01."""

import importlib.util
import pathlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_edu.perceptron import AND, TRUTH_TABLES, XOR, EpochRecord, Perceptron, truth_table

EXAMPLE = pathlib.Path(__file__).resolve().parent.parent / "examples" / "01_perceptron.py"


def test_truth_tables():
    X, d = truth_table("and")
    assert X.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert d.tolist() == [0, 0, 0, 1]
    assert truth_table("OR")[1].tolist() == [0, 1, 1, 1]
    assert truth_table("NAND")[1].tolist() == [1, 1, 1, 0]
    assert truth_table("XOR")[1].tolist() == [0, 1, 1, 0]
    assert set(TRUTH_TABLES) == {"AND", "OR", "NAND", "XOR"}
    assert AND[1].tolist() == [0, 0, 0, 1] and XOR[1].tolist() == [0, 1, 1, 0]
    d[:] = 1  # a copy: the module's tables stay intact
    assert truth_table("AND")[1].tolist() == [0, 0, 0, 1]
    with pytest.raises(ValueError):
        AND[1][0] = 1
    with pytest.raises(ValueError, match="unknown gate 'XNOR'"):
        truth_table("XNOR")


def test_step_function_and_shapes():
    p = Perceptron(2, lr=1.0, weights=[1.0, 1.0], bias=-1.0)
    assert p.predict([1, 0]) == 0  # x·w + b = 0 exactly: the step says 0
    assert p.predict([1, 1]) == 1
    assert p.predict(np.array([[0, 0], [1, 1]])).tolist() == [0, 1]
    assert p.weighted_sum([1, 1]) == pytest.approx(1.0)
    np.testing.assert_allclose(p.weighted_sum([[0, 0], [1, 1]]), [-1.0, 1.0])


def test_the_lectures_and_example_step_by_step():
    p = Perceptron(2, lr=0.5, weights=[0.9, 0.9], bias=-0.5, learn_bias=False)
    assert p.predict([0, 0]) == 0 and p.update([0, 0], 0) is False
    # A single 1: x·w + b = 0.9 − 0.5 = 0.4 > 0, a mistake for AND ...
    assert p.weighted_sum([0, 1]) == pytest.approx(0.4)
    assert p.predict([0, 1]) == 1
    assert p.update([0, 1], 0) is True
    # ... so that weight becomes 0.9 + 0.5·(0 − 1) = 0.4, the other stays.
    np.testing.assert_allclose(p.weights, [0.9, 0.4])
    assert p.weighted_sum([1, 0]) == pytest.approx(0.4)
    assert p.update([1, 0], 0) is True
    np.testing.assert_allclose(p.weights, [0.4, 0.4])
    assert p.bias == -0.5  # kept fixed
    assert p.weighted_sum([1, 1]) == pytest.approx(0.3) and p.predict([1, 1]) == 1
    assert p.update([1, 1], 1) is False
    X, d = truth_table("AND")
    assert p.predict(X).tolist() == d.tolist()


def test_the_lectures_and_example_with_fit():
    p = Perceptron(2, lr=0.5, weights=[0.9, 0.9], bias=-0.5, learn_bias=False)
    history = p.fit(*truth_table("AND"), max_epochs=10)
    assert [r.errors for r in history] == [2, 0]
    assert isinstance(history[0], EpochRecord) and history[0].epoch == 1
    np.testing.assert_allclose(history[0].weights, [0.4, 0.4])
    assert history[-1].bias == -0.5


@pytest.mark.parametrize("gate", ["AND", "OR", "NAND"])
@pytest.mark.parametrize("start", [dict(), dict(weights=[0.9, 0.9], bias=-0.5)])
def test_linearly_separable_gates_converge(gate, start):
    X, d = truth_table(gate)
    p = Perceptron(2, lr=0.5 if start else 0.1, learn_bias=True, **start)
    history = p.fit(X, d, max_epochs=100)
    assert history[-1].errors == 0 and len(history) < 100
    assert p.predict(X).tolist() == d.tolist()


@settings(max_examples=40, deadline=None)
@given(gate=st.sampled_from(["AND", "OR", "NAND"]),
       weights=st.lists(st.floats(-1, 1), min_size=2, max_size=2), bias=st.floats(-1, 1),
       lr=st.floats(0.1, 1.0))
def test_convergence_theorem_from_any_start(gate, weights, bias, lr):
    X, d = truth_table(gate)
    p = Perceptron(2, lr=lr, weights=weights, bias=bias)
    history = p.fit(X, d, max_epochs=2000)
    assert history[-1].errors == 0
    assert p.predict(X).tolist() == d.tolist()


@settings(max_examples=25, deadline=None)
@given(weights=st.lists(st.floats(-1, 1), min_size=2, max_size=2), bias=st.floats(-1, 1),
       lr=st.floats(0.01, 1.0), learn_bias=st.booleans())
def test_xor_never_converges(weights, bias, lr, learn_bias):
    X, d = truth_table("XOR")
    p = Perceptron(2, lr=lr, weights=weights, bias=bias, learn_bias=learn_bias)
    history = p.fit(X, d, max_epochs=50)
    assert len(history) == 50
    assert all(r.errors > 0 for r in history)


def test_xor_from_zeros_errs_every_epoch():
    history = Perceptron(2, lr=0.1).fit(*truth_table("XOR"), max_epochs=200)
    assert len(history) == 200 and min(r.errors for r in history) > 0


def test_update_reports_whether_anything_changed():
    p = Perceptron(2, lr=0.5, bias=0.5, learn_bias=False)
    # Wrong on the all-zero input, but with a fixed bias the rule changes nothing.
    assert p.predict([0, 0]) == 1 and p.update([0, 0], 0) is False
    q = Perceptron(2, lr=0.5, bias=0.5, learn_bias=True)
    assert q.update([0, 0], 0) is True and q.bias == 0.0


def test_argument_errors():
    with pytest.raises(ValueError, match="n_inputs must be an int >= 1"):
        Perceptron(0, lr=0.1)
    with pytest.raises(ValueError, match="learning rate lr must be a positive"):
        Perceptron(2, lr=0)
    with pytest.raises(ValueError, match=r"weights have shape \(3,\) but n_inputs=2"):
        Perceptron(2, lr=0.1, weights=[1, 2, 3])
    p = Perceptron(2, lr=0.1)
    with pytest.raises(ValueError, match=r"predict: inputs of shape \(3,\)"):
        p.predict([1, 2, 3])
    with pytest.raises(ValueError, match="d must be 0 or 1, got 2"):
        p.update([1, 0], 2)
    with pytest.raises(ValueError, match="desired outputs must be 0 or 1"):
        p.fit(np.zeros((2, 2)), [0, 3])


def load_example():
    spec = importlib.util.spec_from_file_location("lesson_01_perceptron", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_lesson_01_prints_the_lectures_numbers(capsys):
    result = load_example().main(["--max-epochs", "15", "--steps", "1000"])
    out = capsys.readouterr().out
    assert "0.9·0 + 0.9·1 − 0.5 = 0.4 > 0 → y = 1, want d = 0: MISTAKE" in out
    assert "(0.9, 0.9) + 0.5·(0 − 1)·(0, 1) = (0.9, 0.4)" in out
    assert "(0.9, 0.4) + 0.5·(0 − 1)·(1, 0) = (0.4, 0.4)" in out
    assert "0.4·1 + 0.4·1 − 0.5 = 0.3 > 0 → y = 1, want d = 1: right" in out
    assert "converged with w = (0.4, 0.4), b = −0.5" in out
    assert "never converged: mistakes in every one of 15 epochs" in out
    assert "the network gets 4 of 4 right" in out
    np.testing.assert_allclose(result["and_weights"], [0.4, 0.4])
    assert result["gates_converged"] == {"AND": True, "OR": True, "NAND": True}
    assert min(result["xor_perceptron_errors"]) > 0
    assert ((result["xor_network_outputs"] > 0.5).astype(int) == XOR[1]).all()
