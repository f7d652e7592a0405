"""Tests for tinygrad_edu.serialization: pickle-free checkpoints, atomic saves, hostile files."""

import collections
import io
import json
import os
import pickle
import zipfile

import numpy as np
import pytest

from tinygrad_edu import serialization
from tinygrad_edu.serialization import CheckpointError, LoadResult, load, load_into, load_metadata, save
from tinygrad_edu.core.tensor import Tensor


class TinyModule:
    """Stands in for nn.Module: live Tensors in state_dict(), copied in place on load."""

    def __init__(self, seed=0, hidden=3):
        generator = np.random.default_rng(seed)
        self.weight = Tensor(generator.standard_normal((hidden, 2)).astype(np.float32))
        self.bias = Tensor(generator.standard_normal(hidden).astype(np.float32))
        self.loads = 0

    def state_dict(self):
        return collections.OrderedDict([("layer.weight", self.weight), ("layer.bias", self.bias)])

    def load_state_dict(self, state, strict=True):
        self.loads += 1
        own = self.state_dict()
        for name, value in state.items():
            own[name].numpy()[...] = value.numpy()

    def snapshot(self):
        return {k: v.numpy().copy() for k, v in self.state_dict().items()}


def craft(path, arrays, meta_changes=None, extra=None, metadata_entry=None):
    """Write an .npz by hand (bypassing save's checks) with metadata describing `arrays`."""
    meta = {
        "format": serialization.FORMAT,
        "version": serialization.VERSION,
        "names": list(arrays),
        "shapes": [list(np.shape(a)) for a in arrays.values()],
        "dtypes": [np.asarray(a).dtype.str for a in arrays.values()],
        "metadata": {},
    }
    meta.update(meta_changes or {})
    entries = {"__metadata__": np.frombuffer(json.dumps(meta).encode(), np.uint8)}
    if metadata_entry is not None:
        entries["__metadata__"] = metadata_entry
    entries.update(arrays)
    entries.update(extra or {})
    with open(path, "wb") as file:
        np.savez(file, **entries)
    return path


def good_state():
    return collections.OrderedDict([("b.weight", np.arange(6, dtype=np.float32).reshape(2, 3)),
                                    ("a.bias", np.ones(2, np.float32))])


def as_array(value):
    return value.numpy() if isinstance(value, Tensor) else np.asarray(value)


def assert_same_state(a, b):
    assert list(a) == list(b)
    for name in a:
        np.testing.assert_array_equal(as_array(a[name]), as_array(b[name]))


# ----------------------------------------------------------------------------- save and load

def test_round_trip_keeps_order_dtypes_and_metadata(tmp_path):
    state = collections.OrderedDict([
        ("z.weight", Tensor(np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32))),
        ("a.bias", np.linspace(0, 1, 4)),  # float64 stays float64
        ("file", np.ones(1, np.float32)),  # names np.savez would choke on
        ("allow_pickle", np.zeros((2, 0), np.float16)),
        ("bn.num_batches_tracked", np.array(7, np.int64)),  # integer counters are state too
    ])
    path = tmp_path / "model.npz"
    save(state, path, metadata={"epoch": np.int64(3), "accuracy": np.float32(0.5), "note": "ok"})
    loaded = load(path)
    assert isinstance(loaded, collections.OrderedDict)
    assert list(loaded) == list(state)
    assert all(isinstance(t, Tensor) for t in loaded.values())
    assert [t.dtype for t in loaded.values()] == [np.float32, np.float64, np.float32, np.float16, np.int64]
    assert loaded["bn.num_batches_tracked"].shape == ()
    assert loaded["allow_pickle"].shape == (2, 0)
    assert_same_state(loaded, state)
    assert load_metadata(path) == {"epoch": 3, "accuracy": 0.5, "note": "ok"}


def test_file_is_a_plain_npz_with_uint8_metadata(tmp_path):
    path = tmp_path / "m.npz"
    save(TinyModule(), path)
    with np.load(path, allow_pickle=False) as npz:
        assert npz.files == ["__metadata__", "layer.weight", "layer.bias"]
        meta = npz["__metadata__"]
        assert meta.dtype == np.uint8 and meta.ndim == 1
        header = json.loads(meta.tobytes())
    assert header["names"] == ["layer.weight", "layer.bias"]
    assert header["shapes"] == [[3, 2], [3]] and header["version"] == 1
    assert load_metadata(path) == {}


def test_save_accepts_a_module_and_any_pathlike(tmp_path):
    module = TinyModule()
    save(module, str(tmp_path / "a.npz"))
    save(module, tmp_path / "b.npz")
    assert_same_state(load(tmp_path / "a.npz"), load(tmp_path / "b.npz"))


def test_new_file_permissions_follow_the_umask(tmp_path):
    save(good_state(), tmp_path / "m.npz")
    with open(tmp_path / "plain", "wb"):
        pass
    assert (os.stat(tmp_path / "m.npz").st_mode & 0o777) == (os.stat(tmp_path / "plain").st_mode & 0o777)


def test_save_rejects_what_load_would_refuse(tmp_path):
    path = tmp_path / "m.npz"
    with pytest.raises(TypeError, match="'mask' has dtype bool; checkpoints hold float arrays"):
        save({"mask": np.ones(3, bool)}, path)
    with pytest.raises(TypeError, match="'z' has dtype complex128"):
        save({"z": np.ones(3, complex)}, path)
    with pytest.raises(ValueError, match=r"'w' contains NaN or inf \(1 NaN, 1 inf\)"):
        save({"w": np.array([np.nan, np.inf, 0.0])}, path)
    with pytest.raises(ValueError, match="parameter name '__metadata__' is not allowed"):
        save({"__metadata__": np.ones(1)}, path)
    with pytest.raises(TypeError, match="'w' is a list"):
        save({"w": [1.0]}, path)
    with pytest.raises(TypeError, match="metadata must be JSON"):
        save(good_state(), path, metadata={"f": object()})
    with pytest.raises(TypeError, match="cannot save a int"):
        save(3, path)
    assert not path.exists() and os.listdir(tmp_path) == []


# ----------------------------------------------------------------------------- atomic writing

def test_crash_half_way_keeps_the_old_file_and_leaves_no_temp(tmp_path, monkeypatch):
    path = tmp_path / "model.npz"
    save(good_state(), path)
    before = path.read_bytes()
    real_write_array = np.lib.format.write_array
    calls = []

    def write_then_crash(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:  # the metadata and nothing else reached the disk
            raise OSError("disk full (simulated)")
        return real_write_array(*args, **kwargs)

    monkeypatch.setattr(np.lib.format, "write_array", write_then_crash)
    bigger = collections.OrderedDict([(k, v * 2) for k, v in good_state().items()])
    with pytest.raises(OSError, match="disk full"):
        save(bigger, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.npz"]
    monkeypatch.undo()
    assert_same_state(load(path), good_state())


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_crash_at_fsync_or_rename_keeps_the_old_file(tmp_path, monkeypatch, failing):
    path = tmp_path / "model.npz"
    save(good_state(), path)
    before = path.read_bytes()

    def crash(*args, **kwargs):
        raise KeyboardInterrupt  # even an interrupt (a BaseException) cleans up

    monkeypatch.setattr(serialization.os, failing, crash)
    with pytest.raises(KeyboardInterrupt):
        save({"w": np.zeros(3, np.float32)}, path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.npz"]


def test_first_save_crash_creates_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(np.lib.format, "write_array", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("boom")))
    with pytest.raises(RuntimeError, match="boom"):
        save(good_state(), tmp_path / "new.npz")
    assert os.listdir(tmp_path) == []


# ----------------------------------------------------------------------------- hostile and broken files

class MakesMarker:
    """Unpickling this object creates a file: proof that code ran."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_pickle_payload_is_never_unpickled(tmp_path):
    marker = tmp_path / "pwned"
    payload = pickle.dumps({"weight": MakesMarker(marker)})
    pickle.loads(payload)["weight"].close()  # the payload really is dangerous ...
    assert marker.exists()
    marker.unlink()
    path = tmp_path / "evil.npz"
    path.write_bytes(payload)
    with pytest.raises(CheckpointError, match="evil.npz looks like a pickle.*never unpickles"):
        load(path)
    with pytest.raises(CheckpointError):
        load_into(TinyModule(), path)
    assert not marker.exists()  # ... and loading it ran nothing


def test_object_array_inside_the_npz_is_refused(tmp_path):
    marker = tmp_path / "pwned"
    evil = np.empty(1, dtype=object)
    evil[0] = MakesMarker(marker)
    path = tmp_path / "evil.npz"
    with open(path, "wb") as file:
        np.savez(file, __metadata__=np.frombuffer(b"{}", np.uint8), w=evil)
    with pytest.raises(CheckpointError):
        load(path)
    path2 = craft(tmp_path / "evil2.npz", {"w": np.ones(1, np.float32)}, extra=None)
    with zipfile.ZipFile(path2, "a") as archive:  # append an unlisted object array
        buffer = io.BytesIO()
        np.lib.format.write_array(buffer, evil, allow_pickle=True)
        archive.writestr("w2.npy", buffer.getvalue())
    with pytest.raises(CheckpointError):
        load(path2)
    path3 = craft(tmp_path / "evil3.npz", {"w": evil}, meta_changes={"dtypes": ["<f4"], "shapes": [[1]]})
    with pytest.raises(CheckpointError, match="'w' is an object array .*refused"):
        load(path3)
    assert not marker.exists()


def test_empty_truncated_and_foreign_files(tmp_path):
    good = tmp_path / "good.npz"
    save(good_state(), good)
    raw = good.read_bytes()
    (tmp_path / "empty.npz").write_bytes(b"")
    with pytest.raises(CheckpointError, match="empty.npz is empty"):
        load(tmp_path / "empty.npz")
    for cut in (3, 40, len(raw) // 2, len(raw) - 30, len(raw) - 1):
        (tmp_path / "cut.npz").write_bytes(raw[:cut])
        with pytest.raises(CheckpointError, match="cut.npz"):
            load(tmp_path / "cut.npz")
    (tmp_path / "notes.npz").write_text("these are not weights")
    with pytest.raises(CheckpointError, match="notes.npz is not an .npz checkpoint"):
        load(tmp_path / "notes.npz")
    np.save(tmp_path / "single.npy", np.ones(3))
    with pytest.raises(CheckpointError, match="single .npy array"):
        load(tmp_path / "single.npy")
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "missing.npz")


def test_every_byte_flip_is_caught_or_harmless(tmp_path):
    good = tmp_path / "good.npz"
    save(good_state(), good)
    raw = good.read_bytes()
    for position in range(0, len(raw), 3):
        flipped = bytearray(raw)
        flipped[position] ^= 0xFF
        (tmp_path / "flip.npz").write_bytes(bytes(flipped))
        try:
            state = load(tmp_path / "flip.npz")
        except CheckpointError:
            continue
        assert_same_state(state, good_state())  # only zip bookkeeping bytes may go unnoticed


def test_files_that_disagree_with_their_metadata(tmp_path):
    w = np.ones((2, 3), np.float32)
    cases = [
        (dict(arrays={"w": w}, extra={"x": w}), r"unlisted arrays \['x'\]"),
        (dict(arrays={"w": w}, meta_changes={"names": ["w", "v"], "shapes": [[2, 3], [1]], "dtypes": ["<f4"] * 2}),
         r"missing arrays \['v'\]"),
        (dict(arrays={"w": w}, meta_changes={"shapes": [[3, 2]]}), r"'w' has shape \(2, 3\) but the metadata says \(3, 2\)"),
        (dict(arrays={"w": w}, meta_changes={"dtypes": ["<f8"]}), "'w' has dtype float32 but the metadata says float64"),
        (dict(arrays={"w": np.ones(3, complex)}), "'w' has dtype complex128; a checkpoint holds float"),
        (dict(arrays={"w": np.ones(3, bool)}), "'w' has dtype bool; a checkpoint holds float"),
        (dict(arrays={"w": np.array(["a", "b"])}), "'w' has dtype <U1; a checkpoint holds float"),
        (dict(arrays={"w": np.arange(3)}, meta_changes={"dtypes": ["<f8"]}), "'w' has dtype int64 but the metadata"),
        (dict(arrays={"w": np.array([1.0, np.nan])}), "'w' contains 1 NaN and 0 inf"),
        (dict(arrays={"w": np.array([np.inf, -np.inf], np.float32)}), "'w' contains 0 NaN and 2 inf"),
        (dict(arrays={"w": w}, meta_changes={"format": "other"}), "not a tinygrad_edu checkpoint"),
        (dict(arrays={"w": w}, meta_changes={"version": 99}), "format version 99, newer"),
        (dict(arrays={"w": w}, meta_changes={"shapes": [[-1, 3]]}), r"bad shape \[-1, 3\]"),
        (dict(arrays={"w": w}, metadata_entry=np.frombuffer(b"{not json", np.uint8)), "not valid UTF-8 JSON"),
        (dict(arrays={"w": w}, metadata_entry=np.zeros(3, np.float32)), "must be a 1-D uint8 array"),
    ]
    for number, (kwargs, message) in enumerate(cases):
        path = craft(tmp_path / f"case{number}.npz", **kwargs)
        with pytest.raises(CheckpointError, match=message) as info:
            load(path)
        assert f"case{number}.npz" in str(info.value)


def test_plain_savez_file_has_no_metadata(tmp_path):
    path = tmp_path / "plain.npz"
    np.savez(path, w=np.ones(2))
    with pytest.raises(CheckpointError, match="no '__metadata__' entry"):
        load(path)


def test_checkpoint_error_is_one_catchable_value_error():
    assert issubclass(CheckpointError, ValueError)


# ----------------------------------------------------------------------------- load_into

def test_load_into_round_trip(tmp_path):
    source, target = TinyModule(seed=1), TinyModule(seed=2)
    save(source, tmp_path / "m.npz")
    assert load_into(target, tmp_path / "m.npz") == LoadResult([], [])
    assert_same_state(target.state_dict(), source.state_dict())


def test_load_into_casts_float64_to_the_model_dtype(tmp_path):
    module = TinyModule()
    state = {k: v.numpy().astype(np.float64) + 1 for k, v in module.state_dict().items()}
    save(state, tmp_path / "m.npz")
    load_into(module, tmp_path / "m.npz")
    assert module.weight.dtype == np.float32
    np.testing.assert_allclose(module.weight.numpy(), state["layer.weight"], rtol=1e-6)


def test_bad_file_leaves_the_weights_unchanged(tmp_path):
    module = TinyModule()
    before = module.snapshot()
    good = {k: v.numpy() + 1 for k, v in module.state_dict().items()}
    # The first array is fine, the second is bad: nothing may be written before the check fails.
    bad_files = {
        "nan": craft(tmp_path / "nan.npz", {"layer.weight": good["layer.weight"],
                                             "layer.bias": np.array([1, np.nan, 2], np.float32)}),
        "shape": craft(tmp_path / "shape.npz", {"layer.weight": good["layer.weight"],
                                                 "layer.bias": np.ones(4, np.float32)}),
        "missing": craft(tmp_path / "missing.npz", {"layer.weight": good["layer.weight"]}),
        "extra": craft(tmp_path / "extra.npz", dict(good, **{"other.bias": np.ones(1, np.float32)})),
    }
    messages = {"nan": "1 NaN", "shape": r"\(4,\) in the file but \(3,\) in the model",
                "missing": r"missing \['layer.bias'\]", "extra": r"unexpected \['other.bias'\]"}
    for kind, path in bad_files.items():
        with pytest.raises(CheckpointError, match=messages[kind]):
            load_into(module, path)
        assert module.loads == 0
        assert_same_state(module.snapshot(), before)


def test_load_into_non_strict_reports_the_difference(tmp_path):
    module = TinyModule()
    craft(tmp_path / "part.npz", {"layer.weight": np.zeros((3, 2), np.float32), "head.bias": np.ones(1, np.float32)})
    result = load_into(module, tmp_path / "part.npz", strict=False)
    assert result == LoadResult(missing_keys=["layer.bias"], unexpected_keys=["head.bias"])
    assert not module.weight.numpy().any()


def test_with_real_nn_modules(tmp_path):
    from tinygrad_edu import nn

    source = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Sigmoid(), nn.Linear(4, 2))
    source(Tensor(np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)))  # moves BatchNorm's stats
    target = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Sigmoid(), nn.Linear(4, 2))
    save(source, tmp_path / "net.npz")
    assert load_into(target, tmp_path / "net.npz") == LoadResult([], [])
    assert_same_state(target.state_dict(), source.state_dict())
    assert int(target.state_dict()["1.num_batches_tracked"].numpy()) == 1
    # The documented alternative: the Module's own load_state_dict with tg.load.
    other = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Sigmoid(), nn.Linear(4, 2))
    other.load_state_dict(load(tmp_path / "net.npz"))
    assert_same_state(other.state_dict(), source.state_dict())
    # A checkpoint of another architecture: refused, and the model keeps its weights.
    before = {k: v.numpy().copy() for k, v in target.state_dict().items()}
    save(nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Sigmoid(), nn.Linear(4, 3)), tmp_path / "wide.npz")
    with pytest.raises(CheckpointError, match=r"'3.weight' has shape \(3, 4\) in the file but \(2, 4\)"):
        load_into(target, tmp_path / "wide.npz")
    save(nn.Linear(3, 4), tmp_path / "small.npz")
    with pytest.raises(CheckpointError, match="missing"):
        load_into(target, tmp_path / "small.npz")
    assert_same_state(target.state_dict(), before)


# ----------------------------------------------------------------------------- hostile sizes (issue 10, case 12)

def _set_encrypted_flag(path, member):
    """Set bit 0 (encrypted) of `member`'s general-purpose flags in both zip headers."""
    raw = bytearray(open(path, "rb").read())
    name = member.encode()
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(member)
    assert raw[info.header_offset:info.header_offset + 4] == b"PK\x03\x04"
    raw[info.header_offset + 6] |= 0x1
    central = raw.index(b"PK\x01\x02")
    while True:  # the central directory entry that names the member
        length = int.from_bytes(raw[central + 28:central + 30], "little")
        if raw[central + 46:central + 46 + length] == name:
            raw[central + 8] |= 0x1
            break
        central = raw.index(b"PK\x01\x02", central + 4)
    open(path, "wb").write(bytes(raw))


def test_encrypted_member_is_refused_and_nothing_is_changed(tmp_path):
    path = tmp_path / "locked.npz"
    save(good_state(), path)
    _set_encrypted_flag(path, "a.bias.npy")
    with zipfile.ZipFile(path) as archive:  # zipfile itself now wants a password
        with pytest.raises(RuntimeError, match="encrypted"):
            archive.read("a.bias.npy")
    with pytest.raises(CheckpointError, match=r"locked.npz: entry 'a.bias.npy' is encrypted"):
        load(path)
    model = TinyModule()
    before = model.snapshot()
    with pytest.raises(CheckpointError, match="encrypted"):
        load_into(model, path)
    assert model.loads == 0
    assert_same_state(model.snapshot(), before)


def _never_read_arrays(monkeypatch):
    """Only the small metadata entry may be read; any weight array read fails the test."""
    read_array = np.lib.format.read_array

    def refuse(member, *args, **kwargs):
        if getattr(member, "name", None) != "__metadata__.npy":
            raise AssertionError(f"{member.name} was read before the sizes were checked")
        return read_array(member, *args, **kwargs)
    monkeypatch.setattr(np.lib.format, "read_array", refuse)


def test_a_header_declaring_a_huge_array_is_refused_before_allocating(tmp_path, monkeypatch):
    path = tmp_path / "bomb.npz"
    huge = [10 ** 12]  # 4 TB of float32, declared in a file of a few hundred bytes
    craft(path, {"w": np.ones(4, np.float32)}, meta_changes={"shapes": [huge]})
    with zipfile.ZipFile(path) as archive:
        data = archive.read("w.npy")
    header = np.lib.format.header_data_from_array_1_0(np.ones(4, np.float32))
    header["shape"] = tuple(huge)
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, header)
    forged = buffer.getvalue() + data[-16:]
    rewritten = tmp_path / "bomb2.npz"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(rewritten, "w") as target:
        for info in source.infolist():
            target.writestr(info.filename, forged if info.filename == "w.npy" else source.read(info))
    _never_read_arrays(monkeypatch)
    with pytest.raises(CheckpointError, match=r"'w' declares shape \(1000000000000,\) of float32 "
                                              r"\(4000000000000 bytes\) but its zip entry holds 16 bytes"):
        load(rewritten)


def test_a_zip_bomb_beyond_the_bound_is_refused_from_the_directory(tmp_path, monkeypatch):
    path = tmp_path / "bomb.npz"
    zeros = np.zeros(250_000, np.float32)  # 1 MB that deflates to about 1 kB
    craft(path, {"w": zeros})
    compressed = tmp_path / "deflated.npz"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(compressed, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info))
    assert os.path.getsize(compressed) < 20_000
    assert set(load(compressed)) == {"w"}  # a well-formed deflated file loads ...
    _never_read_arrays(monkeypatch)
    with pytest.raises(CheckpointError, match=r"deflated.npz declares \d+ bytes of arrays once "
                                              r"uncompressed, above the bound of 100000 bytes"):
        load(compressed, max_bytes=100_000)  # ... but not beyond the bound, and nothing is read


def test_a_stored_entry_larger_than_the_file_is_refused(tmp_path):
    path = tmp_path / "short.npz"
    save(good_state(), path)
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("b.weight.npy")
    central = raw.rindex(b"PK\x01\x02", 0, raw.rindex(b"b.weight.npy"))
    big = (2 ** 31).to_bytes(4, "little")
    raw[central + 20:central + 24] = big  # compressed size
    raw[central + 24:central + 28] = big  # uncompressed size
    path.write_bytes(bytes(raw))
    assert info.file_size < 1000
    with pytest.raises(CheckpointError, match=r"short.npz: entry 'b.weight.npy' declares 2147483648 "
                                              r"bytes, more than the file holds"):
        load(path)


def test_load_into_refuses_a_file_that_declares_other_shapes_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "wide.npz"
    save({"layer.weight": np.ones((3000, 2), np.float32), "layer.bias": np.ones(3000, np.float32)},
         path)
    model = TinyModule()
    before = model.snapshot()
    _never_read_arrays(monkeypatch)
    with pytest.raises(CheckpointError, match=r"'layer.weight' has shape \(3000, 2\) in the file "
                                              r"but \(3, 2\) in the model"):
        load_into(model, path)
    assert model.loads == 0
    assert_same_state(model.snapshot(), before)
