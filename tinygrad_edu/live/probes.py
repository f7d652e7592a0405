"""What the live page shows about a model, measured on a small fixed batch: each layer's activations and their gradients, saturation, parameters, weight images, the decision boundary.

Every function here reads the model and returns plain JSON-able data (lists, floats, base64
strings); none changes a weight or a `.grad`. They run in the training thread, between two
steps, only as often as the page is updated (see `Watch`), so a few milliseconds each is fine.

The probe batch is fixed for the whole run, so a change in a histogram is a change of the
model, not of the data.
"""

import base64
import math

import numpy as np

from ..core import Tensor, grad, no_grad

__all__ = ["histogram", "layer_probe", "parameter_stats", "weight_images", "decision_boundary",
           "batch_arrays", "SATURATION"]

BINS = 24
"""Bars per histogram."""

SATURATION = {"Sigmoid": "a < 0.05 or a > 0.95 (σ′ < 0.048, under a fifth of its peak 0.25)",
              "Tanh": "|a| > 0.95 (tanh′ < 0.098, under a tenth of its peak 1)"}
"""When a unit counts as saturated: its derivative is so small that little gradient passes."""


def histogram(array, bins=BINS):
    """{"lo", "hi", "counts"} of the finite values of `array` (None when there are none)."""
    values = np.asarray(array, dtype=np.float64).ravel()
    values = values[np.isfinite(values)]
    if values.size == 0:
        return None
    lo, hi = float(values.min()), float(values.max())
    if hi == lo:
        lo, hi = lo - 0.5, hi + 0.5
    counts, _ = np.histogram(values, bins=bins, range=(lo, hi))
    return {"lo": lo, "hi": hi, "counts": counts.tolist(), "n": int(values.size),
            "mean": float(values.mean()), "std": float(values.std())}


def saturated_fraction(kind, activations):
    """The fraction of saturated units (see SATURATION) of a Sigmoid or Tanh layer, else None."""
    a = np.asarray(activations)
    if kind == "Sigmoid":
        return float(np.mean((a < 0.05) | (a > 0.95)))
    if kind == "Tanh":
        return float(np.mean(np.abs(a) > 0.95))
    return None


def batch_arrays(data, size, seed=0):
    """Up to `size` examples of `data` as numpy arrays (inputs, targets), picked with a seed.

    `data` may be a TensorDataset (or any Dataset of (input, target) pairs), a DataLoader
    (its dataset is used) or a pair (inputs, targets) of arrays or Tensors.
    """
    if data is None:
        return None
    if hasattr(data, "dataset") and hasattr(data, "batch_size"):
        data = data.dataset
    if isinstance(data, (tuple, list)) and len(data) == 2:
        inputs, targets = (np.asarray(t.numpy() if isinstance(t, Tensor) else t) for t in data)
    elif hasattr(data, "__getitem__") and hasattr(data, "__len__"):
        n = len(data)
        if n == 0:
            raise ValueError("watch: the data set is empty")
        picked = np.sort(np.random.default_rng(seed).permutation(n)[:size])
        if hasattr(data, "arrays") and len(data.arrays) == 2:
            inputs, targets = (a[picked] for a in data.arrays)
            return np.ascontiguousarray(inputs), np.ascontiguousarray(targets)
        items = [data[int(i)] for i in picked]
        inputs = np.stack([np.asarray(_array(item[0])) for item in items])
        targets = np.stack([np.asarray(_array(item[1])) for item in items])
    else:
        raise TypeError(f"watch: data must be a Dataset of (input, target) pairs, a DataLoader "
                        f"or a pair (inputs, targets), got {type(data).__name__}")
    if len(inputs) != len(targets):
        raise ValueError(f"watch: inputs and targets differ in length ({len(inputs)} and "
                         f"{len(targets)})")
    if len(inputs) > size:
        picked = np.sort(np.random.default_rng(seed).permutation(len(inputs))[:size])
        inputs, targets = inputs[picked], targets[picked]
    return np.ascontiguousarray(inputs), np.ascontiguousarray(targets)


def _array(value):
    return value.numpy() if isinstance(value, Tensor) else value


def _layers(model):
    """The (name, module) pairs a Sequential runs one after the other, or None for another model."""
    from ..nn import Sequential
    if isinstance(model, Sequential):
        return list(model.named_children())
    return None


def layer_probe(model, loss_fn, inputs, targets):
    """Each layer's output on the probe batch and its gradient ∂C/∂output.

    A Sequential is run layer by layer so that every layer's output is seen; another model
    shows only its final output. The gradients come from `tg.grad`, so no `.grad` changes.

    Returns:
        (layers, outputs, cost): layers is a list of dicts with "name", "kind" (the module's
        class), "activation" and "gradient" (histograms) and "saturated" (a fraction, or None);
        outputs the model's output array and cost the probe batch's cost (a float or None).
    """
    x = Tensor(inputs)
    pieces = _layers(model)
    seen = []
    if pieces is None:
        out = model(x)
        seen.append(("output", type(model).__name__, out))
    else:
        out = x
        for name, module in pieces:
            out = module(out)
            seen.append((name, type(module).__name__, out))
    cost, gradients = None, [None] * len(seen)
    if loss_fn is not None and targets is not None and out.requires_grad:
        loss = loss_fn(out, Tensor(targets))
        cost = float(loss.numpy())
        wanted = [t for _, _, t in seen if t.requires_grad]
        found = iter(grad(loss, wanted, allow_unused=True)) if wanted else iter(())
        gradients = [next(found) if t.requires_grad else None for _, _, t in seen]
    layers = []
    for (name, kind, t), g in zip(seen, gradients):
        a = t.numpy()
        layers.append({"name": f"{name} ({kind})", "kind": kind, "activation": histogram(a),
                       "gradient": None if g is None else histogram(g.numpy()),
                       "saturated": saturated_fraction(kind, a)})
    return layers, out.numpy(), cost


def parameter_stats(model, previous):
    """Per parameter: histograms of the values and of `.grad`, and the update-to-weight ratio.

    Args:
        previous: {name: array} copies of the parameters one step earlier (or None); the
            ratio is ‖w_now − w_before‖ / ‖w_before‖, the size of the last update relative to
            the weights (about 1e-3 is the usual healthy value).
    """
    stats = []
    for name, p in model.named_parameters():
        w = p.numpy()
        ratio = None
        if previous is not None and name in previous:
            before = previous[name]
            norm = float(np.linalg.norm(before))
            if norm > 0:
                ratio = float(np.linalg.norm(w - before)) / norm
        stats.append({"name": name, "shape": list(w.shape), "value": histogram(w),
                      "grad": None if p.grad is None else histogram(p.grad.numpy()),
                      "ratio": ratio})
    return stats


def _encode(array):
    """Bytes 0..255 as base64 text (the page turns them back into pixels)."""
    return base64.b64encode(np.ascontiguousarray(array, dtype=np.uint8).tobytes()).decode("ascii")


def image_side(features):
    """The side of a square image with `features` pixels (28 for 784), or None."""
    side = int(round(math.sqrt(features)))
    return side if side * side == features and side >= 4 else None


def weight_images(model, limit=64):
    """The incoming weights of the first layer's units as square images (28×28 for MNIST).

    Each unit is scaled on its own so that −max|w| is black, 0 mid grey and +max|w| white:
    the pattern it responds to shows whatever the weights' size.

    Returns:
        {"name", "side", "count", "pixels"} or None when the first weight matrix's inputs are
        not a square image.
    """
    for name, p in model.named_parameters():
        w = p.numpy()
        if w.ndim != 2:
            continue
        side = image_side(w.shape[1])
        if side is None:
            return None
        units = w[:limit].astype(np.float64)
        scale = np.abs(units).max(axis=1, keepdims=True)
        scale[scale == 0] = 1.0
        pixels = np.clip(np.rint(127.5 + 127.5 * units / scale), 0, 255)
        return {"name": name, "side": side, "count": int(len(units)), "pixels": _encode(pixels)}
    return None


def boundary_box(inputs, margin=0.15):
    """The plotting box [x0, x1, y0, y1] around 2-D points, with a margin."""
    lo, hi = inputs.min(axis=0).astype(float), inputs.max(axis=0).astype(float)
    pad = (hi - lo) * margin + 1e-6
    return [lo[0] - pad[0], hi[0] + pad[0], lo[1] - pad[1], hi[1] + pad[1]]


def decision_boundary(model, box, resolution=48):
    """The model's predicted class and its confidence on a grid over the 2-D box.

    Returns:
        {"box", "resolution", "classes" (base64, one byte per cell: the argmax class, rows
        from the top), "confidence" (base64: 0..255 for the margin of the winning output)}.
    """
    x0, x1, y0, y1 = box
    xs = np.linspace(x0, x1, resolution)
    ys = np.linspace(y1, y0, resolution)  # the first row is the top of the picture
    grid = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2).astype(np.float32)
    with no_grad():
        out = np.asarray(model(Tensor(grid)).numpy(), dtype=np.float64)
    if out.ndim == 1:
        out = out[:, None]
    if out.shape[1] == 1:  # one output: class 1 where it is above the middle of its range
        middle = 0.5 if 0.0 <= out.min() and out.max() <= 1.0 else 0.0
        classes = (out[:, 0] > middle).astype(np.uint8)
        confidence = np.clip(np.abs(out[:, 0] - middle) * 2, 0, 1)
    else:
        shifted = np.exp(out - out.max(axis=1, keepdims=True))
        probabilities = shifted / shifted.sum(axis=1, keepdims=True)
        classes = probabilities.argmax(axis=1).astype(np.uint8)
        confidence = (probabilities.max(axis=1) - 1.0 / out.shape[1]) / (1 - 1.0 / out.shape[1])
    return {"box": [float(v) for v in box], "resolution": resolution,
            "classes": _encode(classes), "confidence": _encode(np.rint(255 * confidence))}


def accuracy(outputs, targets):
    """The fraction classified right (argmax), or None when the outputs are not class scores."""
    outputs = np.asarray(outputs)
    if outputs.ndim != 2 or outputs.shape[1] < 2:
        return None
    targets = np.asarray(targets)
    true = targets.argmax(axis=1) if targets.ndim == 2 else targets.astype(np.int64)
    return float(np.mean(outputs.argmax(axis=1) == true))
