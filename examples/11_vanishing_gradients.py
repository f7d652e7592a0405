"""Lesson 11: the vanishing gradient problem: in a deep sigmoid network the early layers learn much more slowly than the late ones.

Run:  python examples/11_vanishing_gradients.py          (--quick for a short run, --help)

Nielsen (ch. 5) measures how fast layer l learns by ‖δˡ‖ = ‖∂C/∂bˡ‖. BP2 says
δˡ = ((wˡ⁺¹)ᵀδˡ⁺¹) ⊙ σ′(zˡ): every layer on the way back multiplies the error by weights of
size about 1 and by σ′(z) ≤ ¼, so the gradient shrinks layer after layer. We build sigmoid
networks of 1 to 4 hidden layers of 30 neurons (the lecture's initialization: weights
N(0, 1/n_in), biases N(0, 1)), train them on a subset of MNIST with the cross-entropy cost
and plain SGD, and record ‖∂C/∂bˡ‖ of every layer at every mini-batch
(tg.plots.GradientFlowRecorder). The deepest network's first hidden layer learns tens of
times more slowly than its last one. The plot (runs/gradient_flow.png, needs matplotlib)
shows the norms over training, one line per layer.
"""

import argparse
import os

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.data import DataLoader, load_mnist
from tinygrad_edu.lens.plots import GradientFlowRecorder


def sigmoid_network(hidden_layers, width=30):
    """784 → width → … → width → 10, sigmoid everywhere, the lecture's initialization."""
    sizes = [784] + [width] * hidden_layers + [10]
    modules = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        modules += [nn.Linear(fan_in, fan_out), nn.Sigmoid()]
    return nn.init.init_lecture(nn.Sequential(*modules))


def train_and_record(model, data, epochs, batch_size, lr, seed):
    """Plain SGD on the cross-entropy cost; ‖∂C/∂bˡ‖ of every layer after every backward()."""
    recorder = GradientFlowRecorder(model, quantity="bias")
    optimizer = optim.SGD(model.parameters(), lr=lr)
    cost = nn.CrossEntropyCost()
    loader = DataLoader(data, batch_size=batch_size, shuffle=True, seed=seed)
    for _ in range(epochs):
        for images, targets in loader:
            loss = cost(model(images), targets)
            optimizer.zero_grad()
            loss.backward()
            recorder.record()
            optimizer.step()
    return recorder


def accuracy(model, data):
    images, targets = data.tensors          # one-hot rows y(x): the digit is the argmax
    with tg.no_grad():
        predictions = model(images).numpy().argmax(axis=1)
    return float((predictions == targets.numpy().argmax(axis=1)).mean())


def main(argv=None):
    """Run the lesson; argv as for the command line (None reads sys.argv)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a small subset and one epoch")
    parser.add_argument("--subset", type=int, default=5000, help="training images")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--lr", type=float, default=0.1, help="η (Nielsen uses 0.1)")
    parser.add_argument("--batch-size", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="runs", help="folder for the plot")
    args = parser.parse_args(argv)
    if args.quick:
        args.subset, args.epochs = min(args.subset, 300), 1

    data = load_mnist("train", one_hot=True, subset=args.subset)
    depths = [1, 2, 3, 4]
    print(f"sigmoid networks 784-[30 × k]-10 on {args.subset} MNIST images, cross-entropy, SGD "
          f"η = {args.lr}, mini-batches of {args.batch_size}, {args.epochs} epoch(s)")
    print("‖∂C/∂bˡ‖ per layer (input side first), at the first mini-batch and averaged over "
          "training:\n")
    results = {}
    for depth in depths:
        tg.manual_seed(args.seed)
        model = sigmoid_network(depth)
        recorder = train_and_record(model, data, args.epochs, args.batch_size, args.lr, args.seed)
        first = recorder.norms[0]
        mean = recorder.norms.mean(axis=0)
        results[depth] = (recorder, model)
        hidden = "  ".join(f"{v:.4f}" for v in mean[:-1])
        print(f"{depth} hidden layer(s): first step  " + "  ".join(f"{v:.4f}" for v in first[:-1])
              + f"   | output layer {first[-1]:.4f}")
        print(f"{' ' * 19}mean        {hidden}   | output layer {mean[-1]:.4f}")
        if depth > 1:
            print(f"{' ' * 19}the first hidden layer learns {mean[-2] / mean[0]:.1f}× more slowly "
                  f"than the last hidden layer")
        print(f"{' ' * 19}training accuracy {accuracy(model, data):.3f}")

    recorder, model = results[depths[-1]]
    print("\nthe deepest network in detail:")
    print(recorder.summary())
    try:
        path = recorder.plot(os.path.join(args.out, "gradient_flow.png"),
                             title="784-30-30-30-30-10 sigmoid network: ‖∂C/∂bˡ‖ per layer")
        print(f"plot: {path}")
    except ImportError as error:
        print(f"(no plot: {error})")
    return results


if __name__ == "__main__":
    main()
