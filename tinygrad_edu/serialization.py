"""Checkpoints without pickle: save and load named weights as a validated, atomically written .npz file.

A checkpoint is an ordinary numpy `.npz` archive (a zip of `.npy` arrays, readable with
`np.load(path, allow_pickle=False)`) holding one array per entry of the state dict (float
weights; integer counters such as BatchNorm's num_batches_tracked) plus one `__metadata__`
entry: UTF-8 JSON stored as a uint8 array, with the format version, the names in order,
their shapes and dtypes, and the caller's own metadata.

Why not pickle (what `torch.save` uses)? Unpickling a file can run any code its author
chose, so opening a checkpoint from someone else would be as risky as running their
program. Plain arrays plus JSON cannot carry code, and every field is checked on load.
"""

import collections
import contextlib
import json
import os
import secrets
import zipfile
import zlib

import numpy as np

from tinygrad_edu.core import Tensor

__all__ = ["CheckpointError", "save", "load", "load_metadata", "load_into", "LoadResult", "FORMAT", "VERSION",
           "MAX_BYTES"]

FORMAT = "tinygrad_edu.checkpoint"
VERSION = 1
METADATA_KEY = "__metadata__"
_MAX_HEADER_SIZE = 10_000  # bytes; numpy's own default guard against hostile .npy headers
MAX_BYTES = 4 * 2 ** 30
"""The largest total size (bytes, uncompressed) `load` accepts unless told otherwise: far above the
lecture's networks (MNIST's 784-30-10 is 95 kB), far below what would exhaust a laptop."""
# Floats are the weights; integers are allowed too because a model's state holds integer
# buffers (BatchNorm's num_batches_tracked). Nothing else: no bool, complex, str or objects.
_ALLOWED_KINDS = ("f", "i", "u")

LoadResult = collections.namedtuple("LoadResult", ["missing_keys", "unexpected_keys"])
LoadResult.__doc__ = "What `load_into(..., strict=False)` skipped: model keys not in the file, file keys not in the model."


class CheckpointError(ValueError):
    """A checkpoint file that cannot be trusted or used: not an npz, pickled data, truncated, inconsistent."""


# ----------------------------------------------------------------------------- saving

def _as_array(value, name):
    array = value.numpy() if isinstance(value, Tensor) else value
    if not isinstance(array, np.ndarray):
        raise TypeError(
            f"save: {name!r} is a {type(value).__name__}; a checkpoint holds Tensors or numpy arrays")
    return array


def _state_arrays(obj):
    """The {name: float array} to save from a Module (its state_dict) or a dict."""
    if hasattr(obj, "state_dict") and callable(obj.state_dict):
        state = obj.state_dict()
    elif isinstance(obj, collections.abc.Mapping):
        state = obj
    else:
        raise TypeError(
            f"save: cannot save a {type(obj).__name__}; pass a Module (anything with state_dict()) "
            "or a dict of name -> Tensor / numpy array")
    arrays = collections.OrderedDict()
    for name, value in state.items():
        if not isinstance(name, str) or not name or name == METADATA_KEY:
            raise ValueError(
                f"save: parameter name {name!r} is not allowed; use a non-empty str other than {METADATA_KEY!r}")
        array = _as_array(value, name)
        if array.dtype.kind not in _ALLOWED_KINDS:
            raise TypeError(
                f"save: {name!r} has dtype {array.dtype}; checkpoints hold float arrays (weights) and "
                "integer arrays (counters such as BatchNorm's num_batches_tracked) only; convert it "
                "with .astype(np.float32)")
        if array.dtype.kind == "f" and not np.isfinite(array).all():
            raise ValueError(
                f"save: {name!r} contains NaN or inf ({int(np.isnan(array).sum())} NaN, "
                f"{int(np.isinf(array).sum())} inf); training diverged (try a smaller learning rate). "
                "Such a checkpoint could not be loaded, so it is not written")
        arrays[name] = array
    return arrays


def _json_default(value):
    # numpy scalars and arrays in user metadata (an accuracy, a loss history) become JSON numbers.
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON-serializable")


def _metadata_array(arrays, metadata):
    header = {
        "format": FORMAT,
        "version": VERSION,
        "names": list(arrays),
        "shapes": [list(a.shape) for a in arrays.values()],
        "dtypes": [a.dtype.str for a in arrays.values()],
        "metadata": {} if metadata is None else metadata,
    }
    try:
        text = json.dumps(header, default=_json_default, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise TypeError(
            f"save: metadata must be JSON data (dicts with str keys, lists, str, finite numbers, "
            f"bool, None): {error}") from None
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8)


def _write_npz(file, entries):
    """Write {key: array} as an uncompressed .npz (what np.savez writes), never pickling."""
    # Written by hand rather than with np.savez, whose keyword arguments would clash with
    # parameter names such as "file" or "allow_pickle".
    with zipfile.ZipFile(file, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for key, array in entries.items():
            with archive.open(key + ".npy", mode="w", force_zip64=True) as member:
                np.lib.format.write_array(member, array, allow_pickle=False)


def _fsync_directory(directory):
    # Makes the rename itself durable on POSIX; Windows cannot open directories, hence the guard.
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def save(obj, path, metadata=None):
    """Save a model's weights (or a dict of arrays) to a checkpoint file, atomically.

    The file is first written to a temporary file in the same folder, flushed to disk, and
    then renamed over `path`, so a crash or an error half-way leaves any previous checkpoint
    intact (and no temporary file behind).

    Args:
        obj: a Module (anything with `state_dict()`), or a dict name -> Tensor or numpy
            array. Values must be float arrays without NaN/inf, or integer arrays.
        path: the file to write (by convention ending in ".npz").
        metadata: optional JSON data stored beside the weights (e.g. {"epoch": 3}); read
            it back with `load_metadata`.

    Raises:
        TypeError: a value that is not a float Tensor/array, or metadata that is not JSON.
        ValueError: a bad parameter name, or NaN/inf values.
        OSError: the folder is missing or not writable.

    Example:
        >>> tg.save(model, "mnist.npz", metadata={"epoch": 30, "accuracy": 0.95})
        >>> model.load_state_dict(tg.load("mnist.npz"))
    """
    arrays = _state_arrays(obj)
    entries = collections.OrderedDict([(METADATA_KEY, _metadata_array(arrays, metadata))])
    entries.update(arrays)
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    temporary = os.path.join(directory, f".{os.path.basename(path)}.{secrets.token_hex(8)}.tmp")
    # os.open with mode 0o666 lets the umask decide the permissions, as for any new file
    # (tempfile.mkstemp would make the checkpoint readable by its owner only).
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as file:
            _write_npz(file, entries)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _fsync_directory(directory)


# ----------------------------------------------------------------------------- loading

def _sniff(path):
    """Reject files that are not zip archives before numpy sees them, naming what they are."""
    with open(path, "rb") as file:
        head = file.read(8)
    if not head:
        raise CheckpointError(f"load: {path} is empty (0 bytes); the save was interrupted, save the model again")
    if head[:1] == b"\x80" or head[:1] in (b"(", b"]", b"}"):
        raise CheckpointError(
            f"load: {path} looks like a pickle (first bytes {head!r}). tinygrad_edu never unpickles, "
            "because unpickling can run arbitrary code; re-save the weights with tinygrad_edu.save, "
            "or with np.savez if you trust the file and its author")
    if head.startswith(b"\x93NUMPY"):
        raise CheckpointError(
            f"load: {path} is a single .npy array, not a checkpoint; save a dict of named arrays "
            "with tinygrad_edu.save instead")
    if not head.startswith(b"PK\x03\x04"):
        raise CheckpointError(
            f"load: {path} is not an .npz checkpoint (a zip archive starts with b'PK\\x03\\x04', this file with "
            f"{head!r}); pass a file written by tinygrad_edu.save")


def _member_name(archive, key):
    return key + ".npy" if key + ".npy" in archive.namelist() else key


def _check_members(archive, path, max_bytes):
    """Refuse, from the zip directory alone (nothing is decompressed or allocated), encrypted
    members, unknown compressions, and sizes beyond `max_bytes` or beyond the file itself."""
    file_size = os.path.getsize(path)
    total = 0
    for info in archive.infolist():
        if info.flag_bits & 0x1:
            raise CheckpointError(
                f"load: {path}: entry {info.filename!r} is encrypted; tinygrad_edu.save never "
                "encrypts, so this file was made or changed by another program; refused")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise CheckpointError(
                f"load: {path}: entry {info.filename!r} uses zip compression method "
                f"{info.compress_type}; a checkpoint is stored (or deflated, np.savez_compressed)")
        if info.compress_type == zipfile.ZIP_STORED and (
                info.file_size != info.compress_size or info.header_offset + info.compress_size > file_size):
            raise CheckpointError(
                f"load: {path}: entry {info.filename!r} declares {info.file_size} bytes, more than "
                f"the file holds ({file_size} bytes); truncated or tampered with, refused")
        total += info.file_size
    if total > max_bytes:
        raise CheckpointError(
            f"load: {path} declares {total} bytes of arrays once uncompressed, above the bound of "
            f"{max_bytes} bytes (a zip bomb, or a model far bigger than expected); refused before "
            "reading anything. If you trust the file, pass a larger max_bytes=")


def _check_header(npz, key, path, shape=None, dtype=None):
    """Read a member's .npy header (not its data) and compare it with the metadata and with the
    size of its zip entry, so that a lying header never makes numpy allocate its array."""
    info = npz.zip.getinfo(_member_name(npz.zip, key))
    with npz.zip.open(info) as member:
        try:
            version = np.lib.format.read_magic(member)
        except ValueError:
            raise CheckpointError(f"load: {path}: entry {key!r} is not a .npy array") from None
        if version == (1, 0):
            header = np.lib.format.read_array_header_1_0(member, max_header_size=_MAX_HEADER_SIZE)
        elif version == (2, 0):
            header = np.lib.format.read_array_header_2_0(member, max_header_size=_MAX_HEADER_SIZE)
        else:
            raise CheckpointError(f"load: {path}: entry {key!r} uses .npy format version {version}, which numeric arrays never need")
        data_bytes = info.file_size - member.tell()
    found_shape, _, found_dtype = header
    if found_dtype.hasobject:
        raise CheckpointError(
            f"load: {path}: entry {key!r} is an object array (pickled Python objects); refused, because "
            "unpickling can run arbitrary code. A checkpoint holds float and integer arrays only")
    declared = int(np.prod(found_shape, dtype=object)) * found_dtype.itemsize
    if declared != data_bytes:
        raise CheckpointError(
            f"load: {path}: entry {key!r} declares shape {found_shape} of {found_dtype} "
            f"({declared} bytes) but its zip entry holds {data_bytes} bytes of data; refused "
            "before allocating (a forged header or a truncated file), save it again")
    if shape is not None and found_shape != shape:
        raise CheckpointError(
            f"load: {path}: {key!r} has shape {found_shape} but the metadata says {shape}; the file is "
            "inconsistent (edited or corrupt), save it again")
    if dtype is not None and found_dtype != dtype:
        raise CheckpointError(
            f"load: {path}: {key!r} has dtype {found_dtype} but the metadata says {dtype}; the file is "
            "inconsistent (edited or corrupt), save it again")
    return found_shape, found_dtype


def _read_metadata(npz, path):
    if METADATA_KEY not in npz.files:
        raise CheckpointError(
            f"load: {path} has no {METADATA_KEY!r} entry, so it was not written by tinygrad_edu.save; "
            "if you trust it, read the arrays with np.load(path, allow_pickle=False) and save() them")
    _, dtype = _check_header(npz, METADATA_KEY, path)
    raw = npz[METADATA_KEY]
    if dtype != np.uint8 or raw.ndim != 1:
        raise CheckpointError(f"load: {path}: {METADATA_KEY!r} must be a 1-D uint8 array, got {raw.dtype} {raw.shape}")
    try:
        meta = json.loads(raw.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CheckpointError(f"load: {path}: the metadata is not valid UTF-8 JSON ({error}); the file is corrupt") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise CheckpointError(f"load: {path}: the metadata does not name the format {FORMAT!r}; not a tinygrad_edu checkpoint")
    version = meta.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise CheckpointError(f"load: {path}: bad format version {version!r} in the metadata")
    if version > VERSION:
        raise CheckpointError(
            f"load: {path} has format version {version}, newer than this tinygrad_edu reads ({VERSION}); upgrade tinygrad_edu")
    names, shapes, dtypes = meta.get("names"), meta.get("shapes"), meta.get("dtypes")
    if not (isinstance(names, list) and isinstance(shapes, list) and isinstance(dtypes, list)
            and len(names) == len(shapes) == len(dtypes)):
        raise CheckpointError(f"load: {path}: the metadata needs lists 'names', 'shapes', 'dtypes' of equal length")
    if not all(isinstance(n, str) for n in names) or len(set(names)) != len(names):
        raise CheckpointError(f"load: {path}: the metadata's names must be distinct strings, got {names!r:.200}")
    parsed = []
    for name, shape, dtype in zip(names, shapes, dtypes):
        if not (isinstance(shape, list) and all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in shape)):
            raise CheckpointError(f"load: {path}: bad shape {shape!r} for {name!r} in the metadata")
        try:
            dtype = np.dtype(dtype)
        except (TypeError, ValueError):
            raise CheckpointError(f"load: {path}: bad dtype {dtype!r} for {name!r} in the metadata") from None
        if dtype.kind not in _ALLOWED_KINDS:
            raise CheckpointError(
                f"load: {path}: {name!r} has dtype {dtype}; a checkpoint holds float (and integer) "
                "arrays only, so this file was not written by tinygrad_edu.save")
        parsed.append((name, tuple(shape), dtype))
    return meta, parsed


def _read_checkpoint(path, with_arrays=True, max_bytes=MAX_BYTES):
    _sniff(path)
    try:
        with np.load(path, allow_pickle=False) as npz:
            if not isinstance(npz, np.lib.npyio.NpzFile):
                raise CheckpointError(f"load: {path} is not an .npz archive")
            _check_members(npz.zip, path, max_bytes)
            meta, entries = _read_metadata(npz, path)
            keys = [k for k in npz.files if k != METADATA_KEY]
            names = [name for name, _, _ in entries]
            if len(set(keys)) != len(keys):
                raise CheckpointError(f"load: {path} holds duplicate entries; the file was tampered with, save it again")
            missing = [n for n in names if n not in keys]
            extra = [k for k in keys if k not in names]
            if missing or extra:
                raise CheckpointError(
                    f"load: {path} does not match its own metadata: missing arrays {missing}, "
                    f"unlisted arrays {extra}; the file was edited or is corrupt, save it again")
            state = collections.OrderedDict()
            if not with_arrays:
                return meta, state
            for name, shape, dtype in entries:
                # The header is checked before the data is read, so a lying header cannot make
                # numpy allocate a huge array.
                _check_header(npz, name, path, shape, dtype)
                array = npz[name]
                if not array.dtype.isnative:
                    array = array.astype(array.dtype.newbyteorder("="))
                if array.dtype.kind == "f" and not np.isfinite(array).all():
                    raise CheckpointError(
                        f"load: {path}: {name!r} contains {int(np.isnan(array).sum())} NaN and "
                        f"{int(np.isinf(array).sum())} inf values; these weights are unusable "
                        "(the saved model had diverged); use an earlier checkpoint")
                state[name] = Tensor(array)
            return meta, state
    except CheckpointError:
        raise
    except (ValueError, OSError, EOFError, KeyError, zipfile.BadZipFile, zlib.error, MemoryError,
            NotImplementedError) as error:
        if isinstance(error, (FileNotFoundError, PermissionError)):
            raise
        raise CheckpointError(
            f"load: {path} cannot be read as an .npz checkpoint ({type(error).__name__}: {error}); "
            "it is truncated or corrupt, save it again") from None


def load(path, map_location=None, weights_only=None, *, max_bytes=MAX_BYTES):
    """Load a checkpoint written by `save`, checking everything in it.

    `torch.load(path, map_location="cpu", weights_only=True)` works too: both keywords are
    accepted and change nothing (everything is on the CPU, and only weights are ever read).

    Never unpickles (`np.load(..., allow_pickle=False)`). The file must be an .npz with a
    valid `__metadata__` entry, exactly the arrays that metadata lists, with the listed
    shapes and dtypes (float, or integer for counters), and no NaN/inf.

    Sizes are checked before anything is read: encrypted zip entries are refused, and so is
    an array header that declares more data than its entry holds, or a file whose arrays
    would take more than `max_bytes` once uncompressed (a zip bomb).

    Args:
        path: a file written by `save`.
        map_location, weights_only: torch.load's keywords, accepted and without effect.
        max_bytes: the largest total size of the arrays accepted (default `MAX_BYTES`, 4 GiB).

    Returns:
        An OrderedDict name -> Tensor, in the saved order.

    Raises:
        CheckpointError: (a ValueError) the file is empty, truncated, not an npz, a pickle,
            encrypted, too large, holds object arrays, disagrees with its metadata, or holds
            NaN/inf.
        FileNotFoundError: no such file.

    Example:
        >>> state = tg.load("mnist.npz")
        >>> list(state)[:2]
        ['0.weight', '0.bias']
    """
    path = os.fspath(path)
    return _read_checkpoint(path, max_bytes=max_bytes)[1]


def load_metadata(path):
    """The user metadata given to `save` (validates the file's structure, not its arrays).

    Args:
        path: a file written by `save`.

    Returns:
        The metadata dict ({} when none was given).

    Raises:
        CheckpointError: as for `load`.
    """
    path = os.fspath(path)
    meta, _ = _read_checkpoint(path, with_arrays=False)
    return meta.get("metadata", {})


def load_into(model, path, strict=True, max_bytes=MAX_BYTES):
    """Load a checkpoint into a model, changing nothing unless everything checks out.

    All checks run before any weight is touched: the file itself (as in `load`), then the
    names (with strict=True, exactly the model's), the shapes (equal) and the dtypes
    (castable to the model's, e.g. float64 -> float32). Only then is
    `model.load_state_dict` called, with values cast to the model's dtypes.

    Args:
        model: a Module (anything with `state_dict()` and `load_state_dict(state, strict)`).
        path: a file written by `save`.
        strict: require the file's names to be exactly the model's; with False, load the
            names both have and report the rest.
        max_bytes: the largest total size of the file's arrays accepted (see `load`).

    Returns:
        LoadResult(missing_keys, unexpected_keys): model names not in the file, file names
        not in the model (both empty when strict).

    Raises:
        CheckpointError: a bad file, or one that does not fit the model.

    Example:
        >>> tg.load_into(model, "mnist.npz")
        LoadResult(missing_keys=[], unexpected_keys=[])
    """
    path = os.fspath(path)
    target = model.state_dict()
    meta, _ = _read_checkpoint(path, with_arrays=False, max_bytes=max_bytes)
    # The names and shapes the file declares are compared with the model before any array is
    # read, so a file that declares more than the model needs allocates nothing.
    declared = dict(zip(meta["names"], (tuple(shape) for shape in meta["shapes"])))
    for name, shape in declared.items():
        if name in target and tuple(np.shape(target[name])) != shape:
            raise CheckpointError(
                f"load_into: {path}: {name!r} has shape {shape} in the file but "
                f"{tuple(np.shape(target[name]))} in the model; the checkpoint is for a different "
                "architecture")
    missing = [k for k in target if k not in declared]
    unexpected = [k for k in declared if k not in target]
    if strict and (missing or unexpected):
        raise CheckpointError(
            f"load_into: {path} does not fit the {type(model).__name__}: missing {missing} (in the "
            f"model, not in the file), unexpected {unexpected} (in the file, not in the model); "
            "load the checkpoint of this architecture, or pass strict=False to load the common names")
    state = load(path, max_bytes=max_bytes)
    converted = collections.OrderedDict()
    for name in target:
        if name not in state:
            continue
        source = state[name].numpy()
        destination = target[name].numpy() if isinstance(target[name], Tensor) else np.asarray(target[name])
        if source.shape != destination.shape:
            raise CheckpointError(
                f"load_into: {path}: {name!r} has shape {source.shape} in the file but "
                f"{destination.shape} in the model; the checkpoint is for a different architecture")
        if not np.can_cast(source.dtype, destination.dtype, casting="same_kind"):
            raise CheckpointError(
                f"load_into: {path}: {name!r} has dtype {source.dtype} in the file, which cannot be "
                f"cast to the model's {destination.dtype}")
        converted[name] = Tensor(source.astype(destination.dtype, copy=False))
    model.load_state_dict(converted, strict=strict)
    return LoadResult(missing, unexpected)

