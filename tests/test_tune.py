"""Tests of tinygrad_edu.tune: spaces, searches, the Gaussian process, faults, resumption, executors."""

import concurrent.futures
import itertools
import json
import math
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import _tune_helpers as helpers
from tinygrad_edu import tune
from tinygrad_edu.tune import (
    BRANIN_MINIMUM,
    BRANIN_SPACE,
    GaussianProcess,
    ResumeError,
    SearchSpaceError,
    branin,
    choice,
    expected_improvement,
    loguniform,
    randint,
    uniform,
)

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent


def outcomes(result):
    """What must agree between two runs of a search (everything but the timings)."""
    return [(t.index, t.config, t.value if t.ok else None, t.status, t.error, t.budget)
            for t in result.trials]


# --- distributions ---------------------------------------------------------------------

finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
positive = st.floats(1e-8, 1e6, allow_nan=False, allow_infinity=False)
widths = st.floats(1e-6, 1e6, allow_nan=False, allow_infinity=False)
seeds = st.integers(0, 2**32 - 1)


@settings(max_examples=60, deadline=None)
@given(low=finite, width=widths, seed=seeds)
def test_uniform_samples_inside_bounds_and_round_trips(low, width, seed):
    distribution = uniform(low, low + width)
    assert distribution.problem() is None
    values = [distribution.sample(np.random.default_rng([seed, k])) for k in range(5)]
    assert all(low <= v <= low + width for v in values)
    unit = distribution.encode(values)
    assert np.all((unit >= 0) & (unit <= 1))
    np.testing.assert_allclose(distribution.decode(unit), values, rtol=1e-9, atol=1e-9 * width)


@settings(max_examples=60, deadline=None)
@given(low=positive, factor=st.floats(1.0001, 1e6), seed=seeds)
def test_loguniform_samples_inside_bounds_and_round_trips(low, factor, seed):
    distribution = loguniform(low, low * factor)
    values = [distribution.sample(np.random.default_rng([seed, k])) for k in range(5)]
    assert all(low <= v <= low * factor for v in values)
    unit = distribution.encode(values)
    assert np.all((unit >= -1e-12) & (unit <= 1 + 1e-12))
    np.testing.assert_allclose(distribution.decode(unit), values, rtol=1e-9)


@settings(max_examples=60, deadline=None)
@given(low=st.integers(-1000, 1000), size=st.integers(1, 500), seed=seeds)
def test_randint_samples_inside_bounds_inclusive_and_round_trips(low, size, seed):
    distribution = randint(low, low + size)
    values = [distribution.sample(np.random.default_rng([seed, k])) for k in range(20)]
    assert all(isinstance(v, int) and low <= v <= low + size for v in values)
    assert distribution.decode(distribution.encode(values)) == values
    assert distribution.decode(np.array([[0.0], [1.0]])) == [low, low + size]


@settings(max_examples=40, deadline=None)
@given(values=st.lists(st.one_of(st.integers(), st.text(max_size=3)), min_size=1, max_size=6, unique=True),
       seed=seeds)
def test_choice_samples_its_values_and_round_trips(values, seed):
    distribution = choice(values)
    picks = [distribution.sample(np.random.default_rng([seed, k])) for k in range(10)]
    assert all(p in values for p in picks)
    one_hot = distribution.encode(picks)
    assert one_hot.shape == (10, len(values)) and np.all(one_hot.sum(axis=1) == 1)
    assert distribution.decode(one_hot) == picks


def test_randint_reaches_both_ends():
    rng = np.random.default_rng(0)
    assert {randint(3, 5).sample(rng) for _ in range(200)} == {3, 4, 5}


# --- bad search spaces -----------------------------------------------------------------


@pytest.mark.parametrize(
    "space, words",
    [
        ({"lr": uniform(1.0, 0.5)}, ["'lr'", "low < high", "swap"]),
        ({"lr": loguniform(0.0, 1.0)}, ["'lr'", "0 < low", "log", "1e-05"]),
        ({"lr": loguniform(-1.0, 1.0)}, ["'lr'", "non-positive"]),
        ({"hidden": randint(10, 10)}, ["'hidden'", "low=10 >= high=10"]),
        ({"hidden": randint(1.5, 10)}, ["'hidden'", "integer"]),
        ({"act": choice([])}, ["'act'", "no values", "at least one"]),
        ({"act": choice(3)}, ["'act'", "list"]),
        ({"lr": uniform(0.0, math.inf)}, ["'lr'", "finite"]),
        ({"hidden": [30, 100]}, ["'hidden'", "choice([30, 100])"]),
        ({"lr": uniform}, ["'lr'", "call it"]),
        ({}, ["empty"]),
        ([("lr", 1)], ["dict"]),
    ],
)
def test_bad_space_fails_clearly_before_any_trial(space, words):
    calls = []
    for search in (tune.random_search, tune.bayes_search, tune.grid_search):
        with pytest.raises(SearchSpaceError) as info:
            search(calls.append, space)
        assert all(word in str(info.value) for word in words), str(info.value)
    assert calls == []
    assert issubclass(SearchSpaceError, ValueError)


def test_bad_search_arguments_fail_clearly():
    space = {"x": uniform(0, 1)}
    with pytest.raises(ValueError, match="mode must be 'max' or 'min'"):
        tune.random_search(branin, space, 3, seed=0, mode="maximize")
    with pytest.raises(ValueError, match="n_trials"):
        tune.random_search(branin, space, 0, seed=0)
    with pytest.raises(ValueError, match="seed"):
        tune.random_search(branin, space, 3, seed=-1)
    with pytest.raises(ValueError, match="n_initial"):
        tune.bayes_search(branin, space, 3, seed=0, n_initial=1)
    with pytest.raises(ValueError, match="eta"):
        tune.successive_halving(helpers.halving_objective, space, 9, 1, 9, eta=1, seed=0)


# --- grid and random search ------------------------------------------------------------


def test_grid_search_visits_exactly_the_product():
    space = {"act": choice(["relu", "sigmoid"]), "lr": loguniform(0.01, 1.0),
             "hidden": randint(10, 12), "epochs": 3}
    seen = []

    def objective(config):
        seen.append(dict(config))
        return config["lr"]

    result = tune.grid_search(objective, space, n_points={"lr": 3})
    lrs = [0.01, 0.1, 1.0]
    expected = [{"act": a, "lr": lr, "hidden": h, "epochs": 3}
                for a, lr, h in itertools.product(["relu", "sigmoid"], lrs, [10, 11, 12])]
    assert len(seen) == len(result.trials) == 2 * 3 * 3
    for got, want in zip(seen, expected):
        assert got.keys() == want.keys() and got["act"] == want["act"] and got["hidden"] == want["hidden"]
        assert got["lr"] == pytest.approx(want["lr"])
    assert len({json.dumps(c, sort_keys=True) for c in seen}) == len(seen)
    assert result.best_value == pytest.approx(1.0)


def test_grid_of_continuous_and_wide_integer_parameters():
    assert tune.grid_configs({"x": uniform(0, 1)}, 3) == [{"x": 0.0}, {"x": 0.5}, {"x": 1.0}]
    assert [c["k"] for c in tune.grid_configs({"k": randint(0, 100)}, 3)] == [0, 50, 100]


def test_same_seed_same_search_and_different_seed_different_search():
    space = {"x1": uniform(-5, 10), "x2": uniform(0, 15), "kind": choice(["a", "b"]), "k": randint(1, 9)}

    def objective(config):
        return branin(config) + (1.0 if config["kind"] == "a" else 0.0) + config["k"]

    first = tune.random_search(objective, space, 8, seed=7, mode="min")
    assert outcomes(first) == outcomes(tune.random_search(objective, space, 8, seed=7, mode="min"))
    assert outcomes(first) != outcomes(tune.random_search(objective, space, 8, seed=8, mode="min"))
    bayes = tune.bayes_search(objective, space, 9, seed=7, n_initial=4, mode="min")
    assert outcomes(bayes) == outcomes(tune.bayes_search(objective, space, 9, seed=7, n_initial=4, mode="min"))
    # Bayesian search starts with the very configurations random search draws.
    assert [t.config for t in bayes.trials[:4]] == [t.config for t in first.trials[:4]]


def test_manual_search_tries_the_given_configs_in_order():
    configs = [{"lr": 3.0, "hidden": 30}, {"lr": 1.0, "hidden": 30}, {"lr": 0.5, "hidden": 100}]
    result = tune.manual_search(lambda c: c["lr"] * c["hidden"], configs)
    assert [t.config for t in result.trials] == configs and result.best_config == configs[0]
    assert result.table().splitlines()[0].split()[:3] == ["trial", "lr", "hidden"]
    with pytest.raises(ValueError, match="non-empty list of dicts"):
        tune.manual_search(branin, [])


def test_one_element_arrays_count_as_numbers():
    result = tune.random_search(lambda c: np.array([c["x"]]), {"x": uniform(0, 1)}, 2, seed=0)
    assert all(t.ok for t in result.trials)


def test_mode_min_and_max_pick_opposite_ends():
    space = {"x": choice([1, 2, 3])}
    assert tune.grid_search(lambda c: c["x"], space, mode="max").best_config == {"x": 3}
    assert tune.grid_search(lambda c: c["x"], space, mode="min").best_config == {"x": 1}


# --- result ----------------------------------------------------------------------------


def test_result_table_plot_and_trials_to_reach(tmp_path):
    result = tune.random_search(branin, BRANIN_SPACE, 6, seed=1, mode="min")
    curve = result.best_so_far()
    assert all(b <= a for a, b in zip(curve, curve[1:]))
    assert result.n_trials_to_reach(curve[2]) <= 3
    assert result.n_trials_to_reach(-1.0) is None
    table = result.table()
    assert table.splitlines()[0].split() == ["trial", "x1", "x2", "value", "best", "seconds", "status"]
    assert len(table.splitlines()) == 2 + 6 + 1 and "best value" in table
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    figure = result.plot(tmp_path / "search.png")
    assert (tmp_path / "search.png").stat().st_size > 1000
    assert figure.axes[0].get_xlabel() == "trial"


def test_plot_without_matplotlib_says_how_to_install(monkeypatch):
    result = tune.random_search(branin, BRANIN_SPACE, 2, seed=0, mode="min")
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"pip install tinygrad-edu\[plot\]"):
        result.plot()


# --- the Gaussian process and expected improvement -------------------------------------


def test_gp_posterior_interpolates_training_points_with_near_zero_variance():
    rng = np.random.default_rng(0)
    X = rng.random((12, 2))
    y = np.sin(6 * X[:, 0]) + X[:, 1] ** 2
    exact = GaussianProcess(lengthscales=0.4, variance=1.0, noise=1e-8).fit(X, y, optimize=False)
    mean, std = exact.predict(X)
    np.testing.assert_allclose(mean, y, atol=1e-5)
    assert np.all(std < 1e-3 * y.std())
    fitted = GaussianProcess().fit(X, y, rng=rng)
    mean, std = fitted.predict(X)
    np.testing.assert_allclose(mean, y, atol=0.02 * y.std())
    assert np.all(std < 0.05 * y.std())
    far = fitted.predict(np.array([[3.0, 3.0]]))[1]
    assert far[0] > 10 * std.max()  # away from the data the model is unsure


def test_gp_marginal_likelihood_gradient_matches_finite_differences():
    rng = np.random.default_rng(1)
    X = rng.random((10, 3))
    gp = GaussianProcess().fit(X, np.cos(3 * X).sum(axis=1), optimize=False)
    theta = np.array([-1.0, -0.5, 0.3, 0.2, -3.0])
    _, gradient = gp.log_marginal_likelihood(theta, gradient=True)
    step = 1e-6
    numeric = [
        (gp.log_marginal_likelihood(theta + step * e) - gp.log_marginal_likelihood(theta - step * e)) / (2 * step)
        for e in np.eye(len(theta))
    ]
    np.testing.assert_allclose(gradient, numeric, rtol=1e-4, atol=1e-6)


def test_gp_fit_maximizes_marginal_likelihood():
    rng = np.random.default_rng(2)
    X = rng.random((15, 1))
    y = np.sin(8 * X[:, 0])
    gp = GaussianProcess().fit(X, y, rng=rng)
    fitted = gp.log_marginal_likelihood()
    # Brute force over the length scale, the amplitude and noise held at the fitted values.
    grid = [gp.log_marginal_likelihood(np.array([math.log(l), gp.theta[1], gp.theta[2]]))
            for l in np.geomspace(0.01, 20, 200)]
    assert fitted >= max(grid) - 1e-3


@settings(max_examples=50, deadline=None)
@given(mean=st.lists(st.floats(-100, 100), min_size=1, max_size=20),
       std=st.floats(0, 50), best=st.floats(-100, 100), xi=st.floats(0, 1))
def test_expected_improvement_is_never_negative(mean, std, best, xi):
    assert np.all(expected_improvement(np.array(mean), std, best, xi) >= 0)


def test_expected_improvement_zero_when_certain_and_no_better():
    mean = np.array([0.5, 1.0, 2.0, 0.5, 1.0])
    std = np.array([0.0, 0.0, 0.0, 0.3, 0.3])
    ei = expected_improvement(mean, std, best=1.0)
    np.testing.assert_array_equal(ei[:2], 0.0)
    assert ei[2] == pytest.approx(1.0)  # certain and better: exactly the gain
    assert 0 < ei[3] < ei[4]  # uncertainty gives a chance; a higher mean a larger one
    # A brute-force check of the closed form: E[max(f − best, 0)] for f ~ N(1, 0.3²).
    samples = np.random.default_rng(0).normal(1.0, 0.3, 400_000)
    assert ei[4] == pytest.approx(np.maximum(samples - 1.0, 0).mean(), rel=0.01)


def test_bayes_finds_branin_optimum_in_far_fewer_trials_than_random():
    target = BRANIN_MINIMUM + 0.05
    bayes, random = [], []
    for seed in range(3):
        result = tune.bayes_search(branin, BRANIN_SPACE, 35, seed, mode="min")
        bayes.append(result.n_trials_to_reach(target) or 36)
        assert result.best_value == pytest.approx(BRANIN_MINIMUM, abs=0.05)
        random_result = tune.random_search(branin, BRANIN_SPACE, 1500, seed, mode="min")
        random.append(random_result.n_trials_to_reach(target) or 1501)
    assert np.mean(bayes) <= 35 and np.mean(bayes) * 5 <= np.mean(random), (bayes, random)


def test_bayes_handles_integer_and_choice_parameters():
    space = {"k": randint(0, 20), "kind": choice(["bad", "good", "ok"]), "x": uniform(0, 1)}
    offsets = {"bad": 5.0, "good": 0.0, "ok": 1.0}

    def objective(config):
        return (config["k"] - 13) ** 2 + offsets[config["kind"]] + (config["x"] - 0.5) ** 2

    result = tune.bayes_search(objective, space, 25, seed=0, n_initial=6, mode="min")
    assert result.best_config["k"] == 13 and result.best_config["kind"] == "good"
    assert all(isinstance(t.config["k"], int) for t in result.trials)


# --- faults ------------------------------------------------------------------------------


def test_failed_trials_are_recorded_and_do_not_stop_the_search(tmp_path):
    result = tune.grid_search(helpers.flaky, {"x": uniform(0.1, 0.9)}, n_points=9,
                              metric="accuracy", log=tmp_path / "log.jsonl")
    by_x = {round(t.config["x"], 2): t for t in result.trials}
    assert by_x[0.1].status == "failed" and "RuntimeError: x=0.100 is too small" in by_x[0.1].error
    assert "_tune_helpers.py" in by_x[0.1].error
    assert "non-finite" in by_x[0.2].error and "non-finite" in by_x[0.3].error
    assert math.isnan(by_x[0.1].value)
    assert [t.status for t in result.trials].count("ok") == 6
    assert result.best_config == {"x": pytest.approx(0.7)} and result.trials[6].extras == {"note": "fine"}
    assert "failed: RuntimeError" in result.table()
    logged = [json.loads(line) for line in (tmp_path / "log.jsonl").read_text().splitlines()[1:]]
    assert [r["status"] for r in logged] == [t.status for t in result.trials]
    assert logged[0]["value"] is None and logged[0]["error"].startswith("RuntimeError")


def test_objective_returning_the_wrong_thing_fails_the_trial_with_advice():
    result = tune.random_search(lambda c: {"acc": 1.0}, {"x": uniform(0, 1)}, 1, seed=0)
    assert "without the metric 'value'" in result.trials[0].error and "metric=" in result.trials[0].error
    result = tune.random_search(lambda c: "high", {"x": uniform(0, 1)}, 1, seed=0)
    assert "returned 'high' (str)" in result.trials[0].error
    assert result.best_config is None and math.isnan(result.best_value)


def test_bayes_survives_failures_in_a_region():
    def objective(config):
        if config["x"] > 0.8:
            raise FloatingPointError("diverged")
        return -((config["x"] - 0.6) ** 2)

    result = tune.bayes_search(objective, {"x": uniform(0, 1)}, 12, seed=0, n_initial=4)
    assert result.n_failed >= 1 and result.best_value > -1e-3


# --- logs and resumption -----------------------------------------------------------------


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")
def test_search_killed_mid_way_resumes_without_losing_or_repeating_a_trial(tmp_path):
    log, calls = tmp_path / "search.jsonl", tmp_path / "calls.jsonl"
    space = dict(BRANIN_SPACE, calls=str(calls), sleep=0.1)
    environment = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(TESTS)]))
    process = subprocess.Popen([sys.executable, str(TESTS / "_tune_helpers.py"), str(log), str(calls), "3"],
                               env=environment)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if log.exists() and len(log.read_text().splitlines()) >= 1 + 6:
            break
        time.sleep(0.02)
    assert process.poll() is None, "the search ended before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait()
    before = [json.loads(line) for line in log.read_text().splitlines()[1:] if line.endswith("}")]
    assert 6 <= len(before) < 12
    n_calls_before = len(calls.read_text().splitlines())

    resumed = tune.bayes_search(helpers.recorded_branin, space, 12, 3, 4, mode="min", resume=log)
    calls_in_resume = [json.loads(line) for line in calls.read_text().splitlines()[n_calls_before:]]
    assert len(calls_in_resume) == 12 - len(before)  # no finished trial ran again
    finished_before = {(r["config"]["x1"], r["config"]["x2"]) for r in before}
    assert not finished_before & {(c["x1"], c["x2"]) for c in calls_in_resume}
    logged = [json.loads(line) for line in log.read_text().splitlines()[1:]]
    assert sorted(r["index"] for r in logged) == list(range(12))  # none lost, none twice

    uninterrupted = tune.bayes_search(helpers.recorded_branin, space, 12, 3, 4, mode="min")
    assert outcomes(resumed) == outcomes(uninterrupted)


def test_resume_drops_a_line_cut_short_and_reruns_only_that_trial(tmp_path):
    log = tmp_path / "log.jsonl"
    calls = []

    def objective(config):
        calls.append(config["x"])
        return config["x"]

    space = {"x": uniform(0, 1)}
    full = tune.random_search(objective, space, 6, seed=4, log=log)
    lines = log.read_text().splitlines(keepends=True)
    log.write_text("".join(lines[:5]) + lines[5][:20])  # header + 4 trials + half a line
    calls.clear()
    resumed = tune.random_search(objective, space, 6, seed=4, resume=log)
    assert calls == [t.config["x"] for t in full.trials[4:]]
    assert outcomes(resumed) == outcomes(full)
    assert len(log.read_text().splitlines()) == 7 and all(
        json.loads(line) for line in log.read_text().splitlines())
    # Resuming a finished search runs nothing; a larger n_trials extends it.
    calls.clear()
    assert outcomes(tune.random_search(objective, space, 6, resume=log)) == outcomes(full)
    assert calls == []
    longer = tune.random_search(objective, space, 8, seed=4, resume=log)
    assert len(calls) == 2 and outcomes(longer)[:6] == outcomes(full)


def test_resume_refuses_a_log_from_another_search(tmp_path):
    log = tmp_path / "log.jsonl"
    tune.random_search(branin, BRANIN_SPACE, 3, seed=0, mode="min", log=log)
    with pytest.raises(ResumeError, match="seed"):
        tune.random_search(branin, BRANIN_SPACE, 3, seed=1, mode="min", resume=log)
    with pytest.raises(ResumeError, match="search"):
        tune.bayes_search(branin, BRANIN_SPACE, 3, seed=0, mode="min", resume=log)
    with pytest.raises(FileExistsError, match="resume="):
        tune.random_search(branin, BRANIN_SPACE, 3, seed=0, mode="min", log=log)
    log.write_text(log.read_text().replace('"status"', '"statu"', 1) + "{}\n")
    with pytest.raises(ResumeError, match="line 2"):
        tune.random_search(branin, BRANIN_SPACE, 3, seed=0, mode="min", resume=log)


def test_result_from_log(tmp_path):
    log = tmp_path / "log.jsonl"
    result = tune.random_search(branin, BRANIN_SPACE, 4, seed=2, mode="min", log=log)
    again = tune.SearchResult.from_log(log)
    assert outcomes(again) == outcomes(result) and again.best_value == result.best_value


# --- executors -----------------------------------------------------------------------------


def test_process_pool_gives_the_same_results_as_serial():
    space = dict(BRANIN_SPACE, kind=choice([0, 1]))
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(2, mp_context=context) as pool:
        random_pool = tune.random_search(branin, space, 6, seed=5, mode="min", executor=pool)
        bayes_pool = tune.bayes_search(branin, space, 9, seed=5, n_initial=3, mode="min", executor=pool)
    assert outcomes(random_pool) == outcomes(tune.random_search(branin, space, 6, seed=5, mode="min"))
    serial = tune.bayes_search(branin, space, 9, seed=5, n_initial=3, mode="min", batch_size=2)
    assert outcomes(bayes_pool) == outcomes(serial)
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=context) as pool:
        with pytest.raises(TypeError, match="module level"):
            tune.random_search(lambda c: 0.0, space, 2, seed=0, executor=pool)


def test_thread_pool_and_constant_liar_batches():
    space = {"x": uniform(0, 1)}
    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        threaded = tune.bayes_search(helpers.peaked, space, 10, seed=1, n_initial=3, executor=pool)
    serial = tune.bayes_search(helpers.peaked, space, 10, seed=1, n_initial=3, batch_size=3)
    assert outcomes(threaded) == outcomes(serial)
    # The pending points' made-up values send each worker somewhere else.
    xs = [t.config["x"] for t in serial.trials]
    assert min(abs(a - b) for a, b in itertools.combinations(xs, 2)) > 1e-3


def test_dask_cluster_gives_the_same_results_as_serial():
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        executor = client.get_executor()
        bayes_dask = tune.bayes_search(branin, BRANIN_SPACE, 8, seed=6, n_initial=3, mode="min",
                                       executor=executor)
        random_dask = tune.random_search(helpers.flaky, {"x": uniform(0, 1)}, 6, seed=6,
                                         metric="accuracy", executor=executor)
    serial = tune.bayes_search(branin, BRANIN_SPACE, 8, seed=6, n_initial=3, mode="min", batch_size=2)
    assert outcomes(bayes_dask) == outcomes(serial)
    assert outcomes(random_dask) == outcomes(
        tune.random_search(helpers.flaky, {"x": uniform(0, 1)}, 6, seed=6, metric="accuracy"))


# --- successive halving --------------------------------------------------------------------


def test_successive_halving_promotes_the_best_fraction_with_more_budget():
    space = {"q": uniform(0, 1)}
    result = tune.successive_halving(helpers.halving_objective, space, 9, 1, 9, eta=3, seed=0)
    budgets = [t.budget for t in result.trials]
    assert budgets == [1] * 9 + [3] * 3 + [9]
    first, second = result.trials[:9], result.trials[9:12]
    top3 = sorted(first, key=lambda t: -t.value)[:3]
    assert [t.config for t in second] == [t.config for t in top3]
    assert result.best_config == max(first, key=lambda t: t.value).config
    assert result.best_trial.budget == 9
    assert result.best_value == pytest.approx(result.best_config["q"] * (1 - 0.5**9))
    assert result.trials[-1].extras["history"][-1] == result.best_value
    assert "budget" in result.table().splitlines()[0]


# --- the lesson ---------------------------------------------------------------------------


def test_lesson_runs_with_small_settings(capsys):
    pytest.importorskip("tinygrad_edu.train")
    import importlib.util

    path = ROOT / "examples" / "08_hyperparameter_search.py"
    spec = importlib.util.spec_from_file_location("lesson_08", path)
    lesson = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(lesson)
    result = lesson.main(["--subset", "300", "--epochs", "1", "--trials", "4", "--initial", "2",
                          "--validation", "200"])
    output = capsys.readouterr().out
    assert "bayes" in output and "test accuracy" in output
    assert set(result["results"]) == {"manual", "grid", "random", "bayes"}
    assert all(len(r.trials) == 4 for r in result["results"].values())
    assert f"{result['test_accuracy']:.4f}" in output
