"""Lesson 6: a small convolutional network: local receptive fields, shared weights and pooling.

Run:  python examples/06_conv_net.py                   (--quick for a few seconds, --help)

A dense layer connects every pixel to every hidden neuron, and forgets that the pixels form
an image. A convolutional layer instead slides small 5×5 filters over the image: each output
neuron looks at one 5×5 patch (its local receptive field), and all the neurons of one feature
map share the same 25 weights and bias, so a map detects the same feature (an edge, a stroke)
wherever it appears. Max-pooling then keeps the strongest response of each 2×2 block.

    image (1, 28, 28) -> Conv2d 8 filters 5×5 -> (8, 24, 24) -> ReLU -> MaxPool 2×2
          -> (8, 12, 12) -> Flatten (1152) -> Linear -> 10 scores -> softmax + log-likelihood

The convolution is computed as im2col (Unfold: every patch becomes a row) followed by one
matrix product, so its gradient comes from rules that are already in the rulebook.
The lesson trains this network and the lecture's dense 784-30-10 network on the same images
with the same optimizer, and compares their accuracy and number of parameters.
"""

import argparse
import sys

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.data import load_mnist
from tinygrad_edu.train import evaluate, fit


def conv_net(maps=8):
    return nn.Sequential(nn.Conv2d(1, maps, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(maps * 12 * 12, 10))


def dense_net(hidden=30):
    return nn.Sequential(nn.Flatten(), nn.Linear(784, hidden), nn.ReLU(), nn.Linear(hidden, 10))


def count_parameters(network):
    return sum(p.numel() for p in network.parameters())


def show_shapes(network, images):
    """Print the shape of a batch after each layer."""
    x = tg.Tensor(images)
    print(f"  input                         {x.shape}")
    with tg.no_grad():
        for layer in network:
            x = layer(x)
            print(f"  after {type(layer).__name__:<22}  {x.shape}")


def show_filter(network):
    """Print the first learned 5×5 filter: the 25 weights every neuron of feature map 0 shares."""
    weights = network[0].weight.numpy()[0, 0]
    print("  the 25 shared weights of feature map 0 (rows of the 5×5 filter):")
    for row in weights:
        print("   " + " ".join(f"{w:+.2f}" for w in row))


def main(argv=None):
    """Run the lesson; argv as for the command line (None reads sys.argv). Returns the numbers it prints."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subset", type=int, default=10000, help="training images")
    parser.add_argument("--val-subset", type=int, default=10000, help="validation images")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--maps", type=int, default=8, help="feature maps (filters)")
    parser.add_argument("--lr", type=float, default=0.05, help="learning rate η")
    parser.add_argument("--momentum", type=float, default=0.9, help="SGD momentum")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true",
                        help="a run of a few seconds: 1,000 images, 1 epoch")
    args = parser.parse_args(argv)
    if args.quick:
        args.subset, args.val_subset, args.epochs = 1000, 1000, 1

    # Images as (N, 1, 28, 28): a convolution needs to know which pixels are neighbours.
    train = load_mnist("train", flatten=False, subset=args.subset)
    validation = load_mnist("validation", flatten=False, subset=args.val_subset)
    test = load_mnist("test", flatten=False)
    results = {}
    for name, build in (("conv", lambda: conv_net(args.maps)), ("dense", dense_net)):
        tg.manual_seed(args.seed)
        network = build()
        if name == "conv":
            print("the convolutional network, layer by layer, on a batch of 10 images:")
            show_shapes(network, train.tensors[0].numpy()[:10])
            conv_parameters = count_parameters(network[0])
            print(f"  the convolution has {conv_parameters} parameters ({args.maps} filters × 25 "
                  f"weights + {args.maps} biases); a dense layer from 784 pixels to "
                  f"{args.maps}×24×24 neurons would need {784 * args.maps * 576 + args.maps * 576:,}")
        optimizer = optim.SGD(network.parameters(), lr=args.lr, momentum=args.momentum)
        print(f"\ntraining the {name} network ({count_parameters(network):,} parameters) on "
              f"{len(train):,} images, {args.epochs} epoch(s), η = {args.lr:g}, momentum "
              f"{args.momentum:g}, mini-batches of {args.batch_size}:")
        history = fit(network, train, nn.CrossEntropyLoss(), optimizer, epochs=args.epochs,
                      batch_size=args.batch_size, val_data=validation, progress=False,
                      seed=args.seed,
                      callbacks=[lambda h, m: print(
                          f"  epoch {h.epochs_run}: validation accuracy "
                          f"{100 * h.val_accuracy[-1]:.2f}% ({h.seconds[-1]:.1f} s)")])
        result = evaluate(network, test)
        print(f"  test accuracy {100 * result['accuracy']:.2f}%")
        if name == "conv":
            show_filter(network)
        results[name] = {"parameters": count_parameters(network),
                         "val_accuracy": history.val_accuracy,
                         "test_accuracy": result["accuracy"],
                         "seconds_per_epoch": float(np.median(history.seconds))}
    conv, dense = results["conv"], results["dense"]
    print(f"\nconv net: {100 * conv['test_accuracy']:.2f}% with {conv['parameters']:,} parameters; "
          f"dense net: {100 * dense['test_accuracy']:.2f}% with {dense['parameters']:,} parameters")
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
