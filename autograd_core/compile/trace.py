"""Tracing: call a scalar function on placeholder inputs and keep the graph it built.

Values that existed before the trace started (a model's parameters) are told apart from
constants made during it by their creation stamp. ``Trace.signature`` describes a
graph's structure (ops and wiring, not numbers), so two traces can be compared.

A compiled program must never give a different answer from the eager engine, so two
things that would silently freeze a number from the example are handled here:

* ``detach()`` while tracing records a ``STOP_GRADIENT`` node (the value flows, the
  gradient stops, like ``jax.lax.stop_gradient``) instead of a new leaf;
* anything else that turns a computed value into a plain number (``Value(x.data)``, a
  ``no_grad`` block) makes a constant leaf that depends on the inputs or the parameters.
  ``trace_twice`` traces again at a nearby point, with the parameters nudged too, and
  ``changed_constants`` lists the constants that differ between the two traces; the
  program compiled from the first trace must then give the second trace's numbers
  (some frozen numbers cancel out, like a softmax's shift), else compile refuses.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from ..backward import next_stamp, topological_order
from ..modes import TracingError, enable_grad, tracing
from ..ops import SUM
from ..value import Value, apply


class Trace:
    """One call of the function on placeholders: its inputs, outputs, the stamp the
    trace started at, and every node in topological order (``join`` last when there
    are several outputs)."""

    def __init__(self, inputs: list[Value], outs: list[Value], start: int) -> None:
        self.inputs, self.outs, self.start = inputs, outs, start
        root = outs[0] if len(outs) == 1 else join_outputs(outs)
        self.order: list[Value] = topological_order(root)

    def params(self) -> list[Value]:
        """Leaves made before the trace: parameters, read fresh at every call."""
        return [n for n in self.order if n.is_leaf and n.stamp < self.start]

    def signature(self) -> list[tuple[Any, ...]]:
        """The graph's structure (ops and wiring, not values) in topological order."""
        index = {id(n): k for k, n in enumerate(self.order)}
        input_ids = {id(v): i for i, v in enumerate(self.inputs)}
        sig: list[tuple[Any, ...]] = []
        for n in self.order:
            if id(n) in input_ids:
                sig.append(("input", input_ids[id(n)]))
            elif n.is_leaf:
                sig.append(("leaf", "param" if n.stamp < self.start else "const"))
            else:
                sig.append((n.op_entry.display, tuple(index[id(p)] for p in n.parents)))
        return sig


def trace(fn: Callable[..., Any], example: Sequence[float]) -> Trace:
    """Call ``fn`` on one ``Value`` per example number (recording, whatever the caller's
    ``no_grad`` state)."""
    start = next_stamp()
    inputs = [Value(float(v), label=f"input{i}") for i, v in enumerate(example)]
    with tracing(), enable_grad():
        out = fn(*inputs)
    outs = list(out) if isinstance(out, (list, tuple)) else [out]
    for o in outs:
        if not isinstance(o, Value):
            raise TracingError(f"a compiled function must return Values, got {type(o).__name__}")
    return Trace(inputs, outs, start)


def nearby(example: Sequence[float], sign: float = 1.0) -> list[float]:
    """A second example next to ``example``: each number moved by 2**-14 (~6e-5) of
    itself (plus 2**-14, so zeros move too), away from the example but rarely across the
    edge of an op's domain."""
    return [v + sign * (abs(v) + 1.0) * 2.0**-14 for v in example]


@contextlib.contextmanager
def nudged(params: list[Value]) -> Iterator[None]:
    """The parameters moved as ``nearby`` moves numbers, for the duration (then
    restored exactly): a constant computed from a parameter then changes too."""
    saved = [p.data for p in params]
    try:
        for p, v in zip(params, nearby(saved)):
            p.data = v
        yield
    finally:
        for p, v in zip(params, saved):
            p.data = v


def trace_twice(
    fn: Callable[..., Any], example: Sequence[float], check: Sequence[float] | None
) -> tuple[Trace, Trace]:
    """Trace ``fn`` on ``example``, then again on ``check`` (default: a nearby point)
    with the parameters ``nudged`` (and restored exactly after). Raises ``TracingError``
    if the two graphs differ in structure: the function branches on the data."""
    first = trace(fn, example)
    seconds = [list(check)] if check is not None else [nearby(example), nearby(example, -1.0)]
    failure: Exception | None = None
    for second_example in seconds:
        try:
            with nudged(first.params()):
                second = trace(fn, second_example)
        except TracingError:
            raise
        except Exception as exc:  # e.g. a DomainError at the edge of a domain: try the other side
            failure = exc
            continue
        if first.signature() != second.signature():
            raise TracingError(
                "the function built a different graph for another input: it branches on the data "
                "(Python if/while on .data, or random choices), which compile cannot follow; "
                "use the eager engine"
            )
        return first, second
    raise TracingError(
        f"could not trace the function a second time next to the example ({failure!r}), which compile "
        "needs to check that nothing is frozen; pass check= (another valid example)"
    ) from failure


def changed_constants(first: Trace, second: Trace) -> list[str]:
    """The constants made while tracing that differ between two traces of one structure:
    numbers computed from the inputs or the parameters (``Value(x.data)``, a ``no_grad``
    block, a softmax's shift), frozen at the first trace's value."""
    inputs = {id(v) for v in first.inputs}
    return [
        f"node {k}: {a.data!r} in one trace, {b.data!r} in the other"
        for k, (a, b) in enumerate(zip(first.order, second.order))
        if a.is_leaf and a.stamp >= first.start and id(a) not in inputs and a.data != b.data
    ]


def join_outputs(outs: list[Value]) -> Value:
    """A throwaway node with every output as a parent, so that one topological order
    covers all the outputs (its value and local derivatives are never used)."""
    with enable_grad():
        return apply(SUM, *outs)
