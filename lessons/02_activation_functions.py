# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lesson 2 · Activation functions and the sigmoid neuron
#
# *Lecture section 2: "Funciones de activación".* A neuron computes the weighted input
# $z = \sum_j w_j x_j + b = w\cdot x + b$ and outputs $a = f(z)$. The lecture lists six choices of
# $f$. Learning by small steps (lesson 5) needs $f$ to be smooth: a small change in a weight must
# make a small change in the output. Here every $f$ and its derivative $f'$ are drawn, the
# derivative taken by `tinygrad_edu`'s autograd and compared with the formula.
#
# | name | $f(z)$ | $f'(z)$ |
# |---|---|---|
# | step (perceptron) | $1$ if $z > 0$ else $0$ | $0$ (undefined at $0$) |
# | linear (identity) | $z$ | $1$ |
# | saturated linear | $\min(\max(z, 0), 1)$ | $1$ on $(0, 1)$, else $0$ |
# | sigmoid | $\sigma(z) = \dfrac{1}{1 + e^{-z}}$ | $\sigma(z)\,(1 - \sigma(z))$ |
# | tanh | $\tanh z = \dfrac{e^z - e^{-z}}{e^z + e^{-z}}$ | $1 - \tanh^2 z$ |
# | gaussian | $e^{-z^2}$ | $-2z\,e^{-z^2}$ |
#
# > **Note on the slides.** The slide's sigmoid has a typo in the exponent. The sigmoid is
# > $\sigma(z) = 1/(1 + e^{-z})$ with $z = \sum_j w_j x_j + b$: the minus sign makes it *increase*
# > from 0 to 1, a smooth version of the step.

# %%
import matplotlib.pyplot as plt
import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn
from lesson_tools import LECTURE, Lesson, say

lesson = Lesson("02_activation_functions")

ACTIVATIONS = {"step": nn.Step(), "linear": nn.Identity(), "saturated linear": nn.SaturatedLinear(),
               "sigmoid": nn.Sigmoid(), "tanh": nn.Tanh(), "gaussian": nn.Gaussian()}
FORMULA_PRIME = {
    "step": lambda z: np.zeros_like(z),
    "linear": lambda z: np.ones_like(z),
    "saturated linear": lambda z: ((z > 0) & (z < 1)).astype(float),
    "sigmoid": lambda z: (1 / (1 + np.exp(-z))) * (1 - 1 / (1 + np.exp(-z))),
    "tanh": lambda z: 1 - np.tanh(z) ** 2,
    "gaussian": lambda z: -2 * z * np.exp(-z * z),
}

# %%
# Grid points avoid the kinks at 0 and 1, where a derivative does not exist.
z = np.linspace(-4, 4, 401) + 1e-3
fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.2))
errors = {}
for name, module in ACTIVATIONS.items():
    zt = tg.tensor(z, dtype=tg.float64, requires_grad=True)
    a = module(zt)
    if a.requires_grad:
        (derivative,) = tg.grad(a.sum(), [zt])
        derivative = derivative.numpy()
    else:  # the step: no gradient flows through it at all (f′ = 0 where it exists)
        derivative = np.zeros_like(z)
    errors[name] = float(np.abs(derivative - FORMULA_PRIME[name](z)).max())
    left.plot(z, a.numpy(), label=name)
    right.plot(z, derivative, label=f"{name}′")
left.set_title("the six activation functions f(z)"); left.set_xlabel("z"); left.set_ylabel("f(z)")
right.set_title("their derivatives f′(z) (autograd)"); right.set_xlabel("z"); right.set_ylabel("f′(z)")
left.legend(); right.legend(); left.grid(alpha=0.3); right.grid(alpha=0.3)
lesson.figure(fig, "activations")
say("largest |autograd f′ − formula f′| on the grid: {errors}",
    errors={k: f"{v:.1e}" for k, v in errors.items()})
lesson.record("derivative_errors", errors)

# %% [markdown]
# ## Step against sigmoid, and the limits
#
# For large $|z|$ the sigmoid *is* the step: $z \to +\infty$ gives $e^{-z} \to 0$ and $\sigma \to 1$;
# $z \to -\infty$ gives $e^{-z} \to \infty$ and $\sigma \to 0$. Scaling the weights and bias by
# $c$ ($z \to cz$) makes $\sigma(cz)$ approach the step as $c$ grows. In between it is smooth, and
# its slope is largest at $z = 0$: $\sigma'(0) = \tfrac14$.
#
# Because $0 < \sigma(z) < 1$, a sigmoid output can be read as a probability, e.g. "the probability
# that this image is a 9" (softmax, lesson 10, makes the ten outputs a distribution that sums to 1).

# %%
fig, ax = plt.subplots(figsize=(6.5, 4))
ax.plot(z, (z > 0).astype(float), color="black", lw=2, label="step")
for c in (1, 3, 10):
    ax.plot(z, 1 / (1 + np.exp(-c * z)), label=f"σ({c}z)")
ax.set_title("σ(cz) approaches the step as c grows"); ax.set_xlabel("z"); ax.set_ylabel("output")
ax.legend(); ax.grid(alpha=0.3)
lesson.figure(fig, "step_vs_sigmoid")
sig = lambda v: float(tg.tensor([v], dtype=tg.float64).sigmoid().item())
limits = {"σ(−30)": sig(-30.0), "σ(0)": sig(0.0), "σ(30)": sig(30.0)}
say("limits: {limits}", limits={k: f"{v:.3g}" for k, v in limits.items()})
lesson.record("limits", limits)
zt = tg.tensor([0.0], dtype=tg.float64, requires_grad=True)
(slope,) = tg.grad(zt.sigmoid().sum(), [zt])
lesson.compare("σ′(0), the sigmoid's largest slope", lecture=LECTURE["sigmoid_prime_max"],
               here=slope.item(), source="σ′ = σ(1 − σ) ≤ 1/4")
gap = max(abs(1 / (1 + np.exp(-10 * v)) - (v > 0)) for v in (-1.0, -0.5, 0.5, 1.0))
lesson.record("sigmoid_10z_vs_step_at_half", float(gap))

# %% [markdown]
# ## Small changes make small changes: the linearization
#
# The lecture's key property of the sigmoid neuron: a small change $\Delta w_j$ of the weights and
# $\Delta b$ of the bias changes the output by about
#
# $$ \Delta\text{output} \approx \sum_j \frac{\partial\,\text{output}}{\partial w_j}\,\Delta w_j
#    + \frac{\partial\,\text{output}}{\partial b}\,\Delta b , $$
#
# a *linear* function of the changes. Below: a neuron with three inputs, its partial derivatives by
# autograd, random changes of size $\varepsilon$, and the predicted against the actual change. The
# error of the prediction shrinks like $\varepsilon^2$ (halve $\varepsilon$, the error drops about
# four-fold), so for small changes the linear picture is right. A step neuron has no such
# picture: its output either does not move or jumps by 1.

# %%
rng = np.random.default_rng(0)
x = tg.tensor([0.5, -1.0, 2.0], dtype=tg.float64)
w = tg.tensor(rng.normal(size=3), dtype=tg.float64, requires_grad=True)
b = tg.tensor([0.3], dtype=tg.float64, requires_grad=True)
output = ((w * x).sum() + b).sigmoid()
d_w, d_b = tg.grad(output.sum(), [w, b])
direction_w, direction_b = rng.normal(size=3), rng.normal(size=1)
rows = []
for eps in (1e-1, 5e-2, 2.5e-2, 1.25e-2):
    delta_w, delta_b = eps * direction_w, eps * direction_b
    predicted = float(d_w.numpy() @ delta_w + d_b.numpy() @ delta_b)
    moved = (((w.detach() + tg.tensor(delta_w)) * x).sum() + b.detach() + tg.tensor(delta_b)).sigmoid()
    actual = float(moved.item() - output.item())
    rows.append((eps, predicted, actual, abs(actual - predicted)))
    say("ε = {eps:<7g} predicted Δoutput {predicted:+.6f}   actual {actual:+.6f}   error {error:.2e}",
        eps=eps, predicted=predicted, actual=actual, error=abs(actual - predicted))
lesson.record("linearization", rows)
ratios = [rows[i][3] / rows[i + 1][3] for i in range(len(rows) - 1)]
say("error ratio when ε halves: {ratios} (≈ 4: the error is O(ε²))", ratios=[f"{r:.2f}" for r in ratios])
fig, ax = plt.subplots(figsize=(5.5, 4))
eps = [r[0] for r in rows]
ax.loglog(eps, [abs(r[2]) for r in rows], "o-", label="|actual Δoutput|")
ax.loglog(eps, [r[3] for r in rows], "s-", label="|actual − linear prediction|")
ax.set_xlabel("size of the change ε"); ax.set_ylabel("change of the output")
ax.set_title("Δoutput ≈ Σ ∂out/∂wⱼ Δwⱼ + ∂out/∂b Δb"); ax.legend()
lesson.figure(fig, "linearization")

# %% [markdown]
# ## Exercise
#
# Write σ′ yourself and let the framework check it: `tg.exercises.check("sigmoid_backward", f)`
# takes your function `f(z, grad_out)` (it must return `grad_out · σ′(z)`) and says right or wrong,
# naming the first wrong element. The solution is in `tg.exercises.solution("sigmoid_backward")`.

# %%
def my_sigmoid_backward(z, grad_out):
    s = 1 / (1 + np.exp(-z))
    return grad_out * s * (1 - s)   # try `grad_out * s` and run it again

result = tg.exercises.check("sigmoid_backward", my_sigmoid_backward)
print(result)
lesson.record("exercise_ok", result.ok)
lesson.finish()
