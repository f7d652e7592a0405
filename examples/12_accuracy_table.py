"""Lesson 12: the accuracy table, reproduced on the real MNIST test set.

Run:  python examples/12_accuracy_table.py              (all rows: about 10 minutes on 2 cores)
      python examples/12_accuracy_table.py --only conv   (one row)

The lecture's table of MNIST accuracies, with the rows this framework can reproduce:

  random guessing                                  10%      (computed: 1 in 10 classes)
  average darkness (the lecture's baseline)        22.25%   (computed here from the pixels)
  the lecture's network 784-30-10, quadratic cost  ~95%     (Nielsen's book, 30 epochs)
  784-100-10 sigmoid, cross-entropy, L2 λ = 5.0    ~98%     (Nielsen, chapter 3)
  784-100-10 ReLU, softmax cross-entropy, L2       ~98%     (momentum, cosine schedule)
  a small convolutional network                    ~99%     (two conv + pool layers, ReLU)
  SVM                                              94.35%   (quoted)
  the best network                                 99.79%   (quoted: an ensemble of deep nets)

Every network is chosen on the validation set (the best epoch's weights are kept) and
tested once on the 10,000 test images.
"""

import argparse
import sys
import time

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.data import average_darkness_baseline, load_mnist
from tinygrad_edu.train import evaluate, fit

ROWS = ("lecture", "l2", "l2_relu", "conv")


def lecture_network():
    """784-30-10 sigmoid, quadratic cost, SGD η = 3.0, mini-batch 10, N(0, 1) weights."""
    model = nn.Sequential(nn.Linear(784, 30), nn.Sigmoid(), nn.Linear(30, 10), nn.Sigmoid())
    nn.init.init_lecture(model, scaled=False)
    return model, nn.QuadraticCost(), optim.SGD(model.parameters(), lr=3.0), 10, 0.0


def l2_network():
    """784-100-10 sigmoid, cross-entropy cost, L2 λ = 5.0, SGD η = 0.5, N(0, 1/n_in) weights."""
    model = nn.Sequential(nn.Linear(784, 100), nn.Sigmoid(), nn.Linear(100, 10), nn.Sigmoid())
    nn.init.init_lecture(model, scaled=True)
    return model, nn.CrossEntropyCost(), optim.SGD(model.parameters(), lr=0.5), 10, 5.0


def l2_relu_network():
    """784-100-10 ReLU, softmax cross-entropy, L2 λ = 5.0 (the lecture's λ/(2n) Σ w²), SGD with
    momentum 0.9, lr 0.1 annealed to 0 over the epochs (cosine), mini-batch 64."""
    model = nn.Sequential(nn.Linear(784, 100), nn.ReLU(), nn.Linear(100, 10))
    optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    return model, nn.CrossEntropyLoss(), optimizer, 64, 5.0


class ConvNet(nn.Module):
    """conv 5×5 (20 maps) → ReLU → max-pool 2 → conv 5×5 (40 maps) → ReLU → max-pool 2 →
    100 ReLU → 10 logits (softmax cross-entropy)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 20, 5)
        self.conv2 = nn.Conv2d(20, 40, 5)
        self.pool = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(40 * 4 * 4, 100)
        self.fc2 = nn.Linear(100, 10)

    def forward(self, x):
        x = x.reshape(-1, 1, 28, 28)
        x = self.pool(self.conv1(x).relu())
        x = self.pool(self.conv2(x).relu())
        return self.fc2(self.fc1(x.flatten(1)).relu())


def conv_network():
    """ConvNet with softmax cross-entropy, Adam lr 1e-3 annealed to 0 (cosine), mini-batch 50."""
    model = ConvNet()
    return model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=1e-3), 50, 0.0


BUILDERS = {"lecture": (lecture_network, 30), "l2": (l2_network, 30),
            "l2_relu": (l2_relu_network, 20), "conv": (conv_network, 5)}
TITLES = {"lecture": "the lecture's network 784-30-10, quadratic cost",
          "l2": "784-100-10 sigmoid, cross-entropy, L2 λ = 5.0",
          "l2_relu": "784-100-10 ReLU, softmax cross-entropy, L2 λ = 5.0",
          "conv": "convolutional network (2 conv + pool layers)"}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=ROWS, action="append", help="rows to train")
    parser.add_argument("--epochs", type=int, help="override every row's number of epochs")
    parser.add_argument("--subset", type=int, help="train on the first N training images")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="2,000 images, 1 epoch per row")
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        args.subset, args.epochs = args.subset or 2000, args.epochs or 1
    train = load_mnist("train", subset=args.subset)
    validation = load_mnist("validation", subset=1000 if args.quick else None)
    test = load_mnist("test")

    results = {"random": 0.10, "average_darkness": average_darkness_baseline()}
    print(f"{'random guessing':52s} 10.00%")
    print(f"{'average darkness':52s} {results['average_darkness']:.2%}  (computed)")
    for row in args.only or ROWS:
        builder, epochs = BUILDERS[row]
        tg.manual_seed(args.seed)
        model, cost, optimizer, batch_size, l2 = builder()
        epochs = args.epochs or epochs
        scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs) \
            if row in ("l2_relu", "conv") else None
        start = time.perf_counter()
        history = fit(model, train, cost, optimizer, epochs=epochs, scheduler=scheduler,
                      batch_size=batch_size, val_data=validation, l2=l2,
                      progress=not args.no_progress, seed=args.seed)
        accuracy = evaluate(model, test)["accuracy"]
        seconds = time.perf_counter() - start
        results[row] = accuracy
        print(f"{TITLES[row]:52s} {accuracy:.2%}  (test; best validation "
              f"{history.best_val_accuracy:.2%} at epoch {history.best_epoch}; "
              f"{len(history.train_loss)} epochs in {seconds:.0f} s)")
    print(f"{'SVM':52s} 94.35%  (quoted)")
    print(f"{'best network':52s} 99.79%  (quoted)")
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
