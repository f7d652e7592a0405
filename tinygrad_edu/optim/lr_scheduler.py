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

import bisect
import math
import numbers

from .optimizers import Optimizer

__all__ = ["LRScheduler", "StepLR", "ExponentialLR", "CosineAnnealingLR", "ReduceLROnPlateau",
           "LambdaLR", "MultiStepLR", "LinearLR", "OneCycleLR", "SequentialLR"]


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
                # setdefault, as PyTorch: a second scheduler (SequentialLR's parts) keeps the base
                group.setdefault("initial_lr", group["lr"])
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

    def step(self, epoch=None):
        """Advance one epoch (or jump to `epoch`) and set each group's lr to the schedule's value."""
        self.last_epoch = self.last_epoch + 1 if epoch is None else int(epoch)
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


def _per_group(name, what, value, groups):
    """One value per parameter group: a list of that length, or one number for all."""
    if isinstance(value, (list, tuple)):
        if len(value) != len(groups):
            raise ValueError(f"{name}: got {len(value)} values of {what} for {len(groups)} "
                             f"parameter groups")
        return [float(v) for v in value]
    return [float(value)] * len(groups)


class LambdaLR(LRScheduler):
    """η_e = η₀ · λ(e), with your function λ (one per group, or one for all).

    Example:
        >>> sched = LambdaLR(opt, lambda epoch: 0.95 ** epoch)
    """

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        _check_optimizer("LambdaLR", optimizer)
        groups = optimizer.param_groups
        lambdas = list(lr_lambda) if isinstance(lr_lambda, (list, tuple)) else [lr_lambda] * len(groups)
        if len(lambdas) != len(groups):
            raise ValueError(f"LambdaLR: expected {len(groups)} lr_lambdas, got {len(lambdas)}")
        if not all(callable(f) for f in lambdas):
            raise TypeError("LambdaLR: lr_lambda must be a function of the epoch (or a list of them)")
        self.lr_lambdas = lambdas
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        return [base * f(self.last_epoch) for base, f in zip(self.base_lrs, self.lr_lambdas)]

    def state_dict(self):
        """As the others', without the functions (they cannot be saved as data, as in PyTorch)."""
        return {k: v for k, v in super().state_dict().items() if k != "lr_lambdas"}


class MultiStepLR(LRScheduler):
    """Multiply the lr by `gamma` at each milestone epoch: η_e = η₀ · γ^(milestones ≤ e).

    Example:
        >>> sched = MultiStepLR(opt, milestones=[30, 80], gamma=0.1)
    """

    def __init__(self, optimizer, milestones, gamma=0.1, last_epoch=-1):
        milestones = sorted(milestones)
        if any(isinstance(m, bool) or not isinstance(m, numbers.Integral) for m in milestones):
            raise ValueError(f"MultiStepLR: milestones must be ints, got {milestones!r}")
        if not isinstance(gamma, numbers.Real) or not gamma > 0:
            raise ValueError(f"MultiStepLR: gamma must be a number > 0, got {gamma!r}")
        self.milestones = [int(m) for m in milestones]
        self.gamma = float(gamma)
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr, epoch):
        return base_lr * self.gamma ** bisect.bisect_right(self.milestones, epoch)


class LinearLR(LRScheduler):
    """A linear warm-up (or decay) of the lr's factor from start_factor to end_factor over
    `total_iters` epochs, then constant: η_e = η₀ · (s + (f − s) · min(e, T)/T)."""

    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5,
                 last_epoch=-1):
        if not 0 < start_factor <= 1 or not 0 <= end_factor <= 1:
            raise ValueError(f"LinearLR: start_factor must be in (0, 1] and end_factor in [0, 1], "
                             f"got {start_factor} and {end_factor}")
        if isinstance(total_iters, bool) or not isinstance(total_iters, numbers.Integral) \
                or total_iters < 1:
            raise ValueError(f"LinearLR: total_iters must be an int >= 1, got {total_iters!r}")
        self.start_factor, self.end_factor = float(start_factor), float(end_factor)
        self.total_iters = int(total_iters)
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr, epoch):
        progress = min(epoch, self.total_iters) / self.total_iters
        return base_lr * (self.start_factor + (self.end_factor - self.start_factor) * progress)


class OneCycleLR(LRScheduler):
    """The 1cycle policy (Smith & Topin 2018), stepped once per *batch*: the lr rises from
    max_lr/div_factor to max_lr over the first pct_start of the steps, then anneals to
    max_lr/(div_factor · final_div_factor); the momentum (SGD's momentum, Adam's β₁) moves the
    opposite way, between max_momentum and base_momentum.

    Each phase goes from a to b along the cosine a' = b + (a − b)(1 + cos(π p))/2 (or the
    straight line, anneal_strategy="linear"), p the phase's progress in [0, 1].
    three_phase=True: up, back down to the initial lr, then the final annealing (fastai's).

    Args:
        optimizer: the optimizer.
        max_lr: the peak lr (one per group, or one for all).
        total_steps: the number of steps (or give epochs and steps_per_epoch).
        pct_start, anneal_strategy, cycle_momentum, base_momentum, max_momentum, div_factor,
            final_div_factor, three_phase: as in PyTorch.

    Raises:
        ValueError: no step count, a bad pct_start or strategy, cycle_momentum with an
            optimizer that has no momentum, or stepping past total_steps.
    """

    def __init__(self, optimizer, max_lr, total_steps=None, epochs=None, steps_per_epoch=None,
                 pct_start=0.3, anneal_strategy="cos", cycle_momentum=True, base_momentum=0.85,
                 max_momentum=0.95, div_factor=25.0, final_div_factor=1e4, three_phase=False,
                 last_epoch=-1):
        _check_optimizer("OneCycleLR", optimizer)
        groups = optimizer.param_groups
        self.total_steps = self._total_steps(total_steps, epochs, steps_per_epoch)
        if not 0 <= pct_start <= 1 or anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"OneCycleLR: pct_start must be in [0, 1] and anneal_strategy 'cos' "
                             f"or 'linear', got {pct_start!r} and {anneal_strategy!r}")
        self.anneal_strategy = anneal_strategy
        up = float(pct_start * self.total_steps) - 1
        self._phases = ([(up, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                         (float(2 * pct_start * self.total_steps) - 2, "max_lr", "initial_lr",
                          "base_momentum", "max_momentum"),
                         (self.total_steps - 1, "initial_lr", "min_lr", "max_momentum",
                          "max_momentum")] if three_phase else
                        [(up, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                         (self.total_steps - 1, "max_lr", "min_lr", "base_momentum",
                          "max_momentum")])
        for group, peak in zip(groups, _per_group("OneCycleLR", "max_lr", max_lr, groups)):
            if last_epoch == -1:
                group["initial_lr"] = peak / div_factor
                group["max_lr"] = peak
                group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = bool(cycle_momentum)
        if self.cycle_momentum:
            self._prepare_momentum(groups, base_momentum, max_momentum, last_epoch)
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _total_steps(total_steps, epochs, steps_per_epoch):
        if total_steps is not None:
            if isinstance(total_steps, bool) or not isinstance(total_steps, numbers.Integral) \
                    or total_steps < 1:
                raise ValueError(f"OneCycleLR: total_steps must be an int >= 1, got {total_steps!r}")
            return int(total_steps)
        if epochs is None or steps_per_epoch is None or epochs < 1 or steps_per_epoch < 1:
            raise ValueError("OneCycleLR: you must define either total_steps OR (epochs AND "
                             "steps_per_epoch), each an int >= 1")
        return int(epochs) * int(steps_per_epoch)

    def _prepare_momentum(self, groups, base_momentum, max_momentum, last_epoch):
        for group, base, peak in zip(groups, _per_group("OneCycleLR", "base_momentum",
                                                        base_momentum, groups),
                                     _per_group("OneCycleLR", "max_momentum", max_momentum, groups)):
            if "momentum" not in group and "betas" not in group:
                raise ValueError("OneCycleLR: optimizer must support momentum or betas with "
                                 "`cycle_momentum` option enabled (or pass cycle_momentum=False)")
            if last_epoch == -1:
                self._set_momentum(group, peak)
                group["max_momentum"], group["base_momentum"] = peak, base

    @staticmethod
    def _set_momentum(group, value):
        if "betas" in group:
            group["betas"] = (value,) + tuple(group["betas"][1:])
        else:
            group["momentum"] = value

    def _anneal(self, start, end, progress):
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2 * (math.cos(math.pi * progress) + 1)
        return (end - start) * progress + start

    def get_lr(self):
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(f"OneCycleLR: tried to step {step} times; the schedule has "
                             f"total_steps={self.total_steps} (step once per batch, and make "
                             f"total_steps = epochs · batches per epoch)")
        lrs = []
        for group in self.optimizer.param_groups:
            start_step = 0.0
            for index, (end_step, lr_from, lr_to, m_from, m_to) in enumerate(self._phases):
                if step <= end_step or index == len(self._phases) - 1:
                    progress = (step - start_step) / (end_step - start_step)
                    lr = self._anneal(group[lr_from], group[lr_to], progress)
                    if self.cycle_momentum:
                        self._set_momentum(group, self._anneal(group[m_from], group[m_to], progress))
                    break
                start_step = end_step
            lrs.append(lr)
        return lrs


class SequentialLR(_ScheduleState):
    """Run schedulers one after another: `schedulers[i]` from epoch milestones[i − 1] on, each
    restarted at its own epoch 0 when its turn comes (as PyTorch).

    Example:
        >>> warmup = LinearLR(opt, start_factor=0.1, total_iters=5)
        >>> decay = ExponentialLR(opt, gamma=0.9)
        >>> sched = SequentialLR(opt, [warmup, decay], milestones=[5])
    """

    def __init__(self, optimizer, schedulers, milestones, last_epoch=-1):
        _check_optimizer("SequentialLR", optimizer)
        schedulers, milestones = list(schedulers), list(milestones)
        if not schedulers:
            raise ValueError("SequentialLR: expects at least one scheduler")
        for index, scheduler in enumerate(schedulers):
            if getattr(scheduler, "optimizer", None) is not optimizer:
                raise ValueError(f"SequentialLR: scheduler {index} does not drive this optimizer; "
                                 f"build every scheduler on the same optimizer")
            if isinstance(scheduler, ReduceLROnPlateau):
                raise ValueError("SequentialLR: ReduceLROnPlateau cannot be sequenced (it needs "
                                 "a metric); step it yourself")
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(f"SequentialLR: expects {len(schedulers) - 1} milestones for "
                             f"{len(schedulers)} schedulers, got {len(milestones)}")
        self.optimizer = optimizer
        self._schedulers, self._milestones = schedulers, milestones
        self.last_epoch = last_epoch + 1
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        for scheduler in schedulers:  # undo the first step each made when it was built
            scheduler.last_epoch -= 1
        schedulers[0].step()
        self._last_lr = schedulers[0].get_last_lr()

    def step(self):
        """Advance one epoch in the scheduler whose turn it is (restarting it at a milestone)."""
        self.last_epoch += 1
        index = bisect.bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[index]
        if index > 0 and self._milestones[index - 1] == self.last_epoch:
            scheduler.step(0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()

    def state_dict(self):
        state = {k: v for k, v in super().state_dict().items() if k != "_schedulers"}
        state["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return state

    def load_state_dict(self, state_dict):
        state = dict(state_dict)
        for scheduler, saved in zip(self._schedulers, state.pop("_schedulers")):
            scheduler.load_state_dict(saved)
        super().load_state_dict(state)
