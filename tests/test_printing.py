"""Tensors print as PyTorch prints them (values, widths, wrapping, summaries, suffixes), shapes as torch.Size, with torch's print options; inference_mode and the grad-mode switches behave as torch's."""

import numpy as np
import pytest

import tinygrad_edu as tg

torch = pytest.importorskip("torch")

rng = np.random.default_rng(0)
DATA = {
    "fractions": [[0.1, 0.2]], "whole": [[1.0, 2.0], [3.0, -4.0]], "scalar": 2.5, "zero_d_whole": 3.0,
    "tiny": [1e-5, 1.0], "huge": [1e10, 1.0], "whole_wide": [1.0, 2000.0],
    "nan_inf": [float("nan"), float("inf"), -1.5], "zeros": [0.0, 0.0],
    "negative": [-0.5, 0.25, 12.125], "wrapped": rng.standard_normal((3, 30)),
    "summarized": np.arange(2000.0).reshape(40, 50) / 7, "long_vector": rng.standard_normal(1500),
    "three_d": rng.standard_normal((2, 3, 4)), "ints": [[1, -20], [300, 4]], "bools": [True, False],
    "empty": np.zeros((0, 3)), "empty_vector": np.zeros(0),
}


def _pair(data, dtype=None):
    array = np.asarray(data)
    if array.dtype == np.float64:
        array = array.astype(np.float32)
    ours = tg.tensor(array, dtype=dtype)
    theirs = torch.tensor(array, dtype={None: None, tg.float64: torch.float64}[dtype])
    return ours, theirs


@pytest.mark.parametrize("name", sorted(DATA))
def test_repr_is_torchs_text(name):
    ours, theirs = _pair(DATA[name])
    assert repr(ours) == repr(theirs)
    assert str(ours) == str(theirs)


@pytest.mark.parametrize("make", [
    lambda m: m.tensor([[0.1, 0.2]], requires_grad=True),
    lambda m: m.tensor([0.1, 0.2], requires_grad=True) * 2,
    lambda m: m.tensor([0.1, 0.2], dtype=m.float64, requires_grad=True),
    lambda m: m.tensor([1, 2], dtype=m.int32),
    lambda m: (m.tensor(np.ones((3, 11), np.float32) / 3, requires_grad=True) + 1),
], ids=["leaf", "grad_fn", "float64_leaf", "int32", "wrapped_suffix"])
def test_suffixes_are_torchs(make):
    assert repr(make(tg)) == repr(make(torch))


def test_print_options_are_torchs():
    x = rng.standard_normal((4, 5)).astype(np.float32) * 100
    try:
        for options in [{"precision": 2}, {"sci_mode": True}, {"threshold": 5, "edgeitems": 1},
                        {"linewidth": 30}, {"profile": "short"}, {"profile": "default"}]:
            tg.set_printoptions(**options)
            torch.set_printoptions(**options)
            assert repr(tg.tensor(x)) == repr(torch.tensor(x)), options
    finally:
        tg.set_printoptions(profile="default")
        torch.set_printoptions(profile="default")
    with pytest.raises(ValueError, match="set_printoptions: profile must be one of"):
        tg.set_printoptions(profile="tall")


def test_shape_is_a_size_that_prints_as_torch_and_stays_a_tuple():
    x, t = tg.zeros(3, 4), torch.zeros(3, 4)
    assert repr(x.shape) == repr(t.shape) == "torch.Size([3, 4])"
    assert repr(x.size()) == repr(t.size()) and str(tg.zeros(()).shape) == str(torch.zeros(()).shape)
    assert x.shape == (3, 4) and isinstance(x.shape, tuple) and x.shape[1] == 4
    assert x.size(1) == 4 and x.shape.numel() == t.shape.numel() == 12
    assert tg.zeros(x.shape).shape == (3, 4)


def test_inference_mode_and_the_grad_switches_behave_as_torchs():
    for m in (tg, torch):
        x = m.ones(2, requires_grad=True)
        with m.inference_mode():
            assert not (x * 2).requires_grad and not m.is_grad_enabled()
        with m.inference_mode(False):
            assert (x * 2).requires_grad
        with m.set_grad_enabled(False):
            assert not m.is_grad_enabled()
        assert m.is_grad_enabled()

        @m.inference_mode()
        def doubled(v):
            return v * 2

        @m.no_grad
        def tripled(v):
            return v * 3
        assert not doubled(x).requires_grad and not tripled(x).requires_grad
        assert (x * 2).requires_grad


def test_format_of_a_0d_tensor_formats_its_number_as_torch():
    for m in (tg, torch):
        x = m.tensor(2.0) / 3
        assert f"{x}" == "0.6666666865348816" and f"{x:.3f}" == "0.667"
    assert f"{tg.tensor([1.0, 2.0])}" == f"{torch.tensor([1.0, 2.0])}"
    with pytest.raises(TypeError):
        f"{tg.tensor([1.0, 2.0]):.3f}"
