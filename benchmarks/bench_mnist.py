"""Training speed on MNIST: tinygrad_edu against PyTorch (CPU) and a hand-written numpy reference.

Three workloads, all on the bundled MNIST (the 60,000 training images), with the same initial
weights and the same example order for every implementation, measured in the same run:

  W1  the lecture's network: 784-30-10 sigmoid, quadratic cost, SGD η = 3.0, mini-batch 10,
      one epoch (6,000 steps): seconds per epoch, median of --repeat epochs.
  W2  784-100-10 ReLU, softmax cross-entropy, SGD lr 0.1, mini-batch 128, one epoch.
  W3  one training step of W1 with a mini-batch of 1, in µs, averaged over --steps steps.

W1 and W3 measure the framework's per-step overhead (the arithmetic is tiny); W2 is closer to
the machine's float32 matrix-multiply limit, which is measured here too. The repeats of the
implementations are interleaved, so a noisy neighbour slows them alike. OpenBLAS variables are
left as the environment sets them.

Usage:
    .venv/bin/python benchmarks/bench_mnist.py            # full run (a few minutes)
    .venv/bin/python benchmarks/bench_mnist.py --quick    # 1 repeat, 6,000 examples
"""

import argparse
import statistics
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


# ---------------------------------------------------------------------------------------------
# Shared set-up: data, initial weights, example order
# ---------------------------------------------------------------------------------------------

def load_data(limit):
    dataset = load_mnist("train_full")
    images, labels = (t.numpy() for t in dataset.tensors)
    images, labels = images[:limit], labels[:limit]
    one_hot = np.eye(10, dtype=np.float32)[labels]
    return np.ascontiguousarray(images), labels.astype(np.int64), one_hot


def initial_weights(sizes, seed, lecture):
    """Weights (out, in) and biases for each layer: the lecture's N(0, 1) or PyTorch's uniform."""
    generator = np.random.default_rng(seed)
    layers = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        if lecture:
            w = generator.standard_normal((n_out, n_in))
            b = generator.standard_normal(n_out)
        else:
            bound = 1 / np.sqrt(n_in)
            w = generator.uniform(-bound, bound, (n_out, n_in))
            b = generator.uniform(-bound, bound, n_out)
        layers.append((w.astype(np.float32), b.astype(np.float32)))
    return layers


def batches(n, batch_size, seed):
    order = np.random.default_rng(seed).permutation(n)
    return [order[i:i + batch_size] for i in range(0, n - batch_size + 1, batch_size)]


# ---------------------------------------------------------------------------------------------
# The three implementations of one epoch
# ---------------------------------------------------------------------------------------------

class TinygradEdu:
    name = "tinygrad_edu"

    def __init__(self, weights, activation, cost, lr):
        layers = []
        for i, (w, b) in enumerate(weights):
            linear = nn.Linear(w.shape[1], w.shape[0])
            linear.weight.numpy()[...] = w
            linear.bias.numpy()[...] = b
            layers.append(linear)
            if i < len(weights) - 1 or activation == "sigmoid":
                layers.append(nn.Sigmoid() if activation == "sigmoid" else nn.ReLU())
        self.model = nn.Sequential(*layers)
        self.loss_fn = nn.QuadraticCost() if cost == "quadratic" else nn.CrossEntropyLoss()
        self.optimizer = optim.SGD(self.model.parameters(), lr=lr)

    def epoch(self, images, targets, order):
        model, loss_fn, optimizer = self.model, self.loss_fn, self.optimizer
        for index in order:
            loss = loss_fn(model(tg.Tensor(images[index])), tg.Tensor(targets[index]))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        return float(loss.item())

    def weights(self):
        return [p.numpy() for p in self.model.parameters()]


class TinygradEduCaptured(TinygradEdu):
    """The same model and SGD, the step captured once by tg.capture and then replayed."""

    name = "tg captured"

    def __init__(self, weights, activation, cost, lr):
        super().__init__(weights, activation, cost, lr)
        model, loss_fn = self.model, self.loss_fn
        self.step = tg.capture(lambda x, y: loss_fn(model(x), y), self.optimizer, model=model)

    def epoch(self, images, targets, order):
        step = self.step
        for index in order:
            loss = step(images[index], targets[index])
        return float(loss)


class Torch:
    name = "torch"

    def __init__(self, weights, activation, cost, lr):
        layers = []
        for i, (w, b) in enumerate(weights):
            linear = torch.nn.Linear(w.shape[1], w.shape[0])
            with torch.no_grad():
                linear.weight.copy_(torch.from_numpy(w))
                linear.bias.copy_(torch.from_numpy(b))
            layers.append(linear)
            if i < len(weights) - 1 or activation == "sigmoid":
                layers.append(torch.nn.Sigmoid() if activation == "sigmoid" else torch.nn.ReLU())
        self.model = torch.nn.Sequential(*layers)
        self.cost = cost
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=lr)

    def epoch(self, images, targets, order):
        model, optimizer = self.model, self.optimizer
        images, targets = torch.from_numpy(images), torch.from_numpy(targets)
        quadratic = self.cost == "quadratic"
        cross_entropy = torch.nn.functional.cross_entropy
        for index in order:
            index = torch.from_numpy(index)
            out = model(images[index])
            y = targets[index]
            loss = ((out - y) ** 2).sum() / (2 * len(index)) if quadratic else cross_entropy(out, y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        return float(loss.item())

    def weights(self):
        return [p.detach().numpy() for p in self.model.parameters()]


class NumpyByHand:
    """The same math with the gradients written out by hand (no autograd): a floor to aim at."""

    name = "numpy by hand"

    def __init__(self, weights, activation, cost, lr):
        self.params = [(w.copy(), b.copy()) for w, b in weights]
        self.activation, self.cost, self.lr = activation, cost, lr

    def epoch(self, images, targets, order):
        with np.errstate(over="ignore"):  # e^(−z) overflows to inf for very negative z: σ = 0
            return self._epoch(images, targets, order)

    def _epoch(self, images, targets, order):
        (w1, b1), (w2, b2) = self.params
        lr = self.lr
        sigmoid = self.activation == "sigmoid"
        for index in order:
            x, y = images[index], targets[index]
            n = len(index)
            z1 = x @ w1.T + b1
            a1 = 1 / (1 + np.exp(-z1)) if sigmoid else np.maximum(z1, 0)
            z2 = a1 @ w2.T + b2
            if self.cost == "quadratic":
                a2 = 1 / (1 + np.exp(-z2))
                delta2 = (a2 - y) * a2 * (1 - a2) / n
            else:
                e = np.exp(z2 - z2.max(axis=1, keepdims=True))
                p = e / e.sum(axis=1, keepdims=True)
                p[np.arange(n), y] -= 1
                delta2 = p / n
            delta1 = delta2 @ w2
            delta1 *= a1 * (1 - a1) if sigmoid else (z1 > 0)
            w2 -= lr * (delta2.T @ a1)
            b2 -= lr * delta2.sum(axis=0)
            w1 -= lr * (delta1.T @ x)
            b1 -= lr * delta1.sum(axis=0)
        return float("nan")

    def weights(self):
        return [a for pair in self.params for a in pair]


# ---------------------------------------------------------------------------------------------
# Measurements
# ---------------------------------------------------------------------------------------------

def implementations():
    found = [TinygradEdu, TinygradEduCaptured, NumpyByHand]
    if torch is not None:
        found.insert(1, Torch)
    return found


def run_workload(label, images, labels, one_hot, sizes, activation, cost, lr, batch_size, repeat,
                 seed):
    targets_for = {"quadratic": one_hot, "cross_entropy": labels}
    lecture = cost == "quadratic"
    weights = initial_weights(sizes, seed, lecture)
    runners = {cls.name: cls(weights, activation, cost, lr) for cls in implementations()}
    times = {name: [] for name in runners}
    targets = targets_for[cost]
    warm_up = batches(len(images), batch_size, seed + 1000)[:100]
    for runner in runners.values():
        runner.epoch(images, targets, warm_up)  # first-call costs (allocations, lazy set-up)
    runners = {cls.name: cls(weights, activation, cost, lr) for cls in implementations()}
    for r in range(repeat):
        order = batches(len(images), batch_size, seed + r)
        for name, runner in runners.items():
            start = time.perf_counter()
            runner.epoch(images, targets, order)
            times[name].append(time.perf_counter() - start)
    medians = {name: statistics.median(t) for name, t in times.items()}
    # Same start, same order, same math: after 200 steps the weights must agree up to float32
    # rounding (over whole epochs at η = 3 such differences grow, so this is checked early).
    runners = {cls.name: cls(weights, activation, cost, lr) for cls in implementations()}
    check_order = batches(len(images), batch_size, seed + 2000)[:200]
    for runner in runners.values():
        runner.epoch(images, targets, check_order)
    reference = runners["numpy by hand"].weights()
    agreement = {name: max(float(np.abs(a - b).max()) for a, b in zip(runner.weights(), reference))
                 for name, runner in runners.items()}
    return medians, agreement


def run_w3(images, one_hot, steps, seed):
    weights = initial_weights((784, 30, 10), seed, lecture=True)
    order = batches(len(images), 1, seed)[:steps]
    result = {}
    for cls in implementations():
        runner = cls(weights, "sigmoid", "quadratic", 3.0)
        runner.epoch(images, one_hot, order[:50])  # warm-up
        samples = []
        for _ in range(3):
            start = time.perf_counter()
            runner.epoch(images, one_hot, order)
            samples.append((time.perf_counter() - start) / len(order) * 1e6)
        result[cls.name] = statistics.median(samples)
    return result


def matmul_peak_gflops(size=1536, repeat=5):
    a = np.random.default_rng(0).standard_normal((size, size)).astype(np.float32)
    b = a.T.copy()
    a @ b
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        a @ b
        samples.append(time.perf_counter() - start)
    return 2 * size ** 3 / statistics.median(samples) / 1e9


def w2_flops(n_examples, batch_size):
    """Multiply-adds of W2's matrix products: forward, ∂W of both layers and ∂a₁ (not ∂x)."""
    steps = n_examples // batch_size
    b = batch_size
    forward = 2 * b * (784 * 100 + 100 * 10)
    backward = 2 * b * (784 * 100) + 2 * b * (100 * 10) * 2
    return steps * (forward + backward)


def blas_description():
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "unknown (pip install threadpoolctl to see it)"
    infos = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    return "; ".join(f"{i.get('internal_api')} {i.get('version')} ({i.get('architecture')}, "
                     f"{i.get('num_threads')} threads) from {i.get('prefix')}" for i in infos) \
        or "none found"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="epochs per workload (median)")
    parser.add_argument("--steps", type=int, default=2000, help="W3 steps")
    parser.add_argument("--examples", type=int, default=60000, help="training examples")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="1 repeat on 6,000 examples")
    args = parser.parse_args(argv)
    if args.quick:
        args.repeat, args.examples, args.steps = 1, 6000, 300

    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, "
          f"torch {torch.__version__ if torch else 'not installed'}")
    print(f"BLAS: {blas_description()}")
    if torch is not None:
        print(f"torch threads: {torch.get_num_threads()}")
    images, labels, one_hot = load_data(args.examples)
    print(f"{len(images)} examples; {args.repeat} epoch(s) per workload (median)\n")

    rows = []
    w1, agree1 = run_workload("W1", images, labels, one_hot, (784, 30, 10), "sigmoid", "quadratic",
                              3.0, 10, args.repeat, args.seed)
    rows.append(("W1 784-30-10 sigmoid, quadratic, batch 10 (s/epoch)", w1, "s"))
    w2, agree2 = run_workload("W2", images, labels, one_hot, (784, 100, 10), "relu",
                              "cross_entropy", 0.1, 128, args.repeat, args.seed)
    rows.append(("W2 784-100-10 ReLU, cross-entropy, batch 128 (s/epoch)", w2, "s"))
    w3 = run_w3(images, one_hot, args.steps, args.seed)
    rows.append(("W3 one step of W1 with batch 1 (µs/step)", w3, "µs"))

    names = [cls.name for cls in implementations()]
    header = f"{'workload':58s}" + "".join(f"{n:>16s}" for n in names) + \
        ("   ratio tg/torch" if torch else "")
    print(header)
    print("-" * len(header))
    for label, values, unit in rows:
        line = f"{label:58s}" + "".join(
            f"{values[n]:>16.3f}" if unit == "s" else f"{values[n]:>16.1f}" for n in names)
        if torch is not None:
            line += f"   {values['tinygrad_edu'] / values['torch']:>15.2f}"
        print(line)
    print()
    for label, n_examples, values in (("W1", len(images), w1), ("W2", len(images), w2)):
        print(f"{label} examples/second: " + ", ".join(
            f"{n} {n_examples / values[n]:,.0f}" for n in names))
    print("largest weight difference after the same 200 steps (vs numpy by hand): W1 " +
          ", ".join(f"{n} {agree1[n]:.2e}" for n in names) + "; W2 " +
          ", ".join(f"{n} {agree2[n]:.2e}" for n in names))
    peak = matmul_peak_gflops()
    flops = w2_flops(len(images), 128)
    print(f"float32 matmul peak of this machine (1536² sgemm): {peak:.1f} GFLOP/s; "
          f"W2's matrix products alone: {flops / 1e9:.1f} GFLOP per epoch, i.e. at least "
          f"{flops / 1e9 / peak:.3f} s at peak")
    for n in names:
        achieved = flops / w2[n] / 1e9
        print(f"  W2 {n}: {achieved:.1f} GFLOP/s = {achieved / peak:.0%} of peak "
              f"({w2[n] / (flops / 1e9 / peak):.1f}× the limit)")
    return rows


if __name__ == "__main__":
    main()
