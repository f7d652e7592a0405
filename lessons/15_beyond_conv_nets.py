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
# # Lesson 15 · Beyond the lecture: convolutional networks
#
# *Not in the lecture* (it is the next chapter of Nielsen's book); this lesson reuses
# `examples/06_conv_net.py`, which runs from the command line too.
#
# A dense layer treats the 784 pixels as an unordered list. A **convolutional** layer keeps the
# image's 2-D structure: each of its feature maps slides one small filter (5 × 5 shared weights and a
# bias) over the image, so it detects the same feature everywhere (**shared weights**, local
# receptive fields), with far fewer parameters. **Pooling** then keeps the strongest response in each
# 2 × 2 block. For an input $a$, feature map $f$ at position $(j, k)$ computes
#
# $$ \sigma\Big(b_f + \sum_{l=0}^{4}\sum_{m=0}^{4} w_{f,l,m}\, a_{j+l,\,k+m}\Big) . $$

# %%
import matplotlib.pyplot as plt
import numpy as np

import tinygrad_edu as tg
from lesson_tools import Lesson, load_example

lesson = Lesson("15_beyond_conv_nets")
example = load_example("06_conv_net")
results = example.main(["--quick"] if lesson.quick else [])
lesson.record("conv", results["conv"])
lesson.record("dense", results["dense"])

# %%
fig, ax = plt.subplots(figsize=(6, 3.6))
names = ["conv net", "dense 784-30-10"]
ax.bar(names, [results["conv"]["test_accuracy"], results["dense"]["test_accuracy"]], color=["tab:blue", "tab:gray"])
for i, key in enumerate(("conv", "dense")):
    ax.annotate(f"{results[key]['parameters']:,} parameters", (i, results[key]["test_accuracy"] / 2),
                ha="center", color="white")
ax.set_ylabel("test accuracy"); ax.set_ylim(0, 1)
ax.set_title("shared weights: fewer parameters, as good or better")
lesson.figure(fig, "conv_vs_dense")

# %% [markdown]
# The README's table has the full-size result: a two-layer convolutional network reaches 99.06% on
# the test set (the 99.79% record of lesson 8 is an ensemble of such networks).

# %%
lesson.finish()
