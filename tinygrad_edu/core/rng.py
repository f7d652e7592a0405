"""The package's random number generators: `default` (what manual_seed seeds) and tg.Generator objects of your own, as torch.Generator.

Every unseeded random step (randn, init, dropout masks, shuffles) draws from `default`, so
`manual_seed` makes all of them reproducible. The same seed gives the same numbers every time
here, not PyTorch's numbers (the bits come from numpy's PCG64).
"""

import numpy as np

from . import autograd

__all__ = ["manual_seed", "default_generator", "seed", "initial_seed", "Generator",
           "numpy_generator", "default", "get_rng_state", "set_rng_state"]

_STATE_BYTES = 37  # PCG64: state (16 bytes), increment (16), has_uint32 (1), uinteger (4)


def _check_seed(seed, caller):
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"{caller}: seed must be a non-negative int, got {seed!r}")
    return int(seed)


def _fresh_seed():
    return int(np.random.SeedSequence().entropy % 2**63)


class Generator:
    """A random number generator of its own, as torch.Generator: pass it as `generator=` to
    rand, randn, randint, randperm, multinomial, normal, bernoulli, poisson, the nn.init
    functions, dropout, DataLoader, random_split and the samplers.

    Example:
        >>> g = tg.Generator().manual_seed(2147483647)
        >>> tg.randn(3, generator=g)          # the same three numbers every run
    """

    def __init__(self, device="cpu"):
        self.device = device
        self.manual_seed(_fresh_seed())

    def manual_seed(self, seed):
        """Reseed; returns self (so `Generator().manual_seed(42)` works, as in PyTorch)."""
        self._seed = _check_seed(seed, f"{type(self).__name__}.manual_seed")
        self._generator = np.random.default_rng(self._seed)
        return self

    def initial_seed(self):
        """The seed this generator was last seeded with."""
        return self._seed

    def seed(self):
        """Reseed from fresh entropy; returns the new seed."""
        self.manual_seed(_fresh_seed())
        return self._seed

    def get_state(self):
        """The generator's state as a uint8 Tensor (give it to set_state to replay the draws)."""
        state = self._generator.bit_generator.state
        packed = (state["state"]["state"].to_bytes(16, "little")
                  + state["state"]["inc"].to_bytes(16, "little")
                  + bytes([state["has_uint32"]]) + int(state["uinteger"]).to_bytes(4, "little"))
        return autograd.Tensor(np.frombuffer(packed, dtype=np.uint8).copy())

    def set_state(self, new_state):
        """Restore a state from get_state(); returns self.

        Raises:
            ValueError: anything but a uint8 tensor of get_state()'s length.
        """
        array = np.asarray(new_state.numpy() if hasattr(new_state, "numpy") else new_state)
        if array.dtype != np.uint8 or array.shape != (_STATE_BYTES,):
            raise ValueError(f"{type(self).__name__}.set_state: expected the uint8 tensor of "
                             f"{_STATE_BYTES} bytes that get_state() returns, got dtype "
                             f"{array.dtype} and shape {array.shape}")
        raw = array.tobytes()
        self._generator.bit_generator.state = {
            "bit_generator": "PCG64",
            "state": {"state": int.from_bytes(raw[:16], "little"),
                      "inc": int.from_bytes(raw[16:32], "little")},
            "has_uint32": raw[32], "uinteger": int.from_bytes(raw[33:], "little")}
        return self

    def __repr__(self):
        return f"<tg.Generator seed={self._seed}>"


default = Generator()
"""The generator behind every unseeded random operation (torch.default_generator)."""
_seed = None


def manual_seed(seed):
    """Seed every random constructor, initializer, dropout mask and unseeded shuffle.

    Args:
        seed: a non-negative int.

    Returns:
        The default Generator (as torch.manual_seed).

    Example:
        >>> tg.manual_seed(0); a = tg.randn(2)
        >>> tg.manual_seed(0); bool((tg.randn(2) == a).all())
        True
    """
    global _seed
    default.manual_seed(_check_seed(seed, "manual_seed"))
    _seed = default.initial_seed()
    return default


def default_generator():
    """The numpy Generator that every unseeded random operation in tinygrad_edu draws from."""
    return default._generator


def seed():
    """The seed last given to `manual_seed`, or None (tinygrad_edu's; torch.seed reseeds)."""
    return _seed


def initial_seed():
    """The default generator's current seed (as torch.initial_seed)."""
    return default.initial_seed()


def get_rng_state():
    """The default generator's state (torch.get_rng_state)."""
    return default.get_state()


def set_rng_state(new_state):
    """Restore the default generator's state (torch.set_rng_state)."""
    default.set_state(new_state)


def numpy_generator(generator=None):
    """The numpy Generator to draw from: `generator`'s (a tg.Generator) or the default one."""
    if generator is None:
        return default._generator
    if not isinstance(generator, Generator):
        raise TypeError(f"generator: expected a tg.Generator, got {type(generator).__name__}")
    return generator._generator
