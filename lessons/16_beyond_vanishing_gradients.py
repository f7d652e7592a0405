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
# # Lesson 16 · Beyond the lecture: vanishing gradients
#
# *Not in the lecture* (Nielsen, ch. 5); reuses `examples/11_vanishing_gradients.py`.
#
# Lesson 3 asked whether deeper is better. BP2, $\delta^l = ((w^{l+1})^T\delta^{l+1}) \odot \sigma'(z^l)$,
# says why deep sigmoid networks are hard to train: on its way back the error is multiplied, layer
# after layer, by weights of size about 1 and by $\sigma'(z) \le \frac14$, so it shrinks. Nielsen
# measures how fast layer $l$ learns by $\lVert\delta^l\rVert = \lVert\partial C/\partial b^l\rVert$,
# recorded here for every layer at every mini-batch (`tg.plots.GradientFlowRecorder`).

# %%
import matplotlib.pyplot as plt
import numpy as np

from lesson_tools import Lesson, load_example

lesson = Lesson("16_beyond_vanishing_gradients")
example = load_example("11_vanishing_gradients")
results = example.main(["--quick", "--out", str(lesson.out)] if lesson.quick else ["--out", str(lesson.out)])
recorder, model = results[4]
norms = recorder.norms                     # (steps, layers): ‖∂C/∂bˡ‖, input side first
lesson.record("mean_norms", norms.mean(axis=0))
lesson.record("first_step_norms", norms[0])

fig, ax = plt.subplots(figsize=(6.5, 4))
for layer in range(norms.shape[1] - 1):
    ax.semilogy(norms[:, layer], label=f"hidden layer {layer + 1}")
ax.set_xlabel("mini-batch"); ax.set_ylabel("‖∂C/∂bˡ‖")
ax.set_title("784-30-30-30-30-10: the first layer learns slowest"); ax.legend()
lesson.figure(fig, "gradient_flow")

# %% [markdown]
# Each line is one hidden layer; the gap between them is the factor BP2 applies per layer. The first
# hidden layer's gradient is about a hundred times smaller than the last hidden layer's, so with
# the same η it learns about a hundred times more slowly: adding layers made the network more
# expressive but much harder to train. (The opposite can happen too: with large weights the factors
# exceed 1 and the gradient *explodes*.) The cures came after the lecture's material: ReLU units
# ($\sigma' = 1$ where active), careful initialization, normalization layers, and residual
# connections.

# %%
lesson.finish()
