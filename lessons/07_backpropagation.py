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
# # Lesson 7 · Backpropagation
#
# *Lecture section 7: "Retropropagación".* SGD needs $\partial C/\partial w$ and $\partial C/\partial b$
# for every weight and bias. Backpropagation computes all of them in one backward pass.
#
# **Notation.** $w^l_{jk}$: the weight from neuron $k$ of layer $l-1$ to neuron $j$ of layer $l$;
# $b^l_j$ its bias; $z^l = w^l a^{l-1} + b^l$ the weighted input; $a^l = \sigma(z^l)$ the activation;
# $L$ the output layer; $\odot$ the elementwise (Hadamard) product. The **error** of neuron $j$ in
# layer $l$ is $\delta^l_j = \partial C / \partial z^l_j$.
#
# **Two assumptions about the cost.** (1) It is an average over training inputs,
# $C = \frac1n\sum_x C_x$, so backpropagation computes $\partial C_x/\partial w$ per input and
# averages. (2) It depends on the network only through its outputs $a^L$ (for the quadratic cost,
# $C_x = \frac12\lVert y - a^L\rVert^2$).
#
# **The four equations.**
#
# $$ \begin{aligned}
# &\text{BP1}\quad \delta^L = \nabla_a C \odot \sigma'(z^L) &
# &\text{BP2}\quad \delta^l = \big((w^{l+1})^T \delta^{l+1}\big) \odot \sigma'(z^l) \\
# &\text{BP3}\quad \frac{\partial C}{\partial b^l_j} = \delta^l_j &
# &\text{BP4}\quad \frac{\partial C}{\partial w^l_{jk}} = a^{l-1}_k\,\delta^l_j
# \end{aligned} $$
#
# > **Notes on the slides.** (1) On the slide "the algorithm in practice", BP2 is written with
# > $\sigma(z^l)$: the prime is missing. It is $\sigma'(z^l)$, the derivative; with $\sigma$ the
# > gradient is wrong (the exercise at the end plants exactly that and the checker names the layer).
# > (2) The slides write $\delta C/\delta w$ for $\partial C/\partial w$.

# %%
import matplotlib.pyplot as plt
import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.data import load_mnist
from lesson_tools import Lesson, say

lesson = Lesson("07_backpropagation")
images, labels = (t.numpy() for t in load_mnist("train", subset=lesson.pick(3_000, 50_000)).tensors)
val_images, val_labels = (t.numpy() for t in load_mnist("validation", subset=lesson.pick(2_000, 10_000)).tensors)
targets = np.eye(10)[labels]


def lecture_network(seed=0, dtype=tg.float32):
    tg.manual_seed(seed)
    net = nn.Sequential(nn.Linear(784, 30, dtype=dtype), nn.Sigmoid(),
                        nn.Linear(30, 10, dtype=dtype), nn.Sigmoid())
    return nn.init.init_lecture(net, scaled=False)


# %% [markdown]
# ## The demon
#
# The lecture's picture of $\delta$: a demon sits at neuron $j$ of layer $l$ and adds $\Delta z$ to its
# weighted input, so the neuron outputs $\sigma(z^l_j + \Delta z)$. The change spreads through the
# later layers and changes the cost by about
#
# $$ \Delta C \approx \frac{\partial C}{\partial z^l_j}\,\Delta z = \delta^l_j\,\Delta z . $$
#
# Below, the demon nudges several neurons of both layers for one image; the actual change of $C$
# (a forward pass with the nudge) is set beside $\delta^l_j\,\Delta z$ with $\delta$ from BP1-BP2.

# %%
net = lecture_network(dtype=tg.float64)
x, y = images[:1].astype(np.float64), targets[:1]
terms = tg.equations.closed_form(net, x, y, "quadratic")
weights = [(layer.linear.weight.numpy(), layer.linear.bias.numpy()) for layer in terms.layers]


def cost_with_demon(layer_index, neuron, dz):
    a = x
    for i, (w, b) in enumerate(weights):
        z = a @ w.T + b
        if i == layer_index:
            z = z.copy(); z[0, neuron] += dz
        a = 1 / (1 + np.exp(-z))
    return float(0.5 * ((a - y) ** 2).sum())


base, dz, demon = cost_with_demon(-1, 0, 0.0), 1e-3, []
for layer_index, neurons in ((0, range(0, 30, 3)), (1, range(10))):
    for j in neurons:
        predicted = float(terms.deltas[layer_index][0, j] * dz)
        actual = cost_with_demon(layer_index, j, dz) - base
        demon.append((layer_index + 2, j, predicted, actual))
for l, j, predicted, actual in demon[:3] + demon[-3:]:
    say("layer {l}, neuron {j:>2}: δ·Δz = {predicted:+.3e}, actual ΔC = {actual:+.3e}", l=l, j=j,
        predicted=predicted, actual=actual)
lesson.record("demon", demon)
fig, ax = plt.subplots(figsize=(4.8, 4.5))
for l, marker in ((2, "o"), (3, "s")):
    rows = [d for d in demon if d[0] == l]
    ax.plot([d[2] for d in rows], [d[3] for d in rows], marker, linestyle="none", label=f"layer {l}")
limit = max(abs(d[2]) for d in demon) * 1.1
ax.plot([-limit, limit], [-limit, limit], color="gray", lw=1, label="ΔC = δ·Δz")
ax.set_xlabel("δˡⱼ · Δz (BP1, BP2)"); ax.set_ylabel("actual ΔC"); ax.legend()
ax.set_title("the demon's nudge Δz = 0.001")
lesson.figure(fig, "demon")

# %% [markdown]
# ## BP1-BP4 checked against autograd
#
# `tg.equations.compare` computes every $\delta^l$ and gradient from the four equations (numpy,
# float64, a whole mini-batch at once) and compares each equation at each layer with autograd. In
# the backward picture of the same network, in the lecture's notation, each node carries its
# $\delta$.

# %%
report = tg.equations.compare(lecture_network(), images[:10], labels[:10], "quadratic")
print(report)
lesson.record("bp_ok", report.ok)
lesson.record("bp_max_abs_error", report.max_abs_error)
net = lecture_network()
cost = nn.QuadraticCost()(net(tg.tensor(images[:2])), tg.tensor(targets[:2].astype(np.float32)))
picture = tg.viz.graph(cost, notation="lecture", backward=True, rankdir="LR")
picture.save(lesson.out / "07_backpropagation_graph.svg")
lesson.record("picture_labels", picture.labels)
picture

# %% [markdown]
# ## The algorithm in practice: training with the four equations
#
# For each mini-batch: feed forward ($z^l$, $a^l$), compute $\delta^L$ (BP1), propagate back with
# BP2, read off the gradients (BP3, BP4) and step $w^l \to w^l - \frac{\eta}{m}\sum_x \delta^{x,l}(a^{x,l-1})^T$,
# $b^l \to b^l - \frac{\eta}{m}\sum_x \delta^{x,l}$. Below this loop, with no autograd at all
# (`tg.equations.backprop`), trains the lecture's network beside `optim.SGD` with autograd, from the
# same start and with the same mini-batches.

# %%
def accuracy(net):
    with tg.no_grad():
        return float((net(tg.tensor(val_images)).numpy().argmax(1) == val_labels).mean())


def train(use_equations, epochs):
    net = lecture_network()
    opt, cost = optim.SGD(net.parameters(), lr=3.0), nn.QuadraticCost()
    linears = [net[0], net[2]]
    curve = [accuracy(net)]
    for epoch in range(epochs):
        order = np.random.default_rng(epoch).permutation(len(images))
        for start in range(0, len(images), 10):
            rows = order[start:start + 10]
            if use_equations:
                grads = tg.equations.backprop(net, images[rows], targets[rows], "quadratic")
                for layer, (grad_w, grad_b) in zip(linears, grads):     # w → w − η ∂C/∂w
                    layer.weight.numpy()[...] -= 3.0 * grad_w.astype(np.float32)
                    layer.bias.numpy()[...] -= 3.0 * grad_b.astype(np.float32)
            else:
                loss = cost(net(tg.tensor(images[rows])), tg.tensor(targets[rows].astype(np.float32)))
                opt.zero_grad(); loss.backward(); opt.step()
        curve.append(accuracy(net))
    return curve


epochs = lesson.pick(1, 3)
by_equations, by_autograd = train(True, epochs), train(False, epochs)
say("after {epochs} epoch(s): BP1-BP4 loop {equations:.2f}%, autograd {autograd:.2f}%", epochs=epochs,
    equations=100 * by_equations[-1], autograd=100 * by_autograd[-1])
lesson.record("accuracy_equations", by_equations)
lesson.record("accuracy_autograd", by_autograd)

# %% [markdown]
# The two loops reach the same accuracy (to a few images out of thousands: float64 against
# float32 rounding): backpropagation *is* the four equations, and autograd is a general way of
# running them for any graph.
#
# ## Exercise: write BP2
#
# Your function gets $\delta^{l+1}$ (one row per example), $w^{l+1}$ and $z^l$ and returns $\delta^l$.
# `tg.exercises.check("bp2", f)` compares it with autograd at every hidden layer and names the first
# wrong one. Below, the slide's version (without the prime) is checked first.

# %%
def slide_bp2(delta_next, w_next, z):
    return (delta_next @ w_next) * (1 / (1 + np.exp(-z)))          # σ(z): the slide's typo


def my_bp2(delta_next, w_next, z):
    s = 1 / (1 + np.exp(-z))
    return (delta_next @ w_next) * s * (1 - s)                     # σ′(z) = σ(z)(1 − σ(z))


slide = tg.exercises.check("bp2", slide_bp2)
print(slide)
mine = tg.exercises.check("bp2", my_bp2)
print(mine)
lesson.record("exercise_slide_ok", slide.ok)
lesson.record("exercise_ok", mine.ok)
lesson.finish()
