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
# # Lesson 8 · Baselines: how good is 95%?
#
# *Lecture section 8: "Comparación con otros métodos".* A number means little without something to
# compare it with. The lecture's ladder, on the 10,000 MNIST test images:
#
# | method | the lecture |
# |---|---|
# | random guessing | 10% |
# | the digit whose average darkness is closest to the image's | 22.25% |
# | a support vector machine (scikit-learn's SVC, default settings) | 94.35% |
# | the lecture's network 784-30-10 after 30 epochs | about 95% |
# | the best result known in 2013 | 99.79% |
#
# Every row is computed here except the record, which is quoted with its source. The SVM takes
# minutes to train on 50,000 images, so its result is **cached** in `lessons/cache/svm_baseline.json`
# (delete it, or set `TINYGRAD_EDU_RECOMPUTE=1`, to compute it again in a full run); the quick run
# reads the cache and trains a small SVM live, the same way, to show the code.

# %%
import json
import os
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.data import average_darkness_baseline, load_mnist
from tinygrad_edu.train import evaluate, fit
from lesson_tools import LECTURE, RECORD_SOURCE, Lesson, say

lesson = Lesson("08_baselines")
train, test = load_mnist("train"), load_mnist("test")
x_train, d_train = (t.numpy() for t in train.tensors)
x_test, d_test = (t.numpy() for t in test.tensors)

guesses = np.random.default_rng(0).integers(0, 10, size=len(d_test))
random_accuracy = float((guesses == d_test).mean())
lesson.compare("random guessing", lecture=LECTURE["random_guess"], here=random_accuracy, percent=True)
darkness = average_darkness_baseline()
lesson.compare("average darkness", lecture=LECTURE["average_darkness"], here=darkness, percent=True,
               source="2,225 of 10,000")

# %% [markdown]
# ## The SVM
#
# A support vector machine with a Gaussian (RBF) kernel, scikit-learn's `SVC`. The lecture's 94.35%
# is Nielsen's run with scikit-learn's defaults of the time, when the kernel width `gamma` defaulted
# to $1/\text{features} = 1/784$; today's default (`gamma="scale"`) differs, so `gamma="auto"`
# (= 1/784) reproduces the old setting. Same split as the network: trained on the 50,000 training
# images, measured on the 10,000 test images.

# %%
from sklearn import svm
import sklearn

CACHE = Path("cache/svm_baseline.json")


def fit_svm(n_train, n_test):
    started = time.perf_counter()
    classifier = svm.SVC(gamma="auto")
    classifier.fit(x_train[:n_train], d_train[:n_train])
    predictions = classifier.predict(x_test[:n_test])
    return {"accuracy": float((predictions == d_test[:n_test]).mean()),
            "correct": int((predictions == d_test[:n_test]).sum()), "train_size": n_train,
            "test_size": n_test, "model": "sklearn.svm.SVC(gamma='auto')",
            "sklearn": sklearn.__version__, "seconds": round(time.perf_counter() - started, 1)}


small = fit_svm(lesson.pick(1_000, 5_000), lesson.pick(1_000, 10_000))
say("a small SVM trained here on {train:,} images: {accuracy:.2f}% on {test:,} test images ({seconds} s)",
    train=small["train_size"], accuracy=100 * small["accuracy"], test=small["test_size"],
    seconds=small["seconds"])
lesson.record("svm_small", small)
if not lesson.quick and (os.environ.get("TINYGRAD_EDU_RECOMPUTE") or not CACHE.exists()):
    CACHE.parent.mkdir(exist_ok=True)
    CACHE.write_text(json.dumps(fit_svm(len(x_train), len(x_test)), indent=1))
full_svm = json.loads(CACHE.read_text()) if CACHE.exists() else None
if full_svm is not None:
    say("the SVM on all {train:,} training images (cached, computed in {seconds:.0f} s with scikit-learn "
        "{sklearn}): {correct:,} of {test:,} right", train=full_svm["train_size"],
        seconds=full_svm["seconds"], sklearn=full_svm["sklearn"], correct=full_svm["correct"],
        test=full_svm["test_size"])
lesson.compare("SVM", lecture=LECTURE["svm"], here=None if full_svm is None else full_svm["accuracy"],
               percent=True, source="9,435 of 10,000")
lesson.record("svm_full", full_svm)

# %% [markdown]
# ## The network, and the record
#
# The lecture's network: 784-30-10, sigmoid, quadratic cost, SGD with η = 3.0 and mini-batches of
# 10, 30 epochs (the quick run trains 2 epochs, so it stays a little below). `make train` runs the
# full 30 epochs (94.99% here, 95.64% on validation at its best epoch).

# %%
tg.manual_seed(0)
net = nn.init.init_lecture(nn.Sequential(nn.Linear(784, 30), nn.Sigmoid(), nn.Linear(30, 10), nn.Sigmoid()),
                           scaled=False)
epochs = lesson.pick(2, 30)
history = fit(net, train, nn.QuadraticCost(), optim.SGD(net.parameters(), lr=3.0), epochs=epochs,
              batch_size=10, val_data=load_mnist("validation"), progress=False, seed=0)
network = evaluate(net, test)["accuracy"]
lesson.compare("the network 784-30-10 ({epochs} epochs)", epochs=epochs,
               lecture=LECTURE["network_784_30_10"], here=network, percent=True, source="about 95% after 30 epochs")
lesson.compare("the record (quoted)", lecture=LECTURE["record"], here=None, percent=True,
               source=RECORD_SOURCE)
history.plot()

# %%
rows = [("random", random_accuracy, LECTURE["random_guess"]),
        ("average darkness", darkness, LECTURE["average_darkness"]),
        ("SVM", None if full_svm is None else full_svm["accuracy"], LECTURE["svm"]),
        (f"network ({epochs} epochs)", network, LECTURE["network_784_30_10"]),
        ("record (quoted)", None, LECTURE["record"])]
fig, ax = plt.subplots(figsize=(8, 3.8))
positions = np.arange(len(rows))
ax.bar(positions - 0.2, [r[2] for r in rows], width=0.4, label="the lecture", color="0.7")
ax.bar(positions + 0.2, [r[1] or 0 for r in rows], width=0.4, label="here", color="tab:blue")
ax.set_xticks(positions, [r[0] for r in rows])
ax.set_ylabel("test accuracy"); ax.set_ylim(0, 1.05); ax.legend()
ax.set_title("baselines on the 10,000 test images")
lesson.figure(fig, "baselines")
lesson.record("ladder", rows)

# %% [markdown]
# The ladder climbs steeply: a clever-looking hand-made rule (darkness) is barely better than chance,
# a general-purpose learner with default settings gets 94%, and the lecture's small network a little
# more. A tuned SVM reaches about 98.5%, so the comparison depends on effort as much as on method.
# The record (0.21% error) comes from an ensemble of convolutional networks with data augmentation
# and DropConnect regularization; lesson 15 builds a small convolutional network.
#
# A moral often drawn from this table (Nielsen, ch. 1): a sophisticated algorithm is not always
# better than a simple learning algorithm given good training data, and how well a method is tuned
# matters as much as which method it is.

# %%
lesson.finish()
