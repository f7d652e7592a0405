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
# # Lesson 14 · Choosing hyperparameters
#
# *Lecture section 14: "Hiperparámetros".* η, λ, the mini-batch size, the number of hidden neurons
# and epochs are not learned by gradient descent: we choose them, judging on the **validation** set
# (never the test set). The lecture's strategies, from the cheapest:
#
# 1. **Manual**: start from a setting that learns at all (a small network, a subset of the data,
#    frequent validation so each experiment takes seconds), find the order of magnitude of η first
#    (the largest η at which the cost still falls), then λ, then the rest.
# 2. **Grid**: every combination of a few values per hyperparameter; the cost grows as
#    (values)^(hyperparameters).
# 3. **Random**: draw configurations at random; with the same budget it tries more distinct values
#    of each hyperparameter than a grid (Bergstra and Bengio, 2012).
# 4. **Bayesian**: fit a model of "validation accuracy as a function of the hyperparameters" to the
#    trials so far (a Gaussian process: a mean estimate and its uncertainty) and pick the next trial
#    where the **expected improvement** over the best so far is largest.
#
# Here all four tune η of the lecture's 784-30-10 network (cross-entropy cost, N(0, 1/n_in) weights,
# 1 epoch on a subset, so a trial takes well under a second), with the same budget. The manual search
# follows the lecture's recipe: orders of magnitude first (0.01, 0.1, 1, 10, 100), then refine.

# %%
import matplotlib.pyplot as plt
import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn, optim, tune
from tinygrad_edu.data import load_mnist
from tinygrad_edu.train import evaluate, fit
from lesson_tools import Lesson, say, translated

lesson = Lesson("14_hyperparameters")
train = load_mnist("train", subset=lesson.pick(1_000, 10_000))
validation = load_mnist("validation", subset=lesson.pick(1_000, 10_000))
budget = lesson.pick(8, 15)


def validation_accuracy(config):
    tg.manual_seed(0)
    net = nn.init.init_lecture(nn.Sequential(nn.Linear(784, 30), nn.Sigmoid(), nn.Linear(30, 10),
                                             nn.Sigmoid()), scaled=True)
    fit(net, train, nn.CrossEntropyCost(), optim.SGD(net.parameters(), lr=config["lr"]), epochs=1,
        batch_size=10, progress=False, seed=0)
    return evaluate(net, validation)["accuracy"]


space = {"lr": tune.loguniform(0.01, 100.0)}
results = {
    "manual": tune.manual_search(validation_accuracy, [{"lr": v} for v in (0.01, 0.1, 1.0, 10.0, 100.0, 3.0, 0.3, 2.0)][:budget]),
    "grid": tune.grid_search(validation_accuracy, space, n_points=budget),
    "random": tune.random_search(validation_accuracy, space, n_trials=budget, seed=0),
    "Bayesian": tune.bayes_search(validation_accuracy, space, n_trials=budget, seed=0, n_initial=3),
}
for name, result in results.items():
    say("{search:>8}: best validation accuracy {accuracy:.2f}% at η = {eta:.3g} (trial {trial} of {trials})",
        search=translated(name), accuracy=100 * result.best_value, eta=result.best_config["lr"],
        trial=result.best_trial.index + 1, trials=len(result.trials))
lesson.record("best", {name: r.best_value for name, r in results.items()})
lesson.record("best_so_far", {name: r.best_so_far() for name, r in results.items()})
results["Bayesian"]     # a search's trials show themselves as a table in Jupyter

# %%
fig, ax = plt.subplots(figsize=(6.5, 4))
for name, result in results.items():
    ax.step(range(1, len(result.trials) + 1), result.best_so_far(), where="post", label=name)
ax.set_xlabel("trial"); ax.set_ylabel("best validation accuracy so far"); ax.legend()
ax.set_title(f"four searches for η, {budget} trials each")
lesson.figure(fig, "searches")

# %% [markdown]
# ## Inside the Bayesian search
#
# Before each of its model-driven trials, the search fits a Gaussian process to the trials so far
# and picks the η with the largest expected improvement. Below that model is refitted here at each
# step the same way (Matérn 5/2 kernel, hyperparameters by marginal likelihood, η on a log scale,
# scores below the median raised to the median as the search does): on top the estimate with ±2
# standard deviations and the trials it has seen, underneath the expected improvement, its maximum,
# and (dashed) the η the search actually tried next.

# %%
bayes = results["Bayesian"]
encoder = space["lr"]
grid = np.geomspace(0.01, 100.0, 200)
unit = encoder.encode(grid)
steps = list(range(3, len(bayes.trials)))[:4]
fig, axes = plt.subplots(2, len(steps), figsize=(3.4 * len(steps), 5.2), sharex=True,
                         gridspec_kw={"height_ratios": [2, 1]}, squeeze=False)
panels = []
for column, k in enumerate(steps):
    seen = bayes.trials[:k]
    X = encoder.encode([t.config["lr"] for t in seen])
    y = np.array([t.value for t in seen])
    y = np.maximum(y, np.median(y))
    gp = tune.GaussianProcess().fit(X, y, rng=np.random.default_rng(0))
    mean, std = gp.predict(unit)
    ei = tune.expected_improvement(mean, std, best=y.max())
    negligible = ei.max() <= 1e-3 * (y.max() - np.median(y))   # the search's rule for a random trial
    top, bottom = axes[0][column], axes[1][column]
    top.semilogx(grid, mean, label="estimate")
    top.fill_between(grid, mean - 2 * std, mean + 2 * std, alpha=0.25)
    top.semilogx([t.config["lr"] for t in seen], [t.value for t in seen], "ko", label="trials")
    top.set_title(f"before trial {k + 1}" + (": EI ≈ 0, random" if negligible else "")); top.set_ylim(0, 1)
    bottom.semilogx(grid, ei, color="tab:green", label="expected improvement")
    bottom.axvline(grid[int(np.argmax(ei))], color="tab:green", alpha=0.5)
    bottom.axvline(bayes.trials[k].config["lr"], color="black", linestyle="--", label="tried next")
    bottom.set_xlabel("η")
    panels.append({"k": k, "argmax_ei": float(grid[int(np.argmax(ei))]),
                   "tried": float(bayes.trials[k].config["lr"]), "ei_max": float(ei.max()),
                   "random_fallback": bool(negligible),
                   "mean_at_trials": gp.predict(X)[0].tolist(), "y": y.tolist()})
axes[0][0].set_ylabel("validation accuracy"); axes[1][0].set_ylabel("EI")
axes[0][0].legend(fontsize=8); axes[1][0].legend(fontsize=8)
lesson.figure(fig, "bayes_steps")
lesson.record("bayes_panels", panels)

# %% [markdown]
# The model is confident near the trials and uncertain between them; expected improvement is high
# where the estimate is good *or* uncertain, so the search alternates between refining the best
# region and checking unexplored ones. Where the model is confident it can gain nothing (the
# expected improvement is below 1/1000 of the spread of the scores, "EI ≈ 0" in a title), the
# search draws a random trial instead, which corrects the model when its confidence was misplaced:
# with so few trials (and scores below the median raised to it) that happens often here: the
# marginal likelihood may even explain a lone good trial as noise and draw a nearly flat estimate. Elsewhere
# the η the search tried is where the refitted model's EI peaks.
#
# The test set is used once, at the very end, for the configuration the validation set chose:

# %%
best = max(results.values(), key=lambda r: r.best_value).best_config
tg.manual_seed(0)
final = nn.init.init_lecture(nn.Sequential(nn.Linear(784, 30), nn.Sigmoid(), nn.Linear(30, 10), nn.Sigmoid()),
                             scaled=True)
fit(final, train, nn.CrossEntropyCost(), optim.SGD(final.parameters(), lr=best["lr"]), epochs=1,
    batch_size=10, progress=False, seed=0)
test_accuracy = evaluate(final, load_mnist("test", subset=lesson.pick(2_000, 10_000)))["accuracy"]
say("chosen η = {eta:.3g}: test accuracy {accuracy:.2f}%", eta=best["lr"], accuracy=100 * test_accuracy)
lesson.record("test_accuracy", test_accuracy)
lesson.finish()
