"""Devices as in PyTorch, on the CPU only: tg.device, device= on the factories, t.device, .to(device, dtype), .cpu(), Module.to, and clear errors for "cuda" and "mps"."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn

torch = pytest.importorskip("torch")


def test_device_objects_print_and_compare_as_torch():
    assert repr(tg.device("cpu")) == repr(torch.device("cpu"))
    assert str(tg.device("cpu")) == str(torch.device("cpu")) == "cpu"
    assert repr(tg.device("cpu:0")) == repr(torch.device("cpu:0"))
    assert tg.device("cpu") == "cpu" and tg.device(tg.device("cpu")) == tg.device("cpu")
    assert tg.zeros(2).device == tg.device("cpu") and tg.zeros(2).device.type == "cpu"


@pytest.mark.parametrize("factory, args", [
    ("tensor", ([1.0, 2.0],)), ("zeros", (2, 3)), ("ones", (2,)), ("full", ((2,), 1.5)),
    ("arange", (4,)), ("linspace", (0, 1, 5)), ("eye", (3,)), ("rand", (2,)), ("randn", (2,)),
    ("randint", (0, 5, (3,))), ("randperm", (4,)),
])
def test_every_factory_accepts_the_cpu_and_refuses_cuda_clearly(factory, args):
    out = getattr(tg, factory)(*args, device="cpu")
    assert out.shape == tuple(getattr(torch, factory)(*args, device="cpu").shape)
    getattr(tg, factory)(*args, device=tg.device("cpu"))
    with pytest.raises(RuntimeError, match=f"{factory}: device 'cuda' is not available: "
                                           "tinygrad_edu computes with numpy on the CPU only"):
        getattr(tg, factory)(*args, device="cuda")


def test_to_takes_a_device_a_dtype_both_or_another_tensor_as_torch():
    x = tg.tensor([1.5, 2.5], requires_grad=True)
    t = torch.tensor([1.5, 2.5], requires_grad=True)
    assert x.to("cpu") is x and x.cpu() is x
    for args in [("cpu", tg.float64), (tg.float64,)]:
        y = x.to(*args)
        assert y.dtype == np.float64
    assert x.to(tg.zeros(1, dtype=tg.float64)).dtype == np.float64
    assert x.to(device="cpu", dtype=tg.float64).dtype == np.float64
    assert t.to("cpu", torch.float64).dtype == torch.float64
    y = x.to("cpu", copy=True)
    assert y is not x and np.array_equal(y.numpy(), x.numpy())
    with pytest.raises(RuntimeError, match="to: device 'cuda:0' is not available"):
        x.to("cuda:0")
    with pytest.raises(RuntimeError, match="mps"):
        x.to("mps")
    with pytest.raises(RuntimeError, match="cuda: device 'cuda' is not available"):
        x.cuda()


def test_module_to_accepts_the_cpu_and_a_dtype():
    net = nn.Linear(3, 2)
    assert net.to("cpu") is net and net.to(tg.device("cpu")) is net
    net.to("cpu", tg.float64)
    assert net.weight.dtype == np.float64
    with pytest.raises(RuntimeError, match="Linear.to: device 'cuda' is not available"):
        net.to("cuda")


def test_accelerator_queries_say_none_is_available():
    assert tg.cuda.is_available() is False and tg.cuda.device_count() == 0
    assert tg.accelerator.is_available() is False
    assert tg.accelerator.current_accelerator() is None
    assert tg.backends.mps.is_available() is False
    tg.backends.cudnn.deterministic = True   # accepted, no effect
    tg.set_default_device("cpu")
    assert tg.get_default_device() == tg.device("cpu")
    with pytest.raises(RuntimeError, match="set_default_device: device 'cuda'"):
        tg.set_default_device("cuda")
    with pytest.raises(RuntimeError, match="get_device_name"):
        tg.cuda.get_device_name(0)
