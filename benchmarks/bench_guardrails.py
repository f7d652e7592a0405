"""What the learner warnings cost: a fixed number of W1 or W3 steps (benchmarks/bench_mnist.py), for instruction counts.

Run it under valgrind's callgrind twice with two step counts; the difference of the two totals,
divided by the difference of the steps, is the cost of one step without the start-up (imports,
data), and it repeats to a few parts in a million on a loaded machine, unlike wall time:

    valgrind --tool=callgrind --callgrind-out-file=/tmp/a.cg python benchmarks/bench_guardrails.py W1 100 on
    valgrind --tool=callgrind --callgrind-out-file=/tmp/b.cg python benchmarks/bench_guardrails.py W1 300 on
    (and the same with off; "main" for a tree without tg.guardrails)

W1 is the lecture's 784-30-10 sigmoid network, quadratic cost, SGD η = 3.0, mini-batches of 10;
W3 the same with mini-batches of 1. The inputs are seeded random values of MNIST's shape (the
instruction count does not depend on them), so no data file is read.
"""

import sys

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn, optim


def main(argv):
    workload, steps, mode = argv[0], int(argv[1]), argv[2]
    if mode != "main":
        tg.guardrails("warn" if mode == "on" else mode)
    batch = {"W1": 10, "W3": 1}[workload]
    generator = np.random.default_rng(0)
    images = generator.random((steps * batch, 784), dtype=np.float32)
    targets = np.eye(10, dtype=np.float32)[generator.integers(0, 10, steps * batch)]
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 30), nn.Sigmoid(), nn.Linear(30, 10), nn.Sigmoid())
    loss_fn, optimizer = nn.QuadraticCost(), optim.SGD(model.parameters(), lr=3.0)
    for step in range(steps):
        rows = slice(step * batch, (step + 1) * batch)
        loss = loss_fn(model(tg.Tensor(images[rows])), tg.Tensor(targets[rows]))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    print(workload, steps, mode, float(loss.item()))


if __name__ == "__main__":
    main(sys.argv[1:])
