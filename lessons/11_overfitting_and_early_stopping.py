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
# # Lesson 11 · Overfitting, validation and early stopping
#
# *Lecture section 11: "Sobreajuste".* The lecture's network has 23,860 weights and biases. Trained
# on only 1,000 images, it soon classifies its training images almost perfectly, while its accuracy
# on images it has never seen stops improving: it learns the peculiarities of its 1,000 images
# instead of what digits look like. That is **overfitting**, and it shows as a widening gap between
# training and validation accuracy, and as a validation cost that starts to *rise*.
#
# The **validation set** (the last 10,000 of MNIST's 60,000 training images) is how we see it
# without touching the test set: every decision (when to stop, which η, which λ) is made on
# validation data, so the test accuracy stays an honest estimate. **Early stopping** watches the
# validation accuracy after each epoch, stops when it has not improved for `patience` epochs, and
# keeps the best epoch's weights.

# %%
import matplotlib.pyplot as plt
import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.data import TensorDataset, load_mnist
from tinygrad_edu.train import evaluate, fit
from lesson_tools import Lesson, say

lesson = Lesson("11_overfitting_and_early_stopping")
x, d = (t.numpy() for t in load_mnist("train", subset=1_000).tensors)
validation = load_mnist("validation", subset=lesson.pick(2_000, 10_000))
test = load_mnist("test", subset=lesson.pick(2_000, 10_000))


def network(hidden=30, scaled=False):
    tg.manual_seed(0)
    return nn.init.init_lecture(nn.Sequential(nn.Linear(784, hidden), nn.Sigmoid(),
                                              nn.Linear(hidden, 10), nn.Sigmoid()), scaled=scaled)


def run(train, epochs, lr, patience=None, hidden=30, scaled=False, test_each_epoch=False):
    """Train; with test_each_epoch, record the test accuracy after every epoch too (for this
    lesson only: in practice the test set is looked at once, at the end)."""
    net, test_curve = network(hidden, scaled), []
    callbacks = [lambda h, m: test_curve.append(evaluate(m, test)["accuracy"])] if test_each_epoch else []
    history = fit(net, train, nn.CrossEntropyCost(), optim.SGD(net.parameters(), lr=lr), epochs=epochs,
                  batch_size=10, val_data=validation, progress=False, seed=0, patience=patience,
                  metric="accuracy", train_accuracy=True, restore_best=patience is not None,
                  callbacks=callbacks)
    return history, test_curve, evaluate(net, test)["accuracy"]


# %% [markdown]
# ## 1. The lecture's experiment: 1,000 images

# %%
epochs = lesson.pick(30, 100)
clean = TensorDataset(tg.tensor(x), tg.tensor(d))
history, test_curve, final_test = run(clean, epochs, lr=0.5)
gap = history.train_accuracy[-1] - history.val_accuracy[-1]
lowest = int(np.argmin(history.val_loss)) + 1
say("after {epochs} epochs: training accuracy {train:.2f}%, validation {validation:.2f}% "
    "(a gap of {gap:.1f} points)", epochs=epochs, train=100 * history.train_accuracy[-1],
    validation=100 * history.val_accuracy[-1], gap=100 * gap)
say("the validation cost was lowest at epoch {lowest} and rose after it: {low:.3f} → {last:.3f}",
    lowest=lowest, low=history.val_loss[lowest - 1], last=history.val_loss[-1])
lesson.record("clean", {"train_accuracy": history.train_accuracy, "val_accuracy": history.val_accuracy,
                        "val_loss": history.val_loss, "train_loss": history.train_loss})
fig = history.plot()      # History.plot(): the learning curves (a Figure; it shows itself in Jupyter)
lesson.figure(fig, "clean_curves")

# %% [markdown]
# ## 2. Early stopping on the same run: an honest word
#
# Here early stopping (patience 5 on validation accuracy) stops well before the end and keeps its
# best epoch, but the validation accuracy of 1,000 clean images plateaus rather than falls, so the
# test accuracy it keeps is about the same as training to the end: it saves time, not accuracy. (In
# `examples/04_overfitting_early_stopping.py` it even comes out a fraction of a point *below* the
# long run, 82.37% against 82.75%: a plateau's noise.)

# %%
stopped, _, stopped_test = run(clean, epochs, lr=0.5, patience=5)
say("early stopping: stopped after epoch {run} of {epochs}, kept epoch {best}: test {test:.2f}% "
    "against {all_epochs:.2f}% for all epochs", run=stopped.epochs_run, epochs=epochs,
    best=stopped.best_epoch, test=100 * stopped_test, all_epochs=100 * final_test)
lesson.record("clean_early_stopping", {"epochs_run": stopped.epochs_run, "best_epoch": stopped.best_epoch,
                                       "test": stopped_test, "test_all_epochs": final_test})

# %% [markdown]
# ## 3. A setting where early stopping helps: noisy labels
#
# Give 40% of the 1,000 training images a random label. The network first learns what the correct
# majority has in common (validation accuracy rises), then starts to memorize the wrong labels
# (training accuracy keeps rising to 100%, validation accuracy falls). Stopping at the best
# validation epoch keeps the network from before the memorizing.

# %%
rng = np.random.default_rng(0)
noisy = d.copy()
flip = rng.random(len(d)) < 0.4
noisy[flip] = rng.integers(0, 10, flip.sum())
noisy_data = TensorDataset(tg.tensor(x), tg.tensor(noisy))
noisy_epochs = lesson.pick(16, 60)
long_run, long_test_curve, long_test = run(noisy_data, noisy_epochs, lr=1.0, hidden=100, scaled=True,
                                           test_each_epoch=True)
early, _, early_test = run(noisy_data, noisy_epochs, lr=1.0, patience=5, hidden=100, scaled=True)
say("{flipped} of 1,000 labels randomized", flipped=int(flip.sum()))
say("all {epochs} epochs: test {test:.2f}%; early stopping (stopped after epoch {run}, kept epoch "
    "{best}): test {early:.2f}%", epochs=noisy_epochs, test=100 * long_test, run=early.epochs_run,
    best=early.best_epoch, early=100 * early_test)
lesson.record("noisy", {"val_accuracy": long_run.val_accuracy, "train_accuracy": long_run.train_accuracy,
                        "test_curve": long_test_curve, "test_all_epochs": long_test,
                        "early_test": early_test, "early_best_epoch": early.best_epoch,
                        "early_epochs_run": early.epochs_run})
fig, ax = plt.subplots(figsize=(6.5, 4))
epochs_axis = range(1, long_run.epochs_run + 1)
ax.plot(epochs_axis, long_run.train_accuracy, label="training (40% wrong labels)")
ax.plot(epochs_axis, long_run.val_accuracy, label="validation")
ax.plot(epochs_axis, long_test_curve, ":", label="test (for this lesson only)")
ax.axvline(early.best_epoch, color="gray", linestyle="--", label="early stopping keeps")
ax.set_xlabel("epoch"); ax.set_ylabel("accuracy"); ax.legend()
ax.set_title("memorizing noise: early stopping helps")
lesson.figure(fig, "noisy_curves")

# %%
lesson.finish()
