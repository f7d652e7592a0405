"""Optimizers: rules that turn each parameter's gradient into an in-place update of its values.

Every optimizer follows PyTorch's semantics and names. The update is done directly on the
numpy arrays behind the parameters (`p.numpy()`, which shares the parameter's memory), which
is the same as updating under `tg.no_grad()`: an update is not part of the graph, so it is
never recorded.

The lecture's rule (gradient descent on a mini-batch of m examples),

    w → w' = w − (η/m) Σₓ ∂Cₓ/∂w,        b → b' = b − (η/m) Σₓ ∂Cₓ/∂b,

is `SGD(model.parameters(), lr=η)` applied to the gradient of the mini-batch's *mean* cost
C = (1/m) Σₓ Cₓ: the 1/m lives in the loss (the mean), η is `lr`.

    opt = SGD(model.parameters(), lr=3.0)
    for x, y in loader:
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()
"""

import math
import numbers

import numpy as np

from ..core import Tensor, enable_grad, guardrails, increment_version, no_grad, say

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad"]


def _check_number(optimizer, name, value, low=0.0, high=None, high_open=False):
    """`value` as a float, or a ValueError naming the optimizer, the hyperparameter and the range."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{optimizer}: {name} must be a number, got {value!r}")
    value = float(value)
    too_high = high is not None and (value >= high if high_open else value > high)
    if not math.isfinite(value) or value < low or too_high:
        bound = "" if high is None else (f", {high})" if high_open else f", {high}]")
        interval = f"[{low}{bound}" if high is not None else f">= {low}"
        raise ValueError(f"{optimizer}: invalid {name} {value!r}; it must be {interval}")
    return value


class Optimizer:
    """Base class of the optimizers: parameter groups, zero_grad, state and its (de)serialization.

    Args:
        params: an iterable of Tensors that require grad (e.g. `model.parameters()`), or of
            dicts, each a *parameter group* with a "params" entry and optional
            hyperparameters overriding the defaults for that group (e.g. a smaller lr for
            the first layer).
        defaults: the optimizer's hyperparameters, copied into every group that does not
            set them.

    Attributes:
        param_groups: a list of dicts, each with "params" (a list of Tensors) and every
            hyperparameter ("lr", ...). Schedulers change "lr" here.
        state: per-parameter buffers (momentum, running averages), a dict keyed by the
            parameter Tensor (Tensors hash by identity), holding numpy arrays.

    Raises:
        TypeError: params is a single Tensor or holds something that is not a Tensor.
        ValueError: an empty parameter list, a parameter that does not require grad, a
            parameter listed twice, or a bad hyperparameter.
    """

    def __init__(self, params, defaults):
        self.defaults = dict(defaults)
        self.state = {}
        self.param_groups = []
        if isinstance(params, Tensor):
            raise TypeError(f"{type(self).__name__}: params must be an iterable of Tensors or of "
                            f"dicts, got a single Tensor; wrap it in a list: [w]")
        groups = list(params)
        if not groups:
            raise ValueError(say("error.empty_parameters", optimizer=type(self).__name__))
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group):
        """Add a group of parameters (a dict with "params" and optional hyperparameters).

        Useful to train layers with different learning rates, or to unfreeze a layer later.
        """
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(f"{name}: a parameter group must be a dict with a 'params' entry, "
                            f"got {type(param_group).__name__}")
        group = dict(param_group)
        if "params" not in group:
            raise ValueError(f"{name}: a parameter group needs a 'params' entry")
        params = group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        for index, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(f"{name}: parameter {index} is a {type(p).__name__}, not a Tensor")
            if not p.requires_grad:
                raise ValueError(f"{name}: parameter {index} (shape {p.shape}) does not require "
                                 f"grad, so it would never be updated; create it with "
                                 f"requires_grad=True (nn.Parameter does)")
            if not p.is_leaf:
                raise ValueError(f"{name}: parameter {index} (shape {p.shape}) is the result of "
                                 f"an op, not a leaf; optimize the leaf tensors it was made from")
            if id(p) in seen:
                raise ValueError(f"{name}: parameter {index} (shape {p.shape}) appears in more "
                                 f"than one place; list each parameter once")
            seen.add(id(p))
        group["params"] = params
        for key, value in self.defaults.items():
            group.setdefault(key, value)
        self._check_group(group)
        self.param_groups.append(group)

    def _check_group(self, group):
        """Validate a group's hyperparameters (subclasses check their own)."""
        group["lr"] = _check_number(type(self).__name__, "lr", group["lr"])

    # -- the training-loop API ------------------------------------------------------------------
    def zero_grad(self, set_to_none=True):
        """Forget the gradients of the last backward(), before computing new ones.

        Gradients *accumulate* (backward adds into `.grad`), so each step must start from
        nothing. With `set_to_none=True` (the default, as in PyTorch) `.grad` becomes None,
        which frees the memory and lets `step()` skip parameters that got no gradient;
        with False the gradient arrays are filled with zeros.
        """
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    if not p.grad.is_leaf:
                        p.grad = p.grad.detach()
                    with no_grad():
                        p.grad.zero_()  # a read-only gradient array is copied first

    def step(self, closure=None):
        """Update every parameter that has a gradient, in place.

        Args:
            closure: optional function that clears the gradients, recomputes the loss,
                calls backward() and returns the loss (needed by optimizers that evaluate
                the loss several times; accepted here for PyTorch compatibility).

        Returns:
            The closure's loss, or None.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            self._update_group(group)
        self._guardrails_at_step()
        return loss

    def _guardrails_at_step(self):
        """The learner warnings that step() checks, at the cost of a look at one parameter: it
        marks the gradient it used (backward() warns if it adds to it later, see
        core/guardrails.py), says so when no parameter had a gradient, and at the first step
        looks for layers whose units start identical."""
        first = self.__dict__.get("_steps_checked", 0) == 0
        self._steps_checked = 1
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    guardrails.mark_stepped(p.grad)
                    if first:
                        guardrails.check_symmetric_init(
                            [q for g in self.param_groups for q in g["params"]])
                    return
        guardrails.no_gradient_at_step(type(self).__name__,
                                       sum(len(g["params"]) for g in self.param_groups))

    def _update_group(self, group):  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} must implement _update_group(group)")

    @staticmethod
    def _gradient(p, name):
        """The gradient array of `p`, or None; a clear error for a gradient of the wrong shape."""
        grad = p.grad
        if grad is None:
            return None
        g = grad.numpy()
        if g.shape != p.numpy().shape:
            raise RuntimeError(f"{name}.step: the gradient of a parameter has shape {g.shape} "
                               f"but the parameter has shape {p.shape}")
        return g

    # -- saving and restoring --------------------------------------------------------------------
    def state_dict(self):
        """The optimizer's state as plain data: {"state": {...}, "param_groups": [...]}.

        As in PyTorch, parameters are referred to by their position (0, 1, ... across the
        groups in order), so the state can be loaded into a new optimizer over a new
        model of the same architecture. Buffers are copied numpy arrays.
        """
        index_of = {}
        groups = []
        for group in self.param_groups:
            packed = {key: value for key, value in group.items() if key != "params"}
            packed["params"] = []
            for p in group["params"]:
                index_of[id(p)] = len(index_of)
                packed["params"].append(index_of[id(p)])
            groups.append(packed)
        state = {}
        for group in self.param_groups:
            for p in group["params"]:
                if p in self.state:
                    state[index_of[id(p)]] = {
                        key: value.copy() if isinstance(value, np.ndarray) else value
                        for key, value in self.state[p].items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore a state made by `state_dict()` (of an optimizer with the same parameter layout).

        Raises:
            ValueError: the number of groups, of parameters per group, or a buffer's shape
                does not match this optimizer's parameters.
        """
        name = type(self).__name__
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups):
            raise ValueError(f"{name}.load_state_dict: the state has {len(groups)} parameter "
                             f"groups, this optimizer has {len(self.param_groups)}")
        by_index = {}
        for number, (saved, group) in enumerate(zip(groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(f"{name}.load_state_dict: group {number} of the state has "
                                 f"{len(saved['params'])} parameters, this optimizer's has "
                                 f"{len(group['params'])}")
            for index, p in zip(saved["params"], group["params"]):
                by_index[int(index)] = p
        new_state = {}
        for index, buffers in state_dict["state"].items():
            p = by_index.get(int(index))
            if p is None:
                raise ValueError(f"{name}.load_state_dict: the state refers to parameter {index}, "
                                 f"which is not in its parameter groups")
            restored = {}
            for key, value in buffers.items():
                if isinstance(value, np.ndarray) and value.ndim > 0:
                    if value.shape != p.shape:
                        raise ValueError(f"{name}.load_state_dict: buffer {key!r} of parameter "
                                         f"{index} has shape {value.shape}, the parameter has "
                                         f"shape {p.shape}")
                    value = value.astype(p.dtype, copy=True)
                elif isinstance(value, np.ndarray):
                    value = value.item()
                restored[key] = value
            new_state[p] = restored
        for saved, group in zip(groups, self.param_groups):
            for key, value in saved.items():
                if key != "params":
                    group[key] = tuple(value) if isinstance(value, list) else value
            self._check_group(group)
        self.state = new_state

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for number, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {number}")
            for key in sorted(k for k in group if k != "params"):
                lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)


def _subtract_inplace(p, update):
    """p -= update on p's numpy array, in place; a read-only array (a view of a constant) is
    first replaced by a writable copy (Tensor.copy_ does that)."""
    array = p.numpy()
    try:
        # in place on the parameter's storage (see Tensor.numpy), counted by its version
        np.subtract(array, update, out=array)
        increment_version(p)
    except ValueError:
        if array.flags.writeable:
            raise
        with no_grad():
            p.copy_(array - update)


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum, Nesterov momentum and weight decay.

    For each parameter p with gradient g (PyTorch's formulation):

        g ← g + λ p                                      (weight_decay λ > 0)
        b ← g  (first step),  b ← μ b + (1 − τ) g        (momentum μ > 0, dampening τ)
        g ← g + μ b  (nesterov)   or   g ← b
        p ← p − η g

    With momentum 0 and weight decay 0 this is the lecture's rule w → w − η ∂C/∂w, where
    C is the mini-batch's mean cost, i.e. w − (η/m) Σₓ ∂Cₓ/∂w.

    Weight decay λ here is the gradient of the L2 term (λ/2)‖w‖², applied to *every*
    parameter of the group (biases too). The lecture's L2 regularization adds λ/(2n) Σ w²
    over the weights only; use `nn.l2_penalty` (or `fit(..., l2=λ)`) for exactly that.

    Args:
        params: parameters or parameter groups (see `Optimizer`).
        lr: the learning rate η (required).
        momentum: μ, the fraction of the previous step kept (0 turns momentum off).
        dampening: τ, scales the new gradient's share of the momentum buffer.
        weight_decay: λ, L2 penalty added to the gradient.
        nesterov: look ahead along the momentum (needs momentum > 0 and dampening 0).

    Example:
        >>> opt = SGD(model.parameters(), lr=3.0)               # the lecture's network
        >>> opt = SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True)
    """

    def __init__(self, params, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=bool(nesterov))
        # The plain update's scratch buffers, keyed by id(p): reused every step, so the hot
        # path of the lecture's network allocates nothing.
        self._scratch = {}
        super().__init__(params, defaults)

    def _check_group(self, group):
        super()._check_group(group)
        for key in ("momentum", "dampening", "weight_decay"):
            group[key] = _check_number("SGD", key, group[key])
        group["nesterov"] = bool(group["nesterov"])
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("SGD: nesterov=True needs momentum > 0 and dampening = 0 "
                             f"(got momentum={group['momentum']}, dampening={group['dampening']})")

    def _update_group(self, group):
        lr = group["lr"]
        momentum = group["momentum"]
        weight_decay = group["weight_decay"]
        if momentum == 0 and weight_decay == 0:
            # The hot path (the lecture's SGD): p -= lr·g as a multiply into a reused buffer
            # and one in-place subtraction; no Tensor ops, no new arrays after the first step.
            scratch = self._scratch
            multiply, subtract = np.multiply, np.subtract
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                g = grad.numpy()
                array = p.numpy()
                buffer = scratch.get(id(p))
                if buffer is None or buffer.shape != g.shape or buffer.dtype != array.dtype:
                    if g.shape != array.shape:
                        self._gradient(p, "SGD")
                    buffer = scratch[id(p)] = np.empty_like(array)
                # Positional `out` arguments: numpy parses them faster than out=.
                multiply(g, lr, buffer)
                try:
                    # in place on the parameter's storage (see Tensor.numpy), counted by its
                    # version so that a graph that saved p refuses a backward() after step()
                    subtract(array, buffer, array)
                    increment_version(p)
                except ValueError:  # a read-only array: _subtract_inplace replaces it
                    _subtract_inplace(p, buffer)
            return
        dampening = group["dampening"]
        nesterov = group["nesterov"]
        for p in group["params"]:
            g = self._gradient(p, "SGD")
            if g is None:
                continue
            if weight_decay != 0:
                g = g + weight_decay * p.numpy()
            if momentum != 0:
                state = self.state.setdefault(p, {})
                buffer = state.get("momentum_buffer")
                if buffer is None:
                    buffer = state["momentum_buffer"] = np.array(g, dtype=p.dtype, copy=True)
                else:
                    buffer *= momentum
                    buffer += (1 - dampening) * g
                g = g + momentum * buffer if nesterov else buffer
            _subtract_inplace(p, lr * g)


class Adam(Optimizer):
    """Adam: steps scaled per coordinate by running averages of the gradient and its square.

    For each parameter p with gradient g, at step t = 1, 2, ... (PyTorch's formulation):

        g ← g + λ p                                   (weight_decay λ > 0: L2 in the gradient)
        m ← β₁ m + (1 − β₁) g                         (first moment: a smoothed gradient)
        v ← β₂ v + (1 − β₂) g²                        (second moment: a smoothed square)
        v̂ ← max(v̂, v) (amsgrad)   or   v̂ ← v
        p ← p − η/(1 − β₁ᵗ) · m / (√v̂ / √(1 − β₂ᵗ) + ε)

    The divisions by (1 − βᵗ) correct the bias of m and v towards their zero start.

    Args:
        params: parameters or parameter groups (see `Optimizer`).
        lr: η.
        betas: (β₁, β₂), each in [0, 1).
        eps: ε, keeps the division finite.
        weight_decay: λ (coupled: added to the gradient; see AdamW for the decoupled form).
        amsgrad: use the running maximum of v (a fix for some convergence failures).
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 amsgrad=False):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      amsgrad=bool(amsgrad)))

    def _check_group(self, group):
        super()._check_group(group)
        name = type(self).__name__
        betas = group["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"{name}: betas must be a pair (β₁, β₂), got {betas!r}")
        group["betas"] = (_check_number(name, "beta1 (betas[0])", betas[0], 0.0, 1.0, True),
                          _check_number(name, "beta2 (betas[1])", betas[1], 0.0, 1.0, True))
        group["eps"] = _check_number(name, "eps", group["eps"])
        group["weight_decay"] = _check_number(name, "weight_decay", group["weight_decay"])
        group["amsgrad"] = bool(group["amsgrad"])

    def _decay(self, p, g, group):
        """Adam's coupled weight decay: the L2 gradient λp joins g (AdamW overrides this)."""
        if group["weight_decay"] != 0:
            return g + group["weight_decay"] * p.numpy()
        return g

    def _update_group(self, group):
        lr, eps, amsgrad = group["lr"], group["eps"], group["amsgrad"]
        beta1, beta2 = group["betas"]
        for p in group["params"]:
            g = self._gradient(p, type(self).__name__)
            if g is None:
                continue
            g = self._decay(p, g, group)
            state = self.state.setdefault(p, {})
            if not state:
                state["step"] = 0
                state["exp_avg"] = np.zeros_like(p.numpy())
                state["exp_avg_sq"] = np.zeros_like(p.numpy())
                if amsgrad:
                    state["max_exp_avg_sq"] = np.zeros_like(p.numpy())
            state["step"] += 1
            t = state["step"]
            m, v = state["exp_avg"], state["exp_avg_sq"]
            m *= beta1
            m += (1 - beta1) * g
            v *= beta2
            v += (1 - beta2) * (g * g)
            if amsgrad:
                v_hat = state.setdefault("max_exp_avg_sq", np.zeros_like(p.numpy()))
                np.maximum(v_hat, v, out=v_hat)
            else:
                v_hat = v
            step_size = lr / (1 - beta1 ** t)
            denominator = np.sqrt(v_hat) / math.sqrt(1 - beta2 ** t) + eps
            # in place on the parameter's storage (see Tensor.numpy), in _subtract_inplace
            _subtract_inplace(p, step_size * (m / denominator))


class AdamW(Adam):
    """Adam with decoupled weight decay: the parameters shrink directly, not through g.

        p ← p (1 − η λ)          then the Adam step with the raw gradient g.

    With Adam's coupled decay, λp is divided by √v̂ like the rest of the gradient, so
    parameters with large gradients are barely regularized; AdamW decays them all alike.

    Args:
        params, lr, betas, eps, amsgrad: as in `Adam`.
        weight_decay: λ (default 1e-2, as in PyTorch).
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         amsgrad=amsgrad)

    def _decay(self, p, g, group):
        if group["weight_decay"] != 0:
            shrink = 1 - group["lr"] * group["weight_decay"]
            array = p.numpy()
            try:
                # in place on the parameter's storage (see Tensor.numpy), counted by its version
                np.multiply(array, shrink, out=array)
                increment_version(p)
            except ValueError:  # a read-only array: copy_ replaces it by a writable copy
                with no_grad():
                    p.copy_(array * shrink)
        return g


class RMSprop(Optimizer):
    """RMSprop: divide each coordinate's step by a running root-mean-square of its gradients.

    For each parameter p with gradient g (PyTorch's formulation):

        g ← g + λ p                                     (weight_decay λ > 0)
        s ← α s + (1 − α) g²                            (running mean of g²)
        a ← α a + (1 − α) g,  d = √(s − a²) + ε        (centered: subtract the mean's square)
        d = √s + ε                                      (otherwise)
        b ← μ b + g / d,  p ← p − η b                   (momentum μ > 0)
        p ← p − η g / d                                 (otherwise)

    Args:
        params: parameters or parameter groups (see `Optimizer`).
        lr: η.
        alpha: α, the smoothing constant in [0, 1].
        eps: ε.
        weight_decay: λ.
        momentum: μ.
        centered: normalize by an estimate of the gradient's variance instead of its mean square.
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                 centered=False):
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=bool(centered)))

    def _check_group(self, group):
        super()._check_group(group)
        group["alpha"] = _check_number("RMSprop", "alpha", group["alpha"], 0.0, 1.0)
        for key in ("eps", "weight_decay", "momentum"):
            group[key] = _check_number("RMSprop", key, group[key])
        group["centered"] = bool(group["centered"])

    def _update_group(self, group):
        lr, alpha, eps = group["lr"], group["alpha"], group["eps"]
        weight_decay, momentum, centered = group["weight_decay"], group["momentum"], group["centered"]
        for p in group["params"]:
            g = self._gradient(p, "RMSprop")
            if g is None:
                continue
            if weight_decay != 0:
                g = g + weight_decay * p.numpy()
            state = self.state.setdefault(p, {})
            if not state:
                state["step"] = 0
                state["square_avg"] = np.zeros_like(p.numpy())
            state["step"] += 1
            square_avg = state["square_avg"]
            square_avg *= alpha
            square_avg += (1 - alpha) * (g * g)
            if centered:
                grad_avg = state.setdefault("grad_avg", np.zeros_like(p.numpy()))
                grad_avg *= alpha
                grad_avg += (1 - alpha) * g
                # max(·, 0): rounding can make s − a² slightly negative, and √ of it NaN.
                denominator = np.sqrt(np.maximum(square_avg - grad_avg * grad_avg, 0)) + eps
            else:
                denominator = np.sqrt(square_avg) + eps
            # in place on the parameter's storage (see Tensor.numpy), in _subtract_inplace
            if momentum > 0:
                buffer = state.setdefault("momentum_buffer", np.zeros_like(p.numpy()))
                buffer *= momentum
                buffer += g / denominator
                _subtract_inplace(p, lr * buffer)
            else:
                _subtract_inplace(p, lr * (g / denominator))


class Adagrad(Optimizer):
    """Adagrad: each coordinate's step shrinks with the sum of its squared gradients so far.

    For each parameter p with gradient g, at step t = 1, 2, ... (PyTorch's formulation):

        g ← g + λ p                                     (weight_decay λ > 0)
        η_t = η / (1 + (t − 1) · lr_decay)
        s ← s + g²                                      (s starts at initial_accumulator_value)
        p ← p − η_t g / (√s + ε)

    Args:
        params: parameters or parameter groups (see `Optimizer`).
        lr: η.
        lr_decay: slows the learning rate further with the step count.
        weight_decay: λ.
        initial_accumulator_value: the starting value of s.
        eps: ε.
    """

    def __init__(self, params, lr=1e-2, lr_decay=0.0, weight_decay=0.0,
                 initial_accumulator_value=0.0, eps=1e-10):
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      eps=eps))

    def _check_group(self, group):
        super()._check_group(group)
        for key in ("lr_decay", "weight_decay", "initial_accumulator_value", "eps"):
            group[key] = _check_number("Adagrad", key, group[key])

    def _update_group(self, group):
        lr, lr_decay, eps = group["lr"], group["lr_decay"], group["eps"]
        weight_decay = group["weight_decay"]
        for p in group["params"]:
            g = self._gradient(p, "Adagrad")
            if g is None:
                continue
            state = self.state.setdefault(p, {})
            if not state:
                state["step"] = 0
                state["sum"] = np.full_like(p.numpy(), group["initial_accumulator_value"])
            state["step"] += 1
            if weight_decay != 0:
                g = g + weight_decay * p.numpy()
            step_lr = lr / (1 + (state["step"] - 1) * lr_decay)
            state["sum"] += g * g
            # in place on the parameter's storage (see Tensor.numpy), in _subtract_inplace
            _subtract_inplace(p, step_lr * (g / (np.sqrt(state["sum"]) + eps)))
