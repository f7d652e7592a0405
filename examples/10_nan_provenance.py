"""Lesson 10: where did that NaN come from? tg.detect_anomaly() names the op, the pass and your line of code.

Run:  python examples/10_nan_provenance.py          (--help for the options)

A NaN (or an infinity) in the cost spreads to every gradient and then to every weight, and
the training loop only sees the end of it. Inside `with tg.detect_anomaly():` every op's
output and every gradient of the backward pass is checked, and the first non-finite value
stops the program with an AnomalyError that says which op made it, in which pass, at which
line of your code, and what its inputs held there.

1. A cross-entropy written by hand, −[y ln a + (1 − y) ln(1 − a)], on a network whose
   output neurons saturate to exactly 1.0 in float32: ln(1 − a) = ln 0 = −∞. The cost is inf
   and the gradients NaN, and nothing stops the program: only a learner warning
   (tg.NonFiniteWarning, once per line) names the op and the line. With detect_anomaly the
   first inf is an error that also shows the op's inputs there.
   The fix: nn.CrossEntropyCost, which computes from the logits z when its input is σ(z) in
   the graph (exact: softplus, never ln 0), and clamps the logarithms otherwise (as BCELoss).
2. A cost √(Σ(a − y)²) is fine forward when an example is fitted exactly (√0 = 0), but its
   derivative 1/(2√0) is infinite: detect_anomaly names Sqrt and the *backward* pass.
3. A NaN already in the data: the first op that meets it (the first Linear layer) reports
   that its input already held a NaN, so the search moves to the data, not the model.
"""

import argparse
import warnings

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.data import load_mnist


def saturated_network(seed=0):
    """The lecture's 784-30-10 sigmoid network after a far too large step: huge output weights."""
    tg.manual_seed(seed)
    model = nn.init.init_lecture(nn.Sequential(nn.Linear(784, 30), nn.Sigmoid(),
                                               nn.Linear(30, 10), nn.Sigmoid()))
    with tg.no_grad():
        model[2].weight.numpy()[...] *= 60  # σ(z) rounds to exactly 1.0 in float32 once z > 17
    return model


def handmade_cross_entropy(a, y):
    """−1/n Σ [y ln a + (1 − y) ln(1 − a)], with nothing to protect the logarithms."""
    return -(y * a.log() + (1 - y) * (1 - a).log()).sum() * (1.0 / a.shape[0])


def report(error):
    print("  AnomalyError:\n    " + str(error).replace("\n", "\n    "))


def main(argv=None):
    """Run the lesson; argv as for the command line (None reads sys.argv)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="(the lesson is quick anyway)")
    parser.add_argument("--batch-size", type=int, default=20, help="MNIST images in the batch")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="runs", help="(unused: this lesson only prints)")
    args = parser.parse_args(argv)
    images, targets = load_mnist("train", one_hot=True, subset=args.batch_size).tensors
    errors = []

    print("== 1. ln 0 in a hand-written cross-entropy ==")
    model = saturated_network(args.seed)
    # what a training loop sees: a number that is not a number, and (caught here, to print
    # it) the learner warning that names the op and the line
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", tg.NonFiniteWarning)
        cost = handmade_cross_entropy(model(images), targets)
        cost.backward()
    weight_grad = model[2].weight.grad.numpy()
    print(f"  without detect_anomaly: cost = {cost.item()}, and {np.isnan(weight_grad).sum()} of "
          f"the {weight_grad.size} entries of ∂C/∂w³ are NaN; no error, but a learner warning:")
    first = str(caught[0].message).splitlines() if caught else ["(none)"]
    print("    " + "\n    ".join(first[:2]))
    try:
        with tg.detect_anomaly():
            cost = handmade_cross_entropy(model(images), targets)
    except tg.AnomalyError as error:
        report(error)
        errors.append(error)
    fixed = nn.CrossEntropyCost()(model(images), targets)
    print(f"  the fix, nn.CrossEntropyCost ({fixed.grad_fn.name}: from the logits, no ln 0): "
          f"cost = {fixed.item():.2f}, finite\n")

    print("== 2. √0 is fine forward, its derivative is not ==")
    tg.manual_seed(args.seed)
    fitted = tg.tensor(targets.numpy().copy(), requires_grad=True, name="a")   # a perfect fit
    with tg.detect_anomaly():
        distance = ((fitted - targets) * (fitted - targets)).sum(dim=1).sqrt().mean()
        print(f"  forward: mean distance = {distance.item()} (no anomaly)")
        try:
            distance.backward()
        except tg.AnomalyError as error:
            report(error)
            errors.append(error)
    print("  the fix: √(Σ(a − y)² + ε), or the quadratic cost itself (no square root)\n")

    print("== 3. A NaN that was already in the data ==")
    spoiled = images.numpy().copy()
    spoiled[1, 300] = np.nan
    try:
        with tg.detect_anomaly():
            model(tg.tensor(spoiled))
    except tg.AnomalyError as error:
        report(error)
        errors.append(error)
    print("  'already holds NaN' on input 0 (the images): look at the data, not the model")
    return errors


if __name__ == "__main__":
    main()
