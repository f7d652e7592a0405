"""Tests for tinygrad_edu.viz: the DOT text of known graphs, labels, the backward view, collapsing modules, rendering with graphviz, and the stepper page (without a browser)."""

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn, viz
from tinygrad_edu.core.autograd import topological_order

HAVE_DOT = shutil.which("dot") is not None
needs_dot = pytest.mark.skipif(not HAVE_DOT, reason="graphviz's `dot` is not installed "
                                                    "(sudo apt-get install graphviz)")

NODE = re.compile(r'^\s*(\w+) \[id="(\w+)", label="((?:[^"\\]|\\.)*)"(.*)\];$', re.MULTILINE)
EDGE = re.compile(r'^\s*(\w+) -> (\w+) \[(.*)\];$', re.MULTILINE)


def parse(dot):
    """({node id: (label, rest of attributes)}, [(tail, head, attributes)]) of our DOT text."""
    nodes = {m.group(1): (m.group(3).replace("\\n", "\n"), m.group(4)) for m in NODE.finditer(dot)}
    edges = [(m.group(1), m.group(2), m.group(3)) for m in EDGE.finditer(dot)]
    return nodes, edges


def attribute(attributes, key):
    match = re.search(key + r'="((?:[^"\\]|\\.)*)"', attributes)
    return None if match is None else match.group(1).replace("\\n", "\n")


def node_with_label(nodes, first_line):
    found = [k for k, (label, _) in nodes.items() if label.split("\n")[0] == first_line]
    assert len(found) == 1, (first_line, nodes)
    return found[0]


def square_sum():
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True, name="x")
    return x, (x * x).sum()


# ---------------------------------------------------------------------------------------------
# DOT text of known graphs
# ---------------------------------------------------------------------------------------------

def test_reused_tensor_has_two_edges_into_mul():
    x, loss = square_sum()
    nodes, edges = parse(viz.to_dot(loss))
    x_id = node_with_label(nodes, "x")
    mul_id = node_with_label(nodes, "Mul")
    sum_id = node_with_label(nodes, "Sum")
    into_mul = [e for e in edges if e[0] == x_id and e[1] == mul_id]
    assert len(into_mul) == 2
    assert sorted(attribute(e[2], "label") for e in into_mul) == ["a", "b"]
    # data flows x -> Mul -> t -> Sum -> root, nothing else
    product = next(h for t, h, _ in edges if t == mul_id)
    assert (product, sum_id) in {(t, h) for t, h, _ in edges}
    root = next(h for t, h, _ in edges if t == sum_id)
    assert len(nodes) == 5 and len(edges) == 5
    assert "(3,) float32" in nodes[x_id][0] and "() float32" in nodes[root][0]
    assert "bold" in nodes[root][1]  # the root stands out


def test_broadcast_goes_through_an_expand_node():
    x = tg.tensor(np.ones((2, 3), dtype=np.float32), requires_grad=True, name="x")
    b = tg.tensor([1.0, 2.0, 3.0], requires_grad=True, name="b")
    nodes, edges = parse(viz.to_dot((x + b).sum()))
    b_id, x_id = node_with_label(nodes, "b"), node_with_label(nodes, "x")
    expand, add = node_with_label(nodes, "Expand"), node_with_label(nodes, "Add")
    pairs = {(t, h) for t, h, _ in edges}
    expanded = next(h for t, h in pairs if t == expand)
    assert (b_id, expand) in pairs and (expanded, add) in pairs and (x_id, add) in pairs
    assert (b_id, add) not in pairs
    assert "(2, 3) float32" in nodes[expanded][0]


def test_the_picture_shows_exactly_what_backward_visits():
    x = tg.randn(4, 3, requires_grad=True)
    w = tg.randn(3, 2, requires_grad=True)
    a = (x @ w).tanh()
    loss = (a * 2.0 + a.exp()).mean()
    nodes, edges = parse(viz.to_dot(loss))
    ops = sorted(label for k, (label, _) in nodes.items() if k.startswith("op"))
    assert ops == sorted(t.grad_fn.name for t in topological_order(loss))
    # every op node has exactly one outgoing edge, into its output tensor
    for k in nodes:
        if k.startswith("op"):
            assert [h for t, h, _ in edges if t == k] == ["t" + k[2:]]


def test_ids_are_the_svg_ids_and_unique():
    _, loss = square_sum()
    dot = viz.to_dot(loss)
    nodes, edges = parse(dot)
    assert all(f'id="{k}"' in dot for k in nodes)
    edge_ids = [attribute(a, "id") for _, _, a in edges]
    assert len(set(edge_ids)) == len(edge_ids)


def test_leaf_root_is_one_node():
    x = tg.tensor([1.0], requires_grad=True, name="alone")
    nodes, edges = parse(viz.to_dot(x))
    assert list(nodes) == ["t0"] and edges == []


# ---------------------------------------------------------------------------------------------
# Labels: names, values, gradients
# ---------------------------------------------------------------------------------------------

def test_parameter_names_from_the_module_and_from_params():
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3), nn.Sigmoid(), nn.Linear(3, 2))
    loss = model(tg.randn(5, 4)).sum()
    nodes, _ = parse(viz.to_dot(loss))
    firsts = {label.split("\n")[0] for label, _ in nodes.values()}
    assert {"0.weight", "0.bias", "2.weight", "2.bias"} <= firsts     # named by nn.Module
    w = tg.randn(3, 2, requires_grad=True)
    nodes, _ = parse(viz.to_dot((tg.randn(1, 3) @ w).sum(), params={"fc1.weight": w}))
    assert "fc1.weight" in {label.split("\n")[0] for label, _ in nodes.values()}


def test_values_scalar_small_and_large():
    small = tg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True, name="small")
    large = tg.tensor(np.arange(100, dtype=np.float32).reshape(10, 10), requires_grad=True,
                      name="large")
    loss = (small.sum() + large.sum()) * 0.5
    nodes, _ = parse(viz.to_dot(loss, values=True))
    assert "value: [[1, 2],\n [3, 4]]" in nodes[node_with_label(nodes, "small")][0]
    large_label = nodes[node_with_label(nodes, "large")][0]
    assert "mean=49.5" in large_label and "min=0" in large_label and "max=99" in large_label
    root = next(k for k, (_, rest) in nodes.items() if "bold" in rest)
    assert "value: 2480" in nodes[root][0]                        # (10 + 4950) / 2


def test_gradients_option_shows_dot_grad():
    x, loss = square_sum()
    nodes, _ = parse(viz.to_dot(loss, gradients=True))
    assert "grad: None" in nodes[node_with_label(nodes, "x")][0]
    loss.backward(retain_graph=True)
    nodes, _ = parse(viz.to_dot(loss, gradients=True))
    assert "grad: [2, 4, 6]" in nodes[node_with_label(nodes, "x")][0]


def test_quotes_and_backslashes_in_names_are_escaped():
    x = tg.tensor([1.0], requires_grad=True, name='say "hi" \\ bye')
    dot = viz.to_dot((x * 2.0).sum())
    assert 'label="say \\"hi\\" \\\\ bye' in dot
    if HAVE_DOT:
        subprocess.run(["dot", "-Tsvg"], input=dot.encode(), check=True, capture_output=True)


def test_rankdir_and_bad_options():
    _, loss = square_sum()
    assert 'rankdir="LR"' in viz.to_dot(loss, rankdir="LR")
    assert 'rankdir="TB"' in viz.to_dot(loss)
    with pytest.raises(ValueError, match="rankdir"):
        viz.to_dot(loss, rankdir="sideways")
    with pytest.raises(ValueError, match="collapse_style"):
        viz.to_dot(loss, collapse_style="blob")
    with pytest.raises(TypeError, match="Tensor"):
        viz.to_dot(np.ones(3))


# ---------------------------------------------------------------------------------------------
# The backward view
# ---------------------------------------------------------------------------------------------

def test_backward_view_edges_carry_gradients_and_nodes_their_adjoints():
    x = tg.tensor([1.0, -2.0], requires_grad=True, name="x")
    w = tg.tensor([0.5, 3.0], requires_grad=True, name="w")
    h = x * w
    loss = h.sigmoid().sum()
    nodes, edges = parse(viz.to_dot(loss, backward=True))
    s = 1 / (1 + np.exp(-(x.numpy() * w.numpy())))
    delta_h = s * (1 - s)
    x_id, w_id = node_with_label(nodes, "x"), node_with_label(nodes, "w")
    mul = node_with_label(nodes, "Mul")
    x_edge = next(a for t, h_, a in edges if t == x_id and h_ == mul)
    w_edge = next(a for t, h_, a in edges if t == w_id and h_ == mul)

    def numbers(text):
        return [float(v) for v in re.findall(r"-?\d+\.?\d*(?:e-?\d+)?", text.split(":", 1)[1])]

    np.testing.assert_allclose(numbers(attribute(x_edge, "label")), delta_h * w.numpy(), rtol=1e-3)
    np.testing.assert_allclose(numbers(attribute(w_edge, "label")), delta_h * x.numpy(), rtol=1e-3)
    assert attribute(x_edge, "label").startswith("∂C/∂x:")
    assert attribute(x_edge, "dir") == "back"
    h_node = next(k for k, (label, _) in nodes.items()
                  if k.startswith("t") and k != x_id and "(2,)" in label and "δ:" in label
                  and np.allclose(numbers("δ:" + label.split("δ:")[1]), delta_h, rtol=1e-3))
    assert h_node
    assert "δ: 1" in next(label for label, rest in nodes.values() if "bold" in rest)
    assert x.grad is None and w.grad is None                       # .grad untouched


def test_backward_view_sums_the_two_edges_of_a_reused_tensor():
    x, loss = square_sum()
    x.grad = tg.tensor([7.0, 7.0, 7.0])
    nodes, edges = parse(viz.to_dot(loss, backward=True))
    x_id = node_with_label(nodes, "x")
    labels = [attribute(a, "label") for t, _, a in edges if t == x_id]
    assert labels == ["∂C/∂x: [1, 2, 3]"] * 2                     # each edge: δ(out) ⊙ other
    assert "δ: [2, 4, 6]" in nodes[x_id][0]                        # the sum
    np.testing.assert_array_equal(x.grad.numpy(), [7.0, 7.0, 7.0])  # user's .grad unchanged


def test_backward_view_of_a_released_graph_says_how_to_fix_it():
    _, loss = square_sum()
    loss.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        viz.to_dot(loss, backward=True)


def test_backward_view_of_non_scalar_root_needs_gradient():
    x = tg.tensor([1.0, 2.0], requires_grad=True, name="x")
    y = x * 3.0
    with pytest.raises(RuntimeError, match="gradient="):
        viz.to_dot(y, backward=True)
    nodes, _ = parse(viz.to_dot(y, backward=True, gradient=tg.tensor([1.0, 10.0])))
    assert "δ: [3, 30]" in nodes[node_with_label(nodes, "x")][0]


# ---------------------------------------------------------------------------------------------
# Collapsing modules
# ---------------------------------------------------------------------------------------------

def lecture_like_net():
    tg.manual_seed(1)
    model = nn.Sequential(nn.Linear(6, 4), nn.Sigmoid(), nn.Linear(4, 3), nn.Sigmoid())
    loss = nn.QuadraticCost()(model(tg.randn(5, 6)), tg.rand(5, 3))
    return model, loss


def test_collapse_model_draws_one_box_per_layer():
    model, loss = lecture_like_net()
    nodes, edges = parse(viz.to_dot(loss, collapse=model))
    boxes = {k: label for k, (label, _) in nodes.items() if k.startswith("m")}
    assert sorted(label.split("\n")[0] for label in boxes.values()) == \
        ["0: Linear(6→4)", "2: Linear(4→3)"]
    firsts = {label.split("\n")[0] for label, _ in nodes.values()}
    assert not firsts & {"0.weight", "0.bias", "2.weight", "2.bias", "Linear"}
    first_box = next(k for k, label in boxes.items() if label.startswith("0:"))
    second_box = next(k for k, label in boxes.items() if label.startswith("2:"))
    assert "out (5, 4)" in boxes[first_box]
    # input -> box 0 -> Sigmoid -> ... -> box 2
    sigmoids = [k for k, (label, _) in nodes.items() if label == "Sigmoid"]
    assert len(sigmoids) == 2
    pairs = {(t, h) for t, h, _ in edges}
    assert any((first_box, s) in pairs for s in sigmoids)
    assert any(h == second_box for _, h in pairs)
    assert not any(t == h for t, h in pairs)


def test_collapse_a_list_of_modules_and_cluster_style():
    model, loss = lecture_like_net()
    nodes, _ = parse(viz.to_dot(loss, collapse=[model[2]]))
    firsts = {label.split("\n")[0] for label, _ in nodes.values()}
    assert "2: Linear(4→3)" in firsts and "0.weight" in firsts and "2.weight" not in firsts
    dot = viz.to_dot(loss, collapse=model, collapse_style="cluster")
    assert dot.count("subgraph cluster_") == 2 and 'label="0: Linear(6→4)"' in dot
    assert "0.weight" in dot                                        # inside, still drawn
    if HAVE_DOT:
        subprocess.run(["dot", "-Tsvg"], input=dot.encode(), check=True, capture_output=True)


def test_collapse_unfused_layer_keeps_matmul_and_bias_add_in_the_box():
    w = nn.Parameter(np.ones((3, 2), dtype=np.float32))
    b = nn.Parameter(np.zeros(3, dtype=np.float32))
    layer = nn.Module()
    layer.weight, layer.bias = w, b
    x = tg.randn(4, 2)
    loss = (x @ w.T + b).sigmoid().sum()
    nodes, _ = parse(viz.to_dot(loss, collapse=[layer], params={"fc.weight": w, "fc.bias": b}))
    labels = sorted(label.split("\n")[0] for label, _ in nodes.values())
    assert "fc: Module" in labels
    assert not {"MatMul", "Permute", "Expand", "Add"} & set(labels)
    assert "Sigmoid" in labels and "Sum" in labels


def test_collapse_rejects_a_non_module():
    _, loss = square_sum()
    with pytest.raises(TypeError, match="collapse"):
        viz.to_dot(loss, collapse=[object()])


# ---------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------

@needs_dot
def test_draw_svg_png_pdf(tmp_path):
    model, loss = lecture_like_net()
    svg = viz.draw(loss, tmp_path / "graph.svg", values=True, params=model)
    root = ElementTree.parse(svg).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    ids = {g.get("id") for g in root.iter("{http://www.w3.org/2000/svg}g")}
    nodes, edges = parse(viz.to_dot(loss, values=True, params=model))
    assert set(nodes) <= ids and {attribute(a, "id") for _, _, a in edges} <= ids
    texts = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    assert "0.weight" in texts and "Sigmoid" in texts
    png = viz.draw(loss, tmp_path / "graph.png", backward=True)
    with open(png, "rb") as file:
        assert file.read(8) == b"\x89PNG\r\n\x1a\n"
    pdf = viz.draw(loss, tmp_path / "graph", format="pdf", collapse=model)
    assert pdf.endswith("graph.pdf")
    with open(pdf, "rb") as file:
        assert file.read(5) == b"%PDF-"
    text = viz.draw(loss, tmp_path / "graph.dot")
    with open(text, encoding="utf-8") as file:
        assert file.read() == viz.to_dot(loss)


def test_draw_rejects_an_unknown_format(tmp_path):
    _, loss = square_sum()
    with pytest.raises(ValueError, match="svg, png, pdf"):
        viz.draw(loss, tmp_path / "graph.gif")


def test_without_dot_draw_writes_the_dot_file_and_says_how_to_install(tmp_path, monkeypatch):
    _, loss = square_sum()
    empty = tmp_path / "empty_bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    with pytest.raises(viz.GraphvizNotFound) as info:
        viz.draw(loss, tmp_path / "out" / "graph.svg")
    assert isinstance(info.value, RuntimeError)
    message = str(info.value)
    assert "sudo apt-get install graphviz" in message
    fallback = tmp_path / "out" / "graph.dot"
    assert str(fallback) in message and not (tmp_path / "out" / "graph.svg").exists()
    assert fallback.read_text(encoding="utf-8") == viz.to_dot(loss)
    with pytest.raises(viz.GraphvizNotFound, match="apt-get install graphviz"):
        viz.html(loss, tmp_path / "page.html")
    assert "digraph" in viz.to_dot(loss)                             # the text needs nothing


# ---------------------------------------------------------------------------------------------
# The stepper page (its behaviour in a browser: test_stepper_browser.py)
# ---------------------------------------------------------------------------------------------

@needs_dot
def test_html_is_self_contained_and_lists_every_step(tmp_path):
    x, loss = square_sum()
    path = viz.html(loss, tmp_path / "stepper.html", title="x <squared>")
    page = open(path, encoding="utf-8").read()
    assert "<svg" in page and "<?xml" not in page and "<!DOCTYPE svg" not in page
    assert "x &lt;squared&gt;" in page
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=", page)
    addresses = set(re.findall(r"https?://[^\s\"'<>)]+", page))
    assert addresses <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
    data = page.split('<script type="application/json" id="steps-data">')[1].split("</script>")[0]
    steps = json.loads(data)
    assert [s["op"] for s in steps] == ["Sum", "Mul"]
    mul = steps[1]
    assert [s["equation"] for s in mul["sent"]] == ["δ(x) = δ(t1) ⊙ x", "δ(x) += δ(t1) ⊙ x"]
    assert [s["value"] for s in mul["sent"]] == ["[1, 2, 3]"] * 2
    assert mul["rule"].startswith("out = a ⊙ b") and "∂out/∂a = b" in mul["rule"]
    for s in steps:
        assert f'id="{s["op_node"]}"' in page and f'id="{s["tensor_node"]}"' in page
        for sent in s["sent"]:
            assert f'id="{sent["edge"]}"' in page
    assert x.grad is None


@needs_dot
def test_html_escapes_script_end_inside_names(tmp_path):
    x = tg.tensor([1.0], requires_grad=True, name="</script><b>")
    page = open(viz.html((x * x).sum(), tmp_path / "p.html"), encoding="utf-8").read()
    data = page.split('id="steps-data">')[1].split("</script>")[0]
    assert json.loads(data)[1]["sent"][0]["parent_label"] == "</script><b>"


@needs_dot
def test_html_json_block_cannot_end_or_hide_its_script(tmp_path):
    # "</script>" would end the JSON block; "<!--<script>" would hide the real end tag
    x = tg.tensor([1.0], requires_grad=True, name="</script><!--<script>")
    y = x * x
    y.name = "</SCRIPT >"
    page = open(viz.html(y.sum(), tmp_path / "p.html"), encoding="utf-8").read()
    data = page.split('<script type="application/json" id="steps-data">')[1].split("</script>")[0]
    assert "<" not in data and "</" not in data
    steps = json.loads(data)
    assert steps[0]["sent"][0]["parent_label"] == "</SCRIPT >"
    assert steps[1]["sent"][0]["parent_label"] == "</script><!--<script>"
    assert page.lower().count("</script") == 2                       # the JSON block, the script


@needs_dot
def test_html_is_one_offline_file_built_from_the_package_template(tmp_path):
    from importlib.resources import files

    _, loss = square_sum()
    page = open(viz.html(loss, tmp_path / "p.html"), encoding="utf-8").read()
    script = (files("tinygrad_edu.lens") / "stepper.js").read_text(encoding="utf-8")
    assert "</script" not in script.lower()                          # safe to inline
    assert "<script>\n" + script + "\n</script>" in page                # inlined, not linked
    assert not re.search(r"__(TITLE|SVG|STEPS|SCRIPT)__", page)
    assert not re.search(r"\b(src|href)\s*=", page, re.IGNORECASE)    # nothing loaded
    assert not re.search(r"@import|url\(|fetch\(|XMLHttpRequest", page)
    addresses = set(re.findall(r"(?:https?:)?//[\w.-]+\.[a-z]{2,}[^\s\"'<>)]*", page))
    assert addresses <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}


def test_viz_html_is_the_stepper_and_viz_imports_without_it():
    from tinygrad_edu.lens import stepper

    assert tg.viz.html.__module__ == "tinygrad_edu.lens.viz" and "html" in viz.__all__
    assert "stepper.html" in viz.html.__doc__ and stepper.__all__ == ["html", "page_text", "stepper_steps"]
    code = ("import sys, tinygrad_edu.lens.viz; "
            "assert 'tinygrad_edu.lens.stepper' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_html_of_a_leaf_has_nothing_to_step(tmp_path):
    with pytest.raises(ValueError, match="leaf"):
        viz.html(tg.tensor([1.0], requires_grad=True), tmp_path / "p.html")
    assert not os.path.exists(tmp_path / "p.html")


# ---------------------------------------------------------------------------------------------
# The gradient-flow plot (tinygrad_edu.plots): the learner's view of training
# ---------------------------------------------------------------------------------------------

from tinygrad_edu import plots  # noqa: E402


def sigmoid_stack(sizes, seed=0):
    tg.manual_seed(seed)
    modules = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        modules += [nn.Linear(fan_in, fan_out), nn.Sigmoid()]
    return nn.init.init_lecture(nn.Sequential(*modules))


def one_step(model, x, y):
    model.zero_grad()
    nn.CrossEntropyCost()(model(x), y).backward()


def test_recorder_records_the_norm_of_each_layer():
    model = sigmoid_stack([4, 3, 2])
    x, y = tg.randn(5, 4), tg.rand(5, 2)
    recorder = plots.GradientFlowRecorder(model)
    assert recorder.labels == ["0: Linear(4→3)", "2: Linear(3→2)"]
    with pytest.raises(RuntimeError, match="after loss.backward"):
        recorder.record()
    one_step(model, x, y)
    norms = recorder.record()
    assert norms["0: Linear(4→3)"] == pytest.approx(np.linalg.norm(model[0].bias.grad.numpy()))
    assert norms["2: Linear(3→2)"] == pytest.approx(np.linalg.norm(model[2].bias.grad.numpy()))
    weights = plots.layer_gradient_norms(model, "weight")
    assert weights["0: Linear(4→3)"] == pytest.approx(
        np.linalg.norm(model[0].weight.grad.numpy()))
    both = plots.layer_gradient_norms(model, "all")["2: Linear(3→2)"]
    assert both == pytest.approx(np.hypot(np.linalg.norm(model[2].weight.grad.numpy()),
                                          np.linalg.norm(model[2].bias.grad.numpy())))
    one_step(model, x * 2, y)
    recorder.record()
    assert recorder.norms.shape == (2, 2) and len(recorder) == 2
    np.testing.assert_allclose(list(recorder.mean_norms().values()), recorder.norms.mean(axis=0))
    summary = recorder.summary().splitlines()
    assert "over 2 steps" in summary[0] and summary[-1].startswith("2: Linear(3→2)")
    assert summary[-1].split()[-1] == "1"
    with pytest.raises(ValueError, match="quantity"):
        plots.GradientFlowRecorder(model, quantity="mean")
    with pytest.raises(TypeError, match="model"):
        plots.gradient_flow(tg.tensor([1.0]))


def test_deep_sigmoid_network_gradients_vanish_towards_the_input():
    """Nielsen ch. 5: ‖∂C/∂bˡ‖ grows from the first hidden layer to the last, step after step."""
    from tinygrad_edu.data import load_mnist
    images, targets = load_mnist("train", one_hot=True, subset=60).tensors
    model = sigmoid_stack([784, 30, 30, 30, 30, 10])
    recorder = plots.GradientFlowRecorder(model)
    for start in range(0, 60, 10):
        one_step(model, images[start:start + 10], targets[start:start + 10])
        recorder.record()
        with tg.no_grad():
            for p in model.parameters():
                p.numpy()[...] -= 0.1 * p.grad.numpy()
    hidden = recorder.norms[:, :-1]
    assert (np.diff(hidden, axis=1) > 0).all()                     # every step, every layer
    means = list(recorder.mean_norms().values())
    assert means[3] / means[0] > 20                                # the first learns far slower
    assert plots.gradient_flow(model) == plots.layer_gradient_norms(model)


def test_plots_are_written(tmp_path):
    pytest.importorskip("matplotlib")
    model = sigmoid_stack([4, 3, 3, 2])
    recorder = plots.GradientFlowRecorder(model)
    for seed in range(3):
        one_step(model, tg.randn(6, 4), tg.rand(6, 2))
        recorder.record()
    path = recorder.plot(tmp_path / "flow.png")
    with open(path, "rb") as file:
        assert file.read(8) == b"\x89PNG\r\n\x1a\n"
    figure = recorder.plot()
    assert [line.get_label() for line in figure.axes[0].get_lines()] == recorder.labels
    assert figure.axes[0].get_yscale() == "log"
    norms = plots.gradient_flow(recorder, tmp_path / "sub" / "again.svg")
    assert norms == recorder.mean_norms()
    assert (tmp_path / "sub" / "again.svg").read_text().lstrip().startswith("<?xml")
    plots.gradient_flow(model, tmp_path / "bars.png")
    assert (tmp_path / "bars.png").stat().st_size > 1000


def test_without_matplotlib_plotting_says_how_to_install(monkeypatch):
    import sys
    for name in ("matplotlib", "matplotlib.figure", "matplotlib.backends.backend_agg"):
        monkeypatch.setitem(sys.modules, name, None)
    model = sigmoid_stack([3, 2])
    one_step(model, tg.randn(2, 3), tg.rand(2, 2))
    recorder = plots.GradientFlowRecorder(model)
    recorder.record()
    with pytest.raises(ImportError, match=r"pip install tinygrad-edu\[plot\]"):
        recorder.plot()
    assert plots.gradient_flow(recorder) == recorder.mean_norms()  # numbers need no matplotlib
