"""Lesson 8: choosing η, λ and the hidden size by hand, on a grid, at random and by Bayesian optimization.

Run:  python examples/08_hyperparameter_search.py          (about a minute; --help for the options)
      python examples/08_hyperparameter_search.py --quick  (seconds)

The lecture's network (784 → hidden → 10, sigmoid units, quadratic cost, minibatches of 10,
L2 regularization λ/(2n) Σw²) has three numbers nobody can derive: the learning rate η, the
regularization strength λ and the hidden size. We pick them four ways, each allowed the
same number of training runs (trials), always judged on the *validation* images:

1. by hand, the way the lecture does (start at η = 3, then nudge one thing at a time);
2. on a grid (every combination of a few values per parameter);
3. at random (η and λ on log scales: 0.1 → 1 is as big a step as 1 → 10);
4. by Bayesian optimization: a Gaussian process guesses, from the trials so far, where a
   good configuration is likely, and the next trial goes where the expected improvement
   is largest.

Then the best configuration found is trained once more and its accuracy on the *test*
images is reported, once: had we tuned on the test images, that number would flatter us.
Training uses a subset of MNIST and few epochs so that the whole lesson runs in minutes;
the ranking of the methods, not the final accuracy, is the point.
"""

import argparse
import math
import os
import sys

import tinygrad_edu as tg
from tinygrad_edu import nn, optim, tune
from tinygrad_edu.data import load_mnist
from tinygrad_edu.train import evaluate, fit
from tinygrad_edu.tune import loguniform, randint

# What we search over. A config also carries fixed entries (epochs, data sizes, seed) so
# that the objective below needs nothing else: worker processes can run it as it is.
SPACE = {
    "lr": loguniform(0.1, 30.0),     # η
    "lam": loguniform(0.01, 100.0),  # λ of the L2 term λ/(2n) Σw²
    "hidden": randint(10, 100),      # neurons in the hidden layer
}

# What a student following the lecture would try, in this order.
MANUAL = [
    {"lr": 3.0, "lam": 0.01, "hidden": 30},   # the lecture's network, (almost) no regularization
    {"lr": 3.0, "lam": 1.0, "hidden": 30},
    {"lr": 3.0, "lam": 5.0, "hidden": 30},
    {"lr": 1.0, "lam": 1.0, "hidden": 30},
    {"lr": 10.0, "lam": 1.0, "hidden": 30},
    {"lr": 3.0, "lam": 1.0, "hidden": 100},
    {"lr": 0.5, "lam": 1.0, "hidden": 100},
    {"lr": 3.0, "lam": 0.1, "hidden": 100},
    {"lr": 5.0, "lam": 1.0, "hidden": 60},
    {"lr": 3.0, "lam": 10.0, "hidden": 100},
    {"lr": 0.1, "lam": 1.0, "hidden": 30},
    {"lr": 30.0, "lam": 1.0, "hidden": 30},
    {"lr": 1.0, "lam": 5.0, "hidden": 100},
    {"lr": 3.0, "lam": 0.5, "hidden": 30},
    {"lr": 0.5, "lam": 5.0, "hidden": 30},
    {"lr": 10.0, "lam": 5.0, "hidden": 100},
]


def network(hidden):
    """The lecture's network: 784 inputs, `hidden` sigmoid neurons, 10 sigmoid outputs."""
    return nn.Sequential(nn.Linear(784, hidden), nn.Sigmoid(), nn.Linear(hidden, 10), nn.Sigmoid())


def train(config):
    """Train the network described by `config` on the training subset; returns (model, history).

    fit keeps the weights of the epoch with the best validation accuracy.
    """
    train_data = load_mnist("train", subset=config["train_size"])
    validation_data = load_mnist("validation", subset=config["validation_size"])
    tg.manual_seed(config["seed"])
    model = network(int(config["hidden"]))
    optimizer = optim.SGD(model.parameters(), lr=config["lr"])
    history = fit(model, train_data, nn.QuadraticCost(), optimizer, epochs=config["epochs"],
                  batch_size=10, val_data=validation_data, l2=config["lam"], progress=False,
                  seed=config["seed"])
    return model, history


def validation_accuracy(config):
    """The objective every search maximizes: the best epoch's validation accuracy.

    A run that diverges (η far too large) raises TrainingDiverged; the search records it
    as a failed trial and goes on.
    """
    _, history = train(config)
    return {"value": history.best_val_accuracy, "history": [float(a) for a in history.val_accuracy]}


def grid_points(space, budget):
    """Points per parameter so that the grid has as many trials as possible within `budget`:
    add a point to the axis with the fewest while the product still fits."""
    counts = {name: 1 for name in space}
    while True:
        name = min(counts, key=counts.get)
        if math.prod(counts.values()) // counts[name] * (counts[name] + 1) > budget:
            return counts
        counts[name] += 1


def describe(config):
    return f"η={config['lr']:.3g}, λ={config['lam']:.3g}, hidden={config['hidden']}"


def run_searches(args, fixed):
    """The four searches under the same budget; returns {method: SearchResult}."""
    space = dict(SPACE, **fixed)
    executor = None
    if args.workers > 1:
        import concurrent.futures

        executor = concurrent.futures.ProcessPoolExecutor(args.workers)
    common = {"executor": executor, "verbose": args.verbose}

    def log(method):
        if args.log_dir is None:
            return {}
        os.makedirs(args.log_dir, exist_ok=True)
        # resume= continues an interrupted run of this lesson where it stopped.
        return {"resume": os.path.join(args.log_dir, f"{method}.jsonl")}

    results = {}
    try:
        manual = [dict(c, **fixed) for c in MANUAL[: args.trials]]
        print(f"\n== 1. by hand: {len(manual)} lecture-style choices (the list has {len(MANUAL)}) ==")
        results["manual"] = tune.manual_search(validation_accuracy, manual, **common, **log("manual"))
        counts = grid_points(SPACE, args.trials)
        print(f"== 2. grid: {counts} points per parameter ==")
        results["grid"] = tune.grid_search(validation_accuracy, space, counts, **common, **log("grid"))
        print(f"== 3. random search, {args.trials} trials ==")
        results["random"] = tune.random_search(validation_accuracy, space, args.trials, args.seed,
                                               **common, **log("random"))
        print(f"== 4. Bayesian search, {args.trials} trials ({min(args.initial, args.trials)} random first) ==")
        results["bayes"] = tune.bayes_search(validation_accuracy, space, args.trials, args.seed,
                                             min(args.initial, args.trials), **common, **log("bayes"))
    finally:
        if executor is not None:
            executor.shutdown()
    return results


def print_summary(results, n_validation):
    print("\nbest validation accuracy each method reached with the same budget:")
    print(f"  {'method':8s} {'trials':>6s} {'failed':>6s} {'best':>7s} {'found after':>11s}  configuration")
    for method, result in results.items():
        best = result.best_trial
        if best is None:
            print(f"  {method:8s} {len(result.trials):6d} {result.n_failed:6d}   (every trial failed)")
            continue
        reached = result.n_trials_to_reach(best.value)
        print(f"  {method:8s} {len(result.trials):6d} {result.n_failed:6d} {best.value:7.4f} "
              f"{reached:>5d} trial{'s' if reached > 1 else ' '}  {describe(best.config)}")
    top = max(r.best_value for r in results.values() if r.best_trial is not None)
    # An accuracy p measured on n images wobbles by about √(p(1 − p)/n) from the sample alone.
    print(f"  (on {n_validation} validation images an accuracy near {top:.2f} is uncertain by about "
          f"±{math.sqrt(top * (1 - top) / n_validation):.4f}: closer results are a tie)")


def main(argv=None):
    """Run the lesson; argv as for the command line (None reads sys.argv)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subset", type=int, default=5000, help="training images (of the 50,000)")
    parser.add_argument("--validation", type=int, default=2000, help="validation images (of the 10,000)")
    parser.add_argument("--epochs", type=int, default=2, help="epochs per trial")
    parser.add_argument("--trials", type=int, default=15, help="trials per method (the budget)")
    parser.add_argument("--initial", type=int, default=5, help="random trials before the Bayesian model")
    parser.add_argument("--seed", type=int, default=0, help="seed of the searches and of training")
    parser.add_argument("--workers", type=int, default=1, help="run trials on a pool of processes")
    parser.add_argument("--log-dir", default=None, help="keep JSON-lines logs here; a rerun resumes")
    parser.add_argument("--plot", default=None, help="save the Bayesian search's plot (PNG) here")
    parser.add_argument("--verbose", action="store_true", help="print every trial")
    parser.add_argument("--quick", action="store_true",
                        help="a run of seconds: 1000 images, 1 epoch, 6 trials per method")
    args = parser.parse_args(argv)
    if args.quick:
        args.subset, args.validation, args.epochs, args.trials, args.initial = 1000, 500, 1, 6, 3
    fixed = {"epochs": args.epochs, "train_size": args.subset, "validation_size": args.validation,
             "seed": args.seed}

    results = run_searches(args, fixed)
    print_summary(results, args.validation)
    print("\nthe Bayesian search, trial by trial:")
    print(results["bayes"].table())
    if args.plot:
        results["bayes"].plot(args.plot)
        print(f"plot saved to {args.plot}")

    # Choose on validation accuracy only, then look at the test set exactly once.
    method, chosen = max(((m, r) for m, r in results.items() if r.best_trial is not None),
                         key=lambda item: item[1].best_value)
    model, _ = train(chosen.best_config)
    test = evaluate(model, load_mnist("test"))
    print(f"\nchosen ({method}): {describe(chosen.best_config)}, validation accuracy "
          f"{chosen.best_value:.4f}")
    print(f"test accuracy (10,000 images, measured once): {test['accuracy']:.4f}")
    return {"results": results, "chosen": chosen.best_config, "test_accuracy": test["accuracy"]}


if __name__ == "__main__":
    main(sys.argv[1:])
