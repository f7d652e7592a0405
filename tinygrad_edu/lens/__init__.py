"""The learner's view: readers of the graph that never write to it.

explain (the chain rule as text), viz (graph pictures and the backprop stepper), gradcheck
(numerical checks of every rule), equations (the lecture's BP1-BP4 beside autograd) and
plots (curves and gradient flow). They use only the public names of `tinygrad_edu.core`.
"""
