"""What every lesson notebook shares: the QUICK setting, where figures and numbers go, and the lecture's numbers printed beside the lesson's own.

A lesson starts with

    from lesson_tools import Lesson
    lesson = Lesson("05_gradient_descent")
    n = lesson.pick(quick=2_000, full=50_000)      # the test suite runs with TINYGRAD_EDU_QUICK=1

and ends with `lesson.finish()`. Along the way:

    lesson.compare("SVM accuracy", lecture=0.9435, here=accuracy, percent=True, source="…")
    lesson.figure(fig, "cost_surface")     # saves the PNG and a description of what is drawn
    lesson.record("path_costs", costs)     # any other number a test should check

`finish()` writes `<out>/<lesson>.json` with every comparison, record and figure description
(the axes, their titles, and each curve's label and points), so a test can check what a figure
shows, not only that a file exists. Output goes to $TINYGRAD_EDU_LESSON_OUT, else `runs/lessons`.

A sentence a lesson prints goes through `say`, with the English template in the code:

    say("step {step:>2}: predicted ΔC {predicted:+.5f}", step=k + 1, predicted=predicted[k])

It prints the template filled in by str.format, or its translation in the language tinygrad_edu
speaks now (`tg.set_language("es")`, the first cell of the Spanish edition): the Spanish
templates are in lessons/es/prints.json, {English template: Spanish template} with the same
{placeholders} and formats, so both editions print the same numbers. `translated(template,
**values)` returns the sentence instead of printing it (for a piece of a sentence, or a name).
These are the lessons' own words, kept beside the lessons, not in the framework's catalogue
(tinygrad_edu/core/messages/). A text with no word in it ("λ = 5", "w = 2, b = 2, x = 1") needs
no translation; a missing one prints the English and is listed in the record's `untranslated`.
"""

import json
import os
import re
import time
from pathlib import Path

import numpy as np

__all__ = ["Lesson", "QUICK", "LECTURE", "describe_figure", "percent", "load_example", "say",
           "translated", "catalogue", "needs_translation"]

HERE = Path(__file__).resolve().parent
EXAMPLES = HERE.parent / "examples"
CATALOGUES = {"es": HERE / "es" / "prints.json"}
"""Per language other than English, the file of {English template: its translation}."""

QUICK = os.environ.get("TINYGRAD_EDU_QUICK", "0") not in ("", "0")
"""True in the test suite's quick run (TINYGRAD_EDU_QUICK=1): small data, few epochs."""

LECTURE = {
    "and_start_weights": (0.9, 0.9),
    "and_bias": -0.5,            # the slide writes 0.5; the worked numbers need −0.5
    "and_rate": 0.5,
    "input_neurons": 784,
    "hidden_neurons": 30,
    "parameters_784_30_10": 23_860,
    "mnist_train": 60_000,
    "mnist_test": 10_000,
    "random_guess": 0.10,
    "average_darkness": 0.2225,  # 2,225 of 10,000 test images (Nielsen, ch. 1)
    "svm": 0.9435,               # 9,435 of 10,000: scikit-learn's SVC with its defaults (Nielsen, ch. 1)
    "network_784_30_10": 0.95,   # "about 95%" (Nielsen ch. 1: 95.42% at its best epoch of 30)
    "record": 0.9979,            # Wan, Zeiler, Zhang, LeCun, Fergus, ICML 2013 (DropConnect)
    "sgd_speedup": 6_000,        # n = 60,000, m = 10
    "sigmoid_prime_max": 0.25,
    "saturated_start_output": 0.98,  # w = 2, b = 2, x = 1: σ(4) = 0.982
}
"""The lecture's numbers (and where it took them from), printed beside what each lesson measures."""

RECORD_SOURCE = ("L. Wan, M. Zeiler, S. Zhang, Y. LeCun, R. Fergus, \"Regularization of Neural "
                 "Networks using DropConnect\", ICML 2013: 0.21% test error on MNIST, an ensemble "
                 "of 5 convolutional networks with data augmentation")


_catalogues = {}
_said = []          # the English templates said since the lesson began, in order, once each
_untranslated = []  # those of them that had no translation in the language spoken


def catalogue(language):
    """{English template: translated template} for `language` ({} for English), read once."""
    if language not in _catalogues:
        path = CATALOGUES.get(language)
        _catalogues[language] = ({} if path is None else
                                 json.loads(path.read_text(encoding="utf-8")))
    return _catalogues[language]


def needs_translation(text):
    """Whether `text` has a word to translate (formulas and numbers are the same in Spanish)."""
    return re.search(r"[A-Za-z]{2,}", text) is not None


def translated(template, **values):
    """`template` in the language tinygrad_edu speaks now, with `values` filled in (str.format).

    translated("step {step:>2}", step=3) is 'step  3', and 'paso  3' after tg.set_language("es").
    """
    import tinygrad_edu as tg
    language = tg.get_language()
    if template not in _said:
        _said.append(template)
    text = template
    if language != "en" and needs_translation(template):
        text = catalogue(language).get(template)
        if text is None:
            if template not in _untranslated:
                _untranslated.append(template)
            text = template
    return text.format(**values)


def say(template, **values):
    """Print a lesson's sentence in the language tinygrad_edu speaks now: print(translated(...))."""
    print(translated(template, **values))


def percent(value, digits=2):
    return f"{100 * value:.{digits}f}%"


def _points(values, limit=200):
    array = np.asarray(values, dtype=float).ravel()
    if array.size > limit:  # keep the shape of a long curve, not every point
        array = array[np.linspace(0, array.size - 1, limit).round().astype(int)]
    return [None if not np.isfinite(v) else float(v) for v in array]


def describe_figure(fig):
    """What a matplotlib figure draws, as plain data: per axes its title, labels, lines
    (label, x, y), the number of images, collections and patches, and its text."""
    axes = []
    for ax in fig.axes:
        lines = [{"label": str(line.get_label()), "x": _points(line.get_xdata()),
                  "y": _points(line.get_ydata())} for line in ax.get_lines()]
        axes.append({
            "title": ax.get_title(), "xlabel": ax.get_xlabel(), "ylabel": ax.get_ylabel(),
            "lines": lines, "images": len(ax.images), "collections": len(ax.collections),
            "patches": len(ax.patches), "texts": [t.get_text() for t in ax.texts],
            "name": ax.name,
        })
    return {"axes": axes, "suptitle": fig._suptitle.get_text() if fig._suptitle else ""}


class Lesson:
    """One lesson's run: its settings (quick or full), its output folder and its record."""

    def __init__(self, name, out=None):
        self.name = name
        self.quick = QUICK
        self.out = Path(out or os.environ.get("TINYGRAD_EDU_LESSON_OUT", "runs/lessons"))
        self.out.mkdir(parents=True, exist_ok=True)
        self.results = {"lesson": name, "quick": self.quick, "comparisons": {}, "records": {},
                        "figures": {}}
        self.started = time.perf_counter()
        _said.clear()
        _untranslated.clear()
        say("{name}: {run}; figures go to {out}/", name=name, out=self.out,
            run=translated("QUICK run (small data, few epochs)") if self.quick else translated("full run"))

    def pick(self, quick, full):
        """`quick` in the test suite's quick run, else `full`."""
        return quick if self.quick else full

    def compare(self, what, lecture, here, percent=False, source=None, digits=4, **values):
        """Print the lecture's number beside this lesson's and record both.

        `what` and `source` are English templates (`values` fill the {placeholders} of `what`):
        printed in the language spoken, recorded in English, so the checks read one key.
        """
        def text(value):
            if value is None:
                return "—"
            if percent:
                return f"{100 * value:.2f}%"
            if isinstance(value, (int, np.integer)):
                return f"{int(value):,}"
            return f"{float(value):.{digits}g}"
        where = f" ({translated(source)})" if source else ""
        say("  {what}: the lecture {lecture}{where} | here {here}", what=translated(what, **values),
            lecture=text(lecture), where=where, here=text(here))
        self.results["comparisons"][what.format(**values)] = {
            "lecture": None if lecture is None else float(lecture),
            "here": None if here is None else float(here), "source": source}

    def record(self, key, value):
        """Keep a number (or a list, or a dict of them) for the tests."""
        self.results["records"][key] = _plain(value)
        return value

    def figure(self, fig, name, show=True):
        """Save `fig` as <out>/<lesson>_<name>.png, record what it draws, and show it inline."""
        path = self.out / f"{self.name}_{name}.png"
        fig.savefig(path, dpi=80, bbox_inches="tight")
        description = describe_figure(fig)
        description["path"] = str(path)
        description["bytes"] = path.stat().st_size
        self.results["figures"][name] = description
        import matplotlib.pyplot as plt
        if show and _in_jupyter():
            from IPython.display import Image, display
            display(Image(filename=str(path)))   # pyplot's figures and bare ones (History.plot)
        plt.close(fig)        # shown once: not again by the inline backend at the cell's end
        return path

    def finish(self):
        """Write the record to <out>/<lesson>.json; returns its path."""
        import tinygrad_edu as tg
        self.results["seconds"] = round(time.perf_counter() - self.started, 2)
        path = self.out / f"{self.name}.json"
        say("{name}: done in {seconds:.1f} s; record in {path}", name=self.name,
            seconds=self.results["seconds"], path=path)
        self.results["language"] = tg.get_language()
        self.results["said"] = list(_said)  # for the tests: which sentences to find in the output
        self.results["untranslated"] = list(_untranslated)
        path.write_text(json.dumps(self.results, indent=1, ensure_ascii=False), encoding="utf-8")
        return path


def load_example(stem):
    """The command-line lesson examples/<stem>.py as a module (the lessons beyond the lecture
    reuse its functions rather than copy them)."""
    import importlib.util
    path = EXAMPLES / f"{stem}.py"
    spec = importlib.util.spec_from_file_location(f"example_{stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _in_jupyter():
    import sys
    if "ipykernel" not in sys.modules:
        return False
    from IPython import get_ipython
    shell = get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def _plain(value):
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return float(value) if np.isfinite(value) else None
    return value
