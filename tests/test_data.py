"""Tests for tinygrad_edu.data: datasets, the DataLoader, the IDX reader and the bundled MNIST."""

import gzip
import hashlib
import io
import os
import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_edu.core import rng
from tinygrad_edu.data import (
    DataLoader,
    Dataset,
    IDXError,
    Subset,
    TensorDataset,
    average_darkness_baseline,
    default_collate,
    load_mnist,
    random_split,
    read_idx,
)
from tinygrad_edu.data import mnist
from tinygrad_edu.core.tensor import Tensor

TYPE_CODES = {np.uint8: 0x08, np.int8: 0x09, np.int16: 0x0B, np.int32: 0x0C, np.float32: 0x0D, np.float64: 0x0E}


# ----------------------------------------------------------------------------- helpers

def idx_bytes(array, type_code=None, ndim=None):
    """The IDX encoding of `array` (big-endian header and data)."""
    array = np.asarray(array)
    code = TYPE_CODES[array.dtype.type] if type_code is None else type_code
    ndim = array.ndim if ndim is None else ndim
    header = bytes([0, 0, code, ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write_file(path, payload, gz=False):
    path.write_bytes(gzip.compress(payload) if gz else payload)
    return path


def make_mnist_folder(folder, n_train=12, n_test=5, gz=False, seed=0, train_labels=None):
    """A tiny MNIST-format folder with the four standard file names."""
    generator = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    suffix = ".gz" if gz else ""
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        images = generator.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        labels = np.arange(n, dtype=np.uint8) % 10
        if prefix == "train" and train_labels is not None:
            labels = np.asarray(train_labels, dtype=np.uint8)
        write_file(folder / f"{prefix}-images-idx3-ubyte{suffix}", idx_bytes(images), gz)
        write_file(folder / f"{prefix}-labels-idx1-ubyte{suffix}", idx_bytes(labels), gz)
    return folder


def write_sums(folder, names, of_content=False):
    lines = []
    for name in names:
        data = (folder / name).read_bytes()
        if of_content:
            data = gzip.decompress(data)
            name = name[:-3]
        lines.append(f"{hashlib.sha256(data).hexdigest()}  {name}\n")
    (folder / "SHA256SUMS").write_text("".join(lines))


def as_numpy(batch):
    return tuple(t.numpy() for t in batch)


class RangeDataset(Dataset):
    """A generic (non-Tensor) dataset: example i is (float32 vector, int label)."""

    def __init__(self, n):
        self.n = n
        self.calls = 0

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        self.calls += 1
        return np.full(3, index, dtype=np.float32), index % 4


# ----------------------------------------------------------------------------- datasets

def test_tensor_dataset_indexing_and_len():
    x = np.arange(12, dtype=np.float32).reshape(4, 3)
    y = np.array([0, 1, 2, 3], dtype=np.int64)
    ds = TensorDataset(Tensor(x), y)
    assert len(ds) == 4
    xi, yi = ds[2]
    assert isinstance(xi, Tensor) and isinstance(yi, Tensor)
    np.testing.assert_array_equal(xi.numpy(), x[2])
    assert yi.shape == () and int(yi.numpy()) == 2
    assert yi.dtype == np.int64 and xi.dtype == np.float32


def test_tensor_dataset_errors_are_clear():
    with pytest.raises(ValueError, match=r"first-dimension sizes disagree: \[4, 3\]"):
        TensorDataset(np.zeros((4, 2)), np.zeros(3))
    with pytest.raises(ValueError, match="at least one tensor"):
        TensorDataset()
    with pytest.raises(ValueError, match="first dimension"):
        TensorDataset(np.float32(3.0))


def test_base_dataset_must_be_subclassed():
    with pytest.raises(NotImplementedError, match="__getitem__"):
        Dataset()[0]
    with pytest.raises(NotImplementedError, match="__len__"):
        len(Dataset())


def test_subset_and_nested_subset():
    ds = TensorDataset(np.arange(10))
    inner = Subset(ds, [9, 7, 5, 3, 1])
    outer = Subset(inner, [4, 0])
    assert len(outer) == 2
    assert [int(outer[i][0].numpy()) for i in range(2)] == [1, 9]
    with pytest.raises(ValueError, match="index 10 is out of range for a dataset of 10"):
        Subset(ds, [0, 10])
    with pytest.raises(ValueError, match="1-D sequence of ints"):
        Subset(ds, [0.5])


def test_random_split_ints_and_fractions():
    ds = TensorDataset(np.arange(10))
    parts = random_split(ds, [6, 4], seed=0)
    assert [len(p) for p in parts] == [6, 4]
    together = np.concatenate([p.indices for p in parts])
    assert sorted(together.tolist()) == list(range(10))
    # PyTorch's rule: floor(10 * 0.33) = 3 each, the leftover 1 goes to the first split.
    assert [len(p) for p in random_split(ds, [0.33, 0.33, 0.34], seed=0)] == [4, 3, 3]
    assert [len(p) for p in random_split(ds, [0.5, 0.5], seed=0)] == [5, 5]


def test_random_split_reproducible():
    ds = TensorDataset(np.arange(100))
    a = random_split(ds, [0.7, 0.3], seed=3)
    b = random_split(ds, [0.7, 0.3], seed=3)
    np.testing.assert_array_equal(a[0].indices, b[0].indices)
    rng.manual_seed(5)
    c = random_split(ds, [70, 30])
    rng.manual_seed(5)
    d = random_split(ds, [70, 30])
    np.testing.assert_array_equal(c[1].indices, d[1].indices)


def test_random_split_errors():
    ds = TensorDataset(np.arange(10))
    with pytest.raises(ValueError, match="sum to 9 but the dataset has 10"):
        random_split(ds, [5, 4])
    with pytest.raises(ValueError, match="sum to 1"):
        random_split(ds, [0.5, 0.6])
    with pytest.raises(ValueError, match="non-negative"):
        random_split(ds, [-1, 11])


# ----------------------------------------------------------------------------- DataLoader

def test_loader_len_and_sequential_batches():
    x = np.arange(20, dtype=np.float32).reshape(10, 2)
    y = np.arange(10)
    ds = TensorDataset(x, y)
    loader = DataLoader(ds, batch_size=4)
    assert len(loader) == 3
    assert len(DataLoader(ds, batch_size=4, drop_last=True)) == 2
    batches = [as_numpy(b) for b in loader]
    assert [b[0].shape for b in batches] == [(4, 2), (4, 2), (2, 2)]
    np.testing.assert_array_equal(np.concatenate([b[0] for b in batches]), x)
    np.testing.assert_array_equal(np.concatenate([b[1] for b in batches]), y)
    assert all(isinstance(t, Tensor) for b in loader for t in b)
    assert [len(b[1]) for b in (as_numpy(b) for b in DataLoader(ds, batch_size=4, drop_last=True))] == [4, 4]


def test_loader_batches_are_copies():
    x = np.zeros((6, 2), dtype=np.float32)
    (batch,) = next(iter(DataLoader(TensorDataset(x), batch_size=3)))
    batch.numpy()[...] = 7
    assert not x.any(), "changing a batch must not change the dataset"


def test_shuffle_new_permutation_each_epoch_and_reproducible():
    ds = TensorDataset(np.arange(50))
    loader = DataLoader(ds, batch_size=7, shuffle=True, seed=11)
    epochs = [np.concatenate([b[0].numpy() for b in loader]) for _ in range(3)]
    for order in epochs:
        assert sorted(order.tolist()) == list(range(50))
    assert not np.array_equal(epochs[0], epochs[1]) and not np.array_equal(epochs[1], epochs[2])
    again = DataLoader(ds, batch_size=7, shuffle=True, seed=11)
    np.testing.assert_array_equal(np.concatenate([b[0].numpy() for b in again]), epochs[0])
    # Epoch k on its own, without replaying epochs 0..k-1.
    jump = DataLoader(ds, batch_size=7, shuffle=True, seed=11)
    jump.set_epoch(2)
    np.testing.assert_array_equal(np.concatenate([b[0].numpy() for b in jump]), epochs[2])
    other_seed = DataLoader(ds, batch_size=7, shuffle=True, seed=12)
    assert not np.array_equal(np.concatenate([b[0].numpy() for b in other_seed]), epochs[0])


def test_unseeded_shuffle_uses_the_package_generator():
    ds = TensorDataset(np.arange(30))
    rng.manual_seed(123)
    first = [np.concatenate([b[0].numpy() for b in DataLoader(ds, 5, shuffle=True)])
             for _ in range(2)]
    rng.manual_seed(123)
    second = [np.concatenate([b[0].numpy() for b in DataLoader(ds, 5, shuffle=True)])
              for _ in range(2)]
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])
    assert not np.array_equal(first[0], first[1])


def test_fast_path_gathers_without_per_example_getitem():
    class NoItemAccess(TensorDataset):
        def __getitem__(self, index):
            raise AssertionError("the fast path must not read examples one by one")

    x = np.arange(40, dtype=np.float32).reshape(20, 2)
    ds = NoItemAccess(x, np.arange(20))
    for b in DataLoader(ds, batch_size=6, shuffle=True, seed=0):
        np.testing.assert_array_equal(b[0].numpy()[:, 0] / 2, b[1].numpy())
    sub = Subset(Subset(ds, np.arange(19, -1, -1)), [0, 2, 4])
    ((xs, ys),) = list(DataLoader(sub, batch_size=3))
    np.testing.assert_array_equal(ys.numpy(), [19, 17, 15])


def test_subset_fast_path_matches_generic_path():
    ds = TensorDataset(np.arange(30, dtype=np.float32).reshape(15, 2), np.arange(15))
    train, _ = random_split(ds, [10, 5], seed=4)

    class Generic(Dataset):
        def __len__(self):
            return len(train)

        def __getitem__(self, index):
            return train[index]

    fast = [as_numpy(b) for b in DataLoader(train, batch_size=4, shuffle=True, seed=9)]
    slow = [as_numpy(b) for b in DataLoader(Generic(), batch_size=4, shuffle=True, seed=9)]
    for a, b in zip(fast, slow, strict=True):
        for u, v in zip(a, b, strict=True):
            np.testing.assert_array_equal(u, v)
            assert u.dtype == v.dtype


def test_generic_path_collates_with_stack():
    ds = RangeDataset(10)
    batches = list(DataLoader(ds, batch_size=4))
    assert ds.calls == 10
    x, y = batches[0]
    assert x.shape == (4, 3) and x.dtype == np.float32
    np.testing.assert_array_equal(y.numpy(), [0, 1, 2, 3])
    assert batches[-1][0].shape == (2, 3)


def test_default_collate_cases_and_errors():
    (single,) = default_collate([np.ones(2), np.zeros(2)])
    assert single.shape == (2, 2)
    (floats,) = default_collate([0.5, 1.5])
    assert floats.dtype == np.float32
    with pytest.raises(ValueError, match=r"different shapes \[\(2,\), \(3,\)\]"):
        default_collate([(np.ones(2),), (np.ones(3),)])
    with pytest.raises(ValueError, match="different numbers of fields"):
        default_collate([(1, 2), (1,)])
    with pytest.raises(TypeError, match="return a tuple"):
        default_collate([{"x": 1}])


def test_loader_argument_errors():
    ds = TensorDataset(np.arange(3))
    with pytest.raises(ValueError, match="batch_size must be an int >= 1, got 0"):
        DataLoader(ds, batch_size=0)
    with pytest.raises(ValueError, match="seed"):
        DataLoader(ds, seed=-1)
    with pytest.raises(TypeError, match="TensorDataset"):
        DataLoader(np.float32(1.0))


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 40), batch_size=st.integers(1, 12), shuffle=st.booleans(), drop_last=st.booleans())
def test_loader_visits_each_example_once(n, batch_size, shuffle, drop_last):
    loader = DataLoader(TensorDataset(np.arange(n)), batch_size, shuffle=shuffle, drop_last=drop_last, seed=1)
    sizes = [len(b[0].numpy()) for b in loader]
    assert len(sizes) == len(loader)
    assert all(s == batch_size for s in sizes[:-1]) and all(0 < s <= batch_size for s in sizes)
    seen = np.concatenate([b[0].numpy() for b in loader]) if sizes else np.array([], int)
    assert len(set(seen.tolist())) == len(seen) == (n - n % batch_size if drop_last else n)


# ----------------------------------------------------------------------------- IDX reader

@pytest.mark.parametrize("dtype", list(TYPE_CODES))
@pytest.mark.parametrize("gz", [False, True])
def test_read_idx_round_trip_every_type(tmp_path, dtype, gz):
    array = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
    if dtype == np.uint8:
        array = np.arange(24, dtype=np.uint8).reshape(2, 3, 4) * 10
    path = write_file(tmp_path / "x.idx", idx_bytes(array), gz)
    got = read_idx(path)
    np.testing.assert_array_equal(got, array)
    assert got.dtype == np.dtype(dtype) and got.dtype.isnative and got.flags.writeable
    assert read_idx(str(path)).shape == (2, 3, 4)


def test_read_idx_from_file_object_and_mnist_magic():
    labels = np.array([3, 1, 4, 1, 5], dtype=np.uint8)
    payload = idx_bytes(labels)
    assert payload[:4] == (2049).to_bytes(4, "big")
    assert idx_bytes(np.zeros((2, 28, 28), np.uint8))[:4] == (2051).to_bytes(4, "big")
    np.testing.assert_array_equal(read_idx(io.BytesIO(payload)), labels)
    np.testing.assert_array_equal(read_idx(io.BytesIO(gzip.compress(payload))), labels)
    with pytest.raises(TypeError, match="binary mode"):
        read_idx(io.StringIO("text"))


@pytest.mark.parametrize("gz", [False, True])
def test_read_idx_bad_files(tmp_path, gz):
    good = idx_bytes(np.arange(12, dtype=np.uint8).reshape(3, 4))
    cases = {
        "wrong magic number 0x12345678": b"\x12\x34\x56\x78" + good[4:],
        "wrong magic number 0x00000703": b"\x00\x00\x07\x03" + good[4:],  # unknown type code
        "truncated data: the header promises shape \\(3, 4\\) \\(12 bytes": good[:-2],
        "2 unexpected bytes after the data": good + b"\x00\x00",
        "truncated header": good[:6],
        # Sizes whose product overflows int64 must still read as "truncated", not wrap around.
        "truncated data: the header promises shape \\(4294967295, 4294967295, 4294967295\\)":
            b"\x00\x00\x08\x03" + b"\xff" * 12 + b"\x00" * 10,
        "only 0 bytes": b"",
    }
    for message, payload in cases.items():
        path = write_file(tmp_path / "bad.idx", payload, gz)
        with pytest.raises(IDXError, match=message) as info:
            read_idx(path)
        assert "bad.idx" in str(info.value)
        assert isinstance(info.value, ValueError)


def test_read_idx_truncated_gzip(tmp_path):
    payload = gzip.compress(idx_bytes(np.arange(1000, dtype=np.uint8)))
    path = write_file(tmp_path / "cut.gz", payload[: len(payload) // 2])
    with pytest.raises(IDXError, match="cut.gz: the gzip data is truncated or corrupt"):
        read_idx(path)


# ----------------------------------------------------------------------------- load_mnist on tiny folders

@pytest.mark.parametrize("gz", [False, True])
def test_load_mnist_from_own_folder(tmp_path, gz):
    folder = make_mnist_folder(tmp_path / "data", gz=gz)
    raw_images = read_idx(folder / ("train-images-idx3-ubyte" + (".gz" if gz else "")))
    images, labels = load_mnist("train_full", root=folder).tensors
    assert images.shape == (12, 784) and images.dtype == np.float32
    np.testing.assert_allclose(images.numpy(), raw_images.reshape(12, 784) / 255, rtol=1e-6)
    assert images.numpy().min() >= 0 and images.numpy().max() <= 1
    assert labels.dtype == np.int64 and labels.tolist() == [i % 10 for i in range(12)]

    images, targets = load_mnist("test", root=folder, one_hot=True, flatten=False).tensors
    assert images.shape == (5, 1, 28, 28)
    assert targets.shape == (5, 10) and targets.dtype == np.float32
    np.testing.assert_array_equal(targets.numpy().argmax(1), [0, 1, 2, 3, 4])
    np.testing.assert_array_equal(targets.numpy().sum(1), 1)

    assert len(load_mnist("test", root=folder, subset=3)) == 3
    with pytest.raises(ValueError, match=r"subset must be an int in \[1, 5\]"):
        load_mnist("test", root=folder, subset=6)


def test_load_mnist_split_needs_more_than_validation_size(tmp_path):
    folder = make_mnist_folder(tmp_path)
    with pytest.raises(ValueError, match="use split='train_full'"):
        load_mnist("train", root=folder)
    with pytest.raises(ValueError, match="unknown split 'dev'"):
        load_mnist("dev", root=folder)


def test_load_mnist_missing_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="is not a folder"):
        load_mnist("test", root=tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match="neither t10k-images-idx3-ubyte nor t10k-images-idx3-ubyte.gz"):
        load_mnist("test", root=tmp_path)


def test_load_mnist_count_mismatch(tmp_path):
    folder = make_mnist_folder(tmp_path)
    write_file(folder / "t10k-labels-idx1-ubyte", idx_bytes(np.zeros(4, np.uint8)))
    with pytest.raises(IDXError, match="has 5 images but .*t10k-labels-idx1-ubyte has 4 labels"):
        load_mnist("test", root=folder)


def test_load_mnist_label_out_of_range(tmp_path):
    folder = make_mnist_folder(tmp_path, train_labels=[0, 1, 2, 3, 12, 5, 6, 7, 8, 9, 0, 1])
    with pytest.raises(IDXError, match="label 12 at index 4 is out of range"):
        load_mnist("train_full", root=folder)


def test_load_mnist_swapped_files_wrong_magic(tmp_path):
    folder = make_mnist_folder(tmp_path)
    images = (folder / "t10k-images-idx3-ubyte").read_bytes()
    labels = (folder / "t10k-labels-idx1-ubyte").read_bytes()
    (folder / "t10k-images-idx3-ubyte").write_bytes(labels)
    (folder / "t10k-labels-idx1-ubyte").write_bytes(images)
    with pytest.raises(IDXError, match="expected an images file \\(magic 0x00000803 = 2051\\) .* 0x00000801"):
        load_mnist("test", root=folder)


@pytest.mark.parametrize("gz, of_content", [(False, False), (True, False), (True, True)])
def test_load_mnist_checksums_in_own_folder(tmp_path, gz, of_content):
    folder = make_mnist_folder(tmp_path, gz=gz)
    suffix = ".gz" if gz else ""
    names = [f"{p}-{k}{suffix}" for p in ("train", "t10k") for k in ("images-idx3-ubyte", "labels-idx1-ubyte")]
    write_sums(folder, names, of_content=of_content)
    assert len(load_mnist("test", root=folder)) == 5
    # Change one pixel: the digest no longer matches.
    path = folder / ("t10k-images-idx3-ubyte" + suffix)
    content = bytearray(gzip.decompress(path.read_bytes()) if gz else path.read_bytes())
    content[100] ^= 0xFF
    write_file(path, bytes(content), gz)
    os.utime(path, ns=(1, 1))  # a new modification time, so the cache cannot hide the change
    with pytest.raises(IDXError, match="t10k-images-idx3-ubyte.*checksum mismatch.*SHA256SUMS says"):
        load_mnist("test", root=folder)
    assert len(load_mnist("test", root=folder, verify=False)) == 5


def test_bad_checksum_file_is_reported(tmp_path):
    folder = make_mnist_folder(tmp_path)
    (folder / "SHA256SUMS").write_text("not-a-digest  t10k-images-idx3-ubyte\n")
    with pytest.raises(IDXError, match="line 1 is not"):
        load_mnist("test", root=folder)


def test_decoded_files_are_cached_and_reread_when_changed(tmp_path):
    folder = make_mnist_folder(tmp_path)
    load_mnist("test", root=folder)
    hits = mnist._read_idx_cached.cache_info().hits
    load_mnist("test", root=folder)
    assert mnist._read_idx_cached.cache_info().hits == hits + 2
    write_file(folder / "t10k-labels-idx1-ubyte", idx_bytes(np.full(5, 9, np.uint8)))
    os.utime(folder / "t10k-labels-idx1-ubyte", ns=(10**9, 10**9))
    assert load_mnist("test", root=folder).tensors[1].tolist() == [9] * 5


def test_cached_arrays_cannot_be_corrupted_through_the_dataset(tmp_path):
    folder = make_mnist_folder(tmp_path)
    images, labels = load_mnist("test", root=folder).tensors
    images.numpy()[...] = 0
    labels.numpy()[...] = 0
    again_images, again_labels = load_mnist("test", root=folder).tensors
    assert again_images.numpy().any() and again_labels.tolist() == [0, 1, 2, 3, 4]


# ----------------------------------------------------------------------------- the real bundled MNIST

TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def read_sums_file(path):
    return {line.split()[1]: line.split()[0] for line in path.read_text().splitlines() if line.strip()}


def test_bundled_files_checksums_and_attribution():
    folder = mnist.MNIST_DIR
    of_gz = read_sums_file(folder / "SHA256SUMS.gz")
    of_content = read_sums_file(folder / "SHA256SUMS.uncompressed")
    assert len(of_gz) == len(of_content) == 4
    for name, digest in of_gz.items():
        raw = (folder / name).read_bytes()
        assert hashlib.sha256(raw).hexdigest() == digest
        assert hashlib.sha256(gzip.decompress(raw)).hexdigest() == of_content[name[:-3]]
    readme = (folder / "README.txt").read_text()
    assert "CC BY-SA 3.0" in readme and "LeCun" in readme


def test_bundled_mnist_shapes_range_and_label_counts():
    images, labels = load_mnist("train_full").tensors
    assert images.shape == (60000, 784) and images.dtype == np.float32
    assert images.numpy().min() == 0.0 and images.numpy().max() == 1.0
    assert np.bincount(labels.numpy(), minlength=10).tolist() == TRAIN_COUNTS
    # The lecture's split: first 50,000 train, last 10,000 validation.
    train_images, train_labels = load_mnist("train").tensors
    validation_images, validation_labels = load_mnist("validation", one_hot=True).tensors
    assert train_images.shape == (50000, 784) and validation_images.shape == (10000, 784)
    np.testing.assert_array_equal(train_labels.numpy(), labels.numpy()[:50000])
    np.testing.assert_array_equal(validation_labels.numpy().argmax(1), labels.numpy()[50000:])
    np.testing.assert_array_equal(validation_images.numpy()[-1], images.numpy()[-1])
    test_images, test_labels = load_mnist("test", flatten=False).tensors
    assert test_images.shape == (10000, 1, 28, 28)
    assert np.bincount(test_labels.numpy(), minlength=10).tolist() == TEST_COUNTS
    assert test_labels.numpy()[:5].tolist() == [7, 2, 1, 0, 4]


def test_average_darkness_baseline_matches_the_lecture():
    accuracy = average_darkness_baseline()
    measured = 0.2225  # what this implementation gives on the bundled data
    assert abs(accuracy - measured) <= 0.005
    assert abs(accuracy - 0.2225) <= 0.005  # the lecture: 2,225 of 10,000 test images
