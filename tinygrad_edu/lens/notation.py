"""The lecture's names for the tensors of a layered network: x, wˡ, bˡ, zˡ, aˡ, y(x), C (and δˡ in the backward view), found from the graph alone.

For a Sequential of Linear layers and activations, the graph of `cost(model(x), y)` holds one
`Linear` node per layer. Numbering them as the lecture does (layer 1 is the input, so the first
Linear computes z², the last zᴸ), each Linear node's output is zˡ and its inputs are aˡ⁻¹ (x for
the first), wˡ and bˡ; the elementwise op that reads zˡ (Sigmoid, Tanh, Relu, …) outputs aˡ; a
constant leaf of the output's shape fed to the cost is the desired output y(x); the root is C.
Everything is read through public graph names (`grad_fn.name`, `grad_fn.inputs`, `is_leaf`,
`requires_grad`, the topological order), so it works for any model built that way.

    labels = lecture_labels(cost, order, tensors)      # {id(tensor): "z²", ...}
    delta_name("z²")                                  # "δ² = ∂C/∂z²"
"""

__all__ = ["lecture_labels", "delta_name", "NOTATIONS", "check_notation"]

NOTATIONS = (None, "lecture")
"""The values `notation=` accepts: None (names, else t<k>) or "lecture"."""

_SUPERSCRIPTS = str.maketrans("0123456789L", "⁰¹²³⁴⁵⁶⁷⁸⁹ᴸ")
# Elementwise activations that are one op of the rulebook (an activation built of several ops,
# such as the Gaussian e^(−z²), keeps its generic labels).
_ACTIVATION_OPS = {"Sigmoid", "Tanh", "Relu", "Clamp", "Maximum", "Where"}


def check_notation(notation, caller):
    if notation not in NOTATIONS:
        raise ValueError(f"{caller}: notation must be None or 'lecture', got {notation!r}")


def superscript(number):
    return str(number).translate(_SUPERSCRIPTS)


def lecture_labels(root, order, tensors):
    """{id(tensor): lecture label} for the tensors of a layered network's graph.

    Args:
        root: the root (the cost C).
        order: its topological order (non-leaf tensors, inputs first).
        tensors: every tensor of the graph.

    Returns:
        A dict from id(tensor) to "x", "w²", "b²", "z²", "a²", …, "y(x)", "C"; tensors the
        notation has no name for are left out (they keep their usual labels).
    """
    consumers = {}
    for node in order:
        for parent in node.grad_fn.inputs:
            consumers.setdefault(id(parent), []).append(node)
    labels = {}
    linear_nodes = [node for node in order if node.grad_fn.name == "Linear"]
    output = None
    for number, node in enumerate(linear_nodes, start=2):
        sup = superscript(number)
        x, w, b = (list(node.grad_fn.inputs) + [None, None, None])[:3]
        if number == 2 and x is not None and x.is_leaf:
            labels[id(x)] = "x"
        for tensor, name in ((w, "w"), (b, "b")):
            if tensor is not None:
                labels[id(tensor)] = name + sup
        labels[id(node)] = "z" + sup
        output = node
        readers = consumers.get(id(node), [])
        activation = [r for r in readers if r.grad_fn.name in _ACTIVATION_OPS
                      and len(r.grad_fn.inputs) >= 1 and r.grad_fn.inputs[0] is node]
        if len(readers) == 1 and activation:
            labels[id(activation[0])] = "a" + sup
            output = activation[0]
    if output is not None:
        for t in tensors:
            if t.is_leaf and not t.requires_grad and id(t) not in labels \
                    and tuple(t.shape) == tuple(output.shape) and id(t) in consumers:
                labels[id(t)] = "y(x)"
    labels[id(root)] = "C"
    return labels


def delta_name(label):
    """The backward view's name of ∂C/∂(label): δˡ for a weighted input zˡ, else ∂C/∂label."""
    if label.startswith("z") and len(label) > 1:
        return f"δ{label[1:]} = ∂C/∂{label}"
    return f"∂C/∂{label}"
