"""The bundled names data set (checksum, license beside it, content), the character tokenizer and the two training layouts."""

from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.data import CharTokenizer, context_windows, load_names, padded_sequences
from tinygrad_edu.data import text


def test_the_names_ship_with_their_license_and_checksum():
    folder = Path(text.NAMES_FILE).parent
    assert "MIT License" in (folder / "LICENSE").read_text()
    assert "Andrej Karpathy" in (folder / "LICENSE").read_text()
    readme = (folder / "README.txt").read_text()
    assert text.NAMES_SHA256 in readme and "ssa.gov" in readme
    names = load_names()
    assert len(names) == 32033 and names[:3] == ["emma", "olivia", "ava"]
    assert all(name.isalpha() and name.islower() for name in names)
    assert max(len(n) for n in names) == 15


def test_a_changed_names_file_is_refused(tmp_path, monkeypatch):
    changed = tmp_path / "names.txt"
    changed.write_bytes(Path(text.NAMES_FILE).read_bytes()[:-3])
    monkeypatch.setattr(text, "NAMES_FILE", changed)
    with pytest.raises(ValueError, match="does not match its SHA-256"):
        load_names()
    assert load_names(path=changed)[-1] == "zz"  # another file by choice is read as is


def test_shuffled_subsets_are_reproducible():
    first = load_names(limit=50, shuffle=True, seed=3)
    assert first == load_names(limit=50, shuffle=True, seed=3)
    assert first != load_names(limit=50) and len(set(first) - set(load_names())) == 0
    tg.manual_seed(0)
    a = load_names(limit=5, shuffle=True)
    tg.manual_seed(0)
    assert a == load_names(limit=5, shuffle=True)


def test_char_tokenizer_round_trips_and_numbers_like_makemore():
    tokens = CharTokenizer(load_names())
    assert tokens.vocab_size == 27 and tokens.itos[0] == "." and tokens.stoi["a"] == 1
    assert tokens.stoi["z"] == 26
    assert tokens.decode(tokens.encode("olivia")) == "olivia"
    assert tokens.decode(tg.tensor([0, 5, 13, 13, 1, 0])) == "emma"
    with pytest.raises(ValueError, match=r"character 'É' of 'Émile' is not in the vocabulary"):
        tokens.encode("Émile")
    with pytest.raises(ValueError, match="index 30 is outside the vocabulary of 27"):
        tokens.decode([30])
    with pytest.raises(ValueError, match="boundary mark '.' occurs in the words"):
        CharTokenizer(["a.b"])


def test_context_windows_of_emma():
    tokens = CharTokenizer(["emma"])  # . a e m -> 0 1 2 3
    X, Y = context_windows(["emma"], tokens, 3)
    assert X.numpy().tolist() == [[0, 0, 0], [0, 0, 2], [0, 2, 3], [2, 3, 3], [3, 3, 1]]
    assert Y.numpy().tolist() == [2, 3, 3, 1, 0]
    X1, Y1 = context_windows(["emma", "ava"], CharTokenizer(["emma", "ava"]), 1)
    assert X1.shape == (9, 1) and Y1.shape == (9,)


def test_padded_sequences_shift_by_one_and_ignore_the_padding():
    tokens = CharTokenizer(["emma", "ava"])  # . a e m v -> 0 1 2 3 4
    X, Y = padded_sequences(["emma", "ava"], tokens)
    assert X.shape == Y.shape == (2, 5)
    assert X.numpy().tolist() == [[0, 2, 3, 3, 1], [0, 1, 4, 1, 0]]
    assert Y.numpy().tolist() == [[2, 3, 3, 1, 0], [1, 4, 1, 0, -1]]
    # the real targets are exactly the context_windows targets, in the same order
    _, windows = context_windows(["emma", "ava"], tokens, 1)
    kept = Y.numpy()[Y.numpy() != -1]
    np.testing.assert_array_equal(kept, windows.numpy())
    with pytest.raises(ValueError, match="length 3 is shorter than the longest word"):
        padded_sequences(["emma"], tokens, length=3)
