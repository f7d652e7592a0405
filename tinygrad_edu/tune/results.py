"""What a search returns: each `Trial`, and the `SearchResult` with the best trial, a table and a plot."""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field

from .space import Distribution
from .trial_log import ResumeError, _jsonable, _read_log

__all__ = ["Trial", "SearchResult"]


@dataclass
class Trial:
    """One evaluation of the objective.

    Attributes:
        index: position in the search's proposal order (0, 1, 2, ...).
        config: the configuration the objective received.
        value: the metric it returned (nan when the trial failed).
        status: "ok" or "failed".
        seconds: wall time of the objective call, measured where it ran.
        error: "ExceptionType: message (at file:line in function)" when failed.
        budget: the budget (epochs) given by successive halving, else None.
        extras: the other entries of a dict returned by the objective (JSON-friendly).
    """

    index: int
    config: dict
    value: float
    status: str
    seconds: float
    error: str | None = None
    budget: float | None = None
    extras: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def _trial_record(trial: Trial) -> dict:
    """The trial as one line of the log (see trial_log.py); _trial_from_record reads it back."""
    return {
        "index": trial.index,
        "config": trial.config,
        "value": trial.value if trial.ok else None,
        "status": trial.status,
        "seconds": round(trial.seconds, 6),
        "error": trial.error,
        "budget": trial.budget,
        "extras": trial.extras,
    }


def _trial_from_record(record: dict) -> Trial:
    value = record.get("value")
    return Trial(
        index=int(record["index"]),
        config=record["config"],
        value=float("nan") if value is None else float(value),
        status=record["status"],
        seconds=float(record.get("seconds", 0.0)),
        error=record.get("error"),
        budget=record.get("budget"),
        extras=record.get("extras") or {},
    )


def _is_better(a: float, b: float, mode: str) -> bool:
    return a > b if mode == "max" else a < b


@dataclass
class SearchResult:
    """What a search returns: every trial, the best one, a table and a plot.

    Attributes:
        trials: all trials in proposal order (failed ones included).
        mode: "max" or "min".
        metric: the name of the metric.
        search: which search produced it ("random_search", ...).
        seed: the seed used (recorded even when it was drawn at random).
        space: the search space (None when read back from a log alone).
    """

    trials: list
    mode: str = "max"
    metric: str = "value"
    search: str = "search"
    seed: int | None = None
    space: dict | None = None

    @property
    def best_trial(self) -> Trial | None:
        """The best finished trial; with budgets, the best among the largest budget reached."""
        finished = [t for t in self.trials if t.ok]
        if not finished:
            return None
        top_budget = max((t.budget or 0) for t in finished)
        finished = [t for t in finished if (t.budget or 0) == top_budget]
        best = finished[0]
        for trial in finished[1:]:
            if _is_better(trial.value, best.value, self.mode):
                best = trial
        return best

    @property
    def best_config(self) -> dict | None:
        best = self.best_trial
        return None if best is None else dict(best.config)

    @property
    def best_value(self) -> float:
        best = self.best_trial
        return float("nan") if best is None else best.value

    @property
    def n_failed(self) -> int:
        return sum(not t.ok for t in self.trials)

    def best_so_far(self) -> list[float]:
        """The best value among trials 1..k, for each k (nan until one finishes)."""
        best, curve = float("nan"), []
        for trial in self.trials:
            if trial.ok and (math.isnan(best) or _is_better(trial.value, best, self.mode)):
                best = trial.value
            curve.append(best)
        return curve

    def n_trials_to_reach(self, target: float) -> int | None:
        """How many trials (in proposal order) it took to reach `target`, or None if never.

        "Reach" means value ≥ target for mode="max" and value ≤ target for mode="min".
        """
        for count, trial in enumerate(self.trials, start=1):
            if trial.ok and (trial.value == target or _is_better(trial.value, target, self.mode)):
                return count
        return None

    def table(self, max_rows: int | None = None) -> str:
        """A plain-text table: one row per trial with its parameters, value, best so far,
        seconds and status; failed trials show their error."""
        names = [n for n in self._searched_names()]
        with_budget = any(t.budget is not None for t in self.trials)
        header = ["trial", *names] + (["budget"] if with_budget else [])
        header += [self.metric, "best", "seconds", "status"]
        rows = []
        for trial, best in zip(self.trials, self.best_so_far()):
            row = [str(trial.index)] + [_format(trial.config.get(n)) for n in names]
            if with_budget:
                row.append(_format(trial.budget))
            status = trial.status if trial.ok else f"failed: {_shorten(trial.error or '', 60)}"
            row += [_format(trial.value), _format(best), f"{trial.seconds:.2f}", status]
            rows.append(row)
        if max_rows is not None and len(rows) > max_rows:
            rows = rows[:max_rows] + [["..."] * len(header)]
        widths = [max(len(r[k]) for r in [header] + rows) for k in range(len(header))]
        lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in [header] + rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        best = self.best_trial
        if best is not None:
            shown = {n: best.config[n] for n in names if n in best.config} if names else best.config
            lines.append(
                f"best {self.metric} = {_format(best.value)} ({self.mode}) at trial {best.index}: {shown}"
            )
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        """The trials as an HTML table in Jupyter (failed trials in red), the best one below."""
        from ..lens.html_table import html_table
        names = self._searched_names()
        header = ["trial", *names, self.metric, "best", "seconds", "status"]
        rows = [[trial.index, *[_format(trial.config.get(n)) for n in names], _format(trial.value),
                 _format(best), f"{trial.seconds:.2f}",
                 trial.status if trial.ok else f"failed: {_shorten(trial.error or '', 60)}"]
                for trial, best in zip(self.trials, self.best_so_far())]
        failed = {i for i, trial in enumerate(self.trials) if not trial.ok}
        best = self.best_trial
        footer = None if best is None else (f"best {self.metric} = {_format(best.value)} at "
                                            f"trial {best.index}: {best.config}")
        return html_table(header, rows, caption=f"{self.search}: {len(self.trials)} trials",
                          footer=footer, bad_rows=failed)

    def _searched_names(self) -> list[str]:
        if self.space is not None:
            return [n for n, v in self.space.items() if isinstance(v, Distribution)]
        names = list(self.trials[0].config) if self.trials else []
        return [n for n in names if len({json.dumps(_jsonable(t.config.get(n))) for t in self.trials}) > 1]

    def plot(self, path: str | os.PathLike | None = None, ax=None):
        """Draw each trial's value (dots; failed trials as red crosses) and the best so far.

        Args:
            path: if given, save the figure there (PNG, PDF, SVG by extension).
            ax: a matplotlib Axes to draw into; a new figure otherwise.

        Returns:
            The matplotlib Figure.

        Raises:
            ImportError: matplotlib is not installed (pip install tinygrad-edu[plot]).
        """
        try:
            import matplotlib.pyplot as plt
        except ImportError as error:
            raise ImportError(
                "SearchResult.plot needs matplotlib, an optional extra: "
                "pip install tinygrad-edu[plot]  (or use SearchResult.table())"
            ) from error
        if ax is None:
            figure, ax = plt.subplots(figsize=(7, 4))
        else:
            figure = ax.figure
        numbers_ = [t.index + 1 for t in self.trials]
        finished = [(n, t.value) for n, t in zip(numbers_, self.trials) if t.ok]
        if finished:
            ax.plot(*zip(*finished), "o", color="tab:blue", alpha=0.6, label=f"{self.metric} of the trial")
            low = min(v for _, v in finished) if self.mode == "max" else max(v for _, v in finished)
            failed = [n for n, t in zip(numbers_, self.trials) if not t.ok]
            if failed:
                ax.plot(failed, [low] * len(failed), "x", color="tab:red", label="failed trial")
            ax.step(numbers_, self.best_so_far(), where="post", color="tab:orange", label="best so far")
        ax.set_xlabel("trial")
        ax.set_ylabel(self.metric)
        ax.set_title(f"{self.search} ({'maximize' if self.mode == 'max' else 'minimize'} {self.metric})")
        ax.legend(loc="best")
        if path is not None:
            figure.savefig(path, dpi=120, bbox_inches="tight")
            plt.close(figure)
        return figure

    @classmethod
    def from_log(cls, path: str | os.PathLike) -> SearchResult:
        """Read the trials a search wrote to its log (e.g. to look at a search still running)."""
        header, records, _, _ = _read_log(path)
        if header is None:
            raise ResumeError(f"{path}: the log has no header line; it is empty or not a tune log")
        trials = sorted((_trial_from_record(r) for r in records), key=lambda t: t.index)
        return cls(trials, header["mode"], header["metric"], header["search"], header["seed"], None)

    def __repr__(self) -> str:
        best = self.best_trial
        best_text = "no finished trial" if best is None else (
            f"best {self.metric}={_format(best.value)} at trial {best.index}: {best.config}"
        )
        return (
            f"SearchResult({self.search}, {len(self.trials)} trials, {self.n_failed} failed, "
            f"{best_text})"
        )


def _format(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else f"{value:.4g}"
    return str(value)


def _shorten(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 3] + "..."
