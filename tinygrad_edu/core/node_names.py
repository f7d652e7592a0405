"""PyTorch's names for the graph's nodes: grad_fn.name() and the AccumulateGrad steps of next_functions."""


class NodeName(str):
    """An op's name ("Mul", as in the error messages) that can also be called as PyTorch's
    grad_fn.name(), which gives "MulBackward"."""

    __slots__ = ()

    def __call__(self):
        return f"{self}Backward"


class AccumulateGrad:
    """What PyTorch's grad_fn.next_functions shows for a leaf that requires grad: the step
    that adds the leaf's gradient into its .grad (`variable` is the leaf)."""

    next_functions = ()

    def __init__(self, variable):
        self.variable = variable

    def name(self):
        return "torch::autograd::AccumulateGrad"  # PyTorch's own string, for programs that print it

    def __repr__(self):
        return "<AccumulateGrad>"
