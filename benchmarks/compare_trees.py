"""W1 and W3 of bench_mnist.py for tinygrad_edu only, in two source trees, interleaved in fresh processes: is a change to the engine slower?

Each round starts one fresh Python process per tree (alternating which goes first), with the
tree's directory first on sys.path, and runs bench_mnist's own tinygrad_edu runner from THIS
tree's benchmarks/bench_mnist.py (so both trees run the same benchmark code). It prints the
median over rounds of W1 (seconds per epoch, 60,000 examples, batch 10) and W3 (µs per step,
batch 1), and the ratio new ÷ old. OpenBLAS variables are left as the environment sets them.

Usage:
    git worktree add /tmp/before <commit>
    .venv/bin/python benchmarks/compare_trees.py /tmp/before . --rounds 5
"""

import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

CHILD = r"""
import json, statistics, sys, time
sys.path.insert(0, {tree!r})
sys.path.insert(1, {benchmarks!r})
import tinygrad_edu
assert tinygrad_edu.__file__.startswith({tree!r}), tinygrad_edu.__file__
import bench_mnist as b
images, labels, one_hot = b.load_data({examples})
weights = b.initial_weights((784, 30, 10), 0, lecture=True)
runner = b.TinygradEdu(weights, "sigmoid", "quadratic", 3.0)
order = b.batches(len(images), 10, 0)
runner.epoch(images, one_hot, order[:100])
start = time.perf_counter(); runner.epoch(images, one_hot, order); w1 = time.perf_counter() - start
runner = b.TinygradEdu(weights, "sigmoid", "quadratic", 3.0)
order = b.batches(len(images), 1, 0)[:{steps}]
runner.epoch(images, one_hot, order[:50])
samples = []
for _ in range(3):
    start = time.perf_counter(); runner.epoch(images, one_hot, order)
    samples.append((time.perf_counter() - start) / len(order) * 1e6)
print(json.dumps({{"w1": w1, "w3": statistics.median(samples)}}))
"""


def run(tree, examples, steps):
    code = CHILD.format(tree=os.path.abspath(tree), benchmarks=HERE, examples=examples,
                        steps=steps)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", help="the source tree before the change")
    parser.add_argument("new", help="the source tree after the change")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--examples", type=int, default=60000)
    parser.add_argument("--steps", type=int, default=2000)
    args = parser.parse_args(argv)
    results = {"old": [], "new": []}
    for r in range(args.rounds):
        pair = [("old", args.old), ("new", args.new)]
        for label, tree in (pair if r % 2 == 0 else pair[::-1]):
            results[label].append(run(tree, args.examples, args.steps))
        print(f"round {r + 1}: " + ", ".join(
            f"{k} W1 {v[-1]['w1']:.3f} s W3 {v[-1]['w3']:.1f} µs" for k, v in results.items()),
            flush=True)
    print()
    for key, unit in (("w1", "s/epoch"), ("w3", "µs/step")):
        old = statistics.median(x[key] for x in results["old"])
        new = statistics.median(x[key] for x in results["new"])
        print(f"{key.upper()}: old {old:.4g} {unit}, new {new:.4g} {unit}, new ÷ old = "
              f"{new / old:.3f}  (medians of {args.rounds} interleaved fresh processes)")


if __name__ == "__main__":
    main()
