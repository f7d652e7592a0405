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
# # Lesson 1 · Neurons and the perceptron
#
# *Lecture section 1: "Neuronas y perceptrón".* Run it as a notebook (`make notebooks`, then open
# `lessons/01_neurons_and_the_perceptron.ipynb`) or as a script (`python lessons/01_neurons_and_the_perceptron.py`).
#
# **A little history.** A biological neuron sums the signals arriving at its dendrites and
# fires along its axon when the sum passes a threshold. McCulloch and Pitts (1943) wrote that as a
# threshold unit; Rosenblatt (1958) gave it a learning rule and built it in hardware (the Mark I
# perceptron, 1958-60); Minsky and Papert (1969) showed that one unit cannot compute XOR;
# backpropagation (Rumelhart, Hinton and Williams, 1986) trained networks of many units; LeCun's
# convolutional networks read ZIP codes from 1989.
#
# > **Note on the slides.** The lecture says neural networks were "first implemented in the 90s".
# > That is an overclaim: the perceptron ran in hardware in 1958, and multi-layer networks trained
# > by backpropagation were in use in the late 1980s. What the 90s and 2000s brought was their
# > widespread practical success (LeNet on cheques, then GPUs and big data after 2006-2012).
#
# **The perceptron.** Inputs $x_j \in \{0, 1\}$, weights $w_j$, bias $b$:
#
# $$ y = \begin{cases} 1 & \text{if } \sum_j w_j x_j + b > 0 \\ 0 & \text{otherwise} \end{cases}
# \qquad\text{and after each example:}\qquad w \leftarrow w + r\,(d - y)\,x $$
#
# where $d$ is the desired output and $r$ the learning rate. The rule changes nothing after a
# right answer, and moves $w$ towards (or away from) the input after a wrong one.

# %%
import matplotlib
import matplotlib.pyplot as plt
import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.perceptron import Perceptron, truth_table
from lesson_tools import LECTURE, Lesson, say, translated

lesson = Lesson("01_neurons_and_the_perceptron")

# %% [markdown]
# ## 1. The lecture's worked example: AND
#
# Start at $w = (0.9, 0.9)$, $b = -0.5$ (kept fixed) and $r = 0.5$, and apply the rule after every
# example. Every number is printed, so you can follow the slide line by line.
#
# > **Note on the slides.** The slide writes the bias as $0.5$. With $b = +0.5$ the input $(0, 0)$
# > would give $0 + 0.5 > 0$, output 1: a mistake on the very first example, which the slide does not
# > show. The slide's own arithmetic ($0.9 - 0.5 = 0.4$) uses $b = -0.5$, so that is the bias here.

# %%
def show_step(p, x, target):
    z, y = p.weighted_sum(x), p.predict(x)
    say("  x = {x}: x·w + b = {z:+.2f} → y = {y}, want {target}{mistake}", x=x.astype(int).tolist(),
        z=z, y=y, target=target, mistake="" if y == target else "   " + translated("MISTAKE"))
    return z, y


p = Perceptron(2, lr=LECTURE["and_rate"], weights=list(LECTURE["and_start_weights"]),
               bias=LECTURE["and_bias"], learn_bias=False)
X, d = truth_table("AND")
trace = []
for epoch in range(1, 6):
    say("epoch {epoch}: w = {w}, b = {b}", epoch=epoch, w=p.weights.round(4).tolist(), b=p.bias)
    mistakes = 0
    for x, target in zip(X, d):
        z, y = show_step(p, x, int(target))
        trace.append(round(float(z), 6))
        if y != target:
            mistakes += 1
            p.update(x, int(target))
            say("    w ← w + r (d − y) x = {w}", w=p.weights.round(4).tolist())
    if mistakes == 0:
        break
lesson.record("and_weighted_sums", trace)
lesson.record("and_final_weights", p.weights)
lesson.compare("AND: x·w + b for the input (0, 1) at the start", lecture=0.4, here=trace[1],
               source="slide: 0.9 − 0.5 = 0.4 > 0, a mistake")
lesson.compare("AND: weights after the first mistake", lecture=0.4, here=p.weights[0],
               source="slide: w = (0.4, 0.4)")

# %% [markdown]
# The first mistake, $(0, 1) \mapsto 0.4 > 0$, lowers $w_2$ to $0.9 - 0.5 = 0.4$; the second,
# $(1, 0)$, lowers $w_1$ the same way. With $w = (0.4, 0.4)$ the input $(1, 1)$ gives
# $0.8 - 0.5 = 0.3 > 0$ and the others stay $\le 0$: the perceptron now computes AND.
#
# ## 2. OR and NAND, learning the bias too
#
# Treat the bias as a weight on an input that is always 1: $b \leftarrow b + r(d - y)$. From zero
# weights the rule finds a separating line for every gate whose 1s and 0s a line can separate.

# %%
gates = {}
fig, axes = plt.subplots(1, 4, figsize=(13, 3.3))
for ax, gate in zip(axes, ("AND", "OR", "NAND", "XOR")):
    X, d = truth_table(gate)
    q = Perceptron(2, lr=0.1)
    history = q.fit(X, d, max_epochs=lesson.pick(30, 100))
    errors = [h.errors for h in history]
    gates[gate] = {"converged": errors[-1] == 0, "epochs": len(errors), "mistakes": errors}
    say("{gate:>4}: mistakes per epoch {mistakes}{more} → w = {w}, b = {b:.2f}", gate=gate,
        mistakes=errors[:12], more=" …" if len(errors) > 12 else "", w=q.weights.round(2).tolist(),
        b=q.bias)
    ax.scatter(X[:, 0], X[:, 1], c=["white" if t == 0 else "black" for t in d],
               edgecolors="black", s=120, zorder=3)
    xs = np.linspace(-0.5, 1.5, 50)
    if abs(q.weights[1]) > 1e-12:
        ax.plot(xs, -(q.weights[0] * xs + q.bias) / q.weights[1], color="tab:red",
                label="w·x + b = 0")
    ax.set_xlim(-0.5, 1.5); ax.set_ylim(-0.5, 1.5)
    ax.set_title(f"{gate}: " + ("separated" if errors[-1] == 0 else "no line works"))
    ax.set_xlabel("x₁"); ax.set_ylabel("x₂")
fig.suptitle("The perceptron's line after training (black: output 1, white: output 0)")
lesson.figure(fig, "gates")
lesson.record("gates", gates)

# %% [markdown]
# ## 3. XOR: no line exists
#
# $(0,1)$ and $(1,0)$ must be on one side, $(0,0)$ and $(1,1)$ on the other. Adding the
# conditions $w_2 + b > 0$ and $w_1 + b > 0$ gives $w_1 + w_2 + 2b > 0$, but $b \le 0$ and
# $w_1 + w_2 + b \le 0$ give $w_1 + w_2 + 2b \le 0$: a contradiction. So the rule never stops making
# mistakes (the right-hand panel above), however long it runs.
#
# ## 4. A hidden layer solves XOR
#
# XOR = AND(OR, NAND): two hidden units (OR and NAND) and an output unit (AND) compute it, with the
# weights found above. Learning such weights needs a smooth unit (the sigmoid, lesson 2) and
# gradient descent (lesson 5) with backpropagation (lesson 7); here a 2-4-1 sigmoid network learns
# XOR with `tg` autograd, as a preview.

# %%
def step(z):
    return (z > 0).astype(int)


X, d = truth_table("XOR")
hidden = np.stack([step(X @ [1, 1] - 0.5), step(X @ [-1, -1] + 1.5)], axis=1)  # OR, NAND
by_hand = step(hidden @ [1, 1] - 1.5)                                            # AND
say("XOR by hand from OR, NAND and AND perceptrons: {xor} want {want}", xor=by_hand.tolist(),
    want=d.tolist())
lesson.record("xor_by_hand", by_hand)

tg.manual_seed(0)
net = nn.Sequential(nn.Linear(2, 4), nn.Sigmoid(), nn.Linear(4, 1), nn.Sigmoid())
opt = optim.SGD(net.parameters(), lr=2.0)
inputs, targets = tg.tensor(X.astype(np.float32)), tg.tensor(d.reshape(4, 1).astype(np.float32))
losses = []
for _ in range(lesson.pick(1500, 3000)):
    loss = ((net(inputs) - targets) ** 2).mean()
    opt.zero_grad(); loss.backward(); opt.step()
    losses.append(loss.item())
outputs = net(inputs).numpy().ravel()
say("the 2-4-1 network's outputs: {outputs} → {rounded}", outputs=outputs.round(3).tolist(),
    rounded=(outputs > 0.5).astype(int).tolist())
lesson.record("xor_network_outputs", outputs)
lesson.record("xor_network_losses", losses[::50])

# %% [markdown]
# ## Exercise
#
# Find by hand a weight vector and bias with which one perceptron computes NAND, and check it with
# `Perceptron(2, lr=0.1, weights=[…], bias=…).predict(X)`. (A solution: $w = (-2, -2)$, $b = 3$,
# the lecture's NAND example; NAND alone can build every logic circuit.)

# %%
nand = Perceptron(2, lr=0.1, weights=[-2, -2], bias=3).predict(truth_table("NAND")[0])
say("the lecture's NAND perceptron w = (−2, −2), b = 3: {outputs}", outputs=nand.tolist())
lesson.record("nand_by_hand", nand)
lesson.finish()
