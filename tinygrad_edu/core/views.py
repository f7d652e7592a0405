"""Views and versions: which tensors share storage, and how often that storage changed in place.

A view (reshape, slicing, transpose) shares its source's memory, so it shares its version
counter (`_base`); `refresh_view` remakes a view's node after a recorded in-place op moved its
source on. The engine (autograd.py) reads these; nothing here runs a rule.
"""

from .modes import set_grad_enabled

__all__ = ["seen", "increment_version", "refresh_view"]


class seen:
    """What the graph has needed so far in this process. Until a recorded in-place op moves a
    tensor on (history) or a tensor asks to retain_grad, the walk skips those look-ups. Measured
    with valgrind's instruction counts on W3 of benchmarks/bench_mnist.py: calling the
    retain_grad hook for every node cost 1% of a step; most programs never need either."""

    history = False
    retained = False


def _version(t):
    """The version counter of t's storage (shared by its views and its detach())."""
    base = t._base
    return (t if base is None else base)._version_count


def increment_version(t):
    """Count an in-place change of t's storage made outside the Tensor API (as
    torch.autograd.graph.increment_version): optimizers write parameters through .numpy()."""
    owner = t if t._base is None else t._base
    owner._version_count += 1


def _generation(t):
    """How many recorded in-place ops have moved t on to a new node (see inplace.py)."""
    return 0 if t._history is None else len(t._history)


def refresh_view(t):
    """Make view `t` a view of its source as the source is now, if a recorded in-place op
    moved the source on since `t` was made (PyTorch regenerates a view's grad_fn the same way):
    `v = y[0]; y.mul_(w)`, then v's gradient flows through the mul. Ops that used t before keep
    its earlier node (t's history)."""
    source, op_class, params, generation, valid_from = t._view_of
    if source._view_of is not None:
        refresh_view(source)
    if _generation(source) == generation:
        return
    seen.history = True
    earlier = type(t)._make(t._data, t.requires_grad, t._ctx)
    earlier._base = t._base
    with set_grad_enabled(True):
        fresh = op_class.apply(source, **params)
    history = dict(t._history) if t._history is not None else {}
    for version in range(valid_from, _version(t)):
        history.setdefault(version, earlier)
    t._history = history
    t._ctx, t.requires_grad = fresh._ctx, fresh.requires_grad
    t._view_of = (source, op_class, params, _generation(source), _version(t))


def _share_storage(out, source, op_class, params):
    """After a view op (reshape, slicing, transpose): when numpy made a view rather than a copy,
    `out` shares `source`'s memory, so it shares its version counter and remembers how it was
    made (for refresh_view)."""
    data = out._data.base
    if data is None or (data is not source._data and data is not source._data.base):
        return
    base = source._base
    if base is None:
        base = source
    out._base = base  # one version counter for a tensor and its views
    out._view_of = (source, op_class, params, _generation(source), base._version_count)
