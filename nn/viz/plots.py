"""Plots (matplotlib): loss curves from a ``History``, a 2-D decision boundary, and the
gradient flow (mean |grad| per layer over training) that makes vanishing gradients
visible. As pandas' and seaborn's plots do, each draws into ``ax=`` (a new figure when
not given), returns the matplotlib ``Axes``, and leaves the backend alone: in Jupyter
the figure shows once, in a script it shows with ``plt.show()``; ``path=`` also saves it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from autograd_core import TracingError

from ..module import Module
from ..training import History, predict


def pyplot() -> Any:
    """``matplotlib.pyplot``, or an ImportError that names the extra to install."""
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError("plots need matplotlib: pip install 'chainrule[viz]'") from None
    return plt


def new_axes(ax: Any, figsize: tuple[float, float]) -> Any:
    """``ax`` itself, or the axes of a new pyplot figure of ``figsize`` inches."""
    if ax is not None:
        return ax
    _, ax = pyplot().subplots(figsize=figsize)
    return ax


def finish(ax: Any, path: str | Path | None) -> Any:
    """Lay out the figure of ``ax``, save it to ``path`` when given, and return ``ax``."""
    fig = ax.figure
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=110)
    return ax


def plot_history(history: History, path: str | Path | None = None, log: bool = False, ax: Any = None) -> Any:
    """Training (and validation) loss per epoch; ``log`` for a log-scale y axis."""
    if not isinstance(history, History) or not len(history):
        raise ValueError("plot_history needs a History with at least one epoch")
    ax = new_axes(ax, (6, 3.6))
    ax.plot(history["epoch"], history["loss"], label="training loss")
    if "val_loss" in history.columns:
        ax.plot(history["epoch"], history["val_loss"], label="validation loss")
    if history.best_epoch is not None:
        ax.axvline(history.best_epoch, color="gray", linestyle="--", label=f"best epoch {history.best_epoch}")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    if log:
        ax.set_yscale("log")
    ax.legend()
    ax.grid(alpha=0.3)
    return finish(ax, path)


def plot_decision_boundary(
    model: Module,
    X: Sequence[Sequence[float]],
    y: Sequence[int],
    path: str | Path | None = None,
    steps: int = 150,
    ax: Any = None,
) -> Any:
    """The classes ``model`` predicts over the plane, with the data on top (2-D inputs)."""
    pts = np.asarray(X, dtype=float)
    if pts.ndim != 2 or pts.shape[1] != 2:
        raise ValueError(f"a decision boundary needs 2-D inputs, got shape {pts.shape}")
    pad = 0.25 * (pts.max(axis=0) - pts.min(axis=0)) + 1e-9
    lo, hi = pts.min(axis=0) - pad, pts.max(axis=0) + pad
    xs, ys = np.linspace(lo[0], hi[0], steps), np.linspace(lo[1], hi[1], steps)
    grid = [[a, b] for b in ys for a in xs]
    try:  # the whole grid as one NumPy program; eager if the model cannot be traced
        outs = predict(model, grid, engine="compiled")
    except TracingError:
        outs = predict(model, grid)
    if isinstance(outs[0], list):
        z = np.array([int(np.argmax(o)) for o in outs], dtype=float)
    else:
        z = np.array(outs, dtype=float)
        z = (z > (0.5 if getattr(model, "output_activation", None) == "sigmoid" else 0.0)).astype(float)
    ax = new_axes(ax, (5, 4.2))
    ax.contourf(xs, ys, z.reshape(steps, steps), alpha=0.35, cmap="coolwarm", levels=len(set(y)) + 1)
    ax.scatter(pts[:, 0], pts[:, 1], c=list(y), cmap="coolwarm", edgecolors="k", s=18)
    ax.set_title("decision boundary")
    ax.set_xlabel("x0")
    ax.set_ylabel("x1")
    return finish(ax, path)


def plot_gradient_flow(history: History, path: str | Path | None = None, ax: Any = None) -> Any:
    """Mean |grad| of each layer's weights per epoch, on a log scale (needs
    ``fit(..., track_gradients=True)``). Layers whose curve sits decades below the
    others learn that much more slowly: the vanishing-gradient problem."""
    flow = history.grad_flow
    if not flow:
        raise ValueError("no gradient records: train with fit(..., track_gradients=True)")
    arr = np.asarray(flow, dtype=float)
    ax = new_axes(ax, (6, 3.6))
    for k in range(arr.shape[1]):
        ax.plot(range(1, len(arr) + 1), arr[:, k], label=f"layer {k + 1}")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean |grad| of weights")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, which="both")
    return finish(ax, path)
