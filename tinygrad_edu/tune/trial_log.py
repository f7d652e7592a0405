"""A search's JSON-lines log: a header line, one line per finished trial, and the checks of a resume.

Every finished trial is appended (and flushed) at once, so a killed search loses at most
the line it was writing; a resumed search reads the log back, checks that it was written
by the same search, and runs only the trials it does not hold.
"""

from __future__ import annotations

import json
import math
import numbers
import os

import numpy as np

from .space import Distribution

__all__ = ["ResumeError"]


class ResumeError(ValueError):
    """A log cannot be resumed: it is damaged or was written by a different search."""


def _jsonable(value):
    """A JSON-friendly copy: numpy scalars and arrays become numbers and lists, tuples lists,
    and anything else its type name (so a log never depends on memory addresses)."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, Distribution):
        return repr(value)
    return f"<{type(value).__name__}>"


def _dumps(record: dict) -> str:
    return json.dumps(_jsonable(record), allow_nan=True)


def _read_log(path) -> tuple[dict | None, list[dict], int, bool]:
    """Header, trial records, the byte length of the valid part, and whether that part
    lacks a final newline. A last line cut short (the search was killed while writing it)
    is dropped: its trial simply runs again."""
    with open(path, "rb") as file:
        data = file.read()
    header, records, valid_length, needs_newline = None, [], 0, False
    position = 0
    lines = data.split(b"\n")
    for number, line in enumerate(lines, start=1):
        is_last = number == len(lines)
        end = position + len(line) + (0 if is_last else 1)
        if line.strip():
            try:
                record = json.loads(line)
            except ValueError:
                if is_last:
                    break
                raise ResumeError(
                    f"{path}: line {number} is not valid JSON, so the log is damaged; "
                    f"repair or delete that line and resume again"
                ) from None
            if number == 1 and "search" in record and "index" not in record:
                header = record
            elif "index" in record and "config" in record and "status" in record:
                records.append(record)
            else:
                raise ResumeError(f"{path}: line {number} is not a trial record of a tune log")
            needs_newline = is_last
        position = valid_length = end
    return header, records, valid_length, needs_newline


def _describe_space(space: dict) -> dict:
    return {name: _jsonable(value) for name, value in space.items()}


def _start_log(log, resume, header: dict) -> tuple[str | None, dict[int, dict]]:
    """Open the log for appending; with `resume`, return the trials it already holds."""
    if log is not None and resume is not None and os.fspath(log) != os.fspath(resume):
        raise ValueError(
            f"log={os.fspath(log)!r} and resume={os.fspath(resume)!r} differ; a resumed "
            f"search appends to the log it resumes from, so pass only resume="
        )
    path = resume if resume is not None else log
    if path is None:
        return None, {}
    path = os.fspath(path)
    logged = {}
    if resume is None and os.path.exists(path) and os.path.getsize(path) > 0:
        raise FileExistsError(
            f"the log {path!r} already exists; pass resume={path!r} to continue that search, "
            f"or delete the file (or choose another path) to start a new one"
        )
    if resume is not None and os.path.exists(path):
        old_header, records, valid_length, needs_newline = _read_log(path)
        if old_header is None and records:
            raise ResumeError(f"{path}: the log has trials but no header line; it is not a tune log")
        if old_header is not None:
            for key in ("search", "seed", "mode", "metric", "space", "settings"):
                if old_header.get(key) != header[key]:
                    raise ResumeError(
                        f"cannot resume from {path}: it was written with {key}="
                        f"{old_header.get(key)!r}, but this search has {key}={header[key]!r}; "
                        f"resume with the same settings, or start a new log"
                    )
        for record in records:
            logged.setdefault(int(record["index"]), record)
        with open(path, "r+b") as file:
            file.truncate(valid_length)
            if needs_newline:
                file.seek(0, os.SEEK_END)
                file.write(b"\n")
        if old_header is not None:
            return path, logged
    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, exist_ok=True)
    with open(path, "w", encoding="utf-8") as file:
        file.write(_dumps(header) + "\n")
        file.flush()
    return path, logged


def _append_log(path: str, record: dict) -> None:
    # One write per finished trial, flushed at once: a kill can cut at most the line being
    # written, which _read_log drops on resume.
    with open(path, "a", encoding="utf-8") as file:
        file.write(_dumps(record) + "\n")
        file.flush()


def _close(a, b) -> bool:
    """Equal JSON values, floats up to rounding (a log may come from another machine whose
    arithmetic differs in the last bits)."""
    if isinstance(a, float) or isinstance(b, float):
        return (isinstance(a, numbers.Real) and isinstance(b, numbers.Real)
                and math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-12))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    return a == b


def _check_logged(path, trial, config: dict, budget) -> None:
    """Raise ResumeError unless `trial` (a results.Trial read back from the log) has the
    config and budget the search proposes for it now."""
    if not (_close(_jsonable(trial.config), _jsonable(config))
            and _close(_jsonable(trial.budget), _jsonable(budget))):
        raise ResumeError(
            f"cannot resume from {path}: trial {trial.index} there has config {trial.config} "
            f"(budget {trial.budget}), but this search proposes {_jsonable(config)} (budget "
            f"{budget}); the log comes from a different search or objective results changed"
        )
