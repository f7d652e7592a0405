"""The result of equations.compare(): one row per equation and layer (the closed form against autograd), the verdict that names a wrong equation, and the printed table.

    report = tg.equations.compare(model, x, y, "cross_entropy")
    print(report)              # the table, then the verdict
    report.row("BP2", 2).local_ok, [r.equation for r in report.failures]
"""

from dataclasses import dataclass

import numpy as np

from ..core import say

__all__ = ["EquationReport", "EquationRow"]


@dataclass
class EquationRow:
    """One equation at one layer: the closed form against autograd.

    Attributes:
        equation: "BP1", "BP2", "BP3" or "BP4".
        layer: the lecture's layer number l (2 … L).
        module: where the layer lives, e.g. "model[2] Linear(30→10) + Sigmoid".
        quantity: "δ³", "∂C/∂b³", "∂C/∂w³" …
        shape: the shape compared.
        max_abs_error: worst |closed form − autograd| when every term comes from the
            equations (errors of later layers flow down the chain, as in backprop itself).
        max_relative_error: max_abs_error / the largest |autograd| value.
        local_abs_error, local_relative_error: the same with the equation fed autograd's own
            δˡ⁺¹ (or δˡ): the equation checked alone, which localizes a wrong one.
        ok, local_ok: within tolerance.
    """

    equation: str
    layer: int
    module: str
    quantity: str
    shape: tuple
    max_abs_error: float
    max_relative_error: float
    local_abs_error: float
    local_relative_error: float
    ok: bool
    local_ok: bool




@dataclass
class EquationReport:
    """The result of compare(): one EquationRow per equation and layer, and a verdict.

    Attributes:
        rows: the table, output layer first (the order backprop computes it).
        ok: every equation agrees with autograd.
        max_abs_error: the worst absolute error over all rows (closed-form chain).
        cost, batch_size, dtype, rtol, atol: the settings of the comparison.
    """

    rows: list
    cost: str
    batch_size: int
    dtype: str
    rtol: float
    atol: float

    @property
    def ok(self):
        return all(row.ok and row.local_ok for row in self.rows)

    @property
    def max_abs_error(self):
        return max(row.max_abs_error for row in self.rows)

    @property
    def failures(self):
        """The rows whose equation is wrong on its own (local check): the culprits."""
        return [row for row in self.rows if not row.local_ok]

    def row(self, equation, layer):
        """The row of `equation` ("BP1" … "BP4") at lecture layer `layer`."""
        for r in self.rows:
            if r.equation == equation and r.layer == layer:
                return r
        raise KeyError(f"EquationReport: no row for {equation} at layer {layer}")

    def verdict(self):
        if self.ok:
            return say("bp.agree", error=f"{self.max_abs_error:.3g}")
        culprits = self.failures or [r for r in self.rows if not r.ok]
        lines = [say("bp.mismatch")]
        for r in culprits:
            lines.append(say("bp.culprit", equation=r.equation, layer=r.layer, module=r.module,
                             meaning=say(f"bp.meaning.{r.equation}"),
                             error=f"{r.local_abs_error:.3g}"))
        if any(r.equation in ("BP1", "BP2") for r in culprits):
            lines.append(say("bp.sigma_hint"))
        return "\n".join(lines)

    def _repr_html_(self):
        from .html_table import html_table
        header = tuple(say("bp.columns").split("|"))
        rows = [(r.layer, r.equation, r.quantity, r.shape, f"{r.max_abs_error:.2e}",
                 f"{r.max_relative_error:.2e}", f"{r.local_abs_error:.2e}",
                 say("bp.yes") if r.ok and r.local_ok else say("bp.no"), r.module)
                for r in self.rows]
        bad = {i for i, r in enumerate(self.rows) if not (r.ok and r.local_ok)}
        caption = say("bp.caption", dtype=self.dtype, cost=repr(self.cost), n=self.batch_size)
        return html_table(header, rows, caption=caption, footer=self.verdict(), bad_rows=bad)

    def __str__(self):
        header = tuple(say("bp.columns").split("|"))
        table = [header]
        for r in self.rows:
            table.append((str(r.layer), r.equation, r.quantity, str(r.shape),
                          f"{r.max_abs_error:.2e}", f"{r.max_relative_error:.2e}",
                          f"{r.local_abs_error:.2e}",
                          say("bp.yes") if r.ok and r.local_ok else say("bp.no"), r.module))
        widths = [max(len(row[i]) for row in table) for i in range(len(header))]
        lines = [say("bp.caption", dtype=self.dtype, cost=repr(self.cost), n=self.batch_size)
                 + say("bp.tolerance", atol=f"{self.atol:g}", rtol=f"{self.rtol:g}")]
        lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in table]
        lines.append(self.verdict())
        return "\n".join(lines)


def _row(equation, layer, module, quantity, chained, alone, reference, rtol, atol):
    absolute, relative, ok = _errors(chained, reference, rtol, atol)
    local_absolute, local_relative, local_ok = _errors(alone, reference, rtol, atol)
    return EquationRow(equation, layer, module, quantity, tuple(chained.shape), absolute,
                       relative, local_absolute, local_relative, ok, local_ok)


def _errors(computed, reference, rtol, atol):
    if reference is None:
        reference = np.zeros_like(computed)
    absolute = float(np.abs(computed - reference).max()) if computed.size else 0.0
    scale = float(np.abs(reference).max()) if reference.size else 0.0
    relative = absolute / scale if scale > 0 else (0.0 if absolute == 0 else float("inf"))
    ok = bool(np.isfinite(absolute) and absolute <= atol + rtol * scale)
    return absolute, relative, ok
