"""The Spanish edition of the lessons (lessons/spanish.py): the same code cells as the English lesson, its prose from lessons/es/, its printed sentences from lessons/es/prints.json, run in a real kernel with tg speaking Spanish and the same checks."""

import ast
import importlib.util
import json
import re
import string

import jupytext
import pytest

from _lesson_checks import CHECKS
from test_lessons import LESSONS_DIR, execute_notebook

_spec = importlib.util.spec_from_file_location("spanish", LESSONS_DIR / "spanish.py")
spanish = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(spanish)
SPANISH_LESSONS = spanish.spanish_lessons()

_spec = importlib.util.spec_from_file_location("lesson_tools", LESSONS_DIR / "lesson_tools.py")
lesson_tools = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(lesson_tools)
LESSON_SOURCES = sorted(LESSONS_DIR.glob("[0-9][0-9]_*.py")) + [LESSONS_DIR / "lesson_tools.py"]


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
    output = "".join(o.get("text", "") for c in notebook.cells for o in c.get("outputs", [])
                     if o.output_type == "stream")
    check_the_spanish_sentences(record, output)


# The lessons' printed sentences: every English template the code passes to say(), translated(),
# or lesson.compare() (its `what` and `source`), read from the sources without running them.

def _constants(tree):
    """A module's CAPITALISED string constants (lesson 08 passes lesson_tools.RECORD_SOURCE)."""
    return {target.id: node.value.value for node in tree.body if isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
            for target in node.targets if isinstance(target, ast.Name) and target.id.isupper()}


def lesson_templates(sources=LESSON_SOURCES):
    """{English template: the file that says it} for every literal template in `sources`."""
    shared = _constants(ast.parse((LESSONS_DIR / "lesson_tools.py").read_text(encoding="utf-8")))
    found = {}
    for path in sources:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {**shared, **_constants(tree)}
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            function = node.func
            called = getattr(function, "id", getattr(function, "attr", None))
            texts = []
            if called in ("say", "translated"):
                texts = node.args[:1]
            elif (called == "compare" and isinstance(function, ast.Attribute)
                  and getattr(function.value, "id", None) == "lesson"):   # not tg.equations.compare
                texts = node.args[:1] + [k.value for k in node.keywords if k.arg == "source"]
            for text in texts:
                if isinstance(text, ast.Constant) and isinstance(text.value, str):
                    found.setdefault(text.value, path.name)
                elif isinstance(text, ast.Name) and text.id in names:
                    found.setdefault(names[text.id], path.name)
    return found


def _literals(sources=LESSON_SOURCES):
    """Every string literal in `sources` (names like "quadratic" reach translated() in a variable)."""
    return {node.value for path in sources for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.Constant) and isinstance(node.value, str)}


def _fields(template):
    """The template's {placeholders} with their formats, e.g. [('step', '>2', None)], sorted."""
    return sorted((name, spec or "", conversion or "")
                  for _, name, spec, conversion in string.Formatter().parse(template) if name is not None)


def catalogue_problems(templates, catalogue, literals):
    """What is wrong between the lessons' templates and a {English: Spanish} catalogue, one line each."""
    problems = [f"missing: {english!r} ({where}) has no Spanish template"
                for english, where in templates.items()
                if lesson_tools.needs_translation(english) and english not in catalogue]
    problems += [f"mismatched: {english!r} has {_fields(english)} but its Spanish {spanish!r} has "
                 f"{_fields(spanish)}" for english, spanish in catalogue.items()
                 if _fields(english) != _fields(spanish)]
    problems += [f"stale: {english!r} is said by no lesson" for english in catalogue
                 if english not in templates and english not in literals]
    return problems


def _spanish_catalogue():
    def no_duplicates(pairs):
        keys = [key for key, _ in pairs]
        assert len(keys) == len(set(keys)), f"duplicate keys in prints.json: {keys}"
        return dict(pairs)
    return json.loads(lesson_tools.CATALOGUES["es"].read_text(encoding="utf-8"),
                      object_pairs_hook=no_duplicates)


def test_every_printed_sentence_has_a_spanish_template_with_the_same_placeholders():
    templates = lesson_templates()
    assert len(templates) > 70 and "step {step:>2}: predicted ΔC {predicted:+.5f}, actual {actual:+.5f}" in templates
    assert catalogue_problems(templates, _spanish_catalogue(), _literals()) == []


def test_a_missing_mismatched_or_stale_translation_is_caught():
    catalogue = _spanish_catalogue()
    step = "step {step:>2}: predicted ΔC {predicted:+.5f}, actual {actual:+.5f}"
    del catalogue["epoch {epoch}: w = {w}, b = {b}"]
    catalogue[step] = "paso {paso:>2}: ΔC predicho {predicted:+.5f}, real {actual:+.5f}"  # renamed
    catalogue["limits: {limits}"] = "límites: {limits!r}"                               # converted
    catalogue["η = {eta:<5}: predicted ΔC {predicted:+.4f}, actual {actual:+.4f}"] = (
        "η = {eta:<5}: ΔC predicho {predicted:+.2f}, real {actual:+.4f}")               # other digits
    catalogue["a sentence no lesson prints {n}"] = "una frase que ninguna lección imprime {n}"
    problems = catalogue_problems(lesson_templates(), catalogue, _literals())
    assert len(problems) == 5, problems
    assert problems[0].startswith("missing: 'epoch {epoch}") and "01_neurons" in problems[0]
    assert any("mismatched" in p and "'paso'" in p for p in problems)
    assert any("mismatched" in p and "límites" in p for p in problems)
    assert any("mismatched" in p and "+.2f" in p for p in problems)
    assert problems[-1] == "stale: 'a sentence no lesson prints {n}' is said by no lesson"


def test_the_lessons_print_their_sentences_through_say():
    """A print of a literal sentence would stay English in the Spanish edition."""
    for path in LESSON_SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "print":
                literal = [a for a in node.args if isinstance(a, (ast.Constant, ast.JoinedStr))]
                assert not literal, f"{path.name}, line {node.lineno}: print a sentence with say(...)"


def test_translated_follows_the_language_and_keeps_the_numbers(monkeypatch):
    import tinygrad_edu as tg
    step = "step {step:>2}: predicted ΔC {predicted:+.5f}, actual {actual:+.5f}"
    values = dict(step=3, predicted=-0.012345678, actual=-0.0123)
    assert lesson_tools.translated(step, **values) == "step  3: predicted ΔC -0.01235, actual -0.01230"
    monkeypatch.setattr(tg, "get_language", lambda: "es")
    assert lesson_tools.translated(step, **values) == "paso  3: ΔC predicho -0.01235, real -0.01230"
    assert lesson_tools.translated("w = 2, b = 2, x = 1") == "w = 2, b = 2, x = 1"  # nothing to translate
    assert lesson_tools.translated("a sentence with no entry") == "a sentence with no entry"
    assert "a sentence with no entry" in lesson_tools._untranslated


def _pattern(template):
    """A regular expression for the lines `template` prints, whatever its values."""
    return "".join(re.escape(literal) + ("" if name is None else "[^\\n]*?")
                   for literal, name, _, _ in string.Formatter().parse(template))


def check_the_spanish_sentences(record, output):
    """Each sentence the lesson said is printed in Spanish, and its English is not printed."""
    catalogue = lesson_tools.catalogue("es")
    assert record["language"] == "es" and record["untranslated"] == []
    assert record["said"], "the lesson said nothing through lesson_tools.say"
    for english in record["said"]:
        spanish = catalogue.get(english, english)
        assert re.search(_pattern(spanish), output), f"not printed in Spanish: {spanish!r}"
        words = re.findall(r"[A-Za-z]{2,}", "".join(t for t, *_ in string.Formatter().parse(english)))
        if spanish != english and len(words) >= 2:
            assert not re.search(_pattern(english), output), f"printed in English: {english!r}"
