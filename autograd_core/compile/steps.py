"""The steps of a compiled program: a group of one op run on whole rows (``_Elementwise``),
a layer ``act(W @ X + b)`` (``_Dense``), and where each step reads its inputs (``_Column``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..ops import ARRAY, RELU, SIGMOID, STOP_GRADIENT, TANH, Op
from .rows import BatchDomainError, Rows, _add_to_scalars, _as_rows, _RowGrad, _scalar_sums, _Workspace


class _Column:
    """One input position of an elementwise step: where each node's parent is (rows of
    the table, scalars, or some of each) and where its gradient goes."""

    __slots__ = ("grad", "kind", "n", "needs_grad", "row_pos", "rows", "scalar_pos", "slots", "unique")

    def __init__(self, places: list[tuple[str, int]], needs_grad: list[bool], params: int) -> None:
        self.n = len(places)
        is_row = np.array([kind == "row" for kind, _ in places])
        idx = np.array([i for _, i in places], dtype=np.intp)
        self.row_pos, self.scalar_pos = np.nonzero(is_row)[0], np.nonzero(~is_row)[0]
        self.rows = _as_rows(idx[self.row_pos])
        self.slots = idx[self.scalar_pos]
        self.unique = len(np.unique(self.slots)) == len(self.slots)
        self.kind = "rows" if is_row.all() else "scalars" if not is_row.any() else "mixed"
        self.grad = _RowGrad(idx[self.row_pos])
        # Gradients are needed for rows that depend on a parameter, and for parameters.
        self.needs_grad = any(needs_grad) or bool((self.slots < params).any())

    def read(self, ws: _Workspace) -> np.ndarray:
        """The input values: (n, batch), or (n, 1) when all are scalars."""
        if self.kind == "rows":
            return ws.V[self.rows]
        if self.kind == "scalars":
            return ws.S[self.slots][:, None]
        out = np.empty((self.n, ws.V.shape[1]), dtype=ws.V.dtype)
        out[self.row_pos] = ws.V[self.rows]
        out[self.scalar_pos] = ws.S[self.slots][:, None]
        return out

    def backprop(self, local: Any, up: np.ndarray, ws: _Workspace) -> None:
        """Send ``local * up`` to the parents: rows of ``G``, or summed into ``GS``."""
        if self.kind == "rows":
            self.grad.put_product(ws.G, local, up)
            return
        if self.kind == "scalars":
            _add_to_scalars(ws.GS, self.slots, _scalar_sums(local, up), self.unique)
            return
        contrib = np.broadcast_to(local * up, up.shape)
        _add_to_scalars(ws.GS, self.slots, contrib[self.scalar_pos].sum(axis=1), self.unique)
        self.grad.put(ws.G, contrib[self.row_pos])


class _Elementwise:
    """Nodes of one level and one op: the op's rule applied to whole rows at once."""

    __slots__ = ("columns", "needs_grad", "op", "out")

    def __init__(self, op: Op, out: slice, columns: list[_Column], needs_grad: bool) -> None:
        self.op, self.out, self.columns = op, out, columns
        # A stop-gradient passes no gradient back: its backward is skipped outright.
        self.needs_grad = needs_grad and op is not STOP_GRADIENT

    def forward(self, ws: _Workspace, keep: bool) -> Any:
        """Compute the rows; return the local derivatives when ``keep``."""
        args = [c.read(ws) for c in self.columns]
        out, local = self.op.rule(ARRAY, *args)
        if self.op.domain is not None:
            _check_domain(self.op, args, out, local)
        ws.V[self.out] = out
        return local if keep else None

    def backward(self, ws: _Workspace, saved: Any) -> None:
        """Send each input its ``local * upstream``."""
        up = ws.G[self.out]
        for local, column in zip(saved, self.columns):
            if column.needs_grad:
                column.backprop(local, up, ws)

    @property
    def name(self) -> str:
        """What error messages call this step."""
        return f"op '{self.op.display}'"

    def describe(self) -> str:
        """One line for ``Compiled.describe``."""
        k = self.out.stop - self.out.start
        return f"{self.op.display:>14} x{k:<4} -> rows {self.out.start}:{self.out.stop}"


# Activations computed in place on a dense step's rows, their slope recomputed from the
# output in backward with scratch rows (nothing kept between the passes, no temporary
# allocated). The same formulas as their rules in ops.py (relu: maximum keeps a nan a
# nan, as the rule does; its slope a > 0 is the rule's x > 0, false for a nan).
def _relu_slope(a: np.ndarray, up: np.ndarray, ws: _Workspace) -> None:
    # The slope as true/false, then one product: masked writes (copyto where=, putmask)
    # mispredict a branch per element and were 5-8x slower on a random half of zeros,
    # and a 0/1 slope in floats moves 8 bytes an element against 1 (2.3x slower for
    # 64 x 10000 rows, which do not fit the cache).
    on = np.greater(a, 0.0, out=ws.mask[: len(a)])
    np.multiply(up, on, out=up)


def _tanh_slope(a: np.ndarray, up: np.ndarray, ws: _Workspace) -> None:
    slope = np.multiply(a, a, out=ws.tmp[: len(a)])
    np.subtract(1.0, slope, out=slope)
    up *= slope


def _sigmoid_slope(a: np.ndarray, up: np.ndarray, ws: _Workspace) -> None:
    slope = np.subtract(1.0, a, out=ws.tmp[: len(a)])
    slope *= a
    up *= slope


_IN_PLACE: dict[
    Op, tuple[Callable[[np.ndarray], Any], Callable[[np.ndarray, np.ndarray, _Workspace], None]]
] = {
    RELU: (lambda z: np.maximum(z, 0.0, out=z), _relu_slope),
    TANH: (lambda z: np.tanh(z, out=z), _tanh_slope),
    SIGMOID: (lambda z: np.copyto(z, ARRAY.sigmoid(z)), _sigmoid_slope),
}


class _Dense:
    """A layer: ``out = act(W @ X + b)`` for k dot nodes with scalar weights.

    ``X`` is n rows every node reads (one matrix product), or, when the nodes read
    different rows, (k, n) rows gathered per node (one ``einsum``). ``bias`` and ``act``
    are there when each dot fed only a ``+ scalar`` and that only a unary op; those
    nodes then have no rows of their own.
    """

    __slots__ = (
        *("act", "bias", "bias_rows", "bias_unique", "needs_grad", "out", "shared"),
        *("w", "w_block", "x", "x_grad", "x_needs_grad"),
    )

    def __init__(
        self, out: slice, w: np.ndarray, x: np.ndarray, bias: np.ndarray | None, act: Op | None
    ) -> None:
        self.out, self.w, self.bias, self.act = out, w, bias, act
        self.bias_unique = bias is not None and len(np.unique(bias)) == len(bias)
        # the biases' scalars as a slice (a view, no copy) when they are consecutive
        self.bias_rows = _as_rows(bias) if bias is not None else None
        self.shared = x.ndim == 1
        self.x: Rows | np.ndarray = _as_rows(x) if self.shared else x
        # The weights as one block of the scalar vector (a reshaped view) when they are.
        flat = _as_rows(w)
        self.w_block = flat if isinstance(flat, slice) else None
        self.x_grad = _RowGrad(x)
        self.needs_grad = self.x_needs_grad = True

    @property
    def width(self) -> int:
        """Rows of scratch space the backward pass needs."""
        return self.out.stop - self.out.start

    def weights(self, S: np.ndarray) -> np.ndarray:
        """W, (k, n)."""
        return S[self.w_block].reshape(self.w.shape) if self.w_block is not None else S[self.w]

    def forward(self, ws: _Workspace, keep: bool) -> Any:
        """out = act(W @ X + b), written straight into the table's rows."""
        W, X, z = self.weights(ws.S), ws.V[self.x], ws.V[self.out]
        if self.shared:
            np.matmul(W, X, out=z)
        else:
            np.einsum("kn,knb->kb", W, X, out=z)
        if self.bias_rows is not None:
            z += ws.S[self.bias_rows][:, None]
        if self.act is None:
            return None
        if self.act in _IN_PLACE:
            _IN_PLACE[self.act][0](z)
            return None
        out, (slope,) = self.act.rule(ARRAY, z)
        z[...] = out
        return slope if keep else None

    def backward(self, ws: _Workspace, saved: Any) -> None:
        """dz = up * act'; dW = dz @ X.T; db = sum of dz; dX = W.T @ dz."""
        dz = ws.G[self.out]  # updated in place: nothing reads this step's gradient rows again
        if self.act in _IN_PLACE:
            _IN_PLACE[self.act][1](ws.V[self.out], dz, ws)
        elif self.act is not None:
            dz *= saved
        W, X = self.weights(ws.S), ws.V[self.x]
        dW = dz @ X.T if self.shared else np.einsum("kb,knb->kn", dz, X)
        if self.w_block is not None:
            ws.GS[self.w_block] += dW.ravel()
        else:
            _add_to_scalars(ws.GS, self.w.ravel(), dW.ravel(), unique=False)
        if self.bias is not None:  # a product with ones: 3-4x faster than dz.sum(axis=1)
            if isinstance(self.bias_rows, slice):
                ws.GS[self.bias_rows] += dz @ ws.ones
            else:
                _add_to_scalars(ws.GS, self.bias, dz @ ws.ones, self.bias_unique)
        if not self.x_needs_grad:
            return
        if self.shared and self.x_grad.assign and len(W) == 1:  # an outer product: a BLAS
            np.multiply(W.T, dz, out=ws.G[self.x_grad.rows])  # product with k=1 was 6x slower
        elif self.shared and self.x_grad.assign:
            np.matmul(W.T, dz, out=ws.G[self.x_grad.rows])
        elif self.shared:
            self.x_grad.put(ws.G, W.T @ dz)
        else:  # each node's own inputs: (k, n, batch) contributions, summed per row
            self.x_grad.put(ws.G, (W[:, :, None] * dz[:, None, :]).reshape(-1, dz.shape[1]))

    @property
    def name(self) -> str:
        """What error messages call this step."""
        return f"layer '{self.describe().split(' ->')[0].strip()}' (dot, + and activation)"

    def describe(self) -> str:
        """One line for ``Compiled.describe``."""
        k, n = self.w.shape
        what = f"dense {k}x{n}" + (" +b" if self.bias is not None else "")
        what += f" {self.act.display}" if self.act is not None else ""
        if isinstance(self.x, slice):
            source = f"rows {self.x.start}:{self.x.stop}"
        else:  # gathered: a copy of rows that are not one block (or not the same for every node)
            source = f"rows {self.x.tolist()}" if self.shared else "each node's own rows"
        return f"{what:>22} -> rows {self.out.start}:{self.out.stop} (reads {source})"


def _check_domain(op: Op, args: list[np.ndarray], out: Any, local: Sequence[Any]) -> None:
    """Raise ``BatchDomainError`` if a sample's inputs are outside ``op``'s domain.

    Vectorised: every input outside a domain of the table's ops gives a nan or inf output
    or local derivative (log, sqrt, division, powers), so only those entries are looked
    at, and the op's own check (``Op.domain``, the eager engine's) decides, on the first
    of them in sample order that fails it. An overflow (exp of 1000) is no domain error."""
    bad = ~np.isfinite(out)
    for d in local:
        if isinstance(d, np.ndarray):
            bad = bad | ~np.isfinite(d)
    if not bad.any():
        return
    rows, samples = np.nonzero(bad)
    for k in np.lexsort((rows, samples)):
        r, s = int(rows[k]), int(samples[k])
        values = [float(a[r if a.shape[0] > 1 else 0, s if a.shape[1] > 1 else 0]) for a in args]
        message = op.domain(*values) if op.domain is not None else None
        if message is not None:
            raise BatchDomainError(f"op '{op.display}': {message} (sample {s} of the batch)")


# -- compiling: from the traced graph to steps ---------------------------------------------
