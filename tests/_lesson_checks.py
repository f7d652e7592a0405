"""What each lesson notebook must show, checked on the record it writes (numbers and figures).

`CHECKS[number](record)` gets the lesson's JSON record (lesson_tools.Lesson): `comparisons`
(the lecture's number beside the lesson's), `records` (other numbers) and `figures` (per
figure: its axes with titles, labels and each curve's points).
"""

import numpy as np
import pytest


def here(record, what):
    return record["comparisons"][what]["here"]


def lecture_matches(record, what, abs=None, rel=None):
    entry = record["comparisons"][what]
    assert entry["here"] == pytest.approx(entry["lecture"], abs=abs, rel=rel), what


def lines(record, figure, axes=None):
    chosen = record["figures"][figure]["axes"]
    if axes is not None:
        chosen = [chosen[axes]]
    return [line for ax in chosen for line in ax["lines"]]


def check_01(record):
    r = record["records"]
    lecture_matches(record, "AND: x·w + b for the input (0, 1) at the start", abs=1e-9)
    lecture_matches(record, "AND: weights after the first mistake", abs=1e-9)
    assert r["and_final_weights"] == pytest.approx([0.4, 0.4])
    assert 0.3 == pytest.approx(r["and_weighted_sums"][-1])  # (1, 1) → 0.8 − 0.5 at the end
    for gate in ("AND", "OR", "NAND"):
        assert r["gates"][gate]["converged"], gate
    assert not r["gates"]["XOR"]["converged"] and min(r["gates"]["XOR"]["mistakes"]) > 0
    assert r["xor_by_hand"] == [0, 1, 1, 0] and r["nand_by_hand"] == [1, 1, 1, 0]
    assert [int(v > 0.5) for v in r["xor_network_outputs"]] == [0, 1, 1, 0]
    axes = record["figures"]["gates"]["axes"]
    assert len(axes) == 4 and "no line" in axes[3]["title"]
    assert all(ax["collections"] >= 1 for ax in axes)  # the four points are drawn


CHECKS = {"01": check_01}
