"""The live page's HTTP server: 127.0.0.1 only, the page's files, server-sent events, and the page's control requests.

One `LiveServer` per watched run. It runs the standard library's ThreadingHTTPServer in a
daemon thread, so the training loop never waits for it:

    GET  /               the page (live.html with its script and style inlined)
    GET  /events         server-sent events: first a "state" event with everything so far,
                         then one event per update the run publishes ("update", "nudge", ...)
    GET  /state          everything so far as one JSON document (tests, the static page)
    GET  /stepper        the whole-step stepper of the latest example, once one was made
    POST /control        {"action": "pause" | "resume" | "step" | "lr" | "nudge" | ...}

Publishing never blocks: each connected page has a bounded queue, and an update for a page
whose queue is full is dropped for that page (a slow or frozen browser cannot slow
training). A page that goes away is noticed at the next write or heartbeat and forgotten.
"""

import errno
import json
import queue
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

__all__ = ["LiveServer", "PortInUse", "HOST"]

HOST = "127.0.0.1"
"""The only address the server listens on: the page shows a model's weights and accepts
control requests, so it is never offered to the network."""

HEARTBEAT_SECONDS = 1.0
"""A comment line is sent this often to an idle page, so a closed page is noticed."""

QUEUE_SIZE = 64
"""Updates waiting for one page before later ones are dropped for it."""


class PortInUse(OSError):
    """The chosen port is taken by another program (or another run)."""


def encode_event(kind, payload):
    """One server-sent event as bytes: `event: kind` and the payload as one JSON data line."""
    data = json.dumps(payload, separators=(",", ":"), allow_nan=False)
    return f"event: {kind}\ndata: {data}\n\n".encode("utf-8")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = False  # a port in use must fail, not be shared
    live = None  # the LiveServer, set after binding


class _Handler(BaseHTTPRequestHandler):
    """Routes one request to the LiveServer that owns this HTTP server."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # the learner's terminal is for training output
        pass

    def _send(self, status, body, content_type):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        live = self.server.live
        path = self.path.split("?", 1)[0]
        if path == "/events":
            live.stream(self)
            return
        found = live.resource(path)
        if found is None:
            self._send(404, f"no page at {path}".encode("utf-8"), "text/plain; charset=utf-8")
        else:
            body, content_type = found
            self._send(200, body, content_type)

    def do_POST(self):
        live = self.server.live
        if self.path != "/control":
            self._send(404, b"POST goes to /control", "text/plain; charset=utf-8")
            return
        length = int(self.headers.get("Content-Length") or 0)
        try:
            request = json.loads(self.rfile.read(length) or b"{}")
            answer = live.control(request)
            self._send(200, json.dumps(answer).encode("utf-8"), "application/json")
        except (ValueError, TypeError) as error:
            self._send(400, json.dumps({"error": str(error)}).encode("utf-8"), "application/json")


class LiveServer:
    """An HTTP server on 127.0.0.1 in a daemon thread that pushes a run's updates to its pages.

    Args:
        port: 0 picks a free port; a number uses that port or raises PortInUse.
        resources: resources(path) -> (bytes, content type) or None, for the GET routes.
        state: state() -> the JSON-able dict a newly connected page starts from.
        control: control(request dict) -> a JSON-able answer (may raise ValueError).

    Raises:
        PortInUse: `port` is taken.
    """

    def __init__(self, port=0, resources=None, state=None, control=None):
        self._resources, self._state, self._control = resources, state, control
        self._clients = []
        self._lock = threading.Lock()
        self._closed = threading.Event()
        try:
            self._http = _Server((HOST, port), _Handler)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise PortInUse(
                    errno.EADDRINUSE,
                    f"live: port {port} on {HOST} is already in use (another program, or "
                    f"another watched run); pass port=0 for a free one, or choose another "
                    f"port") from None
            raise
        self._http.live = self
        self.port = self._http.server_address[1]
        self.url = f"http://{HOST}:{self.port}/"
        self._thread = threading.Thread(target=self._http.serve_forever,
                                        kwargs={"poll_interval": 0.1},
                                        name=f"tinygrad_edu-live-{self.port}", daemon=True)
        self._thread.start()

    # ----- what the handler asks -------------------------------------------------------------

    def resource(self, path):
        return self._resources(path) if self._resources else None

    def control(self, request):
        if not isinstance(request, dict) or "action" not in request:
            raise ValueError('control: send a JSON object with an "action"')
        if self._control is None:
            raise ValueError("control: this run takes no control requests")
        return self._control(request)

    @property
    def clients(self):
        """How many pages are connected to /events now."""
        with self._lock:
            return len(self._clients)

    def stream(self, handler):
        """Serve /events to one page until it goes away or the server closes."""
        inbox = queue.Queue(QUEUE_SIZE)
        handler.send_response(200)
        handler.send_header("Content-Type", "text/event-stream")
        handler.send_header("Cache-Control", "no-store")
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.close_connection = True
        with self._lock:
            self._clients.append(inbox)
        try:
            first = encode_event("state", self._state() if self._state else {})
            handler.wfile.write(first)
            handler.wfile.flush()
            while not self._closed.is_set():
                try:
                    message = inbox.get(timeout=HEARTBEAT_SECONDS)
                except queue.Empty:
                    message = b": heartbeat\n\n"
                if message is None:
                    break
                handler.wfile.write(message)
                handler.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, socket.timeout,
                OSError):
            pass  # the page went away: forget it, training goes on
        finally:
            with self._lock:
                if inbox in self._clients:
                    self._clients.remove(inbox)

    # ----- what the run does -----------------------------------------------------------------

    def publish(self, kind, payload):
        """Send one event to every connected page; never blocks (a full queue drops it)."""
        if self._closed.is_set():
            return
        message = encode_event(kind, payload)
        with self._lock:
            clients = list(self._clients)
        for inbox in clients:
            try:
                inbox.put_nowait(message)
            except queue.Full:
                pass  # this page is behind; it gets the next update (each one is complete)

    def close(self, timeout=5.0):
        """Stop serving, end every event stream and free the port (idempotent)."""
        if self._closed.is_set():
            return
        self._closed.set()
        with self._lock:
            clients = list(self._clients)
        for inbox in clients:
            try:
                inbox.put_nowait(None)
            except queue.Full:
                pass
        self._http.shutdown()
        self._http.server_close()
        self._thread.join(timeout)

    @property
    def closed(self):
        return self._closed.is_set()
