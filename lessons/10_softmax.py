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
# # Lesson 10 · Softmax
#
# *Lecture section 10: "Softmax".* A new output layer: same weighted inputs
# $z^L_j = \sum_k w^L_{jk} a^{L-1}_k + b^L_j$, but instead of the sigmoid,
#
# $$ a^L_j = \frac{e^{z^L_j}}{\sum_k e^{z^L_k}} . $$
#
# Every $a^L_j > 0$ and $\sum_j a^L_j = 1$: the outputs are a **probability distribution** over the
# ten digits, "the network thinks it is a 7 with probability 0.83". Sigmoid outputs are each in
# $(0, 1)$ too, but nothing makes them sum to 1. Raising one $z^L_j$ raises $a^L_j$ and *lowers every
# other* output: $\partial a_j/\partial z_k = a_j(\delta_{jk} - a_k)$.
#
# With the **log-likelihood cost** $C = -\ln a^L_y$ (the log of the probability given to the right
# digit), the output error is again $\delta^L_j = a^L_j - y_j$: no learning slowdown, as with the
# sigmoid and cross-entropy (lesson 9).

# %%
import matplotlib.pyplot as plt
import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.data import load_mnist
from tinygrad_edu.train import fit
from lesson_tools import Lesson, say

lesson = Lesson("10_softmax")
train = load_mnist("train", subset=lesson.pick(3_000, 50_000))
validation = load_mnist("validation", subset=lesson.pick(2_000, 10_000))
image, label = (t.numpy() for t in load_mnist("test", subset=1).tensors)

# %% [markdown]
# ## The same network, two output layers
#
# A 784-30-10 network trained with sigmoid outputs and the cross-entropy cost, and one trained with
# softmax outputs and the log-likelihood cost (same hidden layer, same data, same η), then both
# shown the first test image.

# %%
def train_network(output_layer, cost, eta):
    tg.manual_seed(0)
    net = nn.Sequential(nn.Linear(784, 30), nn.Sigmoid(), nn.Linear(30, 10), output_layer)
    nn.init.init_lecture(net, scaled=True)
    history = fit(net, train, cost, optim.SGD(net.parameters(), lr=eta), epochs=lesson.pick(2, 10),
                  batch_size=10, val_data=validation, progress=False, seed=0)
    return net, history


sigmoid_net, sigmoid_history = train_network(nn.Sigmoid(), nn.CrossEntropyCost(), 0.5)
softmax_net, softmax_history = train_network(nn.Softmax(dim=1), nn.LogLikelihoodCost(), 0.5)
with tg.no_grad():
    sigmoid_out = sigmoid_net(tg.tensor(image)).numpy()[0]
    softmax_out = softmax_net(tg.tensor(image)).numpy()[0]
say("the test image is a {digit}", digit=label[0])
say("sigmoid outputs: {outputs} sum {total:.3f}", outputs=[round(float(v), 3) for v in sigmoid_out],
    total=sigmoid_out.sum())
say("softmax outputs: {outputs} sum {total:.6f}", outputs=[round(float(v), 3) for v in softmax_out],
    total=softmax_out.sum())
say("validation accuracy: sigmoid + cross-entropy {sigmoid:.2f}%, softmax + log-likelihood {softmax:.2f}%",
    sigmoid=100 * sigmoid_history.val_accuracy[-1], softmax=100 * softmax_history.val_accuracy[-1])
lesson.record("sigmoid_outputs", sigmoid_out)
lesson.record("softmax_outputs", softmax_out)
lesson.record("label", int(label[0]))
lesson.record("val_accuracy", {"sigmoid": sigmoid_history.val_accuracy, "softmax": softmax_history.val_accuracy})
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.6), sharey=True)
left.bar(range(10), sigmoid_out, color="tab:orange", label="sigmoid outputs")
right.bar(range(10), softmax_out, color="tab:blue", label="softmax outputs")
left.set_title(f"sigmoid: sum = {sigmoid_out.sum():.3f}"); right.set_title(f"softmax: sum = {softmax_out.sum():.3f}")
for ax in (left, right):
    ax.set_xticks(range(10)); ax.set_xlabel("digit"); ax.legend()
left.set_ylabel(f"output for a test image of a {label[0]}")
lesson.figure(fig, "outputs")

# %% [markdown]
# ## Raising one weighted input
#
# Start from some $z^L$ and increase $z^L_3$ step by step: $a^L_3$ rises, every other output falls,
# and the sum stays 1 (the lecture's slider).

# %%
z = np.array([0.5, -1.0, 0.3, 0.0, 1.2, -0.4, 0.1, 0.8, -0.2, 0.6])
shifts = np.linspace(0, 4, 21)
table = []
for shift in shifts:
    zs = z.copy(); zs[3] += shift
    table.append(tg.tensor(zs, dtype=tg.float64).softmax(0).numpy())
table = np.array(table)
fig, ax = plt.subplots(figsize=(6, 3.8))
for j in range(10):
    ax.plot(shifts, table[:, j], lw=2.5 if j == 3 else 1, label=f"a{j}" if j in (3, 4, 7) else None)
ax.plot(shifts, table.sum(axis=1), "k--", label="sum")
ax.set_xlabel("increase of z₃"); ax.set_ylabel("softmax output"); ax.legend()
ax.set_title("raising z₃ raises a₃ and lowers all others")
lesson.figure(fig, "slider")
lesson.record("slider", table)

# %% [markdown]
# ## δᴸ = aᴸ − y, checked
#
# For the softmax network and one mini-batch, autograd's $\partial C/\partial z^L$ (times $n$, one
# row per example) against $a^L - y$.

# %%
x, d = (t.numpy() for t in train[:10])
softmax_net.zero_grad()                         # training left its last gradients in the weights
zL = softmax_net[:3](tg.tensor(x))              # the output layer's weighted input
zL.retain_grad()
aL = softmax_net[3](zL)
nn.LogLikelihoodCost()(aL, tg.tensor(d)).backward()
difference = float(np.abs(zL.grad.numpy() * 10 - (aL.numpy() - np.eye(10)[d])).max())
say("max |n·∂C/∂zᴸ − (aᴸ − y)| = {difference:.2e}", difference=difference)
lesson.record("delta_difference", difference)

# %%
lesson.finish()
