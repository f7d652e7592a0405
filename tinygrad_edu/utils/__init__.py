"""PyTorch's `torch.utils` namespace: `tinygrad_edu.utils.data` is `torch.utils.data`."""

from tinygrad_edu.utils import data

__all__ = ["data"]
