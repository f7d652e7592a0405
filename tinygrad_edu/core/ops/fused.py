"""Fused ops: one node where the composite would take four to eight (a dense layer, the costs); each is tested against its composite.

Part of the rulebook (see ops/__init__.py for how to read a rule)."""

import math

import numpy as np

from ..autograd import Op
from ..messages import say
from .linalg import product

__all__ = [
    "Linear", "SquaredError", "SoftmaxCrossEntropy", "SigmoidCrossEntropy", "BatchNorm",
]


class Linear(Op):
    """out = x @ wᵀ + b   (fused: one node for a dense layer; x (..., in), w (out, in), b (out,))

    ∂C/∂x = g @ w,   ∂C/∂w = gᵀ @ x,   ∂C/∂b = Σ_batch g   (batch dims flattened)
    saves: x, w
    Equal to the composite matmul + expand + add (tested), but one node instead of four.
    """
    rule_on_arrays = True  # its rule runs on arrays as well (Op.rule_on_arrays)
    chain_rule = {"x": "δ(out) @ w", "w": "δ(out)ᵀ @ x", "b": "Σ_batch δ(out)"}

    def forward(self, x, w, b):
        if x.ndim == 0 or x.shape[-1] != w.shape[1]:
            raise ValueError(say("error.linear_input", x=x.shape, w=w.shape, features=w.shape[1]))
        if b.shape != (w.shape[0],):
            raise ValueError(f"linear: bias of shape {b.shape} does not fit a weight of shape "
                             f"{w.shape}; it must have shape ({w.shape[0]},)")
        self.save_for_backward(x, w)
        out = x @ w.T
        out += b
        return out

    def backward(self, grad_out):
        x, w = self.saved_tensors
        need_x, need_w, need_b = self.needs_input_grad
        if grad_out.ndim == 2:
            g2, x2 = grad_out, x
        else:
            g2 = grad_out.reshape(-1, w.shape[0])
            x2 = x.reshape(-1, w.shape[1])
        grad_x = product(grad_out, w) if need_x else None  # (product: @, see linalg.py)
        grad_w = product(g2.T, x2) if need_w else None
        grad_b = g2.sum(0) if need_b else None
        return grad_x, grad_w, grad_b


class SquaredError(Op):
    """out = scale · Σ (a − y)²   (the lecture's quadratic cost uses scale = 1/(2n))

    ∂out/∂a = 2·scale·(a − y),   ∂out/∂y = −2·scale·(a − y)
    saves: a, y
    Equal to the composite ((a − y) ** 2).sum() * scale (tested), in one node instead of four.
    """
    rule_on_arrays = True  # its rule runs on arrays as well (Op.rule_on_arrays)
    chain_rule = {"a": "δ(out) ⊙ (2·scale·(a − y))", "y": "δ(out) ⊙ (−2·scale·(a − y))"}

    def forward(self, a, y, scale):
        self.scale = scale
        self.save_for_backward(a, y)
        difference = a - y
        return np.asarray(np.vdot(difference, difference) * scale, dtype=difference.dtype)

    def backward(self, grad_out):
        a, y = self.saved_tensors
        grad_a = (a - y) * (grad_out * (2 * self.scale))
        return grad_a, (-grad_a if self.needs_input_grad[1] else None)


class SoftmaxCrossEntropy(Op):
    """out = −scale · Σᵢ Σⱼ pᵢⱼ · log softmax(xᵢ)ⱼ   (logits x (n, k); p = one-hot class targets or
    class probabilities; scale = 1/n for the mean)

    ∂out/∂x = scale · (softmax(x) − p)
    saves: x (the targets p are a constant)
    Equal to the composite −(log_softmax(x) · p).sum() · scale (tested), in one node instead of
    five, and stable at any logit size (log-softmax subtracts the row maximum).
    """
    chain_rule = {"x": "δ(out) ⊙ scale ⊙ (softmax(x) − p)"}

    def forward(self, x, targets, scale):
        self.scale = scale
        if targets.ndim == 1:
            probabilities = np.zeros(x.shape, dtype=x.dtype)
            probabilities[np.arange(x.shape[0]), targets] = 1
        else:
            probabilities = targets.astype(x.dtype, copy=False)
        self.targets = probabilities
        self.save_for_backward(x)
        shifted = x - x.max(axis=1, keepdims=True)
        log_probabilities = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        return np.asarray(-scale * np.vdot(probabilities, log_probabilities), dtype=x.dtype)

    def backward(self, grad_out):
        (x,) = self.saved_tensors
        return (x.softmax(1) - self.targets) * (grad_out * self.scale)


class SigmoidCrossEntropy(Op):
    """out = scale · Σᵢ wᵢ · [softplus(zᵢ) − yᵢ·zᵢ] = −scale · Σᵢ wᵢ [yᵢ ln σ(zᵢ) + (1 − yᵢ) ln(1 − σ(zᵢ))]
    (the cross-entropy of a = σ(z), from the logits z; scale = 1/n for the lecture's cost, 1/N
    for a mean; scale None gives the per-element losses)

    ∂out/∂z = scale · w ⊙ (σ(z) − y) = scale · w ⊙ ((1 − y)·σ(z) − y·σ(−z))
    (the lecture's δᴸ = a − y: no σ′ factor)
    saves: z (the targets y and the weights w are constants)
    Equal to the composite cross-entropy of σ(z) (tested where both are finite), but exact when
    the sigmoid saturates: in float32 σ(17) rounds to 1, so ln(1 − a) is clamped and the
    composite's ∂C/∂z becomes 0 for a saturated wrong neuron; here softplus(z) =
    max(z, 0) + ln(1 + e^(−|z|)) never overflows and σ(z) − y is never 0 for a wrong output.
    """
    chain_rule = {"z": "δ(out) ⊙ scale ⊙ w ⊙ (σ(z) − y)"}

    def forward(self, z, targets, weight, scale):
        self.targets, self.weight, self.scale = targets, weight, scale
        self.save_for_backward(z)
        losses = np.maximum(z, 0) - z * targets + np.log1p(np.exp(-np.abs(z)))
        if weight is not None:
            losses = losses * weight
        if scale is None:
            return losses.astype(z.dtype, copy=False)
        return np.asarray(scale * losses.sum(), dtype=z.dtype)

    def backward(self, grad_out):
        (z,) = self.saved_tensors
        y = self.targets
        # σ(z) − y written as (1 − y)·σ(z) − y·σ(−z): the same number, but a right saturated
        # output (z = 17, y = 1 in float32) keeps its tiny −σ(−17) instead of 1 − 1 = 0
        gradient = z.sigmoid() * (1 - y) - (-z).sigmoid() * y
        if self.weight is not None:
            gradient = gradient * self.weight
        return gradient * (grad_out if self.scale is None else grad_out * self.scale)


class BatchNorm(Op):
    """out = γ ⊙ x̂ + β,  x̂ = (x − μ) · r,  r = 1/√(σ² + eps)   (training mode: μ and the biased
    σ² are the batch's, per channel: over every dimension of x but 1; γ, β of shape (C,))

    ∂C/∂x = γ r ⊙ (δ(out) − mean(δ(out)) − x̂ ⊙ mean(δ(out) ⊙ x̂))   (means per channel)
    ∂C/∂γ = Σ δ(out) ⊙ x̂,   ∂C/∂β = Σ δ(out)   (sums per channel)
    saves: x, γ (the rule recomputes μ, r and x̂ from x, so it can be differentiated again)
    Equal to the composite (x − x.mean()) / √(((x − x.mean())²).mean() + eps) · γ + β (tested),
    in one node, with fewer passes over the activations: the composite's nine ops and their
    rules took 45% of W4-bn's step (6.3 of 14.1 ms CPU), this op 4.3 ms, so the step is 14%
    faster (benchmarks/bench_conv.py's W4-bn, 3 interleaved runs). μ and r come in as
    arguments (`mean`, `inverse_std`): batch_norm computes them once, for this op and the
    running statistics.
    """
    rule_on_arrays = True  # its rule runs on arrays as well (Op.rule_on_arrays)
    chain_rule = {"x": "γ r ⊙ (δ(out) − mean(δ(out)) − x̂ ⊙ mean(δ(out) ⊙ x̂))",
                  "weight": "Σ δ(out) ⊙ x̂", "bias": "Σ δ(out)"}

    def forward(self, x, weight, bias, mean, inverse_std, eps):
        self.eps, self.dims = eps, (0,) + tuple(range(2, x.ndim))
        self.save_for_backward(x, weight)
        shape = mean.shape
        out = x - mean
        out *= inverse_std
        out *= weight.reshape(shape)
        out += bias.reshape(shape)
        return out

    def backward(self, grad_out):
        x, weight = self.saved_tensors
        dims, need_x, need_w, need_b = self.dims, *self.needs_input_grad
        per_channel = x.shape[1] / math.prod(x.shape)  # 1/m: the means are sums times 1/m
        mean = lambda t: t.sum(axis=dims, keepdims=True) * per_channel  # the same on both paths
        centered = x - mean(x)
        r = (mean(centered * centered) + self.eps) ** -0.5
        normalized = centered * r
        grad_x = grad_w = grad_b = None
        if need_x:
            gamma_r = weight.reshape(r.shape) * r
            grad_x = gamma_r * (grad_out - mean(grad_out) - normalized * mean(grad_out * normalized))
        if need_w:
            grad_w = (grad_out * normalized).sum(axis=dims)
        if need_b:
            grad_b = grad_out.sum(axis=dims)
        return grad_x, grad_w, grad_b
