"""The backprop stepper page (tg.viz.html) driven in a real headless Chromium: every step's highlighted node, rule text and numbers, Next and Previous, the arrow keys."""

import os
import re

import numpy as np
import pytest

from _browser import headless_chromium

import tinygrad_edu as tg
from tinygrad_edu import nn, viz
from tinygrad_edu.lens.explain import summarize, trace_backward

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser():
    yield from headless_chromium("the stepper page")


def text_of(driver, element_id):
    return driver.execute_script(f"return document.getElementById({element_id!r}).textContent;")


def classed(driver, cls):
    return driver.execute_script(
        f"return Array.from(document.querySelectorAll('#graph .{cls}')).map(e => e.id).sort();")


def shown_step(driver):
    """Everything the panel shows, read from the DOM."""
    sent = driver.execute_script("""
        return Array.from(document.querySelectorAll('#sent li')).map(li => ({
            parent: li.getAttribute('data-parent'),
            equation: li.querySelector('.equation').textContent,
            gradient: li.querySelector('.gradient').textContent,
            numbers: li.querySelector('pre').textContent}));""")
    return {
        "counter": text_of(driver, "step-counter"),
        "node": text_of(driver, "node-id"),
        "op": text_of(driver, "op-name"),
        "output": text_of(driver, "output-label"),
        "upstream": text_of(driver, "upstream"),
        "upstream_shape": text_of(driver, "upstream-shape"),
        "rule": text_of(driver, "rule"),
        "sent": sent,
        "current": classed(driver, "current"),
        "upstream_node": classed(driver, "upstream"),
        "receiving": classed(driver, "receiving"),
        "sending": classed(driver, "sending"),
        "done": classed(driver, "done"),
        "prev_disabled": driver.execute_script("return document.getElementById('prev').disabled;"),
        "next_disabled": driver.execute_script("return document.getElementById('next').disabled;"),
    }


def neuron():
    x = tg.tensor([1.0, -2.0], requires_grad=True, name="x")
    w = tg.tensor([0.5, 3.0], requires_grad=True, name="w")
    b = tg.tensor(0.25, requires_grad=True, name="b")
    h = x * w + b
    h.name = "h"
    a = h.sigmoid()
    a.name = "a"
    cost = a.sum()
    cost.name = "C"
    return x, w, b, cost


def test_click_through_every_step_and_back(browser, tmp_path):
    x, w, b, cost = neuron()
    page = viz.html(cost, tmp_path / "stepper.html")
    trace = trace_backward(cost)
    steps = trace.steps
    # independent numbers (numpy): C = Σ σ(x·w + b)
    s = 1 / (1 + np.exp(-(x.numpy() * w.numpy() + b.numpy())))
    delta_h = s * (1 - s)
    expected_sent = {
        "Sum": {"a": [1.0, 1.0]},
        "Sigmoid": {"h": delta_h},
        "Add": {"t4": delta_h, "t1": delta_h},
        "Mul": {"x": delta_h * w.numpy(), "w": delta_h * x.numpy()},
        "Expand": {"b": [delta_h.sum()]},
    }
    assert sorted(expected_sent) == sorted(step.op for step in steps)

    browser.get("file://" + os.path.abspath(page))
    total = len(steps)
    for index, step in enumerate(steps):
        if index:
            browser.find_element("id", "next").click()
        shown = shown_step(browser)
        position = trace.positions[id(step.node)]
        assert shown["counter"] == f"step {index + 1} of {total}"
        assert shown["node"] == f"op{position}" and shown["op"] == step.op
        assert shown["current"] == [f"op{position}"]                    # the highlighted node
        assert shown["upstream_node"] == [f"t{position}"]
        assert shown["output"] == trace.labels[id(step.node)]
        assert shown["rule"] == step.node.grad_fn.rule_text()          # from ops.py
        assert shown["upstream"] == summarize(step.upstream, one_line=False)
        assert shown["upstream_shape"] == str(tuple(step.node.shape))
        assert shown["done"] == sorted(f"op{trace.positions[id(s.node)]}" for s in steps[:index])
        assert shown["prev_disabled"] == (index == 0)
        assert shown["next_disabled"] == (index == total - 1)
        wanted = expected_sent[step.op]
        assert sorted(item["equation"].split(" = ")[0] for item in shown["sent"]) == \
            sorted(f"δ({label})" for label in wanted)
        for item in shown["sent"]:
            label = re.match(r"δ\((.+?)\)", item["equation"]).group(1)
            numbers = [float(v) for v in re.findall(r"-?\d+\.?\d*(?:e-?\d+)?", item["numbers"])]
            np.testing.assert_allclose(numbers, np.ravel(wanted[label]), rtol=1e-3)
            assert item["gradient"].startswith(f"to {label}, shape ")
        assert shown["sending"] == sorted(f"e{position}_{i}" for i, p in
                                          enumerate(step.node.grad_fn.parents) if p.requires_grad)
        assert shown["receiving"] == sorted(item["parent"] for item in shown["sent"])
    sigmoid = next(i for i, step in enumerate(steps) if step.op == "Sigmoid")
    # Previous goes back, one step at a time, to the first
    for index in range(total - 1, 0, -1):
        browser.find_element("id", "prev").click()
        shown = shown_step(browser)
        assert shown["counter"] == f"step {index} of {total}"
        assert shown["op"] == steps[index - 1].op
        if index - 1 == sigmoid:
            assert shown["sent"][0]["equation"] == "δ(h) = δ(a) ⊙ a ⊙ (1 − a)"
            assert "∂out/∂x = σ(x)(1 − σ(x)) = out · (1 − out)" in shown["rule"]
    assert shown_step(browser)["prev_disabled"]
    browser.find_element("id", "prev").click()                       # stays at the first step
    assert shown_step(browser)["counter"] == f"step 1 of {total}"
    # the arrow keys step too
    from selenium.webdriver.common.keys import Keys
    body = browser.find_element("tag name", "body")
    body.send_keys(Keys.ARROW_RIGHT)
    body.send_keys(Keys.ARROW_RIGHT)
    assert shown_step(browser)["counter"] == f"step 3 of {total}"
    body.send_keys(Keys.ARROW_LEFT)
    assert shown_step(browser)["op"] == steps[1].op
    assert x.grad is None                                            # the page left .grad alone


def test_large_tensors_show_summaries(browser, tmp_path):
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(20, 6), nn.Sigmoid(), nn.Linear(6, 3), nn.Sigmoid())
    cost = nn.QuadraticCost()(model(tg.randn(4, 20)), tg.rand(4, 3))
    page = viz.html(cost, tmp_path / "net.html", title="A small network")
    trace = trace_backward(cost)
    browser.get("file://" + os.path.abspath(page))
    assert browser.title == "A small network"
    last = trace.steps[-1]                                           # the first Linear layer
    for _ in range(len(trace.steps) - 1):
        browser.find_element("id", "next").click()
    shown = shown_step(browser)
    assert shown["op"] == "Linear" and shown["next_disabled"]
    weight = next(item for item in shown["sent"] if item["equation"].startswith("δ(0.weight)"))
    assert weight["equation"] == f"δ(0.weight) = δ({trace.labels[id(last.node)]})ᵀ @ t0"
    assert weight["gradient"] == "to 0.weight, shape (6, 20):"
    assert weight["numbers"].startswith("mean=") and "std=" in weight["numbers"]
    model.zero_grad()
    cost.backward()
    mean = float(re.search(r"mean=(\S+)", weight["numbers"]).group(1))
    assert mean == pytest.approx(float(model[0].weight.grad.numpy().mean()), rel=1e-3, abs=1e-7)


def test_names_that_look_like_markup_stay_text(browser, tmp_path):
    # a name that would end the JSON block, or hide its end tag, if the data were not escaped
    x = tg.tensor([1.0, 2.0], requires_grad=True, name="</script><!--<script><b>x")
    cost = (x * x).sum()
    page = viz.html(cost, tmp_path / "names.html")
    browser.get("file://" + os.path.abspath(page))
    assert browser.execute_script("return document.querySelectorAll('script').length;") == 2
    assert browser.execute_script("return document.querySelectorAll('#panel b').length;") == 0
    browser.find_element("id", "next").click()
    shown = shown_step(browser)
    assert shown["counter"] == "step 2 of 2" and shown["op"] == "Mul"
    assert [item["gradient"] for item in shown["sent"]] == \
        ["to </script><!--<script><b>x, shape (2,):"] * 2
    numbers = [float(v) for v in re.findall(r"-?\d+\.?\d*", shown["sent"][0]["numbers"])]
    assert numbers == [1.0, 2.0]                                     # δ(x) = δ(t1) ⊙ x


@pytest.mark.parametrize("optimizer", [False, True], ids=["backward", "whole step"])
def test_the_stepper_speaks_spanish_on_request(browser, tmp_path, optimizer):
    from tinygrad_edu import optim
    from tinygrad_edu.core import messages
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 1))
    cost = nn.QuadraticCost()(model(tg.tensor([[0.5, -1.0]])), tg.tensor([[1.0]]))
    options = dict(optimizer=optim.SGD(model.parameters(), lr=0.1)) if optimizer else {}
    with tg.language("es"):
        page = viz.html(cost, tmp_path / "es.html", **options)
    english = viz.html(cost, tmp_path / "en.html", **options)
    text = open(page, encoding="utf-8").read()
    assert "__" not in text.replace("__init__", "")  # every placeholder was filled
    spanish_words = {k: v for k, v in messages.catalogue("es").items() if k.startswith("stepper.")}
    english_words = {k: v for k, v in messages.catalogue("en").items() if k.startswith("stepper.")}
    for key in ("stepper.previous", "stepper.next", "stepper.node", "stepper.local_rule"):
        assert spanish_words[key] in text and english_words[key] not in text
    browser.get("file://" + os.path.abspath(page))
    counter = text_of(browser, "step-counter")
    assert re.fullmatch(r"paso 1 de \d+", counter), counter
    assert browser.find_element("id", "next").text == "Siguiente ▶"
    intro = "Un paso de entrenamiento, nodo por nodo" if optimizer else "La retropropagación visita"
    assert intro in browser.find_element("css selector", "#panel p").text
    browser.find_element("id", "next").click()
    assert re.fullmatch(r"paso 2 de \d+", text_of(browser, "step-counter"))
    browser.get("file://" + os.path.abspath(english))
    assert re.fullmatch(r"step 1 of \d+", text_of(browser, "step-counter"))
    assert browser.find_element("id", "next").text == "Next ▶"
