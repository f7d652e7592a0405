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
    same = {k for k in catalogues["en"] if catalogues["es"][k] == catalogues["en"][k]}
    assert same <= {"value.NaN", "term.softmax", "term.error_delta", "bp.no",
                    "main.row.svm.name"}  # the same in both


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


def _fit_in(language, capsys):
    import test_train
    from tinygrad_edu import nn, optim
    from tinygrad_edu.train import fit
    tg.manual_seed(0)
    model = test_train.small_net()
    with tg.language(language):
        history = fit(model, test_train.blobs(), nn.CrossEntropyLoss(),
                      optim.SGD(model.parameters(), lr=0.5), epochs=3,
                      val_data=test_train.blobs(50, seed=2), progress=True, seed=0,
                      patience=1, min_delta=10.0)  # a min_delta no epoch reaches: stops early
        table = history.as_table()
    return capsys.readouterr().out, table, history


def test_fits_progress_and_history_speak_spanish_on_request(capsys):
    english, english_table, _ = _fit_in("en", capsys)
    spanish, spanish_table, history = _fit_in("es", capsys)
    epochs_run = history.epochs_run
    assert [line.startswith(f"epoch {i}/3: loss ") for i, line in enumerate(english.splitlines(), 1)] \
        == [True] * epochs_run
    lines = spanish.splitlines()
    assert len(lines) == epochs_run and epochs_run < 3  # early stopping cut it short
    for i, line in enumerate(lines, 1):
        assert line.startswith(f"época {i}/3: costo ") and " costo_val " in line and " prec_val " in line
    # the same numbers in both languages, only the words differ
    numbers = lambda text: __import__("re").findall(r"\d+\.\d+", text)
    assert numbers(spanish) == numbers(english)
    assert spanish_table.splitlines()[0].split() == ["época", "costo", "entr", "costo", "val",
                                                     "prec", "val", "η", "segundos"]
    assert "* mejor época 1: precisión de validación" in spanish_table
    assert "parada temprana: la precisión de validación no mejoró en 1 épocas" in spanish_table
    assert "early stopping: no improvement of the validation accuracy for 1 epochs" in english_table


@pytest.mark.parametrize("markdown", [False, True])
def test_explain_speaks_spanish_on_request_with_the_same_steps_and_numbers(markdown):
    from tinygrad_edu import nn
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 1), nn.Sigmoid())
    cost = nn.QuadraticCost()(model(tg.tensor([[0.5, -1.0]], name="x")), tg.tensor([[1.0]], name="y"))
    english = cost.explain(markdown=markdown, notation="lecture")
    with tg.language("es"):
        spanish = cost.explain(markdown=markdown, notation="lecture")
    english_lines, spanish_lines = english.splitlines(), spanish.splitlines()
    assert len(english_lines) == len(spanish_lines)
    assert "Retropropagación desde C (SquaredError, forma ()): 5 pasos en orden topológico inverso" in spanish
    assert "(la semilla)" in spanish and "Hojas (lo que backward() acumula en" in spanish
    assert "paso de la regla de la cadena" in spanish and "chain-rule step" not in spanish
    equations = lambda lines: [l.split("δ(", 1)[1].split("(the seed)")[0].split("(la semilla)")[0]
                               for l in lines if "δ(" in l]
    assert equations(spanish_lines) == equations(english_lines)  # the same steps, math and numbers


def _error_of(make, language):
    with tg.language(language):
        with pytest.raises((ValueError, RuntimeError, TypeError, IndexError)) as info:
            make()
    return info.type, str(info.value)


def _modified_after_saving():
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    x = tg.tensor([3.0, 4.0])
    y = (w * x).sum()
    x += 1
    y.backward()


ERRORS = [
    # (what goes wrong, the Spanish words it must use, the shapes/names both must show)
    (lambda: tg.ones(2, 3) + tg.ones(4, 3), "no se pueden difundir", "(2, 3) y (4, 3)"),
    (lambda: tg.ones(2, 3) @ tg.ones(2, 3), "no se pueden multiplicar", "(2, 3) y (2, 3)"),
    (lambda: tg.nn.Linear(3, 2)(tg.ones(4, 5)), "no encaja con un peso", "(4, 5)"),
    (lambda: (tg.ones(2, 3, requires_grad=True) * 2).backward(), "el gradiente inicial es ambiguo", "(2, 3)"),
    (lambda: tg.ones(2, requires_grad=True).add_(1), "una hoja (leaf Variable)", "add_"),
    (lambda: tg.ones(2, 2, requires_grad=True)[0].mul_(2), "una vista de una hoja", "mul_"),
    (_modified_after_saving, "fue modificada por una operación en el lugar", "Mul guardó"),
    (lambda: tg.ones(2, 3).reshape(4), "no se puede cambiar a", "(2, 3) (6 elementos)"),
    (lambda: tg.ones(2).item(), "solo un tensor de un elemento", "(2,)"),
    (lambda: tg.nn.CrossEntropyLoss()(tg.ones(2, 3), tg.tensor([0, 5])),
     "está fuera del rango de 3 clases", "[0, 2]"),
    (lambda: tg.nn.BCELoss()(tg.ones(2, 3, dtype=tg.int64), tg.ones(2, 3)),
     "debe ser un tensor de floats", "int64"),
    (lambda: tg.nn.Linear(2, 3).load_state_dict({"weight": tg.ones(3, 3), "extra": tg.ones(1)}),
     "no se cargó nada porque", "faltan las claves: ['bias']"),
    (lambda: (tg.ones(2) * 3).sum().backward(), "no requiere gradiente", "requires_grad=True"),
    (lambda: tg.optim.SGD([], lr=0.1), "lista de parámetros vacía", "SGD"),
    (lambda: tg.ones(2, 3).sum(dim=2), "fuera de rango para un tensor de 2 dimensiones", "[-2, 1]"),
]


@pytest.mark.parametrize("make, words, detail", ERRORS, ids=[e[1] for e in ERRORS])
def test_the_common_learner_errors_speak_spanish_on_request(make, words, detail):
    english_type, english = _error_of(make, "en")
    spanish_type, spanish = _error_of(make, "es")
    assert spanish_type is english_type  # the same exception, only its text is translated
    assert words in spanish and words not in english and detail in spanish
    digits = lambda text: __import__("re").findall(r"\d+", text)
    assert digits(spanish) == digits(english)  # the same shapes, sizes and versions


def test_the_glossary_is_the_catalogues_terms_in_both_languages():
    glossary = (Path(__file__).resolve().parents[1] / "docs" / "glossary.md").read_text(encoding="utf-8")
    rows = [line.split(" | ") for line in glossary.splitlines()
            if line.startswith("| ") and not line.startswith("| English") and "---" not in line]
    pairs = [(row[0][2:], row[1]) for row in rows]
    english, spanish = messages.catalogue("en"), messages.catalogue("es")
    terms = sorted(k for k in english if k.startswith("term."))
    assert len(terms) >= 30
    assert sorted(pairs) == sorted((english[k], spanish[k]) for k in terms)
    for must in ("neurona", "función de activación", "tasa de aprendizaje η", "época", "mini-lote",
                 "sesgo", "función de costo", "descenso por gradiente", "retropropagación",
                 "el \"diablito\"", "sobreajuste", "conjunto de validación", "regularización L2",
                 "hiperparámetros"):
        assert must in dict((s, e) for e, s in pairs), must


def test_the_main_job_reports_in_spanish_on_request(tmp_path, capsys):
    from tinygrad_edu import main
    options = ["--subset", "300", "--epochs", "1", "--no-progress", "--no-graph", "--out", str(tmp_path)]
    english_result = main.run(options)
    english = capsys.readouterr().out
    with tg.language("es"):
        spanish_result = main.run(options)
    spanish = capsys.readouterr().out
    assert spanish_result["test_accuracy"] == english_result["test_accuracy"]
    for words in ("imágenes de entrenamiento", "época   1: costo de entrenamiento",
                  "mejor precisión de validación", "precisión de prueba:", "se guardaron los pesos en",
                  "listo en", "red: Sequential(", "mini-lotes de 10", "1 época", "adivinar al azar",
                  "oscuridad media", "esta red", "pesos de la época 1 de 1  <--",
                  "el mejor resultado de la clase"):
        assert words in spanish, words
    for words in ("best validation accuracy", "random guessing", "this network", "network:",
                  "mini-batches"):
        assert words in english and words not in spanish, words


def test_the_bp_report_speaks_spanish_on_request(monkeypatch):
    import numpy as np
    from tinygrad_edu import nn
    from tinygrad_edu.lens import equations
    tg.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 3), nn.Sigmoid(), nn.Linear(3, 2), nn.Sigmoid())
    x, y = tg.randn(5, 4), tg.tensor(np.eye(2, dtype=np.float32)[[0, 1, 1, 0, 1]])
    english, spanish = str(equations.compare(net, x, y)), None
    with tg.language("es"):
        spanish = str(equations.compare(net, x, y))
    assert "BP1-BP4 coinciden con la diferenciación automática en todas las capas" in spanish
    assert spanish.splitlines()[1].split()[:3] == ["capa", "ecuación", "cantidad"]
    assert len(spanish.splitlines()) == len(english.splitlines())
    # a wrong σ′ (the slide's BP2 without the prime): the mismatch is named in Spanish
    monkeypatch.setitem(equations.ACTIVATIONS, "Sigmoid",
                        equations.Activation(equations._sigmoid, equations._sigmoid))
    with tg.language("es"):
        wrong = str(equations.compare(net, x, y))
    assert "DISCREPANCIA entre las ecuaciones y la diferenciación automática:" in wrong
    assert "BP2 en la capa 2" in wrong and "el error oculto δˡ" in wrong and "revisa la derivada" in wrong


def read_resource_text(name):
    from tinygrad_edu.live.page import read_resource
    return read_resource("/" + name)[0].decode("utf-8")


def test_the_live_page_speaks_spanish_on_request():
    from tinygrad_edu.live.page import page_html
    english = page_html()
    with tg.language("es"):
        spanish = page_html({"title": "MNIST"})
    assert "__T." not in english and "__T." not in spanish
    assert '<html lang="es">' in spanish and '<html lang="en">' in english
    for words in ("❚❚ Pausa", "Empujar un peso", "Frontera de decisión", "actualización / peso"):
        assert words in spanish and words not in english
    assert "❚❚ Pause" in english and "❚❚ Pause" not in spanish
    assert "en pausa" in spanish and "otras métricas" in spanish and "en pausa" not in english
    assert '"paused"' not in read_resource_text("live.js")  # live.js's own words come from the page


def test_the_exercises_verdicts_speak_spanish_on_request():
    import numpy as np
    wrong_rule = lambda z, grad_out: grad_out / (1 + np.exp(-z))        # σ, not σ′
    right_rule = lambda z, grad_out: grad_out * np.exp(-z) / (1 + np.exp(-z)) ** 2
    english = str(tg.exercises.check("sigmoid_backward", wrong_rule))
    with tg.language("es"):
        spanish = str(tg.exercises.check("sigmoid_backward", wrong_rule))
        spanish_right = str(tg.exercises.check("sigmoid_backward", right_rule))
        bp2 = str(tg.exercises.check("bp2", lambda d, w, z: (d @ w) / (1 + np.exp(-z))))
    assert "sigmoid_backward: MAL. En el elemento (0, 0)" in spanish and "tu regla da" in spanish
    assert "(una solución: tg.exercises.solution('sigmoid_backward'))" in spanish
    assert "WRONG" in english and "MAL" not in english and "BIEN." in spanish_right
    assert "La primera capa equivocada es la" in bp2 and "Pista: BP2 lleva σ′(zˡ)" in bp2
    digits = lambda text: __import__("re").findall(r"-?\d+\.\d+", text)
    assert digits(spanish) == digits(english)  # the same numbers in both
