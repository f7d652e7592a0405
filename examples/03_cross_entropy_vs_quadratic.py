"""Lesson 3: the cross-entropy cost cures the learning slowdown of a saturated, badly wrong neuron.

Run:  python examples/03_cross_entropy_vs_quadratic.py      (--quick for a few seconds, --help)

With the quadratic cost C = (a − y)²/2 and a sigmoid neuron a = σ(z), z = w·x + b,

    ∂C/∂w = (a − y) σ′(z) x,        ∂C/∂b = (a − y) σ′(z).

When the neuron is saturated (z far from 0, so a ≈ 0 or 1), σ′(z) is tiny: the neuron learns
slowly exactly when it is most wrong. The cross-entropy cost
C = −[y ln a + (1 − y) ln(1 − a)] has

    ∂C/∂w = (a − y) x,              ∂C/∂b = (a − y):

the σ′(z) factor cancels, and the neuron learns fastest when it is most wrong.

1. The lecture's single neuron: input x = 1, desired output y = 0, starting at w = 2, b = 2
   (output a ≈ 0.98, badly wrong), trained by gradient descent with η = 0.15 on each cost.
2. The same effect in the lecture's MNIST network with large N(0, 1) weights, whose output
   neurons start saturated: the first epochs with the quadratic cost against the first
   epochs with the cross-entropy cost, same network, same data, same η.
"""

import argparse
import sys

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.data import load_mnist
from tinygrad_edu.train import fit

COSTS = {"quadratic": nn.QuadraticCost, "cross-entropy": nn.CrossEntropyCost}


def single_neuron(cost_name, epochs, lr=0.15, w=2.0, b=2.0, report=(0, 10, 50, 100, 200, 300)):
    """Train the one-input sigmoid neuron towards y = 0; returns the outputs a after each epoch."""
    neuron = nn.Sequential(nn.Linear(1, 1, dtype=tg.float64), nn.Sigmoid())
    neuron[0].weight.numpy()[...] = w
    neuron[0].bias.numpy()[...] = b
    x = tg.tensor([[1.0]], dtype=tg.float64)
    y = tg.tensor([[0.0]], dtype=tg.float64)
    cost = COSTS[cost_name]()
    optimizer = optim.SGD(neuron.parameters(), lr=lr)
    outputs = []
    for epoch in range(epochs + 1):
        a = neuron(x)
        loss = cost(a, y)
        outputs.append(float(a.item()))
        optimizer.zero_grad()
        loss.backward()
        if epoch in report or epoch == epochs:
            print(f"  epoch {epoch:3d}: a = {a.item():.3f}, cost {loss.item():.4f}, "
                  f"∂C/∂w = {neuron[0].weight.grad.item():.4f}, "
                  f"∂C/∂b = {neuron[0].bias.grad.item():.4f}")
        if epoch < epochs:
            optimizer.step()
    return outputs


def saturated_fraction(network, images, layer_end):
    """The fraction of σ′(z) below 0.02 (a < 0.02 or a > 0.98) in the layer ending at `layer_end`."""
    with tg.no_grad():
        z = network[:layer_end](tg.Tensor(images)).numpy().astype(np.float64)  # weighted inputs
    s = 1 / (1 + np.exp(-z))
    return float((s * (1 - s) < 0.02).mean())


def mnist_comparison(train, validation, epochs, lr, seed):
    """Train the 784-30-10 network with large N(0, 1) weights on each cost; returns the histories."""
    histories = {}
    images = train.tensors[0].numpy()[:1000]
    for name, cost in COSTS.items():
        tg.manual_seed(seed)
        network = nn.Sequential(nn.Linear(784, 30), nn.Sigmoid(), nn.Linear(30, 10), nn.Sigmoid())
        nn.init.init_lecture(network, scaled=False)
        if name == "quadratic":
            print(f"  at the start, σ′(z) < 0.02 (saturated) for "
                  f"{100 * saturated_fraction(network, images, 1):.0f}% of the hidden neurons' "
                  f"activations and {100 * saturated_fraction(network, images, 3):.0f}% of the "
                  f"output neurons'")
        histories[name] = fit(network, train, cost(), optim.SGD(network.parameters(), lr=lr),
                              epochs=epochs, batch_size=10, val_data=validation, progress=False,
                              seed=seed)
    print(f"  {'epoch':>5}   {'quadratic: val acc, cost':>26}   {'cross-entropy: val acc, cost':>30}")
    for epoch in range(epochs):
        quadratic, cross = histories["quadratic"], histories["cross-entropy"]
        print(f"  {epoch + 1:>5}   {100 * quadratic.val_accuracy[epoch]:>17.2f}%, "
              f"{quadratic.train_loss[epoch]:.3f}   {100 * cross.val_accuracy[epoch]:>21.2f}%, "
              f"{cross.train_loss[epoch]:.3f}")
    return histories


def main(argv=None):
    """Run the lesson; argv as for the command line (None reads sys.argv). Returns the numbers it prints."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--neuron-epochs", type=int, default=300,
                        help="gradient-descent steps for the single neuron")
    parser.add_argument("--epochs", type=int, default=5, help="MNIST epochs per cost")
    parser.add_argument("--subset", type=int, default=5000, help="training images")
    parser.add_argument("--val-subset", type=int, default=10000, help="validation images")
    parser.add_argument("--lr", type=float, default=0.5, help="η of the MNIST network (both costs)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true",
                        help="a run of a few seconds: 1,000 images, 2 epochs")
    args = parser.parse_args(argv)
    if args.quick:
        args.epochs, args.subset, args.val_subset = 2, 1000, 2000

    print("== 1. One sigmoid neuron, x = 1, desired y = 0, start w = 2, b = 2, η = 0.15 ==")
    neuron = {}
    for name in COSTS:
        print(f"{name} cost:")
        neuron[name] = single_neuron(name, args.neuron_epochs)
    slow = neuron["quadratic"]
    fast = neuron["cross-entropy"]
    checkpoint = min(50, args.neuron_epochs)
    print(f"after {checkpoint} epochs the output fell from {slow[0]:.3f} to {slow[checkpoint]:.3f} "
          f"with the quadratic cost, but to {fast[checkpoint]:.3f} with the cross-entropy cost:")
    print("with the quadratic cost, the gradient carries the factor σ′(z) ≈ 0.018, so the badly "
          "wrong, saturated neuron hardly moves at first.")

    print(f"\n== 2. The lecture's 784-30-10 network with N(0, 1) weights, {args.subset:,} "
          f"training images, η = {args.lr:g} ==")
    train = load_mnist("train", subset=args.subset)
    validation = load_mnist("validation", subset=args.val_subset)
    histories = mnist_comparison(train, validation, args.epochs, args.lr, args.seed)
    quadratic, cross = (histories[name].val_accuracy for name in COSTS)
    print(f"after epoch 1: {100 * quadratic[0]:.2f}% with the quadratic cost, "
          f"{100 * cross[0]:.2f}% with the cross-entropy cost")
    print("the cross-entropy cost removes σ′ from the output layer's error δᴸ = a − y; the hidden "
          "layers keep their σ′ factor (smaller initial weights, N(0, 1/n_in), fix those)")
    return {"neuron": neuron, "quadratic_val_accuracy": quadratic,
            "cross_entropy_val_accuracy": cross}


if __name__ == "__main__":
    main(sys.argv[1:])
