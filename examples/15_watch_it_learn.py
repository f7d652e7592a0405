"""Lesson 15: watch it learn: a live page of your own network while it trains (the lecture's MNIST network, then a 2-D toy whose decision boundary forms as you watch), and one whole training step, op by op.

Run:  python examples/15_watch_it_learn.py            (--quick for a short run, --help)

Open the address it prints (http://127.0.0.1:<port>/) in a browser while it trains. The page
shows the cost and accuracy curves (training and validation), per layer the histograms of
the activations and of their gradients ∂C/∂a, the fraction of saturated sigmoid units, the
update-to-weight ratio ‖Δw‖/‖w‖ of every parameter, the 30 hidden units' weights as 28×28
images (watch strokes of digits appear), the graph of one example's cost with its values and
gradients δ, and for the toy the decision boundary over the data. Pause, take one step at a
time, change η, or nudge one weight by Δw and compare the measured ΔC with ∂C/∂w·Δw: the
lecture's linearization ΔC ≈ ∇C·Δw, on your own model.

Everything is `fit(..., live=True)` (or `tg.live.watch(model, ...)` for a hand-written loop).
When a run ends its server stops and a static copy of the page is written (runs/15_*.html),
and so is the whole training step of one example as a stepper (runs/15_training_step.html):
forward op by op with values, the cost, backward op by op, then w → w − η ∂C/∂w for every
parameter with the numbers.
"""

import argparse
import base64
import os
import time
import webbrowser

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn, optim, viz
from tinygrad_edu.data import load_mnist
from tinygrad_edu.live.probes import decision_boundary
from tinygrad_edu.train import evaluate, fit

TOYS = {"moons": (tg.data.make_moons, dict(noise=0.15)),
        "circles": (tg.data.make_circles, dict(noise=0.1, factor=0.5)),
        "spiral": (tg.data.make_spiral, dict(noise=0.2)),
        "xor": (tg.data.make_xor, dict(noise=0.15))}


def live_options(args, name, title):
    """watch()'s options for one run: the static copy's path, and the page's title."""
    return {"path": os.path.join(args.out, f"15_{name}.html"), "title": title,
            "port": args.port if name == "mnist" else 0}


def opened(watch_url, args):
    if args.open:
        webbrowser.open(watch_url)
    if args.wait:
        print(f"waiting {args.wait} s: open the page now")
        time.sleep(args.wait)


def mnist_run(args):
    """The lecture's network, 784-30-10 sigmoid, quadratic cost, SGD η = 3, mini-batches of 10."""
    train = load_mnist("train", one_hot=True, subset=args.subset)
    validation = load_mnist("validation", one_hot=True, subset=args.subset // 5)
    tg.manual_seed(args.seed)
    model = nn.Sequential(nn.Linear(784, 30), nn.Sigmoid(), nn.Linear(30, 10), nn.Sigmoid())
    optimizer = optim.SGD(model.parameters(), lr=3.0)
    cost = nn.QuadraticCost()
    watch = tg.live.watch(model, data=train, val_data=validation, loss_fn=cost,
                          optimizer=optimizer,
                          **live_options(args, "mnist", "The lecture's network learns MNIST"))
    opened(watch.url, args)
    history = fit(model, train, cost, optimizer, epochs=args.epochs, batch_size=10,
                  val_data=validation, progress=False, seed=args.seed, live=watch)
    path = watch.close()
    state = watch.state()
    images = state["latest"]["weights"]
    print(f"MNIST, {len(train)} images, {args.epochs} epoch(s): validation accuracy "
          + ", ".join(f"{100 * a:.2f}%" for a in history.val_accuracy))
    print(f"  the page got {len(state['series']['loss'])} updates over {watch.steps} steps; "
          f"hidden units' weights shown as {images['count']} images of {images['side']}×"
          f"{images['side']}; saturated hidden sigmoid units at the end: "
          f"{100 * state['latest']['layers'][1]['saturated']:.1f}%")
    print(f"  the finished run's page: {path}")
    return {"val_accuracy": history.val_accuracy, "page": path, "updates":
            len(state["series"]["loss"]), "steps": watch.steps}


def boundary_classes(boundary):
    """The class the network picks at each cell of the page's picture (tg.live.probes)."""
    return np.frombuffer(base64.b64decode(boundary["classes"]), np.uint8)


def toy_run(args):
    """A 2-16-16-C tanh network on a 2-D toy: the boundary bends around the data as it learns."""
    make, options = TOYS[args.toy]
    data = make(args.points, seed=args.seed, **options)
    tg.manual_seed(args.seed)
    classes = int(data.arrays[1].max()) + 1
    model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(),
                          nn.Linear(16, classes))
    optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    cost = nn.CrossEntropyLoss()
    before = evaluate(model, data)["accuracy"]
    watch = tg.live.watch(model, data=data, loss_fn=cost, optimizer=optimizer, every=0.2,
                          **live_options(args, args.toy, f"A decision boundary forms: {args.toy}"))
    first = boundary_classes(decision_boundary(model, watch.state()["run"]["box"]))
    fit(model, data, cost, optimizer, epochs=args.toy_epochs, batch_size=10, progress=False,
        seed=args.seed, live=watch)
    path = watch.close()
    after = evaluate(model, data)["accuracy"]
    state = watch.state()
    changed = float(np.mean(first != boundary_classes(state["latest"]["boundary"])))
    print(f"{args.toy}, {args.points} points: accuracy {100 * before:.1f}% before, "
          f"{100 * after:.1f}% after {args.toy_epochs} epochs")
    print(f"  {100 * changed:.1f}% of the picture changed class between the untrained network's "
          f"boundary and the last one the page showed")
    print(f"  the finished run's page: {path}")
    return {"before": before, "after": after, "page": path, "changed": changed,
            "model": model, "data": data, "optimizer": optimizer, "cost": cost}


def training_step_page(toy, args):
    """The whole training step of one toy example, as a stepper page."""
    points, labels = toy["data"].arrays
    cost = toy["cost"](toy["model"](tg.tensor(points[:1], name="x")), tg.tensor(labels[:1]))
    cost.name = "C"
    path = viz.html(cost, os.path.join(args.out, "15_training_step.html"), params=toy["model"],
                    optimizer=toy["optimizer"], title="One training step of the toy network")
    print(f"one training step, forward → cost → backward → update, op by op: {path}")
    return path


def main(argv=None):
    """Run the lesson; argv as for the command line (None reads sys.argv)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small data, one epoch each")
    parser.add_argument("--subset", type=int, default=50000, help="MNIST training images")
    parser.add_argument("--epochs", type=int, default=3, help="MNIST epochs")
    parser.add_argument("--toy", choices=sorted(TOYS), default="moons")
    parser.add_argument("--points", type=int, default=400, help="points of the toy")
    parser.add_argument("--toy-epochs", type=int, default=60)
    parser.add_argument("--port", type=int, default=0, help="the MNIST page's port (0: free)")
    parser.add_argument("--open", action="store_true", help="open the page in a browser")
    parser.add_argument("--wait", type=float, default=0.0,
                        help="seconds to wait before training, to open the page")
    parser.add_argument("--skip-mnist", action="store_true", help="only the toy")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="runs", help="folder for the finished pages")
    args = parser.parse_args(argv)
    if args.quick:
        args.subset, args.epochs, args.points, args.toy_epochs = 1000, 1, 200, 15
    results = {}
    if not args.skip_mnist:
        results["mnist"] = mnist_run(args)
    toy = toy_run(args)
    results["toy"] = {key: toy[key] for key in ("before", "after", "page", "changed")}
    results["stepper"] = training_step_page(toy, args)
    return results


if __name__ == "__main__":
    main()
