"""`watch(model)`: a live page for a training run (curves, activations, gradients, weights, the graph, the decision boundary) that never slows training down much.

    import tinygrad_edu as tg
    with tg.live.watch(model, data=train, loss_fn=cost, optimizer=opt) as watch:
        for x, y in loader:
            loss = cost(model(x), y); opt.zero_grad(); loss.backward(); opt.step()
            watch.step(loss=loss)                   # prints watch.url once, at the start

`fit(..., live=True)` does the same for the training loop of train.py.

How training is kept fast: `step()` only adds the metrics to running sums, except when the
page is due an update (at most every `every` seconds, and so rarely that updates take at most
`overhead`, 5%, of the run's time). An update is measured on a
fixed probe batch in the training thread, then handed to the server, whose publishing never
blocks (see server.py). The graph of one example's cost is drawn by graphviz in a background
thread, and only while a page is connected. With no page connected, nothing waits on
anything.

The update-to-weight ratio needs the weights before and after one step: when an update is due,
step() copies the parameters, and the update is measured at the next step().
"""

import os
import threading
import time

import numpy as np

from ..core import Tensor, no_grad
from . import probes
from .controls import Controls, nudge
from .graph import GraphRenderer
from .page import page_html, read_resource
from .server import LiveServer

__all__ = ["watch", "Watch"]


def watch(model, **options):
    """Open a live page for training `model`; returns a `Watch` (see its arguments).

    Example:
        >>> w = tg.live.watch(model, data=train, loss_fn=nn.QuadraticCost(), optimizer=opt)
        live page: http://127.0.0.1:38211/
    """
    return Watch(model, **options)


class Watch:
    """A live page for one training run: call `step()` after each optimizer step, then `close()`.

    Args:
        model: the Module being trained.
        data: training examples for the probe batch: a Dataset of (input, target) pairs, a
            DataLoader, or a pair (inputs, targets). Without it the page shows the curves and
            the parameters only.
        loss_fn: the cost, loss_fn(outputs, targets); needed for gradients, the graph and the
            nudge panel.
        optimizer: its learning rate is shown and can be changed from the page.
        val_data: validation examples, for the validation curves of the probe.
        port: 0 (default) picks a free port; a chosen port that is taken raises PortInUse.
        every: seconds between two updates of the page, at least.
        overhead: the largest share of the run's time the updates may take: after an update
            that took d seconds the next waits at least d / overhead (None: no such limit).
        graph_every: seconds between two drawings of one example's graph (0 turns it off).
        path: the static HTML file of the finished run, written by close() (default
            runs/live-<date>-<time>.html).
        title: the page's title.
        probe_size: examples in the probe batch.
        show_url: print the page's address once.

    Attributes:
        url: the page's address (http://127.0.0.1:<port>/).
        port: the port.
        steps: how many times step() was called.
        path: where close() writes (or wrote) the static page.

    Raises:
        PortInUse: `port` is taken.
    """

    def __init__(self, model, data=None, loss_fn=None, optimizer=None, val_data=None, port=0,
                 every=0.5, graph_every=4.0, path=None, title=None, probe_size=128,
                 show_url=True, overhead=0.05):
        self.model, self.loss_fn, self.optimizer = model, loss_fn, optimizer
        self.every, self.graph_every = float(every), float(graph_every)
        self.overhead = overhead
        self.title = title or "Watch it learn"
        self.path = os.fspath(path) if path is not None else os.path.join(
            "runs", time.strftime("live-%Y%m%d-%H%M%S.html"))
        self.train_probe = probes.batch_arrays(data, probe_size, seed=0)
        self.val_probe = probes.batch_arrays(val_data, probe_size, seed=1)
        self.steps, self.closed = 0, False
        self.controls = Controls()
        self._sums, self._series, self._nudges = {}, {}, []
        self._latest, self._stepper_page = None, None
        self._previous, self._next_update, self._next_graph = None, 0.0, 0.0
        self._lock = threading.Lock()
        self._run = self._describe_run()
        self._server = LiveServer(port, resources=self._resource, state=self.state,
                                  control=self._request)
        self.url, self.port = self._server.url, self._server.port
        self._graph = None
        if self.graph_every > 0:
            from ..lens import viz  # noqa: F401 - imported now, not in the middle of training
            self._graph = GraphRenderer(self._server.publish)
        if show_url:
            print(f"live page: {self.url}  (the finished run is saved to {self.path})",
                  flush=True)

    # ----- the training loop's side ---------------------------------------------------------

    def step(self, loss=None, **metrics):
        """Record one training step's loss and metrics (numbers or 1-element Tensors).

        Cheap except when the page is due an update; blocks only while the page has paused
        the run (and a page is still connected).
        """
        if self.closed:
            raise RuntimeError("watch.step: this watch was closed; open a new one with "
                               "tg.live.watch(model, ...)")
        self.steps += 1
        if loss is not None:
            self._add("loss", loss)
        for name, value in metrics.items():
            self._add(name, value)
        if self._previous is not None:
            self._update()
        elif time.perf_counter() >= self._next_update:
            self._copy_parameters()
        controls = self.controls
        if controls.paused or controls.pending:
            controls.wait_while_paused(self._carry_out, self._show_pause, self._keep_waiting)
            if controls.paused:  # one step at a time: measure exactly this step's update
                self._copy_parameters()
            self._server.publish("control", self._control_state())

    def log(self, **metrics):
        """Record metrics that belong to no step (say, each epoch's validation accuracy):
        each becomes a point at the current step of its own curve."""
        points = {name: [self.steps, _as_float(name, value)] for name, value in metrics.items()
                  if value is not None}
        with self._lock:
            for name, point in points.items():
                self._series.setdefault(name, []).append(point)
        self._server.publish("points", {"step": self.steps, "points": points})

    def log_epoch(self, history):
        """fit's numbers after an epoch (a train.History) as points: the epoch's mean loss and
        the full validation set's loss and accuracy."""
        last = {name: values[-1] for name, values in (
            ("epoch loss", history.train_loss), ("val loss (epoch)", history.val_loss),
            ("val accuracy (epoch)", history.val_accuracy),
            ("train accuracy (epoch)", history.train_accuracy)) if values}
        self.log(**last)

    def close(self):
        """Send the last update, write the static page of the run, stop the server (idempotent).

        Returns:
            The path of the static HTML file.
        """
        if self.closed:
            return self.path
        self.controls.release()
        try:
            self._update()
            if self._graph is not None:
                self._graph.finish(self._graph_text() if self._graph.svg is None else None,
                                   self.steps)
        finally:
            self.closed = True
            self._server.close()
        directory = os.path.dirname(self.path)
        if directory:
            os.makedirs(directory, exist_ok=True)
        with open(self.path, "w", encoding="utf-8") as file:
            file.write(page_html(self.state()))
        return self.path

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
        return False

    @property
    def pages(self):
        """How many pages are connected to the run now."""
        return self._server.clients

    def __repr__(self):
        return f"Watch({self.url}, {self.steps} steps{', closed' if self.closed else ''})"

    # ----- what the page reads --------------------------------------------------------------

    def state(self):
        """Everything so far, as one JSON-able dict (what a newly connected page starts from)."""
        with self._lock:
            series = {name: list(points) for name, points in self._series.items()}
            latest, nudges = self._latest, list(self._nudges)
        return {"title": self.title, "run": self._run, "series": series, "latest": latest,
                "graph": self._graph.latest() if self._graph is not None else None,
                "nudges": nudges, "control": self._control_state(),
                "stepper": self._stepper_page is not None}

    def _control_state(self):
        return {"steps": self.steps, "paused": self.controls.paused, "lr": self._lr(),
                "closed": self.closed}

    def _resource(self, path):
        if path in ("/", "/index.html"):
            return page_html(None).encode("utf-8"), "text/html; charset=utf-8"
        if path == "/state":
            import json
            return json.dumps(self.state()).encode("utf-8"), "application/json"
        if path == "/stepper" and self._stepper_page is not None:
            return self._stepper_page.encode("utf-8"), "text/html; charset=utf-8"
        if path == "/favicon.ico":
            return b"", "image/x-icon"
        return read_resource(path)

    def _request(self, request):
        names = [name for name, _ in self.model.named_parameters()]
        return self.controls.request(request, self.optimizer is not None, names)

    # ----- inside step() ----------------------------------------------------------------------

    def _add(self, name, value):
        entry = self._sums.get(name)
        value = _as_float(name, value)
        if entry is None:
            self._sums[name] = [value, 1]
        else:
            entry[0] += value
            entry[1] += 1

    def _lr(self):
        groups = getattr(self.optimizer, "param_groups", None)
        return float(groups[0]["lr"]) if groups else None

    def _copy_parameters(self):
        """The weights before a step, for the update-to-weight ratio of the next update."""
        self._previous = {name: np.array(p.numpy(), copy=True)
                          for name, p in self.model.named_parameters()}

    def _keep_waiting(self):
        return not self.closed and self.pages > 0

    def _show_pause(self):
        self._update()

    def _update(self):
        """Measure everything on the probe batch and push it to the page."""
        started = time.perf_counter()
        points = {name: [self.steps, total / count] for name, (total, count) in self._sums.items()}
        self._sums = {}
        payload = {"step": self.steps, "lr": self._lr(), "paused": self.controls.paused}
        was_training = getattr(self.model, "training", False)
        self.model.train(False)
        try:
            payload.update(self._probe(points))
        finally:
            self.model.train(was_training)
        self._previous = None
        with self._lock:
            for name, point in points.items():
                self._series.setdefault(name, []).append(point)
            self._latest = payload
        self._server.publish("update", dict(payload, points=points))
        # The graph only for a page that is watching (close() draws the last one anyway).
        if self._graph is not None and started >= self._next_graph and self.pages > 0 \
                and self.train_probe is not None:
            self._graph.submit(self._graph_text(), self.steps)
            # graphviz runs beside training: its last drawing's time counts in the budget too
            drawing = self._graph.seconds if self.overhead is None else \
                self._graph.seconds / self.overhead
            self._next_graph = time.perf_counter() + max(self.graph_every, drawing)
        spent = time.perf_counter() - started
        wait = self.every if self.overhead is None else max(self.every, spent / self.overhead)
        self._next_update = time.perf_counter() + wait

    def _probe(self, points):
        """The update's measurements (the model already in eval mode); adds the probe curves."""
        parameters = probes.parameter_stats(self.model, self._previous)
        if self._previous is None and self._latest is not None:
            # no copy from the step before (an update when pausing): keep the last ratios
            last = {p["name"]: p["ratio"] for p in self._latest["parameters"]}
            for p in parameters:
                p["ratio"] = last.get(p["name"])
        found = {"parameters": parameters, "weights": probes.weight_images(self.model)}
        if self.train_probe is not None:
            inputs, targets = self.train_probe
            layers, outputs, cost = probes.layer_probe(self.model, self.loss_fn, inputs, targets)
            found["layers"] = layers
            _probe_points(points, self.steps, "train", outputs, targets, cost)
            if self._run["two_d"]:
                found["boundary"] = probes.decision_boundary(self.model, self._run["box"])
        if self.val_probe is not None:
            inputs, targets = self.val_probe
            with no_grad():
                outputs = self.model(Tensor(inputs))
                cost = (float(self.loss_fn(outputs, Tensor(targets)).numpy())
                        if self.loss_fn is not None else None)
            _probe_points(points, self.steps, "val", outputs.numpy(), targets, cost)
        return found

    def _graph_text(self):
        """DOT text of one example's cost, with values and gradients (viz's public to_dot)."""
        if self.train_probe is None or self.loss_fn is None:
            return None
        from ..lens import viz
        inputs, targets = self.train_probe
        was_training = getattr(self.model, "training", False)
        self.model.train(False)
        try:
            cost = self.loss_fn(self.model(Tensor(inputs[:1])), Tensor(targets[:1]))
            cost.name = "C"
            return viz.to_dot(cost, values=True, backward=True, params=self.model,
                              rankdir="LR", max_elements=4, precision=3)
        finally:
            self.model.train(was_training)

    def _carry_out(self, request):
        """An lr, nudge or stepper request from the page (in the training thread). A request
        that fails is reported to the page; it never stops training."""
        try:
            self._carry_out_request(request)
        except Exception as error:  # noqa: BLE001 - the page's request must not end the run
            self._server.publish("failed", {"action": request["action"],
                                            "error": f"{type(error).__name__}: {error}"})

    def _carry_out_request(self, request):
        action = request["action"]
        if action == "lr":
            for group in self.optimizer.param_groups:
                group["lr"] = float(request["value"])
        elif action == "nudge":
            self._nudge(request)
        elif action == "stepper":
            self._make_stepper()

    def _nudge(self, request):
        if self.train_probe is None or self.loss_fn is None:
            result = {"error": "the nudge needs data= and loss_fn= in watch()"}
        else:
            inputs, targets = self.train_probe
            try:
                result = nudge(self.model, self.loss_fn, inputs, targets, request["parameter"],
                               request["index"], request["delta"])
            except ValueError as error:
                result = {"error": str(error)}
        result["step"] = self.steps
        with self._lock:
            self._nudges.append(result)
        self._server.publish("nudge", result)

    def _make_stepper(self):
        """The whole training step of the probe's first example (forward, cost, backward, the
        optimizer's update), served at /stepper; the model and the optimizer are untouched."""
        from ..lens.stepper import page_text
        if self.train_probe is None or self.loss_fn is None or self.optimizer is None:
            self._server.publish("stepper", {"error": "the stepper needs data=, loss_fn= and "
                                                      "optimizer= in watch()"})
            return
        inputs, targets = self.train_probe
        was_training = getattr(self.model, "training", False)
        self.model.train(False)
        try:
            cost = self.loss_fn(self.model(Tensor(inputs[:1])), Tensor(targets[:1]))
            cost.name = "C"
            self._stepper_page = page_text(cost, params=self.model, optimizer=self.optimizer,
                                           title=f"One training step (at step {self.steps})")
        finally:
            self.model.train(was_training)
        self._server.publish("stepper", {"url": "/stepper", "step": self.steps})

    def _describe_run(self):
        """What the page needs once: parameter names and shapes, the 2-D data."""
        parameters = [{"name": name, "shape": list(p.shape), "size": int(p.numpy().size)}
                      for name, p in self.model.named_parameters()]
        run = {"parameters": parameters, "two_d": False, "box": None, "data": None,
               "has_data": self.train_probe is not None, "has_loss": self.loss_fn is not None,
               "optimizer": type(self.optimizer).__name__ if self.optimizer is not None else None,
               "saturation": probes.SATURATION}
        if self.train_probe is not None:
            inputs, targets = self.train_probe
            if inputs.ndim == 2 and inputs.shape[1] == 2:
                labels = targets.argmax(axis=1) if targets.ndim == 2 else targets
                run.update(two_d=True, box=probes.boundary_box(inputs),
                           data={"x": inputs.astype(float).round(4).tolist(),
                                 "label": np.asarray(labels).astype(int).tolist()})
        return run


def _probe_points(points, step, prefix, outputs, targets, cost):
    """The probe batch's loss and accuracy as points of the curves "train loss (probe)", ..."""
    if cost is not None:
        points[f"{prefix} loss (probe)"] = [step, cost]
    accuracy = probes.accuracy(outputs, targets)
    if accuracy is not None:
        points[f"{prefix} accuracy (probe)"] = [step, accuracy]


def _as_float(name, value):
    if isinstance(value, Tensor):
        value = value.numpy()
    try:
        return float(np.asarray(value).reshape(()))
    except (TypeError, ValueError):
        raise TypeError(f"watch.step: {name} must be a number or a 1-element Tensor, got "
                        f"{type(value).__name__} {getattr(value, 'shape', '')}") from None
