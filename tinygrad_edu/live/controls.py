"""The page's controls, carried out in the training thread: pause, resume, one step, the learning rate, and the nudge of one weight.

Requests arrive on the server's threads (`Controls.request`), are checked there (a bad value
is answered with a clear error at once) and queued; the training thread carries them out
between two steps (`Controls.serve`), so the model is only ever touched by the thread that
trains it. While paused, `wait_while_paused` keeps serving requests (a nudge, a new learning
rate) until the page asks for a step or to resume.

A paused run also resumes by itself when no page is connected any more: a closed browser
must never leave training stuck.
"""

import collections
import math
import threading

import numpy as np

from ..core import Tensor, grad, no_grad

__all__ = ["Controls", "nudge"]

ACTIONS = ("pause", "resume", "step", "lr", "nudge", "stepper")


def _number(request, key, caller):
    value = request.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{caller}: {key} must be a finite number, got {value!r}")
    return float(value)


class Controls:
    """The queue of the page's requests and the paused/one-step state of a run."""

    def __init__(self):
        self._queue = collections.deque()
        self._changed = threading.Condition()
        self.paused = False
        self._allowed_steps = 0

    @property
    def pending(self):
        """True when a request waits to be carried out."""
        return bool(self._queue)

    def request(self, request, has_optimizer, parameter_names):
        """Check one request from the page and queue it; returns the answer for the page."""
        action = request.get("action")
        if action not in ACTIONS:
            raise ValueError(f"control: unknown action {action!r}; one of {', '.join(ACTIONS)}")
        if action == "lr":
            if not has_optimizer:
                raise ValueError("control: this run was watched without an optimizer, so its "
                                 "learning rate is unknown; pass optimizer= to watch()")
            if not _number(request, "value", "lr") > 0:
                raise ValueError(f"lr: the learning rate must be > 0, got {request['value']!r}")
        if action == "nudge":
            if request.get("parameter") not in parameter_names:
                raise ValueError(f"nudge: no parameter named {request.get('parameter')!r}; the "
                                 f"model has {', '.join(parameter_names)}")
            _number(request, "delta", "nudge")
            index = request.get("index")
            if isinstance(index, bool) or not isinstance(index, int) or index < 0:
                raise ValueError(f"nudge: index must be an int >= 0, got {index!r}")
        with self._changed:
            self._queue.append(dict(request))
            self._changed.notify_all()
        return {"ok": True, "action": action}

    def serve(self, handler):
        """Carry out every queued request with handler(request) (in the training thread)."""
        while self._queue:
            request = self._queue.popleft()
            action = request["action"]
            if action == "pause":
                self.paused, self._allowed_steps = True, 0
            elif action == "resume":
                self.paused, self._allowed_steps = False, 0
            elif action == "step":
                self.paused, self._allowed_steps = True, self._allowed_steps + 1
            else:
                handler(request)

    def wait_while_paused(self, handler, on_pause, keep_waiting):
        """Block the training thread while paused, serving requests; return when it may step.

        Args:
            handler: carries out lr, nudge and stepper requests.
            on_pause: called once when the wait starts (to show the paused state).
            keep_waiting: keep_waiting() -> False when waiting must end (no page, closed).
        """
        self.serve(handler)
        if not self.paused:
            return
        if self._allowed_steps > 0:
            self._allowed_steps -= 1
            return
        on_pause()
        while True:
            with self._changed:
                if not self._queue:
                    self._changed.wait(0.1)
            self.serve(handler)
            if not self.paused:
                return
            if self._allowed_steps > 0:
                self._allowed_steps -= 1
                return
            if not keep_waiting():
                self.paused = False
                return

    def release(self):
        """End any pause (the run is closing)."""
        with self._changed:
            self.paused = False
            self._changed.notify_all()


def nudge(model, loss_fn, inputs, targets, name, index, delta):
    """Change one weight by Δw, measure the cost's change ΔC, and put the weight back.

    The lecture's linearization says ΔC ≈ ∂C/∂w · Δw for a small Δw; this measures both
    sides on the probe batch, with the model in eval mode.

    Args:
        model: the Module; name and index pick the weight (index into the flattened tensor).
        loss_fn, inputs, targets: the cost C = loss_fn(model(inputs), targets).
        delta: Δw.

    Returns:
        A dict with "parameter", "index", "w" (its value), "delta", "C" (before), "C_after",
        "actual" (ΔC, measured), "gradient" (∂C/∂w) and "predicted" (∂C/∂w · Δw).

    Raises:
        ValueError: an index outside the parameter.
    """
    parameters = dict(model.named_parameters())
    p = parameters[name]
    array = p.numpy()
    if index >= array.size:
        raise ValueError(f"nudge: index {index} is outside {name}, which has {array.size} "
                         f"elements (shape {tuple(array.shape)})")
    was_training = getattr(model, "training", False)
    model.train(False)
    try:
        x, y = Tensor(inputs), Tensor(targets)
        cost = loss_fn(model(x), y)
        before = float(cost.numpy())
        (gradient,) = grad(cost, [p])
        slope = float(gradient.numpy().reshape(-1)[index])
        original = array.flat[index]
        try:
            array.flat[index] = original + np.asarray(delta, dtype=array.dtype)
            with no_grad():
                after = float(loss_fn(model(x), y).numpy())
        finally:
            array.flat[index] = original
    finally:
        model.train(was_training)
    return {"parameter": name, "index": int(index), "w": float(original), "delta": float(delta),
            "C": before, "C_after": after, "actual": after - before, "gradient": slope,
            "predicted": slope * float(delta)}
