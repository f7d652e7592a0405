"""tinygrad_edu.utils.data against torch.utils.data: datasets, random_split, default_collate, samplers and the DataLoader's options."""

import collections

import numpy as np
import pytest
import torch
import torch.utils.data as tud

import tinygrad_edu as tg
from tinygrad_edu.utils import data as ud


def as_plain(value):
    """A batch of either library as nested Python lists/dicts of numpy arrays, for comparing."""
    if isinstance(value, torch.Tensor):
        return ("tensor", str(value.dtype).replace("torch.", ""), value.numpy())
    if isinstance(value, tg.Tensor):
        return ("tensor", value.numpy().dtype.name, value.numpy())
    if isinstance(value, dict):
        return {k: as_plain(v) for k, v in value.items()}
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return (type(value).__name__,) + tuple(as_plain(v) for v in value)
    if isinstance(value, list):
        return [as_plain(v) for v in value]
    return value


def assert_same(ours, theirs):
    a, b = as_plain(ours), as_plain(theirs)
    assert type(a) is type(b), (a, b)
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            assert_same(ours[k], theirs[k])
    elif isinstance(a, tuple) and a[0] == "tensor":
        assert a[1] == b[1], (a[1], b[1])
        np.testing.assert_array_equal(a[2], b[2])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(ours if not isinstance(ours, tuple) else ours, theirs):
            assert_same(x, y)
    else:
        assert a == b


def test_the_torch_paths_resolve():
    import tinygrad_edu.utils.data.dataloader as dl
    import tinygrad_edu.utils.data.dataset as ds
    import tinygrad_edu.utils.data.sampler as sp
    assert tg.utils.data.DataLoader is dl.DataLoader
    assert ds.TensorDataset is tg.data.TensorDataset  # one implementation, re-exported
    assert sp.BatchSampler is tg.data.BatchSampler
    for name in ud.__all__:
        if name not in ("dataloader", "dataset", "sampler", "ChainDataset", "default_convert"):
            assert hasattr(tud, name), name


Point = collections.namedtuple("Point", "x y")
COLLATE_CASES = {
    "tensors": [np.arange(3.0), np.ones(3)],
    "tuples": [(np.zeros(2, np.float32), 1), (np.ones(2, np.float32), 0)],
    "python floats": [0.5, 1.5, 2.0],
    "python ints and bools": [(1, True), (2, False)],
    "numpy scalars": [np.float32(1.5), np.float32(2.5)],
    "dicts": [{"image": np.ones((2, 2)), "label": 3}, {"image": np.zeros((2, 2)), "label": 4}],
    "strings": [("a", 1.0), ("b", 2.0)],
    "namedtuples": [Point(1.0, np.ones(2)), Point(2.0, np.zeros(2))],
    "lists": [[1, 2.0], [3, 4.0]],
}


@pytest.mark.parametrize("case", list(COLLATE_CASES))
def test_default_collate_matches_torch(case):
    batch = COLLATE_CASES[case]
    theirs = tud.default_collate([_to_torch(e) for e in batch])
    ours = ud.default_collate([_to_tg(e) for e in batch])
    assert_same(ours, theirs)


def _convert(example, make):
    if isinstance(example, np.ndarray):
        return make(example)
    if isinstance(example, dict):
        return {k: _convert(v, make) for k, v in example.items()}
    if isinstance(example, Point):
        return Point(*(_convert(v, make) for v in example))
    if isinstance(example, (tuple, list)):
        return type(example)(_convert(v, make) for v in example)
    return example


def _to_torch(example):
    return _convert(example, torch.from_numpy)


def _to_tg(example):
    return _convert(example, tg.Tensor)


def test_default_collate_errors_name_the_problem():
    with pytest.raises(RuntimeError, match="different shapes"):
        ud.default_collate([np.ones(2), np.ones(3)])
    with pytest.raises(RuntimeError, match="equal size"):
        ud.default_collate([(1, 2), (1,)])
    with pytest.raises(TypeError, match="collate_fn"):
        ud.default_collate([object(), object()])


def test_concat_dataset_indexes_like_torch():
    parts = [np.arange(3), np.arange(10, 15), np.arange(20, 22)]
    theirs = tud.ConcatDataset([tud.TensorDataset(torch.from_numpy(p)) for p in parts])
    ours = ud.ConcatDataset([ud.TensorDataset(p) for p in parts])
    assert len(ours) == len(theirs) and ours.cumulative_sizes == theirs.cumulative_sizes
    for i in range(-len(ours), len(ours)):
        assert ours[i][0].item() == theirs[i][0].item()
    with pytest.raises(IndexError, match="out of range"):
        ours[len(ours)]
    assert len(ud.TensorDataset(parts[0]) + ud.TensorDataset(parts[1])) == 8


@pytest.mark.parametrize("n", [1, 7, 10, 33, 101])
@pytest.mark.parametrize("fractions", [[0.8, 0.2], [0.33, 0.33, 0.34], [0.5, 0.25, 0.25], [0.1] * 10])
def test_random_split_fraction_lengths_match_torch(n, fractions):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns about empty splits
        theirs = [len(s) for s in tud.random_split(range(n), fractions)]
    ours = [len(s) for s in ud.random_split(ud.TensorDataset(np.arange(n)), fractions)]
    assert ours == theirs


def test_random_split_with_a_generator_is_reproducible_and_disjoint():
    ds = ud.TensorDataset(np.arange(20))
    a = ud.random_split(ds, [15, 5], generator=tg.Generator().manual_seed(42))
    b = ud.random_split(ds, [15, 5], generator=tg.Generator().manual_seed(42))
    c = ud.random_split(ds, [15, 5], generator=tg.Generator().manual_seed(43))
    assert [list(s.indices) for s in a] == [list(s.indices) for s in b]
    assert [list(s.indices) for s in a] != [list(s.indices) for s in c]
    assert sorted(np.concatenate([s.indices for s in a]).tolist()) == list(range(20))
    with pytest.raises(ValueError, match="not both"):
        ud.random_split(ds, [15, 5], generator=tg.Generator(), seed=1)


def test_sequential_and_batch_samplers_match_torch():
    for n, size, drop in [(10, 3, False), (10, 3, True), (9, 3, True), (2, 5, False), (0, 2, False)]:
        ours = ud.BatchSampler(ud.SequentialSampler(range(n)), size, drop)
        theirs = tud.BatchSampler(tud.SequentialSampler(range(n)), size, drop)
        assert list(ours) == list(theirs) and len(ours) == len(theirs)
    with pytest.raises(ValueError, match="batch_size"):
        ud.BatchSampler(range(3), 0, False)


def test_random_samplers_draw_what_torch_draws():
    g = tg.Generator().manual_seed(0)
    order = list(ud.RandomSampler(range(10), generator=g))
    assert sorted(order) == list(range(10)) and order != list(range(10))
    # num_samples beyond the length without replacement: whole permutations, as in torch
    ours = list(ud.RandomSampler(range(4), num_samples=10, generator=g))
    theirs = list(tud.RandomSampler(range(4), num_samples=10))
    assert len(ours) == len(theirs) == 10
    assert sorted(ours[:4]) == sorted(theirs[:4]) == list(range(4))
    with_replacement = list(ud.RandomSampler(range(3), replacement=True, num_samples=50, generator=g))
    assert len(with_replacement) == 50 and set(with_replacement) == {0, 1, 2}
    subset = list(ud.SubsetRandomSampler([5, 7, 9], generator=g))
    assert sorted(subset) == [5, 7, 9]


def test_weighted_random_sampler_frequencies_match_torch():
    weights = [0.1, 0.0, 0.6, 0.3]
    n = 20000
    ours = np.bincount(list(ud.WeightedRandomSampler(weights, n, generator=tg.Generator().manual_seed(1))),
                       minlength=4) / n
    torch.manual_seed(1)
    theirs = np.bincount(list(tud.WeightedRandomSampler(weights, n)), minlength=4) / n
    # each frequency is within 4 binomial standard deviations of the other library's
    spread = 4 * np.sqrt(np.array(weights) * (1 - np.array(weights)) / n) * np.sqrt(2)
    assert np.all(np.abs(ours - theirs) <= spread + 1e-12)
    assert ours[1] == 0
    unique = list(ud.WeightedRandomSampler(weights, 3, replacement=False))
    assert len(set(unique)) == 3 and 1 not in unique
    with pytest.raises(ValueError, match="without replacement"):
        ud.WeightedRandomSampler(weights, 5, replacement=False)
    with pytest.raises(ValueError, match="non-negative"):
        ud.WeightedRandomSampler([1.0, -1.0], 2)


class Squares(ud.Dataset):
    def __len__(self):
        return 7

    def __getitem__(self, i):
        return float(i), i * i


class TorchSquares(tud.Dataset):
    def __len__(self):
        return 7

    def __getitem__(self, i):
        return float(i), i * i


LOADER_OPTIONS = [
    dict(batch_size=3),
    dict(batch_size=3, drop_last=True),
    dict(batch_size=None),
    dict(batch_sampler=[[0, 1], [6, 2, 3]]),
    dict(sampler=[6, 5, 4, 0], batch_size=2),
    dict(batch_size=2, collate_fn=lambda batch: [sum(x for x, _ in batch)]),
    dict(batch_size=4, num_workers=0, pin_memory=True),
]


LOADER_IDS = ["batch3", "drop_last", "unbatched", "batch_sampler", "sampler", "collate_fn",
              "workers_pin_memory"]


@pytest.mark.filterwarnings("ignore:'pin_memory' argument")
@pytest.mark.parametrize("options", LOADER_OPTIONS, ids=LOADER_IDS)
def test_dataloader_batches_match_torch(options):
    ours = ud.DataLoader(Squares(), **options)
    theirs = tud.DataLoader(TorchSquares(), **options)
    assert len(ours) == len(theirs)
    batches = list(ours)
    expected = list(theirs)
    assert len(batches) == len(expected)
    for a, b in zip(batches, expected):
        assert_same(a, b)


def test_dataloader_fast_path_yields_torchs_batches():
    x = np.arange(20.0).reshape(10, 2)
    y = np.arange(10)
    ours = list(ud.DataLoader(ud.TensorDataset(x, y), batch_size=4))
    theirs = list(tud.DataLoader(tud.TensorDataset(torch.from_numpy(x), torch.from_numpy(y)),
                                 batch_size=4))
    for a, b in zip(ours, theirs):
        assert_same(a, b)
    # tinygrad_edu.data's own loader keeps its tuples
    assert isinstance(next(iter(tg.data.DataLoader(ud.TensorDataset(x, y), batch_size=4))), tuple)


def test_dataloader_generator_makes_shuffling_reproducible():
    ds = ud.TensorDataset(np.arange(30))

    def epoch(seed):
        loader = ud.DataLoader(ds, batch_size=7, shuffle=True, generator=tg.Generator().manual_seed(seed))
        return np.concatenate([b[0].numpy() for b in loader])

    assert np.array_equal(epoch(3), epoch(3)) and not np.array_equal(epoch(3), epoch(4))
    assert sorted(epoch(3).tolist()) == list(range(30))


class Stream(ud.IterableDataset):
    def __iter__(self):
        return iter([np.full(2, i, dtype=np.float32) for i in range(5)])


class TorchStream(tud.IterableDataset):
    def __iter__(self):
        return iter([torch.full((2,), float(i)) for i in range(5)])


@pytest.mark.parametrize("options", [dict(batch_size=2), dict(batch_size=2, drop_last=True),
                                     dict(batch_size=None)])
def test_iterable_dataset_batches_match_torch(options):
    ours = list(ud.DataLoader(Stream(), **options))
    theirs = list(tud.DataLoader(TorchStream(), **options))
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    chained = list(Stream() + Stream())
    assert len(chained) == 10


@pytest.mark.parametrize("options, message", [
    (dict(shuffle=True, sampler=[0, 1]), "mutually exclusive with shuffle"),
    (dict(batch_sampler=[[0]], batch_size=2), "batch_sampler option is mutually exclusive"),
    (dict(batch_size=None, drop_last=True), "disables auto-batching"),
    (dict(num_workers=-1), "num_workers"),
])
def test_dataloader_rejects_what_torch_rejects(options, message):
    with pytest.raises(ValueError, match=message):
        ud.DataLoader(Squares(), **options)
    with pytest.raises(ValueError):
        tud.DataLoader(TorchSquares(), **options)


def test_iterable_dataset_refuses_shuffle_like_torch():
    with pytest.raises(ValueError, match="IterableDataset"):
        ud.DataLoader(Stream(), shuffle=True)
    with pytest.raises(ValueError):
        tud.DataLoader(TorchStream(), shuffle=True)
