"""Objectives for tests/test_tune.py that worker processes can import (pickled by name)."""

import json
import math
import sys
import time

from tinygrad_edu.tune import branin


def recorded_branin(config):
    """Branin that appends each call to config["calls"] and sleeps config["sleep"] seconds,
    so a test can count calls across processes and kill a search part-way."""
    with open(config["calls"], "a", encoding="utf-8") as file:
        file.write(json.dumps({"x1": config["x1"], "x2": config["x2"]}) + "\n")
    time.sleep(config["sleep"])
    return branin(config)


def flaky(config):
    """Fails in three ways depending on x; returns a dict with extras otherwise."""
    x = config["x"]
    if x < 0.2:
        raise RuntimeError(f"x={x:.3f} is too small")
    if x < 0.3:
        return float("nan")
    if x < 0.4:
        return {"accuracy": math.inf}
    return {"accuracy": -((x - 0.7) ** 2), "note": "fine"}


def peaked(config):
    """A smooth 1-D bump with its top at x = 0.3."""
    return math.exp(-((config["x"] - 0.3) ** 2) / 0.02)


def halving_objective(config, budget):
    """A fake training run: validation accuracy rises with epochs, faster for larger q."""
    history = [config["q"] * (1 - 0.5 ** (epoch + 1)) for epoch in range(int(budget))]
    return {"history": history, "epochs": int(budget)}


if __name__ == "__main__":
    # Run by the kill-and-resume test: python _tune_helpers.py LOG CALLS SEED
    from tinygrad_edu import tune

    log, calls, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
    space = dict(tune.BRANIN_SPACE, calls=calls, sleep=0.1)
    tune.bayes_search(recorded_branin, space, 12, seed, 4, mode="min", log=log)
