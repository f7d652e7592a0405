"""Every lesson notebook in lessons/ runs in a real Jupyter kernel at quick settings, and shows what it teaches.

A lesson is a Jupytext percent-format script (`lessons/NN_topic.py`): it runs as a plain script
and opens as a notebook. Here each one is read with jupytext, executed cell by cell by nbclient
in an ipykernel kernel started with this tree on PYTHONPATH, with TINYGRAD_EDU_QUICK=1 and its
output folder in tmp_path. The lesson writes `<name>.json` (lesson_tools.Lesson.finish): the
lecture's numbers beside its own, other records, and a description of every figure (axes,
titles, each curve's points). The checks in _lesson_checks.py assert those numbers with a
tolerance and the figures' content.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import jupytext
import nbclient
import nbformat
import pytest

from _lesson_checks import CHECKS

ROOT = Path(__file__).resolve().parent.parent
LESSONS_DIR = ROOT / "lessons"
LESSONS = sorted(LESSONS_DIR.glob("[0-9][0-9]_*.py"))
QUICK_SECONDS = 120  # per notebook, generous for a loaded machine; most take a few seconds


def _kernel_environment(tmp_path):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(LESSONS_DIR)] +
                                        ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    env["TINYGRAD_EDU_QUICK"] = "1"
    env["TINYGRAD_EDU_LESSON_OUT"] = str(tmp_path)
    env.pop("MPLBACKEND", None)  # the kernel's own default (inline), as a student's Jupyter has
    env.pop("PYTEST_CURRENT_TEST", None)
    return env


def execute_notebook(path, tmp_path, monkeypatch, notebook=None):
    """Run the lesson as a notebook in a fresh ipykernel (its Spanish edition when `notebook`
    is given); returns (notebook, its record)."""
    notebook = jupytext.read(path) if notebook is None else notebook
    # As the whole suite does (pyproject's filterwarnings): a learner warning is an error, so
    # a lesson that shows one on purpose must catch it and say so.
    notebook.cells.insert(0, nbformat.v4.new_code_cell(
        "import warnings, tinygrad_edu\n"
        "warnings.simplefilter('error', tinygrad_edu.LearnerWarning)"))
    for key, value in _kernel_environment(tmp_path).items():
        monkeypatch.setenv(key, value)  # the kernel inherits this process's environment
    client = nbclient.NotebookClient(notebook, kernel_name="python3", timeout=QUICK_SECONDS,
                                     resources={"metadata": {"path": str(LESSONS_DIR)}})
    client.execute()
    record = tmp_path / f"{path.stem}.json"
    assert record.exists(), f"{path.name} did not call lesson.finish() (no {record.name})"
    return notebook, json.loads(record.read_text(encoding="utf-8"))


def test_lessons_are_numbered_in_the_lectures_order():
    numbers = [p.name[:2] for p in LESSONS]
    assert numbers == [f"{i:02d}" for i in range(1, len(LESSONS) + 1)], numbers
    for number in CHECKS:
        assert number in numbers, f"lessons/{number}_*.py is missing"


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_lesson_is_a_notebook_and_a_script(path):
    notebook = jupytext.read(path)
    kinds = [cell.cell_type for cell in notebook.cells]
    assert kinds[0] == "markdown" and notebook.cells[0].source.startswith("# Lesson"), (
        f"{path.name} must open with a markdown cell '# Lesson N · …'")
    words = sum(len(cell.source.split()) for cell in notebook.cells if cell.cell_type == "markdown")
    assert kinds.count("markdown") >= 2 and words >= 120, (
        f"{path.name}: a lesson explains in prose, not just code ({words} words of prose)")
    assert "lesson.finish()" in path.read_text(encoding="utf-8")
    compile(path.read_text(encoding="utf-8"), str(path), "exec")  # it is a plain Python script


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_lesson_runs_in_a_kernel_and_teaches(path, tmp_path, monkeypatch):
    started = time.perf_counter()
    notebook, record = execute_notebook(path, tmp_path, monkeypatch)
    seconds = time.perf_counter() - started
    assert record["quick"] is True
    errors = [o for c in notebook.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
    for name, figure in record["figures"].items():
        assert Path(figure["path"]).exists() and figure["bytes"] > 2000, name
        assert figure["axes"], f"figure {name} has no axes"
    shown = [o for c in notebook.cells for o in c.get("outputs", [])
             if o.output_type == "display_data" and "image/png" in o.get("data", {})]
    assert len(shown) >= len(record["figures"]), "every saved figure is also shown inline"
    assert seconds < QUICK_SECONDS, f"{path.name} took {seconds:.0f} s at quick settings"
    check = CHECKS.get(path.name[:2])
    assert check is not None, f"{path.name} has no check in tests/_lesson_checks.py"
    check(record)


def test_a_lesson_runs_as_a_plain_script(tmp_path):
    """The same source runs with plain `python` (no Jupyter), figures saved, record written."""
    path = LESSONS[0]
    env = _kernel_environment(tmp_path)
    env["MPLBACKEND"] = "Agg"
    result = subprocess.run([sys.executable, str(path)], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=QUICK_SECONDS)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "the lecture" in result.stdout
    record = json.loads((tmp_path / f"{path.stem}.json").read_text(encoding="utf-8"))
    assert record["comparisons"] and record["figures"]
