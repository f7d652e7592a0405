"""The live page's server (tg.live): 127.0.0.1 only, a free port per run, a clear error for a port in use, gone after close(), and training that never waits for a page (none, one that stops reading, one that leaves mid-stream, a stopped server)."""

import json
import socket
import threading
import time
import urllib.request

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.live import PortInUse
from tinygrad_edu.train import fit


def toy_run(tmp_path, name="run", **options):
    tg.manual_seed(0)
    data = tg.data.make_moons(64, noise=0.1, seed=0)
    model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 2))
    loss_fn = nn.CrossEntropyLoss()
    optimizer = optim.SGD(model.parameters(), lr=0.5)
    options.setdefault("path", tmp_path / f"{name}.html")
    options.setdefault("show_url", False)
    options.setdefault("overhead", None)
    watch = tg.live.watch(model, data=data, loss_fn=loss_fn, optimizer=optimizer, **options)
    return watch, model, data, loss_fn, optimizer


def train_steps(watch, model, data, loss_fn, optimizer, steps):
    x, y = (tg.tensor(a) for a in data.arrays)
    losses = []
    for _ in range(steps):
        loss = loss_fn(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        watch.step(loss=loss)
        losses.append(float(loss.numpy()))
    return losses


def refused(port, host="127.0.0.1"):
    with socket.socket() as s:
        s.settimeout(2)
        return s.connect_ex((host, port)) != 0


def read_events(url, count, timeout=10):
    """The first `count` server-sent events of /events as (kind, payload) pairs."""
    events, kind = [], None
    with urllib.request.urlopen(url + "events", timeout=timeout) as stream:
        for raw in stream:
            line = raw.decode("utf-8").rstrip("\n")
            if line.startswith("event: "):
                kind = line[len("event: "):]
            elif line.startswith("data: "):
                events.append((kind, json.loads(line[len("data: "):])))
                if len(events) == count:
                    return events
    return events


def test_listens_on_127_0_0_1_only_and_is_gone_after_close(tmp_path):
    watch, *run = toy_run(tmp_path)
    assert watch.url == f"http://127.0.0.1:{watch.port}/"
    page = urllib.request.urlopen(watch.url, timeout=5).read().decode("utf-8")
    assert "<title>Watch it learn</title>" in page
    # another loopback address of the same machine is refused: the socket is bound to
    # 127.0.0.1 itself, not to every interface (0.0.0.0 would accept this connection)
    assert refused(watch.port, "127.0.0.2")
    assert not refused(watch.port)
    train_steps(watch, *run, steps=3)
    path = watch.close()
    assert refused(watch.port)
    assert watch.close() == path                                        # idempotent
    with pytest.raises(RuntimeError, match="watch.step: this watch was closed"):
        watch.step(loss=1.0)


def test_two_runs_get_two_ports_and_a_taken_port_is_a_clear_error(tmp_path):
    first, *_ = toy_run(tmp_path, "first")
    second, *_ = toy_run(tmp_path, "second")
    try:
        assert first.port != second.port
        with pytest.raises(PortInUse, match=f"port {first.port} on 127.0.0.1 is already in "
                                            f"use.*port=0 for a free one"):
            toy_run(tmp_path, "third", port=first.port)
    finally:
        first.close()
        second.close()


def test_events_start_with_the_state_then_updates(tmp_path):
    watch, *run = toy_run(tmp_path, every=0.0, graph_every=0)
    try:
        train_steps(watch, *run, steps=4)
        events = []
        reader = threading.Thread(target=lambda: events.extend(read_events(watch.url, 3)))
        reader.start()
        deadline = time.time() + 10
        while watch._server.clients == 0 and time.time() < deadline:
            time.sleep(0.01)
        train_steps(watch, *run, steps=6)
        reader.join(10)
        kinds = [kind for kind, _ in events]
        assert kinds[0] == "state" and "update" in kinds[1:]
        state = events[0][1]
        assert state["control"]["steps"] == 4 and state["run"]["two_d"]
        assert [p["name"] for p in state["run"]["parameters"]] == \
            ["0.weight", "0.bias", "2.weight", "2.bias"]
        update = next(payload for kind, payload in events if kind == "update")
        assert update["step"] > 4 and "loss" in update["points"]
        assert len(update["layers"]) == 3 and update["boundary"]["resolution"] == 48
    finally:
        watch.close()


def test_training_finishes_when_a_page_leaves_mid_stream_or_stops_reading(tmp_path):
    watch, *run = toy_run(tmp_path, every=0.0, graph_every=0)
    leaving = socket.create_connection(("127.0.0.1", watch.port), timeout=5)
    leaving.sendall(b"GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    frozen = socket.create_connection(("127.0.0.1", watch.port), timeout=5)
    frozen.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    frozen.sendall(b"GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")     # and never reads
    received = b""
    while b"event: state" not in received:
        received += leaving.recv(65536)
    train_steps(watch, *run, steps=20)
    leaving.close()                                                       # gone mid-stream
    started = time.perf_counter()
    train_steps(watch, *run, steps=200)                                   # an update each step
    assert watch.steps == 220
    deadline = time.time() + 10
    while watch._server.clients > 1 and time.time() < deadline:
        time.sleep(0.05)
    assert watch._server.clients == 1                                     # the frozen one
    watch.close()
    frozen.close()
    assert time.perf_counter() - started < 60


def test_a_stopped_server_never_stops_training(tmp_path):
    watch, *run = toy_run(tmp_path, every=0.0)
    train_steps(watch, *run, steps=3)
    watch._server.close()                                                 # stopped under it
    assert refused(watch.port)
    train_steps(watch, *run, steps=10)
    assert watch.steps == 13
    watch.close()


def test_the_static_page_of_the_finished_run_holds_its_state(tmp_path):
    watch, *run = toy_run(tmp_path, every=0.0, graph_every=0)
    losses = train_steps(watch, *run, steps=5)
    watch.log(val_accuracy=0.5)
    path = watch.close()
    text = open(path, encoding="utf-8").read()
    block = text.split('<script type="application/json" id="live-state">')[1].split("</script>")[0]
    state = json.loads(block)
    assert state["control"]["steps"] == 5 and state["control"]["closed"] is True
    # an update is due at every step here, measured one step after the weights were copied
    # (for the update-to-weight ratio): each point is the mean loss of the steps since the last
    assert [point[0] for point in state["series"]["loss"]] == [2, 4, 5]
    np.testing.assert_allclose([point[1] for point in state["series"]["loss"]],
                               [np.mean(losses[:2]), np.mean(losses[2:4]), losses[4]], rtol=1e-6)
    assert state["latest"]["step"] == 5 and len(state["latest"]["parameters"]) == 4
    assert state["series"]["val_accuracy"] == [[5, 0.5]]
    assert "http" not in text.split("<script>")[1].split("fetch(")[0]     # nothing from a CDN


def test_fit_live_opens_a_page_and_stops_it_when_fit_ends(tmp_path, capsys):
    tg.manual_seed(0)
    data = tg.data.make_xor(40, noise=0.1, seed=1)
    model = nn.Sequential(nn.Linear(2, 6), nn.Sigmoid(), nn.Linear(6, 2))
    path = tmp_path / "fit.html"
    history = fit(model, data, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.5),
                  epochs=2, batch_size=10, val_data=data, progress=False,
                  live={"path": path, "every": 0.0, "graph_every": 0, "overhead": None})
    printed = capsys.readouterr().out
    port = int(printed.split("http://127.0.0.1:")[1].split("/")[0])
    assert printed.count("live page:") == 1 and refused(port)
    state = json.loads(open(path, encoding="utf-8").read().split(
        'id="live-state">')[1].split("</script>")[0])
    assert state["control"]["steps"] == 8 and len(history.train_loss) == 2
    assert [p[0] for p in state["series"]["val accuracy (epoch)"]] == [4, 8]
    np.testing.assert_allclose([p[1] for p in state["series"]["epoch loss"]], history.train_loss)
    with pytest.raises(TypeError, match="fit: live must be True, a dict"):
        fit(model, data, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.5),
            progress=False, live="yes")
