"""Recurrent layers with PyTorch's semantics, parameter names and gate order: RNN, LSTM, GRU and their cells, unrolled over time from existing ops.

    rnn = nn.LSTM(input_size=10, hidden_size=20, num_layers=2, batch_first=True)
    output, (h_n, c_n) = rnn(x)            # x (B, T, 10) -> output (B, T, 20)
    rnn.load_state_dict(torch_lstm.state_dict())   # the same names: weight_ih_l0, ...

A recurrent layer applies the same cell at every time step t, feeding it the input x_t and
its own previous state h_{t−1}: the graph of one forward pass is the cell's graph copied T
times, chained through h (the "unrolled" network). backward() on it is backpropagation
through time (BPTT): δ(h_{t−1}) collects what step t sends back through W_hh. Every step is
made of ordinary ops (Linear, Sigmoid, Tanh, Mul, Add, Index), so there is no new rule to trust.

While a listener is registered (`add_step_listener`, used by lens/timesteps.py for the
pictures and explain()), each step reports its layer, direction, time and tensors.
"""

import math
import numbers

import numpy as np

from ..core import Tensor, cat, stack
from ..core.functional import linear
from . import functional as F
from . import init
from .module import Module, Parameter

__all__ = ["RNNCell", "LSTMCell", "GRUCell", "RNN", "LSTM", "GRU", "rnn_cell", "lstm_cell",
           "gru_cell", "add_step_listener"]

_STEP_LISTENERS = []


def add_step_listener(listener):
    """Call listener(layer, direction, time, inputs, outputs) after every step of every recurrent layer.

    `inputs` is (x_t, h_{t−1}) (and c_{t−1} for an LSTM), `outputs` the dict {"h": h_t} (and
    "c": c_t). Returns a function that removes the listener. Used by lens.timesteps.
    """
    _STEP_LISTENERS.append(listener)
    return lambda: _STEP_LISTENERS.remove(listener) if listener in _STEP_LISTENERS else None


def _named(tensor, name):
    tensor.name = name
    return tensor


def _chunks(gates, count):
    """The gate pre-activations side by side along the last dim, split into `count` parts."""
    size = gates.shape[-1] // count
    return [gates[..., k * size:(k + 1) * size] for k in range(count)]


# ---------------------------------------------------------------------------------------------
# One step of each cell (PyTorch's equations and gate order)
# ---------------------------------------------------------------------------------------------

def rnn_cell(x, h, weight_ih, weight_hh, bias_ih=None, bias_hh=None, nonlinearity="tanh"):
    """h' = act(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh), act = tanh or relu (an Elman network)."""
    pre = linear(x, weight_ih, bias_ih) + linear(h, weight_hh, bias_hh)
    return _named(pre.tanh() if nonlinearity == "tanh" else pre.relu(), "h")


def lstm_cell(x, state, weight_ih, weight_hh, bias_ih=None, bias_hh=None):
    """One LSTM step, gates in PyTorch's order i, f, g, o (rows of W_ih and W_hh):

        i = σ(W_ii x + b_ii + W_hi h + b_hi)     input gate
        f = σ(W_if x + b_if + W_hf h + b_hf)     forget gate
        g = tanh(W_ig x + b_ig + W_hg h + b_hg)  candidate cell
        o = σ(W_io x + b_io + W_ho h + b_ho)     output gate
        c' = f ⊙ c + i ⊙ g,   h' = o ⊙ tanh(c')

    The cell c is the memory: along c the gradient is only multiplied by f (no squashing),
    which is why an LSTM keeps gradients alive over more steps than a tanh RNN.

    Returns:
        (h', c').
    """
    h, c = state
    gates = linear(x, weight_ih, bias_ih) + linear(h, weight_hh, bias_hh)
    i, f, g, o = _chunks(gates, 4)
    i, f = _named(i.sigmoid(), "i"), _named(f.sigmoid(), "f")
    g, o = _named(g.tanh(), "g"), _named(o.sigmoid(), "o")
    c_next = _named(f * c + i * g, "c")
    return _named(o * c_next.tanh(), "h"), c_next


def gru_cell(x, h, weight_ih, weight_hh, bias_ih=None, bias_hh=None):
    """One GRU step, gates in PyTorch's order r, z, n:

        r = σ(W_ir x + b_ir + W_hr h + b_hr)          reset gate
        z = σ(W_iz x + b_iz + W_hz h + b_hz)          update gate
        n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))  candidate
        h' = (1 − z) ⊙ n + z ⊙ h
    """
    gi_r, gi_z, gi_n = _chunks(linear(x, weight_ih, bias_ih), 3)
    gh_r, gh_z, gh_n = _chunks(linear(h, weight_hh, bias_hh), 3)
    r = _named((gi_r + gh_r).sigmoid(), "r")
    z = _named((gi_z + gh_z).sigmoid(), "z")
    n = _named((gi_n + r * gh_n).tanh(), "n")
    return _named((1 - z) * n + z * h, "h")


_CELLS = {"RNN_TANH": (1, rnn_cell), "RNN_RELU": (1, rnn_cell), "LSTM": (4, lstm_cell),
          "GRU": (3, gru_cell)}


def _positive(value, what, owner):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"{owner}: {what} must be a positive int, got {value!r}")
    return int(value)


def _check_nonlinearity(nonlinearity, owner):
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"{owner}: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
    return nonlinearity


def _uniform_all(module, hidden_size):
    """PyTorch's default for every recurrent weight and bias: U(−1/√hidden, 1/√hidden)."""
    bound = 1.0 / math.sqrt(hidden_size)
    for parameter in module.parameters():
        init.uniform_(parameter, -bound, bound)


def _new(shape, dtype):
    return Parameter(np.empty(shape, dtype=np.dtype(dtype or np.float32)))


# ---------------------------------------------------------------------------------------------
# Cells
# ---------------------------------------------------------------------------------------------

class _CellBase(Module):
    _gates = 1

    def __init__(self, input_size, hidden_size, bias=True, dtype=None):
        super().__init__()
        owner = type(self).__name__
        self.input_size = _positive(input_size, "input_size", owner)
        self.hidden_size = _positive(hidden_size, "hidden_size", owner)
        self.bias = bool(bias)
        rows = self._gates * self.hidden_size
        self.weight_ih = _new((rows, self.input_size), dtype)
        self.weight_hh = _new((rows, self.hidden_size), dtype)
        if self.bias:
            self.bias_ih, self.bias_hh = _new((rows,), dtype), _new((rows,), dtype)
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self):
        """PyTorch's default: U(±1/√hidden_size) for every weight and bias."""
        _uniform_all(self, self.hidden_size)

    def _params(self):
        return self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh

    def _prepare(self, input, hx):
        """(input as (B, I), hx as (B, H) or zeros, whether the input was unbatched)."""
        owner = type(self).__name__
        if not isinstance(input, Tensor):
            raise TypeError(f"{owner}: expected a Tensor input, got {type(input).__name__}")
        if input.ndim not in (1, 2) or input.shape[-1] != self.input_size:
            raise ValueError(f"{owner}: expected an input of shape (batch, {self.input_size}) "
                             f"or ({self.input_size},), got {input.shape}")
        unbatched = input.ndim == 1
        x = input.unsqueeze(0) if unbatched else input
        states = hx if isinstance(hx, tuple) else (hx,)
        fixed = []
        for state in states:
            if state is None:
                state = _zeros((x.shape[0], self.hidden_size), x.dtype)
            elif unbatched:
                state = state.unsqueeze(0)
            if state.shape != (x.shape[0], self.hidden_size):
                raise ValueError(f"{owner}: the hidden state has shape {state.shape}; expected "
                                 f"({x.shape[0]}, {self.hidden_size}) for this input")
            fixed.append(state)
        return x, fixed, unbatched

    def extra_repr(self):
        text = f"{self.input_size}, {self.hidden_size}"
        return text + ("" if self.bias else ", bias=False")


def _zeros(shape, dtype):
    return Tensor(np.zeros(shape, dtype=dtype))


class RNNCell(_CellBase):
    """One step of an Elman RNN: h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh) (or relu).

    Parameters as in PyTorch: weight_ih (H, I), weight_hh (H, H), bias_ih (H,), bias_hh (H,).
    forward(input (B, I) or (I,), hx (B, H) or None for zeros) -> h' (B, H).
    """

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", dtype=None):
        self.nonlinearity = _check_nonlinearity(nonlinearity, "RNNCell")
        super().__init__(input_size, hidden_size, bias, dtype)

    def forward(self, input, hx=None):
        x, (h,), unbatched = self._prepare(input, hx)
        out = rnn_cell(x, h, *self._params(), nonlinearity=self.nonlinearity)
        return out.squeeze(0) if unbatched else out


class LSTMCell(_CellBase):
    """One LSTM step (see lstm_cell): forward(input, (h, c) or None) -> (h', c').

    Parameters: weight_ih (4H, I), weight_hh (4H, H), bias_ih and bias_hh (4H,), the rows in
    PyTorch's gate order i, f, g, o.
    """

    _gates = 4

    def forward(self, input, hx=None):
        x, (h, c), unbatched = self._prepare(input, (None, None) if hx is None else tuple(hx))
        h, c = lstm_cell(x, (h, c), *self._params())
        return (h.squeeze(0), c.squeeze(0)) if unbatched else (h, c)


class GRUCell(_CellBase):
    """One GRU step (see gru_cell): forward(input, h or None) -> h'.

    Parameters: weight_ih (3H, I), weight_hh (3H, H), bias_ih and bias_hh (3H,), the rows in
    PyTorch's gate order r, z, n.
    """

    _gates = 3

    def forward(self, input, hx=None):
        x, (h,), unbatched = self._prepare(input, hx)
        out = gru_cell(x, h, *self._params())
        return out.squeeze(0) if unbatched else out


# ---------------------------------------------------------------------------------------------
# Layers over whole sequences
# ---------------------------------------------------------------------------------------------

class _RNNBase(Module):
    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, dtype=None):
        super().__init__()
        owner = type(self).__name__
        self.mode = mode
        self.input_size = _positive(input_size, "input_size", owner)
        self.hidden_size = _positive(hidden_size, "hidden_size", owner)
        self.num_layers = _positive(num_layers, "num_layers", owner)
        if isinstance(dropout, bool) or not isinstance(dropout, numbers.Real) or \
                not 0.0 <= dropout <= 1.0:
            raise ValueError(f"{owner}: dropout must be a probability in [0, 1], got {dropout!r}")
        self.bias, self.batch_first = bool(bias), bool(batch_first)
        self.dropout, self.bidirectional = float(dropout), bool(bidirectional)
        gates = _CELLS[mode][0] * self.hidden_size
        directions = 2 if self.bidirectional else 1
        for layer in range(self.num_layers):
            width = self.input_size if layer == 0 else self.hidden_size * directions
            for direction in range(directions):
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                setattr(self, "weight_ih" + suffix, _new((gates, width), dtype))
                setattr(self, "weight_hh" + suffix, _new((gates, self.hidden_size), dtype))
                if self.bias:
                    setattr(self, "bias_ih" + suffix, _new((gates,), dtype))
                    setattr(self, "bias_hh" + suffix, _new((gates,), dtype))
        self.reset_parameters()

    def reset_parameters(self):
        """PyTorch's default: U(±1/√hidden_size) for every weight and bias."""
        _uniform_all(self, self.hidden_size)

    def _layer_params(self, layer, direction):
        suffix = f"_l{layer}" + ("_reverse" if direction else "")
        names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh") if self.bias else \
            ("weight_ih", "weight_hh")
        return [getattr(self, name + suffix) for name in names] + [None] * (4 - len(names))

    def _check_input(self, input):
        owner = type(self).__name__
        if not isinstance(input, Tensor):
            raise TypeError(f"{owner}: expected a Tensor input, got {type(input).__name__}")
        layout = "(batch, seq, input_size)" if self.batch_first else "(seq, batch, input_size)"
        if input.ndim not in (2, 3) or input.shape[-1] != self.input_size:
            raise ValueError(f"{owner}: expected an input of shape {layout} or (seq, input_size) "
                             f"with input_size = {self.input_size}, got {input.shape}")
        if 0 in input.shape:
            raise ValueError(f"{owner}: the input of shape {input.shape} has an empty sequence "
                             f"or batch")

    def _initial(self, state, batch, dtype, unbatched, what):
        """A state of shape (num_layers·directions, batch, hidden), zeros when None."""
        layers = self.num_layers * (2 if self.bidirectional else 1)
        expected = (layers, batch, self.hidden_size)
        if state is None:
            return _zeros(expected, dtype)
        if not isinstance(state, Tensor):
            raise TypeError(f"{type(self).__name__}: {what} must be a Tensor or None, got "
                            f"{type(state).__name__}")
        wanted = (layers, self.hidden_size) if unbatched else expected
        if state.shape != wanted:
            layout = "(num_layers·directions, hidden_size) for an unbatched input" if unbatched \
                else "(num_layers·directions, batch, hidden_size)"
            raise ValueError(f"{type(self).__name__}: {what} has shape {state.shape}; expected "
                             f"{wanted}, {layout}")
        return state.unsqueeze(1) if unbatched else state

    def _run(self, input, states):
        """Unroll over time. states: a list of (L·D, B, H) tensors (1 for RNN/GRU, 2 for LSTM).
        Returns the output (T, B, D·H) and the final states, each (L·D, B, H)."""
        count, cell = _CELLS[self.mode]
        directions = 2 if self.bidirectional else 1
        steps = [input[t] for t in range(input.shape[0])]
        finals = [[] for _ in states]
        for layer in range(self.num_layers):
            if layer > 0 and self.dropout > 0 and self.training:
                steps = [F.dropout(x, self.dropout, True) for x in steps]
            outputs = []
            for direction in range(directions):
                index = layer * directions + direction
                start = tuple(s[index] for s in states)
                hs, last = self._direction(cell, steps, start, layer, direction)
                outputs.append(hs)
                for k, value in enumerate(last):
                    finals[k].append(value)
            steps = outputs[0] if directions == 1 else \
                [cat([f, b], dim=-1) for f, b in zip(*outputs)]
        return stack(steps, dim=0), [stack(f, dim=0) for f in finals]

    def _direction(self, cell, steps, start, layer, direction):
        """One layer in one direction: the per-step outputs (in time order) and the last state."""
        params = self._layer_params(layer, direction)
        kwargs = {"nonlinearity": "relu" if self.mode == "RNN_RELU" else "tanh"} \
            if self.mode.startswith("RNN") else {}
        state = start if self.mode == "LSTM" else start[0]
        times = range(len(steps) - 1, -1, -1) if direction else range(len(steps))
        outputs = [None] * len(steps)
        for t in times:
            previous = state if self.mode == "LSTM" else (state,)
            state = cell(steps[t], state, *params, **kwargs)
            h = state[0] if self.mode == "LSTM" else state
            outputs[t] = h
            if _STEP_LISTENERS:
                outputs_of_step = {"h": h} if self.mode != "LSTM" else {"h": h, "c": state[1]}
                for listener in list(_STEP_LISTENERS):
                    listener(layer, direction, t, (steps[t],) + tuple(previous), outputs_of_step)
        return outputs, (state if self.mode == "LSTM" else (state,))

    def _forward(self, input, hx_list):
        self._check_input(input)
        unbatched = input.ndim == 2
        x = input.unsqueeze(1) if unbatched else \
            (input.transpose(0, 1) if self.batch_first else input)
        names = ("h_0", "c_0")
        states = [self._initial(s, x.shape[1], x.dtype, unbatched, names[k])
                  for k, s in enumerate(hx_list)]
        output, finals = self._run(x, states)
        if unbatched:
            return output.squeeze(1), [f.squeeze(1) for f in finals]
        return (output.transpose(0, 1) if self.batch_first else output), finals

    def extra_repr(self):
        text = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        for name, default in (("bias", True), ("batch_first", False), ("dropout", 0.0),
                              ("bidirectional", False)):
            if getattr(self, name) != default:
                text += f", {name}={getattr(self, name)}"
        return text


class RNN(_RNNBase):
    """An Elman RNN over a whole sequence, as torch.nn.RNN: h_t = act(x_t W_ihᵀ + b_ih + h_{t−1} W_hhᵀ + b_hh).

    Args:
        input_size, hidden_size: features of x_t and of h_t.
        num_layers: stacked layers (layer k's input is layer k−1's output sequence).
        nonlinearity: "tanh" (default) or "relu".
        bias: use b_ih and b_hh.
        batch_first: inputs and outputs are (B, T, ·) instead of (T, B, ·).
        dropout: dropout on the output of every layer but the last (training mode only).
        bidirectional: also run each layer backwards in time; outputs concatenated (2·H).
        dtype: float32 (default) or float64.

    forward(input, h_0=None) -> (output, h_n): input (T, B, I) (or (B, T, I), or unbatched
    (T, I)); h_0 (L·D, B, H); output (T, B, D·H) = the last layer's h_t at every t; h_n
    (L·D, B, H) = every layer's last state (for the reverse direction, its state at t = 0).
    Parameters weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k} (+ "_reverse").
    """

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, dtype=None):
        mode = "RNN_" + _check_nonlinearity(nonlinearity, "RNN").upper()
        self.nonlinearity = nonlinearity
        super().__init__(mode, input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, dtype)

    def forward(self, input, hx=None):
        output, (h_n,) = self._forward(input, [hx])
        return output, h_n


class LSTM(_RNNBase):
    """A long short-term memory over a whole sequence, as torch.nn.LSTM (see lstm_cell).

    Same arguments as RNN (no nonlinearity). forward(input, (h_0, c_0) or None) ->
    (output, (h_n, c_n)). Weights have 4·H rows in PyTorch's gate order i, f, g, o.
    PyTorch's proj_size is not offered.
    """

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, dtype)

    def forward(self, input, hx=None):
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise TypeError("LSTM: the initial state must be a pair (h_0, c_0), or None")
        output, (h_n, c_n) = self._forward(input, [None, None] if hx is None else list(hx))
        return output, (h_n, c_n)


class GRU(_RNNBase):
    """A gated recurrent unit over a whole sequence, as torch.nn.GRU (see gru_cell).

    Same arguments as RNN (no nonlinearity). forward(input, h_0=None) -> (output, h_n).
    Weights have 3·H rows in PyTorch's gate order r, z, n.
    """

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, dtype=None):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, dtype)

    def forward(self, input, hx=None):
        output, (h_n,) = self._forward(input, [hx])
        return output, h_n
