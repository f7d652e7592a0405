"""Samplers: the order in which a DataLoader visits a dataset's examples (as torch.utils.data.sampler)."""

import numbers

import numpy as np

from tinygrad_edu.core import Tensor, rng

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
           "WeightedRandomSampler", "BatchSampler"]


def _check_count(owner, name, value, minimum=1):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{owner}: {name} must be an int >= {minimum}, got {value!r}")
    return int(value)


def _as_numbers(values):
    return values.numpy() if isinstance(values, Tensor) else np.asarray(values)


class Sampler:
    """Base class: a sampler is an iterable of dataset indices (and usually has a length).

    Subclass it and define `__iter__` (and `__len__` when the count is known).
    """

    def __init__(self, data_source=None):
        self.data_source = data_source

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__()")


class SequentialSampler(Sampler):
    """The indices 0, 1, ..., len(data_source) − 1 in order."""

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler):
    """A random order of the indices: a new permutation per pass, or draws with replacement.

    Args:
        data_source: the dataset (only its length is read).
        replacement: draw `num_samples` indices independently (repeats possible).
        num_samples: how many indices per pass (default len(data_source); more than that
            only with replacement=True, as in PyTorch, where it takes several permutations).
        generator: a tg.Generator (default: the package's, reproducible after manual_seed).
    """

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        self.data_source = data_source
        self.replacement = bool(replacement)
        self._num_samples = None if num_samples is None else _check_count(
            "RandomSampler", "num_samples", num_samples)
        self.generator = generator
        rng.numpy_generator(generator)  # a wrong kind of generator fails here, not mid-epoch

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        n = len(self.data_source)
        draw = rng.numpy_generator(self.generator)
        if self.replacement:
            return iter(draw.integers(0, n, self.num_samples).tolist())
        # As PyTorch: whole permutations, then part of one more for the rest.
        rounds = -(-self.num_samples // n) if n else 0
        order = np.concatenate([draw.permutation(n) for _ in range(rounds)] or [np.arange(0)])
        return iter(order[:self.num_samples].tolist())

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices in a random order, a new one per pass (no replacement)."""

    def __init__(self, indices, generator=None):
        self.indices = indices
        self.generator = generator

    def __iter__(self):
        order = rng.numpy_generator(self.generator).permutation(len(self.indices))
        return (self.indices[int(i)] for i in order)

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """`num_samples` indices drawn with probabilities proportional to `weights` (as
    torch.multinomial(weights, num_samples, replacement)).

    Args:
        weights: one non-negative weight per index (they need not sum to 1).
        num_samples: how many indices per pass.
        replacement: with replacement (default, as in PyTorch) or each index at most once.
        generator: a tg.Generator (default: the package's).

    Raises:
        ValueError: weights that are not a 1-D sequence of finite non-negative numbers with a
            positive sum, or more samples than weights without replacement.
    """

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        weights = _as_numbers(weights).astype(np.float64)
        if weights.ndim != 1 or not np.isfinite(weights).all() or (weights < 0).any() \
                or weights.sum() <= 0:
            raise ValueError(
                f"WeightedRandomSampler: weights must be a 1-D sequence of finite non-negative "
                f"numbers with a positive sum, got shape {weights.shape}")
        self.num_samples = _check_count("WeightedRandomSampler", "num_samples", num_samples)
        if not replacement and self.num_samples > weights.size:
            raise ValueError(
                f"WeightedRandomSampler: cannot draw {self.num_samples} samples without "
                f"replacement from {weights.size} weights; pass replacement=True")
        self.weights = Tensor(weights)
        self.replacement = bool(replacement)
        self.generator = generator

    def __iter__(self):
        weights = self.weights.numpy()
        draw = rng.numpy_generator(self.generator)
        chosen = draw.choice(weights.size, self.num_samples, replace=self.replacement,
                             p=weights / weights.sum())
        return iter(chosen.tolist())

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    """Group the indices of `sampler` into lists of `batch_size` (the last may be shorter).

    Example:
        >>> list(BatchSampler(SequentialSampler(range(5)), batch_size=2, drop_last=False))
        [[0, 1], [2, 3], [4]]
    """

    def __init__(self, sampler, batch_size, drop_last):
        self.sampler = sampler
        self.batch_size = _check_count("BatchSampler", "batch_size", batch_size)
        if not isinstance(drop_last, bool):
            raise ValueError(f"BatchSampler: drop_last must be True or False, got {drop_last!r}")
        self.drop_last = drop_last

    def __iter__(self):
        batch = []
        for index in self.sampler:
            batch.append(index)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self):
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return -(-len(self.sampler) // self.batch_size)
