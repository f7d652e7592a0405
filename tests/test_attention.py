"""scaled_dot_product_attention, MultiheadAttention and TransformerEncoderLayer against PyTorch in float64 with copied weights (outputs, weights, gradients), every mask kind, and gradcheck/gradgradcheck."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.lens.gradcheck import gradcheck, gradgradcheck
from tinygrad_edu.nn import functional as F

torch = pytest.importorskip("torch")


def pair(array, grad=True):
    """The same float64 values as a torch tensor and as ours, both requiring grad."""
    return torch.tensor(array, requires_grad=grad), tg.tensor(array, requires_grad=grad)


def check_backward(torch_out, our_out, torch_leaves, our_leaves, atol=1e-10):
    np.testing.assert_allclose(our_out.numpy(), torch_out.detach().numpy(), atol=atol)
    weights = np.random.default_rng(5).standard_normal(our_out.shape)
    (torch_out * torch.tensor(weights)).sum().backward()
    (our_out * tg.tensor(weights)).sum().backward()
    for t, o in zip(torch_leaves, our_leaves):
        np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), atol=atol)


rng = np.random.default_rng(0)
L, S, E = 4, 5, 3
BOOL_MASK = rng.random((L, S)) > 0.4
BOOL_MASK[:, 0] = True  # every query sees at least one key
FLOAT_MASK = np.where(rng.random((2, 1, L, S)) > 0.3, rng.standard_normal((2, 1, L, S)), -np.inf)
FLOAT_MASK[..., 1] = 0.5
DEAD_ROW = BOOL_MASK.copy()
DEAD_ROW[2] = False  # query 2 sees no key: PyTorch returns zeros there


@pytest.mark.parametrize("mask, causal, scale, shape", [
    (None, False, None, (2, 3)), (None, True, None, (2, 3)), (BOOL_MASK, False, None, (2,)),
    (FLOAT_MASK, False, 0.7, (2, 2)), (DEAD_ROW, False, None, (3,)), (None, True, 2.0, ()),
], ids=["plain", "causal", "bool", "float", "dead_row", "causal_unbatched"])
def test_sdpa_matches_torch(mask, causal, scale, shape):
    data = np.random.default_rng(1)
    (tq, q), (tk, k), (tv, v) = (pair(data.standard_normal(shape + (n, E))) for n in (L, S, S))
    torch_mask = None if mask is None else torch.tensor(mask)
    our_mask = None if mask is None else tg.tensor(mask)
    expected = torch.nn.functional.scaled_dot_product_attention(
        tq, tk, tv, attn_mask=torch_mask, is_causal=causal, scale=scale)
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=our_mask, is_causal=causal,
                                         scale=scale)
    check_backward(expected, out, (tq, tk, tv), (q, k, v))


def test_sdpa_float_mask_gets_a_gradient_like_torch():
    data = np.random.default_rng(2)
    (tq, q), (tk, k), (tv, v) = (pair(data.standard_normal((2, n, E))) for n in (L, S, S))
    tm, m = pair(data.standard_normal((L, S)))
    expected = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, attn_mask=tm)
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=m)
    check_backward(expected, out, (tq, tk, tv, tm), (q, k, v, m))


def test_sdpa_dropout_drops_weights_and_keeps_the_mean():
    tg.manual_seed(0)
    q = tg.zeros(1, 200, 4)
    v = tg.ones(1, 10, 4)
    out = F.scaled_dot_product_attention(q, tg.zeros(1, 10, 4), v, dropout_p=0.5).numpy()
    assert (out != 1).mean() > 0.6          # most rows differ from the undropped answer 1
    assert abs(out.mean() - 1) < 0.1        # inverted dropout keeps the expected value
    same = F.scaled_dot_product_attention(q, tg.zeros(1, 10, 4), v, dropout_p=0.0).numpy()
    np.testing.assert_allclose(same, 1.0, rtol=1e-6)


@pytest.mark.parametrize("kwargs, message", [
    ({"attn_mask": tg.ones(4, 5, dtype=tg.bool), "is_causal": True}, "either attn_mask or"),
    ({"attn_mask": tg.ones(3, 5, dtype=tg.bool)}, r"attn_mask of shape \(3, 5\) does not "),
    ({"dropout_p": 1.5}, "dropout_p must be a probability"),
])
def test_sdpa_errors(kwargs, message):
    q, k = tg.randn(2, 4, 3), tg.randn(2, 5, 3)
    with pytest.raises(ValueError, match=message):
        F.scaled_dot_product_attention(q, k, k, **kwargs)


def test_sdpa_passes_gradcheck_and_gradgradcheck():
    data = np.random.default_rng(3)
    q, k, v = (tg.tensor(data.standard_normal((2, n, 3)), requires_grad=True) for n in (3, 4, 4))
    mask = tg.tensor(DEAD_ROW[:3, :4])

    def attention(q, k, v):
        return F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    gradcheck(attention, [q, k, v])
    gradgradcheck(attention, [q, k, v])
    gradgradcheck(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True),
                  [q, k, v])


def copied_mha(embed_dim=6, heads=2, bias=True, batch_first=False):
    torch.manual_seed(0)
    reference = torch.nn.MultiheadAttention(embed_dim, heads, bias=bias,
                                            batch_first=batch_first).double()
    with torch.no_grad():
        for parameter in reference.parameters():
            parameter.add_(0.1 * torch.randn_like(parameter))  # nonzero biases
    ours = nn.MultiheadAttention(embed_dim, heads, bias=bias, batch_first=batch_first,
                                 dtype="float64")
    ours.load_state_dict(reference.state_dict())
    assert list(ours.state_dict()) == list(reference.state_dict())
    return reference, ours


PADDING = np.array([[False, False, False, True, True], [False] * 5])
ATTN_BOOL = ~BOOL_MASK  # PyTorch's MHA: True means "may not attend"
ATTN_FLOAT = np.where(BOOL_MASK, 0.3, -np.inf)
PADDING_FLOAT = np.where(PADDING, -np.inf, 0.0)


@pytest.mark.parametrize("batch_first, bias, padding, attn, need, average, self_attention", [
    (False, True, None, None, True, True, False),
    (True, True, PADDING, None, True, False, False),
    (False, False, None, ATTN_BOOL, True, True, False),
    (True, True, PADDING_FLOAT, ATTN_FLOAT, True, True, False),
    (True, True, None, np.repeat(ATTN_BOOL[None], 4, 0), False, True, False),
    (False, True, None, ~np.tril(np.ones((5, 5), bool)), True, False, True),
], ids=["plain", "padding_per_head", "bool_mask_nobias", "float_and_padding", "3d_mask",
        "causal_self"])
def test_multihead_attention_matches_torch(batch_first, bias, padding, attn, need, average,
                                           self_attention):
    reference, ours = copied_mha(bias=bias, batch_first=batch_first)
    data = np.random.default_rng(4)
    length = 5 if self_attention else L
    q_shape = (2, length, 6) if batch_first else (length, 2, 6)
    kv_shape = (2, S, 6) if batch_first else (S, 2, 6)
    tq, q = pair(data.standard_normal(q_shape))
    (tk, k), (tv, v) = (pair(data.standard_normal(kv_shape)) for _ in range(2))
    if self_attention:
        tk, tv, k, v = tq, tq, q, q
    masks = {}
    for name, mask in (("key_padding_mask", padding), ("attn_mask", attn)):
        if mask is not None:
            masks[name] = (torch.tensor(mask), tg.tensor(mask))
    expected, expected_weights = reference(tq, tk, tv, need_weights=need,
                                           average_attn_weights=average,
                                           **{n: m[0] for n, m in masks.items()})
    out, weights = ours(q, k, v, need_weights=need,
                        average_attn_weights=average, **{n: m[1] for n, m in masks.items()})
    if need:
        np.testing.assert_allclose(weights.numpy(), expected_weights.detach().numpy(), atol=1e-10)
    else:
        assert weights is None and expected_weights is None
    leaves = [(tq, q)] if self_attention else [(tq, q), (tk, k), (tv, v)]
    check_backward(expected, out, [t for t, _ in leaves], [o for _, o in leaves])
    torch_params = dict(reference.named_parameters())
    for name, parameter in ours.named_parameters():
        np.testing.assert_allclose(parameter.grad.numpy(), torch_params[name].grad.numpy(),
                                   atol=1e-10, err_msg=name)


def test_multihead_attention_unbatched_matches_torch():
    reference, ours = copied_mha()
    data = np.random.default_rng(6)
    tq, q = pair(data.standard_normal((L, 6)))
    tk, k = pair(data.standard_normal((S, 6)))
    expected, expected_weights = reference(tq, tk, tk)
    out, weights = ours(q, k, k)
    np.testing.assert_allclose(weights.numpy(), expected_weights.detach().numpy(), atol=1e-10)
    check_backward(expected, out, (tq, tk), (q, k))


def test_multihead_attention_errors():
    with pytest.raises(ValueError, match="embed_dim 6 must be divisible by num_heads 4"):
        nn.MultiheadAttention(6, 4)
    mha = nn.MultiheadAttention(6, 2)
    x = tg.randn(4, 2, 6)
    with pytest.raises(ValueError, match=r"attn_mask has shape \(3, 4\); expected \(4, 4\)"):
        mha(x, x, x, attn_mask=tg.zeros(3, 4, dtype=tg.bool))
    with pytest.raises(ValueError, match="is_causal=True is a hint"):
        mha(x, x, x, is_causal=True)
    with pytest.raises(ValueError, match="with 6 features"):
        mha(tg.randn(4, 2, 5), tg.randn(4, 2, 5), tg.randn(4, 2, 5))


@pytest.mark.parametrize("norm_first, batch_first", [(False, False), (True, True)])
def test_transformer_encoder_layer_matches_torch(norm_first, batch_first):
    torch.manual_seed(0)
    reference = torch.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0,
                                                 norm_first=norm_first,
                                                 batch_first=batch_first).double()
    ours = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0,
                                      norm_first=norm_first, batch_first=batch_first,
                                      dtype="float64")
    ours.load_state_dict(reference.state_dict())
    assert list(ours.state_dict()) == list(reference.state_dict())
    tx, x = pair(np.random.default_rng(7).standard_normal((3, 5, 8)))
    mask = np.triu(np.ones((5 if batch_first else 3,) * 2, dtype=bool), 1)  # causal
    expected = reference(tx, src_mask=torch.tensor(mask))
    out = ours(x, src_mask=tg.tensor(mask))
    check_backward(expected, out, (tx,), (x,))
    torch_params = dict(reference.named_parameters())
    for name, parameter in ours.named_parameters():
        np.testing.assert_allclose(parameter.grad.numpy(), torch_params[name].grad.numpy(),
                                   atol=1e-10, err_msg=name)


def test_multihead_attention_passes_gradcheck():
    mha = nn.MultiheadAttention(4, 2, dtype="float64")
    x = tg.tensor(np.random.default_rng(8).standard_normal((3, 1, 4)), requires_grad=True)
    mask = tg.tensor(np.triu(np.ones((3, 3), dtype=bool), 1))
    gradcheck(lambda x: mha(x, x, x, attn_mask=mask)[0], [x])
    gradgradcheck(lambda x: mha(x, x, x, attn_mask=mask)[0], [x])


def test_transformer_encoder_layer_passes_gradcheck_and_gradgradcheck():
    tg.manual_seed(0)
    layer = nn.TransformerEncoderLayer(4, 2, dim_feedforward=6, dropout=0.0, norm_first=True,
                                       dtype="float64")
    x = tg.tensor(np.random.default_rng(9).standard_normal((3, 1, 4)), requires_grad=True)
    mask = tg.tensor(np.triu(np.ones((3, 3), dtype=bool), 1))
    gradcheck(lambda x: layer(x, src_mask=mask), [x])
    # relu has a kink at 0; away from it the layer is twice differentiable
    gradgradcheck(lambda x: layer(x, src_mask=mask), [x])
