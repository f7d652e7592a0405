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
# # Lesson 12 · More training data against overfitting
#
# *Lecture section 12: "Más datos de entrenamiento".* The surest cure for overfitting is more
# training data: with more images, the network cannot memorize each one's peculiarities, and what
# fits the training set must be closer to what fits every digit. Below the lecture's network is
# trained on 500 to 10,000 images (the same number of epochs each), and the gap between training
# and validation accuracy is measured for each size.
#
# The catch: data is expensive (MNIST's 60,000 labels were made by hand), and more data means
# longer epochs. Lessons 11, 13 (and dropout) are the cheaper cures.

# %%
import matplotlib.pyplot as plt
import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.data import load_mnist
from tinygrad_edu.train import fit
from lesson_tools import Lesson, say

lesson = Lesson("12_more_data")
validation = load_mnist("validation", subset=lesson.pick(2_000, 10_000))
sizes = lesson.pick([250, 1_000, 4_000], [500, 1_000, 2_000, 5_000, 10_000, 50_000])
epochs = lesson.pick(8, 30)
train_accuracy, val_accuracy = [], []
for size in sizes:
    tg.manual_seed(0)
    net = nn.init.init_lecture(nn.Sequential(nn.Linear(784, 30), nn.Sigmoid(), nn.Linear(30, 10),
                                             nn.Sigmoid()), scaled=True)
    history = fit(net, load_mnist("train", subset=size), nn.CrossEntropyCost(),
                  optim.SGD(net.parameters(), lr=0.5), epochs=epochs, batch_size=10,
                  val_data=validation, train_accuracy=True, restore_best=False, progress=False, seed=0)
    train_accuracy.append(history.train_accuracy[-1])
    val_accuracy.append(history.val_accuracy[-1])
    say("{size:>6,} images: training {train:.2f}%, validation {validation:.2f}%, gap {gap:.1f} points",
        size=size, train=100 * train_accuracy[-1], validation=100 * val_accuracy[-1],
        gap=100 * (train_accuracy[-1] - val_accuracy[-1]))
gaps = [t - v for t, v in zip(train_accuracy, val_accuracy)]
lesson.record("sizes", sizes)
lesson.record("train_accuracy", train_accuracy)
lesson.record("val_accuracy", val_accuracy)
lesson.record("gaps", gaps)

fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8))
left.semilogx(sizes, train_accuracy, "o-", label="training")
left.semilogx(sizes, val_accuracy, "s-", label="validation")
left.set_xlabel("training images"); left.set_ylabel(f"accuracy after {epochs} epochs"); left.legend()
left.set_title("more data: validation accuracy rises")
right.semilogx(sizes, [100 * g for g in gaps], "o-", color="tab:red", label="training − validation")
right.set_xlabel("training images"); right.set_ylabel("gap (points)"); right.legend()
right.set_title("and the overfitting gap closes")
lesson.figure(fig, "size_vs_gap")

# %% [markdown]
# (Nielsen's version of this figure, 30 epochs for each size up to 50,000, shows the same: the
# validation accuracy keeps rising with the data, and the gap shrinks to about a point.)

# %%
lesson.finish()
