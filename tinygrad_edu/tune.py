"""Hyperparameter search: search spaces, grid, random and Bayesian search, successive halving.

A search space is a plain dict from parameter name to a distribution or a fixed value:

    space = {"lr": loguniform(1e-2, 10.0), "lam": loguniform(1e-3, 10.0),
             "hidden": choice([30, 100]), "epochs": 3}

An objective is any function config -> float (or a dict holding the metric and extras).
Every search returns a `SearchResult` with `.best_config`, `.best_value`, `.trials`,
`.table()` and `.plot()`. Trials can run on any `concurrent.futures.Executor` (a process
pool, a Dask cluster), failures are recorded instead of stopping the search, and every
finished trial is appended to a JSON-lines log from which a killed search resumes.

The Bayesian search is written to be read: a Gaussian process with a Matérn 5/2 kernel
(`GaussianProcess`) models the objective on the unit cube, its hyperparameters maximize
the marginal likelihood, and the next trial maximizes the expected improvement
(`expected_improvement`).
"""

from __future__ import annotations

import concurrent.futures
import itertools
import json
import math
import numbers
import os
import pickle
import secrets
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable

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
    "ResumeError",
    "validate_space",
    "sample_config",
    "grid_configs",
    "Trial",
    "SearchResult",
    "SerialExecutor",
    "manual_search",
    "grid_search",
    "random_search",
    "bayes_search",
    "successive_halving",
    "GaussianProcess",
    "matern52",
    "expected_improvement",
    "branin",
    "BRANIN_SPACE",
    "BRANIN_MINIMUM",
]


# ---------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------


class SearchSpaceError(ValueError):
    """A search space is badly defined (bounds in the wrong order, an empty choice, ...)."""


class ResumeError(ValueError):
    """A log cannot be resumed: it is damaged or was written by a different search."""


# ---------------------------------------------------------------------------------------
# Distributions: what values a hyperparameter may take
# ---------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------
# Trials and results
# ---------------------------------------------------------------------------------------


@dataclass
class Trial:
    """One evaluation of the objective.

    Attributes:
        index: position in the search's proposal order (0, 1, 2, ...).
        config: the configuration the objective received.
        value: the metric it returned (nan when the trial failed).
        status: "ok" or "failed".
        seconds: wall time of the objective call, measured where it ran.
        error: "ExceptionType: message (at file:line in function)" when failed.
        budget: the budget (epochs) given by successive halving, else None.
        extras: the other entries of a dict returned by the objective (JSON-friendly).
    """

    index: int
    config: dict
    value: float
    status: str
    seconds: float
    error: str | None = None
    budget: float | None = None
    extras: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def _is_better(a: float, b: float, mode: str) -> bool:
    return a > b if mode == "max" else a < b


@dataclass
class SearchResult:
    """What a search returns: every trial, the best one, a table and a plot.

    Attributes:
        trials: all trials in proposal order (failed ones included).
        mode: "max" or "min".
        metric: the name of the metric.
        search: which search produced it ("random_search", ...).
        seed: the seed used (recorded even when it was drawn at random).
        space: the search space (None when read back from a log alone).
    """

    trials: list
    mode: str = "max"
    metric: str = "value"
    search: str = "search"
    seed: int | None = None
    space: dict | None = None

    @property
    def best_trial(self) -> Trial | None:
        """The best finished trial; with budgets, the best among the largest budget reached."""
        finished = [t for t in self.trials if t.ok]
        if not finished:
            return None
        top_budget = max((t.budget or 0) for t in finished)
        finished = [t for t in finished if (t.budget or 0) == top_budget]
        best = finished[0]
        for trial in finished[1:]:
            if _is_better(trial.value, best.value, self.mode):
                best = trial
        return best

    @property
    def best_config(self) -> dict | None:
        best = self.best_trial
        return None if best is None else dict(best.config)

    @property
    def best_value(self) -> float:
        best = self.best_trial
        return float("nan") if best is None else best.value

    @property
    def n_failed(self) -> int:
        return sum(not t.ok for t in self.trials)

    def best_so_far(self) -> list[float]:
        """The best value among trials 1..k, for each k (nan until one finishes)."""
        best, curve = float("nan"), []
        for trial in self.trials:
            if trial.ok and (math.isnan(best) or _is_better(trial.value, best, self.mode)):
                best = trial.value
            curve.append(best)
        return curve

    def n_trials_to_reach(self, target: float) -> int | None:
        """How many trials (in proposal order) it took to reach `target`, or None if never.

        "Reach" means value ≥ target for mode="max" and value ≤ target for mode="min".
        """
        for count, trial in enumerate(self.trials, start=1):
            if trial.ok and (trial.value == target or _is_better(trial.value, target, self.mode)):
                return count
        return None

    def table(self, max_rows: int | None = None) -> str:
        """A plain-text table: one row per trial with its parameters, value, best so far,
        seconds and status; failed trials show their error."""
        names = [n for n in self._searched_names()]
        with_budget = any(t.budget is not None for t in self.trials)
        header = ["trial", *names] + (["budget"] if with_budget else [])
        header += [self.metric, "best", "seconds", "status"]
        rows = []
        for trial, best in zip(self.trials, self.best_so_far()):
            row = [str(trial.index)] + [_format(trial.config.get(n)) for n in names]
            if with_budget:
                row.append(_format(trial.budget))
            status = trial.status if trial.ok else f"failed: {_shorten(trial.error or '', 60)}"
            row += [_format(trial.value), _format(best), f"{trial.seconds:.2f}", status]
            rows.append(row)
        if max_rows is not None and len(rows) > max_rows:
            rows = rows[:max_rows] + [["..."] * len(header)]
        widths = [max(len(r[k]) for r in [header] + rows) for k in range(len(header))]
        lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in [header] + rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        best = self.best_trial
        if best is not None:
            shown = {n: best.config[n] for n in names if n in best.config} if names else best.config
            lines.append(
                f"best {self.metric} = {_format(best.value)} ({self.mode}) at trial {best.index}: {shown}"
            )
        return "\n".join(lines)

    def _searched_names(self) -> list[str]:
        if self.space is not None:
            return [n for n, v in self.space.items() if isinstance(v, Distribution)]
        names = list(self.trials[0].config) if self.trials else []
        return [n for n in names if len({json.dumps(_jsonable(t.config.get(n))) for t in self.trials}) > 1]

    def plot(self, path: str | os.PathLike | None = None, ax=None):
        """Draw each trial's value (dots; failed trials as red crosses) and the best so far.

        Args:
            path: if given, save the figure there (PNG, PDF, SVG by extension).
            ax: a matplotlib Axes to draw into; a new figure otherwise.

        Returns:
            The matplotlib Figure.

        Raises:
            ImportError: matplotlib is not installed (pip install tinygrad-edu[plot]).
        """
        try:
            import matplotlib.pyplot as plt
        except ImportError as error:
            raise ImportError(
                "SearchResult.plot needs matplotlib, an optional extra: "
                "pip install tinygrad-edu[plot]  (or use SearchResult.table())"
            ) from error
        if ax is None:
            figure, ax = plt.subplots(figsize=(7, 4))
        else:
            figure = ax.figure
        numbers_ = [t.index + 1 for t in self.trials]
        finished = [(n, t.value) for n, t in zip(numbers_, self.trials) if t.ok]
        if finished:
            ax.plot(*zip(*finished), "o", color="tab:blue", alpha=0.6, label=f"{self.metric} of the trial")
            low = min(v for _, v in finished) if self.mode == "max" else max(v for _, v in finished)
            failed = [n for n, t in zip(numbers_, self.trials) if not t.ok]
            if failed:
                ax.plot(failed, [low] * len(failed), "x", color="tab:red", label="failed trial")
            ax.step(numbers_, self.best_so_far(), where="post", color="tab:orange", label="best so far")
        ax.set_xlabel("trial")
        ax.set_ylabel(self.metric)
        ax.set_title(f"{self.search} ({'maximize' if self.mode == 'max' else 'minimize'} {self.metric})")
        ax.legend(loc="best")
        if path is not None:
            figure.savefig(path, dpi=120, bbox_inches="tight")
            plt.close(figure)
        return figure

    @classmethod
    def from_log(cls, path: str | os.PathLike) -> SearchResult:
        """Read the trials a search wrote to its log (e.g. to look at a search still running)."""
        header, records, _, _ = _read_log(path)
        if header is None:
            raise ResumeError(f"{path}: the log has no header line; it is empty or not a tune log")
        trials = sorted((_trial_from_record(r) for r in records), key=lambda t: t.index)
        return cls(trials, header["mode"], header["metric"], header["search"], header["seed"], None)

    def __repr__(self) -> str:
        best = self.best_trial
        best_text = "no finished trial" if best is None else (
            f"best {self.metric}={_format(best.value)} at trial {best.index}: {best.config}"
        )
        return (
            f"SearchResult({self.search}, {len(self.trials)} trials, {self.n_failed} failed, "
            f"{best_text})"
        )


def _format(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else f"{value:.4g}"
    return str(value)


def _shorten(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 3] + "..."


# ---------------------------------------------------------------------------------------
# Running trials: the objective call, executors, the log
# ---------------------------------------------------------------------------------------


class SerialExecutor(concurrent.futures.Executor):
    """An Executor that runs each call at once, in this process (the default).

    Searches talk to every executor the same way (`submit` -> Future), so serial,
    process-pool and Dask runs share one code path.
    """

    def submit(self, fn, /, *args, **kwargs):
        future = concurrent.futures.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:  # noqa: BLE001 — handed to the caller through the future
            future.set_exception(error)
        return future


class _MetricError(ValueError):
    """The objective returned something that is not a usable metric."""


def _read_metric(output, metric: str, mode: str) -> tuple[float, dict]:
    extras = {}
    if isinstance(output, dict):
        extras = {k: v for k, v in output.items() if k != metric}
        if metric in output:
            output = output[metric]
        elif "history" in output and len(output["history"]) > 0:
            # Successive halving style: the best epoch of the validation history counts.
            history = [float(v) for v in output["history"]]
            output = max(history) if mode == "max" else min(history)
        else:
            raise _MetricError(
                f"the objective returned a dict without the metric {metric!r} "
                f"(its keys: {sorted(map(str, output))}); return {{{metric!r}: number, ...}} "
                f"or pass metric=<key> to the search"
            )
    if not isinstance(output, numbers.Real) and callable(getattr(output, "item", None)):
        try:  # a one-element numpy array or Tensor
            output = output.item()
        except (ValueError, TypeError, RuntimeError):
            pass
    if isinstance(output, bool) or not isinstance(output, numbers.Real):
        raise _MetricError(
            f"the objective returned {output!r} ({type(output).__name__}); return a number, "
            f"or a dict with the metric under {metric!r}"
        )
    value = float(output)
    if not math.isfinite(value):
        raise _MetricError(f"the objective returned a non-finite metric ({value})")
    return value, _jsonable(extras)


def _describe_error(error: BaseException) -> str:
    if isinstance(error, _MetricError):
        return f"invalid metric: {error}"
    text = f"{type(error).__name__}: {error}"
    frames = traceback.extract_tb(error.__traceback__)
    if frames:
        last = frames[-1]
        text += f" (at {os.path.basename(last.filename)}:{last.lineno} in {last.name})"
    return text


def _run_trial(objective: Callable, index: int, config: dict, budget, metric: str, mode: str) -> dict:
    """Call the objective once and report what happened; never raises for the objective's
    own errors, so one bad trial cannot stop a search. Runs wherever the executor puts it.
    (`index` is unused here but makes every submitted call distinct, which matters for
    Dask, which would otherwise merge identical calls.)"""
    start = time.perf_counter()
    try:
        output = objective(dict(config)) if budget is None else objective(dict(config), budget)
        value, extras = _read_metric(output, metric, mode)
    except Exception as error:  # noqa: BLE001 — any failure of a trial is recorded, not raised
        return {"value": float("nan"), "status": "failed", "seconds": time.perf_counter() - start,
                "error": _describe_error(error), "extras": {}}
    return {"value": value, "status": "ok", "seconds": time.perf_counter() - start,
            "error": None, "extras": extras}


def _jsonable(value):
    """A JSON-friendly copy: numpy scalars and arrays become numbers and lists, tuples lists,
    and anything else its type name (so a log never depends on memory addresses)."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, Distribution):
        return repr(value)
    return f"<{type(value).__name__}>"


def _dumps(record: dict) -> str:
    return json.dumps(_jsonable(record), allow_nan=True)


def _trial_record(trial: Trial) -> dict:
    return {
        "index": trial.index,
        "config": trial.config,
        "value": trial.value if trial.ok else None,
        "status": trial.status,
        "seconds": round(trial.seconds, 6),
        "error": trial.error,
        "budget": trial.budget,
        "extras": trial.extras,
    }


def _trial_from_record(record: dict) -> Trial:
    value = record.get("value")
    return Trial(
        index=int(record["index"]),
        config=record["config"],
        value=float("nan") if value is None else float(value),
        status=record["status"],
        seconds=float(record.get("seconds", 0.0)),
        error=record.get("error"),
        budget=record.get("budget"),
        extras=record.get("extras") or {},
    )


def _read_log(path) -> tuple[dict | None, list[dict], int, bool]:
    """Header, trial records, the byte length of the valid part, and whether that part
    lacks a final newline. A last line cut short (the search was killed while writing it)
    is dropped: its trial simply runs again."""
    with open(path, "rb") as file:
        data = file.read()
    header, records, valid_length, needs_newline = None, [], 0, False
    position = 0
    lines = data.split(b"\n")
    for number, line in enumerate(lines, start=1):
        is_last = number == len(lines)
        end = position + len(line) + (0 if is_last else 1)
        if line.strip():
            try:
                record = json.loads(line)
            except ValueError:
                if is_last:
                    break
                raise ResumeError(
                    f"{path}: line {number} is not valid JSON, so the log is damaged; "
                    f"repair or delete that line and resume again"
                ) from None
            if number == 1 and "search" in record and "index" not in record:
                header = record
            elif "index" in record and "config" in record and "status" in record:
                records.append(record)
            else:
                raise ResumeError(f"{path}: line {number} is not a trial record of a tune log")
            needs_newline = is_last
        position = valid_length = end
    return header, records, valid_length, needs_newline


def _describe_space(space: dict) -> dict:
    return {name: _jsonable(value) for name, value in space.items()}


def _start_log(log, resume, header: dict) -> tuple[str | None, dict[int, dict]]:
    """Open the log for appending; with `resume`, return the trials it already holds."""
    if log is not None and resume is not None and os.fspath(log) != os.fspath(resume):
        raise ValueError(
            f"log={os.fspath(log)!r} and resume={os.fspath(resume)!r} differ; a resumed "
            f"search appends to the log it resumes from, so pass only resume="
        )
    path = resume if resume is not None else log
    if path is None:
        return None, {}
    path = os.fspath(path)
    logged = {}
    if resume is None and os.path.exists(path) and os.path.getsize(path) > 0:
        raise FileExistsError(
            f"the log {path!r} already exists; pass resume={path!r} to continue that search, "
            f"or delete the file (or choose another path) to start a new one"
        )
    if resume is not None and os.path.exists(path):
        old_header, records, valid_length, needs_newline = _read_log(path)
        if old_header is None and records:
            raise ResumeError(f"{path}: the log has trials but no header line; it is not a tune log")
        if old_header is not None:
            for key in ("search", "seed", "mode", "metric", "space", "settings"):
                if old_header.get(key) != header[key]:
                    raise ResumeError(
                        f"cannot resume from {path}: it was written with {key}="
                        f"{old_header.get(key)!r}, but this search has {key}={header[key]!r}; "
                        f"resume with the same settings, or start a new log"
                    )
        for record in records:
            logged.setdefault(int(record["index"]), record)
        with open(path, "r+b") as file:
            file.truncate(valid_length)
            if needs_newline:
                file.seek(0, os.SEEK_END)
                file.write(b"\n")
        if old_header is not None:
            return path, logged
    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, exist_ok=True)
    with open(path, "w", encoding="utf-8") as file:
        file.write(_dumps(header) + "\n")
        file.flush()
    return path, logged


def _append_log(path: str, trial: Trial) -> None:
    # One write per finished trial, flushed at once: a kill can cut at most the line being
    # written, which _read_log drops on resume.
    with open(path, "a", encoding="utf-8") as file:
        file.write(_dumps(_trial_record(trial)) + "\n")
        file.flush()


def _n_workers(executor) -> int:
    """How many trials an executor runs at once (1 for the serial executor)."""
    if executor is None or isinstance(executor, SerialExecutor):
        return 1
    workers = getattr(executor, "_max_workers", None)  # ProcessPool-/ThreadPoolExecutor
    if isinstance(workers, int) and workers > 0:
        return workers
    client = getattr(executor, "_client", None)  # dask.distributed's ClientExecutor
    if client is not None and hasattr(client, "nthreads"):
        return max(1, sum(client.nthreads().values()))
    return os.cpu_count() or 1


def _check_sendable(objective, executor) -> None:
    if isinstance(executor, concurrent.futures.ProcessPoolExecutor):
        try:
            pickle.dumps(objective)
        except Exception as error:  # noqa: BLE001 — pickling raises many types
            raise TypeError(
                f"the objective {objective!r} cannot be sent to the worker processes "
                f"({type(error).__name__}: {error}); define it at module level in an "
                f"importable file (not a lambda or a function nested in another)"
            ) from error


def _resolve_seed(seed, resume) -> int:
    if seed is None and resume is not None and os.path.exists(resume):
        header = _read_log(resume)[0]
        if header is not None and header.get("seed") is not None:
            return int(header["seed"])
    if seed is None:
        return secrets.randbelow(2**31)
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer or None, got {seed!r}")
    return int(seed)


def _trial_rng(seed: int, index: int) -> np.random.Generator:
    # Each trial has its own stream, so trial i's draws never depend on how many trials
    # ran before it, in which process, or whether the search was resumed.
    return np.random.default_rng([seed, index])


class _Plan:
    """Which configuration trial i gets (`propose`) and when it may be proposed (`ready`)."""

    name = "search"
    n_trials = 0
    settings: dict = {}

    def ready(self, index: int, finished: dict) -> bool:
        return True

    def propose(self, index: int, finished: dict, proposals: dict) -> tuple[dict, Any]:
        raise NotImplementedError


def _execute(plan: _Plan, objective, *, space, seed, mode, metric, executor, log, resume,
             verbose) -> SearchResult:
    """Run a plan's trials on the executor, log each one as it finishes, return the result.

    The loop keeps up to one trial per worker in flight. Trial i is proposed only when
    the plan says it is ready, and a proposal depends only on the trials the plan names
    (never on the order in which trials finish), so the same seed gives the same trials
    on any executor, and a resumed search re-proposes exactly the trials it had.
    """
    executor = SerialExecutor() if executor is None else executor
    _check_sendable(objective, executor)
    header = {"search": plan.name, "seed": seed, "mode": mode, "metric": metric,
              "space": _describe_space(space), "settings": _jsonable(plan.settings)}
    path, logged = _start_log(log, resume, header)
    finished: dict[int, Trial] = {
        i: _trial_from_record(r) for i, r in logged.items() if i < plan.n_trials
    }
    proposals: dict[int, tuple[dict, Any]] = {}
    pending: dict[concurrent.futures.Future, int] = {}
    limit, next_index = _n_workers(executor), 0
    try:
        while len(finished) < plan.n_trials or next_index < plan.n_trials:
            while next_index < plan.n_trials and len(pending) < limit and plan.ready(next_index, finished):
                config, budget = plan.propose(next_index, finished, proposals)
                proposals[next_index] = (config, budget)
                if next_index in finished:
                    _check_logged(path, finished[next_index], config, budget)
                    finished[next_index].config = config
                else:
                    future = executor.submit(_run_trial, objective, next_index, config, budget, metric, mode)
                    pending[future] = next_index
                next_index += 1
            if not pending:
                if next_index >= plan.n_trials:
                    break
                raise RuntimeError(  # the plans are written so that this cannot happen
                    f"{plan.name}: trial {next_index} waits for trials that are neither finished "
                    f"nor running; please report this as a bug"
                )
            done, _ = concurrent.futures.wait(pending, return_when=concurrent.futures.FIRST_COMPLETED)
            for future in sorted(done, key=pending.get):
                index = pending.pop(future)
                config, budget = proposals[index]
                try:
                    outcome = future.result()
                except Exception as error:  # noqa: BLE001 — the executor failed, not the objective
                    raise RuntimeError(
                        f"trial {index} could not run on {type(executor).__name__}: "
                        f"{type(error).__name__}: {error}. Objectives sent to other processes "
                        f"must be importable module-level functions; a crashed worker breaks "
                        f"a process pool (finished trials are in the log: resume from it)"
                    ) from error
                trial = Trial(index=index, config=config, budget=budget, **outcome)
                finished[index] = trial
                if path is not None:
                    _append_log(path, trial)
                if verbose:
                    _print_trial(trial, metric)
    finally:
        for future in pending:
            future.cancel()
    trials = [finished[i] for i in range(plan.n_trials)]
    return SearchResult(trials, mode, metric, plan.name, seed, dict(space))


def _close(a, b) -> bool:
    """Equal JSON values, floats up to rounding (a log may come from another machine whose
    arithmetic differs in the last bits)."""
    if isinstance(a, float) or isinstance(b, float):
        return (isinstance(a, numbers.Real) and isinstance(b, numbers.Real)
                and math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-12))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    return a == b


def _check_logged(path, trial: Trial, config: dict, budget) -> None:
    if not (_close(_jsonable(trial.config), _jsonable(config))
            and _close(_jsonable(trial.budget), _jsonable(budget))):
        raise ResumeError(
            f"cannot resume from {path}: trial {trial.index} there has config {trial.config} "
            f"(budget {trial.budget}), but this search proposes {_jsonable(config)} (budget "
            f"{budget}); the log comes from a different search or objective results changed"
        )


def _print_trial(trial: Trial, metric: str) -> None:
    shown = ", ".join(f"{k}={_format(v)}" for k, v in trial.config.items())
    budget = "" if trial.budget is None else f" budget={_format(trial.budget)}"
    result = f"{metric}={_format(trial.value)}" if trial.ok else f"FAILED {trial.error}"
    print(f"trial {trial.index:3d}{budget}  {result}  ({trial.seconds:.1f} s)  {shown}", flush=True)


def _check_common(mode: str, n_trials=None) -> None:
    if mode not in ("max", "min"):
        raise ValueError(f"mode must be 'max' or 'min', got {mode!r}")
    if n_trials is not None and (
        isinstance(n_trials, bool) or not isinstance(n_trials, numbers.Integral) or n_trials < 1
    ):
        raise ValueError(f"n_trials must be an integer >= 1, got {n_trials!r}")


# ---------------------------------------------------------------------------------------
# The searches
# ---------------------------------------------------------------------------------------


class _ListPlan(_Plan):
    def __init__(self, name: str, configs: list[dict], settings: dict):
        self.name, self.configs, self.n_trials = name, configs, len(configs)
        self.settings = settings

    def propose(self, index, finished, proposals):
        return self.configs[index], None


def manual_search(objective: Callable, configs: list[dict], *, mode: str = "max",
                  metric: str = "value", executor=None, log=None, resume=None,
                  verbose: bool = False) -> SearchResult:
    """Try configurations picked by hand, in order: the baseline every search must beat.

    Args:
        objective: config -> float, or config -> dict holding the metric under `metric`.
        configs: a non-empty list of config dicts.
        mode, metric, executor, log, resume, verbose: as in `grid_search`.

    Returns:
        A SearchResult with one trial per config.
    """
    if not isinstance(configs, (list, tuple)) or not configs or not all(isinstance(c, dict) for c in configs):
        raise ValueError("manual_search: configs must be a non-empty list of dicts, e.g. [{'lr': 3.0}]")
    _check_common(mode)
    configs = [dict(c) for c in configs]
    space = {name: "(manual)" for name in dict.fromkeys(k for c in configs for k in c)}
    plan = _ListPlan("manual_search", configs, {"configs": _jsonable(configs)})
    result = _execute(plan, objective, space=space, seed=None, mode=mode, metric=metric,
                      executor=executor, log=log, resume=resume, verbose=verbose)
    result.space = None
    return result


def grid_search(objective: Callable, space: dict, n_points: int | dict = 5, *, mode: str = "max",
                metric: str = "value", executor=None, log=None, resume=None,
                verbose: bool = False) -> SearchResult:
    """Try every configuration of a grid: the product of each parameter's values.

    Args:
        objective: config -> float, or config -> dict holding the metric under `metric`.
        space: dict of parameter -> distribution or fixed value; choices give all their
            values, continuous parameters `n_points` evenly spaced ones (see `grid_configs`).
        n_points: points per continuous parameter (int, or dict per parameter).
        mode: "max" to maximize the metric, "min" to minimize it.
        metric: the key of the metric when the objective returns a dict.
        executor: any concurrent.futures.Executor; serial in this process by default.
        log: path of a JSON-lines log that receives every finished trial.
        resume: path of a log to continue from (finished trials are not run again).
        verbose: print one line per finished trial.

    Returns:
        A SearchResult; its trials follow the grid's nested-loop order.

    Example:
        >>> grid_search(lambda c: -(c["x"] - 1) ** 2, {"x": choice([0, 1, 2])}).best_config
        {'x': 1}
    """
    validate_space(space)
    _check_common(mode)
    plan = _ListPlan("grid_search", grid_configs(space, n_points), {"n_points": n_points})
    return _execute(plan, objective, space=space, seed=None, mode=mode, metric=metric,
                    executor=executor, log=log, resume=resume, verbose=verbose)


class _RandomPlan(_Plan):
    name = "random_search"

    def __init__(self, space, n_trials, seed):
        self.space, self.n_trials, self.seed = space, n_trials, seed
        self.settings = {}

    def propose(self, index, finished, proposals):
        return sample_config(self.space, _trial_rng(self.seed, index)), None


def random_search(objective: Callable, space: dict, n_trials: int = 20, seed: int | None = None, *,
                  mode: str = "max", metric: str = "value", executor=None, log=None,
                  resume=None, verbose: bool = False) -> SearchResult:
    """Try `n_trials` configurations drawn independently from the space.

    Trial i draws from its own generator seeded by (seed, i), so the same seed gives
    the same configurations on any executor, and resuming with a larger n_trials
    extends a search.

    Args:
        objective: config -> float, or config -> dict holding the metric under `metric`.
        space: dict of parameter -> distribution or fixed value.
        n_trials: how many configurations to try.
        seed: a non-negative integer; None draws one (recorded in the result and log).
        mode, metric, executor, log, resume, verbose: as in `grid_search`.

    Returns:
        A SearchResult with the trials in proposal order.
    """
    validate_space(space)
    _check_common(mode, n_trials)
    seed = _resolve_seed(seed, resume)
    return _execute(_RandomPlan(space, n_trials, seed), objective, space=space, seed=seed,
                    mode=mode, metric=metric, executor=executor, log=log, resume=resume,
                    verbose=verbose)


class _BayesPlan(_Plan):
    """Trial i: random for i < n_initial, else the point of largest expected improvement
    under a GP fitted to trials 0..i−batch_size, with trials i−batch_size+1..i−1 (those
    that may still be running) entered as "constant liars"."""

    name = "bayes_search"

    def __init__(self, space, n_trials, seed, n_initial, batch_size, liar, mode, xi, n_candidates):
        self.space, self.n_trials, self.seed = space, n_trials, seed
        self.n_initial, self.batch_size, self.liar = n_initial, batch_size, liar
        self.sign = 1.0 if mode == "max" else -1.0
        self.xi, self.n_candidates = xi, n_candidates
        self.encoder = _Encoder(space)
        self.settings = {"n_initial": n_initial, "batch_size": batch_size, "liar": liar,
                         "xi": xi, "n_candidates": n_candidates}

    def ready(self, index, finished):
        return all(j in finished for j in range(index - self.batch_size + 1))

    def propose(self, index, finished, proposals):
        rng = _trial_rng(self.seed, index)
        if index < self.n_initial or self.encoder.width == 0:
            return sample_config(self.space, rng), None
        known = range(index - self.batch_size + 1)
        # Work with scores to maximize: the metric, or minus the metric for mode="min".
        scores = {j: self.sign * finished[j].value for j in known if finished[j].ok}
        if len(scores) < 2:
            return sample_config(self.space, rng), None
        # A failed trial (say, a learning rate so large the loss diverged) counts as the
        # worst score seen, so the model learns to stay away from its region.
        worst = min(scores.values())
        y = np.array([scores.get(j, worst) for j in known])
        # Scores below the median are raised to the median: the model only has to tell
        # good from better, and a few disasters (a diverged run at 10 % accuracy next to
        # runs at 91 %) no longer set the scale and force tiny length scales on it. On the
        # lesson's MNIST task this cut the trials needed from about 18 to 11 (measured with
        # benchmarks/bench_tune.py), and it costs little on smooth test functions.
        y = np.maximum(y, np.median(y))
        X = self.encoder.encode([proposals[j][0] for j in known])
        gp = GaussianProcess().fit(X, y, rng=rng)
        pending = list(range(max(0, index - self.batch_size + 1), index))
        if pending:
            lie = {"best": y.max(), "mean": y.mean(), "worst": y.min()}[self.liar]
            X = np.vstack([X, self.encoder.encode([proposals[j][0] for j in pending])])
            gp.fit(X, np.concatenate([y, np.full(len(pending), lie)]), optimize=False)
        point, improvement = _maximize_expected_improvement(
            gp, y.max(), self.xi * max(float(y.std()), 1e-12), self.encoder, rng, self.n_candidates
        )
        if improvement <= 1e-3 * (y.max() - np.median(y)) or np.min(np.abs(X - point).sum(axis=1)) < 1e-9:
            # The model expects (next to) nothing to gain anywhere: every point of a small
            # discrete space was tried, or it is sure of itself near a good point and would
            # only nudge it. A random trial is a better use of the budget, and it corrects
            # the model when the certainty was misplaced.
            return sample_config(self.space, rng), None
        return self.encoder.decode(point[None, :])[0], None


def bayes_search(objective: Callable, space: dict, n_trials: int = 30, seed: int | None = None,
                 n_initial: int = 5, *, mode: str = "max", metric: str = "value", executor=None,
                 batch_size: int | None = None, liar: str = "best", xi: float = 0.0,
                 n_candidates: int = 1000, log=None, resume=None,
                 verbose: bool = False) -> SearchResult:
    """Bayesian optimization: a Gaussian process guesses where the objective is good.

    1. Try `n_initial` random configurations (the same ones random_search draws with
       this seed).
    2. Map every configuration to the unit cube (log scale for loguniform, one-hot for
       choices), fit a `GaussianProcess` to the scores, with its kernel's length scales,
       amplitude and noise chosen to maximize the marginal likelihood. Failed trials
       count as the worst score, and scores below the median are raised to the median,
       so that a few disasters do not dominate the model.
    3. Propose the point with the largest `expected_improvement` over the best score
       (found among many random candidates, then refined locally); repeat from 2.

    With several workers, trial i is proposed while trials i−batch_size+1 .. i−1 may
    still run: they enter the model with a made-up "constant liar" value, so the
    workers are sent to different places instead of waiting for each other. A proposal
    uses exactly the trials 0 .. i−batch_size, never "whichever finished first", so the
    same seed and batch_size give the same trials on any executor.

    Args:
        objective: config -> float, or config -> dict holding the metric under `metric`.
        space: dict of parameter -> distribution or fixed value.
        n_trials: total number of trials, the random ones included.
        seed: a non-negative integer; None draws one (recorded in the result and log).
        n_initial: random trials before the model takes over (at least 2 are needed).
        mode: "max" or "min".
        metric: the key of the metric when the objective returns a dict.
        executor: any concurrent.futures.Executor; serial in this process by default.
        batch_size: how many trials may run at once; defaults to the executor's number of
            workers (1 for serial). Pass it explicitly to get identical trials on a
            serial run and a parallel one.
        liar: the value pending trials pretend to have: "best" (the default, as in
            scikit-optimize's "cl_min"), "mean" or "worst" score seen.
        xi: exploration margin ξ of expected improvement, in standard deviations of the
            scores seen. The default 0 is plain EI; a margin such as 0.01 explores more,
            but it is in units of the scores' spread, so a few very bad trials make it
            large and keep the search from polishing the best region.
        n_candidates: random points at which the acquisition is evaluated per proposal.
        log, resume, verbose: as in `grid_search`.

    Returns:
        A SearchResult with the trials in proposal order.
    """
    validate_space(space)
    _check_common(mode, n_trials)
    if isinstance(n_initial, bool) or not isinstance(n_initial, numbers.Integral) or n_initial < 2:
        raise ValueError(f"bayes_search: n_initial must be an integer >= 2, got {n_initial!r}")
    if liar not in ("best", "mean", "worst"):
        raise ValueError(f"bayes_search: liar must be 'best', 'mean' or 'worst', got {liar!r}")
    if batch_size is None:
        batch_size = _n_workers(executor)
    if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) or batch_size < 1:
        raise ValueError(f"bayes_search: batch_size must be an integer >= 1, got {batch_size!r}")
    seed = _resolve_seed(seed, resume)
    plan = _BayesPlan(space, n_trials, seed, int(n_initial), int(batch_size), liar, mode,
                      float(xi), int(n_candidates))
    return _execute(plan, objective, space=space, seed=seed, mode=mode, metric=metric,
                    executor=executor, log=log, resume=resume, verbose=verbose)


def _halving_rungs(n_trials: int, min_budget, max_budget, eta: int) -> list[tuple[int, Any]]:
    """[(number of configs, budget), ...] for each rung of successive halving."""
    n_rungs = 1
    while min_budget * eta**n_rungs <= max_budget * (1 + 1e-12):
        n_rungs += 1
    integer = isinstance(min_budget, numbers.Integral) and isinstance(max_budget, numbers.Integral)
    rungs = []
    for k in range(n_rungs):
        budget = max_budget if k == n_rungs - 1 else min_budget * eta**k
        rungs.append((max(1, n_trials // eta**k), int(round(budget)) if integer else float(budget)))
    return rungs


class _HalvingPlan(_Plan):
    name = "successive_halving"

    def __init__(self, space, n_trials, seed, min_budget, max_budget, eta, mode):
        self.space, self.seed, self.mode = space, seed, mode
        self.rungs = _halving_rungs(n_trials, min_budget, max_budget, eta)
        self.starts = list(itertools.accumulate([0] + [n for n, _ in self.rungs]))
        self.n_trials = self.starts[-1]
        self.settings = {"n_configs": n_trials, "min_budget": min_budget,
                         "max_budget": max_budget, "eta": eta}

    def _rung_of(self, index):
        rung = max(k for k, start in enumerate(self.starts[:-1]) if start <= index)
        return rung, index - self.starts[rung]

    def ready(self, index, finished):
        rung, _ = self._rung_of(index)
        return rung == 0 or all(j in finished for j in range(self.starts[rung - 1], self.starts[rung]))

    def propose(self, index, finished, proposals):
        rung, position = self._rung_of(index)
        budget = self.rungs[rung][1]
        if rung == 0:
            return sample_config(self.space, _trial_rng(self.seed, index)), budget
        previous = [finished[j] for j in range(self.starts[rung - 1], self.starts[rung])]
        sign = 1.0 if self.mode == "max" else -1.0
        # Best first; failed trials last; ties keep the earlier trial.
        ranked = sorted(previous, key=lambda t: (not t.ok, -sign * t.value if t.ok else 0.0, t.index))
        return proposals[ranked[position].index][0], budget


def successive_halving(objective: Callable, space: dict, n_trials: int = 27, min_budget=1,
                       max_budget=9, eta: int = 3, seed: int | None = None, *, mode: str = "max",
                       metric: str = "value", executor=None, log=None, resume=None,
                       verbose: bool = False) -> SearchResult:
    """Early stopping across trials: many configurations get a small budget, the best
    1/eta of them a budget eta times larger, and so on up to `max_budget`.

    With n_trials=27, min_budget=1, max_budget=9, eta=3: 27 configs train 1 epoch, the
    best 9 train 3 epochs, the best 3 train 9 epochs: 27 + 27 + 27 = 81 epochs instead of
    27 × 9 = 243. Each rung starts training from scratch (simple, and needs no
    checkpoints); a rung starts when the previous one has finished.

    Args:
        objective: (config, budget) -> float, or -> dict with the metric under `metric`,
            or a dict with "history", the list of per-epoch validation metrics that a
            training loop returns (the best entry counts, as the loop keeps the best epoch).
        space: dict of parameter -> distribution or fixed value.
        n_trials: configurations in the first rung (random, seeded like random_search).
        min_budget: budget of the first rung (e.g. epochs); ints give int budgets.
        max_budget: budget of the last rung.
        eta: the factor between rungs (keep the best 1/eta, multiply the budget by eta).
        seed, mode, metric, executor, log, resume, verbose: as in `random_search`.

    Returns:
        A SearchResult over all evaluations (Trial.budget tells the rung); its best trial
        is the best of the largest budget.
    """
    validate_space(space)
    _check_common(mode, n_trials)
    if isinstance(eta, bool) or not isinstance(eta, numbers.Integral) or eta < 2:
        raise ValueError(f"successive_halving: eta must be an integer >= 2, got {eta!r}")
    for name, budget in (("min_budget", min_budget), ("max_budget", max_budget)):
        if isinstance(budget, bool) or not isinstance(budget, numbers.Real) or not budget > 0:
            raise ValueError(f"successive_halving: {name} must be a positive number, got {budget!r}")
    if max_budget < min_budget:
        raise ValueError(
            f"successive_halving: max_budget={max_budget!r} < min_budget={min_budget!r}; swap them"
        )
    seed = _resolve_seed(seed, resume)
    plan = _HalvingPlan(space, n_trials, seed, min_budget, max_budget, eta, mode)
    return _execute(plan, objective, space=space, seed=seed, mode=mode, metric=metric,
                    executor=executor, log=log, resume=resume, verbose=verbose)


# ---------------------------------------------------------------------------------------
# The Gaussian process and expected improvement
# ---------------------------------------------------------------------------------------

_SQRT5 = math.sqrt(5.0)


def _scaled_differences(X1: np.ndarray, X2: np.ndarray, lengthscales: np.ndarray) -> np.ndarray:
    return (X1[:, None, :] - X2[None, :, :]) / lengthscales


def matern52(X1: np.ndarray, X2: np.ndarray, lengthscales, variance: float) -> np.ndarray:
    """The Matérn 5/2 kernel matrix K[i, j] = k(X1[i], X2[j]):

        k(x, x') = σ² (1 + s + s²/3) e^(−s),   s = √5 r,   r = ‖(x − x') / ℓ‖

    with one length scale ℓ_d per input dimension. Its samples are twice differentiable:
    smooth like a loss surface, but less rigid than the squared-exponential kernel.
    """
    X1, X2 = np.atleast_2d(X1), np.atleast_2d(X2)
    lengthscales = np.broadcast_to(np.asarray(lengthscales, dtype=float), (X1.shape[1],))
    s = _SQRT5 * np.sqrt(np.sum(_scaled_differences(X1, X2, lengthscales) ** 2, axis=-1))
    return variance * (1.0 + s + s * s / 3.0) * np.exp(-s)


def _cholesky(K: np.ndarray) -> np.ndarray:
    # Rounding can make a valid covariance matrix look slightly indefinite; add a tiny
    # "jitter" to the diagonal, growing until the factorization succeeds.
    scale = float(np.mean(np.diag(K)))
    for jitter in (0.0, 1e-10, 1e-8, 1e-6, 1e-4):
        try:
            return np.linalg.cholesky(K + jitter * scale * np.eye(len(K)))
        except np.linalg.LinAlgError:
            continue
    raise np.linalg.LinAlgError("GaussianProcess: the kernel matrix is not positive definite, even with jitter")


def _cholesky_solve(L: np.ndarray, b: np.ndarray) -> np.ndarray:
    """K⁻¹ b from the factor K = L Lᵀ (two triangular systems)."""
    return np.linalg.solve(L.T, np.linalg.solve(L, b))


def _rprop_maximize(function: Callable, theta: np.ndarray, lower: np.ndarray, upper: np.ndarray,
                    steps: int = 60) -> tuple[np.ndarray, float]:
    """Maximize function(θ) -> (value, gradient) inside the box [lower, upper] with iRprop−.

    Rprop moves each coordinate by its own step, ×1.2 while the gradient keeps its sign
    and ×0.5 when it flips (then skips one move). It uses only the gradient's sign, which
    suits log-hyperparameters whose gradients differ by orders of magnitude
    (Blum & Riedmiller, 2013, use it for exactly this).
    """
    step = np.full_like(theta, 0.1)
    previous = np.zeros_like(theta)
    best_theta, best_value = theta.copy(), -np.inf
    for _ in range(steps):
        value, gradient = function(theta)
        if value > best_value:
            best_theta, best_value = theta.copy(), value
        agreement = gradient * previous
        step = np.where(agreement > 0, np.minimum(step * 1.2, 1.0),
                        np.where(agreement < 0, np.maximum(step * 0.5, 1e-6), step))
        gradient = np.where(agreement < 0, 0.0, gradient)
        theta = np.clip(theta + np.sign(gradient) * step, lower, upper)
        previous = gradient
    return best_theta, best_value


class GaussianProcess:
    """Gaussian-process regression with a Matérn 5/2 kernel, for inputs in the unit cube.

    Prior: f ~ GP(0, k) on the normalized targets (y − mean) / std, observed with
    Gaussian noise of variance σ_n². Given data (X, y) the posterior at x is normal with

        mean(x) = k(x, X) K⁻¹ y,     var(x) = k(x, x) − k(x, X) K⁻¹ k(X, x),

    where K = k(X, X) + σ_n² I. Hyperparameters θ = (log ℓ_1..ℓ_d, log σ², log σ_n²)
    maximize the log marginal likelihood

        log p(y | θ) = −½ yᵀ K⁻¹ y − ½ log det K − (n/2) log 2π,

    a trade-off between fitting the data and keeping the model simple.

    Example:
        >>> gp = GaussianProcess().fit(X, y)      # X in [0, 1]^d, shape (n, d)
        >>> mean, std = gp.predict(X_new)
    """

    def __init__(self, lengthscales=0.3, variance: float = 1.0, noise: float = 1e-4, *,
                 lengthscale_bounds=(0.01, 20.0), variance_bounds=(0.05, 20.0),
                 noise_bounds=(1e-6, 1.0)):
        self.lengthscales = lengthscales
        self.variance, self.noise = variance, noise
        self.lengthscale_bounds = lengthscale_bounds
        self.variance_bounds, self.noise_bounds = variance_bounds, noise_bounds
        self.X = None

    @property
    def theta(self) -> np.ndarray:
        """(log ℓ_1..ℓ_d, log σ², log σ_n²), the hyperparameters as the optimizer sees them."""
        return np.concatenate([np.log(self.lengthscales), [math.log(self.variance), math.log(self.noise)]])

    def _set_theta(self, theta: np.ndarray) -> None:
        self.lengthscales = np.exp(theta[:-2])
        self.variance, self.noise = math.exp(theta[-2]), math.exp(theta[-1])

    def log_marginal_likelihood(self, theta: np.ndarray | None = None,
                                gradient: bool = False):
        """log p(y | θ) for the fitted data, and with gradient=True also ∂/∂θ, from

            ∂ log p / ∂θ_j = ½ tr((α αᵀ − K⁻¹) ∂K/∂θ_j),   α = K⁻¹ y,

        with ∂K/∂log ℓ_d = σ² (5/3)(1 + s) e^(−s) ((x_d − x'_d)/ℓ_d)²,
        ∂K/∂log σ² = σ² k-part of K, ∂K/∂log σ_n² = σ_n² I.
        """
        if self.X is None:
            raise RuntimeError("GaussianProcess: call fit(X, y) first")
        theta = self.theta if theta is None else np.asarray(theta, dtype=float)
        X, y, n, d = self.X, self.y, len(self.X), self.X.shape[1]
        lengthscales, variance, noise = np.exp(theta[:d]), math.exp(theta[d]), math.exp(theta[d + 1])
        scaled = _scaled_differences(X, X, lengthscales)
        s = _SQRT5 * np.sqrt(np.sum(scaled**2, axis=-1))
        decay = np.exp(-s)
        K_f = variance * (1.0 + s + s * s / 3.0) * decay
        L = _cholesky(K_f + noise * np.eye(n))
        alpha = _cholesky_solve(L, y)
        value = -0.5 * y @ alpha - np.sum(np.log(np.diag(L))) - 0.5 * n * math.log(2 * math.pi)
        if not gradient:
            return value
        W = np.outer(alpha, alpha) - _cholesky_solve(L, np.eye(n))
        common = variance * (5.0 / 3.0) * (1.0 + s) * decay
        grads = [0.5 * np.sum(W * common * scaled[:, :, k] ** 2) for k in range(d)]
        grads += [0.5 * np.sum(W * K_f), 0.5 * noise * np.trace(W)]
        return value, np.array(grads)

    def fit(self, X, y, *, optimize: bool = True, rng: np.random.Generator | None = None,
            n_restarts: int = 2, steps: int = 60) -> GaussianProcess:
        """Condition on data (X, y); with optimize=True first choose the hyperparameters.

        Args:
            X: inputs, shape (n, d), in the unit cube.
            y: targets, shape (n,); normalized internally to mean 0 and std 1.
            optimize: maximize the marginal likelihood over θ (from the current θ and
                `n_restarts` random starts); False keeps the current hyperparameters.
            rng: generator for the random starts (default: seeded with 0).
            n_restarts: random starting points besides the current θ.
            steps: Rprop iterations per start.

        Returns:
            self.
        """
        X = np.atleast_2d(np.asarray(X, dtype=float))
        y = np.asarray(y, dtype=float).reshape(-1)
        if len(X) != len(y) or len(y) == 0:
            raise ValueError(f"GaussianProcess.fit: X has {len(X)} rows but y has {len(y)} values")
        self.y_mean = float(y.mean())
        self.y_std = float(y.std()) if y.std() > 0 else 1.0
        self.X, self.y = X, (y - self.y_mean) / self.y_std
        d = X.shape[1]
        self.lengthscales = np.broadcast_to(np.asarray(self.lengthscales, dtype=float), (d,)).copy()
        if optimize:
            bounds = [self.lengthscale_bounds] * d + [self.variance_bounds, self.noise_bounds]
            lower, upper = np.log(np.array(bounds, dtype=float)).T
            rng = np.random.default_rng(0) if rng is None else rng
            starts = [np.clip(self.theta, lower, upper)]
            for _ in range(n_restarts):
                starts.append(np.concatenate([
                    rng.uniform(math.log(0.05), math.log(2.0), size=d),
                    [rng.uniform(math.log(0.5), math.log(2.0)), rng.uniform(math.log(1e-6), math.log(1e-2))],
                ]))
            best_theta, best_value = starts[0], -np.inf
            for start in starts:
                theta, value = _rprop_maximize(
                    lambda t: self.log_marginal_likelihood(t, gradient=True), start, lower, upper, steps
                )
                if value > best_value:
                    best_theta, best_value = theta, value
            self._set_theta(best_theta)
        K = matern52(X, X, self.lengthscales, self.variance) + self.noise * np.eye(len(X))
        self.L = _cholesky(K)
        self.alpha = _cholesky_solve(self.L, self.y)
        return self

    def predict(self, X) -> tuple[np.ndarray, np.ndarray]:
        """Posterior mean and standard deviation of f at the rows of X (in y's units)."""
        if self.X is None:
            raise RuntimeError("GaussianProcess: call fit(X, y) before predict")
        X = np.atleast_2d(np.asarray(X, dtype=float))
        K_star = matern52(X, self.X, self.lengthscales, self.variance)
        mean = K_star @ self.alpha
        v = np.linalg.solve(self.L, K_star.T)
        variance = np.maximum(self.variance - np.sum(v * v, axis=0), 0.0)
        return self.y_mean + self.y_std * mean, self.y_std * np.sqrt(variance)


_erfc = np.vectorize(math.erfc, otypes=[float])


def _normal_cdf(z: np.ndarray) -> np.ndarray:
    # Φ(z) = ½ erfc(−z/√2): erfc keeps full relative precision far in the lower tail.
    return 0.5 * _erfc(-np.asarray(z, dtype=float) / math.sqrt(2.0))


def _normal_pdf(z: np.ndarray) -> np.ndarray:
    return np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)


def expected_improvement(mean, std, best: float, xi: float = 0.0) -> np.ndarray:
    """How much f(x) is expected to beat `best` (maximization), for f(x) ~ N(μ, σ²):

        EI = E[max(f − best − ξ, 0)] = (μ − best − ξ) Φ(z) + σ φ(z),   z = (μ − best − ξ)/σ

    and max(μ − best − ξ, 0) where σ = 0. It is never negative; it is large where the
    mean is high (exploitation) or the uncertainty is (exploration).

    Args:
        mean, std: posterior mean and standard deviation (arrays of the same shape).
        best: the best value seen so far.
        xi: a margin ξ ≥ 0 that demands a real improvement (more exploration).
    """
    mean, std = np.broadcast_arrays(np.asarray(mean, dtype=float), np.asarray(std, dtype=float))
    gain = mean - best - xi
    improvement = np.maximum(gain, 0.0)
    uncertain = std > 1e-12
    z = gain[uncertain] / std[uncertain]
    improvement[uncertain] = gain[uncertain] * _normal_cdf(z) + std[uncertain] * _normal_pdf(z)
    return np.maximum(improvement, 0.0)


def _maximize_expected_improvement(gp, best, xi, encoder, rng, n_candidates):
    """Largest EI among random points of the cube and points near the best trials, then
    refined by a few rounds of smaller and smaller random steps around the leaders."""
    observed = gp.X[np.argsort(-gp.y)[:5]]
    near = observed[rng.integers(len(observed), size=n_candidates // 5)]
    near = near + 0.05 * rng.standard_normal(near.shape)
    candidates = np.vstack([rng.random((n_candidates, encoder.width)), near])
    candidates = encoder.project(np.clip(candidates, 0.0, 1.0))
    scores = expected_improvement(*gp.predict(candidates), best, xi)
    for radius in (0.1, 0.03, 0.01):
        leaders = candidates[np.argsort(-scores)[:5]]
        local = np.repeat(leaders, 20, axis=0) + radius * rng.standard_normal((100, encoder.width))
        local = encoder.project(np.clip(local, 0.0, 1.0))
        candidates = np.vstack([candidates, local])
        scores = np.concatenate([scores, expected_improvement(*gp.predict(local), best, xi)])
    top = int(np.argmax(scores))
    return candidates[top], float(scores[top])


# ---------------------------------------------------------------------------------------
# A test function with a known optimum
# ---------------------------------------------------------------------------------------

BRANIN_SPACE = {"x1": Uniform(-5.0, 10.0), "x2": Uniform(0.0, 15.0)}
BRANIN_MINIMUM = 0.39788735772973816


def branin(config: dict) -> float:
    """The Branin function, a classic check for optimizers (minimize it over BRANIN_SPACE):

        f(x1, x2) = (x2 − 5.1 x1²/(4π²) + 5 x1/π − 6)² + 10 (1 − 1/(8π)) cos x1 + 10

    Its minimum 0.397887 is reached at (−π, 12.275), (π, 2.275) and (9.42478, 2.475).
    """
    x1, x2 = float(config["x1"]), float(config["x2"])
    b, c, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 1 / (8 * math.pi)
    return (x2 - b * x1**2 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10
