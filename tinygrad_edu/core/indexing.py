"""Index keys: what `t[key]` and `t[key] = v` accept, turned into numpy keys and checked with numpy's own rules."""

import numpy as np

from . import autograd

__all__ = ["normalize_key", "check_key"]


def normalize_key(key):
    """Tensors and lists inside an index become numpy arrays (bool masks stay bool)."""
    if isinstance(key, tuple):
        return tuple(_key_part(k) for k in key)
    return _key_part(key)


def _key_part(part):
    if isinstance(part, autograd.Tensor):
        return part._data
    if isinstance(part, list):
        return np.asarray(part)
    return part


def check_key(array, key, op):
    """The shape `array[key]` has; a clear IndexError (naming `op`) for a key numpy refuses."""
    try:
        return array[key].shape
    except IndexError as error:
        raise IndexError(f"{op}: {error} (tensor of shape {array.shape}, key {key!r:.100})") \
            from None
