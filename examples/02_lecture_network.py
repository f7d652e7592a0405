"""Lesson 2: the lecture's network learns to read handwritten digits with SGD and backpropagation.

Run:  python examples/02_lecture_network.py            (--quick for a few seconds, --help)

The network is the lecture's: 784 input neurons (one per pixel of a 28×28 image, 0 = white,
1 = black), 30 sigmoid hidden neurons, 10 sigmoid output neurons (one per digit; the network's
answer is the most active one). Its weights and biases start as random numbers from N(0, 1).

It learns by stochastic gradient descent on the quadratic cost C = 1/(2n) Σₓ ‖y(x) − a(x)‖²:
each mini-batch of m = 10 training images gives the gradient of its mean cost (backpropagation
computes it), and every weight and bias takes one step against it,

    w → w − (η/m) Σₓ ∂Cₓ/∂w,    b → b − (η/m) Σₓ ∂Cₓ/∂b,    with η = 3.0.

One epoch is one pass over the training images in a new random order. After each epoch the
network is measured on the 10,000 validation images it never trains on; the test images are
used once, at the end, and compared with the lecture's baselines: random guessing (10%),
the average darkness of each digit (22.25%), an SVM (94.35%) and the best network (99.79%).
"""

import argparse
import sys

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.data import average_darkness_baseline, load_mnist
from tinygrad_edu.train import evaluate, fit, predict


def build_network(seed):
    """784-30-10 sigmoid network with the lecture's N(0, 1) weights and biases."""
    tg.manual_seed(seed)
    network = nn.Sequential(nn.Linear(784, 30), nn.Sigmoid(), nn.Linear(30, 10), nn.Sigmoid())
    return nn.init.init_lecture(network, scaled=False)


def show_one_prediction(network, images, labels):
    """Print the output layer's ten activations for one test image: the answer is the largest."""
    activations = network(tg.Tensor(images[:1])).numpy()[0]
    answer = int(np.argmax(activations))
    print(f"\nthe output layer for the first test image (a {int(labels[0])}):")
    print("  " + "  ".join(f"{digit}:{a:.2f}" for digit, a in enumerate(activations)))
    print(f"  the most active output neuron is {answer}: the network says {answer}")


def main(argv=None):
    """Run the lesson; argv as for the command line (None reads sys.argv). Returns the numbers it prints."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=5, help="epochs (the lecture runs 30)")
    parser.add_argument("--subset", type=int, default=None,
                        help="train on the first N of the 50,000 training images")
    parser.add_argument("--lr", type=float, default=3.0, help="learning rate η")
    parser.add_argument("--batch-size", type=int, default=10, help="mini-batch size m")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true",
                        help="a run of a few seconds: 3,000 training images, 2 epochs")
    args = parser.parse_args(argv)
    if args.quick:
        args.epochs, args.subset = 2, args.subset or 3000

    train = load_mnist("train", subset=args.subset)
    validation = load_mnist("validation")
    test = load_mnist("test")
    images, labels = train.tensors
    print(f"{len(train):,} training images of shape {images.shape[1:]} (pixels in [0, 1]), "
          f"labels like {labels.numpy()[:8].tolist()}")

    network = build_network(args.seed)
    print(f"network: 784-30-10, {sum(p.numel() for p in network.parameters()):,} weights and biases")
    before = evaluate(network, validation)["accuracy"]
    print(f"before training: validation accuracy {100 * before:.2f}% (random weights: about "
          f"one digit in ten)")

    steps = -(-len(train) // args.batch_size)
    print(f"training: η = {args.lr:g}, mini-batches of {args.batch_size}, {steps:,} steps per "
          f"epoch, {args.epochs} epochs")
    history = fit(network, train, nn.QuadraticCost(), optim.SGD(network.parameters(), lr=args.lr),
                  epochs=args.epochs, batch_size=args.batch_size, val_data=validation,
                  progress=False, seed=args.seed,
                  callbacks=[lambda h, m: print(
                      f"  epoch {h.epochs_run}: validation accuracy "
                      f"{100 * h.val_accuracy[-1]:.2f}% ({int(round(h.val_accuracy[-1] * 10000)):,}"
                      f" / 10,000), training cost {h.train_loss[-1]:.4f}")])

    result = evaluate(network, test)
    darkness = average_darkness_baseline()
    print(f"\ntest accuracy: {100 * result['accuracy']:.2f}% ({result['correct']:,} of 10,000 "
          f"test images), weights of epoch {history.best_epoch} (best on validation)")
    print("compared with the lecture's baselines:")
    for name, value in (("random guessing", 0.10), ("average darkness", darkness),
                        ("SVM", 0.9435), ("this network", result["accuracy"]),
                        ("best network (2013)", 0.9979)):
        print(f"  {name:<20} {100 * value:6.2f}%")

    confusion = result["confusion"]  # rows: the true digit, columns: the network's answer
    mistakes = confusion.copy()
    np.fill_diagonal(mistakes, 0)
    true, wrong = np.unravel_index(np.argmax(mistakes), mistakes.shape)
    article = "an" if wrong == 8 else "a"
    print(f"\nthe most frequent mistake: {'an' if true == 8 else 'a'} {true} read as {article} "
          f"{wrong} ({mistakes[true, wrong]} times)")
    test_images, test_labels = (t.numpy() for t in test.tensors)
    show_one_prediction(network, test_images, test_labels)
    first = predict(network, test_images[:10])
    print(f"answers for the first 10 test images: {first.tolist()} (true: {test_labels[:10].tolist()})")
    return {"before": before, "val_accuracy": history.val_accuracy,
            "test_accuracy": result["accuracy"], "average_darkness": darkness,
            "confusion": confusion, "history": history}


if __name__ == "__main__":
    main(sys.argv[1:])
