"""Data: toy sets for classification, one real set (handwritten digits), splitting and
preprocessing. Every function takes ``seed=`` where randomness is involved and returns
plain lists (``X``: a list of feature lists; ``y``: a list of int labels); NumPy arrays
are accepted as input everywhere.
"""

from __future__ import annotations

import csv
import gzip
import math
from collections.abc import Sequence
from importlib import resources
from typing import Any

import numpy as np

from .arraylike import to_list
from .rng import Seed, generator

Matrix = list[list[float]]


def _rng(seed: Seed) -> np.random.Generator:
    return generator(seed)


def _shuffled(X: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> tuple[Matrix, list[int]]:
    order = rng.permutation(len(y))
    return X[order].tolist(), [int(v) for v in y[order]]


def _check_n(n: int, at_least: int = 1) -> None:
    if not isinstance(n, (int, np.integer)) or n < at_least:
        raise ValueError(f"the number of samples must be an integer >= {at_least}, got {n!r}")


def make_moons(n: int = 200, noise: float = 0.1, seed: Seed = None) -> tuple[Matrix, list[int]]:
    """Two interleaving half circles (scikit-learn's construction): class 0 on top,
    class 1 below, with Gaussian noise of standard deviation ``noise``."""
    _check_n(n, 2)
    rng = _rng(seed)
    n_out = n // 2
    n_in = n - n_out
    t_out = np.linspace(0, math.pi, n_out)
    t_in = np.linspace(0, math.pi, n_in)
    X = np.vstack(
        [
            np.column_stack([np.cos(t_out), np.sin(t_out)]),
            np.column_stack([1 - np.cos(t_in), 1 - np.sin(t_in) - 0.5]),
        ]
    )
    X += rng.normal(0.0, noise, X.shape) if noise else 0.0
    y = np.concatenate([np.zeros(n_out, int), np.ones(n_in, int)])
    return _shuffled(X, y, rng)


def make_circles(
    n: int = 200, noise: float = 0.05, factor: float = 0.5, seed: Seed = None
) -> tuple[Matrix, list[int]]:
    """A circle of class 0 around a smaller one (radius ``factor``) of class 1."""
    _check_n(n, 2)
    if not 0 < factor < 1:
        raise ValueError(f"factor must be in (0, 1), got {factor}")
    rng = _rng(seed)
    n_out = n // 2
    n_in = n - n_out
    t_out = np.linspace(0, 2 * math.pi, n_out, endpoint=False)
    t_in = np.linspace(0, 2 * math.pi, n_in, endpoint=False)
    X = np.vstack(
        [
            np.column_stack([np.cos(t_out), np.sin(t_out)]),
            factor * np.column_stack([np.cos(t_in), np.sin(t_in)]),
        ]
    )
    X += rng.normal(0.0, noise, X.shape) if noise else 0.0
    y = np.concatenate([np.zeros(n_out, int), np.ones(n_in, int)])
    return _shuffled(X, y, rng)


def make_spirals(
    n: int = 300, classes: int = 3, noise: float = 0.2, seed: Seed = None, turns: float | None = None
) -> tuple[Matrix, list[int]]:
    """``classes`` interleaved spiral arms: not linearly separable. ``noise`` jitters each
    point's angle (radians). ``turns=None`` is the CS231n spiral: 4 radians an arm (0.64 of
    a turn), each arm going on where the previous one ends. A number of ``turns`` winds
    every arm that many times from the centre out to radius 1, the arms evenly offset
    (``turns=1.75`` is TensorFlow Playground's spiral: it takes a network with capacity)."""
    _check_n(n, classes)
    if turns is not None and not 0 < turns <= 10:
        raise ValueError(f"turns must be in (0, 10], got {turns!r}")
    rng = _rng(seed)
    per = [n // classes + (1 if k < n % classes else 0) for k in range(classes)]
    parts, labels = [], []
    for k, m in enumerate(per):
        r = np.linspace(0.0, 1.0, m)
        if turns is None:
            t = np.linspace(k * 4.0, (k + 1) * 4.0, m)
        else:
            t = 2 * math.pi * (turns * r + k / classes)
        t = t + rng.normal(0.0, noise, m)
        parts.append(np.column_stack([r * np.sin(t), r * np.cos(t)]))
        labels.append(np.full(m, k))
    return _shuffled(np.vstack(parts), np.concatenate(labels), rng)


def make_plane(n: int = 200, noise: float = 0.1, seed: Seed = None) -> tuple[Matrix, list[float]]:
    """A regression set: points uniform in [-1, 1]^2 with the target (x1 + x2) / 2, a
    tilted plane from -1 to 1, plus Gaussian noise of standard deviation ``noise``."""
    _check_n(n)
    rng = _rng(seed)
    X = rng.uniform(-1.0, 1.0, (n, 2))
    y = X.sum(axis=1) / 2 + (rng.normal(0.0, noise, n) if noise else 0.0)
    return X.tolist(), [float(v) for v in y]


#: ``make_bumps``' hills (+1) and valleys (-1): (x1, x2, height).
BUMPS = ((-0.6, 0.45, 1.0), (0.0, 0.45, -1.0), (0.6, 0.45, 1.0),
         (-0.6, -0.45, -1.0), (0.0, -0.45, 1.0), (0.6, -0.45, -1.0))  # fmt: skip


def make_bumps(n: int = 300, noise: float = 0.05, seed: Seed = None) -> tuple[Matrix, list[float]]:
    """A regression set: points uniform in [-1, 1]^2 over three hills and three valleys
    (``BUMPS``, Gaussians of width 0.25, heights +1 and -1; TensorFlow Playground's
    "multi Gaussian"), targets in [-1, 1] plus Gaussian noise of standard deviation ``noise``."""
    _check_n(n)
    rng = _rng(seed)
    X = rng.uniform(-1.0, 1.0, (n, 2))
    y = np.zeros(n)
    for cx, cy, h in BUMPS:
        y += h * np.exp(-((X[:, 0] - cx) ** 2 + (X[:, 1] - cy) ** 2) / (2 * 0.25**2))
    y = np.clip(y, -1.0, 1.0) + (rng.normal(0.0, noise, n) if noise else 0.0)
    return X.tolist(), [float(v) for v in y]


#: The four points of the XOR truth table and their labels.
XOR_TABLE: tuple[Matrix, list[int]] = ([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0, 1, 1, 0])


def make_xor(n: int = 200, noise: float = 0.0, seed: Seed = None) -> tuple[Matrix, list[int]]:
    """Points uniform in [-1, 1]^2, labelled 1 where exactly one coordinate is positive
    (XOR of the signs); ``noise`` jitters the points after labelling."""
    _check_n(n)
    rng = _rng(seed)
    X = rng.uniform(-1.0, 1.0, (n, 2))
    y = ((X[:, 0] > 0) ^ (X[:, 1] > 0)).astype(int)
    if noise:
        X = X + rng.normal(0.0, noise, X.shape)
    return X.tolist(), [int(v) for v in y]


def make_blobs(
    n: int = 300,
    centers: int = 3,
    n_features: int = 2,
    std: float = 1.0,
    weights: Sequence[float] | None = None,
    center_box: tuple[float, float] = (-6.0, 6.0),
    seed: Seed = None,
) -> tuple[Matrix, list[int]]:
    """Gaussian blobs around random centres, one class each. ``weights`` gives each
    class's share of the samples (e.g. ``[0.9, 0.1]`` for a 9:1 class imbalance)."""
    _check_n(n, centers)
    rng = _rng(seed)
    if weights is None:
        weights = [1.0 / centers] * centers
    if len(weights) != centers or any(w < 0 for w in weights) or not sum(weights) > 0:
        raise ValueError(f"weights must be {centers} non-negative shares, got {list(weights)}")
    shares = np.asarray(weights, float) / sum(weights)
    counts = np.floor(shares * n).astype(int)
    counts[np.argmax(shares)] += n - counts.sum()
    mus = rng.uniform(center_box[0], center_box[1], (centers, n_features))
    X = np.vstack([rng.normal(mus[k], std, (counts[k], n_features)) for k in range(centers)])
    y = np.concatenate([np.full(counts[k], k) for k in range(centers)])
    return _shuffled(X, y, rng)


def load_digits(normalize: bool = True) -> tuple[Matrix, list[int]]:
    """The UCI handwritten digits (the copy scikit-learn ships): 1,797 images of 8x8
    pixels (0..16), 10 classes. Read from the file inside the package: no network.
    ``normalize`` divides the pixels by 16, to [0, 1]."""
    raw = resources.files("nn").joinpath("datasets/digits.csv.gz").read_bytes()
    rows = list(csv.reader(gzip.decompress(raw).decode("ascii").splitlines()))
    scale = 1.0 / 16.0 if normalize else 1.0
    X = [[float(v) * scale for v in row[:64]] for row in rows]
    y = [int(row[64]) for row in rows]
    return X, y


def as_matrix(X: Any, name: str = "X") -> Matrix:
    """``X`` as a list of float lists, with a clear error for ragged, empty or NaN input."""
    if hasattr(X, "to_numpy"):  # a pandas DataFrame: its values, not its column names
        X = X.to_numpy()
    try:
        arr = np.asarray(X, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numbers in rows of one length ({exc})") from None
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[0] == 0:
        raise ValueError(f"{name} must be a non-empty list of samples, got shape {arr.shape}")
    if not np.isfinite(arr).all():
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        raise ValueError(f"{name} contains NaN or inf (first at row {bad[0]}, column {bad[1]})")
    return arr.tolist()


def train_test_split(
    X: Any, y: Any, test_size: float = 0.25, seed: Seed = None, stratify: Any = False
) -> tuple[Matrix, Matrix, list[Any], list[Any]]:
    """Shuffle and split into ``X_train, X_test, y_train, y_test``. ``stratify``: ``True``
    keeps each class of ``y`` in the same share on both sides; an array-like of labels
    (scikit-learn's ``stratify=y``) stratifies by those labels."""
    Xm = as_matrix(X)
    ys = to_list(y, "y")
    if len(Xm) != len(ys):
        raise ValueError(f"X has {len(Xm)} samples but y has {len(ys)}")
    strata = _strata(stratify, ys)
    if not 0 < test_size < 1:
        raise ValueError(f"test_size must be a fraction in (0, 1), got {test_size}")
    rng = _rng(seed)
    if strata is not None:
        test_idx: list[int] = []
        for c in sorted(set(strata)):
            idx = [i for i, v in enumerate(strata) if v == c]
            rng.shuffle(idx)
            test_idx += idx[: round(len(idx) * test_size)]
        chosen = set(test_idx)
        train_idx = [i for i in rng.permutation(len(ys)).tolist() if i not in chosen]
    else:
        order = rng.permutation(len(ys)).tolist()
        k = max(1, round(len(ys) * test_size))
        test_idx, train_idx = order[:k], order[k:]
    return (
        [Xm[i] for i in train_idx],
        [Xm[i] for i in test_idx],
        [ys[i] for i in train_idx],
        [ys[i] for i in test_idx],
    )


def _strata(stratify: Any, ys: list[Any]) -> list[Any] | None:
    if stratify is None or stratify is False:
        return None
    if stratify is True:
        return ys
    strata = to_list(stratify, "stratify")
    if len(strata) != len(ys):
        raise ValueError(f"stratify has {len(strata)} labels but y has {len(ys)}")
    return strata


def standardize(X: Any, reference: Any = None) -> Matrix:
    """(x - mean) / std per feature, with mean and std taken from ``reference`` (the
    training set; default ``X`` itself). Constant features become 0."""
    A = np.asarray(as_matrix(X))
    R = A if reference is None else np.asarray(as_matrix(reference, "reference"))
    mu, sd = R.mean(axis=0), R.std(axis=0)
    return ((A - mu) / np.where(sd > 0, sd, 1.0)).tolist()


def minmax_scale(X: Any, reference: Any = None, feature_range: tuple[float, float] = (0.0, 1.0)) -> Matrix:
    """Map each feature's [min, max] in ``reference`` (default ``X``) onto ``feature_range``."""
    A = np.asarray(as_matrix(X))
    R = A if reference is None else np.asarray(as_matrix(reference, "reference"))
    lo, hi = R.min(axis=0), R.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    a, b = feature_range
    return (a + (A - lo) / span * (b - a)).tolist()


def pca(X: Any, n_components: int, reference: Any = None) -> Matrix:
    """Project onto the ``n_components`` principal axes of ``reference`` (default ``X``),
    found by an SVD of the centred data; the signs are fixed so results are reproducible."""
    A = np.asarray(as_matrix(X))
    R = A if reference is None else np.asarray(as_matrix(reference, "reference"))
    if not 1 <= n_components <= R.shape[1]:
        raise ValueError(f"n_components must be in 1..{R.shape[1]}, got {n_components}")
    mu = R.mean(axis=0)
    _, _, vt = np.linalg.svd(R - mu, full_matrices=False)
    axes = vt[:n_components]
    axes *= np.sign(axes[np.arange(n_components), np.argmax(np.abs(axes), axis=1)])[:, None]
    return ((A - mu) @ axes.T).tolist()
