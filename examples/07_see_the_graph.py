"""Lesson 7: see the graph that backpropagation walks, the gradient on every edge, and step through it in a browser.

Run:  python examples/07_see_the_graph.py          (--quick: a smaller batch; --help)

1. One sigmoid neuron a = σ(x·w + b) with C = Σ a: its graph as DOT text (graphviz's
   language, no dependency needed), drawn with values, then the backward view, where every
   edge carries the gradient flowing back along it and every tensor its adjoint δ = ∂C/∂t.
2. `C.explain()`: the same backward pass as text, one chain-rule step per line.
3. Two details the pictures make visible: a tensor used twice (x * x has two edges into
   Mul, and its gradients add up) and broadcasting (an explicit Expand node, whose rule
   sums the gradient back).
4. The lecture's network 784-30-10 (sigmoid, quadratic cost) on a mini-batch of MNIST:
   the whole graph, the same with each layer collapsed into one box, and an HTML page that
   steps through backpropagation (open runs/07_stepper.html in a browser: Next/Previous).

Pictures need graphviz's `dot` (sudo apt-get install graphviz); without it the DOT files
are written instead and the lesson says so. With --docs it also refreshes the README's
pictures: docs/lecture_network_graph.svg and docs/stepper.png (a headless-Chromium
screenshot of the stepper; needs selenium, chromium and chromedriver).
"""

import argparse
import os

import tinygrad_edu as tg
from tinygrad_edu import nn, viz
from tinygrad_edu.data import load_mnist


def draw(tensor, path, **options):
    """viz.draw, but a missing graphviz only prints the message (the .dot file is written)."""
    try:
        written = viz.draw(tensor, path, **options)
        print(f"  drew {written}")
        return written
    except viz.GraphvizNotFound as error:
        print(f"  {error}")
        return None


def neuron():
    x = tg.tensor([1.0, -2.0], requires_grad=True, name="x")
    w = tg.tensor([0.5, 3.0], requires_grad=True, name="w")
    b = tg.tensor(0.25, requires_grad=True, name="b")
    h = x * w + b
    h.name = "h"
    a = h.sigmoid()
    a.name = "a"
    cost = a.sum()
    cost.name = "C"
    return cost


def lecture_network_cost(batch_size, seed=0):
    """The lecture's 784-30-10 sigmoid network and its quadratic cost on `batch_size` images."""
    tg.manual_seed(seed)
    model = nn.init.init_lecture(nn.Sequential(nn.Linear(784, 30), nn.Sigmoid(),
                                               nn.Linear(30, 10), nn.Sigmoid()))
    images, targets = load_mnist("train", one_hot=True, subset=batch_size).tensors
    images.name, targets.name = "images", "y"
    cost = nn.QuadraticCost()(model(images), targets)
    cost.name = "C"
    return model, cost


def screenshot(page, path, steps_forward=2):
    """A headless-Chromium screenshot of the stepper page after a few clicks on Next."""
    import shutil
    import tempfile

    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="tinygrad_edu_chromium_")
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for argument in ("--headless", "--no-sandbox", "--disable-gpu",
                     "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
                     "--window-size=1200,1080"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or
                                              "/usr/bin/chromedriver"), options=options)
    try:
        driver.get("file://" + os.path.abspath(page))
        for _ in range(steps_forward):
            driver.find_element("id", "next").click()
        driver.save_screenshot(path)
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
    return path


def main(argv=None):
    """Run the lesson; argv as for the command line (None reads sys.argv)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a mini-batch of 3 images")
    parser.add_argument("--batch-size", type=int, default=10, help="MNIST images in the batch")
    parser.add_argument("--out", default="runs", help="folder for the pictures and the page")
    parser.add_argument("--docs", action="store_true",
                        help="also write docs/lecture_network_graph.svg and docs/stepper.png")
    args = parser.parse_args(argv)
    if args.quick:
        args.batch_size = 3
    out = args.out
    os.makedirs(out, exist_ok=True)

    print("== 1. One neuron: a = σ(x·w + b), C = Σ a ==")
    cost = neuron()
    dot = viz.to_dot(cost)
    print(f"the graph as DOT text ({len(dot.splitlines())} lines), the first ones:")
    print("\n".join("  " + line for line in dot.splitlines()[:8]) + "\n  ...")
    draw(cost, os.path.join(out, "07_neuron.svg"), values=True)
    draw(cost, os.path.join(out, "07_neuron_backward.svg"), values=True, backward=True)
    print("  (the backward view: red edges carry ∂C/∂input, each box its δ; .grad is untouched)")

    print("\n== 2. The same backward pass as text: C.explain() ==")
    print(cost.explain())

    print("== 3. A tensor used twice, and broadcasting ==")
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True, name="x")
    square = (x * x).sum()
    print(square.explain())
    draw(square, os.path.join(out, "07_reuse.svg"), backward=True)
    matrix = tg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True, name="X")
    bias = tg.tensor([0.5, -0.5, 1.0], requires_grad=True, name="bias")
    broadcast = (matrix + bias).sum()
    draw(broadcast, os.path.join(out, "07_broadcast.svg"), backward=True)
    trace = tg.explain.trace_backward(broadcast)
    print(f"  δ(bias) = {tg.explain.summarize(trace.adjoint(bias))}: the Expand node summed the "
          f"gradient over the 2 rows it was copied to")

    print(f"\n== 4. The lecture's network 784-30-10 on {args.batch_size} MNIST images ==")
    model, network_cost = lecture_network_cost(args.batch_size)
    print(model)
    draw(network_cost, os.path.join(out, "07_lecture_network.svg"), values=True, rankdir="LR")
    draw(network_cost, os.path.join(out, "07_lecture_network_collapsed.svg"), collapse=model,
         rankdir="LR", backward=True)
    print(network_cost.explain())
    try:
        page = viz.html(neuron(), os.path.join(out, "07_stepper.html"),
                        title="Backpropagation through one sigmoid neuron")
        network_page = viz.html(network_cost, os.path.join(out, "07_stepper_network.html"),
                                title="Backpropagation through the lecture's network")
        print(f"  wrote {page} and {network_page}: open them in a browser and press Next")
    except viz.GraphvizNotFound as error:
        page = None
        print(f"  {error}")

    if args.docs:
        os.makedirs("docs", exist_ok=True)
        draw(network_cost, os.path.join("docs", "lecture_network_graph.svg"), values=True,
             title="The lecture's network 784-30-10 and its quadratic cost, "
                   f"on {args.batch_size} images")
        if page is not None:
            try:  # shown at the Sigmoid step, the lecture's δ(h) = δ(a) ⊙ a ⊙ (1 − a)
                shot = screenshot(page, os.path.join("docs", "stepper.png"), steps_forward=1)
                print(f"  screenshot: {shot}")
            except Exception as error:  # selenium or chromium missing: the lesson still ran
                print(f"  no screenshot ({type(error).__name__}: {error})")
    return network_cost


if __name__ == "__main__":
    main()
