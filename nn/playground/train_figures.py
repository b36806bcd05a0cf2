"""What the Train view draws, computed in NumPy from the model's weights: the input
features of the points, the part of the (x1, x2) plane the data fill, the output over
that plane (the boundary) and every hidden neuron's output over it (its map).

No ``Value`` is made per point: a forward pass over a grid is a few matrix products of
the weights, the same sums the engine computes (``tests/test_playground_train.py``
checks them against ``predict``)."""

from __future__ import annotations

import base64
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..activations import LEAKY_SLOPE

#: The input features a network may read, by their names in the config, each a function
#: of the point's (x1, x2); the page names them x1, x2, x1², x2², x1·x2, sin x1, sin x2.
FEATURES: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "x1": lambda a, b: a,
    "x2": lambda a, b: b,
    "x1^2": lambda a, b: a * a,
    "x2^2": lambda a, b: b * b,
    "x1*x2": lambda a, b: a * b,
    "sin(x1)": lambda a, b: np.sin(a),
    "sin(x2)": lambda a, b: np.sin(b),
}
#: How the neuron pictures label the inputs (the page's names).
FEATURE_LABELS = {"x1": "x1", "x2": "x2", "x1^2": "x1²", "x2^2": "x2²", "x1*x2": "x1·x2",
                  "sin(x1)": "sin x1", "sin(x2)": "sin x2"}  # fmt: skip
#: The most bytes of neuron maps in one update (one byte a grid point, 4/3 of that in
#: base64): the maps of 16 neurons are 16x16, of the largest network (64 neurons) 8x8;
#: the page upscales them smoothly.
MAP_BYTES = 4096
MAP_SIZES = (8, 24)  # the smallest and the largest map, in grid points a side
MARGIN = 0.06  # the plot's margin around the data, a share of the data's extent


def feature_matrix(X: Any, features: Sequence[str]) -> np.ndarray:
    """The model's inputs: the chosen ``features`` of each (x1, x2) point, one column each."""
    A = np.asarray(X, dtype=float).reshape(-1, 2)
    return np.column_stack([FEATURES[f](A[:, 0], A[:, 1]) for f in features])


def domain(X: Any) -> list[list[float]]:
    """[[x1 lo, x1 hi], [x2 lo, x2 hi]]: the data's extent on each axis, with a margin,
    so the points fill the plot."""
    A = np.asarray(X, dtype=float).reshape(-1, 2)
    lo, hi = A.min(axis=0), A.max(axis=0)
    span = np.maximum(hi - lo, 1e-6)
    pad = MARGIN * span
    return [[_nice(lo[k] - pad[k]), _nice(hi[k] + pad[k])] for k in range(2)]


def _nice(v: float) -> float:
    return round(float(v), 4)


def grid_points(box: list[list[float]], n: int) -> np.ndarray:
    """An n x n grid over ``box``, row by row from the bottom (x2 = lo) and, in each row,
    from x1 = lo: point ``r * n + q`` is (x1[q], x2[r])."""
    a = np.linspace(box[0][0], box[0][1], n)
    b = np.linspace(box[1][0], box[1][1], n)
    A, B = np.meshgrid(a, b)
    return np.column_stack([A.ravel(), B.ravel()])


def _activate(name: str | None, z: np.ndarray) -> np.ndarray:
    if name in (None, "linear"):
        return z
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "leaky_relu":
        return np.where(z > 0, z, LEAKY_SLOPE * z)
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-np.clip(z, -500.0, 500.0)))
    raise ValueError(f"no NumPy form of the activation {name!r}")


def layer_outputs(model: Any, inputs: np.ndarray) -> list[np.ndarray]:
    """Each layer's outputs for the rows of ``inputs`` (samples x features): one array of
    samples x neurons a layer, the last the model's output (before any loss). ``einsum``,
    not ``@``: matrices this small are quicker without BLAS's threads, which would wait
    for cores the other tabs' training is using."""
    h, out = inputs, []
    for layer in model.layers:
        W = np.array([[w.data for w in neuron.w] for neuron in layer.neurons])
        b = np.array([neuron.b.data for neuron in layer.neurons])
        h = _activate(layer.activation, np.einsum("sf,nf->sn", h, W) + b)
        out.append(h)
    return out


def map_size(neurons: int) -> int:
    """The side of each neuron's map: as fine as ``MAP_BYTES`` allows for ``neurons``."""
    side = math.isqrt(MAP_BYTES // max(neurons, 1))
    return max(MAP_SIZES[0], min(MAP_SIZES[1], side))


def encode_maps(outputs: Sequence[np.ndarray]) -> str:
    """The hidden neurons' outputs as bytes, base64: each value clipped to [-1, 1] and
    scaled to 0..255 (the page's colour scale: -1 orange, 0 white, 1 blue), neuron after
    neuron, layer after layer, each map row by row from the bottom."""
    if not outputs:
        return ""
    values = np.concatenate([o.T.ravel() for o in outputs])
    q = np.rint((np.clip(np.nan_to_num(values), -1.0, 1.0) + 1.0) * 127.5).astype(np.uint8)
    return base64.b64encode(q.tobytes()).decode("ascii")


def figures(model: Any, features: Sequence[str], box: list[list[float]], grid: int,
            regression: bool) -> dict[str, Any]:  # fmt: skip
    """The boundary (``grid``: the output over an n x n grid, a probability or, for a
    regression, the predicted value) and every hidden neuron's map (``maps``)."""
    top = grid_points(box, grid)
    z = layer_outputs(model, feature_matrix(top, features))[-1][:, 0]
    out = z if regression else 1.0 / (1.0 + np.exp(-np.clip(z, -500.0, 500.0)))
    hidden = [len(layer.neurons) for layer in model.layers[:-1]]
    side = map_size(sum(hidden))
    coarse = layer_outputs(model, feature_matrix(grid_points(box, side), features))[:-1]
    return {
        "grid": {"n": grid, "x": box[0], "y": box[1], "p": _json_list(np.round(out, 3))},
        "maps": {"n": side, "layers": hidden, "data": encode_maps(coarse)},
    }


def _json_list(values: np.ndarray) -> list[float | str]:
    """Numbers for JSON: nan and inf as the strings the page reads ("nan", "inf")."""
    if np.isfinite(values).all():
        return list(values.tolist())
    return [v if math.isfinite(v) else str(v) for v in values.tolist()]
