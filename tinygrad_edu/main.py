"""The README's main job: train the lecture's MNIST network, compare its test accuracy with the lecture's baselines, save it and draw its graph.

    python -m tinygrad_edu.main                 # 784-30-10 sigmoid network, quadratic cost,
                                                # SGD η = 3.0, mini-batches of 10, 30 epochs
    python -m tinygrad_edu.main --epochs 1 --subset 5000      # a quick look
    python -m tinygrad_edu.main --cost cross_entropy --lr 0.5 --l2 5.0 --patience 5
    python -m tinygrad_edu.main --arch conv --activation relu --epochs 3

The default network is the lecture's (and Nielsen's network.py): 784 inputs, 30 sigmoid
hidden neurons, 10 sigmoid outputs, weights and biases drawn from N(0, 1), the quadratic cost
C = 1/(2n) Σ‖y − a‖² and plain SGD with η = 3.0 on mini-batches of 10, trained on the first
50,000 training images, with the last 10,000 as the validation set; the 10,000 test images
are used once, at the end.
"""

import argparse
import json
import os
import sys
import time

import numpy as np

from .core import say

__all__ = ["main", "run", "build_model", "make_cost", "make_optimizer", "parse_args",
           "BASELINES", "DEFAULT_LR"]

BASELINES = [
    ("random guessing", 0.10, "one of ten digits by chance"),
    ("average darkness", 0.2225, "the digit whose mean ink is closest (computed here)"),
    ("SVM", 0.9435, "scikit-learn's default support vector machine"),
    ("best network", 0.9979, "the lecture's best result (Wan et al. 2013)"),
]
"""The lecture's reference points for accuracy on the 10,000 MNIST test images."""
_ROW_KEYS = ("random", "darkness", "svm", "best")  # BASELINES' rows in the catalogue: main.row.*

DEFAULT_LR = {
    ("sgd", "quadratic"): 3.0, ("sgd", "cross_entropy"): 0.5, ("sgd", "log_likelihood"): 0.5,
    "adam": 1e-3, "adamw": 1e-3, "rmsprop": 1e-3, "adagrad": 1e-2,
}
"""The learning rate used when --lr is not given: the lecture's for SGD, common ones otherwise."""

COSTS = ("quadratic", "cross_entropy", "log_likelihood")
ACTIVATIONS = ("sigmoid", "relu", "tanh")
OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop", "adagrad")


def _activation(name):
    from . import nn
    return {"sigmoid": nn.Sigmoid, "relu": nn.ReLU, "tanh": nn.Tanh}[name]()


def build_model(arch="mlp", hidden=30, activation="sigmoid", cost="quadratic"):
    """The network for `arch` (not yet initialized the lecture's way; see `run`).

    Args:
        arch: "mlp" (784-hidden-10, the lecture's) or "conv" (a small LeNet-like net:
            conv 5×5 with 20 maps, max-pool 2×2, a hidden layer, 10 outputs).
        hidden: neurons of the hidden fully connected layer.
        activation: "sigmoid", "relu" or "tanh" for the hidden layers.
        cost: picks the output layer: sigmoid for the quadratic and cross-entropy costs,
            softmax for the log-likelihood cost.

    Returns:
        An nn.Sequential.
    """
    from . import nn
    output = nn.Softmax() if cost == "log_likelihood" else nn.Sigmoid()
    if arch == "mlp":
        return nn.Sequential(nn.Linear(784, hidden), _activation(activation),
                             nn.Linear(hidden, 10), output)
    if arch == "conv":
        return nn.Sequential(nn.Conv2d(1, 20, 5), _activation(activation), nn.MaxPool2d(2),
                             nn.Flatten(), nn.Linear(20 * 12 * 12, hidden),
                             _activation(activation), nn.Linear(hidden, 10), output)
    raise ValueError(f"build_model: arch must be 'mlp' or 'conv', got {arch!r}")


def make_cost(name):
    """The lecture's cost by name: "quadratic", "cross_entropy" or "log_likelihood"."""
    from . import nn
    return {"quadratic": nn.QuadraticCost, "cross_entropy": nn.CrossEntropyCost,
            "log_likelihood": nn.LogLikelihoodCost}[name]()


def make_optimizer(name, parameters, lr, momentum=0.0):
    """An optimizer by name ("sgd", "adam", "adamw", "rmsprop", "adagrad")."""
    from . import optim
    if name == "sgd":
        return optim.SGD(parameters, lr=lr, momentum=momentum)
    classes = {"adam": optim.Adam, "adamw": optim.AdamW, "rmsprop": optim.RMSprop,
               "adagrad": optim.Adagrad}
    return classes[name](parameters, lr=lr)


def parse_args(argv=None):
    """The command-line options (see `python -m tinygrad_edu.main --help`)."""
    parser = argparse.ArgumentParser(
        prog="python -m tinygrad_edu.main",
        description="Train the lecture's MNIST network (784-30-10, sigmoid, quadratic cost, "
                    "SGD η=3.0, mini-batches of 10), report its test accuracy beside the "
                    "lecture's baselines, save it and draw its graph.")
    parser.add_argument("--epochs", type=int, default=30,
                        help="passes over the 50,000 training images (default 30, the lecture's)")
    parser.add_argument("--hidden", type=int, default=30, help="hidden neurons (default 30)")
    parser.add_argument("--cost", choices=COSTS, default="quadratic",
                        help="the cost function; log_likelihood puts a softmax on the outputs")
    parser.add_argument("--activation", choices=ACTIVATIONS, default="sigmoid",
                        help="the hidden layers' activation")
    parser.add_argument("--optimizer", choices=OPTIMIZERS, default="sgd")
    parser.add_argument("--lr", type=float, default=None,
                        help="learning rate η (default: 3.0 for SGD with the quadratic cost, "
                             "0.5 for SGD with the other costs, 1e-3 for Adam)")
    parser.add_argument("--momentum", type=float, default=0.0, help="SGD momentum (default 0)")
    parser.add_argument("--batch-size", type=int, default=10, help="mini-batch size m")
    parser.add_argument("--l2", type=float, default=0.0,
                        help="λ of the L2 regularization λ/(2n) Σ w² (default 0)")
    parser.add_argument("--patience", type=int, default=None,
                        help="stop after this many epochs without a better validation accuracy")
    parser.add_argument("--arch", choices=("mlp", "conv"), default="mlp")
    parser.add_argument("--init", choices=("large", "scaled", "pytorch"), default=None,
                        help="weights N(0,1) ('large', the lecture's first network, default for "
                             "the sigmoid mlp), N(0,1/n_in) ('scaled', default otherwise), or "
                             "PyTorch's uniform default")
    parser.add_argument("--subset", type=int, default=None,
                        help="train on only the first N training images (quick runs)")
    parser.add_argument("--eval-subset", type=int, default=None,
                        help="validate and test on only the first N images (quick runs)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the weights and shuffling")
    parser.add_argument("--out", default="runs", help="folder for the checkpoint and the graph")
    parser.add_argument("--name", default="lecture_network", help="file name stem of the outputs")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--no-graph", action="store_true", help="do not draw the graph")
    args = parser.parse_args(argv)
    for name in ("epochs", "hidden", "batch_size"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.lr is None:
        key = (args.optimizer, args.cost) if args.optimizer == "sgd" else args.optimizer
        args.lr = DEFAULT_LR[key]
    if args.init is None:
        args.init = "large" if args.arch == "mlp" and args.activation == "sigmoid" else "scaled"
    return args


def _percent(value):
    return f"{100 * value:6.2f}%"


def run(argv=None):
    """Run the main job with command-line arguments `argv`; returns a dict of the results.

    Returns:
        {"config": the options as a dict, "history": the fit History, "test_accuracy",
        "average_darkness", "checkpoint": path, "graph": path or None, "seconds": total}.
    """
    args = parse_args(argv)
    started = time.perf_counter()
    train, validation, test = _load_data(args)
    model, cost, optimizer = _build_network(args)
    history = _train(args, model, cost, optimizer, train, validation)
    result, darkness = _test(args, model, test, history)
    checkpoint, config = _save(args, model, result["accuracy"], history)
    graph = None if args.no_graph else _draw_graph(args, model, cost, train)
    seconds = time.perf_counter() - started
    print(say("main.done", seconds=f"{seconds:.0f}"))
    return {"config": json.loads(json.dumps(config)), "history": history,
            "test_accuracy": result["accuracy"], "test": result, "average_darkness": darkness,
            "checkpoint": checkpoint, "graph": graph, "seconds": seconds}


def _load_data(args):
    """The training, validation and test sets (flat rows for the mlp, images for conv)."""
    from .data import load_mnist
    flatten = args.arch == "mlp"
    train = load_mnist("train", flatten=flatten, subset=args.subset)
    validation = load_mnist("validation", flatten=flatten, subset=args.eval_subset)
    test = load_mnist("test", flatten=flatten, subset=args.eval_subset)
    print(say("main.data", train=f"{len(train):,}", validation=f"{len(validation):,}",
              test=f"{len(test):,}"))
    return train, validation, test


def _build_network(args):
    """The seeded network (initialized the lecture's way unless --init pytorch), its cost and
    its optimizer, described on the screen."""
    import tinygrad_edu as tg
    from . import nn
    tg.manual_seed(args.seed)
    model = build_model(args.arch, args.hidden, args.activation, args.cost)
    if args.init != "pytorch":
        nn.init.init_lecture(model, scaled=args.init == "scaled")
    cost = make_cost(args.cost)
    optimizer = make_optimizer(args.optimizer, model.parameters(), args.lr, args.momentum)
    print(say("main.network", model=model).replace("\n", "\n  "))
    print(say("main.setup", cost=args.cost, optimizer=args.optimizer, lr=f"{args.lr:g}",
              batch=args.batch_size, l2=f"{args.l2:g}", init=args.init,
              epochs=say("main.epochs_one") if args.epochs == 1 else
              say("main.epochs_many", n=args.epochs))
          + (say("main.patience", n=args.patience) if args.patience else ""))
    return model, cost, optimizer


def _train(args, model, cost, optimizer, train, validation):
    """fit with the options, then the best epoch and the time; a diverged run exits with 1."""
    from .train import TrainingDiverged, fit
    callbacks = [_print_epoch] if args.no_progress else []
    try:
        history = fit(model, train, cost, optimizer, epochs=args.epochs,
                      batch_size=args.batch_size, val_data=validation, patience=args.patience,
                      l2=args.l2, progress=not args.no_progress, seed=args.seed,
                      callbacks=callbacks)
    except TrainingDiverged as error:
        print(f"\n{error}", file=sys.stderr)
        raise SystemExit(1) from None
    print()
    print(say("main.best", accuracy=_percent(history.best_val_accuracy).strip(),
              epoch=history.best_epoch, epochs=history.epochs_run)
          + (say("table.restored") if history.restored_best else ""))
    per_epoch = float(np.median(history.seconds))
    print(say("main.time", total=f"{sum(history.seconds):.1f}", per_epoch=f"{per_epoch:.2f}"))
    return history


def _print_epoch(history, model):
    """fit's callback without a progress bar: one line per epoch (returns None: never stops)."""
    epoch = history.epochs_run
    print(say("main.epoch", epoch=f"{epoch:3d}", cost=f"{history.train_loss[-1]:.5f}",
              accuracy=_percent(history.val_accuracy[-1]).strip(),
              seconds=f"{history.seconds[-1]:.1f}"), flush=True)


def _test(args, model, test, history):
    """The test accuracy, printed beside the lecture's baselines; returns evaluate's result and
    the average-darkness baseline's accuracy."""
    from .data import average_darkness_baseline
    from .train import evaluate
    result = evaluate(model, test)
    darkness = average_darkness_baseline()
    test_accuracy = result["accuracy"]
    print("\n" + say("main.test", accuracy=_percent(test_accuracy).strip(),
                     correct=f"{result['correct']:,}", n=f"{result['n']:,}"))
    print(say("main.baselines"))
    # each row's name and note in the learner's language (main.row.<key>.*), BASELINES' values
    rows = [(key, darkness if key == "darkness" else value, {})
            for key, (_, value, _) in zip(_ROW_KEYS, BASELINES)]
    shape = f"784-{args.hidden}-10" if args.arch == "mlp" else f"conv-{args.hidden}-10"
    rows.insert(3, ("this", test_accuracy,
                    {"shape": shape, "epoch": history.best_epoch, "epochs": history.epochs_run}))
    for key, value, values in rows:
        marker = "  <--" if key == "this" else ""
        print(f"  {say(f'main.row.{key}.name'):<18} {_percent(value)}   "
              f"{say(f'main.row.{key}.note', **values)}{marker}")
    return result, darkness


def _save(args, model, test_accuracy, history):
    """Save the weights, with the options and results as metadata; returns the path and the
    options as a dict."""
    import tinygrad_edu as tg
    os.makedirs(args.out, exist_ok=True)
    checkpoint = os.path.join(args.out, f"{args.name}.npz")
    config = {key: value for key, value in vars(args).items()}
    tg.save(model, checkpoint, metadata={
        "config": config, "test_accuracy": test_accuracy, "best_epoch": history.best_epoch,
        "val_accuracy": history.val_accuracy})
    print("\n" + say("main.saved", path=checkpoint, quoted=repr(checkpoint)))
    return checkpoint, config


def _draw_graph(args, model, cost, train):
    """Draw the graph of the cost of ten training images; returns the path written (.svg, or
    .dot text when graphviz is missing, with how to install it)."""
    from .core import Tensor
    from .lens import viz
    images, labels = (t.numpy()[:10] for t in train.tensors)
    loss = cost(model(Tensor(images, name="x (10 images)")), Tensor(labels, name="y (labels)"))
    path_stem = os.path.join(args.out, f"{args.name}_graph")
    try:
        graph = viz.draw(loss, path_stem + ".svg", params=model,
                         title="the cost of one mini-batch of the lecture's network")
    except viz.GraphvizNotFound:
        graph = path_stem + ".dot"
        print(say("main.no_dot", path=graph, svg=graph[:-4] + ".svg"))
    else:
        print(say("main.drew", path=graph))
    return graph


def main(argv=None):
    """Command-line entry point (`python -m tinygrad_edu.main`, `tinygrad-edu-train`); returns 0."""
    run(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
