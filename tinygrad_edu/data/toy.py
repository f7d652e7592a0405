"""Small 2-D data sets to watch a decision boundary form: two moons, circles, a spiral, XOR.

Each returns a TensorDataset of (points, labels): float32 points of shape (n, 2) and int64
class indices of shape (n,), seeded, with Gaussian noise of standard deviation `noise`.
make_moons and make_circles draw the same shapes as scikit-learn's functions of the same
names (with shuffle=False and the noise left out they give the same points); the seed is
`seed` (an int), as in `fit`, rather than scikit-learn's `random_state`.

    train = tg.data.make_moons(200, noise=0.1, seed=0)
    fit(model, train, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), 0.5), live=True)

A learner's own points work the same way: `TensorDataset(points, labels)`.
"""

import math
import numbers

import numpy as np

from .dataset import TensorDataset

__all__ = ["make_moons", "make_circles", "make_spiral", "make_xor"]


def _check(caller, n_samples, noise, minimum=2):
    if isinstance(n_samples, bool) or not isinstance(n_samples, numbers.Integral) \
            or n_samples < minimum:
        raise ValueError(f"{caller}: n_samples must be an int >= {minimum}, got {n_samples!r}")
    if isinstance(noise, bool) or not isinstance(noise, numbers.Real) or not noise >= 0 \
            or not math.isfinite(noise):
        raise ValueError(f"{caller}: noise must be a number >= 0 (the standard deviation of "
                         f"the Gaussian noise), got {noise!r}")
    return int(n_samples), float(noise)


def _dataset(points, labels, noise, seed, shuffle):
    generator = np.random.default_rng(seed)
    if noise > 0:
        points = points + generator.normal(0.0, noise, points.shape)
    if shuffle:
        order = generator.permutation(len(points))
        points, labels = points[order], labels[order]
    return TensorDataset(np.ascontiguousarray(points, dtype=np.float32),
                         np.ascontiguousarray(labels, dtype=np.int64))


def make_moons(n_samples=200, noise=0.1, seed=0, shuffle=True):
    """Two interleaving half circles: class 0 the upper moon, class 1 the lower one.

    Args:
        n_samples: the number of points (the upper moon gets n_samples // 2).
        noise: the standard deviation of the Gaussian noise added to every coordinate.
        seed: an int for the noise and the shuffling.
        shuffle: mix the two classes (False keeps class 0 first).

    Returns:
        A TensorDataset of points (n, 2) float32 and labels (n,) int64.

    Raises:
        ValueError: n_samples < 2 or a negative noise.

    Example:
        >>> points, labels = tg.data.make_moons(100, noise=0.1).tensors
    """
    n, noise = _check("make_moons", n_samples, noise)
    outer, inner = n // 2, n - n // 2
    t_outer, t_inner = np.linspace(0, np.pi, outer), np.linspace(0, np.pi, inner)
    points = np.concatenate([np.stack([np.cos(t_outer), np.sin(t_outer)], axis=1),
                             np.stack([1 - np.cos(t_inner), 1 - np.sin(t_inner) - 0.5], axis=1)])
    labels = np.concatenate([np.zeros(outer), np.ones(inner)])
    return _dataset(points, labels, noise, seed, shuffle)


def make_circles(n_samples=200, noise=0.05, factor=0.8, seed=0, shuffle=True):
    """A circle inside another: class 0 the outer one (radius 1), class 1 the inner one.

    Args:
        n_samples, noise, seed, shuffle: as in make_moons.
        factor: the inner circle's radius, between 0 and 1 (scikit-learn's default 0.8).

    Returns:
        A TensorDataset of points (n, 2) float32 and labels (n,) int64.

    Raises:
        ValueError: a bad n_samples, noise or factor.
    """
    n, noise = _check("make_circles", n_samples, noise)
    if isinstance(factor, bool) or not isinstance(factor, numbers.Real) or not 0 < factor < 1:
        raise ValueError(f"make_circles: factor (the inner radius) must be between 0 and 1, got "
                         f"{factor!r}")
    outer, inner = n // 2, n - n // 2
    t_outer = np.linspace(0, 2 * np.pi, outer, endpoint=False)
    t_inner = np.linspace(0, 2 * np.pi, inner, endpoint=False)
    points = np.concatenate([np.stack([np.cos(t_outer), np.sin(t_outer)], axis=1),
                             factor * np.stack([np.cos(t_inner), np.sin(t_inner)], axis=1)])
    labels = np.concatenate([np.zeros(outer), np.ones(inner)])
    return _dataset(points, labels, noise, seed, shuffle)


def make_spiral(n_samples=300, classes=3, noise=0.2, seed=0, shuffle=True):
    """Arms of a spiral, one per class (the classic picture of CS231n): arm k turns from the
    centre outwards, its angle growing with the radius, rotated by 2πk/classes.

    Args:
        n_samples: the number of points, shared as evenly as possible by the arms.
        classes: the number of arms (classes), at least 2.
        noise: the noise on the angle, in radians (scaled by the radius, so the centre stays
            tidy); 0.2 is a fair challenge.
        seed, shuffle: as in make_moons.

    Returns:
        A TensorDataset of points (n, 2) float32 in [-1, 1]² and labels (n,) int64.

    Raises:
        ValueError: a bad n_samples, classes or noise.
    """
    n, noise = _check("make_spiral", n_samples, noise)
    if isinstance(classes, bool) or not isinstance(classes, numbers.Integral) or classes < 2 \
            or classes > n:
        raise ValueError(f"make_spiral: classes must be an int between 2 and n_samples ({n}), "
                         f"got {classes!r}")
    generator = np.random.default_rng(seed)
    sizes = [n // classes + (1 if k < n % classes else 0) for k in range(classes)]
    points, labels = [], []
    for k, size in enumerate(sizes):
        radius = np.linspace(0.05, 1.0, size)
        angle = np.linspace(0, 4.0, size) + 2 * np.pi * k / classes
        angle = angle + generator.normal(0.0, noise, size) * radius if noise > 0 else angle
        points.append(np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1))
        labels.append(np.full(size, k))
    points, labels = np.concatenate(points), np.concatenate(labels)
    if shuffle:
        order = generator.permutation(n)
        points, labels = points[order], labels[order]
    return TensorDataset(points.astype(np.float32), labels.astype(np.int64))


def make_xor(n_samples=200, noise=0.1, seed=0, shuffle=True):
    """XOR: four clusters at (±1, ±1); class 1 where exactly one coordinate is positive.

    No straight line separates the classes: a network needs a hidden layer (the lecture's
    reason for one).

    Args:
        n_samples, noise, seed, shuffle: as in make_moons (the corners share the points).

    Returns:
        A TensorDataset of points (n, 2) float32 and labels (n,) int64.
    """
    n, noise = _check("make_xor", n_samples, noise, minimum=4)
    corners = np.array([[-1.0, -1.0], [1.0, 1.0], [-1.0, 1.0], [1.0, -1.0]])
    which = np.arange(n) % 4
    points = corners[which]
    labels = (which >= 2).astype(np.int64)
    return _dataset(points, labels, noise, seed, shuffle)
