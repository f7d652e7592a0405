"""`torch.utils.data` under PyTorch's name: every name of tinygrad_edu.data (Dataset, TensorDataset, DataLoader, ...).

`from tinygrad_edu.utils.data import DataLoader` is `from tinygrad_edu.data import DataLoader`;
this module forwards every look-up, so the two can never disagree.
"""

import tinygrad_edu.data as _data

__all__ = list(_data.__all__)


def __getattr__(name):
    try:
        return getattr(_data, name)
    except AttributeError:
        raise AttributeError(f"torch.utils.data: tinygrad_edu.data has no {name!r}; it has "
                             f"{', '.join(sorted(_data.__all__))}") from None


def __dir__():
    return sorted(set(__all__) | set(globals()))
