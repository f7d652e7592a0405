"""The searches (manual, grid, random, Bayesian, successive halving): each a plan that the runner executes."""

from __future__ import annotations

import itertools
import numbers
from typing import Any, Callable

import numpy as np

from .gaussian_process import GaussianProcess, _maximize_expected_improvement
from .results import SearchResult
from .runner import _execute, _n_workers, _Plan, _resolve_seed
from .space import _Encoder, grid_configs, sample_config, validate_space
from .trial_log import _jsonable

__all__ = ["manual_search", "grid_search", "random_search", "bayes_search", "successive_halving"]


def _trial_rng(seed: int, index: int) -> np.random.Generator:
    # Each trial has its own stream, so trial i's draws never depend on how many trials
    # ran before it, in which process, or whether the search was resumed.
    return np.random.default_rng([seed, index])


def _check_common(mode: str, n_trials=None) -> None:
    if mode not in ("max", "min"):
        raise ValueError(f"mode must be 'max' or 'min', got {mode!r}")
    if n_trials is not None and (
        isinstance(n_trials, bool) or not isinstance(n_trials, numbers.Integral) or n_trials < 1
    ):
        raise ValueError(f"n_trials must be an integer >= 1, got {n_trials!r}")


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


def _check_bayes_settings(n_initial, liar: str, batch_size, executor) -> int:
    """Check bayes_search's own arguments; return the batch size (the executor's workers
    when not given)."""
    if isinstance(n_initial, bool) or not isinstance(n_initial, numbers.Integral) or n_initial < 2:
        raise ValueError(f"bayes_search: n_initial must be an integer >= 2, got {n_initial!r}")
    if liar not in ("best", "mean", "worst"):
        raise ValueError(f"bayes_search: liar must be 'best', 'mean' or 'worst', got {liar!r}")
    if batch_size is None:
        batch_size = _n_workers(executor)
    if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) or batch_size < 1:
        raise ValueError(f"bayes_search: batch_size must be an integer >= 1, got {batch_size!r}")
    return batch_size


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
    batch_size = _check_bayes_settings(n_initial, liar, batch_size, executor)
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
