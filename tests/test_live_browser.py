"""The live page (tg.live) and the whole-training-step stepper driven in a real headless Chromium: curves, histograms, weight images, the graph and the decision boundary update as training runs; pause, one step and resume; the learning rate; the nudge panel's ΔC against a numeric ΔC; the static page of a finished run; every forward, backward and update step of the stepper checked against numpy."""

import os
import re
import threading
import time

import numpy as np
import pytest

from _browser import headless_chromium

import tinygrad_edu as tg
from tinygrad_edu import nn, optim, viz
from tinygrad_edu.data import DataLoader, load_mnist
from tinygrad_edu.lens.explain import summarize, trace_backward

pytestmark = pytest.mark.browser
NUMBER = r"-?\d+\.?\d*(?:e[-+]?\d+)?"


@pytest.fixture(scope="module")
def browser():
    yield from headless_chromium("the graph on the page")


class Run:
    """A model training in a thread with a Watch, until stop()."""

    def __init__(self, tmp_path, mnist=False, lr=0.5):
        tg.manual_seed(0)
        if mnist:
            images, labels = (a[:64] for a in load_mnist("train").arrays)
            self.data = tg.data.TensorDataset(images, labels)
            self.model = nn.Sequential(nn.Linear(784, 8), nn.Sigmoid(), nn.Linear(8, 10))
        else:
            self.data = tg.data.make_moons(96, noise=0.1, seed=0)
            self.model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 2))
        self.loss_fn = nn.CrossEntropyLoss()
        self.optimizer = optim.SGD(self.model.parameters(), lr=lr)
        self.watch = tg.live.watch(self.model, data=self.data, loss_fn=self.loss_fn,
                                   optimizer=self.optimizer, path=tmp_path / "run.html",
                                   every=0.05, graph_every=0.3, overhead=None, show_url=False)
        self.stopping = False
        self.thread = threading.Thread(target=self.train, daemon=True)
        self.thread.start()

    def train(self):
        loader = DataLoader(self.data, batch_size=16, shuffle=True, seed=0)
        while not self.stopping:
            for x, y in loader:
                loss = self.loss_fn(self.model(x), y)
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()
                self.watch.step(loss=loss)
                time.sleep(0.002)  # a slow loop, so the page has time to show each stage
                if self.stopping:
                    return

    def stop(self):
        self.stopping = True
        self.watch.controls.release()
        self.thread.join(30)
        return self.watch.close()


@pytest.fixture
def run(tmp_path):
    started = Run(tmp_path)
    yield started
    started.stop()


def until(condition, timeout=20, message="the page did not get there"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(message)


def attribute(driver, selector, name):
    return driver.execute_script(
        "var e = document.querySelector(arguments[0]); return e && e.getAttribute(arguments[1]);",
        selector, name)


def canvas_picture(driver, element_id):
    return driver.execute_script(f"return document.getElementById({element_id!r}).toDataURL();")


def open_live(driver, run):
    driver.get(run.watch.url)
    until(lambda: int(attribute(driver, "body", "data-update") or 0) > 0)


def test_curves_histograms_graph_and_boundary_update_as_training_runs(browser, run):
    open_live(browser, run)
    points = int(attribute(browser, "#loss-chart", "data-points"))
    first_layer = attribute(browser, '#layers tr[data-layer="1 (Tanh)"] .activation canvas',
                            "data-counts")
    first_step = int(attribute(browser, '#layers tr[data-layer="1 (Tanh)"] .activation canvas',
                               "data-step"))
    boundary = canvas_picture(browser, "boundary")
    until(lambda: int(attribute(browser, "#loss-chart", "data-points")) > points + 5)
    until(lambda: int(attribute(browser, "#graph", "data-step")) > 0)
    assert browser.execute_script("return document.querySelectorAll('#graph svg g.node').length;") > 5
    step = until(lambda: int(attribute(
        browser, '#layers tr[data-layer="1 (Tanh)"] .activation canvas', "data-step")) > first_step + 20)
    assert step
    assert attribute(browser, '#layers tr[data-layer="1 (Tanh)"] .activation canvas',
                     "data-counts") != first_layer
    gradient = attribute(browser, '#parameters tr[data-parameter="0.weight"] .grad canvas',
                         "data-counts")
    assert gradient and sum(int(c) for c in gradient.split(",")) == 16      # 8×2 weights
    saturated = browser.execute_script(
        "return document.querySelector('#layers tr[data-layer=\"1 (Tanh)\"] .saturated').textContent;")
    assert saturated.endswith("%")
    ratio = float(browser.execute_script(
        "return document.querySelector('#parameters tr[data-parameter=\"0.weight\"] .ratio').textContent;"))
    assert 0 < ratio < 1
    # the boundary changes as the toy learns, and the probe's accuracy rises
    until(lambda: canvas_picture(browser, "boundary") != boundary)
    accuracy = run.watch.state()["series"]["train accuracy (probe)"]
    until(lambda: run.watch.state()["series"]["train accuracy (probe)"][-1][1] > accuracy[0][1] + 0.05)
    assert not browser.find_element("id", "boundary-section").get_attribute("hidden")
    assert browser.find_element("id", "weights-section").get_attribute("hidden")  # not images


def test_weight_images_of_an_image_model_update(browser, tmp_path):
    run = Run(tmp_path, mnist=True, lr=1.0)
    try:
        open_live(browser, run)
        assert attribute(browser, "#weights-section", "hidden") is None
        assert browser.execute_script("return document.getElementById('weights').width;") == \
            10 * (28 * 2 + 3)
        picture, step = canvas_picture(browser, "weights"), int(attribute(browser, "#weights", "data-step"))
        until(lambda: int(attribute(browser, "#weights", "data-step")) > step + 10)
        until(lambda: canvas_picture(browser, "weights") != picture)
    finally:
        run.stop()


def test_pause_one_step_and_resume(browser, run):
    open_live(browser, run)
    browser.find_element("id", "pause").click()
    until(lambda: attribute(browser, "body", "data-paused") == "true")
    paused_at = run.watch.steps
    until(lambda: attribute(browser, "body", "data-step") == str(paused_at))
    time.sleep(0.5)
    assert run.watch.steps == paused_at                                 # training waits
    assert browser.find_element("id", "status").text == "paused"
    for k in (1, 2):
        browser.find_element("id", "one-step").click()
        until(lambda: attribute(browser, "body", "data-step") == str(paused_at + k))
        time.sleep(0.3)
        assert run.watch.steps == paused_at + k                         # exactly one step
    browser.find_element("id", "resume").click()
    until(lambda: run.watch.steps > paused_at + 20)
    until(lambda: int(attribute(browser, "body", "data-step")) > paused_at + 20)
    assert attribute(browser, "body", "data-paused") == "false"


def test_changing_the_learning_rate_changes_the_optimizers(browser, run):
    open_live(browser, run)
    field = browser.find_element("id", "lr-input")
    field.clear()
    field.send_keys("0.125")
    browser.find_element("id", "lr-set").click()
    until(lambda: run.optimizer.param_groups[0]["lr"] == 0.125)
    until(lambda: attribute(browser, "body", "data-lr") == "0.125")
    field.clear()
    field.send_keys("-1")
    browser.find_element("id", "lr-set").click()
    until(lambda: "must be > 0" in browser.find_element("id", "message").text)
    assert run.optimizer.param_groups[0]["lr"] == 0.125


def numpy_cost(weights, inputs, labels):
    """The toy's cross-entropy in float64 numpy: Linear, tanh, Linear, mean −log softmax."""
    hidden = np.tanh(inputs @ weights["0.weight"].T + weights["0.bias"])
    scores = hidden @ weights["2.weight"].T + weights["2.bias"]
    scores = scores - scores.max(axis=1, keepdims=True)
    log_probabilities = scores - np.log(np.exp(scores).sum(axis=1, keepdims=True))
    return -log_probabilities[np.arange(len(labels)), labels].mean()


def test_the_nudge_panels_delta_c_agrees_with_a_numeric_one(browser, run):
    open_live(browser, run)
    browser.find_element("id", "pause").click()
    until(lambda: attribute(browser, "body", "data-paused") == "true")
    from selenium.webdriver.support.ui import Select
    Select(browser.find_element("id", "nudge-parameter")).select_by_value("0.weight")
    for element_id, value in (("nudge-index", "5"), ("nudge-delta", "0.05")):
        field = browser.find_element("id", element_id)
        field.clear()
        field.send_keys(value)
    browser.find_element("id", "nudge-go").click()
    until(lambda: attribute(browser, "#nudge-result", "data-count") == "1")
    actual = float(attribute(browser, "#nudge-result", "data-actual"))
    predicted = float(attribute(browser, "#nudge-result", "data-predicted"))
    # the test's own ΔC, in float64, on the same probe batch and the same (paused) weights
    weights = {name: p.numpy().astype(np.float64) for name, p in run.model.named_parameters()}
    inputs, labels = (a.astype(np.float64) for a in run.watch.train_probe)
    labels = labels.astype(np.int64)
    before, original = numpy_cost(weights, inputs, labels), weights["0.weight"].flat[5]
    weights["0.weight"].flat[5] += 0.05
    numeric = numpy_cost(weights, inputs, labels) - before
    assert actual == pytest.approx(numeric, rel=2e-3, abs=2e-6)
    assert float(attribute(browser, "#nudge-result", "data-c")) == pytest.approx(before, rel=1e-5)
    # ∂C/∂w · Δw with ∂C/∂w checked by a central difference (the linearization ΔC ≈ ∂C/∂w·Δw
    # itself is only as good as Δw is small)
    h = 1e-6
    weights["0.weight"].flat[5] -= 0.05 - h
    up = numpy_cost(weights, inputs, labels)
    weights["0.weight"].flat[5] -= 2 * h
    slope = (up - numpy_cost(weights, inputs, labels)) / (2 * h)
    weights["0.weight"].flat[5] += h
    assert predicted == pytest.approx(slope * 0.05, rel=1e-2, abs=1e-8)
    shown = browser.find_element("id", "nudge-actual").text
    assert float(shown) == pytest.approx(actual, rel=1e-4)
    # the weight was put back
    assert run.model[0].weight.numpy().flat[5] == np.float32(original)


def test_the_live_page_opens_the_whole_step_stepper(browser, run):
    open_live(browser, run)
    browser.find_element("id", "stepper-open").click()
    until(lambda: (attribute(browser, "#stepper", "src") or "").startswith("/stepper?step="))
    browser.switch_to.frame(browser.find_element("id", "stepper"))
    try:
        until(lambda: browser.execute_script("return document.body && document.body.getAttribute('data-kind');") == "forward")
        counter = browser.find_element("id", "step-counter").text
        total = int(re.fullmatch(r"step 1 of (\d+)", counter).group(1))
        kinds = ["forward"]
        for index in range(2, total + 1):  # click through the whole step, to the last update
            browser.find_element("id", "next").click()
            until(lambda: browser.find_element("id", "step-counter").text == f"step {index} of {total}")
            kinds.append(browser.execute_script("return document.body.getAttribute('data-kind');"))
        # forward, the cost, backward, update, in that order, each at least once
        order = [kind for position, kind in enumerate(kinds) if kind != kinds[position - 1] or position == 0]
        assert order == ["forward", "cost", "backward", "update"], order
        assert browser.find_element("id", "next").get_attribute("disabled")
    finally:
        browser.switch_to.default_content()


def test_the_static_page_of_a_finished_run(browser, tmp_path):
    run = Run(tmp_path)
    until(lambda: run.watch.steps > 40)
    path = run.stop()
    browser.get("file://" + os.path.abspath(path))
    assert attribute(browser, "body", "data-mode") == "finished"
    series = run.watch.state()["series"]
    assert int(attribute(browser, "#loss-chart", "data-points")) == \
        len(series["loss"]) + len(series["train loss (probe)"]) > 4
    assert attribute(browser, "body", "data-step") == str(run.watch.steps)
    assert browser.find_element("id", "pause").get_attribute("disabled")
    assert browser.execute_script("return document.querySelectorAll('#graph svg').length;") == 1


def test_the_pages_own_words_in_spanish(browser, tmp_path):
    """live.js's status line and graph caption follow tg.set_language, as the page's text does."""
    with tg.language("es"):
        run = Run(tmp_path)
        until(lambda: run.watch.steps > 40)
        open_live(browser, run)
        browser.find_element("id", "pause").click()
        until(lambda: browser.find_element("id", "status").text == "en pausa")
        browser.find_element("id", "resume").click()
        until(lambda: browser.find_element("id", "status").text == "entrenando")
        path = run.stop()
    browser.get("file://" + os.path.abspath(path))
    assert browser.find_element("id", "status").text == "entrenamiento terminado (una copia estática)"
    assert browser.find_element("id", "graph-step").text.startswith("dibujado en el paso ")


# ----- the whole training step, forward, cost, backward, update --------------------------------

def numbers(text):
    return [float(v) for v in re.findall(NUMBER, text)]


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def test_click_through_the_whole_training_step(browser, tmp_path):
    tg.manual_seed(3)
    model = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 1), nn.Sigmoid())
    x, y = tg.tensor([[0.5, -1.0]], name="x"), tg.tensor([[1.0]], name="y")
    optimizer = optim.SGD(model.parameters(), lr=3.0, momentum=0.9)
    cost_fn = nn.QuadraticCost()
    cost_fn(model(x), y).backward()
    optimizer.step()                                     # a momentum buffer from a first step
    buffers = {name: optimizer.state[p]["momentum_buffer"].copy()
               for name, p in model.named_parameters()}
    weights = {name: p.numpy().astype(np.float64).copy() for name, p in model.named_parameters()}
    cost = cost_fn(model(x), y)
    cost.name = "C"
    page = viz.html(cost, tmp_path / "step.html", params=model, optimizer=optimizer)

    # numpy, independently: forward, cost, gradients, the momentum update
    xs, target = x.numpy().astype(np.float64), 1.0
    z1 = xs @ weights["0.weight"].T + weights["0.bias"]
    a1 = sigmoid(z1)
    z2 = a1 @ weights["2.weight"].T + weights["2.bias"]
    a2 = sigmoid(z2)
    c = 0.5 * ((a2 - target) ** 2).sum()
    delta2 = (a2 - target) * a2 * (1 - a2)
    delta1 = (delta2 @ weights["2.weight"]) * a1 * (1 - a1)
    gradients = {"2.weight": delta2.T @ a1, "2.bias": delta2.sum(0),
                 "0.weight": delta1.T @ xs, "0.bias": delta1.sum(0)}
    forward_outputs = [z1, a1, z2, a2, c]
    trace = trace_backward(cost, params=model)

    browser.get("file://" + os.path.abspath(page))
    total = len(trace.steps) * 2 + 1 + 4
    kinds = []
    for index in range(total):
        if index:
            browser.find_element("id", "next").click()
        kind = attribute(browser, "body", "data-kind")
        kinds.append(kind)
        assert browser.find_element("id", "step-counter").text == f"step {index + 1} of {total}"
        if kind == "forward":
            k = len([k for k in kinds if k == "forward"]) - 1
            shown = browser.find_element("id", "forward-output").text
            np.testing.assert_allclose(numbers(shown), np.ravel(forward_outputs[k]), rtol=1e-3)
            assert browser.execute_script("return document.querySelectorAll('#graph .computing').length;") == 1
        elif kind == "cost":
            assert numbers(browser.find_element("id", "cost-value").text) == \
                pytest.approx([c], rel=1e-3)
        elif kind == "backward":
            step = trace.steps[len([k for k in kinds if k == "backward"]) - 1]
            assert browser.find_element("id", "op-name").text == step.op
            assert browser.find_element("id", "upstream").text == \
                summarize(step.upstream, one_line=False)
            for item in browser.find_elements("css selector", "#sent li"):
                equation = item.find_element("css selector", ".equation").text
                label = re.match(r"δ\((.+?)\)", equation).group(1)
                if label in gradients:
                    np.testing.assert_allclose(numbers(item.find_element("css selector", "pre").text),
                                               np.ravel(gradients[label]), rtol=1e-3, atol=1e-7)
        else:
            name = browser.find_element("id", "update-parameter").text
            g = np.ravel(gradients[name])
            buffer = 0.9 * np.ravel(buffers[name]) + g            # b ← μ b + (1 − τ) g, τ = 0
            after = np.ravel(weights[name]) - 3.0 * buffer         # w ← w − η b
            np.testing.assert_allclose(numbers(browser.find_element("id", "update-before").text),
                                       np.ravel(weights[name]), rtol=1e-3)
            np.testing.assert_allclose(numbers(browser.find_element("id", "update-gradient").text),
                                       g, rtol=1e-3, atol=1e-7)
            shown_buffer = browser.find_element("css selector", '#update-buffers li[data-name="momentum_buffer"] pre').text
            np.testing.assert_allclose(numbers(shown_buffer), buffer, rtol=1e-3, atol=1e-7)
            np.testing.assert_allclose(numbers(browser.find_element("id", "update-after").text),
                                       after, rtol=1e-3, atol=1e-6)
            assert "w ← w − η b" in browser.find_element("id", "update-rule").text
            assert browser.execute_script("return document.querySelectorAll('#graph .updated').length;") == 1
    assert kinds == ["forward"] * 5 + ["cost"] + ["backward"] * len(trace.steps) + ["update"] * 4
    assert browser.find_element("id", "next").get_attribute("disabled")
    # drawing the step changed nothing: the same optimizer state, weights, and backward works
    for name, p in model.named_parameters():
        np.testing.assert_array_equal(p.numpy(), weights[name].astype(np.float32))
        np.testing.assert_array_equal(optimizer.state[p]["momentum_buffer"], buffers[name])
    optimizer.zero_grad()  # the first step used the gradients (else a GradientAccumulationWarning)
    cost.backward()
    for name, p in model.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), gradients[name], rtol=1e-4, atol=1e-7)
