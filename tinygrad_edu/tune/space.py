"""Search spaces: the distributions a hyperparameter is drawn from, their checks, and the unit-cube encoding.

A search space is a plain dict from parameter name to a distribution or a fixed value:

    space = {"lr": loguniform(1e-2, 10.0), "lam": loguniform(1e-3, 10.0),
             "hidden": choice([30, 100]), "epochs": 3}
"""

from __future__ import annotations

import itertools
import math
import numbers
from typing import Any

import numpy as np

__all__ = [
    "Distribution",
    "Choice",
    "Uniform",
    "LogUniform",
    "RandInt",
    "choice",
    "uniform",
    "loguniform",
    "randint",
    "SearchSpaceError",
    "validate_space",
    "sample_config",
    "grid_configs",
]


class SearchSpaceError(ValueError):
    """A search space is badly defined (bounds in the wrong order, an empty choice, ...)."""


class Distribution:
    """A rule that draws one hyperparameter value.

    Besides `sample`, each distribution maps its values to `width` coordinates in the
    unit interval and back (`encode`, `decode`). The Bayesian search works in that unit
    cube, so a learning rate from 1e-4 to 1 and a hidden size from 10 to 100 get the same
    footing. Bounds are checked when a search starts (`validate_space`), so the error can
    name the parameter.
    """

    width = 1

    def problem(self) -> str | None:
        """What is wrong with this definition (a sentence with the fix), or None."""
        return None

    def sample(self, rng: np.random.Generator) -> Any:
        """One value drawn with the numpy generator `rng`."""
        raise NotImplementedError

    def grid(self, n_points: int) -> list:
        """The values grid search visits for this parameter."""
        raise NotImplementedError

    def encode(self, values: list) -> np.ndarray:
        """Values -> array (len(values), width) of coordinates in [0, 1]."""
        raise NotImplementedError

    def decode(self, unit: np.ndarray) -> list:
        """Array (m, width) of coordinates in [0, 1] -> m values (the inverse of encode)."""
        raise NotImplementedError


def _bounds_problem(low, high, integer: bool = False) -> str | None:
    for label, bound in (("low", low), ("high", high)):
        wanted = numbers.Integral if integer else numbers.Real
        if isinstance(bound, bool) or not isinstance(bound, wanted):
            kind = "an integer" if integer else "a real number"
            return f"needs {label} to be {kind}, got {bound!r} ({type(bound).__name__})"
        if not math.isfinite(bound):
            return f"needs a finite {label}, got {bound!r}"
    if low >= high:
        return (
            f"needs low < high, got low={low!r} >= high={high!r}; swap the bounds, "
            f"or write the plain value {low!r} in the space to keep the parameter fixed"
        )
    return None


class Uniform(Distribution):
    """A real number drawn uniformly from [low, high)."""

    def __init__(self, low: float, high: float):
        self.low, self.high = low, high

    def __repr__(self) -> str:
        return f"uniform({self.low!r}, {self.high!r})"

    def problem(self) -> str | None:
        return _bounds_problem(self.low, self.high)

    def sample(self, rng):
        return min(float(rng.uniform(self.low, self.high)), float(self.high))

    def grid(self, n_points):
        if n_points == 1:
            return [(self.low + self.high) / 2.0]
        return [float(v) for v in np.linspace(self.low, self.high, n_points)]

    def encode(self, values):
        values = np.asarray(values, dtype=float)
        return ((values - self.low) / (self.high - self.low)).reshape(-1, 1)

    def decode(self, unit):
        values = self.low + np.clip(unit[:, 0], 0.0, 1.0) * (self.high - self.low)
        return [float(v) for v in np.clip(values, self.low, self.high)]


class LogUniform(Distribution):
    """A positive real number whose logarithm is uniform on [log low, log high).

    Right for scales such as a learning rate or an L2 strength, where 1e-3 → 1e-2 is
    as big a step as 0.1 → 1.
    """

    def __init__(self, low: float, high: float):
        self.low, self.high = low, high

    def __repr__(self) -> str:
        return f"loguniform({self.low!r}, {self.high!r})"

    def problem(self) -> str | None:
        bounds = _bounds_problem(self.low, self.high)
        if bounds is None and self.low <= 0:
            return (
                f"needs 0 < low, got low={self.low!r}: it draws log(value) uniformly and "
                f"the log of a non-positive number is undefined; use a small positive low "
                f"such as 1e-05, or uniform({self.low!r}, {self.high!r}) for a linear scale"
            )
        return bounds

    def sample(self, rng):
        value = math.exp(rng.uniform(math.log(self.low), math.log(self.high)))
        return min(max(value, float(self.low)), float(self.high))

    def grid(self, n_points):
        if n_points == 1:
            return [math.sqrt(self.low * self.high)]
        return [float(v) for v in np.geomspace(self.low, self.high, n_points)]

    def encode(self, values):
        log_low, log_high = math.log(self.low), math.log(self.high)
        values = np.log(np.asarray(values, dtype=float))
        return ((values - log_low) / (log_high - log_low)).reshape(-1, 1)

    def decode(self, unit):
        log_low, log_high = math.log(self.low), math.log(self.high)
        values = np.exp(log_low + np.clip(unit[:, 0], 0.0, 1.0) * (log_high - log_low))
        return [float(v) for v in np.clip(values, self.low, self.high)]


class RandInt(Distribution):
    """An integer drawn uniformly from low, low + 1, ..., high (both ends included,
    like Python's `random.randint`)."""

    def __init__(self, low: int, high: int):
        self.low, self.high = low, high

    def __repr__(self) -> str:
        return f"randint({self.low!r}, {self.high!r})"

    def problem(self) -> str | None:
        return _bounds_problem(self.low, self.high, integer=True)

    @property
    def count(self) -> int:
        return int(self.high) - int(self.low) + 1

    def sample(self, rng):
        return int(rng.integers(int(self.low), int(self.high) + 1))

    def grid(self, n_points):
        if self.count <= n_points:
            return list(range(int(self.low), int(self.high) + 1))
        return sorted({int(round(v)) for v in np.linspace(self.low, self.high, n_points)})

    def encode(self, values):
        # Integer k sits at the centre of its bin [k − low, k − low + 1) / count.
        values = np.asarray(values, dtype=float)
        return ((values - self.low + 0.5) / self.count).reshape(-1, 1)

    def decode(self, unit):
        bins = np.clip(np.floor(unit[:, 0] * self.count), 0, self.count - 1)
        return [int(self.low) + int(b) for b in bins]


class Choice(Distribution):
    """One of a list of values, each equally likely (the values need no order).

    In the unit cube a choice among k values is one-hot: k coordinates, the chosen
    one 1, the others 0; decoding takes the largest coordinate.
    """

    def __init__(self, values):
        if isinstance(values, np.ndarray):
            values = values.tolist()
        if isinstance(values, (list, tuple, range)):
            values = list(values)
        self.values = values

    def __repr__(self) -> str:
        return f"choice({self.values!r})"

    @property
    def width(self) -> int:
        return len(self.values)

    def problem(self) -> str | None:
        if not isinstance(self.values, list):
            return f"needs a list of values, got {type(self.values).__name__}; write choice([...])"
        if not self.values:
            return "has no values to choose from; give at least one, e.g. choice([30, 100])"
        return None

    def sample(self, rng):
        return self.values[int(rng.integers(len(self.values)))]

    def grid(self, n_points):
        return list(self.values)

    def index(self, value) -> int:
        """Position of `value` in the list of values."""
        for position, candidate in enumerate(self.values):
            if candidate is value or _same(candidate, value):
                return position
        raise ValueError(f"{value!r} is not one of the values of {self!r}")

    def encode(self, values):
        one_hot = np.zeros((len(values), len(self.values)))
        for row, value in enumerate(values):
            one_hot[row, self.index(value)] = 1.0
        return one_hot

    def decode(self, unit):
        return [self.values[int(k)] for k in np.argmax(unit, axis=1)]


def _same(a, b) -> bool:
    try:
        return bool(a == b)
    except (ValueError, TypeError):
        return False


def choice(values) -> Choice:
    """A parameter taking one of `values`, e.g. choice([30, 100]) or choice(["relu", "sigmoid"])."""
    return Choice(values)


def uniform(low: float, high: float) -> Uniform:
    """A real parameter drawn uniformly from [low, high), e.g. uniform(0.0, 0.9) for a momentum."""
    return Uniform(low, high)


def loguniform(low: float, high: float) -> LogUniform:
    """A positive real parameter with log(value) uniform, e.g. loguniform(1e-3, 10.0) for η."""
    return LogUniform(low, high)


def randint(low: int, high: int) -> RandInt:
    """An integer parameter from low to high inclusive, e.g. randint(10, 100) for a hidden size."""
    return RandInt(low, high)


_MAKERS = (choice, uniform, loguniform, randint)


def validate_space(space: dict) -> None:
    """Check a search space; every search calls this before running any trial.

    Args:
        space: dict of parameter name -> `Distribution` or fixed value.

    Raises:
        SearchSpaceError: the first problem found, naming the parameter, the bad value
            and the fix, e.g. ``parameter 'lr': loguniform(0, 1.0) needs 0 < low, ...``.
    """
    if not isinstance(space, dict):
        raise SearchSpaceError(
            f"a search space must be a dict of parameter name -> distribution or fixed "
            f"value, got {type(space).__name__}"
        )
    if not space:
        raise SearchSpaceError(
            "the search space is empty; give at least one parameter, "
            "e.g. {'lr': loguniform(1e-3, 1.0)}"
        )
    for name, value in space.items():
        if not isinstance(name, str):
            raise SearchSpaceError(f"parameter names must be strings, got {name!r}")
        if isinstance(value, Distribution):
            problem = value.problem()
            if problem is not None:
                raise SearchSpaceError(f"parameter {name!r}: {value!r} {problem}")
        elif any(value is maker for maker in _MAKERS) or (
            isinstance(value, type) and issubclass(value, Distribution)
        ):
            raise SearchSpaceError(
                f"parameter {name!r}: {getattr(value, '__name__', value)} is a distribution "
                f"maker, not a distribution; call it, e.g. uniform(0.0, 1.0)"
            )
        elif isinstance(value, (list, set)):
            raise SearchSpaceError(
                f"parameter {name!r}: the plain {type(value).__name__} {value!r} is ambiguous; "
                f"write choice({list(value)!r}) to search over its values, or a tuple to keep "
                f"it as one fixed value"
            )


def sample_config(space: dict, rng: np.random.Generator) -> dict:
    """One configuration: each distribution sampled with `rng`, fixed values copied.

    >>> sample_config({"lr": loguniform(0.01, 1.0), "epochs": 3}, np.random.default_rng(0))
    {'lr': 0.1878..., 'epochs': 3}
    """
    return {
        name: value.sample(rng) if isinstance(value, Distribution) else value
        for name, value in space.items()
    }


def grid_configs(space: dict, n_points: int | dict = 5) -> list[dict]:
    """Every configuration of the grid: the product of each parameter's grid values.

    Args:
        space: the search space.
        n_points: how many values a continuous parameter (uniform, loguniform) or a wide
            randint gets, evenly spaced (geometrically for loguniform); a dict gives it
            per parameter (missing names get 5). Choices use all their values.

    Returns:
        A list of configs in nested-loop order: the first parameter changes slowest.
    """
    validate_space(space)
    axes = []
    for name, value in space.items():
        if isinstance(value, Distribution):
            count = n_points.get(name, 5) if isinstance(n_points, dict) else n_points
            if not isinstance(count, numbers.Integral) or count < 1:
                raise ValueError(f"grid_search: n_points for {name!r} must be an integer >= 1, got {count!r}")
            axes.append(value.grid(int(count)))
        else:
            axes.append([value])
    return [dict(zip(space, values)) for values in itertools.product(*axes)]


class _Encoder:
    """Configs <-> points of the unit cube [0, 1]^width, over the non-fixed parameters."""

    def __init__(self, space: dict):
        self.space = space
        self.free = [(name, d) for name, d in space.items() if isinstance(d, Distribution)]
        self.slices, start = [], 0
        for _, distribution in self.free:
            self.slices.append(slice(start, start + distribution.width))
            start += distribution.width
        self.width = start

    def encode(self, configs: list[dict]) -> np.ndarray:
        if not self.free:
            return np.zeros((len(configs), 0))
        return np.hstack([d.encode([c[name] for c in configs]) for name, d in self.free])

    def decode(self, unit: np.ndarray) -> list[dict]:
        columns = {name: d.decode(unit[:, s]) for (name, d), s in zip(self.free, self.slices)}
        return [
            {
                name: columns[name][row] if name in columns else value
                for name, value in self.space.items()
            }
            for row in range(len(unit))
        ]

    def project(self, unit: np.ndarray) -> np.ndarray:
        """Snap points onto values the space can take (integer bins, one-hot corners)."""
        parts = [d.encode(d.decode(unit[:, s])) for (_, d), s in zip(self.free, self.slices)]
        return np.hstack(parts) if parts else unit
