"""The table a compiled program runs on: rows of values, one column per sample (``V``),
their gradients (``G``), the scalars (``S``, ``GS``), how rows are addressed (a slice
when they are consecutive), and the pool of arrays kept between calls."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..ops import DomainError

Rows = slice | np.ndarray  # rows of the table: a slice (a view) when they are consecutive


class BatchDomainError(DomainError, FloatingPointError):
    """An input outside an op's domain, met by a compiled program. A ``DomainError`` as
    in the eager engine, and a ``FloatingPointError`` as compiled programs raised before."""


def _as_rows(idx: Sequence[int] | np.ndarray) -> Rows:
    """Row indices as a slice when they are consecutive and ascending (reading them is
    then a view, not a copy), else as an index array."""
    a = np.asarray(idx, dtype=np.intp).ravel()
    if len(a) and (len(a) == 1 or bool((np.diff(a) == 1).all())):
        return slice(int(a[0]), int(a[0]) + len(a))
    return a


def _row_list(rows: Rows) -> np.ndarray:
    return np.arange(rows.start, rows.stop) if isinstance(rows, slice) else rows


# -- where gradients go ------------------------------------------------------------------


class _RowGrad:
    """Where one input of a step sends its gradient: rows of ``G``.

    ``assign`` (decided when compiling, see ``_plan_backward``) means this is the first
    write to every one of these rows, so the contribution is stored, not added. A row
    that appears twice (``x * x``, or every neuron of a layer reading the same input
    through a gathered dot) needs its contributions summed first: sorted positions and
    ``np.add.reduceat`` do it without the slow ``np.add.at``.
    """

    __slots__ = ("assign", "reduce", "rows")

    def __init__(self, rows: Sequence[int] | np.ndarray) -> None:
        flat = np.asarray(rows, dtype=np.intp).ravel()
        self.assign = False
        # (order, each distinct row, where its run starts in that order), for repeats
        self.reduce: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        if len(np.unique(flat)) != len(flat):
            order = np.argsort(flat, kind="stable")
            uniq, starts = np.unique(flat[order], return_index=True)
            self.reduce = (order, uniq, starts)
        self.rows = _as_rows(flat)

    @property
    def can_assign(self) -> bool:
        """Stored with ``out=`` into a view: consecutive rows, none repeated."""
        return isinstance(self.rows, slice)

    def indices(self) -> np.ndarray:
        """Every row this target writes."""
        return _row_list(self.rows)

    def put(self, G: np.ndarray, contrib: np.ndarray) -> None:
        """Add (or store) ``contrib`` (rows, batch) into the gradient rows."""
        if self.reduce is not None:
            order, uniq, starts = self.reduce
            G[uniq] += np.add.reduceat(contrib[order], starts, axis=0)
        elif self.assign:
            G[self.rows] = contrib
        else:
            G[self.rows] += contrib

    def put_product(self, G: np.ndarray, local: Any, up: np.ndarray) -> None:
        """``put(local * up)``, straight into ``G`` when assigning (no temporary)."""
        if self.assign and self.reduce is None:
            np.multiply(local, up, out=G[self.rows])
        else:
            self.put(G, local * up)


def _scalar_sums(local: Any, up: np.ndarray) -> np.ndarray:
    """sum over the batch of ``local * up``, one number per row (``local``: a number,
    a column (k, 1), or rows (k, batch))."""
    if np.ndim(local) < 2 or np.shape(local)[1] == 1:  # the same for every sample
        return np.ravel(local) * up.sum(axis=1)
    return np.einsum("kb,kb->k", np.broadcast_to(local, up.shape), up)


def _add_to_scalars(GS: np.ndarray, slots: np.ndarray, sums: np.ndarray, unique: bool) -> None:
    if unique:
        GS[slots] += sums
    else:
        GS += np.bincount(slots, weights=np.broadcast_to(sums, slots.shape), minlength=len(GS))


# -- steps -------------------------------------------------------------------------------


class _Workspace:
    """One call's arrays: the table ``V`` (rows x batch), its gradients ``G``, the
    scalars ``S`` and their gradients ``GS``, scratch rows for temporaries (``tmp``, and
    ``mask`` for true/false ones), and a row of ones (``ones``: ``dz @ ones`` sums each
    row over the batch). The big ones come from ``_POOL`` and go back to it."""

    __slots__ = ("G", "GS", "S", "V", "mask", "ones", "tmp")

    def __init__(self, V: np.ndarray, S: np.ndarray) -> None:
        self.V, self.S = V, S
        self.G: np.ndarray = np.empty((0, 0))
        self.GS: np.ndarray = np.empty(0)
        self.tmp: np.ndarray = np.empty((0, 0))
        self.mask: np.ndarray = np.empty((0, 0), dtype=bool)
        self.ones: np.ndarray = np.empty(0)

    def scratch(self, rows: int) -> None:
        """Scratch rows for a backward pass whose widest layer has ``rows`` outputs."""
        batch = self.V.shape[1]
        self.tmp = _POOL.take((rows, batch), self.V.dtype)
        self.mask = _POOL.take((rows, batch), bool)
        self.ones = _POOL.take((batch,), self.V.dtype)
        self.ones.fill(1.0)

    def release(self) -> None:
        """Hand the big arrays back to the pool (after the outputs were copied out)."""
        _POOL.give(*(a for a in (self.V, self.G, self.tmp, self.mask, self.ones) if a.size))


class _ArrayPool:
    """Arrays kept between calls, by shape and dtype, up to ``max_bytes`` in all (least
    recently returned dropped first).

    Why: on Linux (glibc) an array of more than ~128 KB freed at the end of one call is
    handed back to the operating system, and the next call's fresh array pays a page
    fault for every 4 KB it touches. On the machine this was tuned on, that cost more
    than the arithmetic: a 20 µs matrix product whose 512 KB result was then added to
    took 0.45 ms. Reusing the table, its gradients and the scratch rows avoids it.
    Thread-safe; ``release_buffers()`` empties it.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self.free: dict[tuple[tuple[int, ...], str], list[np.ndarray]] = {}
        self.lock = threading.Lock()

    def take(self, shape: tuple[int, ...], dtype: Any = float) -> np.ndarray:
        """An array of this shape and dtype (contents undefined)."""
        key = (shape, str(np.dtype(dtype).char))
        with self.lock:
            arrays = self.free.get(key)
            if arrays:
                a = arrays.pop()
                self.bytes -= a.nbytes
                return a
        return np.empty(shape, dtype)

    def give(self, *arrays: np.ndarray) -> None:
        """Keep ``arrays`` for a later ``take``."""
        with self.lock:
            for a in arrays:
                key = (a.shape, str(a.dtype.char))
                self.free.setdefault(key, []).append(a)
                self.free[key] = self.free.pop(key)  # most recent last
                self.bytes += a.nbytes
            while self.bytes > self.max_bytes:
                key = next(iter(self.free))
                self.bytes -= self.free[key].pop(0).nbytes
                if not self.free[key]:
                    del self.free[key]

    def clear(self) -> None:
        """Drop every kept array."""
        with self.lock:
            self.free.clear()
            self.bytes = 0


#: Scratch arrays shared by every compiled program, at most 64 MiB (a 10000-sample batch of an
#: MLP(2, [64, 64, 1]) keeps ~28 MB here between steps).
_POOL = _ArrayPool(max_bytes=64 * 2**20)


def release_buffers() -> None:
    """Free the arrays compiled programs keep between calls (they are made again, at
    some cost, by the next call)."""
    _POOL.clear()
