"""DataLoader: turns a dataset into an iterator of minibatches, shuffled afresh each epoch."""

import numbers

import numpy as np

from tinygrad_edu.core import Tensor, rng
from tinygrad_edu.data.dataset import Subset, TensorDataset

__all__ = ["DataLoader", "default_collate"]


def _check_int(name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"DataLoader: {name} must be an int >= {minimum}, got {value!r}")
    return int(value)


def _resolve_arrays(dataset):
    """The arrays behind a TensorDataset, or a (nested) Subset of one, plus the index map.

    Returns:
        `(arrays, indices)`: `indices` maps the dataset's positions to rows of the arrays
        (None for the TensorDataset itself); or None when the dataset is of another kind.
    """
    indices = None
    while isinstance(dataset, Subset):
        # Compose from the outside in: position p of the outer subset is row
        # inner.indices[outer.indices[p]] of the inner dataset.
        indices = dataset.indices if indices is None else dataset.indices[indices]
        dataset = dataset.dataset
    if isinstance(dataset, TensorDataset):
        return dataset.arrays, indices
    return None


def _field_to_array(values, field):
    """Stack one field of a batch (a list of per-example values) into one numpy array."""
    # Python floats would become float64; the package computes in float32 by default.
    if all(isinstance(v, float) for v in values):
        return np.asarray(values, dtype=np.float32)
    arrays = [v.numpy() if isinstance(v, Tensor) else np.asarray(v) for v in values]
    try:
        return np.stack(arrays)
    except ValueError:
        shapes = sorted({a.shape for a in arrays})
        raise ValueError(
            f"DataLoader: field {field} of the examples in one batch has different shapes "
            f"{shapes}; every example must have the same shape (pad or resize them, "
            "or use batch_size=1)") from None


def default_collate(items):
    """Stack a list of examples into a tuple of batched Tensors.

    Each example is a tuple (or list) of fields, e.g. `(image, label)`; a bare value
    counts as a 1-tuple. Field k of the result stacks field k of every example along a new
    first axis. Tensors, numpy arrays and Python/numpy scalars are accepted; Python
    floats become float32.

    Args:
        items: a non-empty list of examples.

    Returns:
        A tuple of Tensors, one per field.

    Raises:
        ValueError: examples with different numbers of fields or different shapes.
        TypeError: a dict example (return a tuple instead).
    """
    first = items[0]
    if isinstance(first, dict):
        raise TypeError("DataLoader: examples are dicts; return a tuple such as (image, label) from __getitem__")
    if not isinstance(first, (tuple, list)):
        items = [(item,) for item in items]
    width = len(items[0])
    for item in items:
        if not isinstance(item, (tuple, list)) or len(item) != width:
            raise ValueError(
                f"DataLoader: examples in one batch have different numbers of fields "
                f"({width} and {len(item) if isinstance(item, (tuple, list)) else 1}); "
                "__getitem__ must always return the same structure")
    return tuple(Tensor(_field_to_array([item[k] for item in items], k)) for k in range(width))


class DataLoader:
    """Iterate over a dataset in minibatches of Tensors.

    Each iteration over the loader is one epoch and yields tuples of batched Tensors,
    e.g. `(images, labels)` with shapes `(batch_size, 784)` and `(batch_size,)`.
    With `shuffle=True` every epoch (every `iter()`) uses a new permutation.

    Fast path: for a `TensorDataset`, or a `Subset` of one, each batch is gathered with one
    numpy fancy-index per tensor (no Python loop over examples), which keeps the
    6,000 batches of an MNIST epoch with batch size 10 cheap. Any other dataset is read
    example by example and stacked with `default_collate`.

    Args:
        dataset: a Dataset (anything with `__getitem__` and `__len__`).
        batch_size: examples per batch (the last batch may be smaller).
        shuffle: draw a new random order every epoch.
        drop_last: skip the last batch when it is smaller than `batch_size`.
        seed: an int makes the shuffling reproducible: epoch k of any loader with this
            seed visits the examples in the same order. None draws from the package's
            generator (reproducible after `tinygrad_edu.manual_seed`).

    Raises:
        ValueError: a batch_size below 1, a negative or non-int seed.

    Example:
        >>> loader = DataLoader(load_mnist("train"), batch_size=10, shuffle=True, seed=0)
        >>> len(loader)
        5000
        >>> for images, labels in loader: ...
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False, seed=None):
        if not hasattr(dataset, "__getitem__") or not hasattr(dataset, "__len__"):
            raise TypeError(
                f"DataLoader: dataset must have __getitem__ and __len__, got {type(dataset).__name__}; "
                "wrap arrays in TensorDataset(images, labels)")
        self.dataset = dataset
        self.batch_size = _check_int("batch_size", batch_size, 1)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.seed = None if seed is None else _check_int("seed", seed, 0)
        # The number of epochs started so far; with a seed, it picks the epoch's permutation.
        self.epoch = 0

    def __len__(self):
        n = len(self.dataset)
        if self.drop_last:
            return n // self.batch_size
        return -(-n // self.batch_size)

    def set_epoch(self, epoch):
        """Make the next `iter()` be epoch `epoch` (only matters with shuffle and a seed)."""
        self.epoch = _check_int("epoch", epoch, 0)

    def _epoch_order(self, n):
        if not self.shuffle:
            return np.arange(n)
        if self.seed is None:
            return rng.default_generator().permutation(n)
        # A generator keyed by (seed, epoch): epoch k is reproducible on its own,
        # without replaying epochs 0..k-1.
        return np.random.default_rng([self.seed, self.epoch]).permutation(n)

    def __iter__(self):
        n = len(self.dataset)
        order = self._epoch_order(n)
        self.epoch += 1
        stop = n - n % self.batch_size if self.drop_last else n
        resolved = _resolve_arrays(self.dataset)
        if resolved is None:
            return self._generic_batches(order, stop)
        arrays, indices = resolved
        if indices is not None:
            # Map positions to rows once per epoch, so each batch is a single gather.
            order = indices[order]
        return self._array_batches(arrays, order, stop)

    def _array_batches(self, arrays, order, stop):
        size = self.batch_size
        for start in range(0, stop, size):
            rows = order[start:start + size]
            yield tuple(Tensor(a.take(rows, axis=0)) for a in arrays)

    def _generic_batches(self, order, stop):
        size = self.batch_size
        dataset = self.dataset
        for start in range(0, stop, size):
            yield default_collate([dataset[int(i)] for i in order[start:start + size]])

    def __repr__(self):
        return (f"DataLoader({len(self.dataset)} examples, batch_size={self.batch_size}, "
                f"shuffle={self.shuffle}, drop_last={self.drop_last}, seed={self.seed}, "
                f"{len(self)} batches)")
