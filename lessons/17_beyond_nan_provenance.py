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
# # Lesson 17 · Beyond the lecture: where was that NaN born?
#
# *Not in the lecture*; reuses `examples/10_nan_provenance.py`.
#
# A NaN or infinity in the cost spreads to every gradient and then to every weight, and the training
# loop only sees the end of it. Inside `with tg.detect_anomaly():` every op's output and every
# gradient of the backward pass is checked; the first non-finite value raises an `AnomalyError`
# naming the op, the pass (forward or backward), your line of code and the inputs at the bad
# element. Three classic births: $\ln 0$ in a hand-written cross-entropy (lesson 9's cost with
# saturated outputs), the derivative $1/(2\sqrt{0})$ of a square root, and a NaN already in the data.

# %%
from lesson_tools import Lesson, load_example

lesson = Lesson("17_beyond_nan_provenance")
example = load_example("10_nan_provenance")
errors = example.main([])
first_lines = [str(e).splitlines()[0] for e in errors]
lesson.record("errors", [{"op": line.split(":")[0], "pass": "backward" if "backward pass" in line else "forward",
                          "message": line} for line in first_lines])

# %% [markdown]
# Each report names the op where the non-finite value first appeared. The fix is different each
# time: a cost that clamps its logarithms (`nn.CrossEntropyCost`), a cost without the kink, and
# clean data.

# %%
lesson.finish()
