"""The lecture's notation in pictures and explain() (notation="lecture"), and the objects that show themselves in Jupyter: graph pictures, the stepper page, learning curves, weight images, the equations report and search results as HTML tables."""

import re
import xml.etree.ElementTree as ElementTree

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn, optim, tune
from tinygrad_edu.data import TensorDataset
from tinygrad_edu.train import fit

LABEL = re.compile(r'^\s*(t\d+) \[id="t\d+", label="((?:[^"\\]|\\.)*)"', re.MULTILINE)


def lecture_cost(hidden_layers=1, seed=0):
    tg.manual_seed(seed)
    sizes = [4] + [3] * hidden_layers + [2]
    layers = []
    for n_in, n_out in zip(sizes, sizes[1:]):
        layers += [nn.Linear(n_in, n_out), nn.Sigmoid()]
    net = nn.Sequential(*layers)
    x, y = tg.randn(5, 4), tg.rand(5, 2)
    return net, x, y, nn.QuadraticCost()(net(x), y)


def dot_labels(dot):
    return {node: label.replace("\\n", "\n") for node, label in LABEL.findall(dot)}


def test_lecture_notation_labels_every_tensor_of_a_sequential():
    net, x, y, cost = lecture_cost(hidden_layers=2)
    labels = dot_labels(tg.viz.to_dot(cost, notation="lecture"))
    firsts = [label.split("\n")[0] for label in labels.values()]
    assert firsts == ["x", "w²", "b²", "z²", "a²", "w³", "b³", "z³", "a³", "w⁴", "b⁴", "z⁴",
                      "a⁴", "y(x)", "C"]
    plain = [label.split("\n")[0] for label in dot_labels(tg.viz.to_dot(cost)).values()]
    assert "0.weight" in plain and "z²" not in plain  # the default stays as it was
    # shapes confirm the numbering: w³ is the second Linear's (3, 3) weight
    assert "(3, 3)" in labels[[k for k, v in labels.items() if v.startswith("w³")][0]]


def test_lecture_notation_in_the_backward_view_names_each_delta():
    net, x, y, cost = lecture_cost()
    labels = dot_labels(tg.viz.to_dot(cost, notation="lecture", backward=True))
    z2 = [v for v in labels.values() if v.startswith("z²")][0]
    assert "δ² = ∂C/∂z²:" in z2
    w3 = [v for v in labels.values() if v.startswith("w³")][0]
    assert "∂C/∂w³:" in w3
    # the δ shown at z² is BP2's δ² (autograd's ∂C/∂z² of the averaged cost)
    terms = tg.equations.closed_form(net, x, y, "quadratic")
    trace = tg.explain.trace_backward(cost, notation="lecture")
    z_node = [t for t in trace.tensors if trace.label(t) == "z²"][0]
    assert trace.adjoint(z_node).numpy() * 5 == pytest.approx(terms.deltas[0], abs=1e-6)


def test_explain_reads_in_the_lecture_notation():
    _, _, _, cost = lecture_cost()
    text = cost.explain(notation="lecture")
    assert "δ(z³) = δ(a³) ⊙ a³ ⊙ (1 − a³)" in text          # BP1's σ′ factor
    assert "δ(a²) = δ(z³) @ w³" in text                      # BP2's (w³)ᵀδ³ in row form
    assert "δ(w²) = δ(z²)ᵀ @ x" in text and "Backpropagation from C" in text
    with pytest.raises(ValueError, match="notation must be None or 'lecture'"):
        cost.explain(notation="nielsen")


def test_notation_leaves_other_graphs_readable():
    x = tg.tensor([1.0, 2.0], requires_grad=True, name="x")
    labels = dot_labels(tg.viz.to_dot((x * x).sum(), notation="lecture"))
    assert [v.split("\n")[0] for v in labels.values()] == ["x", "t1", "C"]


def test_graph_picture_renders_inline_through_graphviz():
    _, _, _, cost = lecture_cost()
    picture = tg.viz.graph(cost, notation="lecture", backward=True)
    svg = picture._repr_svg_()
    root = ElementTree.fromstring(svg)
    assert root.tag.endswith("svg")
    texts = "".join(root.itertext())
    for label in ("z²", "a³", "y(x)", "δ² = ∂C/∂z²"):
        assert label in texts
    bundle = picture._repr_mimebundle_()
    assert bundle["image/svg+xml"] == svg and "GraphPicture" in bundle["text/plain"]
    assert picture.labels[-1] == "C" and picture.source.startswith("digraph")


def test_graph_picture_without_dot_falls_back_to_text(monkeypatch):
    _, _, _, cost = lecture_cost()
    picture = tg.viz.graph(cost)
    monkeypatch.setenv("PATH", "/nonexistent")
    bundle = picture._repr_mimebundle_()
    assert "image/svg+xml" not in bundle and "digraph" in bundle["text/plain"]
    with pytest.raises(tg.viz.GraphvizNotFound, match="apt-get install graphviz"):
        picture.svg()


def test_stepper_page_inline_is_the_same_page_in_an_iframe(tmp_path):
    _, _, _, cost = lecture_cost()
    page = tg.viz.stepper(cost, notation="lecture")
    inline = page._repr_html_()
    assert inline.startswith("<iframe srcdoc=") and "allow-scripts" in inline
    assert "&lt;svg" in inline and "<svg" not in inline          # escaped inside the attribute
    written = tg.viz.html(cost, tmp_path / "page.html", notation="lecture")
    assert open(written, encoding="utf-8").read() == page.html
    assert "z²" in page.html


def test_history_plot_draws_the_learning_curves(tmp_path):
    tg.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 3), nn.Sigmoid(), nn.Linear(3, 2), nn.Sigmoid())
    data = TensorDataset(tg.randn(40, 4), tg.randint(0, 2, (40,)))
    history = fit(net, data, nn.CrossEntropyCost(), optim.SGD(net.parameters(), lr=0.5),
                  epochs=3, val_data=data, train_accuracy=True, progress=False)
    figure = history.plot()
    cost, accuracy = figure.axes
    assert [l.get_label() for l in cost.get_lines()] == ["training cost", "validation cost"]
    assert list(cost.get_lines()[0].get_ydata()) == pytest.approx(history.train_loss)
    assert list(accuracy.get_lines()[1].get_ydata()) == pytest.approx(history.val_accuracy)
    assert history.plot(tmp_path / "curves.png").endswith("curves.png")
    with pytest.raises(TypeError, match="History"):
        tg.plots.learning_curves([1, 2])


def test_weight_images_draw_each_hidden_unit():
    tg.manual_seed(0)
    layer = nn.Linear(784, 12)
    figure = tg.plots.weight_images(layer, columns=5)
    drawn = [ax for ax in figure.axes if ax.images]
    assert len(drawn) == 12 and drawn[3].get_title() == "unit 3"
    assert np.allclose(drawn[3].images[0].get_array(), layer.weight.numpy()[3].reshape(28, 28))
    with pytest.raises(ValueError, match="784 inputs|pixels"):
        tg.plots.weight_images(nn.Linear(30, 10))


def test_equations_report_and_search_result_as_html_tables(monkeypatch):
    net, x, y, _ = lecture_cost()
    report = tg.equations.compare(net, x, y)
    table = report._repr_html_()
    assert table.count("<tr") == len(report.rows) + 1 and "BP1" in table and "agree" in table
    wrong = tg.equations.Activation(lambda z, m=None: 1 / (1 + np.exp(-z)),
                                    lambda z, m=None: 1 / (1 + np.exp(-z)))
    monkeypatch.setitem(tg.equations.ACTIVATIONS, "Sigmoid", wrong)
    bad = tg.equations.compare(net, x, y)._repr_html_()
    assert "color:#c62828" in bad and "MISMATCH" in bad
    result = tune.random_search(lambda c: c["a"] ** 2 if c["a"] < 0.9 else float("nan"),
                                {"a": tune.uniform(0, 1)}, n_trials=6, seed=0)
    html = result._repr_html_()
    assert html.count("<tr") == 7 and "best value" in html
    assert ("color:#c62828" in html) == (result.n_failed > 0)


def test_everything_shows_itself_in_a_real_jupyter_kernel(tmp_path, monkeypatch):
    """In an ipykernel (as a student's Jupyter): each object's last-line display has the
    right rich output: PNG for figures, SVG for the graph, HTML for the tables and the stepper."""
    import os
    from pathlib import Path

    import jupytext
    import nbclient

    root = Path(__file__).resolve().parent.parent
    monkeypatch.setenv("PYTHONPATH", str(root) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    monkeypatch.delenv("MPLBACKEND", raising=False)
    cells = ["import tinygrad_edu as tg\nfrom tinygrad_edu import nn, optim, tune\n"
             "from tinygrad_edu.data import TensorDataset\nfrom tinygrad_edu.train import fit\n"
             "tg.manual_seed(0)\nnet = nn.Sequential(nn.Linear(784, 4), nn.Sigmoid(), nn.Linear(4, 2), nn.Sigmoid())\n"
             "x, y = tg.rand(6, 784), tg.rand(6, 2)\ncost = nn.QuadraticCost()(net(x), y)",
             "tg.viz.graph(cost, notation='lecture', backward=True)",
             "tg.viz.stepper(cost)",
             "tg.plots.weight_images(net[0])",
             "fit(net, TensorDataset(x, y), nn.QuadraticCost(), optim.SGD(net.parameters(), lr=1.0),"
             " epochs=2, val_data=TensorDataset(x, tg.tensor([0, 1, 0, 1, 0, 1])), progress=False).plot()",
             "tg.equations.compare(net, x, y)",
             "tune.random_search(lambda c: c['a'], {'a': tune.uniform(0, 1)}, n_trials=3, seed=0)"]
    notebook = jupytext.reads("\n\n".join("# %%\n" + cell for cell in cells), fmt="py:percent")
    nbclient.NotebookClient(notebook, kernel_name="python3", timeout=120,
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    kinds = [set(cell.outputs[-1]["data"]) if cell.outputs else set() for cell in notebook.cells]
    assert "image/svg+xml" in kinds[1]
    assert "text/html" in kinds[2] and "iframe" in notebook.cells[2].outputs[-1]["data"]["text/html"]
    assert "image/png" in kinds[3] and "image/png" in kinds[4]
    assert "text/html" in kinds[5] and "<table" in notebook.cells[5].outputs[-1]["data"]["text/html"]
    assert "text/html" in kinds[6]
