"""Lesson 5: L2 regularization keeps the weights small and narrows the gap between training and validation accuracy.

Run:  python examples/05_l2_regularization.py          (--quick for a few seconds, --help)

The same overfitting setup as lesson 4 (1,000 training images, 784-30-10 sigmoid network,
cross-entropy cost, η = 0.5, N(0, 1) weights), trained twice: once on the cost C₀, once on the
regularized cost

    C = C₀ + λ/(2n) Σ_w w²        (n = 1,000 training images, the biases are not included).

Its gradient adds (λ/n)·w to each weight's, so every step becomes

    w → (1 − ηλ/n) w − η ∂C₀/∂w:

weight decay. Small weights make the network's output change little when an input changes a
little, so it cannot fit the noise of single training images as easily: it is pushed towards
simpler explanations that also hold for images it has not seen.

The lecture used λ = 0.1 for 400 epochs; the shrinking per step is ηλ/n, so this lesson's
shorter runs use a larger λ = 1.0 to show the same effect sooner (try --lam 0.1 --epochs 400).
"""

import argparse
import sys

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.data import load_mnist
from tinygrad_edu.train import evaluate, fit


def train_network(train, validation, lam, epochs, lr, seed):
    """Train a fresh lecture network with L2 parameter λ = lam; returns (network, history)."""
    tg.manual_seed(seed)
    network = nn.Sequential(nn.Linear(784, 30), nn.Sigmoid(), nn.Linear(30, 10), nn.Sigmoid())
    nn.init.init_lecture(network, scaled=False)
    history = fit(network, train, nn.CrossEntropyCost(), optim.SGD(network.parameters(), lr=lr),
                  epochs=epochs, val_data=validation, l2=lam, train_accuracy=True,
                  restore_best=False, progress=False, seed=seed)
    return network, history


def sum_of_squared_weights(network):
    return sum(float((layer.weight.numpy().astype(np.float64) ** 2).sum())
               for layer in network if isinstance(layer, nn.Linear))


def main(argv=None):
    """Run the lesson; argv as for the command line (None reads sys.argv). Returns the numbers it prints."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lam", type=float, default=1.0, help="λ of the L2 term")
    parser.add_argument("--train-size", type=int, default=1000, help="training images")
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--val-subset", type=int, default=10000, help="validation images")
    parser.add_argument("--lr", type=float, default=0.5, help="learning rate η")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true",
                        help="a run of a few seconds: 20 epochs, 2,000 validation images")
    args = parser.parse_args(argv)
    if args.quick:
        args.epochs, args.val_subset = 20, 2000

    train = load_mnist("train", subset=args.train_size)
    validation = load_mnist("validation", subset=args.val_subset)
    test = load_mnist("test")
    n = len(train)
    print(f"{n:,} training images, {len(validation):,} validation images, {args.epochs} epochs, "
          f"η = {args.lr:g}")
    print(f"with λ = {args.lam:g}, every step multiplies each weight by 1 − ηλ/n = "
          f"{1 - args.lr * args.lam / n:.6f} before the gradient step")
    results = {}
    for lam in (0.0, args.lam):
        network, history = train_network(train, validation, lam, args.epochs, args.lr, args.seed)
        results[lam] = {
            "history": history,
            "train_accuracy": history.train_accuracy[-1],
            "val_accuracy": history.val_accuracy[-1],
            "gap": history.train_accuracy[-1] - history.val_accuracy[-1],
            "sum_of_squared_weights": sum_of_squared_weights(network),
            "test_accuracy": evaluate(network, test)["accuracy"],
        }

    plain, regularized = results[0.0], results[args.lam]
    every = max(1, args.epochs // 10)
    print(f"\n  {'':>5}  {'without L2 (λ = 0)':^21}  {f'with L2 (λ = {args.lam:g})':^21}")
    print(f"  {'epoch':>5}  {'train acc':>10} {'val acc':>10}  {'train acc':>10} {'val acc':>10}")
    for epoch in range(1, args.epochs + 1):
        if epoch == 1 or epoch % every == 0 or epoch == args.epochs:
            i = epoch - 1
            a, b = plain["history"], regularized["history"]
            print(f"  {epoch:>5}  {100 * a.train_accuracy[i]:>9.2f}% {100 * a.val_accuracy[i]:>9.2f}%"
                  f"  {100 * b.train_accuracy[i]:>9.2f}% {100 * b.val_accuracy[i]:>9.2f}%")
    print()
    for label, result in (("without L2", plain), (f"with λ = {args.lam:g}", regularized)):
        print(f"{label:>12}: training {100 * result['train_accuracy']:.2f}%, validation "
              f"{100 * result['val_accuracy']:.2f}%, gap {100 * result['gap']:.1f} points, "
              f"Σw² = {result['sum_of_squared_weights']:,.0f}, test "
              f"{100 * result['test_accuracy']:.2f}%")
    print(f"L2 regularization shrank Σw² by a factor of "
          f"{plain['sum_of_squared_weights'] / regularized['sum_of_squared_weights']:.1f} and the "
          f"gap between training and validation accuracy from {100 * plain['gap']:.1f} to "
          f"{100 * regularized['gap']:.1f} points")
    return {"without_l2": plain, "with_l2": regularized, "lam": args.lam}


if __name__ == "__main__":
    main(sys.argv[1:])
