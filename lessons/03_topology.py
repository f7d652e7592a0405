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
# # Lesson 3 · The topology of a network
#
# *Lecture section 3: "Topología".* Neurons are arranged in **layers**: the input layer (one
# neuron per pixel: 28 × 28 = 784 for MNIST), one or more **hidden** layers, and the output layer
# (one neuron per digit). Layer $l$ computes, from the activations $a^{l-1}$ of the layer before,
#
# $$ z^l = w^l a^{l-1} + b^l, \qquad a^l = \sigma(z^l), \qquad l = 2, 3, \dots, L, $$
#
# with $w^l_{jk}$ the weight from neuron $k$ of layer $l-1$ to neuron $j$ of layer $l$.
#
# > **Notes on the slides.** (1) The slide writes the feedforward equation "for $l = 1, \dots$".
# > Layer 1 is the input: it has no weights and $a^1 = x$; the equation starts at $l = 2$.
# > (2) One slide writes $a^{ll-1}$: it means $a^{l-1}$, the previous layer's activations.
#
# A network whose connections all point forward (no loops) is **feedforward**; one with a
# hidden layer is *shallow*, one with several is *deep*.

# %%
import time

import matplotlib.pyplot as plt
import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn
from lesson_tools import LECTURE, Lesson, say

lesson = Lesson("03_topology")


def draw_network(ax, sizes, shown=8, title=""):
    """Circles per layer (at most `shown`, with '⋮' for the rest) and every edge between them."""
    columns = []
    for i, n in enumerate(sizes):
        k = min(n, shown)
        ys = np.linspace(-1, 1, k) if k > 1 else np.zeros(1)
        columns.append((i, ys, n))
    for (i, ys, _), (j, ys_next, _) in zip(columns, columns[1:]):
        for y0 in ys:
            for y1 in ys_next:
                ax.plot([i, j], [y0, y1], color="0.75", lw=0.5, zorder=1)
    for i, ys, n in columns:
        ax.scatter(np.full(len(ys), i), ys, s=140, color="white", edgecolors="black", zorder=3)
        ax.annotate(f"{n}", (i, 1.18), ha="center", fontsize=10)
        if n > shown:
            ax.annotate("⋮", (i + 0.08, 0), fontsize=14, va="center")
    names = ["input"] + ["hidden"] * (len(sizes) - 2) + ["output"]
    ax.set_xticks(range(len(sizes)), [f"{name}\nlayer {l + 1}" for l, name in enumerate(names)])
    ax.set_yticks([]); ax.set_ylim(-1.3, 1.35); ax.set_title(title)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)


fig, (shallow, deep) = plt.subplots(1, 2, figsize=(13, 4.2))
draw_network(shallow, [784, 30, 10], title="shallow: the lecture's 784-30-10")
draw_network(deep, [784, 30, 30, 30, 10], title="deep: 784-30-30-30-10")
lesson.figure(fig, "networks")

net = nn.Sequential(nn.Linear(784, 30), nn.Sigmoid(), nn.Linear(30, 10), nn.Sigmoid())
count = sum(p.numel() for p in net.parameters())
lesson.compare("weights and biases of 784-30-10", lecture=LECTURE["parameters_784_30_10"],
               here=count, source="784·30 + 30 + 30·10 + 10")

# %% [markdown]
# ## Shallow against deep: what a hidden layer costs
#
# More hidden layers can represent more (lesson 16 shows they are also harder to train). They
# also cost time: each layer adds a matrix product to the forward and the backward pass. Below:
# the time of one training step on a mini-batch of 10 images, for 0 to 4 hidden layers of 30
# neurons (median of repeated steps; this machine is shared, so read the trend, not the digits).

# %%
x = tg.randn(10, 784)
y = tg.zeros(10, 10)
depths, seconds, parameters, recorded_ops = list(range(0, 5)), [], [], []
for depth in depths:
    sizes = [784] + [30] * depth + [10]
    layers = []
    for n_in, n_out in zip(sizes, sizes[1:]):
        layers += [nn.Linear(n_in, n_out), nn.Sigmoid()]
    model = nn.Sequential(*layers)
    cost = nn.QuadraticCost()
    times = []
    for _ in range(lesson.pick(15, 60)):
        started = time.perf_counter()
        model.zero_grad()
        cost(model(x), y).backward()
        times.append(time.perf_counter() - started)
    seconds.append(float(np.median(times)))
    recorded_ops.append(len(tg.core.topological_order(cost(model(x), y))))   # the work per step
    parameters.append(sum(p.numel() for p in model.parameters()))
    say("{depth} hidden layers: {parameters:>6,} parameters, {ops} recorded ops, "
        "one step {microseconds:7.0f} µs", depth=depth, parameters=parameters[-1], ops=recorded_ops[-1],
        microseconds=1e6 * seconds[-1])
fig, ax = plt.subplots(figsize=(5.5, 3.8))
ax.plot(depths, [1e6 * s for s in seconds], "o-", label="one step (forward + backward)")
ax.set_xlabel("hidden layers of 30"); ax.set_ylabel("µs per mini-batch of 10")
ax.set_title("deeper costs more time per step"); ax.legend()
lesson.figure(fig, "depth_time")
lesson.record("depth_seconds", seconds)
lesson.record("depth_parameters", parameters)
lesson.record("depth_ops", recorded_ops)

# %% [markdown]
# ## Feedforward against recurrent
#
# In a **recurrent** network a layer also feeds itself: its state at time $t$ depends on the input
# $x_t$ *and* its own state $h_{t-1}$,
#
# $$ h_t = \tanh(W_x x_t + W_h h_{t-1} + b), \qquad h_0 = 0 . $$
#
# It looks like a loop, but for a sequence of length $T$ it **unrolls** into a feedforward graph
# of $T$ copies sharing the same weights $W_x, W_h, b$. Backpropagation runs on that unrolled graph
# ("backpropagation through time"), and because the same $W_h$ is used at every step, its gradient
# is the *sum* of the contributions of every step. Below, a tiny recurrent net is built from the
# existing `Linear` and `tanh` ops, unrolled over 4 steps, checked with `gradcheck`, and drawn.

# %%
tg.manual_seed(0)
T, n_in, n_hidden = 4, 2, 3
input_to_hidden = nn.Linear(n_in, n_hidden, dtype=tg.float64)
hidden_to_hidden = nn.Linear(n_hidden, n_hidden, bias=False, dtype=tg.float64)
sequence = tg.randn(T, 1, n_in, dtype=tg.float64)


def unrolled(xs):
    h = tg.zeros(1, n_hidden, dtype=tg.float64)
    states = []
    for t in range(T):
        h = (input_to_hidden(xs[t]) + hidden_to_hidden(h)).tanh()
        states.append(h)
    return states


states = unrolled(sequence)
final = states[-1].sum()
final.backward(retain_graph=True)
ops = [node.grad_fn.name for node in tg.core.topological_order(final)]
products = ops.count("Linear") + ops.count("MatMul")  # a Linear without bias is a MatMul node
say("the unrolled graph: {ops} ops, {products} matrix products ({T} steps × 2 layers), {tanh} tanh nodes, "
    "and no cycle", ops=len(ops), products=products, T=T, tanh=ops.count("Tanh"))
say("∂C/∂W_h is the sum over the 4 steps: {gradient}",
    gradient=hidden_to_hidden.weight.grad.numpy().round(4).tolist())


def final_state_from(weight):
    h = tg.zeros(1, n_hidden, dtype=tg.float64)
    for t in range(T):
        h = (input_to_hidden(sequence[t]) + h @ weight.T).tanh()
    return h.sum()


checked = tg.gradcheck(final_state_from, [hidden_to_hidden.weight.detach().clone().requires_grad_()])
say("gradcheck of backpropagation through time: {checked}", checked=checked)
lesson.record("rnn_ops", {"total": len(ops), "products": products, "Tanh": ops.count("Tanh")})
lesson.record("rnn_gradcheck", bool(checked))
try:
    path = tg.viz.draw(final, lesson.out / "03_topology_unrolled_rnn.svg", rankdir="LR",
                       title="a recurrent net unrolled over 4 steps: the same W_x, W_h at every step")
    say("the unrolled graph is drawn in {path}", path=path)
    lesson.record("rnn_svg_bytes", (lesson.out / "03_topology_unrolled_rnn.svg").stat().st_size)
except tg.viz.GraphvizNotFound as error:
    print(error)

# %% [markdown]
# The picture shows the weight tensors once each, with an edge into every step that uses them:
# that is where backpropagation adds up their gradient. A feedforward network is the special case
# without the $W_h$ edges.

# %%
lesson.finish()
