"""Embedding, LayerNorm and the recurrent layers (RNN, LSTM, GRU and their cells) against PyTorch in float64 with copied weights: outputs, final states, the gradients of inputs and parameters; gradcheck and gradgradcheck on each."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.lens.gradcheck import GradcheckError, gradcheck, gradgradcheck
from tinygrad_edu.nn import recurrent

torch = pytest.importorskip("torch")


def from_torch(reference, ours):
    """Load the torch module's state_dict into ours (it must load unchanged) and return ours."""
    ours.load_state_dict(reference.state_dict())
    assert list(ours.state_dict()) == list(reference.state_dict())
    return ours


def flat(outputs):
    """Every Tensor in a nested tuple of outputs, in order."""
    if isinstance(outputs, (tuple, list)):
        return [t for item in outputs for t in flat(item)]
    return [outputs]


def default_run(module, *inputs):
    return module(*inputs)


def with_pair(module, x, h, c):
    return module(x, (h, c))


def compare(reference, ours, inputs, run=default_run, atol=1e-10):
    """Forward both with the same float64 inputs (through `run`), backward a random mix of every
    output, and compare outputs, input gradients and parameter gradients."""
    rng = np.random.default_rng(1)
    torch_inputs = [None if x is None else torch.tensor(x, requires_grad=True) for x in inputs]
    our_inputs = [None if x is None else tg.tensor(x, requires_grad=True) for x in inputs]
    torch_out = flat(run(reference, *torch_inputs))
    our_out = flat(run(ours, *our_inputs))
    assert len(torch_out) == len(our_out)
    torch_loss, our_loss = 0, 0
    for t, o in zip(torch_out, our_out):
        assert tuple(t.shape) == o.shape
        np.testing.assert_allclose(o.numpy(), t.detach().numpy(), atol=atol)
        weights = rng.standard_normal(o.shape)
        torch_loss = torch_loss + (t * torch.tensor(weights)).sum()
        our_loss = our_loss + (o * tg.tensor(weights)).sum()
    torch_loss.backward()
    our_loss.backward()
    for t, o in zip(torch_inputs, our_inputs):
        if t is not None:
            np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), atol=atol)
    torch_params = dict(reference.named_parameters())
    for name, parameter in ours.named_parameters():
        np.testing.assert_allclose(parameter.grad.numpy(), torch_params[name].grad.numpy(),
                                   atol=atol, err_msg=name)


# ---------------------------------------------------------------------------------------------
# Embedding and LayerNorm
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("padding_idx", [None, 2, -1])
def test_embedding_matches_torch(padding_idx):
    torch.manual_seed(0)
    reference = torch.nn.Embedding(6, 3, padding_idx=padding_idx).double()
    ours = from_torch(reference, nn.Embedding(6, 3, padding_idx=padding_idx, dtype="float64"))
    indices = np.array([[0, 2, 5, 2], [1, 1, 4, 5]])
    out = ours(tg.tensor(indices))
    expected = reference(torch.tensor(indices))
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy())
    weights = np.random.default_rng(0).standard_normal(out.shape)
    (out * tg.tensor(weights)).sum().backward()
    (expected * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(ours.weight.grad.numpy(), reference.weight.grad.numpy())
    if padding_idx is not None:
        assert not ours.weight.grad.numpy()[padding_idx].any()
        assert not nn.Embedding(6, 3, padding_idx=padding_idx).weight.numpy()[padding_idx].any()


def test_embedding_rejects_bad_indices():
    table = nn.Embedding(5, 2)
    with pytest.raises(IndexError, match=r"Embedding|embedding: index 5 is out of range.*\[0, 4\]"):
        table(tg.tensor([1, 5]))
    with pytest.raises(TypeError, match="integer indices.*long"):
        table(tg.tensor([1.0, 2.0]))


@pytest.mark.parametrize("shape, normalized, affine, bias", [
    ((4, 5), 5, True, True), ((2, 3, 4), (3, 4), True, True), ((2, 3, 4), 4, False, True),
    ((3, 6), 6, True, False)])
def test_layer_norm_matches_torch(shape, normalized, affine, bias):
    torch.manual_seed(0)
    reference = torch.nn.LayerNorm(normalized, elementwise_affine=affine, bias=bias).double()
    with torch.no_grad():
        for parameter in reference.parameters():
            parameter.add_(torch.randn_like(parameter))
    ours = from_torch(reference, nn.LayerNorm(normalized, elementwise_affine=affine, bias=bias,
                                              dtype="float64"))
    compare(reference, ours, [np.random.default_rng(0).standard_normal(shape) * 3 + 1])


def test_layer_norm_rejects_a_wrong_shape():
    with pytest.raises(ValueError, match=r"layer_norm: normalized_shape \(4,\) must equal the last"):
        nn.LayerNorm(4)(tg.randn(2, 5))


def test_embedding_and_layer_norm_pass_gradcheck_and_gradgradcheck():
    x = tg.randn(3, 4, dtype=tg.float64, requires_grad=True)
    w = tg.randn(4, dtype=tg.float64, requires_grad=True)
    b = tg.randn(4, dtype=tg.float64, requires_grad=True)
    gradcheck(lambda x, w, b: nn.functional.layer_norm(x, 4, w, b), [x, w, b])
    gradgradcheck(lambda x, w, b: nn.functional.layer_norm(x, 4, w, b), [x, w, b])
    table = tg.randn(5, 3, dtype=tg.float64, requires_grad=True)
    indices = tg.tensor([[0, 4, 4], [2, 1, 0]])
    gradcheck(lambda t: nn.functional.embedding(indices, t), [table])
    # padding_idx is not a derivative (its row is frozen by decree, as in PyTorch): checked
    # against torch above, and here it must make gradcheck fail
    with pytest.raises(GradcheckError, match="input 0"):
        gradcheck(lambda t: nn.functional.embedding(indices, t, padding_idx=1), [table])
    gradgradcheck(lambda t: nn.functional.embedding(indices, t) ** 2, [table])


# ---------------------------------------------------------------------------------------------
# Recurrent layers
# ---------------------------------------------------------------------------------------------

LAYERS = [("RNN", {"nonlinearity": "tanh"}), ("RNN", {"nonlinearity": "relu"}), ("LSTM", {}),
          ("GRU", {})]

OPTIONS = [  # (num_layers, bias, batch_first, bidirectional, with initial state, shape)
    (1, True, False, False, False, (5, 3)),
    (2, True, True, True, True, (2, 4)),
    (2, False, False, True, False, (3, 1)),
    (3, True, True, False, True, (1, 2)),
]


def initial_state(kind, layers, batch, hidden, rng):
    def one():
        return rng.standard_normal((layers, batch, hidden))
    return (one(), one()) if kind == "LSTM" else one()


@pytest.mark.parametrize("kind, extra", LAYERS, ids=["rnn_tanh", "rnn_relu", "lstm", "gru"])
@pytest.mark.parametrize("num_layers, bias, batch_first, bidirectional, with_state, seq_batch",
                         OPTIONS)
def test_recurrent_layer_matches_torch(kind, extra, num_layers, bias, batch_first, bidirectional,
                                       with_state, seq_batch):
    torch.manual_seed(0)
    settings = dict(num_layers=num_layers, bias=bias, batch_first=batch_first,
                    bidirectional=bidirectional, **extra)
    reference = getattr(torch.nn, kind)(3, 4, **settings).double()
    ours = from_torch(reference, getattr(nn, kind)(3, 4, dtype="float64", **settings))
    rng = np.random.default_rng(0)
    seq, batch = seq_batch
    x = rng.standard_normal((batch, seq, 3) if batch_first else (seq, batch, 3))
    directions = 2 if bidirectional else 1
    if not with_state:
        compare(reference, ours, [x])
    elif kind == "LSTM":
        h0, c0 = initial_state(kind, num_layers * directions, batch, 4, rng)
        compare(reference, ours, [x, h0, c0], run=with_pair)
    else:
        h0 = initial_state(kind, num_layers * directions, batch, 4, rng)
        compare(reference, ours, [x, h0])


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_unbatched_input_matches_torch(kind):
    torch.manual_seed(1)
    reference = getattr(torch.nn, kind)(2, 3, num_layers=2, bidirectional=True).double()
    ours = from_torch(reference, getattr(nn, kind)(2, 3, num_layers=2, bidirectional=True,
                                                  dtype="float64"))
    compare(reference, ours, [np.random.default_rng(0).standard_normal((4, 2))])


@pytest.mark.parametrize("kind, extra", [("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu"}),
                                         ("LSTMCell", {}), ("GRUCell", {}),
                                         ("GRUCell", {"bias": False})])
def test_cells_match_torch(kind, extra):
    torch.manual_seed(0)
    reference = getattr(torch.nn, kind)(3, 5, **extra).double()
    ours = from_torch(reference, getattr(nn, kind)(3, 5, dtype="float64", **extra))
    rng = np.random.default_rng(0)
    x, h = rng.standard_normal((4, 3)), rng.standard_normal((4, 5))
    if kind == "LSTMCell":
        c = rng.standard_normal((4, 5))
        compare(reference, ours, [x, h, c], run=with_pair)
    else:
        compare(reference, ours, [x, h])
    compare(reference, ours, [rng.standard_normal(3)])  # unbatched, zero state


def test_dropout_between_layers_only_in_training():
    tg.manual_seed(0)
    lstm = nn.LSTM(3, 4, num_layers=2, dropout=0.5)
    x = tg.randn(6, 2, 3)
    first, second = lstm(x)[0].numpy(), lstm(x)[0].numpy()
    assert not np.allclose(first, second)  # a fresh mask each call
    lstm.eval()
    np.testing.assert_array_equal(lstm(x)[0].numpy(), lstm(x)[0].numpy())
    single = nn.LSTM(3, 4, num_layers=1, dropout=0.5)  # nothing between layers: no dropout
    np.testing.assert_array_equal(single(x)[0].numpy(), single(x)[0].numpy())


def test_default_initialization_is_pytorchs_uniform():
    gru = nn.GRU(10, 25, num_layers=2)
    bound = 1 / np.sqrt(25)
    for name, parameter in gru.named_parameters():
        values = parameter.numpy()
        assert np.abs(values).max() <= bound and np.abs(values).max() > 0.9 * bound, name
    assert gru.weight_ih_l1.shape == (75, 25) and gru.weight_hh_l0.shape == (75, 25)


@pytest.mark.parametrize("build, call, message", [
    (lambda: nn.LSTM(3, 4), lambda m: m(tg.randn(5, 2, 4)),
     r"LSTM: expected an input of shape \(seq, batch, input_size\).*input_size = 3"),
    (lambda: nn.GRU(3, 4, num_layers=2), lambda m: m(tg.randn(5, 2, 3), tg.zeros(1, 2, 4)),
     r"GRU: h_0 has shape \(1, 2, 4\); expected \(2, 2, 4\)"),
    (lambda: nn.LSTM(3, 4), lambda m: m(tg.randn(5, 2, 3), tg.zeros(1, 2, 4)),
     r"LSTM: the initial state must be a pair"),
    (lambda: nn.RNN(3, 4, nonlinearity="sigmoid"), None, r"RNN: nonlinearity must be 'tanh' or"),
    (lambda: nn.RNN(3, 0), None, r"RNN: hidden_size must be a positive int, got 0"),
    (lambda: nn.GRU(3, 4, dropout=1.5), None, r"GRU: dropout must be a probability"),
    (lambda: nn.LSTMCell(3, 4), lambda m: m(tg.randn(2, 3), (tg.zeros(3, 4), tg.zeros(3, 4))),
     r"LSTMCell: the hidden state has shape \(3, 4\); expected \(2, 4\)"),
])
def test_bad_input_gets_a_clear_error(build, call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call(build()) if call else build()


@pytest.mark.parametrize("kind", ["RNN_TANH", "RNN_RELU", "LSTM", "GRU"])
def test_every_cell_passes_gradcheck_and_gradgradcheck(kind):
    gates = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}[kind]
    rng = np.random.default_rng(2)

    def leaf(*shape):
        return tg.tensor(rng.standard_normal(shape) * 0.7, requires_grad=True)

    x, h, c = leaf(2, 3), leaf(2, 2), leaf(2, 2)
    params = [leaf(gates * 2, 3), leaf(gates * 2, 2), leaf(gates * 2), leaf(gates * 2)]
    if kind == "LSTM":
        def step(x, h, c, *p):
            return recurrent.lstm_cell(x, (h, c), *p)
        inputs = [x, h, c] + params
    else:
        cell = recurrent.gru_cell if kind == "GRU" else recurrent.rnn_cell
        extra = {"nonlinearity": kind[4:].lower()} if kind.startswith("RNN") else {}

        def step(x, h, *p):
            return cell(x, h, *p, **extra)
        inputs = [x, h] + params
    gradcheck(step, inputs)
    gradgradcheck(step, inputs)


def test_gradcheck_through_time_catches_a_planted_wrong_rule():
    """The checker bites through time: a whole 2-layer bidirectional LSTM passes gradcheck, and
    a Tanh rule made 1% wrong inside the unrolled graph fails it, named by the localizer."""
    lstm = nn.LSTM(2, 3, num_layers=2, bidirectional=True, dtype="float64")
    x = tg.randn(3, 1, 2, dtype=tg.float64, requires_grad=True)
    gradcheck(lambda x: lstm(x)[0], [x])
    original = tg.ops.Tanh.backward
    tg.ops.Tanh.backward = lambda self, grad_out: original(self, grad_out) * 1.01
    try:
        with pytest.raises(GradcheckError, match="Tanh"):
            gradcheck(lambda x: lstm(x)[0], [x])
    finally:
        tg.ops.Tanh.backward = original


def test_unbatched_initial_state_shape_is_checked():
    gru = nn.GRU(2, 3, num_layers=2)
    out, h = gru(tg.randn(4, 2), tg.zeros(2, 3))
    assert out.shape == (4, 3) and h.shape == (2, 3)
    with pytest.raises(ValueError, match=r"GRU: h_0 has shape \(1, 3\); expected \(2, 3\), "
                                         r"\(num_layers·directions, hidden_size\) for an unbatched"):
        gru(tg.randn(4, 2), tg.zeros(1, 3))
