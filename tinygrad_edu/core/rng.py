"""The package's one random number generator, so that `manual_seed` makes every random step reproducible."""

import numpy as np

__all__ = ["manual_seed", "default_generator", "seed"]

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
