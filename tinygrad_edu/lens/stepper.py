"""The backprop stepper: one self-contained HTML page that walks backward() node by node.

    import tinygrad_edu as tg
    tg.viz.html(loss, "runs/stepper.html")        # open it and press Next (or →)

The page is three pieces, each with one job:

    stepper_steps(trace)   the data: the trace of backward() -> a JSON-able list of steps
    stepper.html           the template: markup and CSS, with placeholders
    stepper.js             the behaviour: Next/Previous, the arrow keys, the highlighting

`html()` fills the template with the title, the graph as inline SVG, the steps as JSON and
the script, so the written file works offline and loads nothing from the network. The two
package files are read with importlib.resources on each call (a teacher editing stepper.js
sees the change at the next call) and ship in the wheel as package data.

Why this module imports viz and not the reverse: the page shows the graph, and the SVG of the
graph is viz's drawing code (`_Graph`, `_dot_text`, `_run_dot`). So the stepper depends on viz.
The public name stays `tg.viz.html`: viz keeps a thin function of that name that imports this
module when it is called, so importing viz never imports the stepper and there is no cycle.

The data contract, `stepper_steps(trace)`, is deliberately small: it reads only a trace from
`explain.trace_backward` (its steps, positions and labels) and returns plain dicts. The ids in
the steps (`op<k>`, `t<k>`, `e<k>_<i>`) are the SVG ids viz gives the graph's elements.
"""

import html as html_escape
import json
import os
import re
from importlib.resources import files

from ..core import say
from .explain import summarize
from .trace import trace_backward
from .training_step import cost_step, forward_steps, update_steps
from .viz import _Graph, _dot_text, _run_dot

__all__ = ["html", "page_text", "stepper_steps"]

_PLACEHOLDER = re.compile(r"__(TITLE|SVG|STEPS|SCRIPT|INTRO|WORDS|T\.[a-z_]+)__")


def stepper_steps(trace, max_elements=8, precision=4):
    """The steps of the page as plain dicts, in the order backward() visits the nodes.

    Args:
        trace: what `explain.trace_backward` returns (its `steps`, `positions`, `labels`).
        max_elements, precision: how numbers are shown (see `summarize`).

    Returns:
        A list with one dict per step (every value a str, an int or a list, so it is JSON):
        `number`, `op_node` ("op<k>"), `tensor_node` ("t<k>", the op's output), `op` (its
        name), `output_label`, `upstream` (δ of the output as text), `upstream_shape`,
        `rule` (the rule text from the rulebook, core/ops/) and `sent`, one dict per input that
        receives a gradient: `parent_node` ("t<j>"), `parent_label`, `edge` ("e<k>_<i>", the i-th input's
        edge), `equation` (e.g. "δ(x) = δ(t1) ⊙ x"), `shape` and `value` (the numbers as text).
    """
    steps = []
    for step in trace.steps:
        position = step.position
        sent = []
        for s in step.sent:
            if s.gradient is None:
                continue
            sent.append({
                "parent_node": f"t{trace.positions[id(s.parent)]}",
                "parent_label": trace.labels[id(s.parent)],
                "edge": f"e{position}_{s.index}",
                "equation": s.equation,
                "shape": str(tuple(s.gradient.shape)),
                "value": summarize(s.gradient, max_elements, precision, one_line=False),
            })
        steps.append({
            "kind": "backward",
            "number": step.number,
            "op_node": f"op{position}",
            "tensor_node": f"t{position}",
            "op": step.op,
            "output_label": trace.labels[id(step.node)],
            "upstream": summarize(step.upstream, max_elements, precision, one_line=False),
            "upstream_shape": str(tuple(step.upstream.shape)),
            "rule": step.rule_text,
            "sent": sent,
        })
    return steps


def _json_for_script(steps):
    """The steps as JSON that is safe inside <script type="application/json">.

    A tensor named "</script>" would end the block early, and "<!--" followed by "<script"
    would hide the real end tag from the HTML parser. Writing every "<" as the JSON escape
    \\u003c (which JSON.parse reads back as "<") rules out both; escaping only "</" as "<\\/"
    would leave the second.
    """
    return json.dumps(steps, ensure_ascii=False).replace("<", "\\u003c")


def _svg_body(svg_bytes):
    """The <svg> element of dot's output, without the XML prolog, DOCTYPE and comments."""
    text = svg_bytes.decode("utf-8")
    return text[text.index("<svg"):]


def _package_file(name):
    return (files("tinygrad_edu.lens") / name).read_text(encoding="utf-8")


def _page(title, svg, steps, whole_step=False):
    """The page's HTML: the template with its placeholders filled in one pass, so nothing
    substituted (a tensor named "__STEPS__", say) is ever read as a placeholder. Its words
    (`__T.name__` in stepper.html, WORDS in stepper.js) are the catalogue's stepper.* sentences
    in the learner's language."""
    words = {"phases": {kind: say(f"stepper.phase.{kind}")
                        for kind in ("forward", "cost", "backward", "update")},
             "of": say("stepper.of"), "step": say("stepper.step"), "to": say("stepper.to"),
             "shape": say("stepper.shape")}
    parts = {"TITLE": html_escape.escape(title), "SVG": svg, "STEPS": _json_for_script(steps),
             "SCRIPT": _package_file("stepper.js"),
             "WORDS": html_escape.escape(json.dumps(words, ensure_ascii=False), quote=True),
             "INTRO": html_escape.escape(say("stepper.intro_step" if whole_step else "stepper.intro"))}

    def fill(match):
        name = match.group(1)
        if name.startswith("T."):
            return html_escape.escape(say("stepper." + name[2:]))
        return parts[name]
    return _PLACEHOLDER.sub(fill, _package_file("stepper.html"))


def page_text(tensor, title=None, params=None, gradient=None, values=True, rankdir="TB",
              max_elements=8, precision=4, optimizer=None, notation=None):
    """The stepper page as a str (what `html` writes; the live page serves it)."""
    trace = trace_backward(tensor, gradient=gradient, params=params, notation=notation)
    if not trace.steps:
        raise ValueError("html: the tensor is a leaf (no op produced it), so backpropagation has "
                         "no step to show; pass the result of a computation")
    graph = _Graph(tensor, trace=trace, notation=notation)
    dot_text = _dot_text(graph, values=values, rankdir=rankdir, max_elements=max_elements,
                         precision=precision)
    svg = _svg_body(_run_dot(dot_text, "svg"))
    steps = stepper_steps(trace, max_elements, precision)
    if optimizer is not None:
        steps = (forward_steps(trace, max_elements, precision) + [cost_step(trace)] + steps
                 + update_steps(trace, optimizer, max_elements, precision))
        default = say("stepper.title_step")
    else:
        default = say("stepper.title")
    return _page(title or default, svg, steps, whole_step=optimizer is not None)


def html(tensor, path, title=None, params=None, gradient=None, values=True, rankdir="TB",
         max_elements=8, precision=4, optimizer=None, notation=None):
    """Write a self-contained HTML page that steps through backpropagation from `tensor`.

    With `optimizer`, the page walks the whole training step: the forward pass op by op with
    the values, the cost, the backward pass, then the optimizer's update of each parameter
    with its numbers (see training_step.py; the parameters and the optimizer are left as
    they were).

    The page holds the graph as inline SVG (rendered by graphviz's `dot`) and a little plain
    JavaScript, nothing from the network. Next/Previous (or the arrow keys) walk the nodes in
    the order backward() visits them; each step highlights the node being processed and shows
    its upstream gradient, its local derivative rule (the op's docstring in the rulebook,
    core/ops/) and the gradient it sends to each input (shape, and the numbers for small tensors).

    Args:
        tensor: the root (usually the scalar cost); its graph must not be released yet.
        path: the .html file to write.
        title: the page title (default "Backpropagation step by step").
        params: a module or a dict name -> tensor to label parameters.
        gradient: ∂C/∂tensor when tensor is not a scalar.
        values: show each tensor's value in the picture.
        rankdir: "TB" or "LR".
        max_elements, precision: how numbers are shown (see `summarize`).
        optimizer: the optimizer of the parameters: add the forward pass and its update.
        notation: None, or "lecture" for the lecture's names (x, wˡ, bˡ, zˡ, aˡ, y(x), C).

    Returns:
        The path written.

    Raises:
        GraphvizNotFound: `dot` is missing (the SVG cannot be made; see to_dot for the text).
        ValueError: `tensor` is a leaf, so there is nothing to step through.

    Example:
        >>> tg.viz.html(loss, "runs/stepper.html")     # .grad is left untouched
        >>> tg.viz.html(loss, "runs/step.html", optimizer=opt)   # the whole training step
    """
    page = page_text(tensor, title=title, params=params, gradient=gradient, values=values,
                     rankdir=rankdir, max_elements=max_elements, precision=precision,
                     optimizer=optimizer, notation=notation)
    path = os.fspath(path)
    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, exist_ok=True)
    with open(path, "w", encoding="utf-8") as file:
        file.write(page)
    return path
