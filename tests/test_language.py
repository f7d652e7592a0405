"""The language switch: English by default, Spanish on request (tg.set_language, tg.language, TINYGRAD_EDU_LANG)."""

import os
import subprocess
import sys

import pytest

import tinygrad_edu as tg


def test_english_is_the_default_and_the_switch_returns_the_previous_language():
    assert tg.get_language() == "en"
    assert tg.set_language("es") == "en" and tg.get_language() == "es"
    assert tg.set_language("EN") == "es" and tg.get_language() == "en"


def test_the_context_manager_restores_the_language_even_after_an_error():
    with pytest.raises(KeyError):
        with tg.language("es"):
            assert tg.get_language() == "es"
            raise KeyError("inside")
    assert tg.get_language() == "en"


def test_an_unknown_language_is_refused_by_name():
    with pytest.raises(ValueError, match=r"set_language: unknown language 'fr'; choose one of 'en', 'es'"):
        tg.set_language("fr")
    assert tg.get_language() == "en"


@pytest.mark.parametrize("value, expected", [("es", "es"), ("en", "en"), ("", "en")])
def test_the_environment_variable_chooses_the_language_at_import(value, expected):
    environment = dict(os.environ, TINYGRAD_EDU_LANG=value)
    result = subprocess.run([sys.executable, "-c", "import tinygrad_edu as tg; print(tg.get_language())"],
                            capture_output=True, text=True, env=environment, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


def test_a_bad_environment_value_names_the_variable():
    environment = dict(os.environ, TINYGRAD_EDU_LANG="klingon")
    result = subprocess.run([sys.executable, "-c", "import tinygrad_edu"], capture_output=True,
                            text=True, env=environment, timeout=120)
    assert result.returncode != 0
    assert "the environment variable TINYGRAD_EDU_LANG: unknown language 'klingon'" in result.stderr
