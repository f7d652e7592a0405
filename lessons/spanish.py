"""The Spanish edition of the lessons: the same code cells as the English lesson, the prose from lessons/es/<lesson>.md.

Why this way: a lesson has one source of code (`lessons/NN_topic.py`, which the tests run), so
the two editions can never compute different things. Only the prose is written twice: the
Spanish file holds the lesson's markdown cells in order, each starting with a line
`<!-- celda -->`, and `spanish_notebook` swaps them into the English notebook one for one (their
counts must agree) and adds a first cell `tg.set_language("es")`, so that everything the
framework says while the lesson runs (explain(), warnings, fit's progress, errors) is in Spanish.
The lessons' own printed sentences follow the same switch: the code prints them with
`lesson_tools.say("English template {value}", value=...)`, which takes the Spanish template from
lessons/es/prints.json when tg speaks Spanish (tests/test_lessons_es.py checks that every template
has one, with the same placeholders and formats). Still English: what the examples/ programs
that lessons 15-18 run print, and the figures' titles and labels.

`python lessons/spanish.py` writes `lessons/es/NN_topic.ipynb` for every lesson that has a
Spanish text (`make notebooks` runs it).
"""

import pathlib
import sys

import jupytext
import nbformat

HERE = pathlib.Path(__file__).resolve().parent
SPANISH = HERE / "es"
MARKER = "<!-- celda -->"


def spanish_lessons():
    """The English lesson sources that have a Spanish text, in order."""
    return sorted(HERE / (path.stem + ".py") for path in SPANISH.glob("[0-9][0-9]_*.md"))


def spanish_cells(lesson):
    """The Spanish markdown cells of `lesson` (a path to lessons/NN_topic.py), in order."""
    text = (SPANISH / (pathlib.Path(lesson).stem + ".md")).read_text(encoding="utf-8")
    if not text.lstrip().startswith(MARKER):
        raise ValueError(f"{lesson}: the Spanish text must start with a line {MARKER}")
    return [cell.strip() for cell in text.split(MARKER)[1:]]


def spanish_notebook(lesson):
    """The lesson's notebook with its prose in Spanish and tg speaking Spanish."""
    notebook = jupytext.read(lesson)
    prose = [cell for cell in notebook.cells if cell.cell_type == "markdown"]
    cells = spanish_cells(lesson)
    if len(cells) != len(prose):
        raise ValueError(f"{pathlib.Path(lesson).name}: {len(prose)} markdown cells in English but "
                         f"{len(cells)} in lessons/es/ (each starts with {MARKER})")
    for cell, text in zip(prose, cells):
        cell.source = text
    notebook.cells.insert(1, nbformat.v4.new_code_cell(
        'import tinygrad_edu as tg\ntg.set_language("es")  # lo que dice el framework, en español'))
    return notebook


def main():
    for lesson in spanish_lessons():
        target = SPANISH / (lesson.stem + ".ipynb")
        nbformat.write(spanish_notebook(lesson), target)
        print(f"wrote {target.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
