"""Lesson 4: overfitting on 1,000 images, seen on the validation set, and early stopping.

Run:  python examples/04_overfitting_early_stopping.py    (--quick for a few seconds, --help)

The lecture's network (784-30-10, sigmoid, cross-entropy cost, η = 0.5, mini-batches of 10)
has 23,860 weights and biases; here it trains on only the first 1,000 training images. It soon
classifies its training images almost perfectly, while its accuracy on the 10,000 validation
images it never sees stops improving, and its validation cost even rises: the network is
memorizing the peculiarities of its 1,000 images instead of learning what digits look like.
It is overfitting.

Early stopping watches the validation accuracy after each epoch, stops when it has not
improved for `patience` epochs, and keeps the weights of the best epoch. Validation data,
never test data, makes this choice: the test images stay untouched, so the test accuracy
remains an honest estimate.
"""

import argparse
import sys

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.data import load_mnist
from tinygrad_edu.train import evaluate, fit


def new_network(seed):
    tg.manual_seed(seed)
    network = nn.Sequential(nn.Linear(784, 30), nn.Sigmoid(), nn.Linear(30, 10), nn.Sigmoid())
    return nn.init.init_lecture(network, scaled=False)


def print_table(history, every):
    print(f"  {'epoch':>5}  {'train acc':>9}  {'val acc':>8}  {'train cost':>10}  {'val cost':>8}")
    for epoch in range(1, history.epochs_run + 1):
        if epoch == 1 or epoch % every == 0 or epoch == history.epochs_run:
            i = epoch - 1
            print(f"  {epoch:>5}  {100 * history.train_accuracy[i]:>8.2f}%  "
                  f"{100 * history.val_accuracy[i]:>7.2f}%  {history.train_loss[i]:>10.4f}  "
                  f"{history.val_loss[i]:>8.4f}")


def main(argv=None):
    """Run the lesson; argv as for the command line (None reads sys.argv). Returns the numbers it prints."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--train-size", type=int, default=1000, help="training images")
    parser.add_argument("--epochs", type=int, default=60, help="epochs of the long run")
    parser.add_argument("--val-subset", type=int, default=10000, help="validation images")
    parser.add_argument("--lr", type=float, default=0.5, help="learning rate η")
    parser.add_argument("--patience", type=int, default=10,
                        help="epochs without a better validation accuracy before stopping")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true",
                        help="a run of a few seconds: 30 epochs, 1,000 validation images, patience 3")
    args = parser.parse_args(argv)
    if args.quick:
        args.epochs, args.val_subset, args.patience = 30, 1000, 3

    train = load_mnist("train", subset=args.train_size)
    validation = load_mnist("validation", subset=args.val_subset)
    test = load_mnist("test")
    cost = nn.CrossEntropyCost()

    print(f"== 1. {args.epochs} epochs on {len(train):,} training images, watching "
          f"{len(validation):,} validation images ==")
    network = new_network(args.seed)
    history = fit(network, train, cost, optim.SGD(network.parameters(), lr=args.lr),
                  epochs=args.epochs, val_data=validation, train_accuracy=True,
                  restore_best=False, progress=False, seed=args.seed)
    print_table(history, every=max(1, args.epochs // 10))
    final_train, final_val = history.train_accuracy[-1], history.val_accuracy[-1]
    lowest_cost_epoch = int(np.argmin(history.val_loss)) + 1
    print(f"training accuracy {100 * final_train:.2f}%, validation accuracy "
          f"{100 * final_val:.2f}%: a gap of {100 * (final_train - final_val):.1f} points")
    print(f"the validation accuracy peaked at {100 * history.best_val_accuracy:.2f}% (epoch "
          f"{history.best_epoch}); the validation cost was lowest at epoch {lowest_cost_epoch} "
          f"({history.val_loss[lowest_cost_epoch - 1]:.4f}) and ended at "
          f"{history.val_loss[-1]:.4f}, while the training cost kept falling to "
          f"{history.train_loss[-1]:.4f}")
    overfit_test = evaluate(network, test)["accuracy"]

    print(f"\n== 2. Early stopping: the same training, stopped after {args.patience} epochs "
          f"without a better validation accuracy ==")
    network = new_network(args.seed)
    stopped = fit(network, train, cost, optim.SGD(network.parameters(), lr=args.lr),
                  epochs=args.epochs, val_data=validation, patience=args.patience,
                  restore_best=True, progress=False, seed=args.seed)
    if stopped.stopped_early:
        print(f"stopped after epoch {stopped.epochs_run} of {args.epochs}: {stopped.stop_reason}")
    else:
        print(f"the validation accuracy kept improving: all {args.epochs} epochs ran")
    kept = ("restored" if stopped.restored_best else "kept")
    print(f"the weights of epoch {stopped.best_epoch} were {kept}: validation accuracy "
          f"{100 * stopped.best_val_accuracy:.2f}%")
    early_test = evaluate(network, test)["accuracy"]
    print(f"test accuracy: {100 * early_test:.2f}% with early stopping after "
          f"{stopped.epochs_run} epochs, {100 * overfit_test:.2f}% after all {args.epochs} epochs")
    return {"history": history, "early_stopping": stopped, "final_train_accuracy": final_train,
            "final_val_accuracy": final_val, "lowest_val_cost_epoch": lowest_cost_epoch,
            "test_accuracy_overfit": overfit_test, "test_accuracy_early_stopping": early_test}


if __name__ == "__main__":
    main(sys.argv[1:])
