"""Attention from existing ops, as in PyTorch: scaled_dot_product_attention, MultiheadAttention and a small TransformerEncoderLayer.

    out = F.scaled_dot_product_attention(q, k, v, is_causal=True)   # (…, L, E)
    mha = nn.MultiheadAttention(32, 4, batch_first=True)
    out, weights = mha(x, x, x)                                       # self-attention

Every query asks every key how well it matches (a dot product), turns the scores into
weights with a softmax, and returns the weighted average of the values. There is no new
rule: MatMul, Mul, Where, Softmax and Linear carry the gradient.
"""

import math
import numbers

import numpy as np

from ..core import Tensor, where
from ..core.functional import linear
from . import functional as F
from . import init
from .embedding import LayerNorm
from .layers import Dropout, Linear
from .module import Module, Parameter

__all__ = ["scaled_dot_product_attention", "MultiheadAttention", "TransformerEncoderLayer",
           "causal_mask"]


def causal_mask(length, source_length=None):
    """The bool mask of a causal (left-to-right) model: True where query i may see key j ≤ i.

    As in scaled_dot_product_attention(is_causal=True): the lower triangle of an (L, S) matrix.
    nn.Transformer.generate_square_subsequent_mask gives the same mask as a float (0 / −∞).
    """
    return np.tril(np.ones((length, length if source_length is None else source_length),
                           dtype=bool))


def _mask_array(mask, owner, what):
    """A mask as a numpy array (bool) or a Tensor (float, may carry a gradient)."""
    if isinstance(mask, Tensor):
        if mask.dtype == np.bool_:
            return mask.numpy()
        if mask.dtype.kind != "f":
            raise TypeError(f"{owner}: {what} must be a bool or float tensor, got dtype "
                            f"{mask.dtype}")
        return mask
    array = np.asarray(mask)
    if array.dtype != np.bool_ and array.dtype.kind != "f":
        raise TypeError(f"{owner}: {what} must be bool or float, got dtype {array.dtype}")
    return array if array.dtype == np.bool_ else Tensor(array)


def _masked_softmax(scores, allowed, additive):
    """softmax over keys of scores + additive, with keys where `allowed` is False removed.

    A query row whose keys are all removed gets weights 0 (and output 0), as PyTorch does
    today, instead of the 0/0 = NaN of a softmax over −∞ only.
    """
    blocked = None if allowed is None else ~np.broadcast_to(allowed, scores.shape)
    for term in additive:
        scores = scores + term
        infinite = np.isneginf(np.broadcast_to(term.numpy(), scores.shape))
        blocked = infinite if blocked is None else blocked | infinite
    if blocked is None:
        return scores.softmax(-1)
    if allowed is not None:
        scores = where(Tensor(~blocked), scores, -math.inf)
    dead = blocked.all(axis=-1, keepdims=True)
    if not dead.any():
        return scores.softmax(-1)
    # rows with no key left: softmax over zeros (finite), then multiplied by 0
    scores = where(Tensor(np.broadcast_to(dead, scores.shape)), 0.0, scores)
    return scores.softmax(-1) * Tensor((~dead).astype(scores.dtype))


def _attend(query, key, value, allowed, additive, dropout_p, scale):
    """(output, weights): weights = dropout(softmax(q kᵀ·scale + masks)), output = weights @ v."""
    scores = (query @ key.transpose(-2, -1)) * scale          # (…, L, S)
    weights = _masked_softmax(scores, allowed, additive)
    if dropout_p > 0:
        weights = F.dropout(weights, dropout_p, True)
    return weights @ value, weights                           # (…, L, Ev), (…, L, S)


def _check_qkv(query, key, value, owner):
    for label, tensor in (("query", query), ("key", key), ("value", value)):
        if not isinstance(tensor, Tensor):
            raise TypeError(f"{owner}: {label} must be a Tensor, got {type(tensor).__name__}")
        if tensor.ndim < 2:
            raise ValueError(f"{owner}: {label} must have at least 2 dims (…, length, features), "
                             f"got shape {tensor.shape}")
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise ValueError(f"{owner}: query {query.shape}, key {key.shape} and value {value.shape} "
                         f"do not fit: query and key need the same last dim E, key and value "
                         f"the same length S")


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None):
    """softmax(Q Kᵀ / √E + mask) V, as torch.nn.functional.scaled_dot_product_attention.

    Args:
        query: (…, L, E); key: (…, S, E); value: (…, S, Ev) (leading dims broadcast).
        attn_mask: bool (True = this query may attend to this key) or float (added to the
            scores, −∞ removes a key), broadcastable to (…, L, S); or None.
        dropout_p: dropout on the attention weights (applied whenever > 0, as in PyTorch:
            pass 0.0 at evaluation).
        is_causal: query i sees only keys j ≤ i (the lower triangle); not with attn_mask.
        scale: the factor of the scores; 1/√E when None.

    Returns:
        A Tensor (…, L, Ev).

    Raises:
        ValueError: shapes that do not fit, or is_causal together with attn_mask.
    """
    owner = "scaled_dot_product_attention"
    _check_qkv(query, key, value, owner)
    if isinstance(dropout_p, bool) or not isinstance(dropout_p, numbers.Real) or \
            not 0.0 <= dropout_p <= 1.0:
        raise ValueError(f"{owner}: dropout_p must be a probability in [0, 1], got {dropout_p!r}")
    if is_causal and attn_mask is not None:
        raise ValueError(f"{owner}: pass either attn_mask or is_causal=True, not both (fold the "
                         f"causal triangle into your mask)")
    allowed, additive = None, []
    if is_causal:
        allowed = causal_mask(query.shape[-2], key.shape[-2])
    elif attn_mask is not None:
        mask = _mask_array(attn_mask, owner, "attn_mask")
        _check_broadcast(mask.shape, query.shape[:-1] + (key.shape[-2],), owner, "attn_mask")
        if isinstance(mask, Tensor):
            additive.append(mask.to(query.dtype) if mask.dtype != query.dtype else mask)
        else:
            allowed = mask
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else float(scale)
    return _attend(query, key, value, allowed, additive, dropout_p, scale)[0]


def _check_broadcast(shape, target, owner, what):
    try:
        result = np.broadcast_shapes(tuple(shape), tuple(target))
    except ValueError:
        result = None
    if result != tuple(target):
        raise ValueError(f"{owner}: {what} of shape {tuple(shape)} does not broadcast to the "
                         f"scores' shape {tuple(target)} (…, L, S)")


class MultiheadAttention(Module):
    """Multi-head attention, as torch.nn.MultiheadAttention (same parameter names).

    The inputs are projected by in_proj_weight (3E, E) (rows: queries, keys, values) and
    in_proj_bias (3E,), split into num_heads heads of E/num_heads features, attended
    separately (scaled_dot_product_attention) and joined by out_proj (a Linear E → E).

    Args:
        embed_dim: E.
        num_heads: heads; E must be divisible by it.
        dropout: dropout on the attention weights (training mode only).
        bias: use in_proj_bias and out_proj.bias.
        batch_first: inputs (N, L, E) instead of (L, N, E).
        dtype: float32 (default) or float64.

    PyTorch's kdim/vdim (keys of another size), add_bias_kv and add_zero_attn are not
    offered.

    forward(query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
    average_attn_weights=True, is_causal=False) -> (output, weights):
        key_padding_mask (N, S): True (or −∞) marks a key to ignore (padding);
        attn_mask (L, S) or (N·num_heads, L, S): True (or −∞) forbids an attention;
        note the opposite sense from scaled_dot_product_attention's bool mask, as in PyTorch;
        is_causal: a hint that attn_mask is the causal mask (it must be given, as in PyTorch);
        weights: (N, L, S) averaged over heads, (N, num_heads, L, S) if not averaged, or None
        when need_weights=False.
    """

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, batch_first=False,
                 dtype=None):
        super().__init__()
        for label, value in (("embed_dim", embed_dim), ("num_heads", num_heads)):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
                raise ValueError(f"MultiheadAttention: {label} must be a positive int, got "
                                 f"{value!r}")
        if embed_dim % num_heads:
            raise ValueError(f"MultiheadAttention: embed_dim {embed_dim} must be divisible by "
                             f"num_heads {num_heads}")
        if isinstance(dropout, bool) or not 0.0 <= dropout <= 1.0:
            raise ValueError(f"MultiheadAttention: dropout must be in [0, 1], got {dropout!r}")
        self.embed_dim, self.num_heads = int(embed_dim), int(num_heads)
        self.head_dim = self.embed_dim // self.num_heads
        self.dropout, self.batch_first = float(dropout), bool(batch_first)
        dtype = np.dtype(dtype or np.float32)
        self.in_proj_weight = Parameter(np.empty((3 * embed_dim, embed_dim), dtype=dtype))
        if bias:
            self.in_proj_bias = Parameter(np.zeros(3 * embed_dim, dtype=dtype))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, dtype=dtype)
        self.reset_parameters()

    def reset_parameters(self):
        """PyTorch's default: xavier_uniform_ in_proj_weight, zero biases."""
        init.xavier_uniform_(self.in_proj_weight)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)

    def _project(self, x, part):
        """x (L, N, E) -> the heads of its queries/keys/values (N, heads, L, head_dim)."""
        E = self.embed_dim
        weight = self.in_proj_weight[part * E:(part + 1) * E]
        bias = None if self.in_proj_bias is None else self.in_proj_bias[part * E:(part + 1) * E]
        length, batch = x.shape[0], x.shape[1]
        out = linear(x, weight, bias).reshape(length, batch, self.num_heads, self.head_dim)
        return out.permute(1, 2, 0, 3)

    def _masks(self, key_padding_mask, attn_mask, batch, length, source):
        """(allowed bool (N, heads, L, S) or None, [additive float tensors])."""
        allowed, additive = None, []
        owner = "MultiheadAttention"
        for mask, what, expected in (
                (key_padding_mask, "key_padding_mask", [(batch, source)]),
                (attn_mask, "attn_mask", [(length, source),
                                          (batch * self.num_heads, length, source)])):
            if mask is None:
                continue
            mask = _mask_array(mask, owner, what)
            if tuple(mask.shape) not in expected:
                raise ValueError(f"{owner}: {what} has shape {tuple(mask.shape)}; expected "
                                 f"{' or '.join(str(e) for e in expected)}")
            if what == "key_padding_mask":
                shape = (batch, 1, 1, source)
            else:
                shape = (length, source) if mask.ndim == 2 else \
                    (batch, self.num_heads, length, source)
            if isinstance(mask, Tensor):
                additive.append(mask.reshape(shape))
            else:
                keep = ~mask.reshape(shape)  # PyTorch: True means "do not attend"
                allowed = keep if allowed is None else allowed & keep
        return allowed, additive

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True,
                attn_mask=None, average_attn_weights=True, is_causal=False):
        owner = "MultiheadAttention"
        _check_qkv(query, key, value, owner)
        if is_causal and attn_mask is None:
            raise ValueError(f"{owner}: is_causal=True is a hint that attn_mask is causal; "
                             f"pass the mask too (nn.causal_mask(L) inverted, or a float mask)")
        unbatched = query.ndim == 2
        if unbatched:
            query, key, value = (t.unsqueeze(1) for t in (query, key, value))
            key_padding_mask = None if key_padding_mask is None else \
                _mask_array(key_padding_mask, owner, "key_padding_mask")[None]
        elif self.batch_first:
            query, key, value = (t.transpose(0, 1) for t in (query, key, value))
        if query.ndim != 3 or query.shape[-1] != self.embed_dim or key.shape[-1] != \
                self.embed_dim or value.shape[-1] != self.embed_dim:
            raise ValueError(f"{owner}: expected query, key, value with {self.embed_dim} features "
                             f"(L, N, E) (or (N, L, E) with batch_first), got {query.shape}, "
                             f"{key.shape}, {value.shape}")
        length, batch, source = query.shape[0], query.shape[1], key.shape[0]
        allowed, additive = self._masks(key_padding_mask, attn_mask, batch, length, source)
        q, k, v = (self._project(t, part) for part, t in enumerate((query, key, value)))
        dropout = self.dropout if self.training else 0.0
        heads, weights = _attend(q, k, v, allowed, [a.to(q.dtype) for a in additive], dropout,
                                 1.0 / math.sqrt(self.head_dim))      # (N, h, L, d), (N, h, L, S)
        joined = heads.permute(2, 0, 1, 3).reshape(length, batch, self.embed_dim)
        out = self.out_proj(joined)                                   # (L, N, E)
        if average_attn_weights:
            weights = weights.mean(dim=1)
        if unbatched:
            out, weights = out.squeeze(1), weights.squeeze(0)
        elif self.batch_first:
            out = out.transpose(0, 1)
        return out, (weights if need_weights else None)

    def extra_repr(self):
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, dropout={self.dropout}"


class TransformerEncoderLayer(Module):
    """Self-attention then a feedforward net, each with a residual connection and LayerNorm,
    as torch.nn.TransformerEncoderLayer (same submodule names: self_attn, linear1, linear2,
    norm1, norm2, dropout, dropout1, dropout2).

        norm_first=False (post-norm):  x = norm1(x + sa(x));  x = norm2(x + ff(x))
        norm_first=True  (pre-norm):   x = x + sa(norm1(x));  x = x + ff(norm2(x))
        sa(x) = dropout1(self_attn(x, x, x)),  ff(x) = dropout2(linear2(dropout(act(linear1(x)))))

    Args:
        d_model, nhead: the width and the heads of the attention.
        dim_feedforward: the hidden width of the feedforward net.
        dropout: the probability of every dropout.
        activation: "relu" or a callable (PyTorch's "gelu" is not offered).
        layer_norm_eps, batch_first, norm_first, bias, dtype: as in PyTorch.

    forward(src, src_mask=None, src_key_padding_mask=None, is_causal=False): the masks as in
    MultiheadAttention.
    """

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu",
                 layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True, dtype=None):
        super().__init__()
        if activation == "relu":
            activation = F.relu
        elif not callable(activation):
            raise ValueError(f"TransformerEncoderLayer: activation must be 'relu' or a callable, "
                             f"got {activation!r}")
        self.activation, self.norm_first = activation, bool(norm_first)
        self.self_attn = MultiheadAttention(d_model, nhead, dropout, bias, batch_first, dtype)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1, self.dropout2 = Dropout(dropout), Dropout(dropout)

    def _self_attention(self, x, mask, padding, is_causal):
        out = self.self_attn(x, x, x, key_padding_mask=padding, attn_mask=mask,
                             need_weights=False, is_causal=is_causal)[0]
        return self.dropout1(out)

    def _feedforward(self, x):
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        x = src
        if self.norm_first:
            x = x + self._self_attention(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            return x + self._feedforward(self.norm2(x))
        x = self.norm1(x + self._self_attention(x, src_mask, src_key_padding_mask, is_causal))
        return self.norm2(x + self._feedforward(x))
