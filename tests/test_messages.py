"""The catalogues of what the learner's view says: every language has every sentence with the same placeholders, and the learner warnings speak the language that tg.set_language chose."""

import json
import warnings
from pathlib import Path

import pytest

import test_guardrails
import tinygrad_edu as tg
from tinygrad_edu.core import messages
from tinygrad_edu.core.language import LANGUAGES

CATALOGUES = Path(messages.__file__).parent


def catalogue_problems(catalogues):
    """What is wrong with {code: {key: sentence}} against the English one: missing or extra
    keys, and sentences whose placeholders differ from the English sentence's."""
    english = catalogues["en"]
    problems = []
    for code, sentences in catalogues.items():
        problems += [f"{code}: no sentence {key!r}" for key in sorted(set(english) - set(sentences))]
        problems += [f"{code}: {key!r} is not in en" for key in sorted(set(sentences) - set(english))]
        for key in sorted(set(english) & set(sentences)):
            if messages.placeholders(sentences[key]) != messages.placeholders(english[key]):
                problems.append(f"{code}: {key!r} fills {messages.placeholders(sentences[key])}, "
                                f"en fills {messages.placeholders(english[key])}")
    return problems


def test_every_language_has_a_catalogue_with_every_sentence_and_placeholder():
    assert sorted(p.stem for p in CATALOGUES.glob("*.json")) == sorted(LANGUAGES)
    catalogues = {code: messages.catalogue(code) for code in LANGUAGES}
    assert catalogue_problems(catalogues) == []
    assert len(catalogues["en"]) >= 50
    translated = [k for k in catalogues["en"] if catalogues["es"][k] != catalogues["en"][k]]
    assert len(translated) >= len(catalogues["en"]) - 2  # all but "NaN" and the like


def test_the_check_catches_a_missing_sentence_and_a_changed_placeholder():
    catalogues = {code: dict(messages.catalogue(code)) for code in LANGUAGES}
    del catalogues["es"]["accumulation.why"]
    catalogues["es"]["no_gradient.what"] = catalogues["es"]["no_gradient.what"].replace("{count}", "{n}")
    assert catalogue_problems(catalogues) == [
        "es: no sentence 'accumulation.why'",
        "es: 'no_gradient.what' fills ('n', 'optimizer'), en fills ('count', 'optimizer')"]


def test_the_catalogues_are_valid_utf8_json_objects_of_strings():
    for path in CATALOGUES.glob("*.json"):
        sentences = json.loads(path.read_text(encoding="utf-8"))
        assert sentences and all(isinstance(k, str) and isinstance(v, str)
                                 for k, v in sentences.items()), path.name


def test_say_fills_the_placeholders_in_the_current_language():
    assert messages.say("no_gradient.what", optimizer="SGD", count=2).startswith(
        "SGD.step() found no gradient")
    with tg.language("es"):
        assert messages.say("no_gradient.what", optimizer="SGD", count=2).startswith(
            "SGD.step() no encontró ningún gradiente")
    with pytest.raises(KeyError, match="no sentence 'nowhere' in the 'en' catalogue"):
        messages.say("nowhere")


def _warning_of(trap, kind, language):
    """The first warning of `kind` that `trap` gives (a trap may give a second one downstream:
    the inf of an overflow makes a NaN later)."""
    with tg.language(language), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tg.core.guardrails.reset()
        trap()
    return str([w for w in caught if w.category is kind][0].message)


@pytest.mark.parametrize("kind, trap, marker, text, fixed", test_guardrails.CASES,
                         ids=test_guardrails.IDS)
def test_every_learner_warning_speaks_spanish_on_request(kind, trap, marker, text, fixed):
    english, spanish = _warning_of(trap, kind, "en"), _warning_of(trap, kind, "es")
    assert text in english and text not in spanish and spanish != english
    english_lines, spanish_lines = english.split("\n"), spanish.split("\n")
    assert len(english_lines) == len(spanish_lines)
    site = f'File "{test_guardrails.THIS_FILE}", line {test_guardrails.site(marker)}:'
    assert site in english and site in spanish  # the same user's line, named the same way
    for part in ("\n  en ", "\n  por qué: ", "\n  cómo arreglarlo: ",
                 f'\n  para silenciar este tipo: tg.guardrails("off", tg.{kind.__name__})'):
        assert part in spanish
    english_sentences = set(messages.catalogue("en").values()) - set(messages.catalogue("es").values())
    assert not [s for s in english_sentences if len(s) > 30 and s in spanish]
