"""PyTorch's batching rules: `torch_collate` stacks a list of examples of any nesting into one batch, as torch.utils.data.default_collate."""

import collections.abc
import numbers

import numpy as np

from tinygrad_edu.core import Tensor

__all__ = ["torch_collate", "default_convert"]


def _stack(arrays, where):
    try:
        return np.stack(arrays)
    except ValueError:
        shapes = sorted({a.shape for a in arrays})
        raise RuntimeError(
            f"default_collate: the {where} of the examples in one batch have different shapes "
            f"{shapes}; stack each field to the same shape (pad or resize), or pass your own "
            "collate_fn") from None


def torch_collate(batch, _where="examples"):
    """Stack a list of examples into a batch with PyTorch's rules (default_collate).

    Tensors and numpy arrays are stacked along a new first axis; Python ints become an int64
    tensor, Python floats a float64 tensor, bools a bool tensor; strings stay a list; a dict
    becomes a dict of batches, a namedtuple a namedtuple of batches, a tuple or list a *list*
    of batches (one per field, as PyTorch does).

    Args:
        batch: a non-empty list of examples, all of the same structure.

    Returns:
        The batch, with the structure of one example.

    Raises:
        RuntimeError: examples of different structure or shapes.
        TypeError: a kind of value with no batching rule (pass your own collate_fn).

    Example:
        >>> torch_collate([(np.zeros(2), 1), (np.ones(2), 0)])   # [Tensor (2, 2), Tensor([1, 0])]
    """
    first = batch[0]
    if isinstance(first, Tensor):
        return Tensor(_stack([t.numpy() for t in batch], _where))
    if isinstance(first, np.ndarray):
        return Tensor(_stack([np.asarray(a) for a in batch], _where))
    if isinstance(first, np.generic):
        return Tensor(np.asarray(batch, dtype=first.dtype))
    if isinstance(first, bool):
        return Tensor(np.asarray(batch, dtype=np.bool_))
    if isinstance(first, numbers.Integral):
        return Tensor(np.asarray(batch, dtype=np.int64))
    if isinstance(first, numbers.Real):
        return Tensor(np.asarray(batch, dtype=np.float64))
    if isinstance(first, (str, bytes)):
        return batch  # as given (PyTorch: a tuple inside a batch of tuples)
    if isinstance(first, collections.abc.Mapping):
        return {key: torch_collate([example[key] for example in batch], f"field {key!r}")
                for key in first}
    if isinstance(first, collections.abc.Sequence):
        width = len(first)
        if any(not isinstance(e, collections.abc.Sequence) or len(e) != width for e in batch):
            raise RuntimeError("default_collate: each element in the batch should be of equal "
                               "size (__getitem__ must always return the same structure)")
        fields = [torch_collate(column, f"field {k}")
                  for k, column in enumerate(zip(*batch))]
        if isinstance(first, tuple) and hasattr(first, "_fields"):  # a namedtuple
            return type(first)(*fields)
        return fields
    raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, "
                    f"dicts or lists; found {type(first).__name__} (pass your own collate_fn)")


def default_convert(data):
    """One example as Tensors without batching (DataLoader with batch_size=None): numpy arrays
    become Tensors, containers are converted inside, everything else stays as it is."""
    if isinstance(data, np.ndarray):
        return Tensor(data)
    if isinstance(data, collections.abc.Mapping):
        return {key: default_convert(value) for key, value in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, list):
        return [default_convert(d) for d in data]
    return data
