"""Text for sequence models: the bundled names data set, a character tokenizer, and the two training layouts (fixed context windows, padded sequences).

    names = load_names()                      # 32,033 lowercase first names (SSA 2018, MIT)
    tokens = CharTokenizer(names)             # "." (index 0) marks a name's start and end
    X, Y = context_windows(names, tokens, 3)  # "..e" -> m, ".em" -> m, ... (an MLP's data)
    X, Y = padded_sequences(names, tokens)    # ".emma...." -> "emma.-1-1…" (an RNN's data)
"""

import hashlib
from pathlib import Path

import numpy as np

from tinygrad_edu.core import Tensor, rng

__all__ = ["load_names", "CharTokenizer", "context_windows", "padded_sequences", "NAMES_SHA256"]

NAMES_FILE = Path(__file__).resolve().parent / "names_files" / "names.txt"
NAMES_SHA256 = "0a30b5557f192f32ab962680889aac5f6fda0f4cecf40a6d0b5694f58ea8cc4d"


def load_names(limit=None, shuffle=False, seed=None, path=None):
    """The bundled first names (names_files/names.txt, from makemore; see its README.txt).

    Args:
        limit: keep only this many (after shuffling, if asked).
        shuffle: shuffle the names (the file is ordered by popularity).
        seed: the seed of the shuffle (None: the package generator, see tg.manual_seed).
        path: another text file with one word per line.

    Returns:
        A list of str.

    Raises:
        ValueError: the bundled file does not match its SHA-256 (it was changed or truncated).
    """
    source = Path(path) if path is not None else NAMES_FILE
    data = source.read_bytes()
    if path is None and hashlib.sha256(data).hexdigest() != NAMES_SHA256:
        raise ValueError(f"load_names: {source} does not match its SHA-256 {NAMES_SHA256}; "
                         f"reinstall the package (or pass path= to read another file)")
    words = [w.strip() for w in data.decode("utf-8").splitlines() if w.strip()]
    if shuffle:
        generator = np.random.default_rng(seed) if seed is not None else rng.default_generator()
        words = [words[i] for i in generator.permutation(len(words))]
    return words[:limit] if limit is not None else words


class CharTokenizer:
    """Characters <-> integers: the vocabulary is the boundary mark plus every character seen.

    The boundary "." has index 0 and stands both for "the name starts" (as context) and
    "the name ends" (as a target), as in Karpathy's makemore; the other characters follow in
    sorted order (for the names: a = 1, …, z = 26, vocab_size 27).

    Args:
        words: the texts whose characters make the vocabulary.
        boundary: the start/end mark; it must not occur in the words.

    Example:
        >>> tokens = CharTokenizer(["emma", "ava"])
        >>> tokens.encode("ava"), tokens.decode([2, 1, 3])
        ([1, 4, 1], 'mae')
    """

    def __init__(self, words, boundary="."):
        words = [words] if isinstance(words, str) else list(words)
        characters = sorted(set("".join(words)))
        if boundary in characters:
            raise ValueError(f"CharTokenizer: the boundary mark {boundary!r} occurs in the words; "
                             f"choose another boundary=")
        self.boundary = boundary
        self.itos = [boundary] + characters
        self.stoi = {c: i for i, c in enumerate(self.itos)}

    @property
    def vocab_size(self):
        return len(self.itos)

    def __len__(self):
        return len(self.itos)

    def encode(self, text):
        """The indices of the characters of `text` (no boundary added)."""
        try:
            return [self.stoi[c] for c in text]
        except KeyError as error:
            raise ValueError(f"CharTokenizer.encode: the character {error.args[0]!r} of {text!r} "
                             f"is not in the vocabulary {''.join(self.itos)!r}") from None

    def decode(self, indices):
        """The text of `indices` (a list, array or Tensor of ints); the boundary is dropped."""
        if isinstance(indices, Tensor):
            indices = indices.numpy()
        out = []
        for i in np.asarray(indices).reshape(-1).tolist():
            if not 0 <= i < len(self.itos):
                raise ValueError(f"CharTokenizer.decode: index {i} is outside the vocabulary of "
                                 f"{len(self.itos)}")
            if i != 0:
                out.append(self.itos[i])
        return "".join(out)

    def __repr__(self):
        return f"CharTokenizer(vocab_size={self.vocab_size}, {''.join(self.itos)!r})"


def context_windows(words, tokenizer, block_size):
    """Every (context, next character) pair of the words, contexts padded with the boundary.

    For "emma" and block_size 3: "..." -> e, "..e" -> m, ".em" -> m, "emm" -> a, "mma" -> ".".
    block_size 1 gives the bigram pairs.

    Returns:
        (X, Y): int64 Tensors of shapes (N, block_size) and (N,).
    """
    if isinstance(block_size, bool) or not isinstance(block_size, int) or block_size < 1:
        raise ValueError(f"context_windows: block_size must be a positive int, got {block_size!r}")
    contexts, targets = [], []
    for word in words:
        context = [0] * block_size
        for index in tokenizer.encode(word) + [0]:
            contexts.append(context)
            targets.append(index)
            context = context[1:] + [index]
    return (Tensor(np.array(contexts, dtype=np.int64).reshape(-1, block_size)),
            Tensor(np.array(targets, dtype=np.int64)))


def padded_sequences(words, tokenizer, length=None, ignore_index=-1):
    """Whole words as sequences: input "." + word, target word + ".", padded to one length.

    The input is padded with the boundary (index 0) and the target with `ignore_index`, so
    cross_entropy(..., ignore_index=-1) counts only real characters: every position t
    predicts the character after the first t ones.

    Args:
        words: the texts.
        tokenizer: a CharTokenizer.
        length: the sequence length (default: the longest word + 1).
        ignore_index: the target of padded positions.

    Returns:
        (X, Y): int64 Tensors of shape (N, length).
    """
    longest = max(len(w) for w in words) + 1
    length = longest if length is None else length
    if length < longest:
        raise ValueError(f"padded_sequences: length {length} is shorter than the longest word + 1 "
                         f"({longest})")
    inputs = np.zeros((len(words), length), dtype=np.int64)
    targets = np.full((len(words), length), ignore_index, dtype=np.int64)
    for row, word in enumerate(words):
        encoded = tokenizer.encode(word)
        inputs[row, 1:len(encoded) + 1] = encoded
        targets[row, :len(encoded)] = encoded
        targets[row, len(encoded)] = 0
    return Tensor(inputs), Tensor(targets)
