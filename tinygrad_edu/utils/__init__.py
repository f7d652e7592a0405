"""PyTorch's `torch.utils` path: `tinygrad_edu.utils.data` is tinygrad_edu.data under torch's name."""

import importlib

__all__ = ["data"]


def __getattr__(name):
    if name == "data":
        return importlib.import_module(".data", __name__)
    raise AttributeError(f"module 'tinygrad_edu.utils' has no attribute {name!r}; it has only "
                         f"'data' (torch.utils.data)")
