"""The training loop: mini-batch SGD over epochs, validation, early stopping, history and progress.

`fit` is the lecture's procedure in one call: each epoch shuffles the training set, cuts it
into mini-batches, and for each mini-batch computes the cost, backpropagates and lets the
optimizer step; after each epoch it measures the accuracy on the validation set, and with
`patience` it stops when that accuracy has not improved for so many epochs, then restores
the weights of the best epoch (early stopping).

    history = fit(model, load_mnist("train"), nn.QuadraticCost(), optim.SGD(model.parameters(), 3.0),
                  epochs=30, batch_size=10, val_data=load_mnist("validation"))
    print(history.as_table())
    evaluate(model, load_mnist("test"))["accuracy"]
"""

import math
import numbers
import time
from dataclasses import dataclass, field

import numpy as np

from .core import Tensor, no_grad, rng
from .core import say

__all__ = ["fit", "evaluate", "predict", "History", "TrainingDiverged"]

PROGRESS_EVERY = 50
"""Steps between two updates of the progress bar: a bar redrawn every step would cost more
than the lecture network's whole step."""


class TrainingDiverged(RuntimeError):
    """The training loss became NaN or infinite; `epoch`, `batch`, `loss` and `history` say where."""

    def __init__(self, message, epoch, batch, loss, history):
        super().__init__(message)
        self.epoch = epoch
        self.batch = batch
        self.loss = loss
        self.history = history


@dataclass
class History:
    """What happened in each epoch of `fit` (lists have one entry per epoch run).

    Attributes:
        train_loss: mean training loss over the epoch's mini-batches (with the L2 term, if
            any, since that is the cost being minimized).
        val_loss: mean validation loss (data term only), or empty without validation data.
        val_accuracy: fraction of validation examples classified right.
        train_accuracy: fraction of training examples right at the end of each epoch (only
            with `fit(..., train_accuracy=True)`).
        lr: the learning rate of the first parameter group during each epoch.
        seconds: wall time of each epoch's training steps (validation not included).
        best_epoch: the epoch (1-based) with the best validation metric, or None.
        best_val_accuracy: the validation accuracy of that epoch, or None.
        stopped_early: True when training ended before the requested number of epochs.
        stop_reason: why training ended (a sentence).
        epochs_run: how many epochs ran.
        restored_best: True when the weights of `best_epoch` were put back at the end.
    """

    train_loss: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    val_accuracy: list = field(default_factory=list)
    train_accuracy: list = field(default_factory=list)
    lr: list = field(default_factory=list)
    seconds: list = field(default_factory=list)
    best_epoch: int = None
    best_val_accuracy: float = None
    stopped_early: bool = False
    stop_reason: str = ""
    epochs_run: int = 0
    restored_best: bool = False

    def as_table(self):
        """The history as a text table, one row per epoch; the best epoch is marked with *."""
        columns = [("epoch", None)]
        columns.append(("train_loss", self.train_loss))
        if self.train_accuracy:
            columns.append(("train_acc", self.train_accuracy))
        if self.val_loss:
            columns.append(("val_loss", self.val_loss))
        if self.val_accuracy:
            columns.append(("val_acc", self.val_accuracy))
        columns.append(("lr", self.lr))
        columns.append(("seconds", self.seconds))
        header = "  ".join(f"{say('table.' + name):>10}" for name, _ in columns)
        lines = [header, "-" * len(header)]
        for epoch in range(1, self.epochs_run + 1):
            cells = []
            for name, values in columns:
                if values is None:
                    mark = "*" if epoch == self.best_epoch else " "
                    cells.append(f"{epoch:>9}{mark}")
                    continue
                value = values[epoch - 1] if epoch - 1 < len(values) else None
                if value is None:
                    cells.append(f"{'':>10}")
                elif "acc" in name:
                    cells.append(f"{100 * value:>9.2f}%")
                elif name == "lr":
                    cells.append(f"{value:>10.4g}")
                elif name == "seconds":
                    cells.append(f"{value:>10.2f}")
                else:
                    cells.append(f"{value:>10.5f}")
            lines.append("  ".join(cells))
        if self.best_epoch is not None:
            best = (say("table.best_accuracy", accuracy=f"{100 * self.best_val_accuracy:.2f}")
                    if self.best_val_accuracy is not None
                    else say("table.best_loss", loss=f"{self.val_loss[self.best_epoch - 1]:.5f}"))
            lines.append(say("table.best", epoch=self.best_epoch, best=best)
                         + (say("table.restored") if self.restored_best else ""))
        if self.stop_reason:
            lines.append(self.stop_reason)
        return "\n".join(lines)

    def __str__(self):
        return self.as_table()

    def plot(self, path=None):
        """Learning curves: cost and accuracy per epoch, training and validation (matplotlib).

        Returns the Figure (it shows itself in Jupyter), or the path written when `path` is
        given; see `tinygrad_edu.lens.plots.learning_curves`.
        """
        from .lens.plots import learning_curves
        return learning_curves(self, path)


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------

def _loader(data, batch_size, shuffle, seed, caller):
    """A DataLoader over a dataset (shuffled or not); a DataLoader is used as it is."""
    from .data import DataLoader  # a lazy import: `import tinygrad_edu.train` stays light
    if isinstance(data, DataLoader):
        return data
    if hasattr(data, "__getitem__") and hasattr(data, "__len__"):
        if len(data) == 0:
            raise ValueError(f"{caller}: the dataset is empty")
        return DataLoader(data, batch_size=batch_size, shuffle=shuffle, seed=seed)
    raise TypeError(f"{caller}: expected a Dataset (e.g. TensorDataset(images, labels)) or a "
                    f"DataLoader, got {type(data).__name__}")


def _evaluation_batches(data, batch_size):
    """Batches in order. A TensorDataset of (inputs, targets) is cut into slices, which are
    views of its arrays (a DataLoader's gather would copy every batch)."""
    from .data import TensorDataset
    if isinstance(data, TensorDataset) and len(data.arrays) == 2:
        inputs, targets = data.arrays
        return ((Tensor(inputs[start:start + batch_size]), Tensor(targets[start:start + batch_size]))
                for start in range(0, len(data), batch_size))
    return iter(_loader(data, batch_size, False, None, "evaluate"))


def _class_indices(targets, caller):
    """Targets as an int array of class indices: indices stay, one-hot rows become argmax."""
    array = targets.numpy() if isinstance(targets, Tensor) else np.asarray(targets)
    if array.ndim == 2:
        return array.argmax(axis=1)
    if array.ndim == 1:
        return array.astype(np.int64, copy=False)
    raise ValueError(f"{caller}: targets must be class indices (N,) or one-hot rows (N, C), got "
                     f"shape {array.shape}")


def _predicted_classes(outputs, caller):
    array = outputs.numpy() if isinstance(outputs, Tensor) else np.asarray(outputs)
    if array.ndim != 2 or array.shape[1] < 2:
        raise ValueError(f"{caller}: the model's output has shape {array.shape}; accuracy needs "
                         f"one score per class, shape (N, C) with C >= 2 (for two classes use "
                         f"two outputs)")
    return array.argmax(axis=1)


class _ModeGuard:
    """Put a model in eval mode (or train mode) and restore its previous mode afterwards."""

    def __init__(self, model, training):
        self.model = model
        self.training = training
        self.previous = None

    def __enter__(self):
        if hasattr(self.model, "train") and hasattr(self.model, "training"):
            self.previous = self.model.training
            self.model.train(self.training)
        return self.model

    def __exit__(self, *exc_info):
        if self.previous is not None:
            self.model.train(self.previous)
        return False


def _snapshot(model):
    """Copies of every array of the model's state_dict (so later steps cannot change them)."""
    return {key: np.array(value.numpy() if isinstance(value, Tensor) else value, copy=True)
            for key, value in model.state_dict().items()}


def _clip_gradients(parameters, max_norm):
    """Scale all gradients by one factor so that their joint L2 norm is at most max_norm."""
    grads = [p.grad.numpy() for p in parameters if p.grad is not None]
    total = math.sqrt(sum(float(np.vdot(g, g)) for g in grads))
    if total > max_norm:
        scale = max_norm / (total + 1e-12)
        for p in parameters:
            if p.grad is not None:
                p.grad = Tensor(p.grad.numpy() * scale)
    return total


def _check_positive_int(caller, name, value, allow_none=False):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{caller}: {name} must be an int >= 1, got {value!r}")
    return int(value)


# ---------------------------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------------------------

def evaluate(model, dataset, batch_size=1000, loss_fn=None):
    """Accuracy, confusion matrix and (optionally) mean loss of `model` on `dataset`.

    The model runs in eval mode (no dropout, BatchNorm's running statistics) under
    `no_grad()`, in batches; its previous mode is restored afterwards.

    Args:
        model: a callable Module. For accuracy its output must hold one score per class,
            shape (N, C) with C >= 2; other outputs (a regression) need `loss_fn`, and then
            "accuracy" and "confusion" are None.
        dataset: a Dataset of (input, target) pairs or a DataLoader; targets may be class
            indices (N,) or one-hot rows (N, C).
        batch_size: examples per forward pass (bigger is faster, up to memory).
        loss_fn: when given, the mean of loss_fn(outputs, targets) over the dataset
            (weighted by batch size) is reported as "loss".

    Returns:
        A dict with "accuracy" (fraction right, a float), "correct" and "n" (ints),
        "confusion" (a C×C int array: rows the true class, columns the predicted one) and,
        with loss_fn, "loss".

    Raises:
        ValueError: an empty dataset, a target class outside the model's outputs, or
            outputs that are not class scores when no loss_fn is given.

    Example:
        >>> result = evaluate(model, load_mnist("test"))
        >>> result["accuracy"], result["confusion"].trace()
        (0.9512, 9512)
    """
    batches = _evaluation_batches(dataset, batch_size)
    classify, confusion, total_loss, n = None, None, 0.0, 0
    with _ModeGuard(model, False), no_grad():
        for inputs, targets in batches:
            outputs = model(inputs)
            if classify is None:
                confusion = _empty_confusion(outputs, loss_fn)
                classify = confusion is not None
            if classify:
                _count_predictions(confusion, outputs, targets)
            batch = len(outputs.numpy())
            if loss_fn is not None:
                total_loss += float(loss_fn(outputs, targets).numpy()) * batch
            n += batch
    if n == 0:
        raise ValueError("evaluate: the dataset is empty")
    result = {"accuracy": None, "correct": None, "n": n, "confusion": confusion}
    if classify:
        correct = int(np.trace(confusion))
        result.update(accuracy=correct / n, correct=correct)
    if loss_fn is not None:
        result["loss"] = total_loss / n
    return result


def _empty_confusion(outputs, loss_fn):
    """For the first batch: a zero C×C confusion matrix when the outputs are class scores
    (N, C ≥ 2), else None; outputs of another shape need a loss_fn (or an error says why)."""
    if outputs.ndim == 2 and outputs.shape[1] >= 2:
        classes = outputs.shape[1]
        return np.zeros((classes, classes), dtype=np.int64)
    if loss_fn is None:
        _predicted_classes(outputs, "evaluate")  # raises the explanation
    return None


def _count_predictions(confusion, outputs, targets):
    """Add one batch to the confusion matrix (rows the true class, columns the predicted)."""
    classes = len(confusion)
    predicted = outputs.numpy().argmax(axis=1)
    true = _class_indices(targets, "evaluate")
    if true.size and (true.min() < 0 or true.max() >= classes):
        bad = int(true.min()) if true.min() < 0 else int(true.max())
        raise ValueError(f"evaluate: the target class {bad} is outside the model's "
                         f"{classes} outputs (classes 0..{classes - 1})")
    confusion += np.bincount(true * classes + predicted,
                             minlength=classes * classes).reshape(classes, classes)


def predict(model, x, batch_size=1000):
    """The class the model picks for each example of `x` (argmax of its outputs).

    Args:
        model: a callable Module with outputs of shape (N, C).
        x: a batch of inputs (a Tensor or numpy array whose first axis indexes examples), or
            a single flat example of shape (features,).
        batch_size: examples per forward pass.

    Returns:
        An int64 array of shape (N,), or a Python int for a single flat example.

    Example:
        >>> predict(model, test_images[:5])
        array([7, 2, 1, 0, 4])
    """
    array = x.numpy() if isinstance(x, Tensor) else np.asarray(x, dtype=np.float32)
    single = array.ndim == 1
    if single:
        array = array.reshape(1, -1)
    batches = []
    with _ModeGuard(model, False), no_grad():
        for start in range(0, len(array), batch_size):
            outputs = model(Tensor(array[start:start + batch_size]))
            batches.append(_predicted_classes(outputs, "predict"))
    classes = np.concatenate(batches) if batches else np.zeros(0, dtype=np.int64)
    return int(classes[0]) if single else classes


# ---------------------------------------------------------------------------------------------
# Training
# ---------------------------------------------------------------------------------------------

def fit(model, train_data, loss_fn, optimizer, epochs=1, batch_size=10, val_data=None,
        metric="accuracy", patience=None, min_delta=0.0, restore_best=True, l2=0.0,
        scheduler=None, progress=True, seed=None, callbacks=None, max_grad_norm=None,
        train_accuracy=False, live=False):
    """Train `model` with mini-batches for some epochs; returns a `History`.

    Each epoch: for each mini-batch of the shuffled training set, `loss = loss_fn(model(x), y)
    (+ λ/(2n) Σ w²)`, `optimizer.zero_grad()`, `loss.backward()`, `optimizer.step()`; then
    validation, the scheduler's step and early stopping (the module docstring has an example).

    Args:
        model: a Module mapping a batch of inputs to outputs (class scores for accuracy).
        train_data: a Dataset of (input, target) pairs, or a DataLoader (used as it is).
        loss_fn: loss_fn(outputs, targets) -> the mini-batch's mean cost (nn.QuadraticCost()).
        optimizer: an optimizer over the model's parameters (optim.SGD(..., lr=3.0)).
        epochs: the maximum number of passes over the training data.
        batch_size: the mini-batch size m.
        val_data: the validation set (Dataset or DataLoader) measured after each epoch; never
            the test set, or the test accuracy is no longer honest.
        metric: the best epoch has the highest validation "accuracy" or the lowest "loss".
        patience: stop after this many epochs without the metric improving by more than
            `min_delta` (early stopping); None trains all `epochs`.
        min_delta: the smallest change of the metric that counts as an improvement.
        restore_best: with `val_data`, put back the best epoch's weights (kept in memory).
        l2: λ of the L2 regularization λ/(2n) Σ w² over the weights (not the biases), n the
            training set's size, added to every mini-batch's cost.
        scheduler: a learning-rate schedule stepped each epoch; a ReduceLROnPlateau gets the
            monitored metric (the training loss without val_data; mode="max" for accuracy).
        progress: show a tqdm progress bar per epoch (loss, validation accuracy).
        seed: an int seeds the shuffling and (tg.manual_seed) every random op, e.g. dropout.
        callbacks: functions called as callback(history, model) after each epoch; True stops.
        max_grad_norm: rescale gradients so that their joint L2 norm is at most this.
        train_accuracy: also measure the training accuracy each epoch (shows overfitting).
        live: True opens a live page of the run (tg.live.watch; its address is printed), a
            dict gives watch()'s options (port, path, every, ...), and a Watch is used as it
            is (and left open). The page's server stops when fit ends.

    Returns:
        A History.

    Raises:
        TrainingDiverged: the loss became NaN or infinite (says at which epoch and batch).
        ValueError, TypeError: bad arguments (named in the message).
    """
    epochs, batch_size, patience = _check_fit_arguments(
        epochs, batch_size, patience, metric, l2, loss_fn, optimizer, val_data, max_grad_norm)
    loader = _training_loader(train_data, batch_size, seed)
    callbacks = list(callbacks or [])
    history, early_stopping = History(), _EarlyStopping(metric, min_delta, patience, restore_best)
    with _ProgressDisplay(progress, len(loader), epochs) as display, \
            _live_page(live, model, loader, loss_fn, optimizer, val_data) as watch:
        model.train()
        for epoch in range(1, epochs + 1):
            display.start_epoch(epoch)
            mean_loss = _train_epoch(model, loader, loss_fn, optimizer, l2, max_grad_norm,
                                     display.bar, epoch, history, watch)
            monitored, postfix = _validate(model, loader, val_data, loss_fn, mean_loss,
                                           train_accuracy, early_stopping, epoch, history)
            if watch is not None:
                watch.log_epoch(history)
            display.end_epoch(epoch, postfix)
            _step_scheduler(scheduler, monitored)
            if _should_stop(history, model, callbacks, early_stopping, epoch, epochs):
                break
    early_stopping.restore_best_state(model, history)
    return history


def _check_fit_arguments(epochs, batch_size, patience, metric, l2, loss_fn, optimizer, val_data,
                         max_grad_norm):
    """A clear error for a bad argument of `fit`; returns epochs, batch_size and patience."""
    epochs = _check_positive_int("fit", "epochs", epochs)
    batch_size = _check_positive_int("fit", "batch_size", batch_size)
    patience = _check_positive_int("fit", "patience", patience, allow_none=True)
    if metric not in ("accuracy", "loss"):
        raise ValueError(f"fit: metric must be 'accuracy' or 'loss', got {metric!r}")
    if not isinstance(l2, numbers.Real) or l2 < 0:
        raise ValueError(f"fit: l2 (λ) must be a number >= 0, got {l2!r}")
    if not callable(loss_fn):
        raise TypeError(f"fit: loss_fn must be callable (e.g. nn.QuadraticCost()), got "
                        f"{type(loss_fn).__name__}")
    if not hasattr(optimizer, "step") or not hasattr(optimizer, "zero_grad"):
        raise TypeError(f"fit: optimizer must have step() and zero_grad() (e.g. "
                        f"optim.SGD(model.parameters(), lr=3.0)), got {type(optimizer).__name__}")
    if patience is not None and val_data is None:
        raise ValueError("fit: early stopping (patience) watches the validation data; pass "
                         "val_data=... (e.g. load_mnist('validation'))")
    if max_grad_norm is not None and not max_grad_norm > 0:
        raise ValueError(f"fit: max_grad_norm must be > 0, got {max_grad_norm!r}")
    return epochs, batch_size, patience


def _training_loader(train_data, batch_size, seed):
    """The shuffled mini-batches of the training data; a seed also seeds every random op."""
    if seed is not None:
        rng.manual_seed(seed)
    return _loader(train_data, batch_size, True, seed, "fit")


def _train_epoch(model, loader, loss_fn, optimizer, l2, max_grad_norm, bar, epoch, history,
                 watch=None):
    """One pass over the mini-batches: forward, cost (+ L2), zero_grad, backward, step. Returns
    the mean loss, and records it, the learning rate and the seconds in `history`. The loop over
    the batches is kept lean: it is the hot one."""
    penalty = None
    if l2 > 0:
        from .nn import l2_penalty as penalty
    n, batches = len(loader.dataset), len(loader)  # n: the n of λ/(2n) Σ w²
    parameters = list(model.parameters()) if max_grad_norm is not None else None
    zero_grad, step, isfinite = optimizer.zero_grad, optimizer.step, math.isfinite
    total, since_update, batch = 0.0, 0, 0
    history.lr.append(optimizer.param_groups[0]["lr"] if hasattr(optimizer, "param_groups")
                      else None)
    started = time.perf_counter()
    # Overflow makes the loss inf/NaN, which _diverged explains (with the fix); numpy would not.
    with np.errstate(over="ignore", invalid="ignore"):
        for inputs, targets in loader:
            batch += 1
            loss = loss_fn(model(inputs), targets)
            if penalty is not None:
                loss = loss + penalty(model, l2, n)
            # The loss's float, not a Tensor op: accumulating Tensors would build a graph.
            value = float(loss.numpy())
            if not isfinite(value):
                _diverged(value, epoch, batch, batches, optimizer, history)
            zero_grad()
            loss.backward()
            if max_grad_norm is not None:
                _clip_gradients(parameters, max_grad_norm)
            step()
            if watch is not None:
                watch.step(loss=value)
            total += value
            if bar is not None:
                since_update += 1
                if since_update == PROGRESS_EVERY:
                    bar.set_postfix_str(f"loss={total / batch:.4f}", refresh=False)
                    bar.update(since_update)
                    since_update = 0
    if batch == 0:
        raise ValueError("fit: the training data gave no batches (is it empty, or smaller than "
                         "the batch size with drop_last=True?)")
    history.seconds.append(time.perf_counter() - started)
    history.train_loss.append(total / batch)
    history.epochs_run = epoch
    return total / batch


def _diverged(value, epoch, batch, batches, optimizer, history):
    groups = getattr(optimizer, "param_groups", None)
    lr = f" (lr = {groups[0]['lr']:g})" if groups else ""
    raise TrainingDiverged(
        f"fit: the training loss became {value} at epoch {epoch}, batch {batch} of {batches}: "
        f"training diverged. The learning rate{lr} is probably too high: lower it (say by 10×); "
        f"or find the op that first produced a NaN/infinity by running one step inside "
        f"`with tg.detect_anomaly(): ...`", epoch, batch, value, history)


def _validate(model, loader, val_data, loss_fn, mean_loss, train_accuracy, early_stopping, epoch,
              history):
    """Validation after an epoch (and the training accuracy when asked), recorded in `history`
    and watched by `early_stopping`. Returns the value the scheduler monitors (the validation
    metric, or the training loss without val_data) and the epoch's progress text."""
    monitored, postfix = mean_loss, f"{say('fit.loss')}={mean_loss:.4f}"
    if train_accuracy:
        history.train_accuracy.append(evaluate(model, loader.dataset)["accuracy"])
        postfix += f", {say('fit.train_acc')}={100 * history.train_accuracy[-1]:.2f}%"
    if val_data is None:
        return monitored, postfix
    result = evaluate(model, val_data, loss_fn=loss_fn)
    if result["accuracy"] is None and early_stopping.higher_is_better:
        raise ValueError("fit: metric='accuracy' needs class scores of shape (N, C) "
                         "from the model; for a regression use metric='loss'")
    history.val_accuracy.append(result["accuracy"])
    history.val_loss.append(result["loss"])
    postfix += f", {say('fit.val_loss')}={result['loss']:.4f}"
    if result["accuracy"] is not None:
        postfix += f", {say('fit.val_acc')}={100 * result['accuracy']:.2f}%"
    monitored = result["accuracy"] if early_stopping.higher_is_better else result["loss"]
    early_stopping.update(model, monitored, result["accuracy"], epoch, history)
    return monitored, postfix


class _EarlyStopping:
    """The best epoch by the validation metric, a copy of its weights, the epochs since it."""

    def __init__(self, metric, min_delta, patience, restore_best):
        self.metric, self.min_delta = metric, min_delta
        self.patience, self.restore_best = patience, restore_best
        self.higher_is_better = metric == "accuracy"
        self.best_value, self.best_state, self.bad_epochs = None, None, 0

    def update(self, model, monitored, accuracy, epoch, history):
        """Count an epoch without improvement, or note the new best one in `history`."""
        improved = self.best_value is None or (
            monitored > self.best_value + self.min_delta if self.higher_is_better
            else monitored < self.best_value - self.min_delta)
        if not improved:
            self.bad_epochs += 1
            return
        self.best_value, self.bad_epochs = monitored, 0
        history.best_epoch, history.best_val_accuracy = epoch, accuracy
        if self.restore_best:
            self.best_state = _snapshot(model)

    def patience_exhausted(self):
        return self.patience is not None and self.bad_epochs >= self.patience

    def restore_best_state(self, model, history):
        """Put back the best epoch's weights, unless the last epoch was the best."""
        if self.best_state is not None and history.best_epoch != history.epochs_run:
            model.load_state_dict(self.best_state)
            history.restored_best = True


def _step_scheduler(scheduler, monitored):
    """One step of the learning-rate schedule per epoch; a ReduceLROnPlateau gets the metric."""
    if scheduler is None:
        return
    from .optim import ReduceLROnPlateau
    if isinstance(scheduler, ReduceLROnPlateau):
        scheduler.step(monitored)
    else:
        scheduler.step()


def _should_stop(history, model, callbacks, early_stopping, epoch, epochs):
    """Ask the callbacks, then early stopping; why training stops is written into `history`."""
    # Every callback sees every epoch (a list comprehension, not any(): no short cut).
    if any([callback(history, model) for callback in callbacks]):
        reason = say("fit.stop_callback", epoch=epoch)
    elif early_stopping.patience_exhausted():
        reason = say("fit.stop_early", metric=say(f"fit.metric.{early_stopping.metric}"),
                     patience=early_stopping.patience, epoch=epoch, best=history.best_epoch)
    else:
        return False
    history.stopped_early = epoch < epochs
    history.stop_reason = reason
    return True


class _ProgressDisplay:
    """fit's tqdm bar, reset for each epoch (nothing at all with progress=False)."""

    def __init__(self, show, batches, epochs):
        self.batches, self.epochs = batches, epochs
        self.bar = _progress_bar(batches, epochs) if show else None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        if self.bar is not None:
            self.bar.close()
        return False

    def start_epoch(self, epoch):
        if self.bar is not None:
            self.bar.reset(total=self.batches)
            self.bar.set_description(say("fit.epoch", epoch=epoch, epochs=self.epochs), refresh=False)
            self.bar.set_postfix_str("", refresh=False)

    def end_epoch(self, epoch, postfix):
        """Show the epoch's results on the bar, and keep them as a line above it."""
        if self.bar is not None:
            self.bar.set_postfix_str(postfix, refresh=False)
            self.bar.n = self.batches
            self.bar.refresh()
            self.bar.write(f"{say('fit.epoch', epoch=epoch, epochs=self.epochs)}: "
                           f"{postfix.replace('=', ' ')}")


def _live_page(live, model, loader, loss_fn, optimizer, val_data):
    """fit's live page as a context manager giving the Watch (or None); see tinygrad_edu.live."""
    from .live.fit_page import FitPage  # lazy: fit without a page never loads the server
    return FitPage(live, model, loader.dataset, loss_fn, optimizer, val_data)


def _progress_bar(batches, epochs):
    from tqdm.auto import tqdm
    # mininterval: redraw at most 5 times a second, whatever the step rate.
    return tqdm(total=batches, desc=say("fit.epoch", epoch=1, epochs=epochs), unit="batch", mininterval=0.2,
                leave=False, dynamic_ncols=True)
