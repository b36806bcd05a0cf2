"""Predictions: the model's outputs as plain numbers, and class labels."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from autograd_core import Value, no_grad

from ..arraylike import to_list
from .compiled import forward_programs
from .engines import check_engine


def predict(model: Any, X: Sequence[Any], engine: str = "eager") -> list[Any]:
    """The model's outputs as plain floats (lists of floats for several outputs), in
    eval mode and without recording a graph. ``engine="compiled"`` runs the whole batch
    as one NumPy program (much faster for many samples). ``X``: any array-like."""
    check_engine(engine)
    X = to_list(X, "X")
    was_training = model.training
    model.eval()
    try:
        if engine == "compiled":
            return forward_programs(model).predict(X)
        with no_grad():
            return [_to_float(model(x)) for x in X]
    finally:
        model.train(was_training)


def _to_float(out: Any) -> Any:
    if isinstance(out, Value):
        return out.data
    return [_to_float(o) for o in out]


def predict_classes(model: Any, X: Sequence[Any], engine: str = "eager") -> list[int]:
    """Class labels: argmax over several outputs; for one output, 1 when the output is
    above 0.5 (sigmoid output) or above 0 (a logit or a margin score)."""
    threshold = 0.5 if getattr(model, "output_activation", None) == "sigmoid" else 0.0
    labels = []
    for out in predict(model, X, engine):
        if isinstance(out, list):
            labels.append(max(range(len(out)), key=out.__getitem__))
        else:
            labels.append(int(out > threshold))
    return labels
