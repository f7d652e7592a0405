"""The gradient-flow plot: how fast each layer learns, measured by its gradient norm across training steps.

In a deep sigmoid network the early layers learn much more slowly than the late ones: δˡ =
((wˡ⁺¹)ᵀδˡ⁺¹) ⊙ σ′(zˡ) picks up a factor σ′ ≤ ¼ per layer, so the gradient shrinks on its way
back (the vanishing gradient problem, Nielsen ch. 5). Record it while training:

    recorder = GradientFlowRecorder(model)          # one entry per layer with parameters
    for x, y in loader:
        loss = cost(model(x), y)
        optimizer.zero_grad(); loss.backward()
        recorder.record()                           # after backward, before the next zero_grad
        optimizer.step()
    print(recorder.summary())                       # mean ‖∂C/∂bˡ‖ per layer
    recorder.plot("runs/gradient_flow.png")         # pip install tinygrad-edu[plot] (matplotlib)

Nielsen measures the speed of learning of layer l by ‖δˡ‖ = ‖∂C/∂bˡ‖ (the bias gradient, whose
size does not depend on the layer's fan-in); that is the default `quantity="bias"`.
"""

import numpy as np

from ..core import Tensor

__all__ = ["GradientFlowRecorder", "gradient_flow", "layer_gradient_norms", "learning_curves",
           "weight_images"]

_QUANTITIES = ("bias", "weight", "all")
_PLOT_HINT = ("plotting needs matplotlib, an optional extra: pip install tinygrad-edu[plot] "
              "(or pip install matplotlib)")


def _layer_label(name, module):
    cls = type(module).__name__
    for fan_in, fan_out in (("in_features", "out_features"), ("in_channels", "out_channels")):
        if hasattr(module, fan_in) and hasattr(module, fan_out):
            cls = f"{cls}({getattr(module, fan_in)}→{getattr(module, fan_out)})"
            break
    return f"{name}: {cls}" if name else cls


def _layers_of(model):
    """[(label, {parameter name: Parameter})] for every module that owns parameters itself."""
    if not hasattr(model, "named_modules"):
        raise TypeError(f"GradientFlowRecorder: expected an nn.Module, got "
                        f"{type(model).__name__}")
    layers = []
    for name, module in model.named_modules():
        own = dict(module.named_parameters(recurse=False))
        if own:
            layers.append((_layer_label(name, module), own))
    if not layers:
        raise ValueError(f"GradientFlowRecorder: {type(model).__name__} has no parameters, so "
                         f"there is no gradient to follow")
    return layers


def layer_gradient_norms(model, quantity="bias"):
    """{layer label: ‖gradient‖} of every layer with parameters, from the current `.grad`.

    Args:
        model: an nn.Module after loss.backward().
        quantity: "bias" (‖∂C/∂bˡ‖, Nielsen's speed of learning; layers without a bias use
            all their parameters), "weight" (‖∂C/∂wˡ‖), or "all" (every parameter of the layer).

    Returns:
        A dict label -> float, layers in the model's order ("0: Linear(784→30)", …).

    Raises:
        RuntimeError: a parameter has no gradient (call it after backward(), before zero_grad()).
    """
    if quantity not in _QUANTITIES:
        raise ValueError(f"gradient norms: quantity must be one of {_QUANTITIES}, got "
                         f"{quantity!r}")
    norms = {}
    for label, params in _layers_of(model):
        chosen = {k: p for k, p in params.items() if quantity == "all" or k == quantity}
        chosen = chosen or params
        total = 0.0
        for key, parameter in chosen.items():
            if parameter.grad is None:
                if not parameter.requires_grad:
                    continue  # a frozen parameter does not learn
                raise RuntimeError(f"gradient norms: {label}.{key} has no gradient; record after "
                                   f"loss.backward() and before optimizer.zero_grad()")
            g = parameter.grad.numpy().astype(np.float64)
            total += float((g * g).sum())
        norms[label] = float(np.sqrt(total))
    return norms


class GradientFlowRecorder:
    """Records the gradient norm of every layer at every training step.

    Args:
        model: the nn.Module being trained.
        quantity: "bias" (default, ‖∂C/∂bˡ‖ as in Nielsen ch. 5), "weight" or "all".

    Attributes:
        labels: the layers, e.g. ["0: Linear(784→30)", "2: Linear(30→30)", …].
        history: one list of norms (one per layer) per recorded step.
    """

    def __init__(self, model, quantity="bias"):
        if quantity not in _QUANTITIES:
            raise ValueError(f"GradientFlowRecorder: quantity must be one of {_QUANTITIES}, got "
                             f"{quantity!r}")
        self.model = model
        self.quantity = quantity
        self.labels = [label for label, _ in _layers_of(model)]
        self.history = []

    def record(self):
        """Store the current gradient norms (call after backward(), before zero_grad()).

        Returns:
            The dict label -> norm just recorded.
        """
        norms = layer_gradient_norms(self.model, self.quantity)
        self.history.append([norms[label] for label in self.labels])
        return norms

    def __len__(self):
        return len(self.history)

    @property
    def norms(self):
        """The history as an array (steps, layers)."""
        if not self.history:
            return np.zeros((0, len(self.labels)))
        return np.asarray(self.history, dtype=np.float64)

    def mean_norms(self):
        """{layer label: mean gradient norm over the recorded steps}."""
        if not self.history:
            raise RuntimeError("GradientFlowRecorder: nothing recorded yet; call record() after "
                               "each loss.backward()")
        return dict(zip(self.labels, self.norms.mean(axis=0).tolist()))

    def summary(self):
        """A text table: mean and last norm per layer, and each relative to the last layer."""
        means = self.mean_norms()
        last = self.norms[-1]
        reference = list(means.values())[-1]
        width = max(len(label) for label in self.labels)
        what = {"bias": "‖∂C/∂b‖", "weight": "‖∂C/∂w‖", "all": "‖∂C/∂θ‖"}[self.quantity]
        lines = [f"gradient flow over {len(self)} steps ({what} per layer, input side first)",
                 f"{'layer'.ljust(width)}  {'mean':>10}  {'last':>10}  {'mean / last layer':>17}"]
        for (label, mean), final in zip(means.items(), last):
            ratio = mean / reference if reference > 0 else float("nan")
            lines.append(f"{label.ljust(width)}  {mean:10.3e}  {final:10.3e}  {ratio:17.3g}")
        return "\n".join(lines)

    def plot(self, path=None, log=True, title=None):
        """Plot each layer's gradient norm against the training step (matplotlib).

        Args:
            path: an image file to write (.png, .svg, .pdf); None returns the Figure only.
            log: a logarithmic y axis (the norms differ by orders of magnitude).
            title: the figure title.

        Returns:
            The path written, or the matplotlib Figure when path is None.

        Raises:
            ImportError: matplotlib is missing (pip install tinygrad-edu[plot]).
        """
        if not self.history:
            raise RuntimeError("GradientFlowRecorder.plot: nothing recorded yet")
        figure, axes = _figure()
        norms = self.norms
        steps = np.arange(1, len(norms) + 1)
        for index, label in enumerate(self.labels):
            axes.plot(steps, norms[:, index], label=label)
        if log and (norms > 0).any():
            axes.set_yscale("log")
        axes.set_xlabel("training step (mini-batch)")
        what = {"bias": "‖∂C/∂bˡ‖", "weight": "‖∂C/∂wˡ‖", "all": "‖∂C/∂θˡ‖"}[self.quantity]
        axes.set_ylabel(what)
        axes.set_title(title or "Gradient flow: the speed of learning of each layer")
        axes.legend(fontsize="small")
        return _save(figure, path)


def _inline_support():
    """In a Jupyter kernel with matplotlib's inline backend, make sure IPython knows how to show
    a Figure as PNG (it learns it when the backend module is first imported, which pyplot does
    only at its first figure), so the bare figures returned here show themselves inline."""
    import sys
    if "ipykernel" not in sys.modules:
        return
    import matplotlib
    if "inline" in str(matplotlib.get_backend()).lower():
        try:
            import matplotlib_inline.backend_inline  # noqa: F401  (registers the formatter)
        except ImportError:
            pass


def _figure(columns=1, rows=1, figsize=(7, 4.5)):
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError(_PLOT_HINT) from None
    _inline_support()
    # A bare Figure with the Agg canvas: no pyplot, no global backend switch, no window.
    figure = Figure(figsize=figsize)
    FigureCanvasAgg(figure)
    if columns == 1 and rows == 1:
        return figure, figure.add_subplot(1, 1, 1)
    return figure, [figure.add_subplot(rows, columns, k + 1) for k in range(rows * columns)]


def _save(figure, path):
    if path is None:
        return figure
    import os
    path = os.fspath(path)
    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, exist_ok=True)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    return path


def gradient_flow(history_or_model, path=None, quantity="bias"):
    """Gradient norms per layer, from a recorder (mean over its steps) or a model (its current
    `.grad`), optionally drawn to `path`.

    Args:
        history_or_model: a GradientFlowRecorder, or an nn.Module after loss.backward().
        path: an image file to write: the recorder's norms over the steps, or for a model a
            bar chart of its current norms. None draws nothing (and needs no matplotlib).
        quantity: for a model, "bias", "weight" or "all" (see layer_gradient_norms).

    Returns:
        A dict layer label -> norm, input side first.

    Example:
        >>> loss.backward()
        >>> gradient_flow(model)      # {'0: Linear(784→30)': 0.012, …, '8: Linear(30→10)': 0.31}
    """
    if isinstance(history_or_model, GradientFlowRecorder):
        norms = history_or_model.mean_norms()
        if path is not None:
            history_or_model.plot(path)
        return norms
    if isinstance(history_or_model, Tensor):
        raise TypeError("gradient_flow: pass the model (or a GradientFlowRecorder), not a tensor")
    norms = layer_gradient_norms(history_or_model, quantity)
    if path is not None:
        figure, axes = _figure()
        labels = list(norms)
        axes.bar(range(len(labels)), list(norms.values()), color="#1976d2")
        axes.set_xticks(range(len(labels)))
        axes.set_xticklabels(labels, rotation=20, fontsize="small")
        if any(v > 0 for v in norms.values()):
            axes.set_yscale("log")
        axes.set_ylabel({"bias": "‖∂C/∂bˡ‖", "weight": "‖∂C/∂wˡ‖", "all": "‖∂C/∂θˡ‖"}[quantity])
        axes.set_title("Gradient norm per layer (input side on the left)")
        _save(figure, path)
    return norms


def learning_curves(history, path=None):
    """The learning curves of a `train.History`: cost per epoch (training and validation) on
    the left, accuracy per epoch on the right, the best epoch marked.

    Args:
        history: what `fit` returned.
        path: an image file to write; None returns the Figure (it shows itself in Jupyter).

    Returns:
        The matplotlib Figure, or the path written.
    """
    if not hasattr(history, "train_loss") or not hasattr(history, "val_accuracy"):
        raise TypeError(f"learning_curves: expected a train.History, got {type(history).__name__}")
    figure, (cost, accuracy) = _figure(columns=2, figsize=(11, 4))
    epochs = list(range(1, len(history.train_loss) + 1))
    cost.plot(epochs, history.train_loss, "o-", label="training cost")
    if history.val_loss:
        cost.plot(epochs[:len(history.val_loss)], history.val_loss, "s-", label="validation cost")
    if history.train_accuracy:
        accuracy.plot(epochs[:len(history.train_accuracy)], history.train_accuracy, "o-",
                      label="training accuracy")
    if history.val_accuracy:
        accuracy.plot(epochs[:len(history.val_accuracy)], history.val_accuracy, "s-",
                      label="validation accuracy")
    if history.best_epoch is not None:
        accuracy.axvline(history.best_epoch, color="gray", linestyle=":", label="best epoch")
    for axes, name in ((cost, "cost"), (accuracy, "accuracy")):
        axes.set_xlabel("epoch")
        axes.set_ylabel(name)
        axes.set_title(f"{name} per epoch")
        if axes.get_lines():
            axes.legend(loc="best")
    return _save(figure, path)


def weight_images(layer, path=None, count=None, columns=10, shape=(28, 28)):
    """What hidden units look for: each row of a Linear layer's weight (one hidden neuron's
    784 input weights) drawn as a 28×28 image, red for negative weights and blue for positive.

    Args:
        layer: an nn.Linear whose in_features is 28·28 (e.g. the first layer of 784-30-10).
        path: an image file to write; None returns the Figure.
        count: how many units to draw (default: all, at most 100).
        columns: images per row.
        shape: the image shape the inputs came from.

    Returns:
        The matplotlib Figure (one image per axes, titled "unit j"), or the path written.

    Raises:
        ValueError: the layer's inputs are not shape[0]·shape[1] pixels.
    """
    weight = getattr(layer, "weight", None)
    if weight is None or weight.ndim != 2:
        raise TypeError(f"weight_images: expected a Linear layer, got {type(layer).__name__}")
    weights = weight.numpy()
    pixels = shape[0] * shape[1]
    if weights.shape[1] != pixels:
        raise ValueError(f"weight_images: the layer has {weights.shape[1]} inputs, but images of "
                         f"shape {shape} have {pixels} pixels; pass the first layer of the network")
    count = min(len(weights), 100) if count is None else min(int(count), len(weights))
    rows = -(-count // columns)
    figure, axes = _figure(columns=columns, rows=rows, figsize=(1.3 * columns, 1.4 * rows + 0.4))
    axes = axes if isinstance(axes, list) else [axes]
    for unit, ax in enumerate(axes):
        ax.axis("off")
        if unit >= count:
            continue
        image = weights[unit].reshape(shape)
        scale = float(np.abs(image).max()) or 1.0
        ax.imshow(image, cmap="RdBu", vmin=-scale, vmax=scale)
        ax.set_title(f"unit {unit}", fontsize=8)
    figure.suptitle("hidden units' input weights (blue +, red −)")
    return _save(figure, path)
