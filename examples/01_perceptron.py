"""Lesson 1: the perceptron learning rule, step by step on AND, and why XOR needs a hidden layer.

Run:  python examples/01_perceptron.py            (add --help for the options)

1. The lecture's AND example: start with w = (0.9, 0.9), b = −0.5 (kept fixed), rate r = 0.5,
   and apply w ← w + r (d − y) x after every example; every number is printed.
2. AND, OR and NAND from zero weights (learning the bias too): the rule converges.
3. XOR: no line separates (0,1) and (1,0) from (0,0) and (1,1), so the perceptron makes
   mistakes in every epoch, however long it runs.
4. A two-layer sigmoid network (nn.Sequential, optim.SGD), trained by gradient descent with
   tinygrad_edu's autograd, learns XOR: the hidden layer re-maps the four points so that
   the output unit's line can separate them.
"""

import argparse
import sys

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.perceptron import Perceptron, truth_table


def number(value):
    """A short decimal for printing: 0.4 rather than 0.4000000000000001, −0.5 with a real minus, never −0."""
    return f"{round(float(value), 10) + 0.0:g}".replace("-", "−")


def vector(values):
    return "(" + ", ".join(number(v) for v in values) + ")"


def weighted_sum_text(perceptron, x):
    terms = " + ".join(f"{number(w)}·{number(xi)}" for w, xi in zip(perceptron.weights, x))
    sign = "−" if perceptron.bias < 0 else "+"
    return f"x·w + b = {terms} {sign} {number(abs(perceptron.bias))} = {number(perceptron.weighted_sum(x))}"


def lecture_and_example(max_epochs=10):
    """The lecture's AND example with every application of the rule printed; returns the perceptron."""
    print("== 1. The perceptron rule on AND (the lecture's example) ==")
    print("y = 1 if x·w + b > 0 else 0;   after each example: w ← w + r (d − y) x")
    perceptron = Perceptron(2, lr=0.5, weights=[0.9, 0.9], bias=-0.5, learn_bias=False)
    print(f"start: w = {vector(perceptron.weights)}, b = {number(perceptron.bias)} (fixed), r = {number(perceptron.lr)}")
    X, d = truth_table("AND")
    for epoch in range(1, max_epochs + 1):
        print(f"epoch {epoch}:")
        mistakes = 0
        for x, target in zip(X, d):
            z, y = perceptron.weighted_sum(x), perceptron.predict(x)
            verdict = "right" if y == target else "MISTAKE"
            print(f"  x = {vector(x)}: {weighted_sum_text(perceptron, x)} {'>' if z > 0 else '≤'} 0 "
                  f"→ y = {y}, want d = {target}: {verdict}")
            if y != target:
                mistakes += 1
                before = perceptron.weights.copy()
                perceptron.update(x, int(target))
                print(f"    w ← w + r (d − y) x = {vector(before)} + {number(perceptron.lr)}·({target} − {y})·"
                      f"{vector(x)} = {vector(perceptron.weights)}")
        if mistakes == 0:
            print(f"no mistakes in epoch {epoch}: converged with w = {vector(perceptron.weights)}, "
                  f"b = {number(perceptron.bias)}")
            break
    return perceptron


def logic_gates(max_epochs):
    """AND, OR, NAND from zero weights with a learned bias; returns {gate: converged}."""
    print("\n== 2. AND, OR, NAND from w = (0, 0), b = 0, r = 0.1, learning the bias too ==")
    converged = {}
    for gate in ("AND", "OR", "NAND"):
        X, d = truth_table(gate)
        perceptron = Perceptron(2, lr=0.1)
        history = perceptron.fit(X, d, max_epochs=max_epochs)
        converged[gate] = history[-1].errors == 0
        errors = ", ".join(str(record.errors) for record in history)
        print(f"{gate:>4}: mistakes per epoch [{errors}] → w = {vector(perceptron.weights)}, "
              f"b = {number(perceptron.bias)}, outputs {perceptron.predict(X).tolist()} (want {d.tolist()})")
    return converged


def xor_perceptron(max_epochs):
    """The perceptron on XOR: it never gets through an epoch without a mistake; returns the history."""
    print(f"\n== 3. XOR with one perceptron ({max_epochs} epochs) ==")
    X, d = truth_table("XOR")
    perceptron = Perceptron(2, lr=0.1)
    history = perceptron.fit(X, d, max_epochs=max_epochs)
    errors = [record.errors for record in history]
    shown = [str(e) for e in errors]
    if len(shown) > 12:
        shown = shown[:10] + ["..."] + shown[-2:]
    print(f"mistakes per epoch: [{', '.join(shown)}]")
    if all(e > 0 for e in errors):
        print(f"never converged: mistakes in every one of {len(errors)} epochs. No line w·x + b = 0 puts "
              "(0,1), (1,0) on one side and (0,0), (1,1) on the other: XOR is not linearly separable.")
    return history


def xor_network(steps, lr, seed):
    """A 2-4-1 sigmoid network trained on XOR by gradient descent; returns its final outputs."""
    print(f"\n== 4. XOR with a two-layer sigmoid network 2-4-1 ({steps} steps of gradient descent, "
          f"rate {number(lr)}) ==")
    tg.manual_seed(seed)
    X, d = truth_table("XOR")
    inputs = tg.tensor(X.astype(np.float32))
    targets = tg.tensor(d.reshape(4, 1).astype(np.float32))
    network = nn.Sequential(nn.Linear(2, 4), nn.Sigmoid(), nn.Linear(4, 1), nn.Sigmoid())
    optimizer = optim.SGD(network.parameters(), lr=lr)
    for step in range(1, steps + 1):
        outputs = network(inputs)
        loss = ((outputs - targets) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()  # backpropagation: the gradient of the error for every weight
        optimizer.step()  # w ← w − η ∂C/∂w: a small step downhill, not the perceptron's jump
        if step == 1 or step % max(1, steps // 5) == 0 or step == steps:
            print(f"  step {step:5d}: mean squared error {loss.item():.4f}")
    outputs = outputs.numpy().ravel()
    for x, target, out in zip(X, d, outputs):
        print(f"  x = {vector(x)}: network says {out:.3f} → {int(out > 0.5)}, want {target}")
    right = int(((outputs > 0.5).astype(int) == d).sum())
    print(f"the network gets {right} of 4 right: a hidden layer makes XOR learnable")
    return outputs


def main(argv=None):
    """Run the lesson; argv as for the command line (None reads sys.argv)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--max-epochs", type=int, default=30, help="epochs for the perceptrons (XOR never stops early)")
    parser.add_argument("--steps", type=int, default=2000, help="gradient-descent steps for the XOR network")
    parser.add_argument("--lr", type=float, default=2.0, help="learning rate of the XOR network")
    parser.add_argument("--seed", type=int, default=0, help="seed of the XOR network's initial weights")
    parser.add_argument("--quick", action="store_true",
                        help="the test suite's small run (this lesson is already quick: same output)")
    args = parser.parse_args(argv)
    perceptron = lecture_and_example()
    converged = logic_gates(args.max_epochs)
    history = xor_perceptron(args.max_epochs)
    outputs = xor_network(args.steps, args.lr, args.seed)
    return {"and_weights": perceptron.weights, "gates_converged": converged,
            "xor_perceptron_errors": [r.errors for r in history], "xor_network_outputs": outputs}


if __name__ == "__main__":
    main(sys.argv[1:])
