"""MNIST: an IDX file reader, checksum verification, the lecture's splits, and the average-darkness baseline."""

import functools
import gzip
import hashlib
import math
import os
import zlib
from pathlib import Path

import numpy as np

from tinygrad_edu.core import Tensor
from tinygrad_edu.data.dataset import TensorDataset

__all__ = [
    "IDXError",
    "read_idx",
    "load_mnist",
    "average_darkness_baseline",
    "MNIST_DIR",
    "SPLITS",
]

MNIST_DIR = Path(__file__).resolve().parent / "mnist_files"
"""The bundled MNIST files (CC BY-SA 3.0; see README.txt in that folder)."""

SPLITS = ("train", "validation", "test", "train_full")
"""The lecture's splits: first 50,000 training images, last 10,000, the 10,000 t10k images, all 60,000."""

VALIDATION_SIZE = 10_000
NUM_CLASSES = 10
IMAGES_MAGIC = 0x00000803  # 2051: unsigned bytes, 3 dimensions (N, rows, columns)
LABELS_MAGIC = 0x00000801  # 2049: unsigned bytes, 1 dimension (N,)

# IDX type code (third byte of the magic number) -> big-endian element type.
IDX_TYPES = {
    0x08: np.dtype("u1"),
    0x09: np.dtype("i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

_GZIP_MAGIC = b"\x1f\x8b"
_SUMS_FILES = ("SHA256SUMS", "SHA256SUMS.gz", "SHA256SUMS.uncompressed")


class IDXError(ValueError):
    """A data file that cannot be used: bad IDX header, truncated data, wrong checksum, bad labels."""


def _decompress(raw, name):
    if raw[:2] != _GZIP_MAGIC:
        return raw
    try:
        return gzip.decompress(raw)
    except (EOFError, OSError, zlib.error) as error:
        raise IDXError(
            f"{name}: the gzip data is truncated or corrupt ({error}); download the file again, "
            "or decompress it yourself to see how much is readable") from None


def _decode_idx(buffer, name):
    """Parse an uncompressed IDX buffer into (read-only array view, magic number)."""
    if len(buffer) < 4:
        raise IDXError(
            f"{name}: only {len(buffer)} bytes, too short for an IDX header (4-byte magic number); "
            "the file is empty or truncated, download it again")
    magic = int.from_bytes(buffer[:4], "big")
    type_code, ndim = buffer[2], buffer[3]
    if buffer[0] != 0 or buffer[1] != 0 or type_code not in IDX_TYPES or ndim == 0:
        raise IDXError(
            f"{name}: wrong magic number 0x{magic:08X}; an IDX file starts with 0x0000TTNN "
            f"(type code TT in {{{', '.join(f'0x{t:02X}' for t in IDX_TYPES)}}}, NN >= 1 dimensions), "
            "e.g. 0x00000803 (2051) for MNIST images and 0x00000801 (2049) for labels; "
            "is this an IDX file, and was it fully decompressed?")
    header = 4 + 4 * ndim
    if len(buffer) < header:
        raise IDXError(
            f"{name}: truncated header: {ndim} dimension sizes need {header} bytes but the file has "
            f"{len(buffer)}; download the file again")
    shape = tuple(int(s) for s in np.frombuffer(buffer, dtype=">u4", count=ndim, offset=4))
    dtype = IDX_TYPES[type_code]
    expected = math.prod(shape) * dtype.itemsize  # Python ints: a hostile header cannot overflow
    actual = len(buffer) - header
    if actual < expected:
        raise IDXError(
            f"{name}: truncated data: the header promises shape {shape} ({expected} bytes of data) "
            f"but only {actual} bytes follow; the file was cut short, download it again")
    if actual > expected:
        raise IDXError(
            f"{name}: {actual - expected} unexpected bytes after the data of shape {shape}; "
            "the header and the data disagree, is this the file you meant?")
    array = np.frombuffer(buffer, dtype=dtype, count=expected // dtype.itemsize, offset=header)
    if dtype.byteorder == ">":
        array = array.astype(dtype.newbyteorder("="))
        array.flags.writeable = False
    return array.reshape(shape), magic


def read_idx(path_or_fileobj):
    """Read an IDX file (gzip-compressed or raw) into a numpy array.

    The IDX format: a big-endian magic number `0x0000TTNN` (TT = element type: 0x08 ubyte,
    0x09 byte, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64; NN = number of
    dimensions), then NN big-endian uint32 dimension sizes, then the data, row-major.
    MNIST images are 0x00000803 (2051: ubyte, N×28×28), labels 0x00000801 (2049: ubyte, N).

    Args:
        path_or_fileobj: a path, or a binary file object opened for reading.

    Returns:
        A writable numpy array in native byte order with the file's shape and type.

    Raises:
        IDXError: bad gzip data, a wrong magic number, truncated data or extra bytes.

    Example:
        >>> read_idx(MNIST_DIR / "t10k-labels-idx1-ubyte.gz")[:5]
        array([7, 2, 1, 0, 4], dtype=uint8)
    """
    if isinstance(path_or_fileobj, (str, os.PathLike)):
        name = os.fspath(path_or_fileobj)
        with open(name, "rb") as file:
            raw = file.read()
    else:
        name = str(getattr(path_or_fileobj, "name", "<file object>"))
        raw = path_or_fileobj.read()
        if not isinstance(raw, (bytes, bytearray, memoryview)):
            raise TypeError(f"read_idx: {name} returned {type(raw).__name__}; open the file in binary mode ('rb')")
        raw = bytes(raw)
    array, _ = _decode_idx(_decompress(raw, name), name)
    return array.copy()


def _read_sums(folder):
    """Merge the SHA256SUMS* files in `folder` into {file name: hex digest}."""
    sums = {}
    for sums_name in _SUMS_FILES:
        sums_path = folder / sums_name
        if not sums_path.is_file():
            continue
        for number, line in enumerate(sums_path.read_text().splitlines(), 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split(None, 1)
            digest = parts[0].lower()
            if len(parts) != 2 or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
                raise IDXError(
                    f"{sums_path}: line {number} is not '<64 hex digits>  <file name>': {line!r}; "
                    "fix or delete the checksum file")
            # sha256sum writes '*name' in binary mode.
            sums[parts[1].strip().lstrip("*")] = (digest, sums_path)
    return sums


@functools.lru_cache(maxsize=8)
def _read_idx_cached(path, mtime_ns, size, expected):
    """Decode (and verify) one file; cached on its path, modification time and size."""
    del mtime_ns, size  # only part of the cache key: a rewritten file is read again
    name = str(path)
    raw = Path(path).read_bytes()
    content = _decompress(raw, name)
    if expected is not None:
        digest, of_content, sums_path = expected
        actual = hashlib.sha256(content if of_content else raw).hexdigest()
        if actual != digest:
            what = "decompressed content" if of_content and content is not raw else "file"
            raise IDXError(
                f"{name}: checksum mismatch: the SHA-256 of the {what} is {actual} but {sums_path} "
                f"says {digest}; the file is corrupt or was replaced, restore the original "
                "(reinstall tinygrad_edu for the bundled data), or fix that SHA256SUMS entry, "
                "or pass verify=False")
    array, magic = _decode_idx(content, name)
    return array, magic


def _find_file(folder, stem):
    """The uncompressed file `stem` if present (fastest to read), else `stem.gz`."""
    for candidate in (folder / stem, folder / (stem + ".gz")):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(
        f"load_mnist: neither {stem} nor {stem}.gz is in {folder}; the folder must hold the four "
        "MNIST-format files train-images-idx3-ubyte, train-labels-idx1-ubyte, "
        "t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (each raw or .gz)")


def _read_verified(path, sums, verify, must_verify):
    expected = None
    if verify:
        if path.name in sums:
            expected = (sums[path.name][0], False, sums[path.name][1])
        elif path.suffix == ".gz" and path.stem in sums:
            expected = (sums[path.stem][0], True, sums[path.stem][1])
        elif must_verify:
            raise IDXError(f"{path}: no SHA-256 entry for this file in the bundled checksum files; reinstall tinygrad_edu")
    stat = path.stat()
    return _read_idx_cached(str(path), stat.st_mtime_ns, stat.st_size, expected)


def _check_magic(array, magic, expected, path, what):
    if magic != expected:
        raise IDXError(
            f"{path}: expected {what} (magic 0x{expected:08X} = {expected}) but the file has magic "
            f"0x{magic:08X} = {magic} (shape {array.shape}); are the images and labels files swapped "
            "or misnamed?")


def _load_arrays(split, root, verify):
    """The split's uint8 images (N, rows, columns) and labels (N,), as read-only views of the cache."""
    if split not in SPLITS:
        raise ValueError(f"load_mnist: unknown split {split!r}; choose one of {', '.join(map(repr, SPLITS))}")
    folder = MNIST_DIR if root is None else Path(root).expanduser()
    if not folder.is_dir():
        raise FileNotFoundError(f"load_mnist: root {folder} is not a folder; pass the folder that holds the IDX files")
    sums = _read_sums(folder) if verify else {}
    prefix = "t10k" if split == "test" else "train"
    image_path = _find_file(folder, f"{prefix}-images-idx3-ubyte")
    label_path = _find_file(folder, f"{prefix}-labels-idx1-ubyte")
    # The bundled data must always verify; a user's folder is verified when it has a SHA256SUMS file.
    must_verify = root is None
    images, image_magic = _read_verified(image_path, sums, verify, must_verify)
    labels, label_magic = _read_verified(label_path, sums, verify, must_verify)
    _check_magic(images, image_magic, IMAGES_MAGIC, image_path, "an images file")
    _check_magic(labels, label_magic, LABELS_MAGIC, label_path, "a labels file")
    if images.shape[0] != labels.shape[0]:
        raise IDXError(
            f"{image_path} has {images.shape[0]} images but {label_path} has {labels.shape[0]} labels; "
            "the counts must agree: use the images and labels files of the same set")
    if labels.size and labels.max() >= NUM_CLASSES:
        position = int(np.argmax(labels >= NUM_CLASSES))
        raise IDXError(
            f"{label_path}: label {int(labels[position])} at index {position} is out of range; "
            f"MNIST-format labels are the classes 0..{NUM_CLASSES - 1}; is this the right labels file?")
    if split in ("train", "validation"):
        n = images.shape[0]
        if n <= VALIDATION_SIZE:
            raise ValueError(
                f"load_mnist: split {split!r} holds out the last {VALIDATION_SIZE} training images for "
                f"validation, but {image_path} has only {n}; use split='train_full'")
        cut = slice(None, n - VALIDATION_SIZE) if split == "train" else slice(n - VALIDATION_SIZE, None)
        images, labels = images[cut], labels[cut]
    return images, labels


def load_mnist(split="train", one_hot=False, root=None, flatten=True, verify=True, subset=None):
    """Load MNIST (or any data in the same four-file IDX layout) as a `TensorDataset`.

    The lecture's splits of the 60,000 training images: "train" is the first 50,000,
    "validation" the last 10,000, "train_full" all 60,000; "test" is the 10,000 t10k images.
    Decoded files are cached in memory, so loading again is fast.

    Args:
        split: "train", "validation", "test" or "train_full".
        one_hot: return labels as float32 one-hot rows y(x) of shape (N, 10), the lecture's
            desired output (e.g. y = (0,0,0,0,0,0,1,0,0,0) for a 6) instead of int64 digits (N,).
        root: a folder with your own files of the same names (e.g. Fashion-MNIST), raw or .gz;
            None uses the bundled MNIST (CC BY-SA 3.0, see mnist_files/README.txt).
        flatten: images as (N, 784) rows (the lecture's input layer) instead of (N, 1, 28, 28).
        verify: check SHA-256 digests: the bundled files always, a user's folder when it holds
            a SHA256SUMS file (lines `<digest>  <file name>`, of the .gz or uncompressed file).
        subset: an int n to keep only the first n examples of the split (quick experiments).

    Returns:
        TensorDataset(images, labels): images float32 in [0, 1] (0 = background, 1 = ink).

    Raises:
        IDXError: a bad file (magic number, truncation, checksum, label range, count mismatch).
        FileNotFoundError: a missing folder or file.
        ValueError: an unknown split or a bad subset size.

    Example:
        >>> images, labels = load_mnist("train").tensors
        >>> images.shape, labels.shape
        ((50000, 784), (50000,))
    """
    images, labels = _load_arrays(split, root, verify)
    if subset is not None:
        if isinstance(subset, bool) or not isinstance(subset, (int, np.integer)) or not 1 <= subset <= len(labels):
            raise ValueError(
                f"load_mnist: subset must be an int in [1, {len(labels)}] (examples to keep from split "
                f"{split!r}), got {subset!r}")
        images, labels = images[:subset], labels[:subset]
    n = images.shape[0]
    shape = (n, int(np.prod(images.shape[1:]))) if flatten else (n, 1) + images.shape[1:]
    pixels = np.divide(images.reshape(shape), np.float32(255), dtype=np.float32)
    if one_hot:
        targets = np.zeros((n, NUM_CLASSES), dtype=np.float32)
        targets[np.arange(n), labels] = 1.0
    else:
        targets = labels.astype(np.int64)
    return TensorDataset(Tensor(pixels), Tensor(targets))


def average_darkness_baseline(root=None, verify=True):
    """The lecture's baseline: guess the digit whose average darkness is closest.

    Darkness is an image's total ink (sum of its pixels). The average darkness of each digit
    is measured on the "train" split (first 50,000 images); a test image is classified as the
    digit whose average is closest to its own darkness. The lecture reports 2,225 of the
    10,000 test images right (22.25%): far better than guessing (10%), far worse than a network.

    Args:
        root: as in `load_mnist`; None uses the bundled MNIST.
        verify: as in `load_mnist`.

    Returns:
        The accuracy on the test set, a float in [0, 1].
    """
    train_images, train_labels = _load_arrays("train", root, verify)
    test_images, test_labels = _load_arrays("test", root, verify)
    # Integer sums are exact, so the averages do not depend on summation order.
    train_darkness = train_images.reshape(len(train_images), -1).sum(axis=1, dtype=np.int64)
    test_darkness = test_images.reshape(len(test_images), -1).sum(axis=1, dtype=np.int64)
    counts = np.bincount(train_labels, minlength=NUM_CLASSES)
    totals = np.bincount(train_labels, weights=train_darkness, minlength=NUM_CLASSES)
    # A digit absent from the training labels gets an infinite average, so it is never guessed.
    averages = np.full(NUM_CLASSES, np.inf)
    present = counts > 0
    averages[present] = totals[present] / counts[present]
    guesses = np.argmin(np.abs(test_darkness[:, None] - averages[None, :]), axis=1)
    return float(np.mean(guesses == test_labels))
