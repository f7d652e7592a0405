"""Pictures that show themselves in Jupyter: the graph (SVG through the graphviz Python package) and the backprop stepper page (an iframe).

    tg.viz.graph(loss, notation="lecture", backward=True)     # the last line of a cell draws it
    tg.viz.stepper(loss)                                      # Next / Previous, inline

Outside Jupyter they are ordinary objects: `.source` is the DOT text, `.svg()` the picture,
`.save(path)` writes it, and `str()` says what they are.
"""

import html as html_text
import os

from ..core import topological_order
from .notation import lecture_labels
from .trace import graph_tensors, tensor_labels
from .viz import GraphvizNotFound, _INSTALL_HINT, render, to_dot

__all__ = ["GraphPicture", "StepperPage"]


def _graphviz_source(dot_text):
    try:
        import graphviz
    except ImportError:  # pragma: no cover - graphviz is a declared dependency
        raise GraphvizNotFound("viz.graph: the graphviz Python package is missing: pip install "
                               "graphviz") from None
    return graphviz.Source(dot_text)


class GraphPicture:
    """The graph of a tensor, drawn inline in Jupyter; made by `tg.viz.graph(tensor, **options)`.

    Attributes:
        source: the DOT text (`to_dot(tensor, **options)`).
        labels: the node labels of the tensors, in the graph's order (e.g. "w²", "z²", "C" with
            notation="lecture").
    """

    def __init__(self, tensor, **options):
        self.options = dict(options)
        self.source = to_dot(tensor, **options)
        self.labels = self._labels(tensor, options.get("notation"), options.get("params"))
        self._svg = None

    @staticmethod
    def _labels(tensor, notation, params):
        order = topological_order(tensor)
        tensors = graph_tensors([tensor], order)
        labels = tensor_labels(tensors, params)
        if notation == "lecture":
            labels.update(lecture_labels(tensor, order, tensors))
        return [labels[id(t)] for t in tensors]

    def svg(self):
        """The SVG text, rendered once with graphviz (the Python package runs `dot`)."""
        if self._svg is None:
            try:
                self._svg = _graphviz_source(self.source).pipe(format="svg").decode("utf-8")
            except Exception as error:
                if type(error).__name__ == "ExecutableNotFound":
                    raise GraphvizNotFound(f"viz.graph: graphviz's `dot` was not found; "
                                           f"{_INSTALL_HINT}") from None
                raise
        return self._svg

    def _repr_svg_(self):
        return self.svg()

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = {"text/plain": str(self)}
        try:
            bundle["image/svg+xml"] = self.svg()
        except GraphvizNotFound:
            bundle["text/plain"] += "\n(graphviz's dot is missing: showing the DOT text)\n" + \
                self.source
        return bundle

    def save(self, path, format=None):
        """Write the picture (svg, png, pdf or dot, from the extension); returns the path."""
        return render(self.source, path, format)

    def __str__(self):
        return f"GraphPicture of {len(self.labels)} tensors: {', '.join(self.labels[:12])}" + \
            (" …" if len(self.labels) > 12 else "")

    __repr__ = __str__


class StepperPage:
    """The backprop stepper page, shown inline in Jupyter in an iframe; made by `tg.viz.stepper`."""

    def __init__(self, tensor, height=620, **options):
        from .stepper import page_text
        self.html = page_text(tensor, **options)
        self.height = int(height)

    def _repr_html_(self):
        # srcdoc keeps the page self-contained (its script runs in the frame, nothing is loaded).
        return (f'<iframe srcdoc="{html_text.escape(self.html, quote=True)}" '
                f'style="width:100%;height:{self.height}px;border:1px solid #ccc" '
                f'sandbox="allow-scripts"></iframe>')

    def save(self, path):
        """Write the page (a self-contained .html file); returns the path."""
        path = os.fspath(path)
        directory = os.path.dirname(path)
        if directory:
            os.makedirs(directory, exist_ok=True)
        with open(path, "w", encoding="utf-8") as file:
            file.write(self.html)
        return path

    def __str__(self):
        return f"StepperPage ({len(self.html):,} characters of self-contained HTML)"

    __repr__ = __str__
