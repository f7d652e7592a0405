"""Lesson 9: the four equations of backpropagation (BP1-BP4), computed by hand with numpy and checked against autograd.

Run:  python examples/09_backprop_equations.py          (--quick for a smaller batch; --help)

    BP1   δᴸ = ∇ₐC ⊙ σ′(zᴸ)                      the output error
    BP2   δˡ = ((wˡ⁺¹)ᵀ δˡ⁺¹) ⊙ σ′(zˡ)           the error of a hidden layer, from the next one
    BP3   ∂C/∂bˡ = δˡ                             (averaged over the mini-batch)
    BP4   ∂C/∂wˡ = δˡ (aˡ⁻¹)ᵀ                     (averaged over the mini-batch)

1. A tiny network 2-3-2 on one example: every zˡ, aˡ and δˡ printed, and BP4's gradient
   next to the one autograd leaves in .grad.
2. The lecture's network 784-30-10 on a mini-batch of MNIST images: tg.equations.compare
   checks every equation at every layer against autograd, for the quadratic cost and the
   cross-entropy.
3. Why the cross-entropy learns faster: with a sigmoid output, δᴸ = a − y (σ′ cancels),
   while the quadratic cost's δᴸ = (a − y) ⊙ σ′(zᴸ) nearly vanishes for a saturated neuron.
4. A planted mistake: σ′ of the sigmoid replaced by σ itself; the comparison names the
   equations that use it (BP1 at the output layer) and the layer.
"""

import argparse

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import equations, nn
from tinygrad_edu.data import load_mnist


SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def show(name, array):
    text = np.array2string(np.asarray(array), precision=4, suppress_small=True, separator=", ",
                           max_line_width=10**6)
    print(f"  {name} = {' '.join(text.split())}")


def tiny_network_by_hand():
    print("== 1. A 2-3-2 sigmoid network on one example, by hand ==")
    tg.manual_seed(2)
    model = nn.init.init_lecture(nn.Sequential(nn.Linear(2, 3, dtype=tg.float64), nn.Sigmoid(),
                                               nn.Linear(3, 2, dtype=tg.float64), nn.Sigmoid()))
    x = np.array([[0.5, -1.0]])
    y = np.array([[1.0, 0.0]])
    terms = equations.closed_form(model, x, y, "quadratic")
    show("a¹ = x", terms.inputs[0])
    for layer, (z, a) in enumerate(zip(terms.zs, terms.activations), start=2):
        l, previous = str(layer).translate(SUPERSCRIPT), str(layer - 1).translate(SUPERSCRIPT)
        show(f"z{l} = w{l}·a{previous} + b{l}", z[0])
        show(f"a{l} = σ(z{l})", a[0])
    print(f"  cost C = ½‖y − a³‖² = {terms.cost:.6f}")
    show("δ³ = (a³ − y) ⊙ σ′(z³)            (BP1)", terms.deltas[1][0])
    show("δ² = ((w³)ᵀ δ³) ⊙ σ′(z²)          (BP2)", terms.deltas[0][0])
    show("∂C/∂b² = δ²                        (BP3)", terms.grads[0][1])
    grad_w2 = terms.grads[0][0]
    show("∂C/∂w² = δ² (a¹)ᵀ                  (BP4)", grad_w2)
    cost = nn.QuadraticCost()(model(tg.tensor(x)), tg.tensor(y))
    cost.backward()
    show("autograd's w².grad                      ", model[0].weight.grad.numpy())
    print(f"  largest difference: {np.abs(grad_w2 - model[0].weight.grad.numpy()).max():.2e}\n")


def lecture_network(seed=0):
    tg.manual_seed(seed)
    return nn.init.init_lecture(nn.Sequential(nn.Linear(784, 30), nn.Sigmoid(),
                                              nn.Linear(30, 10), nn.Sigmoid()))


def main(argv=None):
    """Run the lesson; argv as for the command line (None reads sys.argv)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a mini-batch of 10 images")
    parser.add_argument("--batch-size", type=int, default=100, help="MNIST images in the batch")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="runs", help="(unused: this lesson only prints)")
    args = parser.parse_args(argv)
    if args.quick:
        args.batch_size = 10

    tiny_network_by_hand()

    print(f"== 2. The lecture's network 784-30-10 on {args.batch_size} MNIST images ==")
    model = lecture_network(args.seed)
    images, labels = load_mnist("train", subset=args.batch_size).tensors
    reports = {}
    for cost in ("quadratic", "cross_entropy"):
        report = equations.compare(model, images, labels, cost)
        reports[cost] = report
        print(report)
        print()

    print("== 3. δᴸ with each cost, for a saturated and wrong output neuron ==")
    # Large output weights (as after a bad start) saturate the output layer: a ≈ 0 or 1.
    saturated = lecture_network(args.seed)
    with tg.no_grad():
        saturated[2].weight.numpy()[...] *= 8
    y = np.eye(10)[labels.numpy()]
    quadratic = equations.closed_form(saturated, images, y, "quadratic")
    cross_entropy = equations.closed_form(saturated, images, y, "cross_entropy")
    a = quadratic.activations[-1]
    sigma_prime = a * (1 - a)
    # the most wrong neuron among the saturated ones (σ′ < 0.05)
    example, neuron = np.unravel_index(int(np.argmax(np.abs(a - y) * (sigma_prime < 0.05))),
                                       a.shape)
    q, c = quadratic.deltas[-1][example, neuron], cross_entropy.deltas[-1][example, neuron]
    print(f"  example {example}, output neuron {neuron}: a = {a[example, neuron]:.4f}, "
          f"y = {y[example, neuron]:.0f}, σ′(zᴸ) = {sigma_prime[example, neuron]:.4f}")
    print(f"  quadratic cost:  δᴸ = (a − y) ⊙ σ′(zᴸ) = {q:+.5f}   (learns slowly)")
    print(f"  cross-entropy:   δᴸ = a − y             = {c:+.5f}   ({abs(c / q):.0f}× larger: "
          f"no σ′ factor)")
    print(f"  over the whole batch, max |δᴸ − (a − y)| for the cross-entropy = "
          f"{np.abs(cross_entropy.deltas[-1] - (a - y)).max():.1e}")
    check = equations.compare(saturated, images, labels, "cross_entropy")
    print(f"  and autograd agrees: {check.verdict()}\n")

    print("== 4. A planted mistake: σ′ of the sigmoid replaced by σ ==")
    correct = equations.ACTIVATIONS["Sigmoid"]
    equations.ACTIVATIONS["Sigmoid"] = equations.Activation(correct.function, correct.function)
    try:
        planted = equations.compare(model, images, labels, "quadratic")
    finally:
        equations.ACTIVATIONS["Sigmoid"] = correct
    print(planted.verdict())
    reports["planted"] = planted
    return reports


if __name__ == "__main__":
    main()
