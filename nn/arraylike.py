"""Array-likes in, as scikit-learn takes them: lists, tuples, NumPy arrays and pandas
``DataFrame``/``Series`` all become plain Python lists (rows of a 2-D array as lists)."""

from __future__ import annotations

from typing import Any


def to_list(data: Any, what: str = "data") -> list[Any]:
    """``data`` as a plain list; a clear ``TypeError`` for a string or a scalar."""
    if hasattr(data, "to_numpy"):  # pandas: the values, not the column names
        data = data.to_numpy()
    if hasattr(data, "tolist"):
        out = data.tolist()
        if not isinstance(out, list):
            raise TypeError(f"{what} must be a sequence of samples, got the single value {out!r:.40}")
        return out
    if isinstance(data, (str, bytes)) or not hasattr(data, "__iter__"):
        raise TypeError(
            f"{what} must be a sequence of samples (a list or an array), got {type(data).__name__}"
        )
    return list(data)
