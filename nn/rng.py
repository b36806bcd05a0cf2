"""The one random-number convention of ``nn``: every ``seed=`` takes what scikit-learn's
``random_state`` takes, as a NumPy ``Generator``.

``seed=None`` draws fresh entropy, an int makes a run reproducible, and a
``numpy.random.Generator`` is used as it is (so one generator can be threaded through
data, initialisation, dropout and shuffling). Data sets, weight initialisation, dropout
masks and ``fit``'s shuffling all draw from one of these.
"""

from __future__ import annotations

from typing import Any

import numpy as np

Seed = int | np.random.Generator | None


def check_seed(seed: Any) -> Seed:
    """``seed`` if it is one (None, an int >= 0, or a Generator), else a ``TypeError``."""
    if seed is None or isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) and seed >= 0:
        return int(seed)
    raise TypeError(f"seed must be None, an integer >= 0 or a numpy.random.Generator, got {seed!r:.60}")


def generator(seed: Any) -> np.random.Generator:
    """A ``numpy.random.Generator`` for ``seed`` (None, an int >= 0, or a Generator)."""
    seed = check_seed(seed)
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def stored_seed(seed: Any) -> int | None:
    """What a model's config keeps of its seed (a Generator is not a file's business:
    the saved weights are)."""
    return int(seed) if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) else None
