"""Lookup tables and per-example normalization for sequences: Embedding and LayerNorm (with their functional forms), as in PyTorch."""

import numbers

import numpy as np

from ..core import Tensor, where
from .module import Module, Parameter

__all__ = ["Embedding", "LayerNorm", "embedding", "layer_norm"]


def _index_array(indices, num_embeddings, owner):
    """The integer numpy array behind `indices`, checked against the table's size."""
    array = indices.numpy() if isinstance(indices, Tensor) else np.asarray(indices)
    if array.dtype.kind not in "iu":
        raise TypeError(f"{owner}: expected integer indices (a Tensor of dtype int64), got "
                        f"dtype {array.dtype}; convert with .long()")
    if array.size and (array.min() < 0 or array.max() >= num_embeddings):
        bad = array.min() if array.min() < 0 else array.max()
        raise IndexError(f"{owner}: index {int(bad)} is out of range for a table of "
                         f"{num_embeddings} rows; indices must be in [0, {num_embeddings - 1}]")
    return array


def embedding(input, weight, padding_idx=None):
    """Rows of `weight` picked by the integer `input`: out[..., :] = weight[input[...], :].

    An embedding is a Linear layer applied to a one-hot vector, computed as a lookup: the
    gradient of row i is the sum of the upstream gradients of every place that picked i
    (the Index op's rule). The row `padding_idx`, if given, gets no gradient (as in PyTorch).

    Args:
        input: integer Tensor of any shape (…), values in [0, num_embeddings).
        weight: the table, a Tensor of shape (num_embeddings, embedding_dim).
        padding_idx: a row that is looked up but never learns (or None).

    Returns:
        A Tensor of shape (…, embedding_dim).
    """
    if weight.ndim != 2:
        raise ValueError(f"embedding: weight must have shape (num_embeddings, embedding_dim), "
                         f"got {weight.shape}")
    array = _index_array(input, weight.shape[0], "embedding")
    out = weight[array]
    if padding_idx is not None:
        padding_idx = padding_idx % weight.shape[0]
        # the padding row's value, but as a constant: no gradient flows back to it
        frozen = Tensor(weight.numpy()[padding_idx])
        out = where(Tensor((array == padding_idx)[..., None]), frozen, out)
    return out


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Layer normalization over the last dims, as torch.nn.functional.layer_norm.

    Each example (each position of a sequence) is normalized over its own features, not over
    the batch: μ and σ² = mean((x − μ)²) (biased) over the trailing `normalized_shape` dims,
    x̂ = (x − μ)/√(σ² + eps), out = γ ⊙ x̂ + β. Training and evaluation compute the same thing.

    Args:
        input: a Tensor whose trailing dims equal `normalized_shape`.
        normalized_shape: an int or a tuple of the trailing dims.
        weight, bias: γ and β of shape `normalized_shape`, or None.
        eps: added to the variance for stability.
    """
    shape = (normalized_shape,) if isinstance(normalized_shape, numbers.Integral) else \
        tuple(normalized_shape)
    if input.shape[input.ndim - len(shape):] != shape or len(shape) > input.ndim:
        raise ValueError(f"layer_norm: normalized_shape {shape} must equal the last dims of the "
                         f"input, whose shape is {input.shape}")
    for label, tensor in (("weight", weight), ("bias", bias)):
        if tensor is not None and tensor.shape != shape:
            raise ValueError(f"layer_norm: {label} has shape {tensor.shape}; it must have the "
                             f"normalized shape {shape}")
    dims = tuple(range(input.ndim - len(shape), input.ndim))
    mean = input.mean(dim=dims, keepdim=True)
    centered = input - mean
    variance = (centered * centered).mean(dim=dims, keepdim=True)
    out = centered / (variance + eps).sqrt()
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


class Embedding(Module):
    """A table of learnable vectors, one per token: (…) integers -> (…, embedding_dim).

    Same as PyTorch: `weight` of shape (num_embeddings, embedding_dim) drawn from N(0, 1); the
    row `padding_idx` (if given) starts at zero and is never updated. See `embedding`.

    Args:
        num_embeddings: the size of the vocabulary.
        embedding_dim: the length of each vector.
        padding_idx: a row that stays fixed (or None).
        dtype: float32 (default) or float64.

    Example:
        >>> table = nn.Embedding(27, 10)
        >>> table(tg.tensor([[1, 2, 3]])).shape
        (1, 3, 10)
    """

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, dtype=None):
        super().__init__()
        for label, value in (("num_embeddings", num_embeddings), ("embedding_dim", embedding_dim)):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
                raise ValueError(f"Embedding: {label} must be a positive int, got {value!r}")
        if padding_idx is not None and not -num_embeddings <= padding_idx < num_embeddings:
            raise ValueError(f"Embedding: padding_idx {padding_idx} must be within "
                             f"[{-num_embeddings}, {num_embeddings - 1}]")
        self.num_embeddings, self.embedding_dim = int(num_embeddings), int(embedding_dim)
        self.padding_idx = None if padding_idx is None else int(padding_idx) % self.num_embeddings
        self.weight = Parameter(np.empty((self.num_embeddings, self.embedding_dim),
                                         dtype=np.dtype(dtype or np.float32)))
        self.reset_parameters()

    def reset_parameters(self):
        """PyTorch's default: N(0, 1), and zeros in the padding row."""
        from . import init
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight.numpy()[self.padding_idx] = 0  # in place on the Parameter's storage

    def forward(self, input):
        return embedding(input, self.weight, self.padding_idx)

    def extra_repr(self):
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        return text + (f", padding_idx={self.padding_idx}" if self.padding_idx is not None else "")


class LayerNorm(Module):
    """Layer normalization of the trailing `normalized_shape` dims of each example (see layer_norm).

    As PyTorch: `weight` γ (ones) and `bias` β (zeros) of shape normalized_shape when
    elementwise_affine; no running statistics, so train() and eval() give the same result.

    Args:
        normalized_shape: an int (the features) or a tuple of trailing dims.
        eps: added to the variance.
        elementwise_affine: learn γ and β.
        bias: learn β (when elementwise_affine).
        dtype: float32 (default) or float64.
    """

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, dtype=None):
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, numbers.Integral) else \
            tuple(normalized_shape)
        if not shape or any(isinstance(s, bool) or not isinstance(s, numbers.Integral) or s <= 0
                            for s in shape):
            raise ValueError(f"LayerNorm: normalized_shape must be a positive int or a tuple of "
                             f"them, got {normalized_shape!r}")
        self.normalized_shape = tuple(int(s) for s in shape)
        self.eps, self.elementwise_affine = float(eps), bool(elementwise_affine)
        dtype = np.dtype(dtype or np.float32)
        if self.elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape, dtype=dtype))
            if bias:
                self.bias = Parameter(np.zeros(self.normalized_shape, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, input):
        return layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")
