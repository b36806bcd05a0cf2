"""``compile``: trace a scalar function once, then run it over a whole NumPy batch.

Training evaluates the same scalar graph for every sample. ``compile(fn, example)``
calls ``fn`` once on placeholder inputs, keeps the graph, and turns it into a program
over arrays whose last axis is the batch:

* every node gets a *level* (leaves 0, else 1 + the deepest parent); nodes of one level
  and one op form a *group* that runs as ONE vectorised step: gather the parents' rows,
  apply the op's rule with NumPy (the same rule the eager engine uses, read with the
  ARRAY namespace), store the output rows and the local derivatives;
* backward walks the groups in reverse and scatters ``local * upstream`` into the
  parents' rows, with the reductions precomputed (sorted indices and ``np.add.reduceat``,
  never the slow ``np.add.at``); parameters are the same for every sample, so their
  contributions are summed over the batch first and land in one small vector.

Leaves that existed before tracing (a model's parameters) are read fresh at every call
and receive their gradients in ``.grad``, summed over the batch and scaled by
``weight``; leaves made while tracing (constants) are baked in.

Like ``jax.jit``, only what the graph records is compiled: Python control flow that looks
at the data (``if x.data > 0``) is frozen at its traced branch. What can be detected is:
comparing or converting a Value while tracing raises ``TracingError``, and the function
is traced a second time on another example; if the two graphs differ, it raises too.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..backward import topological_order
from ..modes import TracingError, gc_paused
from ..ops import ARRAY, DOT, Op
from ..value import Value
from .trace import join_outputs, signature, trace


class _Column:
    """Where one input of a group comes from, and how its gradient goes back.

    ``node`` rows of the batch table, ``scalar`` entries of the parameter/constant
    vector, or ``mixed`` (some of each). The reductions for the backward scatter are
    precomputed here: a parent used twice in one group (``x * x``, or every neuron of a
    layer reading the same input) needs its contributions summed, which sorted indices
    and ``np.add.reduceat`` do without the slow ``np.add.at``.
    """

    __slots__ = ("kinds", "n", "node_idx", "node_pos", "order", "scalar_idx", "scalar_pos", "starts", "uniq")

    def __init__(self, kinds: list[str], idx: list[int]) -> None:
        self.n = len(idx)
        is_node = np.array([k == "node" for k in kinds])
        ix = np.array(idx, dtype=np.intp)
        self.node_pos = np.nonzero(is_node)[0]
        self.scalar_pos = np.nonzero(~is_node)[0]
        self.node_idx = ix[self.node_pos]
        self.scalar_idx = ix[self.scalar_pos]
        self.kinds = "node" if is_node.all() else "scalar" if not is_node.any() else "mixed"
        self.order = self.starts = self.uniq = None
        if len(np.unique(self.node_idx)) != len(self.node_idx):
            self.order = np.argsort(self.node_idx, kind="stable")
            self.uniq, self.starts = np.unique(self.node_idx[self.order], return_index=True)

    def gather(self, V: np.ndarray, S: np.ndarray) -> np.ndarray:
        """The input values: shape (n, batch), or (n, 1) when all are scalars."""
        if self.kinds == "node":
            return V[self.node_idx]
        if self.kinds == "scalar":
            return S[self.scalar_idx]
        out = np.empty((self.n, V.shape[1]))
        out[self.node_pos] = V[self.node_idx]
        out[self.scalar_pos] = S[self.scalar_idx]
        return out

    def scatter(self, contrib: np.ndarray, G: np.ndarray, GS: np.ndarray) -> None:
        """Add each row of ``contrib`` (n, batch) into its parent's gradient."""
        if self.kinds == "node":
            node_part = contrib
        else:
            sums = contrib[self.scalar_pos].sum(axis=1) if self.kinds == "mixed" else contrib.sum(axis=1)
            GS += np.bincount(self.scalar_idx, weights=sums, minlength=len(GS))
            if self.kinds == "scalar":
                return
            node_part = contrib[self.node_pos]
        if self.order is None or self.starts is None:
            G[self.node_idx] += node_part
        else:
            G[self.uniq] += np.add.reduceat(node_part[self.order], self.starts, axis=0)


class _Group:
    """One (level, op) step: the nodes it computes and where their inputs come from."""

    __slots__ = ("columns", "local_rows", "op", "rows")

    def __init__(self, op: Op, rows: np.ndarray, columns: list[_Column]) -> None:
        self.op = op
        self.rows = rows  # rows of the batch table this group writes
        self.columns = columns
        self.local_rows: list[Any] = []


class _DotGroup:
    """A group of ``dot`` nodes whose weights are scalars (parameters) and whose inputs
    are batch rows: a layer of neurons. It runs as matrix products instead of 2n
    separate columns: out = W @ X, dW = G @ X^T (already summed over the batch), dX = W^T G.
    When every node reads the same input rows (a dense layer) X is one (n, batch) block;
    otherwise each node's inputs are gathered into an (nodes, n, batch) block."""

    __slots__ = ("inputs", "op", "rows", "saved", "shared", "weights")

    def __init__(self, op: Op, rows: np.ndarray, weights: np.ndarray, inputs: np.ndarray) -> None:
        self.op, self.rows = op, rows
        self.weights = weights  # (nodes, n) indices into the scalar vector
        self.shared = bool((inputs == inputs[0]).all())
        self.inputs = inputs[0] if self.shared else inputs  # (n,) or (nodes, n) row indices
        self.saved: Any = None

    def forward(self, V: np.ndarray, S: np.ndarray, keep: bool) -> None:
        W = S[self.weights, 0]
        X = V[self.inputs]
        V[self.rows] = W @ X if self.shared else np.einsum("gn,gnb->gb", W, X)
        if keep:
            self.saved = (W, X)

    def backward(self, G: np.ndarray, GS: np.ndarray) -> None:
        W, X = self.saved
        up = G[self.rows]
        if self.shared:
            GS += np.bincount(self.weights.ravel(), weights=(up @ X.T).ravel(), minlength=len(GS))
            G[self.inputs] += W.T @ up
        else:
            dW = np.einsum("gb,gnb->gn", up, X)
            GS += np.bincount(self.weights.ravel(), weights=dW.ravel(), minlength=len(GS))
            dX = (W[:, :, None] * up[:, None, :]).reshape(-1, up.shape[1])
            flat = self.inputs.ravel()
            order = np.argsort(flat, kind="stable")
            uniq, starts = np.unique(flat[order], return_index=True)
            G[uniq] += np.add.reduceat(dX[order], starts, axis=0)
        self.saved = None


def _dot_group(nodes: list[Value], where: dict[int, tuple[str, int]]) -> _DotGroup | None:
    """The fast form of a group of dot nodes, when its shape allows one."""
    n = len(nodes[0].parents) // 2
    w_kinds = {where[id(p)][0] for node in nodes for p in node.parents[:n]}
    x_kinds = {where[id(p)][0] for node in nodes for p in node.parents[n:]}
    if w_kinds != {"scalar"} or x_kinds != {"node"}:
        return None
    weights = np.array([[where[id(p)][1] for p in node.parents[:n]] for node in nodes], dtype=np.intp)
    inputs = np.array([[where[id(p)][1] for p in node.parents[n:]] for node in nodes], dtype=np.intp)
    rows = np.array([where[id(node)][1] for node in nodes], dtype=np.intp)
    return _DotGroup(nodes[0].op_entry, rows, weights, inputs)


def _vectorised_steps(
    order: list[Value], level: dict[int, int], where: dict[int, tuple[str, int]]
) -> list[Any]:
    """One step per (level, op, number of inputs): nodes of one level never depend on
    each other, so each group runs as one NumPy operation over all its rows."""
    groups: dict[tuple[int, int, int], list[Value]] = {}
    for n in order:
        if not n.is_leaf:
            groups.setdefault((level[id(n)], id(n.op_entry), len(n.parents)), []).append(n)
    steps: list[Any] = []
    for key in sorted(groups, key=lambda k: k[0]):
        nodes = groups[key]
        if nodes[0].op_entry is DOT and (fast := _dot_group(nodes, where)) is not None:
            steps.append(fast)
            continue
        rows = np.array([where[id(n)][1] for n in nodes], dtype=np.intp)
        columns = [
            _Column([where[id(n.parents[j])][0] for n in nodes], [where[id(n.parents[j])][1] for n in nodes])
            for j in range(key[2])
        ]
        steps.append(_Group(nodes[0].op_entry, rows, columns))
    return steps


class Compiled:
    """A traced scalar function as a batched NumPy program (see ``compile``)."""

    def __init__(
        self, fn: Callable[..., Any], example: Sequence[float], check: Sequence[float] | None = None
    ):
        with gc_paused():
            inputs, outs, start = trace(fn, example)
            if check is not None:
                inputs2, outs2, start2 = trace(fn, check)
                if signature(outs, inputs, start) != signature(outs2, inputs2, start2):
                    raise TracingError(
                        "the function built a different graph for another input: it branches on the data "
                        "(Python if/while on .data, or random choices), which compile cannot follow; "
                        "use the eager engine"
                    )
            self._build(inputs, outs, start)
        self.n_inputs = len(inputs)
        self.n_outputs = len(outs)

    def _build(self, inputs: list[Value], outs: list[Value], start: int) -> None:
        root = outs[0] if len(outs) == 1 else join_outputs(outs)
        order = topological_order(root)
        if len(outs) > 1:
            order = order[:-1]  # drop the joining node
        input_pos = {id(v): i for i, v in enumerate(inputs)}
        # Scalars (parameters and constants) live in one vector; batch rows in a table.
        self.params: list[Value] = []
        scalar_values: list[float] = []
        param_slots: list[int] = []
        where: dict[int, tuple[str, int]] = {}
        n_rows = 0
        level: dict[int, int] = {}
        for n in order:
            if id(n) in input_pos:
                where[id(n)] = ("node", n_rows)
                n_rows += 1
                level[id(n)] = 0
            elif n.is_leaf:
                where[id(n)] = ("scalar", len(scalar_values))
                if n.stamp < start:  # made before tracing: a parameter, read fresh each call
                    self.params.append(n)
                    param_slots.append(len(scalar_values))
                scalar_values.append(n.data)
                level[id(n)] = 0
            else:
                where[id(n)] = ("node", n_rows)
                n_rows += 1
                level[id(n)] = 1 + max(level[id(p)] for p in n.parents)
        for v in inputs:  # an input the output ignores still has a row to be written into
            if id(v) not in where:
                where[id(v)] = ("node", n_rows)
                n_rows += 1
        self.scalars = np.array(scalar_values, dtype=float)
        self.param_slots = np.array(param_slots, dtype=np.intp)
        self.n_rows = n_rows
        self.input_rows = np.array([where[id(v)][1] for v in inputs], dtype=np.intp)
        self.groups = _vectorised_steps(order, level, where)
        self.output_rows = []
        for o in outs:
            kind, i = where[id(o)]
            self.output_rows.append((kind, i))

    # -- running ----------------------------------------------------------------------
    def _columns(self, X: Any) -> np.ndarray:
        A = np.asarray(X, dtype=float)
        if A.ndim == 1:
            A = A[:, None] if self.n_inputs == 1 else A[None, :]
        if A.ndim != 2 or A.shape[1] != self.n_inputs:
            raise ValueError(f"expected a batch of shape (n, {self.n_inputs}), got {A.shape}")
        return A.T  # inputs x batch: the batch is the last axis

    def _forward(self, Xt: np.ndarray, keep_locals: bool) -> np.ndarray:
        batch = Xt.shape[1]
        if self.params:
            self.scalars[self.param_slots] = [p.data for p in self.params]
        V = np.empty((self.n_rows, batch))
        V[self.input_rows] = Xt
        S = self.scalars[:, None]
        with np.errstate(all="ignore"):
            for g in self.groups:
                if type(g) is _DotGroup:
                    g.forward(V, S, keep_locals)
                    continue
                args = [c.gather(V, S) for c in g.columns]
                out, local = g.op.rule(ARRAY, *args)
                V[g.rows] = out
                if keep_locals:
                    g.local_rows = list(local)
        return V

    def _outputs(self, V: np.ndarray) -> np.ndarray:
        cols = [
            V[i] if kind == "node" else np.full(V.shape[1], self.scalars[i]) for kind, i in self.output_rows
        ]
        return cols[0] if self.n_outputs == 1 else np.stack(cols, axis=1)

    def _check_finite(self, V: np.ndarray, out: np.ndarray) -> None:
        if np.isfinite(out).all():
            return
        for g in self.groups:
            bad = ~np.isfinite(V[g.rows])
            if bad.any():
                row, sample = (int(a[0]) for a in np.nonzero(bad))
                raise FloatingPointError(
                    f"op '{g.op.display}' produced {V[g.rows][row, sample]} for sample {sample} "
                    "of the batch (an input outside its domain, or an overflow)"
                )

    def __call__(self, X: Any) -> np.ndarray:
        """The outputs for a batch ``X`` of shape (n, n_inputs): shape (n,) for one
        output, (n, n_outputs) for several."""
        V = self._forward(self._columns(X), keep_locals=False)
        return self._outputs(V)

    def backward(self, X: Any, weight: float = 1.0, check: bool = True, accumulate: bool = True) -> Any:
        """Forward and backward over the batch; adds ``weight * sum over samples of
        d output / d parameter`` to each parameter's ``.grad`` (``weight = 1/n`` for the
        mean) and returns the per-sample outputs. Needs a single output.

        With ``accumulate=False`` no ``.grad`` is touched: it returns ``(outputs,
        gradients)``, the gradients as an array in the order of ``self.params``.
        ``check`` raises ``FloatingPointError`` naming the op when an output is nan/inf."""
        if self.n_outputs != 1:
            raise ValueError("backward needs a function with one output per sample")
        Xt = self._columns(X)
        V = self._forward(Xt, keep_locals=True)
        out = self._outputs(V)
        if check:
            self._check_finite(V, out)
        kind, row = self.output_rows[0]
        if kind == "scalar":  # the output does not depend on anything computed
            return out if accumulate else (out, np.zeros(len(self.params)))
        G = np.zeros_like(V)
        GS = np.zeros(len(self.scalars))
        G[row] = weight
        with np.errstate(all="ignore"):
            for g in reversed(self.groups):
                if type(g) is _DotGroup:
                    g.backward(G, GS)
                    continue
                up = G[g.rows]
                for local, column in zip(g.local_rows, g.columns):
                    contrib = local * up
                    if contrib.shape != up.shape:  # a constant local derivative times nothing
                        contrib = np.broadcast_to(contrib, up.shape)
                    column.scatter(contrib, G, GS)
                g.local_rows = []
        grads = GS[self.param_slots]
        if not accumulate:
            return out, grads
        for p, gp in zip(self.params, grads.tolist()):
            p.grad += gp
        return out

    def __repr__(self) -> str:
        return (
            f"Compiled({self.n_inputs} inputs, {self.n_rows} batch rows, {len(self.scalars)} scalars "
            f"({len(self.params)} parameters), {len(self.groups)} vectorised steps)"
        )


def compile(
    fn: Callable[..., Any], example: Sequence[float], check: Sequence[float] | None = None
) -> Compiled:
    """Trace ``fn`` (a function of scalar ``Value`` inputs returning a ``Value`` or a
    list of them) on ``example`` and return a batched program. Give a second example as
    ``check`` to detect data-dependent control flow (it is traced again and compared).

    >>> w = Value(2.0)
    >>> f = compile(lambda x, y: (w * x + y).tanh(), [0.1, 0.2])
    >>> f([[0.1, 0.2], [0.3, 0.4]]).shape
    (2,)
    """
    if not callable(fn):
        raise TypeError(f"compile needs a function, got {type(fn).__name__}")
    ex = [float(v) for v in example]
    if not all(math.isfinite(v) for v in ex):
        raise ValueError("the example inputs must be finite numbers")
    return Compiled(fn, ex, check)
