"""How tensors print: PyTorch's format (`tensor([[0.1000, 0.2000]], requires_grad=True)`), its print options, and `Size`, the shape that prints as `torch.Size([3, 4])`.

The rules are PyTorch's (torch/_tensor_str.py), so a program's printed output reads the same
under both: floats with 4 decimals, or whole numbers as `1.` when every value is whole, or
scientific notation when the values span more than 1000× (or pass 1e8, or go under 1e-4);
all elements of one width; rows wrapped at 80 columns; more than 1000 elements summarized
with `...`.
"""

import math

import numpy as np

__all__ = ["Size", "set_printoptions", "get_printoptions", "format_tensor"]

_DEFAULTS = {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80, "sci_mode": None}
_PROFILES = {"default": _DEFAULTS,
             "short": dict(_DEFAULTS, precision=2, edgeitems=2),
             "full": dict(_DEFAULTS, threshold=math.inf)}
_options = dict(_DEFAULTS)


class Size(tuple):
    """A tensor's shape: a tuple that prints as PyTorch's `torch.Size([3, 4])`."""

    __slots__ = ()

    def __repr__(self):
        return f"torch.Size({list(self)})"

    def __format__(self, spec):
        # Inside f-strings (every error message and picture of tinygrad_edu) a shape reads as
        # the plain tuple (3, 4); print(t.shape) and repr give torch's text.
        return format(tuple.__repr__(self), spec)

    def numel(self):
        return int(np.prod(self, dtype=np.int64))


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None,
                     sci_mode=None):
    """PyTorch's print options (torch.set_printoptions): digits, summarizing, line width."""
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"set_printoptions: profile must be one of {sorted(_PROFILES)}, "
                             f"got {profile!r}")
        _options.update(_PROFILES[profile])
    for key, value in (("precision", precision), ("threshold", threshold),
                       ("edgeitems", edgeitems), ("linewidth", linewidth)):
        if value is not None:
            _options[key] = value
    _options["sci_mode"] = sci_mode


def get_printoptions():
    return dict(_options)


class _Formatter:
    """One width and one style for every element, chosen from all of them (as PyTorch)."""

    def __init__(self, values):
        self.floating = values.dtype.kind == "f"
        self.int_mode, self.sci_mode, self.width = True, False, 1
        precision = _options["precision"]
        if not self.floating:
            strings = [self._plain(v) for v in values.ravel()]
            self.width = max((len(s) for s in strings), default=1)
            return
        finite = values[np.isfinite(values) & (values != 0)].astype(np.float64)
        if finite.size:
            magnitudes = np.abs(finite)
            low, high = magnitudes.min(), magnitudes.max()
            self.int_mode = bool(np.all(finite == np.ceil(finite)))
            spread = high / low > 1000.0 or high > 1e8
            self.sci_mode = spread if self.int_mode else spread or low < 1e-4
        if _options["sci_mode"] is not None:
            self.sci_mode = _options["sci_mode"]
        if self.sci_mode:
            strings = [f"{v:.{precision}e}" for v in values.ravel().astype(np.float64)]
        elif self.int_mode:
            strings = [self._whole(v) for v in values.ravel().astype(np.float64)]
        else:
            strings = [f"{v:.{precision}f}" for v in values.ravel().astype(np.float64)]
        self.width = max((len(s) for s in strings), default=1)

    @staticmethod
    def _plain(value):
        return str(bool(value)) if isinstance(value, (bool, np.bool_)) else str(value)

    @staticmethod
    def _whole(value):
        text = f"{value:.0f}"
        return text if math.isinf(value) or math.isnan(value) else text + "."

    def __call__(self, value):
        if not self.floating:
            text = self._plain(value)
        elif self.sci_mode:
            text = f"{float(value):.{_options['precision']}e}"
        elif self.int_mode:
            text = self._whole(float(value))
        else:
            text = f"{float(value):.{_options['precision']}f}"
        return text.rjust(self.width)


def _summarized(values, edge):
    """The values shown when summarizing: the first and last `edge` along every dimension."""
    if values.ndim == 0:
        return values
    if values.shape[0] > 2 * edge:
        values = np.concatenate([values[:edge], values[-edge:]])
    return np.stack([_summarized(v, edge) for v in values]) if values.ndim > 1 else values


def _body(values, indent, summarize, formatter):
    edge = _options["edgeitems"]
    if values.ndim == 0:
        return formatter(values.item())
    if values.ndim == 1:
        items = [formatter(v) for v in values.tolist()]
        if summarize and len(items) > 2 * edge:
            items = items[:edge] + [" ..."] + items[-edge:]
        per_line = max(1, int((_options["linewidth"] - indent) // (formatter.width + 2)))
        lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + ("," + "\n" + " " * (indent + 1)).join(lines) + "]"
    rows = range(values.shape[0])
    if summarize and values.shape[0] > 2 * edge:
        rows = list(range(edge)) + [None] + list(range(values.shape[0] - edge, values.shape[0]))
    parts = ["..." if i is None else _body(values[i], indent + 1, summarize, formatter) for i in rows]
    return "[" + ("," + "\n" * (values.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def format_tensor(values, suffixes=(), prefix="tensor("):
    """PyTorch's text for a tensor holding `values`, with `suffixes` ("requires_grad=True", ...)."""
    indent = len(prefix)
    suffixes = list(suffixes)
    if values.size == 0:
        body = "[]"
        if values.shape != (0,):
            suffixes.insert(0, f"size={values.shape}")
    else:
        summarize = values.size > _options["threshold"]
        shown = _summarized(values, _options["edgeitems"]) if summarize else values
        body = _body(values, indent, summarize, _Formatter(shown))
    text = prefix + body
    for suffix in suffixes:
        last_line = text.rsplit("\n", 1)[-1]
        if len(last_line) + len(suffix) + 2 > _options["linewidth"]:
            text += ",\n" + " " * indent + suffix
        else:
            text += ", " + suffix
    return text + ")"
