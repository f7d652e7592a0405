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
# # Lesson 13 · L2 regularization
#
# *Lecture section 13: "Regularización L2".* Add a term to the cost that grows with the weights:
#
# $$ C = -\frac1n \sum_x \sum_j \big[y_j \ln a^L_j + (1 - y_j)\ln(1 - a^L_j)\big] + \frac{\lambda}{2n}\sum_w w^2
#    \;=\; C_0 + \frac{\lambda}{2n}\sum_w w^2 , $$
#
# with $\lambda > 0$ the **regularization parameter** and the sum over all *weights* (not the
# biases). Its gradient adds $\frac{\lambda}{n}w$, so each step becomes
#
# $$ w \rightarrow \Big(1 - \frac{\eta\lambda}{n}\Big) w - \eta\frac{\partial C_0}{\partial w},
#    \qquad b \rightarrow b - \eta\frac{\partial C_0}{\partial b} : $$
#
# **weight decay**. The network is pushed towards small weights unless a large one pays for itself
# in $C_0$. Small weights make the output change little when one input pixel changes, so noise in
# single images cannot be fitted as easily.
#
# > **Note on the slides.** The slide writes the L2 term *inside* the bracket of the cross-entropy
# > sum, $-\frac1n\sum_x\sum_j[\dots + \frac{\lambda}{2n}\sum_w w^2]$. It belongs *outside*: it is
# > added once, not once per example and output neuron (inside, it would be multiplied by
# > $-10$ for ten outputs and change sign).
#
# **The simplest model is not always better.** Regularization prefers "simpler" networks (small
# weights), in the spirit of Occam's razor. That is a heuristic, not a law: the simpler explanation
# is sometimes wrong, and what justifies L2 here is the measurement below, not the philosophy.
#
# Biases are left out because a large bias does not make a neuron sensitive to its inputs, and
# being free to be large lets a neuron saturate when it should.

# %%
import matplotlib.pyplot as plt
import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.data import load_mnist
from tinygrad_edu.train import fit
from lesson_tools import Lesson, say, translated

lesson = Lesson("13_l2_regularization")
train = load_mnist("train", subset=1_000)
validation = load_mnist("validation", subset=lesson.pick(2_000, 10_000))
epochs, lam = lesson.pick(30, 400), lesson.pick(5.0, 0.1)


def train_network(lam):
    tg.manual_seed(0)
    net = nn.init.init_lecture(nn.Sequential(nn.Linear(784, 30), nn.Sigmoid(), nn.Linear(30, 10),
                                             nn.Sigmoid()), scaled=False)
    history = fit(net, train, nn.CrossEntropyCost(), optim.SGD(net.parameters(), lr=0.5), epochs=epochs,
                  batch_size=10, val_data=validation, l2=lam, train_accuracy=True, restore_best=False,
                  progress=False, seed=0)
    linears = [m for m in net if isinstance(m, nn.Linear)]
    weights = sum(float((m.weight.numpy().astype(np.float64) ** 2).sum()) for m in linears)
    biases = sum(float((m.bias.numpy().astype(np.float64) ** 2).sum()) for m in linears)
    return history, weights, biases


runs = {}
for name, value in (("without L2", 0.0), (f"λ = {lam:g}", lam)):
    history, weights, biases = train_network(value)
    runs[name] = history
    gap = history.train_accuracy[-1] - history.val_accuracy[-1]
    say("{run:>11}: training {train:.2f}%, validation {validation:.2f}%, gap {gap:.1f} points; "
        "Σw² = {weights:,.0f}, Σb² = {biases:,.1f}", run=translated(name),
        train=100 * history.train_accuracy[-1], validation=100 * history.val_accuracy[-1],
        gap=100 * gap, weights=weights, biases=biases)
    lesson.record(name, {"train_accuracy": history.train_accuracy, "val_accuracy": history.val_accuracy,
                         "gap": gap, "sum_w2": weights, "sum_b2": biases})
say("(the lecture: λ = 0.1 for 400 epochs on 1,000 images; the shrinking per step is ηλ/n, so the "
    "quick run's 30 epochs use a larger λ to show the same effect sooner)")

fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8))
for name, history in runs.items():
    e = range(1, history.epochs_run + 1)
    left.plot(e, history.val_accuracy, label=f"validation, {name}")
    left.plot(e, history.train_accuracy, ":", label=f"training, {name}")
    right.plot(e, history.train_loss, label=name)
left.set_xlabel("epoch"); left.set_ylabel("accuracy"); left.legend(fontsize=8)
left.set_title("L2 narrows the training/validation gap")
right.set_xlabel("epoch"); right.set_ylabel("training cost (with the L2 term)"); right.legend()
right.set_title("the cost being minimized")
lesson.figure(fig, "curves")

# %% [markdown]
# With L2 the training accuracy is a little *lower* (the network can no longer fit every one of its
# 1,000 images with large weights) and the validation accuracy higher: the gap narrows. The weights'
# Σw² falls by a factor of about 100, while the biases, outside the penalty, are as large as before
# or larger. Why small weights generalize better is not proven; it is an observation, repeated on
# many problems, which is also why λ is chosen by measuring on the validation set (lesson 14).

# %%
lesson.finish()
