"""`torch.cuda`, `torch.accelerator`, `torch.backends` as a CPU-only framework answers them: nothing is available, and asking for a device says so.

Programs choose their device with `torch.cuda.is_available()` or
`torch.accelerator.is_available()`; here both are False, so they pick the CPU themselves.
Settings made for reproducibility (`torch.backends.cudnn.deterministic = True`) are accepted
and have no effect.
"""

import types

from tinygrad_edu.core import as_device

__all__ = ["cuda", "accelerator", "backends", "mps", "cudnn"]


def _false(*args, **kwargs):
    return False


def _unavailable(name):
    def function(*args, **kwargs):
        as_device("cuda", name)
    function.__name__ = name.rsplit(".", 1)[-1]
    return function


def _namespace(name, doc, **members):
    module = types.ModuleType(name, doc)
    module.__dict__.update(members)
    return module


cuda = _namespace(
    "torch.cuda", "CUDA is not available: tinygrad_edu computes on the CPU.",
    is_available=_false, is_initialized=_false, device_count=lambda: 0,
    manual_seed=lambda seed: None, manual_seed_all=lambda seed: None,
    synchronize=lambda device=None: None, empty_cache=lambda: None,
    current_device=_unavailable("torch.cuda.current_device"),
    get_device_name=_unavailable("torch.cuda.get_device_name"),
    set_device=_unavailable("torch.cuda.set_device"))

accelerator = _namespace(
    "torch.accelerator", "No accelerator: tinygrad_edu computes on the CPU.",
    is_available=_false, current_accelerator=lambda check_available=False: None,
    device_count=lambda: 0)

mps = _namespace("torch.backends.mps", "Apple's MPS is not available: tinygrad_edu computes on the CPU.",
                 is_available=_false, is_built=_false)

cudnn = _namespace("torch.backends.cudnn",
                   "cuDNN settings are accepted and have no effect (tinygrad_edu runs on the CPU).",
                   enabled=False, deterministic=False, benchmark=False, is_available=_false)

backends = _namespace("torch.backends", "torch.backends on the CPU: mps and cudnn are not available.",
                      mps=mps, cudnn=cudnn)
