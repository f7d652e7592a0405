"""The Spanish edition of the lessons (lessons/spanish.py): the same code cells as the English lesson, its prose from lessons/es/, run in a real kernel with tg speaking Spanish and the same checks."""

import importlib.util
from pathlib import Path

import jupytext
import pytest

from _lesson_checks import CHECKS
from test_lessons import LESSONS_DIR, execute_notebook

_spec = importlib.util.spec_from_file_location("spanish", LESSONS_DIR / "spanish.py")
spanish = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(spanish)
SPANISH_LESSONS = spanish.spanish_lessons()


def test_the_lecture_lessons_in_spanish_start_with_the_first():
    assert SPANISH_LESSONS and SPANISH_LESSONS[0].name == "01_neurons_and_the_perceptron.py"
    for lesson in SPANISH_LESSONS:
        assert lesson.exists(), f"lessons/es/{lesson.stem}.md has no English lesson {lesson.name}"


@pytest.mark.parametrize("lesson", SPANISH_LESSONS, ids=[p.stem for p in SPANISH_LESSONS])
def test_the_spanish_edition_has_the_same_code_and_translated_prose(lesson):
    english = jupytext.read(lesson)
    edition = spanish.spanish_notebook(lesson)
    code = lambda nb: [c.source for c in nb.cells if c.cell_type == "code"]
    assert code(edition)[1:] == code(english)  # after the one cell that switches the language
    assert 'tg.set_language("es")' in code(edition)[0]
    prose = lambda nb: [c.source for c in nb.cells if c.cell_type == "markdown"]
    for theirs, ours in zip(prose(english), prose(edition)):
        assert ours != theirs and len(ours.split()) > 0.6 * len(theirs.split())
    assert prose(edition)[0].startswith("# Lección")


def test_a_missing_spanish_cell_is_refused_by_count(tmp_path, monkeypatch):
    lesson = SPANISH_LESSONS[0]
    text = (spanish.SPANISH / f"{lesson.stem}.md").read_text(encoding="utf-8")
    monkeypatch.setattr(spanish, "SPANISH", tmp_path)
    (tmp_path / f"{lesson.stem}.md").write_text(text.rsplit(spanish.MARKER, 1)[0], encoding="utf-8")
    with pytest.raises(ValueError, match="markdown cells in English but"):
        spanish.spanish_notebook(lesson)


@pytest.mark.parametrize("lesson", SPANISH_LESSONS, ids=[p.stem for p in SPANISH_LESSONS])
def test_the_spanish_lesson_runs_in_a_kernel_and_teaches(lesson, tmp_path, monkeypatch):
    notebook, record = execute_notebook(lesson, tmp_path, monkeypatch,
                                        notebook=spanish.spanish_notebook(lesson))
    assert not [o for c in notebook.cells for o in c.get("outputs", []) if o.output_type == "error"]
    CHECKS[lesson.name[:2]](record)  # the same numbers as the English lesson must show
