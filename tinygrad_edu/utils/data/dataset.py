"""torch.utils.data.dataset: the dataset classes and random_split (those of tinygrad_edu.data)."""

from tinygrad_edu.data.dataset import (ChainDataset, ConcatDataset, Dataset, IterableDataset, Subset,
                                       TensorDataset, random_split)

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "Subset", "ConcatDataset", "ChainDataset",
           "random_split"]
