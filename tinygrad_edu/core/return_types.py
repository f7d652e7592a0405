"""PyTorch's named pairs: `t.max(dim)`, `t.min(dim)`, `t.sort()`, `t.topk(k)` return (values, indices).

`values, indices = t.max(1)` and `t.max(1).values` both work, as with torch.return_types.
"""

import collections

__all__ = ["max", "min", "sort", "topk"]


def _pair(name):
    base = collections.namedtuple(name, ["values", "indices"])

    def __repr__(self):
        return f"torch.return_types.{name}(\nvalues={self.values!r},\nindices={self.indices!r})"

    cls = type(name, (base,), {"__slots__": (), "__repr__": __repr__,
                                "__doc__": f"(values, indices) of Tensor.{name} (torch.return_types.{name})."})
    cls.__module__ = __name__
    return cls


max = _pair("max")  # noqa: A001 (PyTorch's names)
min = _pair("min")  # noqa: A001
sort = _pair("sort")
topk = _pair("topk")
