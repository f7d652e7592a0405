"""Running trials: the objective call, reading its metric, executors, and the loop that logs and resumes."""

from __future__ import annotations

import concurrent.futures
import math
import numbers
import os
import pickle
import secrets
import time
import traceback
from typing import Any, Callable

from .results import SearchResult, Trial, _format, _trial_from_record, _trial_record
from .trial_log import _append_log, _check_logged, _describe_space, _jsonable, _read_log, _start_log

__all__ = ["SerialExecutor"]


class SerialExecutor(concurrent.futures.Executor):
    """An Executor that runs each call at once, in this process (the default).

    Searches talk to every executor the same way (`submit` -> Future), so serial,
    process-pool and Dask runs share one code path.
    """

    def submit(self, fn, /, *args, **kwargs):
        future = concurrent.futures.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:  # noqa: BLE001 — handed to the caller through the future
            future.set_exception(error)
        return future


class _MetricError(ValueError):
    """The objective returned something that is not a usable metric."""


def _read_metric(output, metric: str, mode: str) -> tuple[float, dict]:
    extras = {}
    if isinstance(output, dict):
        extras = {k: v for k, v in output.items() if k != metric}
        if metric in output:
            output = output[metric]
        elif "history" in output and len(output["history"]) > 0:
            # Successive halving style: the best epoch of the validation history counts.
            history = [float(v) for v in output["history"]]
            output = max(history) if mode == "max" else min(history)
        else:
            raise _MetricError(
                f"the objective returned a dict without the metric {metric!r} "
                f"(its keys: {sorted(map(str, output))}); return {{{metric!r}: number, ...}} "
                f"or pass metric=<key> to the search"
            )
    if not isinstance(output, numbers.Real) and callable(getattr(output, "item", None)):
        try:  # a one-element numpy array or Tensor
            output = output.item()
        except (ValueError, TypeError, RuntimeError):
            pass
    if isinstance(output, bool) or not isinstance(output, numbers.Real):
        raise _MetricError(
            f"the objective returned {output!r} ({type(output).__name__}); return a number, "
            f"or a dict with the metric under {metric!r}"
        )
    value = float(output)
    if not math.isfinite(value):
        raise _MetricError(f"the objective returned a non-finite metric ({value})")
    return value, _jsonable(extras)


def _describe_error(error: BaseException) -> str:
    if isinstance(error, _MetricError):
        return f"invalid metric: {error}"
    text = f"{type(error).__name__}: {error}"
    frames = traceback.extract_tb(error.__traceback__)
    if frames:
        last = frames[-1]
        text += f" (at {os.path.basename(last.filename)}:{last.lineno} in {last.name})"
    return text


def _run_trial(objective: Callable, index: int, config: dict, budget, metric: str, mode: str) -> dict:
    """Call the objective once and report what happened; never raises for the objective's
    own errors, so one bad trial cannot stop a search. Runs wherever the executor puts it.
    (`index` is unused here but makes every submitted call distinct, which matters for
    Dask, which would otherwise merge identical calls.)"""
    start = time.perf_counter()
    try:
        output = objective(dict(config)) if budget is None else objective(dict(config), budget)
        value, extras = _read_metric(output, metric, mode)
    except Exception as error:  # noqa: BLE001 — any failure of a trial is recorded, not raised
        return {"value": float("nan"), "status": "failed", "seconds": time.perf_counter() - start,
                "error": _describe_error(error), "extras": {}}
    return {"value": value, "status": "ok", "seconds": time.perf_counter() - start,
            "error": None, "extras": extras}


def _n_workers(executor) -> int:
    """How many trials an executor runs at once (1 for the serial executor)."""
    if executor is None or isinstance(executor, SerialExecutor):
        return 1
    workers = getattr(executor, "_max_workers", None)  # ProcessPool-/ThreadPoolExecutor
    if isinstance(workers, int) and workers > 0:
        return workers
    client = getattr(executor, "_client", None)  # dask.distributed's ClientExecutor
    if client is not None and hasattr(client, "nthreads"):
        return max(1, sum(client.nthreads().values()))
    return os.cpu_count() or 1


def _check_sendable(objective, executor) -> None:
    if isinstance(executor, concurrent.futures.ProcessPoolExecutor):
        try:
            pickle.dumps(objective)
        except Exception as error:  # noqa: BLE001 — pickling raises many types
            raise TypeError(
                f"the objective {objective!r} cannot be sent to the worker processes "
                f"({type(error).__name__}: {error}); define it at module level in an "
                f"importable file (not a lambda or a function nested in another)"
            ) from error


def _resolve_seed(seed, resume) -> int:
    if seed is None and resume is not None and os.path.exists(resume):
        header = _read_log(resume)[0]
        if header is not None and header.get("seed") is not None:
            return int(header["seed"])
    if seed is None:
        return secrets.randbelow(2**31)
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer or None, got {seed!r}")
    return int(seed)


class _Plan:
    """Which configuration trial i gets (`propose`) and when it may be proposed (`ready`)."""

    name = "search"
    n_trials = 0
    settings: dict = {}

    def ready(self, index: int, finished: dict) -> bool:
        return True

    def propose(self, index: int, finished: dict, proposals: dict) -> tuple[dict, Any]:
        raise NotImplementedError


def _log_header(plan: _Plan, seed, mode: str, metric: str, space: dict) -> dict:
    """The log's first line: everything a resumed search must share with the one it resumes."""
    return {"search": plan.name, "seed": seed, "mode": mode, "metric": metric,
            "space": _describe_space(space), "settings": _jsonable(plan.settings)}


def _finished_trial(future: concurrent.futures.Future, index: int, proposal: tuple[dict, Any],
                    executor) -> Trial:
    """The Trial a finished future holds. The objective's own errors were already recorded
    by _run_trial, so an exception here means the executor failed, and the search stops."""
    config, budget = proposal
    try:
        outcome = future.result()
    except Exception as error:  # noqa: BLE001 — the executor failed, not the objective
        raise RuntimeError(
            f"trial {index} could not run on {type(executor).__name__}: "
            f"{type(error).__name__}: {error}. Objectives sent to other processes "
            f"must be importable module-level functions; a crashed worker breaks "
            f"a process pool (finished trials are in the log: resume from it)"
        ) from error
    return Trial(index=index, config=config, budget=budget, **outcome)


def _execute(plan: _Plan, objective, *, space, seed, mode, metric, executor, log, resume,
             verbose) -> SearchResult:
    """Run a plan's trials on the executor, log each one as it finishes, return the result.

    The loop keeps up to one trial per worker in flight. Trial i is proposed only when
    the plan says it is ready, and a proposal depends only on the trials the plan names
    (never on the order in which trials finish), so the same seed gives the same trials
    on any executor, and a resumed search re-proposes exactly the trials it had.
    """
    executor = SerialExecutor() if executor is None else executor
    _check_sendable(objective, executor)
    path, logged = _start_log(log, resume, _log_header(plan, seed, mode, metric, space))
    finished: dict[int, Trial] = {
        i: _trial_from_record(r) for i, r in logged.items() if i < plan.n_trials
    }
    proposals: dict[int, tuple[dict, Any]] = {}
    pending: dict[concurrent.futures.Future, int] = {}
    limit, next_index = _n_workers(executor), 0
    try:
        while len(finished) < plan.n_trials or next_index < plan.n_trials:
            while next_index < plan.n_trials and len(pending) < limit and plan.ready(next_index, finished):
                config, budget = plan.propose(next_index, finished, proposals)
                proposals[next_index] = (config, budget)
                if next_index in finished:
                    _check_logged(path, finished[next_index], config, budget)
                    finished[next_index].config = config
                else:
                    future = executor.submit(_run_trial, objective, next_index, config, budget, metric, mode)
                    pending[future] = next_index
                next_index += 1
            if not pending:
                if next_index >= plan.n_trials:
                    break
                raise RuntimeError(  # the plans are written so that this cannot happen
                    f"{plan.name}: trial {next_index} waits for trials that are neither finished "
                    f"nor running; please report this as a bug"
                )
            done, _ = concurrent.futures.wait(pending, return_when=concurrent.futures.FIRST_COMPLETED)
            for future in sorted(done, key=pending.get):
                index = pending.pop(future)
                trial = _finished_trial(future, index, proposals[index], executor)
                finished[index] = trial
                if path is not None:
                    _append_log(path, _trial_record(trial))
                if verbose:
                    _print_trial(trial, metric)
    finally:
        for future in pending:
            future.cancel()
    trials = [finished[i] for i in range(plan.n_trials)]
    return SearchResult(trials, mode, metric, plan.name, seed, dict(space))


def _print_trial(trial: Trial, metric: str) -> None:
    shown = ", ".join(f"{k}={_format(v)}" for k, v in trial.config.items())
    budget = "" if trial.budget is None else f" budget={_format(trial.budget)}"
    result = f"{metric}={_format(trial.value)}" if trial.ok else f"FAILED {trial.error}"
    print(f"trial {trial.index:3d}{budget}  {result}  ({trial.seconds:.1f} s)  {shown}", flush=True)
