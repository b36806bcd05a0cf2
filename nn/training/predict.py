"""Predictions: the model's outputs as plain numbers, and class labels."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from autograd_core import Value, no_grad

from ..arraylike import to_list
from .checks import array_table
from .compiled import forward_programs
from .engines import check_dtype, check_engine


def predict(model: Any, X: Sequence[Any], engine: str = "eager", dtype: str = "float64") -> list[Any]:
    """The model's outputs as plain floats (lists of floats for several outputs), in
    eval mode and without recording a graph: whatever the output activation gives (a
    probability after sigmoid or softmax, a logit or a regression value after a linear
    output). ``predict_classes`` gives labels, ``predict_proba`` class probabilities.
    ``engine="compiled"`` runs the whole batch as one NumPy program (much faster for many
    samples; ``dtype="float32"`` runs that program in single precision). ``X``: any
    array-like."""
    check_engine(engine)
    check_dtype(engine, dtype)
    # A 2-D array of numbers is a list of samples as it is: the compiled engine reads it
    # without a round trip through lists.
    samples: Any = array_table(X) if engine == "compiled" else None
    if samples is None:
        samples = to_list(X, "X")
        _refuse_one_sample(model, samples)
    was_training = model.training
    model.eval()
    try:
        if engine == "compiled":
            return forward_programs(model, dtype).predict(samples)
        with no_grad():
            return [_to_float(model(x)) for x in samples]
    finally:
        model.train(was_training)


def _refuse_one_sample(model: Any, X: list[Any]) -> None:
    """One sample given where a list of samples belongs (``predict(model, [0.5, 1.0])``)."""
    nin = getattr(model, "nin", None)
    if nin and nin > 1 and X and not any(isinstance(x, (list, tuple)) for x in X):
        raise ValueError(
            f"predict takes a list of samples, and got one sample of {len(X)} numbers: pass a list "
            f"of samples, [[...]] (or X.reshape(1, -1) for an array); this model reads {nin} inputs each"
        )


def predict_proba(model: Any, X: Sequence[Any], engine: str = "eager") -> list[list[float]]:
    """Class probabilities, as scikit-learn's ``predict_proba``: one row per sample that
    sums to 1. One output: ``[1 - p, p]`` with ``p`` the output itself after a sigmoid
    output activation, else the sigmoid of the output (a logit, or a margin score).
    Several outputs: the outputs after a softmax output activation, else their softmax."""
    rows: list[list[float]] = []
    activation = getattr(model, "output_activation", None)
    for out in predict(model, X, engine):
        if isinstance(out, list):
            rows.append(list(out) if activation == "softmax" else _softmax(out))
        else:
            p = out if activation == "sigmoid" else _sigmoid(out)
            rows.append([1.0 - p, p])
    return rows


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


def _softmax(zs: list[float]) -> list[float]:
    top = max(zs)
    exps = [math.exp(z - top) for z in zs]
    total = sum(exps)
    return [e / total for e in exps]


def _to_float(out: Any) -> Any:
    if isinstance(out, Value):
        return out.data
    return [_to_float(o) for o in out]


def predict_classes(model: Any, X: Sequence[Any], engine: str = "eager", dtype: str = "float64") -> list[int]:
    """Class labels: argmax over several outputs; for one output, 1 when the output is
    above 0.5 (sigmoid output) or above 0 (a logit or a margin score)."""
    threshold = 0.5 if getattr(model, "output_activation", None) == "sigmoid" else 0.0
    labels = []
    for out in predict(model, X, engine, dtype):
        if isinstance(out, list):
            labels.append(max(range(len(out)), key=out.__getitem__))
        else:
            labels.append(int(out > threshold))
    return labels
