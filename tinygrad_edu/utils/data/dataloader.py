"""torch.utils.data.dataloader: the DataLoader with PyTorch's default batching (lists of fields, Python floats as float64)."""

from tinygrad_edu.data import loader
from tinygrad_edu.data.collate import default_convert, torch_collate
from tinygrad_edu.data.loader import get_worker_info

__all__ = ["DataLoader", "default_collate", "default_convert", "get_worker_info"]

default_collate = torch_collate


class DataLoader(loader.DataLoader):
    """tinygrad_edu.data.DataLoader with PyTorch's default_collate: a batch of (x, y)
    examples is the list [X, Y], dict examples give a dict of batches, Python floats a
    float64 tensor (tinygrad_edu.data's own loader yields tuples and float32)."""

    _default_collate = staticmethod(torch_collate)
    _batch_type = list
