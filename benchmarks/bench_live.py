"""What a live page costs a training run: W1 (the lecture's MNIST network, bench_mnist.py) and a 2-D toy, with and without tg.live.watch and a page connected, interleaved in fresh processes.

Each round starts one fresh Python process per mode, alternating which goes first:

  off   the hand-written loop of bench_mnist's tinygrad_edu runner (forward, cost, zero_grad,
        backward, step), nothing else;
  on    the same loop with `watch.step(loss=loss)` after each step, a Watch with data (the
        first 1,000 training examples as its source of a 256-example probe batch), loss_fn
        and optimizer, and a page connected to its event stream the whole time (a separate
        process reading /events, as a browser would; --client chromium uses a real headless
        Chromium instead).

The child processes do not import torch (a learner's script does not; see CHILD). It prints
the median seconds of each mode, the ratio on ÷ off, the same ratio of the training thread's
CPU time (time.thread_time: the time the loop itself took, without the time other programs
held the CPU), and the share of the "on" run's time spent inside watch.step() (the training
thread's own cost of the page, which a loaded machine's noise touches less still), for
  W1    784-30-10 sigmoid, quadratic cost, SGD η = 3.0, mini-batch 10, one epoch of the
        60,000 training images (6,000 steps);
  toy   make_moons(2000, noise=0.15), 2-16-2 tanh, cross-entropy, SGD 0.3, mini-batch 10,
        40 epochs (8,000 steps, each much cheaper than W1's: the harder case for the page).

Usage:
    .venv/bin/python benchmarks/bench_live.py --rounds 5
    .venv/bin/python benchmarks/bench_live.py --rounds 1 --examples 6000     # quick
"""

import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TREE = os.path.dirname(HERE)

CHILD = r"""
import json, os, subprocess, sys, tempfile, time
sys.path.insert(0, {tree!r})
sys.path.insert(1, {benchmarks!r})
# A learner's training script does not import torch, and bench_mnist would: with torch's
# 150,000 objects in the process, each full garbage collection takes ~50 ms instead of ~8 ms,
# and the page's few long-lived objects make one fall inside a short run
sys.modules["torch"] = None
import numpy as np
import tinygrad_edu as tg
from tinygrad_edu import nn, optim
import bench_mnist as b

workload, mode, client, graph = {workload!r}, {mode!r}, {client!r}, {graph!r}
if workload == "W1":
    images, labels, targets = b.load_data({examples})
    runner = b.TinygradEdu(b.initial_weights((784, 30, 10), 0, lecture=True), "sigmoid",
                           "quadratic", 3.0)
    order = b.batches(len(images), 10, 0)
    epochs = 1
else:
    images, labels = tg.data.make_moons(2000, noise=0.15, seed=0).arrays
    targets = labels
    tg.manual_seed(0)
    runner = b.TinygradEdu.__new__(b.TinygradEdu)
    runner.model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 2))
    runner.loss_fn = nn.CrossEntropyLoss()
    runner.optimizer = optim.SGD(runner.model.parameters(), lr=0.3)
    order = b.batches(len(images), 10, 0)
    epochs = 40
model, loss_fn, optimizer = runner.model, runner.loss_fn, runner.optimizer
watch, reader = None, None
if mode == "on":
    watch = tg.live.watch(model, data=(images[:1000], targets[:1000]), loss_fn=loss_fn,
                          optimizer=optimizer, path=os.path.join(tempfile.mkdtemp(), "run.html"),
                          show_url=False, graph_every=4.0 if graph else 0)
    if client == "chromium":
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--no-first-run"):
            options.add_argument(flag)
        reader = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        reader.get(watch.url)
    else:
        reader = subprocess.Popen([sys.executable, "-c",
            "import sys, urllib.request\n"
            "for line in urllib.request.urlopen(sys.argv[1] + 'events'): pass", watch.url])
    deadline = time.time() + 60
    while watch.pages == 0 and time.time() < deadline:
        time.sleep(0.01)
    assert watch.pages == 1, "the page did not connect"
step = watch.step if watch is not None else None
for index in order[:50]:                                   # warm-up, as bench_mnist does
    loss = loss_fn(model(tg.Tensor(images[index])), tg.Tensor(targets[index]))
clock, in_step = time.perf_counter, 0.0
started, started_cpu = clock(), time.thread_time()
for _ in range(epochs):
    for index in order:
        loss = loss_fn(model(tg.Tensor(images[index])), tg.Tensor(targets[index]))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step is not None:
            before = clock()
            step(loss=loss)
            in_step += clock() - before
seconds, cpu = clock() - started, time.thread_time() - started_cpu
updates = 0
if watch is not None:
    updates = len(watch.state()["series"].get("loss", []))
    watch.close()
    if client == "chromium":
        reader.quit()
    else:
        reader.wait(30)
print(json.dumps({{"seconds": seconds, "cpu": cpu, "updates": updates, "in_step": in_step}}))
"""


def run(workload, mode, examples, client, graph):
    code = CHILD.format(tree=TREE, benchmarks=HERE, workload=workload, mode=mode,
                        examples=examples, client=client, graph=graph)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--examples", type=int, default=60000, help="W1's training examples")
    parser.add_argument("--client", choices=("sse", "chromium"), default="sse")
    parser.add_argument("--workloads", default="W1,toy")
    parser.add_argument("--no-graph", action="store_true",
                        help="the page without the graph of one example (graph_every=0)")
    args = parser.parse_args(argv)
    results = {}
    for workload in args.workloads.split(","):
        samples, cpu = {"off": [], "on": []}, {"off": [], "on": []}
        updates, shares = [], []
        for round_number in range(args.rounds):
            modes = ("off", "on") if round_number % 2 == 0 else ("on", "off")
            for mode in modes:
                found = run(workload, mode, args.examples, args.client, not args.no_graph)
                samples[mode].append(found["seconds"])
                cpu[mode].append(found["cpu"])
                if mode == "on":
                    updates.append(found["updates"])
                    shares.append(found["in_step"] / found["seconds"])
        off, on = statistics.median(samples["off"]), statistics.median(samples["on"])
        share = statistics.median(shares)
        cpu_ratio = statistics.median(cpu["on"]) / statistics.median(cpu["off"])
        results[workload] = {"off": off, "on": on, "ratio": on / off, "cpu_ratio": cpu_ratio,
                             "updates": statistics.median(updates), "in_step": share}
        print(f"{workload:>4}: without the page {off:7.3f} s, with it {on:7.3f} s, "
              f"ratio {on / off:.3f} ({(on / off - 1) * 100:+.1f}%); "
              f"training thread's CPU time {(cpu_ratio - 1) * 100:+.1f}%; "
              f"{100 * share:.1f}% of the run inside watch.step(); "
              f"{statistics.median(updates):.0f} updates pushed "
              f"(medians of {args.rounds} interleaved rounds; client: {args.client}"
              f"{', no graph' if args.no_graph else ''})",
              flush=True)
    return results


if __name__ == "__main__":
    main()
