"""Planning a compiled program: the traced graph's levels and consumers (``_Graph``), the
groups and dense layers it runs as (``_plan``), where every value lives (``_Layout``), the
steps built from them (``_build_steps``), and which gradient rows backward assigns
rather than adds (``_plan_backward``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..ops import ADD, DOT, STOP_GRADIENT, Op
from ..value import Value
from .rows import Rows, _as_rows, _row_list, _RowGrad
from .steps import _Column, _Dense, _Elementwise
from .trace import Trace


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
