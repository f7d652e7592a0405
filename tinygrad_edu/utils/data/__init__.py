"""torch.utils.data for PyTorch programs: datasets, samplers and the DataLoader, with PyTorch's names and batching rules.

The classes are tinygrad_edu.data's own (one implementation); only the DataLoader's default
batching differs from `tinygrad_edu.data.DataLoader`'s, to be PyTorch's (see dataloader.py).
"""

from tinygrad_edu.utils.data import dataloader, dataset, sampler
from tinygrad_edu.utils.data.dataloader import (DataLoader, default_collate, default_convert,
                                                get_worker_info)
from tinygrad_edu.utils.data.dataset import (ChainDataset, ConcatDataset, Dataset, IterableDataset,
                                             Subset, TensorDataset, random_split)
from tinygrad_edu.utils.data.sampler import (BatchSampler, RandomSampler, Sampler,
                                             SequentialSampler, SubsetRandomSampler,
                                             WeightedRandomSampler)

__all__ = ["dataloader", "dataset", "sampler", "DataLoader", "default_collate", "default_convert",
           "get_worker_info", "Dataset", "IterableDataset", "TensorDataset", "Subset",
           "ConcatDataset", "ChainDataset", "random_split", "Sampler", "SequentialSampler",
           "RandomSampler", "SubsetRandomSampler", "WeightedRandomSampler", "BatchSampler"]
