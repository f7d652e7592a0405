"""The package's one random number generator, so that `manual_seed` makes every random step reproducible."""

import numpy as np

__all__ = ["manual_seed", "default_generator", "seed", "Generator", "numpy_generator"]

_generator = np.random.default_rng()
_seed = None


def manual_seed(seed):
    """Seed every random constructor, initializer, dropout mask and unseeded shuffle.

    Args:
        seed: a non-negative int.

    Returns:
        The new `numpy.random.Generator`.

    Example:
        >>> tg.manual_seed(0); a = tg.randn(2)
        >>> tg.manual_seed(0); bool((tg.randn(2) == a).all())
        True
    """
    global _generator, _seed
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"manual_seed: seed must be a non-negative int, got {seed!r}")
    _seed = int(seed)
    _generator = np.random.default_rng(_seed)
    return _generator


def default_generator():
    """The generator that every unseeded random operation in tinygrad_edu draws from."""
    return _generator


def seed():
    """The seed last given to `manual_seed`, or None."""
    return _seed


class Generator:
    """A random number generator of its own, as torch.Generator: pass it as `generator=` to
    rand, randn, randint, randperm and multinomial to draw from it instead of the package's.

    Example:
        >>> g = tg.Generator().manual_seed(2147483647)
        >>> tg.randn(3, generator=g)          # the same three numbers every run
    """

    def __init__(self, device="cpu"):
        self.device = device
        self._seed = int(np.random.SeedSequence().entropy % 2**63)
        self._generator = np.random.default_rng(self._seed)

    def manual_seed(self, seed):
        """Reseed; returns self (so `Generator().manual_seed(42)` works, as in PyTorch)."""
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"Generator.manual_seed: seed must be a non-negative int, got {seed!r}")
        self._seed = int(seed)
        self._generator = np.random.default_rng(self._seed)
        return self

    def initial_seed(self):
        return self._seed

    def seed(self):
        """Reseed from fresh entropy; returns the new seed."""
        self.manual_seed(int(np.random.SeedSequence().entropy % 2**63))
        return self._seed


def numpy_generator(generator=None):
    """The numpy Generator to draw from: `generator`'s (a tg.Generator) or the package's."""
    if generator is None:
        return _generator
    if not isinstance(generator, Generator):
        raise TypeError(f"generator: expected a tg.Generator, got {type(generator).__name__}")
    return generator._generator

