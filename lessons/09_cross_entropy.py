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
# # Lesson 9 · Cross-entropy against the quadratic cost
#
# *Lecture section 9: "Función de coste de entropía cruzada".* One sigmoid neuron, input $x = 1$,
# desired output $y = 0$, started **badly wrong**: $w = 2$, $b = 2$, so $a = \sigma(4) \approx 0.98$.
# With the quadratic cost $C = \frac{(y - a)^2}{2}$ the gradients are
#
# $$ \frac{\partial C}{\partial w} = (a - y)\,\sigma'(z)\,x, \qquad \frac{\partial C}{\partial b} = (a - y)\,\sigma'(z), $$
#
# and $\sigma'(4) \approx 0.018$: the neuron is **saturated**, and learns slowly exactly when it is
# most wrong. The cross-entropy cost
#
# $$ C = -\frac1n \sum_x \big[y \ln a + (1 - y)\ln(1 - a)\big] $$
#
# is $\ge 0$, near 0 when $a \approx y$, and its gradient has no $\sigma'$:
#
# $$ \frac{\partial C}{\partial w_j} = \frac1n \sum_x x_j\,(\sigma(z) - y), \qquad
#    \frac{\partial C}{\partial b} = \frac1n \sum_x (\sigma(z) - y) : $$
#
# the larger the error, the faster it learns. (For the output layer of a network: $\delta^L = a^L - y$,
# BP1 without the $\sigma'(z^L)$ factor; `tg.equations` checks that identity in its tests.)

# %%
import matplotlib.pyplot as plt
import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.data import load_mnist
from tinygrad_edu.train import fit
from lesson_tools import LECTURE, Lesson, say, translated

lesson = Lesson("09_cross_entropy")
COSTS = {"quadratic": nn.QuadraticCost, "cross-entropy": nn.CrossEntropyCost}


def single_neuron(cost_name, epochs, eta=0.15, w=2.0, b=2.0):
    neuron = nn.Sequential(nn.Linear(1, 1, dtype=tg.float64), nn.Sigmoid())
    neuron[0].weight.numpy()[...] = w
    neuron[0].bias.numpy()[...] = b
    x, y = tg.tensor([[1.0]], dtype=tg.float64), tg.tensor([[0.0]], dtype=tg.float64)
    cost, opt = COSTS[cost_name](), optim.SGD(neuron.parameters(), lr=eta)
    outputs, costs = [], []
    for _ in range(epochs + 1):
        a = neuron(x)
        loss = cost(a, y)
        outputs.append(float(a.item())); costs.append(float(loss.item()))
        opt.zero_grad(); loss.backward(); opt.step()
    return outputs, costs


epochs = 300
runs = {name: single_neuron(name, epochs) for name in COSTS}
start = runs["quadratic"][0][0]
lesson.compare("the saturated neuron's first output σ(4)", lecture=LECTURE["saturated_start_output"],
               here=start, source="w = 2, b = 2, x = 1")
for name, (outputs, _) in runs.items():
    say("{cost:>13}: a = {start:.3f} → {middle:.3f} after 50 epochs → {end:.3f} after {epochs}",
        cost=translated(name), start=outputs[0], middle=outputs[50], end=outputs[-1], epochs=epochs)
lesson.record("neuron_outputs", {name: run[0] for name, run in runs.items()})
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8))
for name, (outputs, costs) in runs.items():
    left.plot(outputs, label=name)
    right.plot(costs, label=name)
left.set_title("output a of the badly wrong neuron (want 0)"); left.set_xlabel("epoch"); left.set_ylabel("a")
right.set_title("its cost"); right.set_xlabel("epoch"); right.set_ylabel("C")
left.legend(); right.legend()
lesson.figure(fig, "neuron")

# %% [markdown]
# The quadratic cost's curve is flat at the start (the **learning slowdown**) and only drops once
# $a$ leaves the saturated region; the cross-entropy's falls fastest at the start.
#
# ## Saturation in a network
#
# The lecture's 784-30-10 network with $N(0, 1)$ weights starts with many saturated output neurons.
# The same network, data and $\eta = 0.5$ with each cost: validation accuracy per epoch.

# %%
n_train, n_val = lesson.pick(2_000, 10_000), lesson.pick(2_000, 10_000)
train, validation = load_mnist("train", subset=n_train), load_mnist("validation", subset=n_val)
histories = {}
for name, cost in COSTS.items():
    tg.manual_seed(0)
    net = nn.init.init_lecture(nn.Sequential(nn.Linear(784, 30), nn.Sigmoid(), nn.Linear(30, 10),
                                             nn.Sigmoid()), scaled=False)
    histories[name] = fit(net, train, cost(), optim.SGD(net.parameters(), lr=0.5),
                          epochs=lesson.pick(3, 10), batch_size=10, val_data=validation,
                          progress=False, seed=0)
    say("{cost:>13}: validation accuracy per epoch {accuracies}", cost=translated(name),
        accuracies=[f"{100 * v:.1f}%" for v in histories[name].val_accuracy])
lesson.record("val_accuracy", {name: h.val_accuracy for name, h in histories.items()})
fig, ax = plt.subplots(figsize=(6, 3.8))
for name, history in histories.items():
    ax.plot(range(1, history.epochs_run + 1), history.val_accuracy, "o-", label=name)
ax.set_xlabel("epoch"); ax.set_ylabel("validation accuracy"); ax.legend()
ax.set_title("784-30-10, N(0, 1) weights, η = 0.5")
lesson.figure(fig, "network")

# %% [markdown]
# Cross-entropy removes $\sigma'$ only from the *output* layer's error; the hidden layers keep it,
# which is why the lecture also scales the initial weights ($N(0, 1/n_{in})$, `nn.init.init_lecture(net,
# scaled=True)`). With a sigmoid output the cross-entropy is the natural cost; with softmax outputs
# the log-likelihood plays the same role (lesson 10).

# %%
lesson.finish()
