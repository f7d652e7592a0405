"""What the learner's view says, in each language: one catalogue per language, keyed sentences with named placeholders.

A catalogue is a JSON file beside this one (`en.json`, `es.json`): {key: sentence}, where a
sentence names its values in braces, `"{op}: the forward pass produced {result}"`, as
`str.format` fills them. `say(key, **values)` picks the sentence of the language set by
`tg.set_language` (core/language.py). Why JSON and not gettext: the English sentence is not a
good key here (many are long, and the keys name the situation: "accumulation.why"), the
catalogues are read without a compile step (gettext wants .mo files made by msgfmt), and a
translator edits one plain file. A third language is a new file `xx.json` with every key of
en.json and the code in language.LANGUAGES; tests/test_messages.py checks that every
catalogue has the same keys and the same placeholders in each sentence.
"""

import functools
import json
import os
import string

from ..language import LANGUAGES, get_language

__all__ = ["say", "catalogue", "placeholders"]

_DIRECTORY = os.path.dirname(os.path.abspath(__file__))


@functools.lru_cache(maxsize=None)
def catalogue(code):
    """The sentences of language `code` ({key: sentence}), read once from `<code>.json`."""
    if code not in LANGUAGES:
        raise ValueError(f"messages: no catalogue for language {code!r}; there are "
                         f"{', '.join(LANGUAGES)}")
    with open(os.path.join(_DIRECTORY, f"{code}.json"), encoding="utf-8") as file:
        return json.load(file)


def say(key, **values):
    """The sentence `key` in the current language, its placeholders filled from `values`."""
    sentences = catalogue(get_language())
    sentence = sentences.get(key)
    if sentence is None:
        raise KeyError(f"messages: no sentence {key!r} in the {get_language()!r} catalogue "
                       f"(core/messages/{get_language()}.json)")
    return sentence.format(**values)


def placeholders(sentence):
    """The names a sentence fills, as a sorted tuple ("{op} made {result}" -> ("op", "result"))."""
    return tuple(sorted({name for _, name, _, _ in string.Formatter().parse(sentence)
                         if name is not None}))
