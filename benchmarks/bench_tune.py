"""Benchmark of tinygrad_edu.tune: trials needed to reach a target, random vs Bayesian vs Optuna.

Every method gets the same objective, the same budget of trials and the same seeds; a run
that never reaches the target counts as budget + 1 trials (the means are then lower bounds,
marked ">"). Optuna's default sampler is a reference only, used when `optuna` is installed
(pip install optuna); tinygrad_edu does not depend on it.

    python benchmarks/bench_tune.py                 # synthetic functions, 5 seeds (a few minutes)
    python benchmarks/bench_tune.py --quick         # fewer seeds and problems
    python benchmarks/bench_tune.py --mnist         # also the lesson's MNIST task (slow)

The targets of the issue: Bayesian search needs at most half the trials of random search on
the MNIST task, and is no worse than Optuna's sampler on the synthetic functions.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tinygrad_edu import tune  # noqa: E402
from tinygrad_edu.tune import BRANIN_MINIMUM, BRANIN_SPACE, branin, choice, loguniform, randint, uniform  # noqa: E402

# --- synthetic problems with known optima ------------------------------------------------

_H3_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])
_H3_A = np.array([[3.0, 10, 30], [0.1, 10, 35], [3.0, 10, 30], [0.1, 10, 35]])
_H3_P = 1e-4 * np.array([[3689, 1170, 2673], [4699, 4387, 7470], [1091, 8732, 5547], [381, 5743, 8828]])
_H6_A = np.array([[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14],
                  [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]])
_H6_P = 1e-4 * np.array([[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
                         [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]])


def _hartmann(x, A, P):
    return float(-np.sum(_H3_ALPHA * np.exp(-np.sum(A * (x - P) ** 2, axis=1))))


def hartmann3(config):
    """Hartmann 3-D on [0, 1]³, minimum −3.86278."""
    return _hartmann(np.array([config[f"x{k}"] for k in range(3)]), _H3_A, _H3_P)


def hartmann6(config):
    """Hartmann 6-D on [0, 1]⁶, minimum −3.32237."""
    return _hartmann(np.array([config[f"x{k}"] for k in range(6)]), _H6_A, _H6_P)


_ACTIVATION_PENALTY = {"sigmoid": 0.0, "tanh": 0.01, "relu": 0.04}


def fake_training(config):
    """A made-up validation accuracy over a mixed space (log scales, an integer, a
    category), shaped like the lesson's: best near η = 3, λ = 0.5, hidden = 100, sigmoid."""
    accuracy = 0.97
    accuracy -= 0.03 * (math.log10(config["lr"]) - math.log10(3.0)) ** 2
    accuracy -= 0.02 * (math.log10(config["lam"]) - math.log10(0.5)) ** 2
    accuracy -= 0.02 * (math.log2(config["hidden"] / 100.0)) ** 2
    accuracy -= _ACTIVATION_PENALTY[config["activation"]]
    return accuracy


@dataclass
class Problem:
    name: str
    objective: object
    space: dict
    mode: str
    target: float
    budget: int


def synthetic_problems(quick: bool) -> list[Problem]:
    problems = [
        Problem("branin (2-D)", branin, BRANIN_SPACE, "min", BRANIN_MINIMUM + 0.05, 60),
        Problem("hartmann3 (3-D)", hartmann3, {f"x{k}": uniform(0.0, 1.0) for k in range(3)},
                "min", -3.86278 + 0.05, 60),
        Problem("fake training (mixed 4-D)", fake_training,
                {"lr": loguniform(1e-3, 100.0), "lam": loguniform(1e-4, 100.0),
                 "hidden": randint(10, 400), "activation": choice(["sigmoid", "tanh", "relu"])},
                "max", 0.96, 60),
    ]
    if not quick:
        problems.append(Problem("hartmann6 (6-D)", hartmann6, {f"x{k}": uniform(0.0, 1.0) for k in range(6)},
                                "min", -3.32237 + 0.2, 100))
    return problems


# --- the methods -------------------------------------------------------------------------


class StopAtTarget:
    """The problem's objective, except that once a call has reached the target every later
    call fails at once: the run's trials-to-target is known by then, and a slow objective
    (MNIST training) need not run the rest of the budget. Serial runs only."""

    def __init__(self, problem):
        self.problem, self.reached = problem, False

    def __call__(self, config):
        if self.reached:
            raise RuntimeError("the target was already reached; the rest of the budget is skipped")
        output = self.problem.objective(config)
        value = output["value"] if isinstance(output, dict) else output
        self.reached = value >= self.problem.target if self.problem.mode == "max" else value <= self.problem.target
        return output


def run_random(problem, seed):
    return tune.random_search(StopAtTarget(problem), problem.space, problem.budget, seed, mode=problem.mode)


def run_bayes(problem, seed):
    return tune.bayes_search(StopAtTarget(problem), problem.space, problem.budget, seed, mode=problem.mode)


def run_optuna(problem, seed):
    """Optuna's default sampler with the same budget; values in trial order, as a SearchResult."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    sampler = type(optuna.create_study().sampler)(seed=seed)
    study = optuna.create_study(direction="maximize" if problem.mode == "max" else "minimize", sampler=sampler)

    stop = StopAtTarget(problem)

    def objective(trial):
        config = {}
        for name, distribution in problem.space.items():
            if isinstance(distribution, tune.Uniform):
                config[name] = trial.suggest_float(name, distribution.low, distribution.high)
            elif isinstance(distribution, tune.LogUniform):
                config[name] = trial.suggest_float(name, distribution.low, distribution.high, log=True)
            elif isinstance(distribution, tune.RandInt):
                config[name] = trial.suggest_int(name, distribution.low, distribution.high)
            elif isinstance(distribution, tune.Choice):
                config[name] = trial.suggest_categorical(name, distribution.values)
            else:
                config[name] = distribution
        output = stop(config)
        return output["value"] if isinstance(output, dict) else output

    # A trial that raises (a diverged training run) is recorded as failed, as in tune.
    study.optimize(objective, n_trials=problem.budget, catch=(Exception,))
    trials = [tune.Trial(t.number, t.params, float("nan"), "failed", 0.0) if t.value is None
              else tune.Trial(t.number, t.params, float(t.value), "ok", 0.0) for t in study.trials]
    return tune.SearchResult(trials, problem.mode, "value", "optuna")


def trials_to_target(result, problem):
    reached = result.n_trials_to_reach(problem.target)
    return (problem.budget + 1 if reached is None else reached), reached is not None


def summarize(counts):
    values = [c for c, _ in counts]
    hits = sum(h for _, h in counts)
    bound = ">" if hits < len(counts) else ""
    return f"{bound}{np.mean(values):.1f} ({hits}/{len(counts)})"


def compare(problems, methods, seeds):
    rows = []
    for problem in problems:
        row = [problem.name, str(problem.budget), f"{problem.target:.4g}"]
        for name, method in methods:
            start = time.perf_counter()
            counts = [trials_to_target(method(problem, seed), problem) for seed in seeds]
            row.append(summarize(counts))
            print(f"  {problem.name:28s} {name:8s} {row[-1]:14s} {time.perf_counter() - start:6.1f} s", flush=True)
        rows.append(row)
    header = ["problem", "budget", "target", *[name for name, _ in methods]]
    widths = [max(len(r[k]) for r in [header] + rows) for k in range(len(header))]
    print()
    print("trials to reach the target, mean over seeds (runs that reached it / runs):")
    for row in [header] + rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)))
    print()


def load_lesson():
    path = Path(__file__).resolve().parent.parent / "examples" / "08_hyperparameter_search.py"
    spec = importlib.util.spec_from_file_location("lesson_08", path)
    lesson = importlib.util.module_from_spec(spec)
    sys.modules["lesson_08"] = lesson
    spec.loader.exec_module(lesson)
    return lesson


def mnist_problems(args) -> list[Problem]:
    lesson = load_lesson()
    fixed = {"epochs": args.epochs, "train_size": args.subset, "validation_size": args.validation, "seed": 0}
    return [Problem(f"MNIST lesson ({args.subset} img, {args.epochs} ep)", lesson.validation_accuracy,
                    dict(lesson.SPACE, **fixed), "max", args.mnist_target, args.mnist_budget)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="3 seeds, no 6-D problem")
    parser.add_argument("--no-synthetic", action="store_true")
    parser.add_argument("--mnist", action="store_true", help="also the lesson's MNIST task")
    parser.add_argument("--subset", type=int, default=5000, help="MNIST training images")
    parser.add_argument("--validation", type=int, default=2000, help="MNIST validation images")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--mnist-budget", type=int, default=30)
    parser.add_argument("--mnist-target", type=float, default=0.90)
    args = parser.parse_args(argv)
    seeds = list(range(3 if args.quick else args.seeds))
    methods = [("random", run_random), ("bayes", run_bayes)]
    try:
        import optuna

        optuna.logging.set_verbosity(optuna.logging.ERROR)
        methods.append(("optuna", run_optuna))
        print(f"optuna {optuna.__version__} found: its default sampler "
              f"({type(optuna.create_study().sampler).__name__}) is the reference")
    except ImportError:
        print("optuna not installed (pip install optuna): comparing random and bayes only")
    print(f"seeds {seeds}")
    if not args.no_synthetic:
        compare(synthetic_problems(args.quick), methods, seeds)
    if args.mnist:
        compare(mnist_problems(args), methods, seeds)


if __name__ == "__main__":
    main()
