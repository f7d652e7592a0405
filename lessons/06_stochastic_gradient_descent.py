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
# # Lesson 6 · Stochastic gradient descent
#
# *Lecture section 6: "Descenso del gradiente estocástico".* The cost is an average over the
# training inputs, $C = \frac1n \sum_x C_x$ with $C_x = \frac12\lVert y(x) - a\rVert^2$, so its
# gradient is an average too: $\nabla C = \frac1n \sum_x \nabla C_x$. Computing it over all
# $n = 50{,}000$ images for every single step is slow. **Stochastic gradient descent** estimates it
# from a random **mini-batch** of $m$ inputs $X_1, \dots, X_m$:
#
# $$ \nabla C \approx \frac1m \sum_{j=1}^m \nabla C_{X_j}, \qquad
#    w_k \rightarrow w_k - \frac{\eta}{m}\sum_j \frac{\partial C_{X_j}}{\partial w_k}, \qquad
#    b_l \rightarrow b_l - \frac{\eta}{m}\sum_j \frac{\partial C_{X_j}}{\partial b_l} . $$
#
# Then another mini-batch, until every training input was used once: one **epoch**. Then a new
# epoch in a new random order.

# %%
import time

import matplotlib.pyplot as plt
import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.data import load_mnist
from lesson_tools import LECTURE, Lesson, say

lesson = Lesson("06_stochastic_gradient_descent")
n = lesson.pick(3_000, 50_000)
images, labels = (t.numpy() for t in load_mnist("train", subset=n).tensors)
targets = np.eye(10, dtype=np.float32)[labels]
val_images, val_labels = (t.numpy() for t in load_mnist("validation", subset=lesson.pick(2_000, 10_000)).tensors)


def lecture_network(seed=0):
    tg.manual_seed(seed)
    net = nn.Sequential(nn.Linear(784, 30), nn.Sigmoid(), nn.Linear(30, 10), nn.Sigmoid())
    return nn.init.init_lecture(net, scaled=False)


def gradient_vector(net, rows):
    """∇C of the mean quadratic cost over the images `rows`, all parameters in one vector."""
    cost = nn.QuadraticCost()(net(tg.tensor(images[rows])), tg.tensor(targets[rows]))
    return np.concatenate([g.numpy().ravel() for g in tg.grad(cost, list(net.parameters()))])


# %% [markdown]
# ## How good is the mini-batch estimate?
#
# For the lecture's 784-30-10 network at its random start: the full gradient over all $n$ images,
# and for each mini-batch size $m$ the estimates of many random mini-batches. The relative error
# $\lVert g_m - \nabla C\rVert / \lVert\nabla C\rVert$ falls like $1/\sqrt m$ (an average of $m$
# independent terms), and the cosine between them rises towards 1: the estimate points the right
# way long before it is exact, which is all a small step needs.

# %%
net = lecture_network()
full = gradient_vector(net, np.arange(n))
rng = np.random.default_rng(0)
sizes, errors, cosines = [1, 10, 100, 1000], [], []
for m in sizes:
    estimates = [gradient_vector(net, rng.choice(n, m, replace=False)) for _ in range(lesson.pick(10, 30))]
    errors.append(float(np.mean([np.linalg.norm(g - full) / np.linalg.norm(full) for g in estimates])))
    cosines.append(float(np.mean([g @ full / (np.linalg.norm(g) * np.linalg.norm(full)) for g in estimates])))
    say("m = {m:>4}: relative error {error:.3f}, cosine with ∇C {cosine:.3f}", m=m, error=errors[-1],
        cosine=cosines[-1])
lesson.record("batch_sizes", sizes)
lesson.record("relative_errors", errors)
lesson.record("cosines", cosines)
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8))
left.loglog(sizes, errors, "o-", label="‖g_m − ∇C‖ / ‖∇C‖")
left.loglog(sizes, errors[0] / np.sqrt(sizes), "--", color="gray", label="∝ 1/√m")
left.set_xlabel("mini-batch size m"); left.set_ylabel("relative error"); left.legend()
left.set_title("the mini-batch gradient approaches the full one")
right.semilogx(sizes, cosines, "o-", label="cos(g_m, ∇C)")
right.set_xlabel("mini-batch size m"); right.set_ylabel("cosine"); right.set_ylim(0, 1.05); right.legend()
right.set_title("and points the same way")
lesson.figure(fig, "minibatch_gradient")

# %% [markdown]
# ## Gradient descent against stochastic gradient descent
#
# The same network, the same η = 3.0: full-batch gradient descent (one update per pass over the
# $n$ images) against SGD with $m = 10$ ($n/10$ updates per pass). Per update, SGD is $n/m$ times
# cheaper: with the lecture's $n = 60{,}000$ and $m = 10$, **6,000 times**. Below, the validation
# accuracy against the number of updates and against the seconds spent.

# %%
def accuracy(net):
    with tg.no_grad():
        return float((net(tg.tensor(val_images)).numpy().argmax(1) == val_labels).mean())


def train(batch_size, passes, evaluations=12):
    net, cost = lecture_network(), nn.QuadraticCost()
    opt = optim.SGD(net.parameters(), lr=3.0)
    steps_per_pass = -(-n // batch_size)
    total = passes * steps_per_pass
    every = max(1, total // evaluations)
    order = np.random.default_rng(1).permutation(n)
    updates, seconds, accuracies, spent, step = [0], [0.0], [accuracy(net)], 0.0, 0
    for _ in range(passes):
        order = np.random.default_rng(step).permutation(n)
        for start in range(0, n, batch_size):
            rows = order[start:start + batch_size]
            began = time.perf_counter()
            loss = cost(net(tg.tensor(images[rows])), tg.tensor(targets[rows]))
            opt.zero_grad(); loss.backward(); opt.step()
            spent += time.perf_counter() - began
            step += 1
            if step % every == 0 or step == total:
                updates.append(step); seconds.append(spent); accuracies.append(accuracy(net))
    return {"updates": updates, "seconds": seconds, "accuracy": accuracies}


gd = train(batch_size=n, passes=lesson.pick(20, 30))
sgd = train(batch_size=10, passes=1)
for name, run in (("GD ", gd), ("SGD", sgd)):
    say("{name}: {updates} updates in {seconds:.2f} s → {accuracy:.2f}%", name=name,
        updates=run["updates"][-1], seconds=run["seconds"][-1], accuracy=100 * run["accuracy"][-1])
lesson.record("gd", gd)
lesson.record("sgd", sgd)
lesson.compare("speed-up per update, n/m", lecture=LECTURE["sgd_speedup"], here=60_000 // 10,
               source="n = 60,000, m = 10")
gd_cost = np.median(np.diff(gd["seconds"][1:]) / np.maximum(np.diff(gd["updates"][1:]), 1))
sgd_cost = np.median(np.diff(sgd["seconds"][1:]) / np.maximum(np.diff(sgd["updates"][1:]), 1))
say("measured: one GD update {gd:.1f} ms, one SGD update {sgd:.3f} ms (ratio {ratio:.0f} for n = {n:,}; "
    "n/m = {n_over_m:,}; a big matrix product is cheaper per image than many small ones, so the "
    "measured ratio is smaller)", gd=1e3 * gd_cost, sgd=1e3 * sgd_cost, ratio=gd_cost / sgd_cost, n=n,
    n_over_m=n // 10)
lesson.record("measured_update_ratio", float(gd_cost / sgd_cost))

fig, (by_updates, by_seconds) = plt.subplots(1, 2, figsize=(11, 3.8))
for name, run in (("gradient descent (m = n)", gd), ("SGD (m = 10)", sgd)):
    by_updates.semilogx(np.maximum(run["updates"], 1), run["accuracy"], "o-", label=name)
    by_seconds.plot(run["seconds"], run["accuracy"], "o-", label=name)
by_updates.set_xlabel("updates"); by_seconds.set_xlabel("seconds of training")
for ax in (by_updates, by_seconds):
    ax.set_ylabel("validation accuracy"); ax.legend()
by_updates.set_title("accuracy against updates"); by_seconds.set_title("accuracy against seconds")
lesson.figure(fig, "gd_vs_sgd")

# %% [markdown]
# In the same time, SGD reaches a far better network: each of its updates is noisy, but it makes
# thousands of them while gradient descent makes a few dozen. The noise is not only a cost: it
# also shakes the weights out of poor regions. This is why every network here trains with
# mini-batches (`optim.SGD` on the mini-batch's mean cost, `train.fit`'s loop of epochs).

# %%
lesson.finish()
