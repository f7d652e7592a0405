"""The language of what the learner's view says: English (the default) or Spanish.

`tg.set_language("es")` (or the environment variable TINYGRAD_EDU_LANG=es, read at import)
switches explain(), the stepper and live pages, the BP1-BP4 report, the learner warnings,
the training progress and the lessons. Every module that speaks asks `get_language()` when it
builds a sentence, so a switch takes effect at once. The sentences live in one catalogue per
language (see README: En español).
"""

import contextlib
import os

__all__ = ["get_language", "set_language", "language", "LANGUAGES"]

LANGUAGES = ("en", "es")  # a third language is a new catalogue and a new entry here
ENVIRONMENT_VARIABLE = "TINYGRAD_EDU_LANG"

_current = "en"


def _checked(code, where):
    if not isinstance(code, str) or code.lower() not in LANGUAGES:
        raise ValueError(f"{where}: unknown language {code!r}; choose one of "
                         f"{', '.join(repr(c) for c in LANGUAGES)} (English is 'en', Spanish 'es')")
    return code.lower()


def get_language():
    """The code of the language the learner's view speaks now ('en' or 'es')."""
    return _current


def set_language(code):
    """Speak `code` from now on: 'en' (English, the default) or 'es' (Spanish).

    Returns:
        The previous language's code, so it can be restored.
    """
    global _current
    previous, _current = _current, _checked(code, "set_language")
    return previous


@contextlib.contextmanager
def language(code):
    """`with tg.language("es"):` speaks Spanish inside the block, then the language before."""
    previous = set_language(code)
    try:
        yield
    finally:
        set_language(previous)


def _from_environment():
    value = os.environ.get(ENVIRONMENT_VARIABLE)
    if value:
        set_language(_checked(value, f"the environment variable {ENVIRONMENT_VARIABLE}"))


_from_environment()
