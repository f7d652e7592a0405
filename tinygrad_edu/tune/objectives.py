"""Test functions with a known optimum, to check that a search finds it."""

from __future__ import annotations

import math

from .space import Uniform

__all__ = ["branin", "BRANIN_SPACE", "BRANIN_MINIMUM"]


BRANIN_SPACE = {"x1": Uniform(-5.0, 10.0), "x2": Uniform(0.0, 15.0)}
BRANIN_MINIMUM = 0.39788735772973816


def branin(config: dict) -> float:
    """The Branin function, a classic check for optimizers (minimize it over BRANIN_SPACE):

        f(x1, x2) = (x2 − 5.1 x1²/(4π²) + 5 x1/π − 6)² + 10 (1 − 1/(8π)) cos x1 + 10

    Its minimum 0.397887 is reached at (−π, 12.275), (π, 2.275) and (9.42478, 2.475).
    """
    x1, x2 = float(config["x1"]), float(config["x2"])
    b, c, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 1 / (8 * math.pi)
    return (x2 - b * x1**2 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10
