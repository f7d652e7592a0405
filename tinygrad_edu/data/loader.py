"""DataLoader: turns a dataset into an iterator of minibatches, shuffled afresh each epoch."""

import numbers

import numpy as np

from tinygrad_edu.core import Tensor, rng
from tinygrad_edu.data.collate import default_convert
from tinygrad_edu.data.dataset import IterableDataset, Subset, TensorDataset
from tinygrad_edu.data.sampler import RandomSampler, SequentialSampler

__all__ = ["DataLoader", "default_collate", "get_worker_info"]


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


def get_worker_info():
    """None: tinygrad_edu loads every batch in the main process (see DataLoader's num_workers)."""
    return None


def _check_exclusive(batch_size, shuffle, sampler, batch_sampler, drop_last, iterable):
    """PyTorch's rules for which of DataLoader's ordering options go together."""
    if iterable and (shuffle or sampler is not None or batch_sampler is not None):
        option = "shuffle" if shuffle else "sampler" if sampler is not None else "batch_sampler"
        raise ValueError(f"DataLoader with IterableDataset: expected unspecified {option} option; "
                         "an IterableDataset has no indices to order (shuffle inside __iter__)")
    if sampler is not None and shuffle:
        raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle "
                         "(the sampler decides the order; drop shuffle=True)")
    if batch_sampler is not None and (batch_size != 1 or shuffle or sampler is not None
                                      or drop_last):
        raise ValueError("DataLoader: batch_sampler option is mutually exclusive with batch_size, "
                         "shuffle, sampler, and drop_last (the batch sampler makes the batches)")
    if batch_size is None and drop_last:
        raise ValueError("DataLoader: batch_size=None option disables auto-batching and is "
                         "mutually exclusive with drop_last")


class DataLoader:
    """Iterate over a dataset in minibatches of Tensors (PyTorch's DataLoader and its options).

    Each iteration over the loader is one epoch and yields tuples of batched Tensors,
    e.g. `(images, labels)` with shapes `(batch_size, 784)` and `(batch_size,)`.
    With `shuffle=True` every epoch (every `iter()`) uses a new permutation.

    Fast path: for a `TensorDataset`, or a `Subset` of one, each batch is gathered with one
    numpy fancy-index per tensor (no Python loop over examples), which keeps the
    6,000 batches of an MNIST epoch with batch size 10 cheap. Any other dataset is read
    example by example and stacked with `default_collate` (or your `collate_fn`).

    Args:
        dataset: a Dataset (`__getitem__` and `__len__`) or an IterableDataset.
        batch_size: examples per batch (the last batch may be smaller); None yields the
            examples one by one, unbatched.
        shuffle: draw a new random order every epoch (a RandomSampler).
        sampler: the order of the indices (a Sampler or any iterable of indices).
        batch_sampler: yields whole lists of indices (then leave batch_size, shuffle,
            sampler and drop_last alone).
        num_workers: accepted for PyTorch programs; batches are always loaded in the main
            process, one after the other (a numpy gather is faster than a worker's trip).
        collate_fn: makes a batch from a list of examples (default: `default_collate`).
        pin_memory: accepted, no effect (there is no GPU memory to pin).
        drop_last: skip the last batch when it is smaller than `batch_size`.
        generator: a tg.Generator for the shuffling (as PyTorch's generator=).
        seed: an int makes the shuffling reproducible: epoch k of any loader with this
            seed visits the examples in the same order. With neither seed nor generator
            the package's generator is used (reproducible after `tinygrad_edu.manual_seed`).
        timeout, worker_init_fn, multiprocessing_context, prefetch_factor,
            persistent_workers, pin_memory_device, in_order: accepted; they concern worker
            processes, which this loader does not start.

    Raises:
        ValueError: a batch_size below 1, a negative or non-int seed or num_workers, or
            options that PyTorch forbids together (sampler with shuffle, ...).

    Example:
        >>> loader = DataLoader(load_mnist("train"), batch_size=10, shuffle=True, seed=0)
        >>> len(loader)
        5000
        >>> for images, labels in loader: ...
    """

    _default_collate = staticmethod(default_collate)
    _batch_type = tuple  # what the fast path yields (PyTorch's default_collate gives a list)

    def __init__(self, dataset, batch_size=1, shuffle=False, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
                 worker_init_fn=None, multiprocessing_context=None, generator=None, *,
                 prefetch_factor=None, persistent_workers=False, pin_memory_device="",
                 in_order=True, seed=None):
        iterable = isinstance(dataset, IterableDataset)
        if not iterable and (not hasattr(dataset, "__getitem__") or not hasattr(dataset, "__len__")):
            raise TypeError(
                f"DataLoader: dataset must have __getitem__ and __len__, got {type(dataset).__name__}; "
                "wrap arrays in TensorDataset(images, labels)")
        shuffle = bool(shuffle)
        _check_exclusive(batch_size, shuffle, sampler, batch_sampler, bool(drop_last), iterable)
        self.dataset = dataset
        self.batch_size = None if batch_size is None or batch_sampler is not None else \
            _check_int("batch_size", batch_size, 1)
        self.shuffle = shuffle
        self.drop_last = bool(drop_last)
        self.seed = None if seed is None else _check_int("seed", seed, 0)
        if self.seed is not None and generator is not None:
            raise ValueError("DataLoader: pass either generator= or seed=, not both")
        self.num_workers = _check_int("num_workers", num_workers, 0)
        self.pin_memory = bool(pin_memory)
        self.collate_fn = collate_fn
        self.generator = generator
        self.timeout, self.worker_init_fn = timeout, worker_init_fn
        if sampler is None and not iterable:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else \
                SequentialSampler(dataset)
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        # The number of epochs started so far; with a seed, it picks the epoch's permutation.
        self.epoch = 0

    def __len__(self):
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        n = len(self.dataset) if self.sampler is None else len(self.sampler)
        if self.batch_size is None:
            return n
        if self.drop_last:
            return n // self.batch_size
        return -(-n // self.batch_size)

    def set_epoch(self, epoch):
        """Make the next `iter()` be epoch `epoch` (only matters with shuffle and a seed)."""
        self.epoch = _check_int("epoch", epoch, 0)

    def _epoch_order(self):
        """This epoch's indices: a numpy array for the default samplers, else a list."""
        sampler = self.sampler
        if type(sampler) is SequentialSampler and sampler.data_source is self.dataset:
            return np.arange(len(self.dataset))
        if self.shuffle and self.seed is not None:
            # A generator keyed by (seed, epoch): epoch k is reproducible on its own,
            # without replaying epochs 0..k-1.
            return np.random.default_rng([self.seed, self.epoch]).permutation(len(self.dataset))
        return list(sampler)

    def _index_batches(self):
        """This epoch's batches of indices (lists or numpy arrays)."""
        if self.batch_sampler is not None:
            return iter(self.batch_sampler)
        order = self._epoch_order()
        n, size = len(order), self.batch_size
        stop = n - n % size if self.drop_last else n
        return (order[start:start + size] for start in range(0, stop, size))

    def __iter__(self):
        if isinstance(self.dataset, IterableDataset):
            self.epoch += 1
            return self._stream_batches()
        if self.batch_size is None and self.batch_sampler is None:
            self.epoch += 1
            convert = self.collate_fn or default_convert
            return (convert(self.dataset[int(i) if isinstance(i, np.integer) else i])
                    for i in self._epoch_order())
        batches = self._index_batches()
        self.epoch += 1
        resolved = _resolve_arrays(self.dataset) if self.collate_fn is None else None
        if resolved is None:
            return self._generic_batches(batches)
        arrays, indices = resolved
        return self._array_batches(arrays, indices, batches)

    def _array_batches(self, arrays, indices, batches):
        make = self._batch_type
        for rows in batches:
            rows = np.asarray(rows, dtype=np.int64)
            if indices is not None:
                rows = indices[rows]
            yield make(Tensor(a.take(rows, axis=0)) for a in arrays)

    def _generic_batches(self, batches):
        collate = self.collate_fn or self._default_collate
        dataset = self.dataset
        for rows in batches:
            yield collate([dataset[int(i) if isinstance(i, np.integer) else i] for i in rows])

    def _stream_batches(self):
        if self.batch_size is None:
            convert = self.collate_fn or default_convert
            yield from (convert(example) for example in self.dataset)
            return
        collate = self.collate_fn or self._default_collate
        batch = []
        for example in self.dataset:
            batch.append(example)
            if len(batch) == self.batch_size:
                yield collate(batch)
                batch = []
        if batch and not self.drop_last:
            yield collate(batch)

    def __repr__(self):
        return (f"DataLoader({len(self.dataset)} examples, batch_size={self.batch_size}, "
                f"shuffle={self.shuffle}, drop_last={self.drop_last}, seed={self.seed}, "
                f"{len(self)} batches)")
