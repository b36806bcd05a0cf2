"""``History``: what ``fit`` measured each epoch (loss, validation loss, metrics,
learning rate, seconds), printable as a table and convertible to plain dicts."""

from __future__ import annotations

from typing import Any


class History:
    """Per-epoch records of a training run.

    ``history["loss"]`` is the column of training losses; ``rows`` the records;
    ``best_epoch`` the epoch early stopping kept; ``stopped_early`` and ``diverged`` say
    how training ended.
    """

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        #: per epoch, mean |grad| of each layer's weights (``fit(track_gradients=True)``)
        self.grad_flow: list[list[float]] = []
        self.best_epoch: int | None = None
        self.stopped_early = False
        self.diverged = False
        #: what the divergence was, in words ("the loss passed 1e10 at epoch 7")
        self.divergence = ""

    def append(self, row: dict[str, Any]) -> None:
        """Record one epoch."""
        self.rows.append(row)

    @property
    def columns(self) -> list[str]:
        """Every key any epoch recorded, in first-seen order."""
        cols: list[str] = []
        for r in self.rows:
            cols += [k for k in r if k not in cols]
        return cols

    def __getitem__(self, key: str) -> list[Any]:
        if key not in self.columns:
            raise KeyError(f"no column {key!r}; History has {self.columns}")
        return [r.get(key) for r in self.rows]

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def history(self) -> dict[str, list[Any]]:
        """The columns as a dict, as Keras's ``History.history``: ``hist.history["loss"]``."""
        return {c: self[c] for c in self.columns}

    @property
    def total_seconds(self) -> float:
        """Wall time of all epochs."""
        return sum(r.get("seconds", 0.0) for r in self.rows)

    def to_dict(self) -> dict[str, Any]:
        """Plain columns (``{"epoch": [...], "loss": [...], ...}``) and the end state."""
        out: dict[str, Any] = {c: self[c] for c in self.columns}
        out["best_epoch"] = self.best_epoch
        out["stopped_early"] = self.stopped_early
        out["diverged"] = self.diverged
        if self.grad_flow:
            out["grad_flow"] = [list(r) for r in self.grad_flow]
        return out

    def table(self, every: int | None = None, max_rows: int = 20) -> str:
        """A markdown table of the epochs; long runs show every k-th epoch (and the last).
        It is text (``print`` shows the markdown), and in a notebook it shows as a table."""
        if not self.rows:
            return Table("(no epochs)")
        n = len(self.rows)
        step = every or max(1, -(-n // max_rows))
        picked = [r for i, r in enumerate(self.rows) if i % step == 0 or i == n - 1]
        cols = self.columns
        lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
        for r in picked:
            lines.append("| " + " | ".join(_cell(r.get(c)) for c in cols) + " |")
        if self.stopped_early:
            lines.append(f"\nstopped early; restored the weights of epoch {self.best_epoch}")
        if self.diverged:
            lines.append(f"\ntraining diverged: {self.divergence or 'the loss became nan or inf'}")
        return Table("\n".join(lines))

    def __str__(self) -> str:
        return self.table()

    def __repr__(self) -> str:
        last = self.rows[-1] if self.rows else {}
        return f"History({len(self.rows)} epochs, last loss {last.get('loss', float('nan')):.4g})"

    def _repr_markdown_(self) -> str:
        return self.table()


class Table(str):
    """Markdown text that a notebook shows as a table (``print`` shows the text)."""

    def _repr_markdown_(self) -> str:
        return str(self)


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)
