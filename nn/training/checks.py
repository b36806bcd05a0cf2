"""What ``fit`` checks before the first step, so bad input fails at once with a message
naming the sample, not after the parameters have changed.

Array-likes are welcome as in scikit-learn: lists, tuples, NumPy arrays, pandas
``DataFrame``/``Series`` (anything with ``to_numpy()`` or ``tolist()``).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..arraylike import to_list

CLASSIFICATION = {"bce", "binary_cross_entropy", "cross_entropy", "hinge"}
BINARY = {"bce", "binary_cross_entropy"}


def n_outputs(model: Any) -> int | None:
    """How many outputs the model gives per sample (``None`` if unknown)."""
    if hasattr(model, "nouts"):
        return int(model.nouts[-1])
    if hasattr(model, "nout"):
        return int(model.nout)
    return None


def _number(v: Any) -> float | None:
    """``v`` as a float if it is a real number (NumPy scalars too), else ``None``."""
    if isinstance(v, numbers.Real) or (type(v).__module__ == "numpy" and getattr(v, "shape", None) == ()):
        try:
            return float(v)
        except OverflowError:
            return math.inf
        except (TypeError, ValueError):
            return None
    return None


def _check_features(x: Any, i: int, what: str) -> None:
    """Every number in sample ``i`` (nested lists for sequences) is real and finite."""
    stack = [x]
    while stack:
        v = stack.pop()
        if isinstance(v, (list, tuple)):
            stack.extend(v)
            continue
        if hasattr(v, "data") and hasattr(v, "grad"):  # a Value fed in directly
            v = v.data
        f = _number(v)
        if f is None:
            raise ValueError(f"{what}: sample {i} holds {v!r:.40} ({type(v).__name__}), not a number")
        if not math.isfinite(f):
            raise ValueError(f"{what}: sample {i} contains {v!r:.40} (NaN or inf, or too large for a float)")


def _check_labels(model: Any, y: Sequence[Any], loss_name: str, what: str) -> None:
    k = n_outputs(model)
    binary = loss_name in BINARY or k == 1
    limit = 2 if binary else (k or 0)
    allowed = "0 or 1" if binary else f"0..{limit - 1} (the model has {k} outputs)"
    for i, t in enumerate(y):
        f = None if isinstance(t, bool) else _number(t)
        if f is None or not math.isfinite(f) or f != int(f) or not 0 <= f < limit:
            raise ValueError(f"{what}: label {t!r:.40} of sample {i} is outside the classes {allowed}")
    if loss_name == "cross_entropy" and (k or 0) < 2:
        raise ValueError(f"cross_entropy needs a model with >= 2 outputs, this one has {k}")


def _check_targets(y: Sequence[Any], what: str) -> None:
    for i, t in enumerate(y):
        vals = t if isinstance(t, (list, tuple)) else [t]
        numbers_ = [_number(v) for v in vals]
        if not all(f is not None and math.isfinite(f) for f in numbers_):
            raise ValueError(f"{what}: target of sample {i} is not a finite number: {t!r:.60}")


def shape_labels(model: Any, y: list[Any], loss_name: str | None, what: str) -> list[Any]:
    """Labels as ``fit`` takes them: a column ``(n, 1)`` becomes ``(n,)`` (as scikit-learn
    ravels it), and one-hot rows for ``cross_entropy`` become class indices; other rows
    with ``cross_entropy`` are refused with what to pass."""
    if y and all(isinstance(t, (list, tuple)) and len(t) == 1 for t in y):
        return [t[0] for t in y]
    if loss_name == "cross_entropy" and y and all(isinstance(t, (list, tuple)) for t in y):
        indices = []
        for i, t in enumerate(y):
            ones = [j for j, v in enumerate(t) if _number(v) == 1.0]
            if len(ones) != 1 or any(_number(v) != 0.0 for j, v in enumerate(t) if j != ones[0]):
                raise ValueError(
                    f"{what}: cross_entropy takes class indices (0..k-1) or one-hot rows; row {i} "
                    f"({list(t)!r:.60}) is neither"
                )
            indices.append(ones[0])
        return indices
    return y


def array_table(samples: Any) -> np.ndarray | None:
    """Samples given as a 2-D NumPy array of numbers (or a DataFrame of them), as a
    float64 copy whose rows are the samples: read without a round trip through lists
    (``tolist`` and back took 32 and 21 ms for 10000 x 64). ``None`` for anything else,
    which goes through ``to_list`` and ``numeric_table``."""
    if hasattr(samples, "to_numpy"):  # pandas: the values, not the column names
        samples = samples.to_numpy()
    if not isinstance(samples, np.ndarray) or samples.ndim != 2 or not len(samples):
        return None
    if samples.dtype.kind not in "biuf":
        return None
    return np.array(samples, dtype=float)  # a copy: later changes to the caller's array do not reach it


def read_data(
    model: Any, X: Any, y: Any, loss_name: str | None, what: str, names: tuple[str, str] = ("X", "y")
) -> tuple[Any, list[Any], np.ndarray | None, np.ndarray | None]:
    """``(samples, labels, table, targets)``: X and y read once and checked (a
    ``ValueError`` naming the first bad sample or label). ``table`` and ``targets`` are
    the numbers as arrays when the samples are flat rows of numbers (``None`` else);
    ``samples`` is then the table itself if X was an array, else X as a list."""
    table = array_table(X)
    samples: Any = table if table is not None else to_list(X, names[0])
    labels = shape_labels(model, to_list(y, names[1]), loss_name, what)
    if table is None:
        table = numeric_table(samples)
    targets = numeric_table(labels) if table is not None else None
    check_data(model, samples, labels, loss_name, what, table, targets)
    return samples, labels, table, targets


def numeric_table(samples: Sequence[Any]) -> np.ndarray | None:
    """The samples as one float array, when every sample is a number or a flat list of
    numbers of one length (an MLP's data): read in one go, and checked in one go by
    ``check_data``. ``None`` for anything else (sequences, strings, Values, ...), which is
    checked sample by sample."""
    if not len(samples):
        return None
    nested = isinstance(samples[0], (list, tuple))
    try:
        # NumPy finds the shape and the element type itself (in C): a string, a Value,
        # a ragged or deeper nesting shows in the dtype or the shape, or raises.
        table = np.array(samples)
    except (ValueError, TypeError, OverflowError):
        return None
    if table.dtype.kind not in "biuf" or table.ndim != (2 if nested else 1):
        return None
    return table.astype(float, copy=False).reshape(len(samples), -1)


def _check_table(model: Any, X: Sequence[Any], table: np.ndarray, what: str) -> None:
    """``check_data``'s per-sample checks, for samples read into ``table``: the model
    takes one sample of this width (then it takes all), and every number is finite."""
    try:
        model.check_input(X[0])
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{what}: sample 0: {exc}") from None
    bad = ~np.isfinite(table)
    if bad.any():
        i, j = np.argwhere(bad)[0].tolist()
        v = float(table[i, j])
        raise ValueError(f"{what}: sample {i} contains {v!r:.40} (NaN or inf, or too large for a float)")


def check_data(
    model: Any,
    X: Sequence[Any],
    y: Sequence[Any],
    loss_name: str | None,
    what: str,
    table: np.ndarray | None = None,
    targets: np.ndarray | None = None,
) -> None:
    """Raise ``ValueError`` naming the first bad sample, label or size mismatch
    (``table``, ``targets``: the samples and targets as ``numeric_table`` read them,
    checked in one go)."""
    if len(X) == 0:
        raise ValueError(f"{what} is empty: fit needs at least one sample")
    if len(X) != len(y):
        raise ValueError(f"{what}: X has {len(X)} samples but y has {len(y)} labels")
    if table is not None:
        _check_table(model, X, table, what)
        if not (loss_name == "mse" and targets is not None and np.isfinite(targets).all()):
            _check_targets_or_labels(model, y, loss_name, what)
        return
    for i, x in enumerate(X):
        try:
            model.check_input(x)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"{what}: sample {i}: {exc}") from None
        _check_features(x, i, what)
    _check_targets_or_labels(model, y, loss_name, what)


def _check_targets_or_labels(model: Any, y: Sequence[Any], loss_name: str | None, what: str) -> None:
    if loss_name in CLASSIFICATION:
        _check_labels(model, y, loss_name, what)
    elif loss_name == "mse":
        _check_targets(y, what)


def class_weights(y: Sequence[Any], class_weight: Any) -> dict[int, float] | None:
    """Per-class weights: ``"balanced"`` (scikit-learn's n_samples / (n_classes *
    count(c))), a ``{label: weight}`` dict, or ``None``."""
    if class_weight is None:
        return None
    if isinstance(class_weight, str) and class_weight == "balanced":
        counts: dict[int, int] = {}
        for t in y:
            counts[int(t)] = counts.get(int(t), 0) + 1
        return {c: len(y) / (len(counts) * n) for c, n in counts.items()}
    if isinstance(class_weight, dict):
        classes = {int(t) for t in y}
        unknown = [
            k for k in class_weight if isinstance(k, bool) or _number(k) is None or int(k) not in classes
        ]
        if unknown:
            raise ValueError(
                f"class_weight names {unknown!r:.60}, which {'is' if len(unknown) == 1 else 'are'} not a "
                f"class of the training labels {sorted(classes)}"
            )
        weights = {int(k): float(v) for k, v in class_weight.items()}
        if not all(math.isfinite(w) and w >= 0 for w in weights.values()):
            raise ValueError(f"class weights must be finite numbers >= 0, got {class_weight!r}")
        return weights
    raise ValueError(f"class_weight must be None, 'balanced' or a dict, got {class_weight!r}")


def check_count(name: str, value: Any, allow_none: bool = False) -> None:
    """``value`` is an integer >= 1 (``None`` too when ``allow_none``); bools are not."""
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        extra = "None or " if allow_none else ""
        raise ValueError(f"{name} must be {extra}an integer >= 1, got {value!r}")


def check_strength(name: str, value: Any) -> float:
    """A penalty strength: a finite number >= 0."""
    f = None if isinstance(value, bool) else _number(value)
    if f is None or not math.isfinite(f) or f < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return f
