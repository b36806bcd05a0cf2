"""The experiment registry, the ``Table`` every experiment returns, and shared helpers."""

from __future__ import annotations

import csv
import textwrap
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..metrics import accuracy
from ..module import MLP, Module
from ..training import predict_classes


@dataclass
class Table:
    """An experiment's result: a title, column names, rows, and a note on reading it."""

    name: str
    title: str
    columns: list[str]
    rows: list[list[Any]]
    note: str = ""
    plot: tuple[str, list[str]] | None = None  # (x column, y columns) for --plot
    log_y: bool = False  # plot on a log scale (gradients spanning decades)
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def column(self, name: str) -> list[Any]:
        """The values of one column."""
        k = self.columns.index(name)
        return [r[k] for r in self.rows]

    def markdown(self) -> str:
        """The table in markdown, with its title and note."""
        lines = [f"### {self.title}", "", "| " + " | ".join(_escape(c) for c in self.columns) + " |"]
        lines.append("|" + "|".join("---" for _ in self.columns) + "|")
        lines += ["| " + " | ".join(_cell(v) for v in r) + " |" for r in self.rows]
        if self.note:
            lines += ["", self.note]
        lines.append(f"\n({self.seconds:.1f} s; seeded, so a rerun prints the same numbers up to timings)")
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        """In Jupyter a table shows rendered, as its markdown."""
        return self.markdown()

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """IPython's plain-text view: the markdown source, not the dataclass fields."""
        printer.text(self.markdown())

    def save_csv(self, path: str | Path) -> Path:
        """Write the table as CSV."""
        p = Path(path)
        with p.open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(self.columns)
            w.writerows(self.rows)
        return p

    def save_plot(self, path: str | Path) -> Path:
        """A chart of the table (line for numeric x, bars otherwise), as PNG."""
        from ..viz.plots import finish, pyplot

        plt = pyplot()
        x_col, y_cols = self.plot or (
            self.columns[0],
            [c for c in self.columns[1:] if _numeric(self.column(c))],
        )
        xs = self.column(x_col)
        fig, ax = plt.subplots(figsize=(6, 3.6))
        numeric_x = _numeric(xs)
        for i, c in enumerate(y_cols):
            ys = [float(v) if v is not None else float("nan") for v in self.column(c)]
            if numeric_x:
                ax.plot(xs, ys, marker="o", label=c)
            else:
                width = 0.8 / len(y_cols)
                ax.bar([k + i * width for k in range(len(xs))], ys, width=width, label=c)
        if not numeric_x:
            ax.set_xticks([k + 0.4 - 0.4 / len(y_cols) for k in range(len(xs))], [str(v) for v in xs])
        ax.set_xlabel(x_col)
        if self.log_y:
            ax.set_yscale("log")
        ax.set_title(textwrap.fill(self.title, 70), fontsize=9)
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
        finish(ax, path)
        plt.close(fig)
        return Path(path)


def _numeric(values: Sequence[Any]) -> bool:
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)


def _escape(text: str) -> str:
    """A ``|`` inside a cell would end the cell: escape it."""
    return text.replace("|", "\\|")


def _cell(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        if v != 0 and (abs(v) < 1e-3 or abs(v) >= 1e5):
            return f"{v:.2e}"
        return f"{v:.4g}"
    return _escape(str(v))


Experiment = Callable[[bool], Table]
EXPERIMENTS: dict[str, tuple[str, Experiment]] = {}


def experiment(name: str, summary: str) -> Callable[[Experiment], Experiment]:
    """Register an experiment under ``name`` (``summary``: one line for ``--list``)."""

    def register(fn: Experiment) -> Experiment:
        EXPERIMENTS[name] = (summary, fn)
        return fn

    return register


def run(name: str, quick: bool = False) -> Table:
    """Run one experiment and return its table (timed)."""
    if name not in EXPERIMENTS:
        raise ValueError(f"unknown experiment {name!r}; --list shows: {', '.join(EXPERIMENTS)}")
    start = time.perf_counter()
    table = EXPERIMENTS[name][1](quick)
    table.seconds = time.perf_counter() - start
    return table


def best_row(rows: Sequence[Sequence[Any]], col: int, lowest: bool = False) -> str:
    """The first cell of the row with the highest (or lowest) number in column ``col``;
    rows with no number there are skipped."""
    scored = [r for r in rows if isinstance(r[col], (int, float))]
    pick = min if lowest else max
    return str(pick(scored, key=lambda r: float(r[col]))[0])


def acc(model: Module, X: Sequence[Any], y: Sequence[int]) -> float:
    """Accuracy of ``model`` on ``(X, y)`` (compiled forward pass)."""
    return accuracy(y, predict_classes(model, X, engine="compiled"))


def first_epoch(values: Sequence[float], ok: Callable[[float], bool]) -> int | None:
    """The first epoch (1-based) whose value satisfies ``ok``; None if none does."""
    return next((i + 1 for i, v in enumerate(values) if ok(v)), None)


def mlp(nin: int, sizes: list[int], **kw: Any) -> MLP:
    """An MLP with seed 0 unless told otherwise."""
    kw.setdefault("seed", 0)
    return MLP(nin, sizes, **kw)
