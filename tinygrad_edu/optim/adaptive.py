"""More adaptive optimizers of PyTorch: Adadelta, Adamax and NAdam (each in PyTorch's formulation, updating the parameters' arrays in place)."""

import numpy as np

from .optimizers import Optimizer, _check_number, _subtract_inplace

__all__ = ["Adadelta", "Adamax", "NAdam"]


def _check_betas(name, group):
    betas = group["betas"]
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(f"{name}: betas must be a pair (β₁, β₂), got {betas!r}")
    group["betas"] = (_check_number(name, "beta1 (betas[0])", betas[0], 0.0, 1.0, True),
                      _check_number(name, "beta2 (betas[1])", betas[1], 0.0, 1.0, True))


def _counted_state(optimizer, p, **first):
    """p's state, made at its first step with a step count of 0, a zero buffer like p for each
    name in `first` whose value is None and the other values as given; its step counted."""
    state = optimizer.state.setdefault(p, {})
    if not state:
        state["step"] = 0
        for name, value in first.items():
            state[name] = np.zeros_like(p.numpy()) if value is None else value
    state["step"] += 1
    return state


def _with_decay(p, g, weight_decay):
    return g + weight_decay * p.numpy() if weight_decay != 0 else g


class Adadelta(Optimizer):
    """Adadelta: a step whose size is the ratio of two running RMS values, so no lr is needed
    in principle (Zeiler 2012; PyTorch keeps lr = 1 as a multiplier).

    For each parameter p with gradient g (PyTorch's formulation):

        g ← g + λ p                                   (weight_decay λ > 0)
        v ← ρ v + (1 − ρ) g²                          (running mean of g²)
        Δ = √(u + ε) / √(v + ε) · g                   (u: running mean of Δ²)
        u ← ρ u + (1 − ρ) Δ²
        p ← p − η Δ

    Args:
        params: parameters or parameter groups (see `Optimizer`).
        lr: η (1.0 by default).
        rho: ρ in [0, 1].
        eps: ε.
        weight_decay: λ.
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0):
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay))

    def _check_group(self, group):
        super()._check_group(group)
        group["rho"] = _check_number("Adadelta", "rho", group["rho"], 0.0, 1.0)
        group["eps"] = _check_number("Adadelta", "eps", group["eps"])
        group["weight_decay"] = _check_number("Adadelta", "weight_decay", group["weight_decay"])

    def _update_group(self, group):
        lr, rho, eps = group["lr"], group["rho"], group["eps"]
        for p in group["params"]:
            g = self._gradient(p, "Adadelta")
            if g is None:
                continue
            g = _with_decay(p, g, group["weight_decay"])
            state = _counted_state(self, p, square_avg=None, acc_delta=None)
            v, u = state["square_avg"], state["acc_delta"]
            v *= rho
            v += (1 - rho) * (g * g)
            delta = np.sqrt(u + eps) / np.sqrt(v + eps) * g
            u *= rho
            u += (1 - rho) * (delta * delta)
            _subtract_inplace(p, lr * delta)


class Adamax(Optimizer):
    """Adamax: Adam with the infinity norm in place of the running RMS (Kingma & Ba 2015).

    For each parameter p with gradient g, at step t = 1, 2, ... (PyTorch's formulation):

        g ← g + λ p                                   (weight_decay λ > 0)
        m ← β₁ m + (1 − β₁) g
        u ← max(β₂ u, |g| + ε)
        p ← p − η/(1 − β₁ᵗ) · m / u

    Args:
        params: parameters or parameter groups (see `Optimizer`).
        lr: η (2e-3 by default).
        betas: (β₁, β₂), each in [0, 1).
        eps: ε.
        weight_decay: λ.
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay))

    def _check_group(self, group):
        super()._check_group(group)
        _check_betas("Adamax", group)
        group["eps"] = _check_number("Adamax", "eps", group["eps"])
        group["weight_decay"] = _check_number("Adamax", "weight_decay", group["weight_decay"])

    def _update_group(self, group):
        lr, eps = group["lr"], group["eps"]
        beta1, beta2 = group["betas"]
        for p in group["params"]:
            g = self._gradient(p, "Adamax")
            if g is None:
                continue
            g = _with_decay(p, g, group["weight_decay"])
            state = _counted_state(self, p, exp_avg=None, exp_inf=None)
            m, u = state["exp_avg"], state["exp_inf"]
            m *= beta1
            m += (1 - beta1) * g
            np.maximum(u * beta2, np.abs(g) + eps, out=u)
            _subtract_inplace(p, lr / (1 - beta1 ** state["step"]) * (m / u))


class NAdam(Optimizer):
    """NAdam: Adam with Nesterov momentum, and a momentum that warms up (Dozat 2016).

    For each parameter p with gradient g, at step t = 1, 2, ... (PyTorch's formulation):

        g ← g + λ p        (or p ← p(1 − ηλ) with decoupled_weight_decay, as AdamW)
        μₜ = β₁ (1 − ½ · 0.96^(t ψ))                 (ψ = momentum_decay)
        Πₜ = μ₁ μ₂ ⋯ μₜ                               (in float32, as PyTorch keeps it)
        m ← β₁ m + (1 − β₁) g,   v ← β₂ v + (1 − β₂) g²
        d = √(v / (1 − β₂ᵗ)) + ε
        p ← p − η (1 − μₜ)/(1 − Πₜ) · g/d − η μₜ₊₁/(1 − Πₜ μₜ₊₁) · m/d

    Args:
        params: parameters or parameter groups (see `Optimizer`).
        lr: η (2e-3 by default).
        betas: (β₁, β₂), each in [0, 1).
        eps: ε.
        weight_decay: λ.
        momentum_decay: ψ.
        decoupled_weight_decay: decay the weights directly (NAdamW) instead of through g.
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 momentum_decay=4e-3, decoupled_weight_decay=False):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      momentum_decay=momentum_decay,
                                      decoupled_weight_decay=bool(decoupled_weight_decay)))

    def _check_group(self, group):
        super()._check_group(group)
        _check_betas("NAdam", group)
        for key in ("eps", "weight_decay", "momentum_decay"):
            group[key] = _check_number("NAdam", key, group[key])
        group["decoupled_weight_decay"] = bool(group["decoupled_weight_decay"])

    def _update_group(self, group):
        lr, eps, psi = group["lr"], group["eps"], group["momentum_decay"]
        beta1, beta2 = group["betas"]
        for p in group["params"]:
            g = self._gradient(p, "NAdam")
            if g is None:
                continue
            if group["decoupled_weight_decay"] and group["weight_decay"] != 0:
                _subtract_inplace(p, lr * group["weight_decay"] * p.numpy())
            elif group["weight_decay"] != 0:
                g = _with_decay(p, g, group["weight_decay"])
            state = _counted_state(self, p, mu_product=1.0, exp_avg=None, exp_avg_sq=None)
            t = state["step"]
            mu = beta1 * (1 - 0.5 * 0.96 ** (t * psi))
            mu_next = beta1 * (1 - 0.5 * 0.96 ** ((t + 1) * psi))
            # float32, as PyTorch keeps it (a tensor of its default scalar dtype)
            state["mu_product"] = float(np.float32(state["mu_product"]) * np.float32(mu))
            product = state["mu_product"]
            m, v = state["exp_avg"], state["exp_avg_sq"]
            m *= beta1
            m += (1 - beta1) * g
            v *= beta2
            v += (1 - beta2) * (g * g)
            denominator = np.sqrt(v / (1 - beta2 ** t)) + eps
            update = (lr * (1 - mu) / (1 - product)) * (g / denominator) + \
                (lr * mu_next / (1 - product * mu_next)) * (m / denominator)
            _subtract_inplace(p, update)
