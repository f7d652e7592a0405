"""Pictures of the computational graph: DOT text (no dependency), rendering with graphviz, the backward view, and (built in stepper.py) the HTML page that steps through backpropagation.

The picture is built from the very walk backward() makes (`topological_order`), so it
shows exactly the nodes backprop visits. Tensors are boxes (name, shape, dtype, optionally the
value, `.grad` or the adjoint δ = ∂C/∂tensor); ops are ellipses; edges follow the data: input
tensor -> op -> output tensor. A tensor used twice (x * x) has two edges into the op; a
broadcast input goes through an explicit Expand node.

    import tinygrad_edu as tg
    print(tg.viz.to_dot(loss))                            # DOT text, no graphviz needed
    tg.viz.draw(loss, "runs/graph.svg", params=model)     # needs graphviz's `dot` binary
    tg.viz.draw(loss, "runs/backward.svg", backward=True) # every edge carries its gradient
    tg.viz.html(loss, "runs/stepper.html")                # Next/Previous through backprop

Node ids are stable and shared by every view: `t<k>` for the k-th tensor of the graph
(parents first) and `op<k>` for the op that produced `t<k>`; they are also the ids of the SVG
elements, which the stepper page uses to highlight a node.
"""

import os
import shutil
import subprocess

from ..core import Tensor, topological_order
from .explain import summarize
from .notation import check_notation, delta_name, lecture_labels
from .trace import graph_tensors, input_names, parameter_names, tensor_labels, trace_backward

__all__ = ["to_dot", "draw", "html", "render", "graph", "stepper", "GraphvizNotFound", "FORMATS"]

FORMATS = ("svg", "png", "pdf")
"""The formats draw() renders with graphviz ("dot" writes the DOT text itself)."""

_INSTALL_HINT = ("install graphviz's `dot` program: `sudo apt-get install graphviz` (Debian/"
                 "Ubuntu), `brew install graphviz` (macOS), `conda install graphviz`, or see "
                 "https://graphviz.org/download/")

# Shape ops that only rearrange a parameter (w.T in x @ w.T, an expanded bias) still belong to
# the parameter's module when a module is collapsed into one box.
_REARRANGING_OPS = {"Permute", "Reshape", "Expand", "Cast"}


class GraphvizNotFound(RuntimeError):
    """Rendering needs graphviz's `dot` binary, which is not installed (or not on PATH)."""


# ---------------------------------------------------------------------------------------------
# The graph as lists of nodes and edges
# ---------------------------------------------------------------------------------------------

class _Graph:
    """The tensors and ops reachable from `root`, with ids, labels and (optionally) adjoints."""

    def __init__(self, root, params=None, trace=None, notation=None):
        if not isinstance(root, Tensor):
            raise TypeError(f"viz: expected a Tensor to draw, got {type(root).__name__}")
        check_notation(notation, "viz")
        self.root = root
        self.trace = trace
        self.notation = notation
        if trace is not None:
            self.order = [step.node for step in reversed(trace.steps)]
            self.tensors, self.labels, self.positions = trace.tensors, trace.labels, trace.positions
        else:
            self.order = topological_order(root)
            self.tensors = graph_tensors([root], self.order)
            self.positions = {id(t): k for k, t in enumerate(self.tensors)}
            self.labels = tensor_labels(self.tensors, params)
            if notation == "lecture":
                self.labels.update(lecture_labels(root, self.order, self.tensors))
        self.sent = {}
        if trace is not None:
            for step in trace.steps:
                for sent in step.sent:
                    self.sent[(step.position, sent.index)] = sent

    def tensor_id(self, t):
        return f"t{self.positions[id(t)]}"

    def op_id(self, node):
        return f"op{self.positions[id(node)]}"


def _quote(text):
    """A DOT string literal: backslashes and quotes escaped, newlines as DOT's centered \\n."""
    text = str(text).replace("\\", "\\\\").replace('"', '\\"')
    return '"' + text.replace("\r", "").replace("\n", "\\n") + '"'


def _attributes(**attributes):
    parts = [f"{key}={_quote(value)}" for key, value in attributes.items() if value is not None]
    return "[" + ", ".join(parts) + "]"


def _shape_text(t):
    shape = tuple(t.shape)
    return f"{shape} {t.dtype.name}"


def _tensor_label(graph, t, values, gradients, backward, max_elements, precision):
    lines = [graph.labels[id(t)], _shape_text(t)]
    if values:
        lines.append("value: " + summarize(t, max_elements, precision, one_line=False))
    if gradients:
        grad = t.grad
        lines.append("grad: " + ("None" if grad is None else
                                 summarize(grad, max_elements, precision, one_line=False)))
    if backward:
        adjoint = graph.trace.adjoint(t)
        name = delta_name(graph.labels[id(t)]) if graph.notation == "lecture" else "δ"
        lines.append(f"{name}: " + ("(no gradient)" if adjoint is None else
                              summarize(adjoint, max_elements, precision, one_line=False)))
    return "\n".join(lines)


def _tensor_style(graph, t):
    if t is graph.root:
        return dict(shape="box", style="rounded,filled,bold", fillcolor="#ffe0b2", penwidth="2")
    if t.grad_fn is not None:
        return dict(shape="box", style="rounded", color="#546e7a")
    if t.requires_grad:
        return dict(shape="box", style="filled", fillcolor="#bbdefb")
    return dict(shape="box", style="dashed", color="#9e9e9e", fontcolor="#616161")


# ---------------------------------------------------------------------------------------------
# Collapsing a module into one box
# ---------------------------------------------------------------------------------------------

def _module_parameters(module):
    if hasattr(module, "parameters"):
        return [p for p in module.parameters() if isinstance(p, Tensor)]
    raise TypeError(f"collapse: {type(module).__name__} is not a module (it has no parameters()); "
                    f"pass a model, a module or a list of modules")


def _children(module):
    if hasattr(module, "named_children"):
        return [(str(name), child) for name, child in module.named_children()]
    if hasattr(module, "__iter__"):
        return [(str(i), child) for i, child in enumerate(module)]
    return []


def _module_description(module):
    cls = type(module).__name__
    for fan_in, fan_out in (("in_features", "out_features"), ("in_channels", "out_channels")):
        if hasattr(module, fan_in) and hasattr(module, fan_out):
            return f"{cls}({getattr(module, fan_in)}→{getattr(module, fan_out)})"
    return cls


def _collapse_targets(collapse, names):
    """[(label, parameter ids)] for the modules to collapse, each labelled "0: Linear(784→30)"."""
    if isinstance(collapse, (list, tuple)):
        targets = [(None, m) for m in collapse]
    else:
        children = [(n, c) for n, c in _children(collapse) if _module_parameters(c)]
        targets = children or [(None, collapse)]
    groups = []
    for index, (name, module) in enumerate(targets):
        params = _module_parameters(module)
        if not params:
            continue  # a parameter-free module (an activation) stays drawn as its op
        if name is None:
            full = names.get(id(params[0])) or params[0].name
            name = full.rsplit(".", 1)[0] if full and "." in full else None
        description = _module_description(module)
        groups.append((f"{name}: {description}" if name else description,
                       {id(p) for p in params}))
    return groups


def _members(graph, groups):
    """{id(tensor): group index}: a module's parameters, ops that only rearrange them (w.T, an
    expanded bias), and every op that consumes one of those (its matmul, its bias add)."""
    members, derived = {}, {}
    for index, (_, ids) in enumerate(groups):
        for t in graph.tensors:
            if id(t) in ids and id(t) not in derived:
                derived[id(t)] = members[id(t)] = index
    for node in graph.order:
        parents = node.grad_fn.inputs
        owners = [derived[id(p)] for p in parents if id(p) in derived]
        if not owners:
            continue
        members[id(node)] = owners[0]
        if node.grad_fn.name in _REARRANGING_OPS and len(parents) == 1:
            derived[id(node)] = owners[0]
    return members


# ---------------------------------------------------------------------------------------------
# DOT text
# ---------------------------------------------------------------------------------------------

def _dot_text(graph, values=False, gradients=False, backward=False, collapse=None,
              collapse_style="box", rankdir="TB", max_elements=8, precision=4, title=None,
              names=None):
    if rankdir not in ("TB", "LR", "BT", "RL"):
        raise ValueError(f"to_dot: rankdir must be 'TB' (top to bottom), 'LR' (left to right), "
                         f"'BT' or 'RL', got {rankdir!r}")
    if collapse_style not in ("box", "cluster"):
        raise ValueError(f"to_dot: collapse_style must be 'box' or 'cluster', got "
                         f"{collapse_style!r}")
    if hasattr(collapse, "dot_groups"):  # a grouping of its own: lens.timesteps' time steps
        groups, members = collapse.dot_groups(graph.tensors)
    else:
        groups = _collapse_targets(collapse, names or {}) if collapse is not None else []
        members = _members(graph, groups) if groups else {}
    boxed = collapse_style == "box"
    lines = ["digraph tinygrad_edu {",
             "  graph " + _attributes(rankdir=rankdir, fontname="Helvetica", label=title,
                                      labelloc="t") + ";",
             '  node [fontname="Helvetica", fontsize="10"];',
             '  edge [fontname="Helvetica", fontsize="9"];']
    clusters = {i: [] for i in range(len(groups))}
    lines += _node_lines(graph, members, boxed, clusters, values, gradients, backward,
                         max_elements, precision)
    edges = _edge_lines(graph, members, boxed, backward, max_elements, precision)
    lines += _group_lines(graph, groups, members, boxed, clusters, backward, max_elements,
                          precision)
    lines.extend(edges)
    lines.append("}")
    return "\n".join(lines) + "\n"


def _representative(members, boxed, dot_id, t):
    """The DOT id drawn for `t` (a tensor, or the op that made it): its module's box "m<k>"
    when t belongs to a module collapsed into one box, else `dot_id` itself."""
    index = members.get(id(t))
    return f"m{index}" if boxed and index is not None else dot_id


def _node_lines(graph, members, boxed, clusters, values, gradients, backward, max_elements,
               precision):
    """The statements of the tensor boxes and op ellipses outside any module, in the graph's
    order; those of a module drawn as a cluster go to clusters[its index] instead, and those
    of a module collapsed into one box are not drawn."""
    lines = []

    def emit(t, statement):
        index = members.get(id(t))
        if index is not None and not boxed:
            clusters[index].append("    " + statement)
        elif index is None:
            lines.append("  " + statement)

    for t in graph.tensors:
        dot_id = graph.tensor_id(t)
        label = _tensor_label(graph, t, values, gradients, backward, max_elements, precision)
        emit(t, f"{dot_id} {_attributes(id=dot_id, label=label, **_tensor_style(graph, t))};")
        if t.grad_fn is not None:
            op = graph.op_id(t)
            attributes = _attributes(id=op, label=t.grad_fn.name, shape="ellipse", style="filled",
                                     fillcolor="#fff59d", tooltip=t.grad_fn.rule_summary())
            emit(t, f"{op} {attributes};")
    return lines


def _edge_lines(graph, members, boxed, backward, max_elements, precision):
    """The edges input -> op (one per input, labelled with the input's name when the op has
    several) and op -> output, in the walk's order; an edge inside a collapsed module is not
    drawn, and a collapsed module takes each of its inputs once."""
    edges, seen = [], set()
    for node in graph.order:
        op = graph.op_id(node)
        names_in = input_names(node.grad_fn, len(node.grad_fn.inputs))
        for index, parent in enumerate(node.grad_fn.inputs):
            tail = _representative(members, boxed, graph.tensor_id(parent), parent)
            head = _representative(members, boxed, op, node)
            if tail == head:
                continue
            attributes = _input_edge_attributes(graph, node, index, parent, names_in, backward,
                                                max_elements, precision)
            if tail.startswith("m") or head.startswith("m"):
                if (tail, head) in seen:
                    continue  # a collapsed module takes an input once, however many ops use it
                seen.add((tail, head))
            edges.append(f"  {tail} -> {head} {_attributes(**attributes)};")
        tail = _representative(members, boxed, op, node)
        head = _representative(members, boxed, graph.tensor_id(node), node)
        if tail != head:
            attributes = {"id": f"o{graph.positions[id(node)]}"}
            if backward:
                attributes["dir"] = "back"
            edges.append(f"  {tail} -> {head} {_attributes(**attributes)};")
    return edges


def _input_edge_attributes(graph, node, index, parent, names_in, backward, max_elements,
                           precision):
    """The attributes of the edge from input `index` (`parent`) into the op of `node`; in the
    backward view, the gradient sent back along it (red) or a dashed edge when none flows."""
    attributes = {"id": f"e{graph.positions[id(node)]}_{index}"}
    if len(node.grad_fn.inputs) > 1:
        attributes["label"] = names_in[index]
    if backward:
        sent = graph.sent.get((graph.positions[id(node)], index))
        attributes["dir"] = "back"  # arrows point the way gradients flow
        if sent is not None and sent.gradient is not None:
            text = f"∂C/∂{graph.labels[id(parent)]}: " + summarize(
                sent.gradient, max_elements, precision, one_line=False)
            attributes.update(label=text, color="#c62828", fontcolor="#c62828")
        else:
            attributes.update(style="dashed", color="#9e9e9e")
    return attributes


def _group_lines(graph, groups, members, boxed, clusters, backward, max_elements, precision):
    """Each collapsed module: one 3-D box (its label, the shapes of its outputs and, in the
    backward view, their δ) or a labelled cluster around the statements of its nodes."""
    lines = []
    for index, (label, _) in enumerate(groups):
        if boxed:
            outputs = [t for t in graph.tensors if members.get(id(t)) == index
                       and t.grad_fn is not None and _is_group_output(graph, t, members, index)]
            shapes = ", ".join(str(tuple(t.shape)) for t in outputs)
            text = label + (f"\nout {shapes}" if shapes else "")
            if backward and outputs:
                text += "\nδ(out): " + "; ".join(
                    summarize(graph.trace.adjoint(t), max_elements, precision)
                    for t in outputs if graph.trace.adjoint(t) is not None)
            attributes = _attributes(id=f"m{index}", label=text, shape="box3d", style="filled",
                                     fillcolor="#c8e6c9")
            lines.append(f"  m{index} {attributes};")
        else:
            lines.append(f"  subgraph cluster_{index} {{")
            attributes = _attributes(label=label, style="rounded,filled", fillcolor="#f1f8e9",
                                     color="#558b2f")
            lines.append(f"    graph {attributes};")
            lines.extend(clusters[index])
            lines.append("  }")
    return lines


def _is_group_output(graph, t, members, index):
    if t is graph.root:
        return True
    for node in graph.order:
        if members.get(id(node)) != index and any(p is t for p in node.grad_fn.inputs):
            return True
    return False


def to_dot(tensor, values=False, gradients=False, backward=False, params=None, collapse=None,
           collapse_style="box", rankdir="TB", max_elements=8, precision=4, title=None,
           gradient=None, notation=None):
    """The graph that produced `tensor`, as DOT text for graphviz (no dependency needed).

    Args:
        tensor: the root (usually the cost).
        values: show each tensor's value (a scalar or small tensor in full, a large one as
            mean/std/min/max).
        gradients: show each tensor's `.grad` as left by backward().
        backward: the backward view: every tensor shows its adjoint δ = ∂C/∂tensor and every
            edge the gradient that flows back along it (arrows point the way gradients go).
            Computed by replaying the rules on the retained graph; `.grad` is not touched.
        params: a module (its named_parameters) or a dict name -> tensor, to label parameters
            (modules label their parameters' `.name` anyway when called).
        collapse: a model (each child module with parameters becomes one box), a module, or a
            list of modules, e.g. `collapse=model` draws "0: Linear(784→30)" as one box; or
            anything with dot_groups(tensors) -> (groups, members), like the time steps of
            lens.timesteps.record_steps (one box or cluster per step of an unrolled RNN).
        collapse_style: "box" (one node per module) or "cluster" (a labelled frame around the
            module's nodes).
        rankdir: "TB" (top to bottom) or "LR" (left to right).
        max_elements: the largest tensor whose values are shown element by element.
        precision: significant digits of the numbers.
        title: a caption for the picture.
        gradient: ∂C/∂tensor for a non-scalar root in the backward view.
        notation: None, or "lecture": a Sequential of Linear layers and activations is
            labelled x, wˡ, bˡ, zˡ, aˡ, y(x), C as in the lecture (layer 1 is the input), and
            the backward view names each δ (δˡ = ∂C/∂zˡ, ∂C/∂wˡ, …); see notation.py.

    Returns:
        The DOT text (a str). Node ids are `t<k>` (tensors) and `op<k>` (ops).

    Raises:
        RuntimeError: backward=True on a graph already released by backward() (draw first,
            or call backward(retain_graph=True)).

    Example:
        >>> x = tg.tensor([1.0, 2.0], requires_grad=True, name="x")
        >>> print(tg.viz.to_dot(x * x))       # x -> Mul (two edges, a and b) -> t1
    """
    names = parameter_names(params)
    trace = trace_backward(tensor, gradient=gradient, params=params,
                           notation=notation) if backward else None
    graph = _Graph(tensor, params=params, trace=trace, notation=notation)
    return _dot_text(graph, values=values, gradients=gradients, backward=backward,
                     collapse=collapse, collapse_style=collapse_style, rankdir=rankdir,
                     max_elements=max_elements, precision=precision, title=title, names=names)


# ---------------------------------------------------------------------------------------------
# Rendering with graphviz's dot
# ---------------------------------------------------------------------------------------------

def _dot_binary():
    return shutil.which("dot")


def _run_dot(dot_text, format, output=None):
    """Run `dot -T<format>`; returns the bytes (or writes `output`). Raises GraphvizNotFound."""
    binary = _dot_binary()
    if binary is None:
        raise GraphvizNotFound(f"graphviz's `dot` was not found on PATH; {_INSTALL_HINT}")
    command = [binary, f"-T{format}"] + (["-o", output] if output else [])
    try:
        result = subprocess.run(command, input=dot_text.encode("utf-8"), capture_output=True,
                                timeout=300)
    except subprocess.TimeoutExpired:
        raise RuntimeError("render: graphviz's dot ran for more than 300 s; draw a smaller "
                           "graph (collapse=model, or a smaller batch)") from None
    if result.returncode != 0:
        raise RuntimeError(f"render: dot -T{format} failed (exit code {result.returncode}): "
                           f"{result.stderr.decode('utf-8', 'replace').strip()}")
    return result.stdout


def render(dot_text, path, format=None):
    """Render DOT text to `path` with graphviz's `dot` ("svg", "png" or "pdf").

    Args:
        dot_text: the DOT source (from to_dot).
        path: the output file; its extension gives the format when `format` is None.
        format: "svg", "png", "pdf", or "dot" to write the text itself.

    Returns:
        The path written.

    Raises:
        GraphvizNotFound: `dot` is not installed. The DOT text is then written next to `path`
            (same name, extension .dot) and the message says where and how to install graphviz.
        ValueError: an unknown format.
    """
    path = os.fspath(path)
    stem, extension = os.path.splitext(path)
    if format is None:
        format = extension[1:].lower() if extension else "svg"
    format = format.lower()
    if format not in FORMATS + ("dot",):
        raise ValueError(f"draw: format must be one of {', '.join(FORMATS)} or 'dot', got "
                         f"{format!r}")
    if not extension:
        path = f"{path}.{format}"
        stem = path[:-len(format) - 1]
    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, exist_ok=True)
    if format == "dot":
        with open(path, "w", encoding="utf-8") as file:
            file.write(dot_text)
        return path
    if _dot_binary() is None:
        fallback = stem + ".dot"
        with open(fallback, "w", encoding="utf-8") as file:
            file.write(dot_text)
        raise GraphvizNotFound(
            f"draw: cannot render {path!r}: graphviz's `dot` was not found on PATH; "
            f"{_INSTALL_HINT}. The DOT text was written to {fallback!r} (render it later with "
            f"`dot -T{format} {fallback} -o {path}`, or paste it into any graphviz viewer).")
    _run_dot(dot_text, format, output=path)
    return path


def draw(tensor, path, format=None, **options):
    """Draw the graph of `tensor` into `path` (SVG, PNG or PDF) with graphviz's `dot`.

    Args:
        tensor: the root (usually the cost).
        path: the output file, e.g. "runs/graph.svg"; without an extension, `format` is added.
        format: "svg", "png", "pdf" (default: from the extension, else "svg") or "dot".
        **options: those of `to_dot` (values, gradients, backward, params, collapse, rankdir…).

    Returns:
        The path written.

    Raises:
        GraphvizNotFound: `dot` is not installed; the DOT text is written next to `path` and
            the message says where and how to install graphviz (`sudo apt-get install graphviz`).

    Example:
        >>> tg.viz.draw(loss, "runs/lecture_net.svg", collapse=model, rankdir="LR")
    """
    return render(to_dot(tensor, **options), path, format)


# ---------------------------------------------------------------------------------------------
# The backprop stepper page (built in stepper.py; its public name stays here)
# ---------------------------------------------------------------------------------------------

def html(tensor, path, title=None, params=None, gradient=None, values=True, rankdir="TB",
         max_elements=8, precision=4, optimizer=None, notation=None):
    """Write the backprop stepper: a self-contained HTML page with Next/Previous through backward()
    (with `optimizer`: through the whole training step, forward, cost, backward and update).

    The arguments, the return value (the path written) and the errors (GraphvizNotFound,
    ValueError for a leaf) are those of `tinygrad_edu.lens.stepper.html`, which this calls.

    Example:
        >>> tg.viz.html(loss, "runs/stepper.html")
        >>> tg.viz.html(loss, "runs/step.html", optimizer=opt)
    """
    # stepper.py imports this module for the SVG of the graph; importing it only when the page
    # is written keeps `import viz` free of the stepper and the two modules free of a cycle.
    from .stepper import html as write_stepper_page
    return write_stepper_page(tensor, path, title=title, params=params, gradient=gradient,
                              values=values, rankdir=rankdir, max_elements=max_elements,
                              precision=precision, optimizer=optimizer, notation=notation)


# ---------------------------------------------------------------------------------------------
# Inline display in Jupyter (built in display.py)
# ---------------------------------------------------------------------------------------------

def graph(tensor, **options):
    """The graph of `tensor` as an object that draws itself inline in Jupyter (SVG).

    Args:
        tensor: the root (usually the cost).
        **options: those of `to_dot` (values, backward, params, collapse, rankdir, notation…).

    Returns:
        A GraphPicture: `_repr_svg_` / `_repr_mimebundle_` (rendered with the graphviz Python
        package), `.source` (the DOT text), `.labels`, `.save(path)`.

    Example:
        >>> tg.viz.graph(loss, notation="lecture", backward=True)   # last line of a cell
    """
    from .display import GraphPicture
    return GraphPicture(tensor, **options)


def stepper(tensor, **options):
    """The backprop stepper page as an object that shows itself inline in Jupyter.

    Args:
        tensor: the root; **options: those of `html` except `path` (title, params, notation…).

    Returns:
        A StepperPage: `_repr_html_` (the page in an iframe), `.html` (its text), `.save(path)`.
    """
    from .display import StepperPage
    return StepperPage(tensor, **options)
