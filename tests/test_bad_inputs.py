"""Bad inputs to constructors and shape ops get our clear error, never numpy's (issue 10, cases 10-11).

Each case is compared with PyTorch: where torch refuses the input, so do we, with a message that
names the op, the bad value, and the fix.
"""

import numpy as np
import pytest
import torch

import tinygrad_edu as tg

# (what, our call, torch's call or None, exception type, pattern of our message)
CASES = [
    ("tensor of a str", lambda: tg.tensor("abc"), lambda: torch.tensor("abc"), TypeError,
     r"tensor: cannot make a tensor from str 'abc'.*holds strings.*float\(s\)"),
    ("tensor of a list of str", lambda: tg.tensor(["1", "2"]), lambda: torch.tensor(["1", "2"]),
     TypeError, r"from list \['1', '2'\].*holds strings"),
    ("tensor of str with a dtype", lambda: tg.tensor(["1.5"], dtype=tg.float32), None, TypeError,
     r"holds strings"),
    ("tensor of a numpy str array", lambda: tg.tensor(np.array(["a"])), None, TypeError,
     r"holds strings"),
    ("full with a str", lambda: tg.full((2,), "a"), lambda: torch.full((2,), "a"), TypeError,
     r"full: fill_value must be a number, got 'a' \(str\)"),
    ("full with a numeric str", lambda: tg.full((2,), "1.0", dtype=tg.float32),
     lambda: torch.full((2,), "1.0", dtype=torch.float32), TypeError, r"fill_value must be a number"),
    ("full_like with a str", lambda: tg.full_like(tg.zeros(2), "a"),
     lambda: torch.full_like(torch.zeros(2), "a"), TypeError, r"full_like: fill_value"),
    ("zeros negative", lambda: tg.zeros(-1, 2), lambda: torch.zeros(-1, 2), ValueError,
     r"zeros: negative size -1 in shape \(-1, 2\)"),
    ("ones negative", lambda: tg.ones((3, -2)), lambda: torch.ones((3, -2)), ValueError,
     r"ones: negative size -2"),
    ("full negative", lambda: tg.full((-2,), 1.0), lambda: torch.full((-2,), 1.0), ValueError,
     r"full: negative size -2"),
    ("randn negative", lambda: tg.randn(-3), lambda: torch.randn(-3), ValueError,
     r"randn: negative size -3"),
    ("rand negative", lambda: tg.rand(2, -3), lambda: torch.rand(2, -3), ValueError,
     r"rand: negative size -3"),
    ("randint negative", lambda: tg.randint(0, 3, (-1,)), lambda: torch.randint(0, 3, (-1,)),
     ValueError, r"randint: negative size -1"),
    ("zeros of a float size", lambda: tg.zeros(2.5), lambda: torch.zeros(2.5), TypeError,
     r"zeros: sizes must be ints, got 2.5"),
    ("eye negative", lambda: tg.eye(-2), lambda: torch.eye(-2), ValueError,
     r"eye: n \(the number of rows\) must be >= 0, got -2"),
    ("eye negative columns", lambda: tg.eye(2, -1), lambda: torch.eye(2, -1), ValueError,
     r"eye: m \(the number of columns\) must be >= 0"),
    ("linspace negative", lambda: tg.linspace(0, 1, -3), lambda: torch.linspace(0, 1, -3),
     ValueError, r"linspace: steps must be >= 0, got -3"),
    ("arange step 0", lambda: tg.arange(0, 10, 0), lambda: torch.arange(0, 10, 0), ValueError,
     r"arange: step must not be 0"),
    ("reshape with two -1", lambda: tg.zeros(4, 4).reshape(-1, -1),
     lambda: torch.zeros(4, 4).reshape(-1, -1), ValueError,
     r"reshape: only one dimension can be -1.*shape \(4, 4\).*e.g. reshape\(-1, 4\)"),
    ("reshape with -2", lambda: tg.zeros(4, 4).reshape(-2, 8), lambda: torch.zeros(4, 4).reshape(-2, 8),
     ValueError, r"reshape: invalid size -2"),
    ("logsumexp over an empty dim", lambda: tg.zeros(3, 0).logsumexp(1), None, ValueError,
     r"logsumexp: cannot reduce over an empty dimension \(shape \(3, 0\), dim 1 has size 0\)"),
    ("argmax over an empty dim", lambda: tg.zeros(3, 0).argmax(1), lambda: torch.zeros(3, 0).argmax(1),
     ValueError, r"argmax: cannot reduce over an empty dimension"),
    ("argmin of an empty tensor", lambda: tg.zeros(0).argmin(), lambda: torch.zeros(0).argmin(),
     ValueError, r"argmin: cannot reduce over an empty dimension"),
    ("cat of 0-d tensors", lambda: tg.cat([tg.tensor(1.0), tg.tensor(2.0)]),
     lambda: torch.cat([torch.tensor(1.0), torch.tensor(2.0)]), ValueError,
     r"cat: tensor 0 is 0-d.*tg.stack"),
]


@pytest.mark.parametrize("what, ours, theirs, error, pattern", CASES, ids=[c[0] for c in CASES])
def test_bad_input_gets_our_clear_error(what, ours, theirs, error, pattern):
    with pytest.raises(error, match=pattern) as info:
        ours()
    # raised by tinygrad_edu itself, not by numpy on the way
    assert "tinygrad_edu" in info.traceback[-1].path.parts
    if theirs is not None:
        with pytest.raises((RuntimeError, TypeError, ValueError, IndexError)):
            theirs()  # PyTorch refuses it too


def test_good_inputs_next_to_the_bad_ones_still_work():
    assert tg.tensor([1, 2]).dtype == tg.int64
    assert tg.full((2,), 3).dtype == tg.int64 and tg.full((2,), 0.5).dtype == tg.float32
    assert tg.full(3, np.float64(2.0)).shape == (3,)
    assert tg.zeros(0, 2).shape == (0, 2) and tg.zeros((2, np.int64(3))).shape == (2, 3)
    assert tg.eye(0).shape == (0, 0) and tg.linspace(0, 1, 0).shape == (0,)
    assert tg.arange(5, 0, -1).tolist() == [5, 4, 3, 2, 1]
    assert tg.zeros(4, 4).reshape(-1, 8).shape == (2, 8)
    assert tg.zeros(3, 2).logsumexp(1).shape == (3,)
    assert tg.cat([tg.tensor([1.0]), tg.tensor([2.0])]).tolist() == [1.0, 2.0]
    assert tg.stack([tg.tensor(1.0), tg.tensor(2.0)]).tolist() == [1.0, 2.0]
