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
# # Lesson 18 · Beyond the lecture: seeing the graph
#
# *Not in the lecture's slides*, but the picture behind lesson 7. Every operation records itself in
# a graph, and `backward()` walks it in reverse. This lesson reuses `examples/07_see_the_graph.py`
# (which writes SVG files and the stepper page) and then shows the same things inline: the graph in
# the lecture's notation, the backward view with each $\delta$, the stepper page (press Next), and
# `explain()`'s chain rule as text.

# %%
from pathlib import Path

import tinygrad_edu as tg
from tinygrad_edu import nn
from lesson_tools import Lesson, load_example, say

lesson = Lesson("18_beyond_seeing_the_graph")
example = load_example("07_see_the_graph")
network_cost = example.main(["--quick", "--out", str(lesson.out)] if lesson.quick else ["--out", str(lesson.out)])
written = sorted(p.name for p in Path(lesson.out).glob("07_*"))
say("written: {files}", files=written)
lesson.record("written", written)

# %% [markdown]
# ## The lecture's network in the lecture's notation
#
# `notation="lecture"` names the tensors of a `Sequential` of `Linear` layers and activations as the
# slides do: $x$, $w^l$, $b^l$, $z^l$, $a^l$, $y(x)$, $C$ (layer 1 is the input). In the backward view
# each weighted input carries its $\delta^l = \partial C/\partial z^l$.

# %%
tg.manual_seed(0)
net = nn.Sequential(nn.Linear(784, 30), nn.Sigmoid(), nn.Linear(30, 10), nn.Sigmoid())
images, labels = (t for t in tg.data.load_mnist("train", subset=2, one_hot=True).tensors)
cost = nn.QuadraticCost()(net(images), labels)
picture = tg.viz.graph(cost, notation="lecture", backward=True, rankdir="LR")
lesson.record("labels", picture.labels)
picture.save(lesson.out / "18_lecture_notation.svg")
picture

# %%
page = tg.viz.stepper(cost, notation="lecture")
page.save(lesson.out / "18_stepper.html")
page

# %%
text = cost.explain(notation="lecture")
print(text)
lesson.record("explain", str(text))
lesson.finish()
