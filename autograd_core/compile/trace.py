"""Tracing: call a scalar function once on placeholder inputs and keep the graph it built.

Values that existed before the trace started (a model's parameters) are told apart from
constants made during it by their creation stamp. ``signature`` describes a graph's
structure (ops and wiring, not numbers), so two traces can be compared.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..backward import next_stamp, topological_order
from ..modes import TracingError, enable_grad, tracing
from ..ops import SUM
from ..value import Value, apply


def trace(fn: Callable[..., Any], example: Sequence[float]) -> tuple[list[Value], list[Value], int]:
    """Call ``fn`` on one ``Value`` per example number: (inputs, outputs, the stamp the
    trace started at)."""
    start = next_stamp()
    inputs = [Value(float(v), label=f"input{i}") for i, v in enumerate(example)]
    with tracing():
        out = fn(*inputs)
    outs = list(out) if isinstance(out, (list, tuple)) else [out]
    for o in outs:
        if not isinstance(o, Value):
            raise TracingError(f"a compiled function must return Values, got {type(o).__name__}")
    return inputs, outs, start


def signature(outs: list[Value], inputs: list[Value], start: int) -> list[tuple[Any, ...]]:
    """The graph's structure (ops and wiring, not values) in topological order."""
    root = outs[0] if len(outs) == 1 else join_outputs(outs)
    order = topological_order(root)
    index = {id(n): k for k, n in enumerate(order)}
    input_ids = {id(v): i for i, v in enumerate(inputs)}
    sig: list[tuple[Any, ...]] = []
    for n in order:
        if id(n) in input_ids:
            sig.append(("input", input_ids[id(n)]))
        elif n.is_leaf:
            sig.append(("leaf", "param" if n.stamp < start else "const"))
        else:
            sig.append((n.op_entry.display, tuple(index[id(p)] for p in n.parents)))
    return sig


def join_outputs(outs: list[Value]) -> Value:
    """A throwaway node with every output as a parent, so that one topological order
    covers all the outputs (its value and local derivatives are never used)."""
    with enable_grad():
        return apply(SUM, *outs)
