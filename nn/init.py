"""Weight initialisation schemes, seeded and reproducible.

For a neuron with ``fan_in`` inputs in a layer of ``fan_out`` neurons:

- ``uniform``: U(-1, 1) (micrograd's choice; ignores the fan);
- ``xavier_uniform`` / ``glorot_uniform``: U(-a, a), a = sqrt(6 / (fan_in + fan_out));
- ``xavier_normal`` / ``glorot_normal``: N(0, 2 / (fan_in + fan_out));
- ``he_uniform`` / ``kaiming_uniform``: U(-a, a), a = sqrt(6 / fan_in);
- ``he_normal`` / ``kaiming_normal``: N(0, 2 / fan_in).

Glorot and Bengio (2010) keep the variance of activations and gradients equal across
tanh/sigmoid layers; He et al. (2015) double it for ReLU, which zeroes half its inputs.
``auto`` picks He for relu-like activations and Xavier otherwise. Biases start at 0.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from .activations import get_activation

Init = Callable[[np.random.Generator, int, int], np.ndarray]


def _uniform(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
    return rng.uniform(-1.0, 1.0, fan_in)


def _xavier_uniform(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
    a = math.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, fan_in)


def _xavier_normal(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
    return rng.normal(0.0, math.sqrt(2.0 / (fan_in + fan_out)), fan_in)


def _he_uniform(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
    a = math.sqrt(6.0 / fan_in)
    return rng.uniform(-a, a, fan_in)


def _he_normal(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
    return rng.normal(0.0, math.sqrt(2.0 / fan_in), fan_in)


INITS: dict[str, Init] = {
    "uniform": _uniform,
    "xavier_uniform": _xavier_uniform,
    "glorot_uniform": _xavier_uniform,
    "xavier_normal": _xavier_normal,
    "glorot_normal": _xavier_normal,
    "he_uniform": _he_uniform,
    "kaiming_uniform": _he_uniform,
    "he_normal": _he_normal,
    "kaiming_normal": _he_normal,
}


def resolve_init(init: str, activation: str | None) -> str:
    """The concrete scheme for ``init`` (``"auto"``: He for relu-like, else Xavier)."""
    if init == "auto":
        return "he_uniform" if get_activation(activation).relu_like else "xavier_uniform"
    if init not in INITS:
        raise ValueError(f"unknown init {init!r}; choose 'auto' or one of {sorted(INITS)}")
    return init


def draw_weights(init: str, rng: np.random.Generator, fan_in: int, fan_out: int) -> list[float]:
    """``fan_in`` weights for one neuron, drawn by scheme ``init`` from ``rng``."""
    return [float(w) for w in INITS[init](rng, fan_in, fan_out)]
