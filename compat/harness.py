"""Run a compatibility program under PyTorch and under `python -m tinygrad_edu.run`, and compare what they print.

A program's printed numbers are compared position by position. Deterministic programs must
agree to float32 round-off. A program that draws random numbers gets a different stream
here than under PyTorch (tinygrad_edu draws from numpy), so its numbers must fall inside the
range that PyTorch's own results span over 20 seeds (measured with
`python compat/harness.py --measure`, stored in spread.json), widened by that range on each
side (a loss after training has heavy tails: with five seeds a sixth PyTorch seed already
fell outside their range).

    python compat/harness.py                 # run every program both ways, print the table
    python compat/harness.py --measure       # re-measure PyTorch's seed-to-seed spread
"""

import argparse
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PROGRAMS_DIR = os.path.join(HERE, "programs")
SPREAD_FILE = os.path.join(HERE, "spread.json")
MAKEMORE_SEED = 2147483647
SEEDS = list(range(20))  # PyTorch's spread is measured over 20 seeds (5 proved too few)

# name -> (source, seeds for PyTorch's spread (None: deterministic), compare the text too,
#          the missing feature it waits for (None: runs now))
PROGRAMS = {
    "polynomial_autograd": ("pytorch/tutorials examples_autograd/polynomial_autograd.py (BSD-3-Clause)",
                            SEEDS, True, None),
    "polynomial_nn": ("pytorch/tutorials examples_nn/polynomial_nn.py (BSD-3-Clause)",
                      SEEDS, True, None),
    "polynomial_optim": ("pytorch/tutorials examples_nn/polynomial_optim.py (BSD-3-Clause)",
                         SEEDS, True, None),
    "polynomial_module": ("pytorch/tutorials examples_nn/polynomial_module.py (BSD-3-Clause)",
                          SEEDS, True, None),
    "polynomial_custom_function": ("pytorch/tutorials examples_autograd/polynomial_custom_function.py (BSD-3-Clause)",
                                   None, True, None),
    "tensors_tutorial": ("pytorch/tutorials beginner_source/basics/tensorqs_tutorial.py (BSD-3-Clause)",
                         None, True, None),
    "autograd_tutorial": ("pytorch/tutorials beginner_source/basics/autogradqs_tutorial.py (BSD-3-Clause)",
                          SEEDS, True, None),
    "micrograd_neuron": ("karpathy/nn-zero-to-hero lectures/micrograd (MIT)", None, True, None),
    "makemore_bigrams": ("karpathy/nn-zero-to-hero makemore_part1_bigrams.ipynb (MIT)",
                         [MAKEMORE_SEED + k for k in range(20)], False, None),
    "makemore_mlp": ("karpathy/nn-zero-to-hero makemore_part2_mlp.ipynb (MIT)",
                     [MAKEMORE_SEED + k for k in range(20)], False, None),
    "makemore_backprop": ("karpathy/nn-zero-to-hero makemore_part4_backprop.ipynb (MIT)",
                          [MAKEMORE_SEED + k for k in range(20)], False, None),
    "nn_tutorial_mnist": ("pytorch/tutorials beginner_source/nn_tutorial.py (BSD-3-Clause)",
                          SEEDS, True, None),
    "d2l_mlp_scratch": ("d2l-ai/d2l-en chapter_multilayer-perceptrons/mlp-scratch (MIT-0 code)",
                        SEEDS, True, None),
    "pytorch_examples_mnist": ("pytorch/examples mnist/main.py (BSD-3-Clause)", [1 + k for k in range(20)],
                               True, None),
}

NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![\w])")
# Text that differs on purpose or until another part lands; each is undone before comparing.
KNOWN_TEXT_DIFFERENCES = [
    # inside f-strings a shape prints as the plain tuple (see Size.__format__)
    (re.compile(r"torch\.Size\(\[([^\]]*)\]\)"), r"(\1)"),
]


def numbers(text):
    return [float(match) for match in NUMBER.findall(text)]


def skeleton(text):
    for pattern, replacement in KNOWN_TEXT_DIFFERENCES:
        text = pattern.sub(replacement, text)
    text = re.sub(r"\(([^()]*),\)", r"(\1)", text)    # (3,) and torch.Size([3]) alike
    return NUMBER.sub("#", text)


def run(name, engine, seed=None):
    """The stdout of program `name` under "torch" or "tinygrad_edu" (raises on a failure).

    Under tinygrad_edu the program runs exactly as a user runs it: `python -m
    tinygrad_edu.run programs/NAME.py [--seed S]`, in a fresh process."""
    if engine == "torch":
        return run_under_torch([(name, seed)])[0]
    script = os.path.join(PROGRAMS_DIR, name + ".py")
    command = [sys.executable, "-m", "tinygrad_edu.run", script] + _seed_args(seed)
    result = subprocess.run(command, capture_output=True, text=True, cwd=PROGRAMS_DIR,
                            env=dict(os.environ, PYTHONPATH=ROOT), timeout=300)
    if result.returncode != 0:
        raise RuntimeError(f"{name} under tinygrad_edu failed:\n{result.stderr[-3000:]}")
    return result.stdout


def _seed_args(seed):
    return [] if seed is None else ["--seed", str(seed)]


# Runs programs one after the other in ONE PyTorch process (each as __main__ with its own
# argv, as `python programs/NAME.py` would): importing torch costs seconds of CPU, paid once.
_TORCH_DRIVER = r"""
import contextlib, io, json, os, runpy, sys
programs, jobs = sys.argv[1], json.loads(sys.argv[2])
os.chdir(programs)
sys.path.insert(0, programs)
results = []
for script, arguments in jobs:
    sys.argv = [script] + arguments
    captured = io.StringIO()
    try:
        with contextlib.redirect_stdout(captured):
            runpy.run_path(script, run_name="__main__")
        results.append([captured.getvalue(), None])
    except BaseException as error:
        results.append([captured.getvalue(), f"{type(error).__name__}: {error}"])
sys.stdout.write(json.dumps(results))
"""


def run_under_torch(jobs):
    """The stdouts of [(name, seed), ...] under the real PyTorch (raises on a failure)."""
    environment = dict(os.environ, PYTHONPATH=ROOT)
    # PyTorch's thread pool competing for a shared 2-core machine made these runs 5× slower
    environment["OMP_NUM_THREADS"] = "1"
    payload = json.dumps([[name + ".py", _seed_args(seed)] for name, seed in jobs])
    result = subprocess.run([sys.executable, "-c", _TORCH_DRIVER, PROGRAMS_DIR, payload],
                            capture_output=True, text=True, env=environment, timeout=1200)
    if result.returncode != 0:
        raise RuntimeError(f"the PyTorch runs failed:\n{result.stderr[-3000:]}")
    outputs = []
    for (name, _), (text, error) in zip(jobs, json.loads(result.stdout)):
        if error is not None:
            raise RuntimeError(f"{name} under torch failed: {error}")
        outputs.append(text)
    return outputs


def load_spread():
    with open(SPREAD_FILE) as file:
        return json.load(file)


def compare(name, ours, theirs, spread=None):
    """Problems (empty when they agree): counts, text, and numbers outside the tolerance."""
    a, b = numbers(ours), numbers(theirs)
    if len(a) != len(b):
        return [f"{name}: {len(a)} numbers printed here, {len(b)} under PyTorch"]
    problems = []
    if PROGRAMS[name][2] and skeleton(ours) != skeleton(theirs):
        problems.append(f"{name}: the printed text differs:\n{skeleton(ours)}\n---\n{skeleton(theirs)}")
    for i, (mine, reference) in enumerate(zip(a, b)):
        slack = 1e-5 + 2e-4 * abs(reference)       # float32 round-off over a training run
        if spread is None:
            low, high = reference - slack, reference + slack
        else:
            seen_low, seen_high = spread["min"][i], spread["max"][i]
            width = seen_high - seen_low
            low, high = seen_low - width - slack, seen_high + width + slack
        if not low <= mine <= high:
            problems.append(f"{name}: number {i} is {mine!r} here, {reference!r} under PyTorch "
                            f"(allowed [{low:.6g}, {high:.6g}])")
    return problems


def measure():
    spread = {}
    for name, (_, seeds, _, _) in PROGRAMS.items():
        if seeds is None:
            continue
        runs = [numbers(text) for text in run_under_torch([(name, seed) for seed in seeds])]
        spread[name] = {"seeds": seeds, "min": [min(v) for v in zip(*runs)],
                        "max": [max(v) for v in zip(*runs)]}
        print(name, "measured over", seeds, flush=True)
    with open(SPREAD_FILE, "w") as file:
        json.dump(spread, file, indent=1)


def table():
    spread = load_spread()
    reference = dict(zip(PROGRAMS, run_under_torch([(name, None) for name in PROGRAMS])))
    print("| program | source | result |\n|---|---|---|")
    for name, (source, seeds, _, waits) in PROGRAMS.items():
        start = time.perf_counter()
        try:
            ours = run(name, "tinygrad_edu")
            problems = compare(name, ours, reference[name], spread.get(name) if seeds else None)
            result = "agrees" if not problems else "DIFFERS: " + problems[0].splitlines()[0]
        except RuntimeError as error:
            result = f"fails ({waits or error.args[0].splitlines()[-1]})"
        print(f"| {name} | {source} | {result} ({time.perf_counter() - start:.1f} s) |", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--measure", action="store_true", help="re-measure PyTorch's seed spread")
    options = parser.parse_args()
    measure() if options.measure else table()
