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
# # Lesson 5 · The cost function and gradient descent
#
# *Lecture section 5: "Función de coste y descenso del gradiente".* To learn, the network needs a
# number that says how wrong it is: the **quadratic cost** (mean squared error)
#
# $$ C(w, b) = \frac{1}{2n} \sum_x \lVert y(x) - a \rVert^2 , $$
#
# where $a$ is the network's output for input $x$ and the sum runs over the $n$ training inputs.
# $C \ge 0$, and $C \approx 0$ exactly when $a \approx y(x)$ for every $x$. Why not maximize the
# number of correct images directly? It changes in jumps (a small change of a weight usually changes
# no answer), so it says nothing about *which way* to move; $C$ is smooth.
#
# **Gradient descent.** Think of $C(v_1, v_2)$ as a landscape. Moving by $\Delta v$ changes it by
#
# $$ \Delta C \approx \frac{\partial C}{\partial v_1}\Delta v_1 + \frac{\partial C}{\partial v_2}\Delta v_2
#    = \nabla C \cdot \Delta v, \qquad \nabla C = \Big(\frac{\partial C}{\partial v_1}, \frac{\partial C}{\partial v_2}\Big)^T . $$
#
# Choosing $\Delta v = -\eta \nabla C$ with a small **learning rate** $\eta > 0$ gives
# $\Delta C \approx -\eta \lVert \nabla C \rVert^2 \le 0$: the cost goes down. So repeat
#
# $$ v \rightarrow v' = v - \eta \nabla C . $$
#
# > **Notes on the slides.** (1) The slides write $\delta C / \delta w$ for the partial derivative;
# > it is $\partial C / \partial w$ ($\delta$ is used later for the error of a neuron, lesson 7).
# > (2) One slide writes $\Delta C \equiv \nabla C \cdot \Delta v$: it is an approximation, $\approx$,
# > exact only in the limit of small steps. The numbers below show how good it is.

# %%
import matplotlib.pyplot as plt
import numpy as np

import tinygrad_edu as tg
from lesson_tools import Lesson, say

lesson = Lesson("05_cost_and_gradient_descent")


def C(v1, v2):
    """Two valleys: a local minimum near v₁ = +0.96 and the global one near v₁ = −1.04."""
    return (v1 ** 2 - 1) ** 2 + 0.3 * v1 + v2 ** 2


def gradient(v):
    """∇C at v (a numpy pair), by tinygrad_edu's autograd."""
    t = tg.tensor(v, dtype=tg.float64, requires_grad=True)
    (g,) = tg.grad(C(t[0], t[1]), [t])
    return g.numpy()


def descend(start, eta, steps):
    v, path, predicted, actual = np.array(start, float), [np.array(start, float)], [], []
    for _ in range(steps):
        g = gradient(v)
        new = v - eta * g                                       # v → v − η∇C
        predicted.append(-eta * float(g @ g))                   # ΔC ≈ −η‖∇C‖²
        actual.append(float(C(*new) - C(*v)))
        v = new
        path.append(v.copy())
    return np.array(path), predicted, actual


path, predicted, actual = descend([1.6, 1.2], eta=0.05, steps=lesson.pick(40, 80))
costs = [float(C(*v)) for v in path]
say("start v = {start}, C = {start_cost:.4f}; after {steps} steps v = {end}, C = {end_cost:.4f}",
    start=path[0].tolist(), start_cost=costs[0], steps=len(path) - 1, end=path[-1].round(4).tolist(),
    end_cost=costs[-1])
lesson.record("path", path)
lesson.record("path_costs", costs)

grid = np.linspace(-1.8, 1.8, 121)
V1, V2 = np.meshgrid(grid, np.linspace(-1.5, 1.5, 101))
fig = plt.figure(figsize=(13, 5))
contour = fig.add_subplot(1, 2, 1)
contour.contourf(V1, V2, C(V1, V2), levels=30, cmap="viridis")
contour.plot(path[:, 0], path[:, 1], "o-", color="white", ms=3, label="v → v − η∇C")
g0 = gradient(path[0])
contour.annotate("", xy=path[0] - 0.15 * g0, xytext=path[0],
                 arrowprops=dict(arrowstyle="->", color="red", lw=2))
contour.set_title("C(v₁, v₂) and the descent path (red: −∇C at the start)")
contour.set_xlabel("v₁"); contour.set_ylabel("v₂"); contour.legend(loc="lower left")
surface = fig.add_subplot(1, 2, 2, projection="3d")
surface.plot_surface(V1, V2, C(V1, V2), cmap="viridis", alpha=0.7, linewidth=0)
surface.plot(path[:, 0], path[:, 1], costs, "o-", color="red", ms=2, label="path")
surface.set_title("the same landscape in 3-D"); surface.set_xlabel("v₁"); surface.set_ylabel("v₂")
lesson.figure(fig, "cost_surface")

# %% [markdown]
# ## Predicted against actual ΔC
#
# Each step predicted $\Delta C \approx -\eta\lVert\nabla C\rVert^2$. With a small $\eta$ the
# prediction is close; with a large one it is not, and the cost can even go *up* (the step jumps
# over the valley): that is why $\eta$ must be small enough, and why the lecture's $\approx$ matters.

# %%
for k in (0, 1, 2, 5, 10):
    say("step {step:>2}: predicted ΔC {predicted:+.5f}, actual {actual:+.5f}", step=k + 1,
        predicted=predicted[k], actual=actual[k])
lesson.record("predicted", predicted)
lesson.record("actual", actual)
rows = []
for eta in (0.01, 0.05, 0.2, 0.6):
    v = np.array([1.6, 1.2])
    g = gradient(v)
    rows.append((eta, -eta * float(g @ g), float(C(*(v - eta * g)) - C(*v))))
    say("η = {eta:<5}: predicted ΔC {predicted:+.4f}, actual {actual:+.4f}", eta=eta,
        predicted=rows[-1][1], actual=rows[-1][2])
lesson.record("eta_rows", rows)
fig, ax = plt.subplots(figsize=(5.5, 4))
ax.plot(range(1, len(predicted) + 1), predicted, "o-", label="predicted −η‖∇C‖²")
ax.plot(range(1, len(actual) + 1), actual, "s--", label="actual ΔC")
ax.set_xlabel("step"); ax.set_ylabel("ΔC"); ax.set_title("ΔC ≈ −η‖∇C‖² (η = 0.05)"); ax.legend()
lesson.figure(fig, "predicted_vs_actual")

# %% [markdown]
# ## Calculus against numerics, and the "global minimum"
#
# With two variables we could minimize by calculus: solve $\nabla C = 0$. Here
# $\partial C/\partial v_2 = 2v_2 = 0$ and $\partial C/\partial v_1 = 4v_1^3 - 4v_1 + 0.3 = 0$, a cubic
# with three roots: two minima and a maximum between them. A network has tens of thousands of
# variables (23,860 for 784-30-10) and no formula for the roots; gradient descent needs only the
# gradient, which backpropagation computes (lesson 7).
#
# > **Note on the slides.** The lecture says gradient descent "reaches the global minimum". It does
# > not in general: it follows the slope from where it starts and stops in *a* minimum. Started at
# > $v_1 = 1.6$ it settles in the local minimum near $+0.96$; started at $v_1 = -1.6$ it finds the
# > global one near $-1.04$. For a network's cost, with millions of minima, one hopes for a *good*
# > minimum, not the global one.

# %%
roots = np.sort(np.roots([4, 0, -4, 0.3]).real)
minima = [r for r in roots if 12 * r ** 2 - 4 > 0]
say("calculus: critical points v₁ = {roots} → minima at {minima}", roots=roots.round(4).tolist(),
    minima=np.round(minima, 4).tolist())
ends = {}
for start in (1.6, -1.6):
    end = descend([start, 1.2], eta=0.05, steps=lesson.pick(150, 400))[0][-1]
    ends[start] = end
    say("gradient descent from v₁ = {start:+}: ends at v₁ = {end:+.4f}, C = {cost:.4f}", start=start,
        end=end[0], cost=C(*end))
lesson.record("calculus_minima", minima)
lesson.record("descent_ends", {str(k): v for k, v in ends.items()})
global_min = min(minima, key=lambda r: C(r, 0.0))
lesson.record("global_minimum", float(global_min))

# %% [markdown]
# ## Exercise
#
# Differentiate $C$ by hand and let the framework check it: `tg.exercises.check("gradient", …)`
# compares your $\nabla C$ with autograd's at a point and names the first wrong component.
# (The solution: `tg.exercises.solution("gradient")`.)

# %%
def my_gradient(v):
    return np.array([4 * v[0] ** 3 - 4 * v[0] + 0.3, 2 * v[1]])   # try dropping the 0.3


result = tg.exercises.check("gradient", my_gradient, function=lambda v: C(v[0], v[1]), at=[1.6, 1.2])
print(result)
lesson.record("exercise_ok", result.ok)
lesson.finish()
