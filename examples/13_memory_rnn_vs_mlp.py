"""Lesson 13: a network with memory: a recurrent net adds binary numbers digit by digit, a feedforward net cannot, and backpropagation through time can be seen.

Run:  python examples/13_memory_rnn_vs_mlp.py          (--quick for a short run, --help)

The lecture sets feedforward networks against recurrent ones: in a recurrent net information
also travels back, so the net keeps a short-term memory. The task needs exactly that: add two
numbers written in binary, reading one pair of digits per step from the least significant end
and writing one digit of the sum per step. The digit s_t = a_t ⊕ b_t ⊕ carry depends on all
the digits before it, through the carry.

  * A feedforward net that sees one pair of digits at a time (the same input as the RNN, but
    no state) cannot know the carry: only the first digit (which has none) is sure, the others
    are guesses, and few whole sums come out right.
  * A feedforward net that sees all 8 pairs at once has every digit it needs, but it must learn
    each chain of carries on its own: with the same data and steps it gets few sums right. Its
    input size is fixed, so it cannot even be asked to add 16-digit numbers.
  * An RNN (nn.RNN, 16 tanh units, then a Linear per step) learns to keep the carry in h_t;
    the same weights add 16-digit numbers it never saw.

Then backpropagation through time made visible: the unrolled graph of a 4-digit addition with
one frame per time step (docs/ or runs/unrolled_rnn.svg, needs graphviz), explain() naming each
step, and ‖∂L/∂h_t‖ through time: for small recurrent weights it vanishes toward the early
steps, for large ones it explodes; nn.utils.clip_grad_norm_ shortens an exploding step without
turning it (training here uses max_norm = 1).
"""

import argparse
import os
import re
import shutil

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.lens.timesteps import (draw_unrolled, gradient_norms_through_time,
                                         plot_gradients_through_time, record_steps)


def addition_data(count, digits, rng):
    """Pairs (a, b) with a + b < 2^digits, as digits least significant first.

    Returns:
        x (count, digits, 2) float32 digit pairs, y (count, digits, 1) the digits of the sum.
    """
    a = rng.integers(0, 2 ** (digits - 1), count)
    b = rng.integers(0, 2 ** (digits - 1), count)
    powers = 2 ** np.arange(digits)
    bits = lambda n: ((n[:, None] // powers) % 2).astype(np.float32)  # noqa: E731
    x = np.stack([bits(a), bits(b)], axis=-1)
    return tg.tensor(x), tg.tensor(bits(a + b)[..., None])


class Adder(nn.Module):
    """An RNN reads a digit pair per step; a Linear turns each h_t into the logit of s_t."""

    def __init__(self, hidden=16):
        super().__init__()
        self.rnn = nn.RNN(2, hidden, batch_first=True)
        self.readout = nn.Linear(hidden, 1)

    def forward(self, x):
        h, _ = self.rnn(x)                 # (N, T, hidden): the state after every step
        return self.readout(h)             # (N, T, 1) logits


class DigitwiseMLP(nn.Module):
    """A feedforward net applied to each digit pair on its own: no state, no carry."""

    def __init__(self, hidden=16):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(2, hidden), nn.Tanh(), nn.Linear(hidden, 1))

    def forward(self, x):
        return self.net(x)                 # (N, T, 2) -> (N, T, 1), each step alone


class WholeMLP(nn.Module):
    """A feedforward net that sees all 2·T digits at once (fixed T) and writes all T digits."""

    def __init__(self, digits, hidden=64):
        super().__init__()
        self.digits = digits
        self.net = nn.Sequential(nn.Linear(2 * digits, hidden), nn.Tanh(),
                                 nn.Linear(hidden, digits))

    def forward(self, x):
        if x.shape[1] != self.digits:
            raise ValueError(f"WholeMLP: built for {self.digits} digits, got {x.shape[1]}")
        return self.net(x.reshape(x.shape[0], -1)).reshape(x.shape[0], self.digits, 1)


def train(model, x, y, steps, lr, batch_size, rng, clip=1.0):
    """Adam on the binary cross-entropy of every digit; the gradient clipped to norm `clip`."""
    optimizer = optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.BCEWithLogitsLoss()
    for _ in range(steps):
        rows = rng.integers(0, x.shape[0], batch_size)
        loss = loss_fn(model(x[rows]), y[rows])
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()
    return float(loss.item())


def accuracy(model, x, y):
    """(share of correct digits, share of sums with every digit right)."""
    with tg.no_grad():
        correct = (model(x).numpy() > 0) == (y.numpy() > 0.5)
    return float(correct.mean()), float(correct.all(axis=(1, 2)).mean())


def scaled_rnn(scale, digits=12):
    """A tanh RNN whose W_hh = scale·I (zero biases) on tiny inputs (so tanh′ ≈ 1), recorded."""
    tg.manual_seed(0)
    rnn = nn.RNN(2, 8, dtype="float64")
    with tg.no_grad():
        rnn.weight_hh_l0.copy_(tg.tensor(np.eye(8) * scale))
        rnn.bias_ih_l0.zero_()
        rnn.bias_hh_l0.zero_()
    x = tg.tensor(np.random.default_rng(0).standard_normal((digits, 1, 2)) * 1e-6)
    with record_steps() as steps:
        output, _ = rnn(x)
    return rnn, output[-1].sum(), steps


def gradients_through_time(scale):
    """‖∂L/∂h_t‖ for t = 0 … 11 of scaled_rnn(scale), L = the sum of the last output."""
    _, loss, steps = scaled_rnn(scale)
    return gradient_norms_through_time(loss, steps)


def clipping_demo(scale, max_norm=1.0):
    """The parameters' gradient before and after nn.utils.clip_grad_norm_."""
    rnn, loss, _ = scaled_rnn(scale)
    loss.backward()
    before = np.concatenate([p.grad.numpy().ravel() for p in rnn.parameters()])
    total = nn.utils.clip_grad_norm_(rnn.parameters(), max_norm).item()
    after = np.concatenate([p.grad.numpy().ravel() for p in rnn.parameters()])
    cosine = float(before @ after / (np.linalg.norm(before) * np.linalg.norm(after)))
    return {"before": total, "after": float(np.linalg.norm(after)), "cosine": cosine}


def show_bptt(model, out_dir):
    """The unrolled graph of one 4-digit addition and the chain rule named by time step."""
    x, y = addition_data(1, 4, np.random.default_rng(1))
    x.name = "digits"
    with record_steps() as steps:
        loss = nn.BCEWithLogitsLoss()(model(x), y)
    text = loss.explain()
    wanted = re.compile(r"δ\(h\[t=\d+\]\) \+= .*|δ\(rnn\.weight_hh_l0\) \+?= .*")
    equations = [re.split(r"\s{2,}", m.group(0))[0] for m in map(wanted.search, text.splitlines())
                 if m]
    print(f"\nexplain() names the time step of every node ({len(text.splitlines())} lines); "
          f"the lines of backpropagation through time:")
    for equation in equations:
        print("  " + equation)
    pictures = []
    if shutil.which("dot"):
        pictures = [draw_unrolled(loss, steps, os.path.join(out_dir, "unrolled_rnn.svg"),
                                  title="an RNN adding two 4-digit numbers, unrolled"),
                    draw_unrolled(loss, steps, os.path.join(out_dir, "unrolled_rnn_steps.svg"),
                                  collapse=True, title="the same graph, one box per time step")]
        print("pictures: " + ", ".join(str(p) for p in pictures))
    return len(steps), pictures, equations


def main(argv=None):
    """Run the lesson; argv as for the command line (None reads sys.argv)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer training steps")
    parser.add_argument("--steps", type=int, default=1500, help="Adam steps per model")
    parser.add_argument("--digits", type=int, default=8, help="digits of the training numbers")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="runs", help="folder for the pictures")
    args = parser.parse_args(argv)
    if args.quick:
        args.steps = min(args.steps, 250)
    rng = np.random.default_rng(args.seed)
    x, y = addition_data(2000, args.digits, rng)
    x_test, y_test = addition_data(500, args.digits, rng)
    x_long, y_long = addition_data(500, 2 * args.digits, rng)
    print(f"adding two binary numbers of {args.digits} digits, least significant first; "
          f"Adam, {args.steps} steps of 64 sums\n")
    print(f"{'model':<36}{'digits right':>13}{'sums right':>12}{f'{2 * args.digits}-digit sums':>16}")
    results = {}
    for name, model in (("feedforward, one digit pair a step", None),
                        (f"feedforward, all {args.digits} pairs at once", None),
                        ("RNN, one digit pair a step", None)):
        tg.manual_seed(args.seed)
        model = DigitwiseMLP() if name.startswith("feedforward, one") else \
            WholeMLP(args.digits) if name.startswith("feedforward") else Adder()
        train(model, x, y, args.steps, 0.01 if isinstance(model, Adder) else 0.003, 64, rng)
        digits_right, sums_right = accuracy(model, x_test, y_test)
        long = None if isinstance(model, WholeMLP) else accuracy(model, x_long, y_long)[1]
        results[name] = {"digits": digits_right, "sums": sums_right, "long_sums": long}
        long_text = "cannot" if long is None else f"{100 * long:.1f}%"
        print(f"{name:<36}{100 * digits_right:>12.1f}%{100 * sums_right:>11.1f}%{long_text:>16}")
    steps, pictures, equations = show_bptt(model, args.out)
    curves = {f"W_hh = {s}·I": gradients_through_time(s) for s in (0.5, 1.0, 1.5)}
    print("\n‖∂L/∂h_t‖ through time, L = the last output (t = 0 first):")
    for label, norms in curves.items():
        print(f"  {label:<12} " + "  ".join(f"{v:.2g}" for v in norms))
    ratio = {label: norms[0] / norms[-1] for label, norms in curves.items()}
    print("from the last step back to the first the gradient is multiplied by "
          + ", ".join(f"{r:.3g} ({label})" for label, r in ratio.items()))
    clipped = clipping_demo(1.5)
    print(f"clip_grad_norm_(params, 1.0) on the W_hh = 1.5·I net: the gradient's norm "
          f"{clipped['before']:.4g} becomes {clipped['after']:.4g}, its direction unchanged "
          f"(cosine {clipped['cosine']:.6f}); a vanishing gradient it cannot bring back (that "
          f"takes gates: LSTM, GRU)")
    try:
        path = os.path.join(args.out, "gradients_through_time.png")
        plot_gradients_through_time(curves, path)
        print(f"plot: {path}")
    except ImportError as error:
        print(f"(no plot: {error})")
    return {"models": results, "steps_recorded": steps, "pictures": pictures,
            "equations": equations, "clipping": clipped,
            "through_time": curves, "ratio": ratio}


if __name__ == "__main__":
    main()
