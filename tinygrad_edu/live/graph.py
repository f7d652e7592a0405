"""One example's graph for the live page, drawn by graphviz in a background thread so training never waits for `dot`.

The training thread makes the DOT text (viz.to_dot: cheap) and hands it over with `submit`;
the thread renders it with viz.render (graphviz's `dot`, a subprocess that takes a good part
of a second for a network) and publishes the SVG. Only the newest text waits: one submitted
while another is being drawn replaces any older one that has not started.
"""

import os
import tempfile
import threading
import time

__all__ = ["GraphRenderer"]


class GraphRenderer:
    """Renders DOT text to SVG off the training thread and publishes it as a "graph" event."""

    def __init__(self, publish):
        self._publish = publish
        self._waiting = None
        self._latest = None
        self._lock = threading.Condition()
        self._stopped = False
        self.seconds = 0.0  # how long the last drawing took
        self._directory = tempfile.mkdtemp(prefix="tinygrad_edu_live_")
        self._thread = threading.Thread(target=self._run, name="tinygrad_edu-live-graph",
                                        daemon=True)
        self._thread.start()

    @property
    def svg(self):
        return None if self._latest is None else self._latest.get("svg")

    def latest(self):
        """{"svg", "step"} of the newest drawing, {"error"} if graphviz failed, or None."""
        with self._lock:
            return self._latest

    def submit(self, dot_text, step):
        if dot_text is None:
            return
        with self._lock:
            self._waiting = (dot_text, step)
            self._lock.notify_all()

    def finish(self, dot_text=None, step=None, timeout=30.0):
        """Draw `dot_text` now if given (the last picture of a run), then stop the thread."""
        with self._lock:
            self._stopped = True
            pending = self._waiting
            self._waiting = None
            self._lock.notify_all()
        self._thread.join(timeout)
        if dot_text is not None:
            pending = (dot_text, step)
        if pending is not None and (self._latest is None or "error" not in self._latest):
            self._draw(*pending)
        for name in os.listdir(self._directory):
            os.remove(os.path.join(self._directory, name))
        os.rmdir(self._directory)

    def _run(self):
        while True:
            with self._lock:
                while self._waiting is None and not self._stopped:
                    self._lock.wait()
                if self._stopped:
                    return
                job, self._waiting = self._waiting, None
            self._draw(*job)
            if self._latest is not None and "error" in self._latest:
                return  # graphviz is missing or failing: say so once, stop trying

    def _draw(self, dot_text, step):
        from ..lens import viz
        started = time.perf_counter()
        path = os.path.join(self._directory, "graph.svg")
        try:
            viz.render(dot_text, path, format="svg")
            with open(path, encoding="utf-8") as file:
                text = file.read()
            found = {"svg": text[text.index("<svg"):], "step": step}
        except (viz.GraphvizNotFound, RuntimeError, OSError, ValueError) as error:
            found = {"error": f"the graph could not be drawn: {error}", "step": step}
        with self._lock:
            self._latest = found
        self.seconds = time.perf_counter() - started
        self._publish("graph", found)
