"""Datasets: indexable collections of examples, the in-memory `TensorDataset`, and splitting."""

import bisect
import math
import numbers

import numpy as np

from tinygrad_edu.core import Tensor, rng

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "Subset", "ConcatDataset", "ChainDataset",
           "random_split"]


class Dataset:
    """Base class: a dataset is anything with `__getitem__(i)` and `__len__()`.

    Subclass it and return one example per index, usually a tuple such as
    `(image, label)`; `DataLoader` stacks examples into batches.

    Example:
        >>> class Squares(Dataset):
        ...     def __len__(self): return 5
        ...     def __getitem__(self, i): return (np.float32(i), np.float32(i * i))
    """

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__(index)")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __len__()")

    def __add__(self, other):
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """Base class of a dataset read as a stream: subclass it and define `__iter__`.

    A DataLoader batches what `__iter__` yields, in that order; samplers and shuffle do not
    apply (there are no indices). `__len__` is optional.
    """

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__()")

    def __getitem__(self, index):
        raise TypeError(f"{type(self).__name__} is an IterableDataset: iterate over it "
                        "instead of indexing it")

    def __len__(self):
        # TypeError, as for any object without a length (list() and PyTorch expect that one)
        raise TypeError(f"{type(self).__name__} is an IterableDataset without __len__; define "
                        "__len__ if its length is known")

    def __add__(self, other):
        return ChainDataset([self, other])


class ConcatDataset(Dataset):
    """Several datasets one after the other: example i of the first, then of the second, ...

    `cumulative_sizes[k]` is the number of examples in datasets 0..k (as in PyTorch).

    Raises:
        ValueError: no datasets, or an IterableDataset among them (use ChainDataset).
    """

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise ValueError("ConcatDataset: does not support IterableDataset; use ChainDataset")
        self.cumulative_sizes = list(np.cumsum([len(d) for d in self.datasets]).tolist())

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, index):
        n = len(self)
        if isinstance(index, bool) or not isinstance(index, numbers.Integral) or not -n <= index < n:
            raise IndexError(f"ConcatDataset: index {index!r} is out of range for {n} examples")
        index = int(index) % n
        which = bisect.bisect_right(self.cumulative_sizes, index)
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][index - start]


class ChainDataset(IterableDataset):
    """Several IterableDatasets streamed one after the other."""

    def __init__(self, datasets):
        self.datasets = list(datasets)

    def __iter__(self):
        for d in self.datasets:
            yield from d

    def __len__(self):
        return sum(len(d) for d in self.datasets)


def _as_array(value, position):
    """The numpy array behind a Tensor (no copy) or `np.asarray(value)` for anything else."""
    data = value.numpy() if isinstance(value, Tensor) else np.asarray(value)
    if not isinstance(data, np.ndarray) or data.ndim == 0:
        raise ValueError(
            f"TensorDataset: argument {position} has shape {getattr(data, 'shape', ())}; every "
            "tensor needs a first dimension that indexes the examples (reshape a scalar to (1,))")
    if data.dtype == object:
        raise TypeError(
            f"TensorDataset: argument {position} is an object array; pass numeric arrays or Tensors")
    return data


class TensorDataset(Dataset):
    """Examples held in memory as tensors that share their first dimension.

    Example i is the tuple `(t[i] for t in tensors)`. `DataLoader` recognises this class
    (and `Subset`s of it) and gathers a whole batch with one numpy fancy-index per tensor,
    the fast path used for training.

    Args:
        *tensors: Tensors or numpy arrays; their first dimensions must be equal.

    Raises:
        ValueError: no tensors, a 0-d tensor, or first dimensions that disagree.

    Example:
        >>> ds = TensorDataset(np.zeros((4, 784), np.float32), np.arange(4))
        >>> len(ds), ds[0][0].shape
        (4, (784,))
    """

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset: needs at least one tensor, e.g. TensorDataset(images, labels)")
        arrays = tuple(_as_array(t, i) for i, t in enumerate(tensors))
        sizes = [a.shape[0] for a in arrays]
        if len(set(sizes)) != 1:
            shapes = ", ".join(str(a.shape) for a in arrays)
            raise ValueError(
                f"TensorDataset: first-dimension sizes disagree: {sizes} (shapes {shapes}); "
                "every tensor must hold one row per example")
        # Keep the caller's Tensors when given, so `dataset.tensors` is what they passed in.
        self.tensors = tuple(t if isinstance(t, Tensor) else Tensor(a) for t, a in zip(tensors, arrays))

    @property
    def arrays(self):
        """The numpy arrays behind `tensors` (read afresh, so replaced storage is seen)."""
        return tuple(t.numpy() for t in self.tensors)

    def __len__(self):
        return self.tensors[0].numpy().shape[0]

    def __getitem__(self, index):
        # np.asarray keeps a 0-d example (a label) an array, so Tensor gets an ndarray.
        return tuple(Tensor(np.asarray(a[index])) for a in self.arrays)

    def __repr__(self):
        shapes = ", ".join(f"{a.shape} {a.dtype}" for a in self.arrays)
        return f"TensorDataset({len(self)} examples: {shapes})"


class Subset(Dataset):
    """The examples of `dataset` at `indices`, in that order.

    Args:
        dataset: any Dataset.
        indices: a sequence or 1-D array of ints in [0, len(dataset)).

    Raises:
        ValueError: indices that are not 1-D integers or are out of range.
    """

    def __init__(self, dataset, indices):
        indices = indices.numpy() if isinstance(indices, Tensor) else np.asarray(indices)
        if indices.size == 0:
            indices = indices.astype(np.int64)
        if indices.ndim != 1 or not np.issubdtype(indices.dtype, np.integer):
            raise ValueError(
                f"Subset: indices must be a 1-D sequence of ints, got shape {indices.shape} "
                f"dtype {indices.dtype}")
        n = len(dataset)
        if indices.size and (indices.min() < 0 or indices.max() >= n):
            bad = indices[(indices < 0) | (indices >= n)][0]
            raise ValueError(f"Subset: index {int(bad)} is out of range for a dataset of {n} examples")
        self.dataset = dataset
        self.indices = indices.astype(np.int64, copy=False)

    def __len__(self):
        return self.indices.shape[0]

    def __getitem__(self, index):
        return self.dataset[int(self.indices[index])]

    def __repr__(self):
        return f"Subset({len(self)} of {type(self.dataset).__name__} with {len(self.dataset)} examples)"


def _split_lengths(lengths, n):
    """Turn `lengths` (ints summing to n, or fractions summing to 1) into ints summing to n."""
    lengths = list(lengths)
    if not lengths:
        raise ValueError("random_split: lengths is empty; pass e.g. [50000, 10000] or [0.8, 0.2]")
    for value in lengths:
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or value < 0:
            raise ValueError(f"random_split: every length must be a non-negative number, got {value!r}")
    if all(isinstance(v, numbers.Integral) for v in lengths):
        if sum(lengths) != n:
            raise ValueError(
                f"random_split: lengths {lengths} sum to {sum(lengths)} but the dataset has {n} "
                "examples; make them add up, or pass fractions such as [0.8, 0.2]")
        return [int(v) for v in lengths]
    if not math.isclose(sum(lengths), 1.0, abs_tol=1e-9) or any(v > 1 for v in lengths):
        raise ValueError(
            f"random_split: fractions {lengths} must each be in [0, 1] and sum to 1 "
            f"(they sum to {sum(lengths)})")
    # Same rule as PyTorch: floor each share, then hand the leftover examples out
    # one at a time, round-robin from the first split.
    counts = [math.floor(n * v) for v in lengths]
    for i in range(n - sum(counts)):
        counts[i % len(counts)] += 1
    return counts


def random_split(dataset, lengths, generator=None, seed=None):
    """Split a dataset into non-overlapping random `Subset`s.

    Args:
        dataset: any Dataset.
        lengths: ints that sum to `len(dataset)`, or fractions that sum to 1 (as in
            PyTorch: each share is floored, the leftover examples go round-robin to the
            first splits).
        generator: a tg.Generator to draw the permutation from (as PyTorch's generator=).
        seed: an int for a reproducible split (tinygrad_edu's shortcut); with neither, the
            package's generator is used (`tinygrad_edu.manual_seed` makes that reproducible).

    Returns:
        A list of `Subset`s, one per length.

    Raises:
        ValueError: lengths that do not add up, negative lengths, both generator and seed.

    Example:
        >>> train, val = random_split(TensorDataset(np.arange(10)), [0.8, 0.2], seed=0)
        >>> len(train), len(val)
        (8, 2)
    """
    n = len(dataset)
    counts = _split_lengths(lengths, n)
    if seed is not None and generator is not None:
        raise ValueError("random_split: pass either generator= or seed=, not both")
    draw = np.random.default_rng(seed) if seed is not None else rng.numpy_generator(generator)
    order = draw.permutation(n)
    bounds = np.cumsum([0] + counts)
    return [Subset(dataset, order[start:stop]) for start, stop in zip(bounds[:-1], bounds[1:])]
