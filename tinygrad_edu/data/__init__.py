"""Data pipeline: datasets, minibatch loading and the bundled MNIST digits."""

from tinygrad_edu.data.dataset import (ChainDataset, ConcatDataset, Dataset, IterableDataset, Subset,
                                       TensorDataset, random_split)
from tinygrad_edu.data.loader import DataLoader, default_collate
from tinygrad_edu.data.sampler import (BatchSampler, RandomSampler, Sampler, SequentialSampler,
                                       SubsetRandomSampler, WeightedRandomSampler)
from tinygrad_edu.data.mnist import IDXError, average_darkness_baseline, load_mnist, read_idx
from tinygrad_edu.data.toy import make_circles, make_moons, make_spiral, make_xor
from tinygrad_edu.data.text import CharTokenizer, context_windows, load_names, padded_sequences

__all__ = [
    "Dataset",
    "TensorDataset",
    "Subset",
    "random_split",
    "DataLoader",
    "default_collate",
    "IterableDataset",
    "ConcatDataset",
    "ChainDataset",
    "Sampler",
    "SequentialSampler",
    "RandomSampler",
    "SubsetRandomSampler",
    "WeightedRandomSampler",
    "BatchSampler",
    "IDXError",
    "read_idx",
    "load_mnist",
    "average_darkness_baseline",
    "make_moons",
    "make_circles",
    "make_spiral",
    "make_xor",
    "load_names",
    "CharTokenizer",
    "context_windows",
    "padded_sequences",
]
