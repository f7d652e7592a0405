"""Learning-rate schedules: change each parameter group's "lr" as training goes on.

A scheduler wraps an optimizer; call its `step()` once per epoch, after the epoch's
optimizer steps (as in PyTorch). `ReduceLROnPlateau.step(metric)` takes the validation
loss (or accuracy, with mode="max"): it is the lecture's "halve η when the validation
accuracy stops improving" made automatic.

    opt = SGD(model.parameters(), lr=0.5)
    sched = StepLR(opt, step_size=10, gamma=0.5)   # η = 0.5, 0.25 after 10 epochs, ...
    for epoch in range(30):
        train_one_epoch(...)
        sched.step()
"""

import math
import numbers

from .optimizers import Optimizer

__all__ = ["LRScheduler", "StepLR", "ExponentialLR", "CosineAnnealingLR", "ReduceLROnPlateau"]


def _check_optimizer(name, optimizer):
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{name}: expected an optimizer (e.g. optim.SGD), got "
                        f"{type(optimizer).__name__}")


class _ScheduleState:
    """What every schedule shares: the last learning rates and a plain-dict state."""

    def get_last_lr(self):
        """The learning rates set by the last `step()` (a list, one per parameter group)."""
        return list(self._last_lr)

    def state_dict(self):
        """Everything but the optimizer, as a plain dict (save it beside the optimizer's)."""
        return {key: (list(value) if isinstance(value, list) else value)
                for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict):
        """Restore a state made by `state_dict()`."""
        self.__dict__.update({key: (list(value) if isinstance(value, (list, tuple)) else value)
                              for key, value in state_dict.items()})


class LRScheduler(_ScheduleState):
    """Base class of the epoch-indexed schedules: lr of each group = f(base lr, epoch).

    On creation each group's current lr is recorded as its "initial_lr" (the base lr) and
    epoch 0's lr is set. Each `step()` advances the epoch counter `last_epoch` and sets the
    new lr. Subclasses define `lr_at(base_lr, epoch)` in closed form, which is easier to read
    than PyTorch's recursive formulas and gives the same sequence.

    Args:
        optimizer: the optimizer whose groups' "lr" is changed.
        last_epoch: -1 to start from scratch; to resume, load a `state_dict()` instead.
    """

    def __init__(self, optimizer, last_epoch=-1):
        _check_optimizer(type(self).__name__, optimizer)
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            if last_epoch == -1:
                group["initial_lr"] = group["lr"]
            elif "initial_lr" not in group:
                raise KeyError(f"{type(self).__name__}: resuming with last_epoch={last_epoch} "
                               f"needs 'initial_lr' in every parameter group; load the "
                               f"scheduler's state_dict() instead")
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._last_lr = [group["lr"] for group in optimizer.param_groups]
        self.step()

    def lr_at(self, base_lr, epoch):  # pragma: no cover - abstract
        """The learning rate of a group with base lr `base_lr` at epoch `epoch`."""
        raise NotImplementedError(f"{type(self).__name__} must implement lr_at(base_lr, epoch)")

    def get_lr(self):
        """The learning rates the schedule gives for the current epoch (one per group)."""
        return [self.lr_at(base_lr, self.last_epoch) for base_lr in self.base_lrs]

    def step(self):
        """Advance one epoch and set each group's lr to the schedule's value."""
        self.last_epoch += 1
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def __repr__(self):
        return (f"{type(self).__name__}(last_epoch={self.last_epoch}, "
                f"lr={self.get_last_lr()})")


class StepLR(LRScheduler):
    """Multiply the lr by `gamma` every `step_size` epochs: η_e = η₀ · γ^⌊e / step_size⌋.

    Args:
        optimizer: the optimizer.
        step_size: epochs between two decays (an int >= 1).
        gamma: the factor (0.1: divide by ten).

    Example:
        >>> sched = StepLR(opt, step_size=2, gamma=0.5)    # η₀, η₀, η₀/2, η₀/2, η₀/4, ...
    """

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        if isinstance(step_size, bool) or not isinstance(step_size, numbers.Integral) or step_size < 1:
            raise ValueError(f"StepLR: step_size must be an int >= 1, got {step_size!r}")
        if not isinstance(gamma, numbers.Real) or not gamma > 0:
            raise ValueError(f"StepLR: gamma must be a number > 0, got {gamma!r}")
        self.step_size = int(step_size)
        self.gamma = float(gamma)
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr, epoch):
        return base_lr * self.gamma ** (epoch // self.step_size)


class ExponentialLR(LRScheduler):
    """Multiply the lr by `gamma` every epoch: η_e = η₀ · γ^e.

    Args:
        optimizer: the optimizer.
        gamma: the factor per epoch (e.g. 0.95).
    """

    def __init__(self, optimizer, gamma, last_epoch=-1):
        if not isinstance(gamma, numbers.Real) or not gamma > 0:
            raise ValueError(f"ExponentialLR: gamma must be a number > 0, got {gamma!r}")
        self.gamma = float(gamma)
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr, epoch):
        return base_lr * self.gamma ** epoch


class CosineAnnealingLR(LRScheduler):
    """Half a cosine from the base lr down to `eta_min` over `T_max` epochs:

        η_e = η_min + (η₀ − η_min) · (1 + cos(π e / T_max)) / 2

    After T_max epochs the cosine goes on (it rises again), as in PyTorch.

    Args:
        optimizer: the optimizer.
        T_max: the number of epochs of the descent (an int >= 1).
        eta_min: the lowest lr.
    """

    def __init__(self, optimizer, T_max, eta_min=0.0, last_epoch=-1):
        if isinstance(T_max, bool) or not isinstance(T_max, numbers.Integral) or T_max < 1:
            raise ValueError(f"CosineAnnealingLR: T_max must be an int >= 1, got {T_max!r}")
        if not isinstance(eta_min, numbers.Real) or eta_min < 0:
            raise ValueError(f"CosineAnnealingLR: eta_min must be a number >= 0, got {eta_min!r}")
        self.T_max = int(T_max)
        self.eta_min = float(eta_min)
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr, epoch):
        return self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * epoch / self.T_max)) / 2


class ReduceLROnPlateau(_ScheduleState):
    """Multiply the lr by `factor` when a metric has stopped improving for `patience` epochs.

    Call `step(metric)` once per epoch with the validation loss (mode="min") or accuracy
    (mode="max"). An epoch counts as an improvement when the metric beats the best so far
    by more than `threshold` (relative: best·(1 ∓ threshold), or absolute: best ∓ threshold).
    After more than `patience` epochs without one, every group's lr becomes
    max(lr · factor, min_lr), then `cooldown` epochs pass before bad epochs count again.

    Args:
        optimizer: the optimizer.
        mode: "min" (lower is better) or "max".
        factor: the multiplier, in (0, 1).
        patience: bad epochs tolerated before a reduction.
        threshold: the smallest change that counts as an improvement.
        threshold_mode: "rel" or "abs".
        cooldown: epochs to wait after a reduction.
        min_lr: a lower bound (a number, or one per group).
        eps: a reduction smaller than this is skipped.

    Example:
        >>> sched = ReduceLROnPlateau(opt, mode="max", factor=0.5, patience=2)
        >>> sched.step(history.val_accuracy[-1])
    """

    def __init__(self, optimizer, mode="min", factor=0.1, patience=10, threshold=1e-4,
                 threshold_mode="rel", cooldown=0, min_lr=0.0, eps=1e-8):
        _check_optimizer("ReduceLROnPlateau", optimizer)
        if mode not in ("min", "max"):
            raise ValueError(f"ReduceLROnPlateau: mode must be 'min' or 'max', got {mode!r}")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"ReduceLROnPlateau: threshold_mode must be 'rel' or 'abs', got "
                             f"{threshold_mode!r}")
        if not isinstance(factor, numbers.Real) or not 0 < factor < 1:
            raise ValueError(f"ReduceLROnPlateau: factor must be in (0, 1), got {factor!r}")
        for name, value in (("patience", patience), ("cooldown", cooldown)):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
                raise ValueError(f"ReduceLROnPlateau: {name} must be an int >= 0, got {value!r}")
        groups = optimizer.param_groups
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != len(groups):
                raise ValueError(f"ReduceLROnPlateau: got {len(min_lr)} min_lr values for "
                                 f"{len(groups)} parameter groups")
            self.min_lrs = [float(v) for v in min_lr]
        else:
            self.min_lrs = [float(min_lr)] * len(groups)
        self.optimizer = optimizer
        self.mode = mode
        self.factor = float(factor)
        self.patience = int(patience)
        self.threshold = float(threshold)
        self.threshold_mode = threshold_mode
        self.cooldown = int(cooldown)
        self.eps = float(eps)
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0
        self.last_epoch = 0
        self._last_lr = [group["lr"] for group in groups]

    def is_better(self, current, best):
        """True when `current` improves on `best` by more than the threshold."""
        if self.mode == "min":
            bound = best * (1 - self.threshold) if self.threshold_mode == "rel" else best - self.threshold
            return current < bound
        bound = best * (1 + self.threshold) if self.threshold_mode == "rel" else best + self.threshold
        return current > bound

    def step(self, metrics):
        """Record this epoch's metric and reduce the lr if it has stalled for too long.

        Args:
            metrics: a number (or a 1-element Tensor), e.g. the validation loss.
        """
        current = float(metrics)
        if math.isnan(current):
            raise ValueError("ReduceLROnPlateau.step: the metric is NaN; check the validation "
                             "loss (training may have diverged)")
        self.last_epoch += 1
        if self.is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def _reduce_lr(self):
        for group, min_lr in zip(self.optimizer.param_groups, self.min_lrs):
            old = float(group["lr"])
            new = max(old * self.factor, min_lr)
            if old - new > self.eps:
                group["lr"] = new

    @property
    def in_cooldown(self):
        return self.cooldown_counter > 0

    def __repr__(self):
        return (f"ReduceLROnPlateau(mode={self.mode!r}, factor={self.factor}, "
                f"patience={self.patience}, best={self.best}, lr={self.get_last_lr()})")
