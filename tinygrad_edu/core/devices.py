"""Devices as PyTorch names them: tinygrad_edu has one, the CPU, and says so when asked for another.

`tg.device("cpu")`, `device=` on every factory, `t.device`, `t.to("cpu")` and `t.cpu()` work
as in PyTorch so that programs written for either device run unchanged; "cuda", "mps" and the
other accelerators raise an error that says tinygrad_edu computes with numpy on the CPU.
"""

import functools

__all__ = ["device", "as_device", "is_device_name", "with_device", "set_default_device", "get_default_device"]

_ACCELERATORS = ("cuda", "mps", "xpu", "xla", "hip", "meta", "ipu", "hpu", "mtia", "privateuseone")


class device:
    """Where a tensor's values live (torch.device); always the CPU here.

    Example:
        >>> tg.device("cpu")
        device(type='cpu')
    """

    __slots__ = ("type", "index")

    def __init__(self, type, index=None):
        if isinstance(type, device):
            type, index = type.type, type.index
        kind, _, number = str(type).partition(":")
        if kind != "cpu":
            raise RuntimeError(_not_available(type, "device"))
        self.type = "cpu"
        self.index = int(number) if number else index

    def __repr__(self):
        return "device(type='cpu')" if self.index is None else f"device(type='cpu', index={self.index})"

    def __str__(self):
        return "cpu" if self.index is None else f"cpu:{self.index}"

    def __eq__(self, other):
        if isinstance(other, str):
            other = as_device(other, "device ==") if other.partition(":")[0] == "cpu" else None
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))


CPU = device("cpu")


def _not_available(requested, op):
    return (f"{op}: device {str(requested)!r} is not available: tinygrad_edu computes with numpy "
            f"on the CPU only; use device='cpu' (or leave device= out). Programs that pick "
            f"their device with torch.cuda.is_available() choose the CPU here by themselves")


def is_device_name(value):
    """True for a string that names a device ("cpu", "cuda:0", "mps"), not a dtype."""
    return isinstance(value, str) and value.partition(":")[0] in ("cpu",) + _ACCELERATORS


def as_device(value, op):
    """`value` (None, "cpu", "cpu:0", 0-free torch.device) as a device; others raise naming `op`."""
    if value is None or value is CPU:
        return CPU
    if isinstance(value, device):
        return value
    if isinstance(value, str) and value.partition(":")[0] == "cpu":
        return device(value)
    if isinstance(value, str) and value.partition(":")[0] in _ACCELERATORS or isinstance(value, int):
        raise RuntimeError(_not_available(value, op))
    raise TypeError(f"{op}: {value!r} is not a device; use 'cpu' or tg.device('cpu')")


def set_default_device(value):
    """torch.set_default_device: only the CPU is accepted (it is already the default)."""
    as_device(value, "set_default_device")


def get_default_device():
    return CPU


def with_device(function):
    """`function` accepting PyTorch's `device=` (checked: the CPU only) and `pin_memory=` (no effect)."""
    @functools.wraps(function)
    def factory(*args, device=None, pin_memory=False, **kwargs):
        if device is not None:
            as_device(device, function.__name__)
        return function(*args, **kwargs)
    return factory
