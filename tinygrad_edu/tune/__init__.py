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

The parts, each importing only those above it:

    space.py             distributions, validate_space, sample_config, grid_configs, the unit-cube encoder
    gaussian_process.py  matern52, GaussianProcess, expected_improvement (the Bayesian model)
    trial_log.py         the JSON-lines log, resume checks, ResumeError
    results.py           Trial, SearchResult (best trial, table, plot)
    runner.py            the objective call, executors, the loop that runs, logs and resumes trials
    searches.py          manual_search, grid_search, random_search, bayes_search, successive_halving
    objectives.py        branin, a test function with a known optimum
"""

from .gaussian_process import GaussianProcess, expected_improvement, matern52
from .objectives import BRANIN_MINIMUM, BRANIN_SPACE, branin
from .results import SearchResult, Trial
from .runner import SerialExecutor
from .searches import bayes_search, grid_search, manual_search, random_search, successive_halving
from .space import (
    Choice,
    Distribution,
    LogUniform,
    RandInt,
    SearchSpaceError,
    Uniform,
    choice,
    grid_configs,
    loguniform,
    randint,
    sample_config,
    uniform,
    validate_space,
)
from .trial_log import ResumeError

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
