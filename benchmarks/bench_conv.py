"""Training speed of small conv nets on MNIST: tinygrad_edu against PyTorch (CPU, 2 threads).

Three workloads, each one training step of a LeNet-style network on a mini-batch of 64 real
MNIST images (the bundled data, 1×28×28), softmax cross-entropy, SGD lr 0.05 momentum 0.9:

  W4      conv(1→8, 5×5) → ReLU → maxpool 2 → conv(8→16, 5×5) → ReLU → maxpool 2 → flatten (256)
          → linear(256→10)                                  (issue 13's workload)
  W4-bn   W4 with BatchNorm2d after each convolution (training mode: batch statistics)
  W4-pad  3×3 convolutions with padding 1: conv(1→8) → ReLU → maxpool 2 → conv(8→16) → ReLU
          → maxpool 2 → flatten (784) → linear(784→10)

Every measurement runs in a fresh Python process (one system, one workload): warm-up steps,
then --steps timed steps, reported as ms/step. The rounds are interleaved (the order of the
systems alternates from round to round), so a noisy neighbour slows them alike; the table
shows the median over rounds. Both systems start from the same weights (drawn here, PyTorch's
uniform ±1/√fan_in) and see the same batches. A separate check runs --check-steps steps of
both in one process and prints the largest weight difference and both losses, in float32
and again in float64 (where the systems must agree to round-off: float32's own round-off,
amplified over 100 steps of BatchNorm with momentum, moves W4-bn's weights by 3e-2).

Usage:
    .venv/bin/python benchmarks/bench_conv.py                 # 5 rounds (a few minutes)
    .venv/bin/python benchmarks/bench_conv.py --quick         # 1 round, fewer steps
    .venv/bin/python benchmarks/bench_conv.py --workloads W4 --systems tinygrad_edu
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.data import load_mnist

try:
    import torch
except ImportError:  # the comparison is optional
    torch = None

BATCH = 64
LR, MOMENTUM = 0.05, 0.9

# Each layer: ("conv", in, out, kernel, padding) | ("bn", channels) | ("relu",) | ("pool", 2)
# | ("flatten",) | ("linear", in, out).
WORKLOADS = {
    "W4": [("conv", 1, 8, 5, 0), ("relu",), ("pool", 2), ("conv", 8, 16, 5, 0), ("relu",),
           ("pool", 2), ("flatten",), ("linear", 256, 10)],
    "W4-bn": [("conv", 1, 8, 5, 0), ("bn", 8), ("relu",), ("pool", 2), ("conv", 8, 16, 5, 0),
              ("bn", 16), ("relu",), ("pool", 2), ("flatten",), ("linear", 256, 10)],
    "W4-pad": [("conv", 1, 8, 3, 1), ("relu",), ("pool", 2), ("conv", 8, 16, 3, 1), ("relu",),
               ("pool", 2), ("flatten",), ("linear", 784, 10)],
}


# ---------------------------------------------------------------------------------------------
# Shared set-up: data, initial weights, batches
# ---------------------------------------------------------------------------------------------

def load_images(limit=6400):
    images, labels = (t.numpy() for t in load_mnist("train_full").tensors)
    images = np.ascontiguousarray(images[:limit].reshape(-1, 1, 28, 28), dtype=np.float32)
    return images, labels[:limit].astype(np.int64)


def initial_weights(layers, seed=0):
    """One (weight, bias) per conv/linear layer (PyTorch's uniform ±1/√fan_in), else None."""
    generator = np.random.default_rng(seed)
    weights = []
    for layer in layers:
        if layer[0] == "conv":
            _, c_in, c_out, k, _ = layer
            shape, fan_in = (c_out, c_in, k, k), c_in * k * k
        elif layer[0] == "linear":
            _, n_in, n_out = layer
            shape, fan_in = (n_out, n_in), n_in
        else:
            weights.append(None)
            continue
        bound = 1 / np.sqrt(fan_in)
        weights.append((generator.uniform(-bound, bound, shape).astype(np.float32),
                        generator.uniform(-bound, bound, shape[0]).astype(np.float32)))
    return weights


def batches(n, steps, seed):
    generator = np.random.default_rng(seed)
    return [generator.choice(n, BATCH, replace=False) for _ in range(steps)]


# ---------------------------------------------------------------------------------------------
# The two implementations of a training step
# ---------------------------------------------------------------------------------------------

class TinygradEdu:
    name = "tinygrad_edu"

    def __init__(self, layers, weights):
        modules = []
        for layer, pair in zip(layers, weights):
            kind = layer[0]
            if kind == "conv":
                module = nn.Conv2d(layer[1], layer[2], layer[3], padding=layer[4])
            elif kind == "linear":
                module = nn.Linear(layer[1], layer[2])
            else:
                module = {"relu": nn.ReLU, "flatten": nn.Flatten}.get(kind)
                module = module() if module else (
                    nn.BatchNorm2d(layer[1]) if kind == "bn" else nn.MaxPool2d(layer[1]))
            if pair is not None:
                module.weight.numpy()[...] = pair[0]
                module.bias.numpy()[...] = pair[1]
            modules.append(module)
        self.model = nn.Sequential(*modules)
        self.loss_fn = nn.CrossEntropyLoss()
        self.optimizer = optim.SGD(self.model.parameters(), lr=LR, momentum=MOMENTUM)

    def steps(self, images, labels, order):
        model, loss_fn, optimizer = self.model, self.loss_fn, self.optimizer
        for index in order:
            loss = loss_fn(model(tg.Tensor(images[index])), tg.Tensor(labels[index]))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        return float(loss.item())

    def weights(self):
        return [p.numpy() for p in self.model.parameters()]


class TinygradEduCaptured(TinygradEdu):
    """The same model and optimizer, its step captured once by tg.capture and then replayed."""

    name = "tg captured"

    def __init__(self, layers, weights):
        super().__init__(layers, weights)
        model, loss_fn = self.model, self.loss_fn
        self.step = tg.capture(lambda x, y: loss_fn(model(x), y), self.optimizer, model=model)

    def steps(self, images, labels, order):
        step = self.step
        for index in order:
            loss = step(images[index], labels[index])
        return float(loss)


class Torch:
    name = "torch"

    def __init__(self, layers, weights):
        modules = []
        for layer, pair in zip(layers, weights):
            kind = layer[0]
            if kind == "conv":
                module = torch.nn.Conv2d(layer[1], layer[2], layer[3], padding=layer[4])
            elif kind == "linear":
                module = torch.nn.Linear(layer[1], layer[2])
            elif kind == "bn":
                module = torch.nn.BatchNorm2d(layer[1])
            elif kind == "pool":
                module = torch.nn.MaxPool2d(layer[1])
            else:
                module = {"relu": torch.nn.ReLU, "flatten": torch.nn.Flatten}[kind]()
            if pair is not None:
                with torch.no_grad():
                    module.weight.copy_(torch.from_numpy(pair[0]))
                    module.bias.copy_(torch.from_numpy(pair[1]))
            modules.append(module)
        self.model = torch.nn.Sequential(*modules)
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=LR, momentum=MOMENTUM)

    def steps(self, images, labels, order):
        model, optimizer = self.model, self.optimizer
        images, labels = torch.from_numpy(images), torch.from_numpy(labels)
        cross_entropy = torch.nn.functional.cross_entropy
        for index in order:
            index = torch.from_numpy(index)
            loss = cross_entropy(model(images[index]), labels[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        return float(loss.item())

    def weights(self):
        return [p.detach().numpy() for p in self.model.parameters()]


SYSTEMS = {"tinygrad_edu": TinygradEdu, "tg captured": TinygradEduCaptured, "torch": Torch}


def make(system, workload, seed=0):
    if system == "torch":
        torch.set_num_threads(2)
    layers = WORKLOADS[workload]
    return SYSTEMS[system](layers, initial_weights(layers, seed))


# ---------------------------------------------------------------------------------------------
# Measurements
# ---------------------------------------------------------------------------------------------

def time_in_this_process(system, workload, steps, warm_up=10):
    """ms per step of `system` on `workload`, after `warm_up` steps (run in a fresh process)."""
    images, labels = load_images()
    runner = make(system, workload)
    runner.steps(images, labels, batches(len(images), warm_up, 1))
    order = batches(len(images), steps, 2)
    start = time.perf_counter()
    runner.steps(images, labels, order)
    return (time.perf_counter() - start) / steps * 1e3


def time_in_fresh_process(system, workload, steps):
    code = (f"import sys; sys.path.insert(0, {os.path.dirname(os.path.abspath(__file__))!r}); "
            f"import json, bench_conv as b; "
            f"print(json.dumps(b.time_in_this_process({system!r}, {workload!r}, {steps})))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"bench_conv: the {system} run of {workload} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def agreement(workload, steps, float64=False):
    """Largest weight difference and both losses after the same `steps` steps (in float64
    with float64=True: float32 round-off, amplified over many steps of BatchNorm with momentum,
    makes float32 runs drift apart by 3e-2 in 100 steps while float64 runs agree to 1e-13)."""
    images, labels = load_images()
    if float64:
        images = images.astype(np.float64)
    order = batches(len(images), steps, 3)
    names = ["tinygrad_edu", "torch"] if float64 else list(SYSTEMS)
    runners = {name: make(name, workload) for name in names if name != "torch" or torch}
    if float64:
        for runner in runners.values():
            runner.model.double()
    losses = {name: runner.steps(images, labels, order) for name, runner in runners.items()}
    if "torch" not in runners:
        return None, losses
    difference = max(float(np.abs(a - b).max()) for a, b in
                     zip(runners["tinygrad_edu"].weights(), runners["torch"].weights()))
    return difference, losses


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="fresh processes per system")
    parser.add_argument("--steps", type=int, default=60, help="timed steps per process")
    parser.add_argument("--check-steps", type=int, default=100)
    parser.add_argument("--workloads", nargs="+", default=list(WORKLOADS), choices=WORKLOADS)
    parser.add_argument("--systems", nargs="+", default=None, choices=SYSTEMS)
    parser.add_argument("--quick", action="store_true", help="1 round of 20 steps")
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.steps, args.check_steps = 1, 20, 30
    systems = args.systems or [name for name in SYSTEMS if name != "torch" or torch]
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, torch "
          f"{torch.__version__ if torch else 'not installed'} (2 threads); os.cpu_count() "
          f"{os.cpu_count()}, load average {os.getloadavg()[0]:.2f}")
    print(f"batch {BATCH}; {args.rounds} round(s) of fresh processes, {args.steps} timed "
          f"steps each; medians of ms/step\n")
    times = {(w, s): [] for w in args.workloads for s in systems}
    for r in range(args.rounds):
        for workload in args.workloads:
            for system in (systems if r % 2 == 0 else systems[::-1]):
                times[workload, system].append(
                    time_in_fresh_process(system, workload, args.steps))
    header = f"{'workload':10s}" + "".join(f"{s:>16s}" for s in systems)
    both = "torch" in systems and "tinygrad_edu" in systems
    print(header + ("   tg ÷ torch   weights differ by   losses (tg, torch)   in float64"
                    if both else ""))
    print("-" * (len(header) + (72 if both else 0)))
    rows = {}
    for workload in args.workloads:
        medians = {s: statistics.median(times[workload, s]) for s in systems}
        rows[workload] = medians
        line = f"{workload:10s}" + "".join(f"{medians[s]:>16.2f}" for s in systems)
        if both:
            difference, losses = agreement(workload, args.check_steps)
            difference64, _ = agreement(workload, args.check_steps, float64=True)
            line += (f"   {medians['tinygrad_edu'] / medians['torch']:>10.2f}   "
                     f"{difference:>17.1e}   {losses['tinygrad_edu']:.4f}, {losses['torch']:.4f}"
                     f"   {difference64:>10.1e}")
        print(line)
    print(f"\nevery sample (ms/step): " + "; ".join(
        f"{w} {s} " + ",".join(f"{t:.1f}" for t in times[w, s]) for w, s in times))
    print(f"load average at the end {os.getloadavg()[0]:.2f} (other programs share this "
          f"machine; the interleaving spreads their noise over both systems)")
    return rows


if __name__ == "__main__":
    main()
