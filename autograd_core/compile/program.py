"""``compile``: trace a scalar function once, then run it over a whole NumPy batch.

Training evaluates the same scalar graph for every sample. ``compile(fn, example)``
calls ``fn`` on placeholder inputs, keeps the graph, and turns it into a program over
a *table*: one row per graph node, one column per sample (``V``; the batch is the last
axis, so the rows of one node are contiguous). Parameters and constants live in one
vector of scalars ``S``, the parameters first.

* every node gets a *level* (leaves 0, else 1 + the deepest parent); nodes of one level
  and one op form a *group* that runs as ONE vectorised step: the op's rule (the same
  rule the eager engine uses, read with the ARRAY namespace) applied to whole rows;
* a group of ``dot`` nodes whose weights are scalars is a layer: ONE matrix product
  ``W @ X``. When each of its outputs feeds only a ``+ bias`` and that feeds only an
  activation (``act(w·x + b)``, a neuron), the three run as one *dense* step on the same
  rows; backward is then ``dz = up * act'``, ``dW = dz @ X.T``, ``db = sum(dz)``,
  ``dX = W.T @ dz``, as one would write it by hand;
* rows are laid out step by step, each step's outputs contiguous and in the order its
  consumers read them, so a step reads its inputs and writes its outputs through
  slices (views, no copies) wherever the graph allows;
* backward walks the steps in reverse, putting ``local * upstream`` into the parents'
  gradient rows (``G``, the same shape as ``V``). Which rows a step is the first to
  write is worked out once, when compiling: those are assigned, not added (no zeroing,
  no temporary). Parameters are the same for every sample, so their gradients are
  summed over the batch and land in one small vector.

Leaves that existed before tracing (a model's parameters) are read fresh at every call;
leaves made while tracing (constants) are baked in. Like ``jax.jit``, only what the graph
records is compiled; what would freeze a number silently is refused (see ``trace``).
An input outside an op's domain raises ``DomainError`` naming the op and the sample, as
the eager engine does.
"""

from __future__ import annotations

import math
import numbers
import threading
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..backward import gradients
from ..modes import TracingError, gc_paused
from ..ops import ADD, ARRAY, DOT, RELU, SIGMOID, STOP_GRADIENT, TANH, DomainError, Op
from ..parameters import ParameterSlots
from ..value import Value
from .trace import Trace, changed_constants, nudged, trace_twice

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
    scalars ``S`` and their gradients ``GS``, and scratch rows for temporaries
    (``tmp``). The big ones come from ``_POOL`` and go back to it."""

    __slots__ = ("G", "GS", "S", "V", "tmp")

    def __init__(self, V: np.ndarray, S: np.ndarray) -> None:
        self.V, self.S = V, S
        self.G: np.ndarray = np.empty((0, 0))
        self.GS: np.ndarray = np.empty(0)
        self.tmp: np.ndarray = np.empty((0, 0))

    def release(self) -> None:
        """Hand the big arrays back to the pool (after the outputs were copied out)."""
        _POOL.give(*(a for a in (self.V, self.G, self.tmp) if a.size))


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
    # The 0/1 slope as floats, then one product: masked writes (copyto where=, putmask)
    # mispredict a branch per element and were 5-8x slower on a random half of zeros.
    on = np.greater(a, 0.0, out=ws.tmp[: len(a)], casting="unsafe")
    up *= on


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
        *("act", "bias", "bias_unique", "needs_grad", "out", "shared"),
        *("w", "w_block", "x", "x_grad", "x_needs_grad"),
    )

    def __init__(
        self, out: slice, w: np.ndarray, x: np.ndarray, bias: np.ndarray | None, act: Op | None
    ) -> None:
        self.out, self.w, self.bias, self.act = out, w, bias, act
        self.bias_unique = bias is not None and len(np.unique(bias)) == len(bias)
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
        if self.bias is not None:
            z += ws.S[self.bias][:, None]
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
        if self.bias is not None:
            _add_to_scalars(ws.GS, self.bias, dz.sum(axis=1), self.bias_unique)
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


class _Graph:
    """What planning needs to know of a trace: levels, consumers, outputs, and which
    nodes need a gradient (those that depend on a parameter, except through a
    stop-gradient)."""

    def __init__(self, tr: Trace) -> None:
        self.order = tr.order if len(tr.outs) == 1 else tr.order[:-1]  # without the joining node
        self.inputs, self.outs, self.start = tr.inputs, tr.outs, tr.start
        self.input_pos = {id(v): i for i, v in enumerate(tr.inputs)}
        self.outputs = {id(o) for o in tr.outs}
        self.level: dict[int, int] = {}
        self.consumers: dict[int, list[Value]] = defaultdict(list)
        self.needs_grad: dict[int, bool] = {}
        for n in self.order:
            if n.is_leaf:
                self.level[id(n)] = 0
                self.needs_grad[id(n)] = self.kind(n) == "param"
                continue
            self.level[id(n)] = 1 + max(self.level[id(p)] for p in n.parents)
            for p in n.parents:
                self.consumers[id(p)].append(n)
            flows = n.op_entry is not STOP_GRADIENT
            self.needs_grad[id(n)] = flows and any(self.needs_grad[id(p)] for p in n.parents)

    def kind(self, n: Value) -> str:
        """ "input", "param" (made before tracing: read fresh), "const", or "node"."""
        if id(n) in self.input_pos:
            return "input"
        if not n.is_leaf:
            return "node"
        return "param" if n.stamp < self.start else "const"

    def is_scalar(self, n: Value) -> bool:
        """A parameter or a constant: one number for every sample."""
        return self.kind(n) in ("param", "const")

    def only_consumer(self, n: Value) -> Value | None:
        """The single node that reads ``n`` once, if that is its only use."""
        users = self.consumers[id(n)]
        return users[0] if len(users) == 1 and id(n) not in self.outputs else None


class _DensePlan:
    """Dot nodes with scalar weights, and what fuses into them: a ``+ scalar`` after
    each, then one unary op after each (the same for all), when nothing else reads the
    intermediate values."""

    def __init__(self, dots: list[Value], graph: _Graph) -> None:
        n = len(dots[0].parents) // 2
        self.weights = [d.parents[:n] for d in dots]
        self.inputs = [d.parents[n:] for d in dots]
        self.bias: list[Value] | None = None
        self.act: Op | None = None
        self.absorbed: set[int] = set()
        self.finals = dots
        adds = [graph.only_consumer(d) for d in dots]
        biases = [_bias_of(a, d, graph) for a, d in zip(adds, dots)]
        if all(b is not None for b in biases):
            self.bias = [b for b in biases if b is not None]
            self.finals = [a for a in adds if a is not None]
            self.absorbed |= {id(a) for a in self.finals}
        acts = [graph.only_consumer(f) for f in self.finals]
        op = acts[0].op_entry if acts[0] is not None else None
        fusable = op is not None and op.domain is None and op is not STOP_GRADIENT  # no check to make
        if fusable and all(a is not None and a.op_entry is op and len(a.parents) == 1 for a in acts):
            self.act = op
            self.finals = [a for a in acts if a is not None]
            self.absorbed |= {id(a) for a in self.finals}


def _bias_of(add: Value | None, dot: Value, graph: _Graph) -> Value | None:
    """The scalar ``b`` when ``add`` is ``dot + b`` or ``b + dot``."""
    if add is None or add.op_entry is not ADD:
        return None
    a, b = add.parents
    if a is dot and graph.is_scalar(b):
        return b
    if b is dot and graph.is_scalar(a):
        return a
    return None


def _is_dense_dot(n: Value, graph: _Graph) -> bool:
    half = len(n.parents) // 2
    return all(graph.is_scalar(w) for w in n.parents[:half]) and not any(
        graph.is_scalar(x) for x in n.parents[half:]
    )


class _GroupPlan:
    """Nodes of one level, one op and one number of inputs: one elementwise step."""

    def __init__(self, op: Op, nodes: list[Value]) -> None:
        self.op, self.finals = op, nodes


Plan = _DensePlan | _GroupPlan


def _plan(graph: _Graph) -> list[Plan]:
    """The steps in running order: one per (level, op, number of inputs) group, dense
    layers fused with the bias and activation that follow them."""
    groups: dict[tuple[int, int, int], list[Value]] = defaultdict(list)
    for n in graph.order:
        if not n.is_leaf:
            groups[(graph.level[id(n)], id(n.op_entry), len(n.parents))].append(n)
    absorbed: set[int] = set()
    plans: list[Plan] = []
    for key in sorted(groups, key=lambda k: k[0]):
        nodes = [n for n in groups[key] if id(n) not in absorbed]
        if nodes and nodes[0].op_entry is DOT:
            dense = [n for n in nodes if _is_dense_dot(n, graph)]
            if dense:
                plan = _DensePlan(dense, graph)
                absorbed |= plan.absorbed
                plans.append(plan)
                nodes = [n for n in nodes if not _is_dense_dot(n, graph)]
        if nodes:
            plans.append(_GroupPlan(nodes[0].op_entry, nodes))
    return plans


class _Layout:
    """Where every value lives: rows of the table (inputs first, then each step's
    outputs, contiguous) and slots of the scalar vector (parameters first, each dense
    layer's weights as one row-major block, so W is a reshaped view)."""

    def __init__(self, graph: _Graph, plans: list[Plan]) -> None:
        self.where: dict[int, tuple[str, int]] = {}
        self.params: list[Value] = []
        self.values: list[float] = []
        for plan in plans:
            if isinstance(plan, _DensePlan):
                for leaf in [w for ws in plan.weights for w in ws] + (plan.bias or []):
                    if graph.kind(leaf) == "param":
                        self._scalar(leaf, self.params)
        for kind in ("param", "const"):
            for n in graph.order:
                if graph.kind(n) == kind:
                    self._scalar(n, self.params if kind == "param" else None)
        self.n_rows = len(graph.inputs)
        for i, v in enumerate(graph.inputs):
            self.where[id(v)] = ("row", i)
        self.outs: list[slice] = []
        for plan in plans:
            if isinstance(plan, _GroupPlan):  # a dense step's rows follow its weight matrix
                plan.finals = self._by_parent_rows(plan.finals)
            self.outs.append(slice(self.n_rows, self.n_rows + len(plan.finals)))
            for n in plan.finals:
                self.where[id(n)] = ("row", self.n_rows)
                self.n_rows += 1

    def _scalar(self, leaf: Value, params: list[Value] | None) -> None:
        if id(leaf) in self.where:
            return
        self.where[id(leaf)] = ("scalar", len(self.values))
        self.values.append(leaf.data)
        if params is not None:
            params.append(leaf)

    def _by_parent_rows(self, nodes: list[Value]) -> list[Value]:
        """Nodes ordered by the row of their first parent that has one, so that a
        step reading a whole earlier step's rows in order reads them as a slice."""

        def first_row(n: Value) -> int:
            return next((self.where[id(p)][1] for p in n.parents if self.where[id(p)][0] == "row"), -1)

        return sorted(nodes, key=first_row)

    def slots(self, leaves: Sequence[Value]) -> np.ndarray:
        """Scalar slots of ``leaves``."""
        return np.array([self.where[id(v)][1] for v in leaves], dtype=np.intp)

    def rows(self, nodes: Sequence[Value]) -> np.ndarray:
        """Rows of ``nodes``."""
        return np.array([self.where[id(v)][1] for v in nodes], dtype=np.intp)


def _build_steps(graph: _Graph, plans: list[Plan], layout: _Layout) -> list[Any]:
    """The runnable steps, with every index table worked out."""
    n_params = len(layout.params)
    steps: list[Any] = []
    for plan, out in zip(plans, layout.outs):
        if isinstance(plan, _DensePlan):
            w = np.array([layout.slots(ws) for ws in plan.weights])
            x = np.array([layout.rows(xs) for xs in plan.inputs])
            shared = bool((x == x[0]).all())
            bias = layout.slots(plan.bias) if plan.bias is not None else None
            step = _Dense(out, w, x[0] if shared else x, bias, plan.act)
            step.needs_grad = any(graph.needs_grad[id(n)] for n in plan.finals)
            step.x_needs_grad = any(graph.needs_grad[id(v)] for xs in plan.inputs for v in xs)
            steps.append(step)
            continue
        nodes = plan.finals
        columns = [
            _Column(
                [layout.where[id(n.parents[j])] for n in nodes],
                [graph.needs_grad[id(n.parents[j])] for n in nodes],
                n_params,
            )
            for j in range(len(nodes[0].parents))
        ]
        steps.append(_Elementwise(plan.op, out, columns, any(graph.needs_grad[id(n)] for n in nodes)))
    return steps


def _plan_backward(steps: list[Any], n_rows: int, seed_row: int) -> Rows:
    """Decide, once, how backward writes each gradient row: the first write to a row
    stores (``assign``), later ones add. Returns the rows that must be zeroed first
    (rows added to before anything was stored in them)."""
    written = np.zeros(n_rows, dtype=bool)
    zero = np.zeros(n_rows, dtype=bool)
    written[seed_row] = True
    for step in reversed(steps):
        if not step.needs_grad:
            continue
        up = _row_list(step.out)
        zero[up[~written[up]]] = True  # nothing flows into these rows: zeros
        written[up] = True
        for target in _grad_targets(step):
            rows = target.indices()
            if target.can_assign and not written[rows].any():
                target.assign = True
            else:
                zero[rows[~written[rows]]] = True
            written[rows] = True
    return _as_rows(np.nonzero(zero)[0]) if zero.any() else slice(0, 0)


def _grad_targets(step: Any) -> list[_RowGrad]:
    """The row targets a step's backward writes, in the order it writes them."""
    if isinstance(step, _Dense):
        return [step.x_grad] if step.x_needs_grad else []
    return [c.grad for c in step.columns if c.needs_grad and c.kind != "scalars"]


class Compiled:
    """A traced scalar function as a batched NumPy program (see ``compile``)."""

    def __init__(
        self,
        fn: Callable[..., Any],
        example: Sequence[float],
        check: Sequence[float] | None = None,
        dtype: Any = "float64",
    ):
        self.dtype = program_dtype(dtype)
        with gc_paused():
            tr, second = trace_twice(fn, example, check)
            graph = _Graph(tr)
            plans = _plan(graph)
            layout = _Layout(graph, plans)
            self.steps = _build_steps(graph, plans, layout)
        self.params: list[Value] = layout.params
        self.slots = ParameterSlots(self.params)  # read and written as arrays when packed
        self.scalars = np.array(layout.values, dtype=float)
        self.n_rows = layout.n_rows
        self.n_inputs = len(tr.inputs)
        self.n_outputs = len(tr.outs)
        self.output_places = [layout.where[id(o)] for o in tr.outs]
        kind, row = self.output_places[0]
        seed = row if kind == "row" else 0
        self.zero_rows = _plan_backward(self.steps, self.n_rows, seed) if self.n_outputs == 1 else slice(0, 0)
        self.scratch_rows = max((s.width for s in self.steps if isinstance(s, _Dense)), default=0)
        frozen = changed_constants(tr, second)
        if frozen:
            precision, self.dtype = self.dtype, np.dtype(np.float64)  # checked to float64's precision
            try:
                self._verify(second, frozen)
            finally:
                self.dtype = precision

    def _verify(self, second: Trace, frozen: list[str]) -> None:
        """Numbers were frozen into constants while tracing: accept the program only if
        it still gives the second trace's outputs and gradients at the second trace's
        point (the frozen numbers cancel out, as a softmax's shift does)."""
        X = np.array([[v.data for v in second.inputs]])
        expected = np.array([o.data for o in second.outs])
        try:
            with nudged(self.params):  # the parameters as they were for the second trace
                if self.n_outputs == 1:
                    out, grads = self.backward(X, check=False, accumulate=False)
                    ok = _close(grads, np.array(gradients(second.outs[0], self.params)))
                else:
                    out, ok = self(X)[0], True
            ok = ok and _close(np.ravel(out), expected)
        except DomainError:
            ok = False
        if not ok:
            raise TracingError(
                f"a constant made while tracing depends on the inputs or the parameters ({frozen[0]}): "
                "the function turned a computed value into a plain number (Value(x.data), a no_grad "
                "block, ...), which the compiled program would freeze; use x.detach() to stop a "
                "gradient, or the eager engine"
            )

    # -- running ----------------------------------------------------------------------
    def _batch(self, X: Any) -> np.ndarray:
        A = np.asarray(X, dtype=self.dtype)
        if A.ndim == 1:
            A = A[:, None] if self.n_inputs == 1 else A[None, :]
        if A.ndim != 2 or A.shape[1] != self.n_inputs:
            raise ValueError(f"expected a batch of shape (n, {self.n_inputs}), got {A.shape}")
        return A

    def _forward(self, X: Any, keep: bool) -> tuple[_Workspace, list[Any]]:
        A = self._batch(X)
        S = self.scalars.astype(self.dtype)  # a copy
        if self.params:
            S[: len(self.params)] = self.slots.read()  # parameters: read fresh
        ws = _Workspace(_POOL.take((self.n_rows, A.shape[0]), self.dtype), S)
        ws.V[: self.n_inputs] = A.T
        try:
            with np.errstate(all="ignore"):
                saved = [step.forward(ws, keep) for step in self.steps]
        except BaseException:
            ws.release()
            raise
        return ws, saved

    def _outputs(self, ws: _Workspace) -> np.ndarray:
        V, S = ws.V, ws.S
        cols = [V[i].copy() if kind == "row" else np.full(V.shape[1], S[i]) for kind, i in self.output_places]
        return cols[0] if self.n_outputs == 1 else np.stack(cols, axis=1)

    def _check_finite(self, V: np.ndarray, out: np.ndarray) -> None:
        if np.isfinite(out).all():
            return
        samples, inputs = np.nonzero(~np.isfinite(V[: self.n_inputs].T))  # in sample order
        if len(samples):
            i, s = int(inputs[0]), int(samples[0])
            raise FloatingPointError(f"input {i} is {V[i, s]} for sample {s} of the batch")
        for step in self.steps:  # the first step that made a nan or inf
            rows, samples = np.nonzero(~np.isfinite(V[step.out]))
            if len(rows):
                r, s = step.out.start + int(rows[0]), int(samples[0])
                raise FloatingPointError(
                    f"{step.name} produced {V[r, s]} for sample {s} of the batch (an overflow, or a nan "
                    "that came in)"
                )

    def __call__(self, X: Any) -> np.ndarray:
        """The outputs for a batch ``X`` of shape (n, n_inputs): shape (n,) for one
        output, (n, n_outputs) for several. An input outside an op's domain raises
        ``DomainError`` naming the op and the sample, as the eager engine does."""
        ws, _ = self._forward(X, keep=False)
        out = self._outputs(ws)
        ws.release()
        return out

    def backward(self, X: Any, weight: Any = 1.0, check: bool = True, accumulate: bool = True) -> Any:
        """Forward and backward over the batch; adds ``sum over samples of weight *
        d output / d parameter`` to each parameter's ``.grad`` (``weight = 1/n`` for the
        mean; one number, or one per sample) and returns the per-sample outputs. Needs
        a single output.

        With ``accumulate=False`` no ``.grad`` is touched: it returns ``(outputs,
        gradients)``, the gradients as an array in the order of ``self.params``.
        ``check`` raises ``FloatingPointError`` naming the step when an output is nan or
        inf; an input outside an op's domain always raises ``DomainError``."""
        if self.n_outputs != 1:
            raise ValueError("backward needs a function with one output per sample")
        ws, saved = self._forward(X, keep=True)
        try:
            out = self._outputs(ws)
            if check:
                self._check_finite(ws.V, out)
            ws.GS = np.zeros(len(ws.S), self.dtype)
            kind, row = self.output_places[0]
            if kind == "row":
                self._backward(ws, saved, row, weight)
        finally:
            ws.release()
        grads = ws.GS[: len(self.params)]
        if not accumulate:
            return out, grads
        self.slots.add_grads(grads)
        return out

    def _backward(self, ws: _Workspace, saved: list[Any], row: int, weight: Any) -> None:
        batch = ws.V.shape[1]
        ws.G = _POOL.take(ws.V.shape, self.dtype)
        ws.G[self.zero_rows] = 0.0
        ws.G[row] = weight
        if self.scratch_rows:
            ws.tmp = _POOL.take((self.scratch_rows, batch), self.dtype)
        with np.errstate(all="ignore"):
            for step, s in zip(reversed(self.steps), reversed(saved)):
                if step.needs_grad:
                    step.backward(ws, s)

    def describe(self) -> str:
        """The program, one step per line: what each computes and which rows it writes."""
        lines = [repr(self), f"{'inputs':>22} -> rows 0:{self.n_inputs}"]
        lines += [step.describe() for step in self.steps]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"Compiled({self.n_inputs} inputs, {self.n_rows} batch rows, {len(self.scalars)} scalars "
            f"({len(self.params)} parameters), {len(self.steps)} vectorised steps)"
        )


def _close(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal to the precision compiled programs promise (1e-10, relative to the scale)."""
    return bool(np.allclose(a, b, rtol=1e-10, atol=1e-12 * (1.0 + float(np.max(np.abs(b), initial=0.0)))))


def _numbers(values: Any, what: str) -> list[float]:
    """``values`` as finite floats, or ``TypeError``/``ValueError`` saying what is wrong."""
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise TypeError(f"{what} must be a sequence of numbers, one per input, got {type(values).__name__}")
    found = []
    for v in values:
        real = isinstance(v, numbers.Real) or (
            type(v).__module__ == "numpy" and getattr(v, "shape", None) == () and v.dtype.kind in "biuf"
        )
        if not real:
            raise TypeError(f"{what} must hold numbers, got {type(v).__name__} {v!r:.40}")
        found.append(float(v))
    if not all(math.isfinite(v) for v in found):
        raise ValueError(f"{what} must be finite numbers")
    return found


def program_dtype(dtype: Any) -> np.dtype[Any]:
    """``"float64"`` (the default, the eager engine's precision) or ``"float32"`` (about
    twice as fast on large batches, ~7 significant digits), as a NumPy dtype; anything
    else is a ``ValueError``."""
    try:
        found = np.dtype(dtype)
    except TypeError:
        found = None
    if found not in (np.dtype(np.float64), np.dtype(np.float32)):
        raise ValueError(f"dtype must be 'float64' or 'float32', got {dtype!r:.40}")
    return found


def compile(
    fn: Callable[..., Any],
    example: Sequence[float],
    check: Sequence[float] | None = None,
    dtype: Any = "float64",
) -> Compiled:
    """Trace ``fn`` (a function of scalar ``Value`` inputs returning a ``Value`` or a
    list of them) on ``example`` and return a batched program.

    ``dtype="float32"`` runs the program in single precision: the parameters are read
    into float32 and the gradients added back into their float64 numbers; about 7
    significant digits, against float64's 15 (the default, as the eager engine).

    The function is traced a second time, on ``check`` if given (else on a point next
    to ``example``), to detect data-dependent control flow (the two graphs differ) and
    values frozen into constants (``Value(x.data)``, ``no_grad`` inside the function):
    both raise ``TracingError``.

    >>> w = Value(2.0)
    >>> f = compile(lambda x, y: (w * x + y).tanh(), [0.1, 0.2])
    >>> f([[0.1, 0.2], [0.3, 0.4]]).shape
    (2,)
    """
    if not callable(fn):
        raise TypeError(f"compile needs a function, got {type(fn).__name__}")
    ex = _numbers(example, "the example inputs")
    again = _numbers(check, "check") if check is not None else None
    if again is not None and len(again) != len(ex):
        raise ValueError(f"check has {len(again)} numbers, the example {len(ex)}")
    return Compiled(fn, ex, again, dtype)
