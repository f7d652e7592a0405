"""Every lesson in examples/ runs with small settings and prints the numbers it teaches, so no lesson can silently rot.

The convention every example follows (new ones are picked up automatically):
  * the file is named NN_topic.py and opens with a docstring "Lesson N: ...";
  * it defines `main(argv=None)`, parses `argv` with argparse, and accepts `--quick`, a run of a
    few seconds (small data, few epochs) that still shows the lesson's point;
  * `main` prints what it teaches and returns the numbers it printed (a dict, usually), so a
    test can check both the text and the values.
Checks of what a lesson must show live in CHECKS below, keyed by the file's number.
"""

import importlib.util
import re
import time
from pathlib import Path

import numpy as np
import pytest

EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "examples"
EXAMPLES = sorted(EXAMPLES_DIR.glob("[0-9][0-9]_*.py"))
QUICK_SECONDS = 90  # generous, for a loaded machine: --quick is meant to take a few seconds


def load_example(path):
    spec = importlib.util.spec_from_file_location(f"example_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def percent(value):
    return f"{100 * value:.2f}%"


# ----- what each lesson must show ---------------------------------------------------------------

def check_02(out, result):
    assert result["before"] < 0.2  # random weights: about one in ten
    assert result["val_accuracy"][-1] > 0.6 and result["test_accuracy"] > 0.6
    assert result["val_accuracy"][-1] > result["val_accuracy"][0] or result["val_accuracy"][0] > 0.8
    assert result["average_darkness"] == pytest.approx(0.2225, abs=1e-4)
    for text in ("22.25%", "94.35%", "99.79%", "10.00%", percent(result["test_accuracy"]),
                 percent(result["val_accuracy"][0]), "the network says"):
        assert text in out
    assert result["confusion"].sum() == 10000


def check_03(out, result):
    quadratic, cross = result["neuron"]["quadratic"], result["neuron"]["cross-entropy"]
    # The lecture's picture: the saturated neuron hardly moves with the quadratic cost.
    assert quadratic[0] == pytest.approx(0.982, abs=1e-3)
    assert quadratic[50] > 0.95 and cross[50] < 0.2
    assert f"{quadratic[50]:.3f}" in out and f"{cross[50]:.3f}" in out
    q_mnist, ce_mnist = result["quadratic_val_accuracy"], result["cross_entropy_val_accuracy"]
    assert ce_mnist[0] > q_mnist[0] + 0.2
    assert percent(q_mnist[0]) in out and percent(ce_mnist[0]) in out


def check_04(out, result):
    history, stopped = result["history"], result["early_stopping"]
    assert result["final_train_accuracy"] > 0.95
    assert result["final_train_accuracy"] - result["final_val_accuracy"] > 0.1  # overfitting
    assert min(history.val_loss) < history.val_loss[-1]  # the validation cost rose again
    assert stopped.stopped_early and stopped.epochs_run < history.epochs_run
    # The same seed and data: the early-stopped run is the first epochs of the long run, and
    # it keeps the best of them.
    assert stopped.val_accuracy == pytest.approx(history.val_accuracy[:stopped.epochs_run])
    assert stopped.best_epoch == int(np.argmax(stopped.val_accuracy)) + 1
    for text in (percent(result["final_train_accuracy"]), percent(result["final_val_accuracy"]),
                 f"stopped after epoch {stopped.epochs_run}",
                 f"weights of epoch {stopped.best_epoch} were restored"):
        assert text in out


def check_05(out, result):
    plain, regularized = result["without_l2"], result["with_l2"]
    assert regularized["gap"] < plain["gap"]
    assert regularized["val_accuracy"] > plain["val_accuracy"]
    assert regularized["sum_of_squared_weights"] < 0.5 * plain["sum_of_squared_weights"]
    for value in (plain["gap"], regularized["gap"]):
        assert f"gap {100 * value:.1f} points" in out
    assert percent(regularized["val_accuracy"]) in out


def check_06(out, result):
    conv, dense = result["conv"], result["dense"]
    assert conv["parameters"] == 8 * 25 + 8 + 8 * 12 * 12 * 10 + 10
    assert conv["test_accuracy"] > 0.5 and dense["test_accuracy"] > 0.5
    for text in ("(10, 8, 24, 24)", "(10, 8, 12, 12)", "(10, 1152)",
                 percent(conv["test_accuracy"]), percent(dense["test_accuracy"])):
        assert text in out


def check_15(out, result):
    import json
    import socket

    mnist, toy = result["mnist"], result["toy"]
    assert out.count("live page: http://127.0.0.1:") == 2 and mnist["updates"] >= 2
    assert toy["after"] > 0.9 and toy["after"] > toy["before"] + 0.2 and toy["changed"] > 0.05
    assert f"{100 * toy['after']:.1f}% after" in out
    for page in (mnist["page"], toy["page"]):
        text = open(page, encoding="utf-8").read()
        state = json.loads(text.split('id="live-state">')[1].split("</script>")[0])
        assert state["control"]["closed"] and state["series"]["loss"]
    assert "w ← w − η b" in open(result["stepper"], encoding="utf-8").read()  # SGD momentum
    port = int(out.split("live page: http://127.0.0.1:")[1].split("/")[0])
    with socket.socket() as probe:                                    # the server is gone
        assert probe.connect_ex(("127.0.0.1", port)) != 0


def check_13(out, result):
    models = result["models"]
    stateless = models["feedforward, one digit pair a step"]
    rnn = models["RNN, one digit pair a step"]
    assert rnn["digits"] > 0.99 and rnn["sums"] > 0.95 and rnn["long_sums"] > 0.9
    assert stateless["digits"] < 0.8 and stateless["sums"] < 0.3  # no memory, no carry
    whole = models["feedforward, all 8 pairs at once"]
    assert whole["sums"] < rnn["sums"] - 0.5 and whole["long_sums"] is None
    for model in models.values():
        assert f"{100 * model['sums']:.1f}%" in out
    assert result["steps_recorded"] == 4 and "δ(h[t=2]) += δ(linear[t=3]) @ rnn.weight_hh_l0" \
        in result["equations"]
    small, one, large = (result["ratio"][f"W_hh = {s}·I"] for s in (0.5, 1.0, 1.5))
    assert small == pytest.approx(0.5 ** 11, rel=0.01) and one == pytest.approx(1.0, rel=1e-3)
    assert large == pytest.approx(1.5 ** 11, rel=0.01)  # tanh′ ≈ 1: the factor is W_hh's
    clip = result["clipping"]
    assert clip["before"] > 100 and clip["after"] == pytest.approx(1.0, rel=1e-4)
    assert clip["cosine"] == pytest.approx(1.0)


def check_14(out, result):
    import math as _math
    from tinygrad_edu.data import load_names
    losses, uniform = result["losses"], result["uniform"]
    assert uniform == pytest.approx(_math.log(27))
    # the bigram's loss recomputed here from the counts of the same split (seeded shuffle)
    names = load_names(shuffle=True, seed=42)
    train, val = names[:2000], names[2000:2300]
    index = {c: i + 1 for i, c in enumerate("abcdefghijklmnopqrstuvwxyz")}
    pairs = lambda words: [(a, b) for w in words  # noqa: E731
                           for a, b in zip([0] + [index[c] for c in w], [index[c] for c in w] + [0])]
    counts = np.ones((27, 27))
    for a, b in pairs(train):
        counts[a, b] += 1
    probabilities = counts / counts.sum(axis=1, keepdims=True)
    expected = -np.mean([np.log(probabilities[a, b]) for a, b in pairs(val)])
    assert losses["bigram (counts)"]["val"] == pytest.approx(expected)
    assert result["characters"] == len(pairs(val))
    bigram = losses["bigram (counts)"]["val"]
    for name in ("RNN", "LSTM"):  # a memory of the whole name beats the last character
        assert losses[name]["val"] < bigram - 0.03
    for name, loss in losses.items():
        assert loss["val"] < uniform - 0.8, name
        assert f"{loss['val']:.4f}" in out and f"{loss['train']:.4f}" in out
    for name, drawn in result["samples"].items():
        assert len(drawn) == 6 and all(set(w) <= set(index) and len(w) < 16 for w in drawn), name


CHECKS = {"02": check_02, "03": check_03, "04": check_04, "05": check_05, "06": check_06}
CHECKS.update({"13": check_13, "14": check_14, "15": check_15})  # networks with memory (issue 14), the live page (issue 12)


# ----- the tests -----------------------------------------------------------------------------

def test_the_lessons_are_there():
    numbers = [path.name[:2] for path in EXAMPLES]
    assert len(numbers) == len(set(numbers)), f"two examples share a number: {numbers}"
    for number in CHECKS:
        assert number in numbers, f"examples/{number}_*.py is missing"


@pytest.mark.parametrize("path", EXAMPLES, ids=[path.stem for path in EXAMPLES])
def test_example_runs_quick_and_teaches(path, capsys, tmp_path, monkeypatch):
    module = load_example(path)
    doc = (module.__doc__ or "").strip()
    assert re.match(r"Lesson \d+:", doc), f"{path.name} must open with a docstring 'Lesson N: ...'"
    assert callable(getattr(module, "main", None)), f"{path.name} must define main(argv=None)"
    monkeypatch.chdir(tmp_path)  # files a lesson writes (pictures, checkpoints) land here
    monkeypatch.setenv("MPLBACKEND", "Agg")
    started = time.perf_counter()
    try:
        result = module.main(["--quick"])
    except SystemExit as error:  # argparse's exit on an unknown option
        pytest.fail(f"{path.name}: main(['--quick']) exited with {error.code}; every example "
                    f"must accept --quick (a run of a few seconds), see this file's docstring")
    seconds = time.perf_counter() - started
    out = capsys.readouterr().out
    assert re.search(r"\d", out), f"{path.name} printed no numbers"
    assert seconds < QUICK_SECONDS, (f"{path.name} --quick took {seconds:.0f} s; --quick must "
                                     f"be a run of a few seconds")
    check = CHECKS.get(path.name[:2])
    if check is not None:
        check(out, result)


@pytest.mark.parametrize("path", EXAMPLES, ids=[path.stem for path in EXAMPLES])
def test_example_has_help(path, capsys):
    module = load_example(path)
    with pytest.raises(SystemExit) as exit_info:
        module.main(["--help"])
    assert exit_info.value.code == 0
    assert "--quick" in capsys.readouterr().out
