"""Framework overhead per op: forward + backward through tinygrad_edu against the bare numpy computation of the same math (and PyTorch as a reference).

For each op and each input size, three implementations compute the same forward pass and
the gradients of every input (upstream gradient of ones):

  tinygrad   out = f(*tensors); out.backward(ones)         (graph recording + rules)
  numpy      the same forward and backward written by hand on arrays (no framework)
  torch      the same with PyTorch on CPU tensors (when torch is installed)

Before timing, the numpy gradients are checked against tinygrad's, so both compute the same
thing. The framework's overhead is (tinygrad − numpy) / (ops recorded in the forward graph);
the target is under 5 µs per recorded op. "op calls" also counts the ops the backward rules
run (they are Tensor operations too), and "fwd" is tinygrad's forward pass alone (recording
the graph). Times are medians over --repeat repeats (timeit), the implementations' repeats
interleaved. OpenBLAS variables are left as the environment sets them.

PyTorch runs with 1 intra-op thread by default (--torch-threads): on a small shared machine its
thread pool makes ops of ~100k elements 10-1000x slower at random (measured on the 2-core
development machine), while numpy's elementwise math is single-threaded anyway. numpy's BLAS
keeps its threads unless --blas-threads limits them at run time (threadpoolctl; no environment
variable is changed): on a busy 2-core machine a 2-thread OpenBLAS matmul can wait milliseconds
for its second thread.

Usage:
    .venv/bin/python benchmarks/bench_ops.py              # about a minute
    .venv/bin/python benchmarks/bench_ops.py --quick      # 3 repeats, shorter runs
    .venv/bin/python benchmarks/bench_ops.py --ops sigmoid,linear --sizes small
"""

import argparse
import contextlib
import os
import platform
import statistics
import sys
import timeit
from dataclasses import dataclass

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu.core import Op, topological_order
from tinygrad_edu.core import functional as F

try:
    import torch
    import torch.nn.functional as TF
except ImportError:  # the reference column is optional
    torch = None

__all__ = ["BENCHES", "SIZES", "measure", "main"]

SIZES = {"small": (10, 30), "medium": (128, 784)}
HIDDEN = 30  # the lecture's hidden layer: matmul and linear map d -> 30
TARGET_US = 5.0


@dataclass
class Bench:
    """One op: how to draw its inputs, and the three implementations of forward + backward."""

    name: str
    inputs: object       # (generator, n, d) -> (list of float arrays that get gradients, constants)
    tinygrad: object     # (*tensors, *constants) -> output Tensor
    numpy: object        # (arrays, constants, upstream) -> (output array, list of gradients)
    torch: object = None  # (*tensors, *constants) -> output tensor


def _x(g, n, d):
    return [g.standard_normal((n, d)).astype(np.float32)], []


def _xy(g, n, d):
    return [g.standard_normal((n, d)).astype(np.float32),
            g.standard_normal((n, d)).astype(np.float32)], []


def _x_row(g, n, d):
    return [g.standard_normal((n, d)).astype(np.float32),
            g.standard_normal(d).astype(np.float32)], []


def _x_positive(g, n, d):
    return [(0.5 + g.random((n, d))).astype(np.float32)], []


def _x_w(g, n, d):
    return [g.standard_normal((n, d)).astype(np.float32),
            (g.standard_normal((d, HIDDEN)) / np.sqrt(d)).astype(np.float32)], []


def _x_w_b(g, n, d):
    return [g.standard_normal((n, d)).astype(np.float32),
            (g.standard_normal((HIDDEN, d)) / np.sqrt(d)).astype(np.float32),
            g.standard_normal(HIDDEN).astype(np.float32)], []


def _x_w_b_target(g, n, d):
    arrays, _ = _x_w_b(g, n, d)
    return arrays, [g.random((n, HIDDEN)).astype(np.float32)]


def _x_index(g, n, d):
    return [g.standard_normal((n, d)).astype(np.float32)], [g.integers(0, n, n)]


def _x_labels(g, n, d):
    return [g.standard_normal((n, d)).astype(np.float32)], [g.integers(0, d, n)]


def _xy_mask(g, n, d):
    arrays, _ = _xy(g, n, d)
    return arrays, [g.random((n, d)) < 0.5]


def _xy_target(g, n, d):
    return ([g.standard_normal((n, d)).astype(np.float32)],
            [g.standard_normal((n, d)).astype(np.float32)])


def _np_softmax(x):
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _np_log_softmax(x):
    shifted = x - x.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def _np_sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _np_index(arrays, constants, g):
    (x,), (index,) = arrays, constants
    grad = np.zeros_like(x)
    np.add.at(grad, index, g)
    return x[index], [grad]


def _np_max(arrays, constants, g):
    (x,) = arrays
    out = x.max(axis=1)
    mask = (x == out[:, None]).astype(x.dtype)
    mask /= mask.sum(axis=1, keepdims=True)
    return out, [g[:, None] * mask]


def _np_logsumexp(arrays, constants, g):
    (x,) = arrays
    m = x.max(axis=1, keepdims=True)
    out = np.log(np.exp(x - m).sum(axis=1, keepdims=True)) + m
    return out[:, 0], [g[:, None] * np.exp(x - out)]


def _np_cross_entropy(arrays, constants, g):
    (x,), (labels,) = arrays, constants
    n = x.shape[0]
    log_probabilities = _np_log_softmax(x)
    out = -log_probabilities[np.arange(n), labels].sum() / n
    grad = np.exp(log_probabilities)
    grad[np.arange(n), labels] -= 1
    return out, [grad * (g / n)]


def _np_layer(arrays, constants, g):
    """sigmoid(x wᵀ + b) with the lecture's quadratic cost ½/n Σ (a − y)²."""
    (x, w, b), (y,) = arrays, constants
    n = x.shape[0]
    a = _np_sigmoid(x @ w.T + b)
    difference = a - y
    out = np.vdot(difference, difference) * (0.5 / n)
    delta = difference * (g / n) * a * (1 - a)
    return out, [delta @ w, delta.T @ x, delta.sum(0)]


def _softmax_numpy(arrays, constants, g):
    s = _np_softmax(arrays[0])
    return s, [s * (g - (g * s).sum(axis=1, keepdims=True))]


def _log_softmax_numpy(arrays, constants, g):
    out = _np_log_softmax(arrays[0])
    return out, [g - np.exp(out) * g.sum(axis=1, keepdims=True)]


def _where_numpy(arrays, constants, g):
    mask = constants[0]
    return np.where(mask, *arrays), [g * mask, g * ~mask]


def _squared_error_numpy(arrays, constants, g):
    difference = arrays[0] - constants[0]
    return np.vdot(difference, difference) * 0.5, [difference * g]


def _torch_cross_entropy(x, labels):
    return TF.cross_entropy(x, labels)


def _torch_layer(x, w, b, y):
    a = torch.sigmoid(TF.linear(x, w, b))
    return ((a - y) ** 2).sum() * (0.5 / x.shape[0])


BENCHES = [
    Bench("add", _xy, lambda a, b: a + b, lambda A, C, g: (A[0] + A[1], [g, g]),
          lambda a, b: a + b),
    Bench("add_broadcast", _x_row, lambda a, b: a + b,
          lambda A, C, g: (A[0] + A[1], [g, g.sum(0)]), lambda a, b: a + b),
    Bench("mul", _xy, lambda a, b: a * b, lambda A, C, g: (A[0] * A[1], [g * A[1], g * A[0]]),
          lambda a, b: a * b),
    Bench("div", lambda g, n, d: ([_x(g, n, d)[0][0], _x_positive(g, n, d)[0][0]], []),
          lambda a, b: a / b,
          lambda A, C, g: (A[0] / A[1], [g / A[1], -(g / A[1]) * A[0] / A[1]]),
          lambda a, b: a / b),
    Bench("pow2", _x, lambda a: a ** 2, lambda A, C, g: (A[0] ** 2, [g * 2 * A[0]]),
          lambda a: a ** 2),
    Bench("matmul", _x_w, lambda x, w: x @ w,
          lambda A, C, g: (A[0] @ A[1], [g @ A[1].T, A[0].T @ g]),
          lambda x, w: x @ w),
    Bench("linear", _x_w_b, F.linear,
          lambda A, C, g: (A[0] @ A[1].T + A[2], [g @ A[1], g.T @ A[0], g.sum(0)]),
          lambda x, w, b: TF.linear(x, w, b)),
    Bench("exp", _x, lambda x: x.exp(), lambda A, C, g: (np.exp(A[0]), [g * np.exp(A[0])]),
          lambda x: x.exp()),
    Bench("log", _x_positive, lambda x: x.log(), lambda A, C, g: (np.log(A[0]), [g / A[0]]),
          lambda x: x.log()),
    Bench("sigmoid", _x, lambda x: x.sigmoid(),
          lambda A, C, g: (lambda s: (s, [g * s * (1 - s)]))(_np_sigmoid(A[0])),
          lambda x: torch.sigmoid(x)),
    Bench("relu", _x, lambda x: x.relu(),
          lambda A, C, g: (lambda m: (A[0] * m, [g * m]))(A[0] > 0), lambda x: torch.relu(x)),
    Bench("tanh", _x, lambda x: x.tanh(),
          lambda A, C, g: (lambda t: (t, [g * (1 - t * t)]))(np.tanh(A[0])),
          lambda x: torch.tanh(x)),
    Bench("softmax", _x, lambda x: x.softmax(1), _softmax_numpy, lambda x: torch.softmax(x, 1)),
    Bench("log_softmax", _x, lambda x: x.log_softmax(1), _log_softmax_numpy,
          lambda x: torch.log_softmax(x, 1)),
    Bench("logsumexp", _x, lambda x: x.logsumexp(1), _np_logsumexp,
          lambda x: torch.logsumexp(x, 1)),
    Bench("sum", _x, lambda x: x.sum(),
          lambda A, C, g: (A[0].sum(), [np.broadcast_to(g, A[0].shape)]),
          lambda x: x.sum()),
    Bench("mean_dim", _x, lambda x: x.mean(1),
          lambda A, C, g: (A[0].mean(1), [np.broadcast_to(g[:, None] / A[0].shape[1], A[0].shape)]),
          lambda x: x.mean(1)),
    Bench("max_dim", _x, lambda x: x.amax(1), _np_max, lambda x: torch.amax(x, 1)),
    Bench("reshape_T", _x, lambda x: x.reshape(-1, 2).T,
          lambda A, C, g: (A[0].reshape(-1, 2).T, [g.T.reshape(A[0].shape)]),
          lambda x: x.reshape(-1, 2).T),
    Bench("index_rows", _x_index, lambda x, index: x[index], _np_index,
          lambda x, index: x[index]),
    Bench("cat", _xy, lambda a, b: tg.cat([a, b], 1),
          lambda A, C, g: (np.concatenate(A, 1), [g[:, :A[0].shape[1]], g[:, A[0].shape[1]:]]),
          lambda a, b: torch.cat([a, b], 1)),
    Bench("where", _xy_mask, lambda a, b, mask: tg.where(mask, a, b), _where_numpy,
          lambda a, b, mask: torch.where(mask, a, b)),
    Bench("squared_error", _xy_target, lambda a, y: F.squared_error(a, y, 0.5),
          _squared_error_numpy, lambda a, y: ((a - y) ** 2).sum() * 0.5),
    Bench("cross_entropy", _x_labels, F.softmax_cross_entropy, _np_cross_entropy,
          _torch_cross_entropy),
    Bench("sigmoid_layer_cost", _x_w_b_target,
          lambda x, w, b, y: F.squared_error(F.linear(x, w, b).sigmoid(), y, 0.5 / x.shape[0]),
          _np_layer, _torch_layer),
]


# ---------------------------------------------------------------------------------------------
# Measurement
# ---------------------------------------------------------------------------------------------

def _calibrate(run, budget):
    """How many calls of run() take about budget / 5 seconds (after a warm-up call)."""
    run()
    number = 1
    while True:
        elapsed = timeit.timeit(run, number=number)
        if elapsed >= budget / 5 or number >= 1_000_000:
            break
        number *= 4
    return max(1, int(number * (budget / 5) / max(elapsed, 1e-9)))


def _interleaved_medians(runs, repeat, budget, statistic=statistics.median):
    """Median (or `statistic`) µs per call of each run; the repeats of the implementations are
    interleaved, so a noisy neighbour on a shared machine slows them alike."""
    numbers = {name: _calibrate(run, budget) for name, run in runs.items()}
    times = {name: [] for name in runs}
    for _ in range(repeat):
        for name, run in runs.items():
            times[name].append(timeit.timeit(run, number=numbers[name]) / numbers[name])
    return {name: statistic(values) * 1e6 for name, values in times.items()}


def _count_ops(bench, tensors, constants):
    """(ops recorded in the forward graph, op applications in forward + backward)."""
    calls = [0]
    original = Op.__dict__["apply"]

    def counting(cls, *inputs, **params):
        calls[0] += 1
        return original.__func__(cls, *inputs, **params)

    Op.apply = classmethod(counting)
    try:
        out = bench.tinygrad(*tensors, *constants)
        recorded = len(topological_order(out))
        out.backward(tg.ones_like(out))
    finally:
        Op.apply = original
    for t in tensors:
        t.grad = None
    return recorded, calls[0]


def measure(bench, size, repeat=7, budget=0.15, use_torch=True, seed=0, statistic="median"):
    """Time one bench at one size; returns a dict of µs per forward + backward and op counts.

    The numpy baseline's output and gradients are first checked against tinygrad's
    (AssertionError if they differ), so both sides time the same computation.
    """
    n, d = SIZES[size]
    generator = np.random.default_rng(seed)
    arrays, constants = bench.inputs(generator, n, d)
    tensors = [tg.Tensor(a.copy(), requires_grad=True) for a in arrays]
    tg_constants = [tg.Tensor(c) if c.dtype.kind == "f" else c for c in constants]

    out = bench.tinygrad(*tensors, *tg_constants)
    upstream = np.ones(out.shape, dtype=out.dtype)
    upstream_tensor = tg.Tensor(upstream)

    # the numpy baseline must compute what tinygrad computes
    expected, numpy_grads = bench.numpy(arrays, constants, upstream)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-4, atol=1e-5, err_msg=bench.name)
    out.backward(upstream_tensor)
    for t, grad in zip(tensors, numpy_grads):
        np.testing.assert_allclose(t.grad.numpy(), grad, rtol=1e-4, atol=1e-5, err_msg=bench.name)
        t.grad = None
    recorded, calls = _count_ops(bench, tensors, tg_constants)

    def run_tinygrad():
        for t in tensors:
            t.grad = None
        bench.tinygrad(*tensors, *tg_constants).backward(upstream_tensor)

    def run_tinygrad_forward():
        bench.tinygrad(*tensors, *tg_constants)

    def run_numpy():
        bench.numpy(arrays, constants, upstream)

    runs = {"tinygrad": run_tinygrad, "tinygrad_forward": run_tinygrad_forward,
            "numpy": run_numpy}
    if use_torch and torch is not None and bench.torch is not None:
        torch_tensors = [torch.tensor(a, requires_grad=True) for a in arrays]
        torch_constants = [torch.from_numpy(np.asarray(c)) for c in constants]
        torch_upstream = torch.from_numpy(upstream)

        def run_torch():
            for t in torch_tensors:
                t.grad = None
            bench.torch(*torch_tensors, *torch_constants).backward(torch_upstream)

        runs["torch"] = run_torch
    result = {"op": bench.name, "size": size, "recorded": recorded, "calls": calls, "torch": None}
    summary = min if statistic == "min" else statistics.median
    result.update(_interleaved_medians(runs, repeat, budget, summary))
    overhead = result["tinygrad"] - result["numpy"]
    result["per_recorded"] = overhead / recorded
    result["per_call"] = overhead / calls
    return result


# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------

def blas_description():
    """Which BLAS numpy runs (threadpoolctl when installed, else numpy's build config)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        config = np.show_config(mode="dicts") if np.lib.NumpyVersion(np.__version__) >= "1.25.0" \
            else {}
        blas = config.get("Build Dependencies", {}).get("blas", {})
        return [f"numpy BLAS (build config): {blas.get('name', '?')} {blas.get('version', '')}"]
    lines = []
    for info in threadpool_info():
        if info.get("user_api") == "blas":
            lines.append(f"{info.get('internal_api')} {info.get('version')} "
                         f"({info.get('architecture')}, {info.get('num_threads')} threads, "
                         f"{os.path.basename(info.get('filepath', ''))})")
    return lines or ["no BLAS library found by threadpoolctl"]


def print_header():
    print(f"python {platform.python_version()}, numpy {np.__version__}, "
          f"torch {torch.__version__ if torch is not None else 'not installed'}, "
          f"{os.cpu_count()} cpus")
    for line in blas_description():
        print(f"BLAS: {line}")
    for variable in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS",
                     "OMP_NUM_THREADS"):
        if variable in os.environ:
            print(f"  {variable}={os.environ[variable]} (left as set)")
    if torch is not None:
        print(f"torch threads: {torch.get_num_threads()}")
    print()


def print_table(results):
    header = (f"{'op':<20}{'size':>7}{'rec':>4}{'calls':>6}{'tinygrad µs':>12}{'fwd µs':>8}"
              f"{'numpy µs':>10}{'torch µs':>10}{'µs/rec op':>11}{'µs/call':>9}")
    print(header)
    print("-" * len(header))
    for r in results:
        torch_time = f"{r['torch']:10.1f}" if r["torch"] is not None else f"{'-':>10}"
        print(f"{r['op']:<20}{r['size']:>7}{r['recorded']:>4}{r['calls']:>6}{r['tinygrad']:12.1f}"
              f"{r['tinygrad_forward']:8.1f}{r['numpy']:10.1f}{torch_time}{r['per_recorded']:11.2f}"
              f"{r['per_call']:9.2f}")


def print_summary(results):
    print()
    for size in SIZES:
        rows = [r for r in results if r["size"] == size]
        if not rows:
            continue
        per_recorded = [r["per_recorded"] for r in rows]
        per_call = [r["per_call"] for r in rows]
        median = statistics.median(per_recorded)
        verdict = "meets" if median < TARGET_US else "misses"
        print(f"{size} {SIZES[size]}: overhead per recorded op median {median:.2f} µs "
              f"(min {min(per_recorded):.2f}, max {max(per_recorded):.2f}); per op call median "
              f"{statistics.median(per_call):.2f} µs -> {verdict} the {TARGET_US:g} µs target")
        torch_rows = [r for r in rows if r["torch"] is not None]
        if torch_rows:
            ratio = statistics.median(r["tinygrad"] / r["torch"] for r in torch_rows)
            print(f"  tinygrad / torch time, median over ops: {ratio:.2f}x")
    print("\nSmall inputs show the framework's fixed cost per op; on medium inputs the numpy "
          "arithmetic and memory traffic dominate and the difference carries more timing noise.")


# name: (tinygrad op, numpy forward, numpy backward of the same rule: (g, input, output, c) -> g)
CHAIN_OPS = {
    "add": (lambda t, c: t + c, lambda a, c: a + c, lambda g, x, y, c: g),
    "mul": (lambda t, c: t * c, lambda a, c: a * c, lambda g, x, y, c: g * c),
    "tanh": (lambda t, c: t.tanh(), lambda a, c: np.tanh(a), lambda g, x, y, c: g * (1 - y * y)),
    "sigmoid": (lambda t, c: t.sigmoid(), lambda a, c: 1 / (1 + np.exp(-a)),
                lambda g, x, y, c: g * y * (1 - y)),
    "relu": (lambda t, c: t.relu(), lambda a, c: a * (a > 0), lambda g, x, y, c: g * (x > 0)),
}


def chain_costs(repeat, budget, length=20, size="small"):
    """The marginal cost of one more recorded op, and the fixed cost of one backward() call.

    A single-op graph charges the whole fixed cost of backward() (the topological sort, the
    seed gradient) to its one op. Here each op is applied `length` times in a chain and once;
    the difference divided by length − 1 is what one more recorded op costs in a real graph
    (forward, its backward rule, the engine's bookkeeping), and the numpy arithmetic of the
    same forward and backward math is subtracted to leave the framework's own overhead.
    """
    n, d = SIZES[size]
    generator = np.random.default_rng(0)
    base = (generator.standard_normal((n, d)) * 0.5).astype(np.float32)
    constant = (generator.uniform(0.9, 1.1, (n, d))).astype(np.float32)
    rows = []
    for name, (tg_op, np_op, np_backward) in CHAIN_OPS.items():
        x = tg.Tensor(base.copy(), requires_grad=True)
        c = tg.Tensor(constant)
        upstream = tg.Tensor(np.ones((n, d), dtype=np.float32))

        def chain(k):
            def run():
                x.grad = None
                y = x
                for _ in range(k):
                    y = tg_op(y, c)
                y.backward(upstream)
            return run

        def numpy_chain(k):
            def run():
                values = [base]
                for _ in range(k):
                    values.append(np_op(values[-1], constant))
                g = np.ones_like(base)
                for i in range(k, 0, -1):
                    g = np_backward(g, values[i - 1], values[i], constant)
            return run

        times = _interleaved_medians({"one": chain(1), "many": chain(length),
                                      "numpy_one": numpy_chain(1),
                                      "numpy_many": numpy_chain(length)}, repeat, budget)
        per_op = (times["many"] - times["one"]) / (length - 1)
        numpy_per_op = (times["numpy_many"] - times["numpy_one"]) / (length - 1)
        rows.append((name, per_op, per_op - numpy_per_op, times["one"] - per_op))
    return rows


def print_chain_costs(rows, length=20):
    print(f"\nIn a chain of {length} ops (small inputs): µs per additional recorded op "
          f"(forward + backward rule + engine)")
    print(f"{'op':10s} {'total':>8s} {'overhead':>9s} {'fixed cost of backward()':>26s}")
    for name, total, overhead, fixed in rows:
        print(f"{name:10s} {total:8.2f} {overhead:9.2f} {fixed:26.2f}")
    overheads = [r[2] for r in rows]
    verdict = "meets" if statistics.median(overheads) < 5 else "misses"
    print(f"median overhead per additional recorded op: {statistics.median(overheads):.2f} µs "
          f"-> {verdict} the 5 µs target; fixed cost of one backward() call: median "
          f"{statistics.median(r[3] for r in rows):.2f} µs")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 repeats, shorter measurements")
    parser.add_argument("--repeat", type=int, default=7, help="timeit repeats (median is reported)")
    parser.add_argument("--sizes", default="small,medium", help="comma list of " + ",".join(SIZES))
    parser.add_argument("--ops", default="", help="comma list of op names (default: all)")
    parser.add_argument("--no-torch", action="store_true", help="skip the PyTorch column")
    parser.add_argument("--statistic", choices=("median", "min"), default="median",
                        help="summary of the repeats (min is robust on a busy machine)")
    parser.add_argument("--blas-threads", type=int, default=None,
                        help="limit numpy's BLAS threads at run time through threadpoolctl "
                             "(default: leave them as the environment sets them)")
    parser.add_argument("--torch-threads", type=int, default=1,
                        help="torch.set_num_threads for the reference column (default 1)")
    args = parser.parse_args(argv)
    repeat, budget = (3, 0.05) if args.quick else (args.repeat, 0.15)
    sizes = [s for s in args.sizes.split(",") if s]
    unknown = set(sizes) - set(SIZES)
    if unknown:
        parser.error(f"unknown sizes {sorted(unknown)}; choose from {sorted(SIZES)}")
    names = [o for o in args.ops.split(",") if o]
    benches = [b for b in BENCHES if not names or b.name in names]
    if names and len(benches) != len(names):
        parser.error(f"unknown ops {sorted(set(names) - {b.name for b in BENCHES})}")
    if torch is not None:
        torch.set_num_threads(args.torch_threads)
    limiter = contextlib.nullcontext()
    if args.blas_threads is not None:
        from threadpoolctl import threadpool_limits
        limiter = threadpool_limits(limits=args.blas_threads, user_api="blas")
    results = []
    with limiter:
        print_header()
        print(f"{args.statistic} of {repeat} interleaved repeats, µs per forward + backward\n")
        for size in sizes:
            for bench in benches:
                results.append(measure(bench, size, repeat, budget, not args.no_torch,
                                       statistic=args.statistic))
                print(f"\r  measured {len(results)}/{len(sizes) * len(benches)}", end="",
                      file=sys.stderr, flush=True)
        print(file=sys.stderr)
        chain_rows = chain_costs(repeat, budget)
    print_table(results)
    print_summary(results)
    print_chain_costs(chain_rows)
    return results


if __name__ == "__main__":
    main()
