"""The chain rule over a graph: a topological order, then ``local x upstream`` into each
parent, from the output back.

``Node`` is what the chain rule needs of a value: its data, its parents and the local
derivative toward each parent (``Value`` in ``value.py`` adds the arithmetic).
``chain_rule`` is the backward pass written once, the way micrograd's reader expects:

    for node in reversed(topological_order(root)):
        for parent, local in zip(node.parents, node.local_grads):
            grads[parent] += local * grads[node]

Everything that walks the graph backwards uses it: ``backward(create_graph=True)`` (the
local derivatives recomputed as ``Value``\\ s), anomaly mode (a check at every step),
``gradients`` and the replay of ``explain`` (a record of every step).

``backward_fast`` computes exactly the same thing for the common case (no recording, no
checks) with the running sums kept on the nodes instead of in a dict; it is the engine's
hottest loop, and a hypothesis test over random graphs holds it equal to ``chain_rule``.
Nothing recurses: a chain of a million nodes works.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterable, Sequence
from operator import attrgetter
from typing import Any

from .modes import check_backward, current_modes, enable_grad
from .ops import UNRECORDED, VALUE, Op


class Node:
    """A value in the graph: ``data``, ``grad``, and how it was made.

    ``_prev`` are the parents, ``_local`` the local derivative d self / d parent for
    each (plain numbers, computed when the node was made), ``_op`` the table entry that
    made it, ``_seq`` its creation stamp. ``_g`` is scratch space of ``backward_fast``
    (the running gradient during one backward pass, ``None`` between passes).
    """

    __slots__ = ("_g", "_local", "_op", "_prev", "_seq", "data", "grad")

    data: float
    grad: Any  # a float; a Value after backward(create_graph=True)
    _prev: tuple[Any, ...]  # Nodes (Values)
    _local: tuple[Any, ...]
    _op: Op
    _seq: int
    _g: Any


# Creation order is a topological order (a parent always exists before its child), so
# the reachable nodes can be *sorted* by a creation stamp instead of walked recursively.
_stamps = itertools.count()
next_stamp = _stamps.__next__
_by_stamp = attrgetter("_seq")

# Adding into a shared ``.grad`` is a read and a write; two threads backpropagating into
# the same parameters must not interleave them (the scratch slots of backward_fast too).
_ACCUMULATE = threading.RLock()


def _check_node(x: Any, who: str) -> None:
    if not isinstance(x, Node):
        raise TypeError(f"{who} needs a Value, got {type(x).__name__} {x!r:.60}")


def topological_order(root: Node) -> list[Any]:
    """Every value ``root`` depends on, itself included, parents before children."""
    _check_node(root, "topological_order")
    seen = {root}
    order = [root]
    for node in order:  # breadth first: the list is its own queue
        for parent in node._prev:
            if parent not in seen:
                seen.add(parent)
                order.append(parent)
    order.sort(key=_by_stamp)  # parents are older than their children
    return order


def stored_locals(node: Node) -> tuple[Any, ...]:
    """The local derivatives recorded when ``node`` was made (plain numbers)."""
    return node._local


def recorded_locals(node: Node) -> tuple[Any, ...]:
    """The local derivatives recomputed as ``Value``\\ s from the node's op rule, so the
    backward pass is itself a graph (``create_graph=True``)."""
    with enable_grad():
        return node._op.rule(VALUE, *node._prev)[1]


def _is_zero(g: Any) -> bool:
    return type(g) is float and g == 0.0


def _add(total: Any, contribution: Any) -> Any:
    # Starting from the contribution itself (not 0.0 + contribution) keeps a recorded
    # gradient graph one node smaller per value.
    return contribution if total is None or _is_zero(total) else total + contribution


StepHook = Callable[[Node, Node, Any, Any, Any], None]


def chain_rule(
    root: Node,
    seed: Any = 1.0,
    local_grads: Callable[[Node], Sequence[Any]] = stored_locals,
    on_step: StepHook | None = None,
) -> dict[Node, Any]:
    """d root / d node for every node ``root`` depends on (absent: 0), by the chain rule.

    ``local_grads(node)`` gives d node / d parent for each parent; ``on_step(node,
    parent, local, upstream, contribution)`` is called at every edge, in order. A node
    whose gradient is zero passes nothing back (its contribution is 0 even where a local
    derivative is infinite, such as sqrt at 0).
    """
    grads: dict[Node, Any] = {root: seed}
    for node in reversed(topological_order(root)):
        if not node._prev:
            continue
        upstream = grads.get(node, 0.0)
        flows = not _is_zero(upstream)
        if not flows and on_step is None:
            continue
        for parent, local in zip(node._prev, local_grads(node)):
            contribution = local * upstream if flows else 0.0
            if on_step is not None:
                on_step(node, parent, local, upstream, contribution)
            if flows:
                grads[parent] = _add(grads.get(parent), contribution)
    return grads


def _check_step(node: Node, parent: Node, local: Any, upstream: Any, contribution: Any) -> None:
    check_backward(node._op.display, [p.data for p in node._prev], contribution)


def _walk(root: Node, seed: Any, create_graph: bool) -> dict[Node, Any]:
    """``chain_rule`` as backward and gradients use it: recorded locals for
    ``create_graph``, a check at every step in anomaly mode. ``create_graph`` asks for
    the gradient's graph, so it is recorded whatever the surrounding mode (as PyTorch):
    inside ``no_grad`` a second derivative would otherwise be a silent 0."""
    check = _check_step if current_modes().anomaly else None
    if create_graph:
        with enable_grad():
            return chain_rule(root, seed, recorded_locals, check)
    return chain_rule(root, seed, stored_locals, check)


def _check_recorded(root: Node, who: str) -> None:
    """A value computed under ``no_grad`` has no graph: a gradient from it would be a
    silent 0 everywhere, so say why instead (as PyTorch's "does not require grad")."""
    if root._op is UNRECORDED:
        raise RuntimeError(
            f"{who}: this value was computed inside a no_grad() block, so no graph was recorded "
            "and it does not require grad (every gradient would be 0). Compute it outside "
            "no_grad() (or inside enable_grad()) to backpropagate through it"
        )


def _seed(grad: Any) -> Any:
    if isinstance(grad, Node):
        return grad
    if isinstance(grad, bool) or (not isinstance(grad, (int, float)) and type(grad).__module__ != "numpy"):
        raise TypeError(f"backward's grad must be a number, got {type(grad).__name__} {grad!r:.60}")
    return float(grad)


def backward(root: Node, grad: Any = 1.0, create_graph: bool = False) -> None:
    """Add d root / d node into ``node.grad`` for every node ``root`` depends on.

    Accumulation matches PyTorch: several consumers and repeated calls add up. Each call
    tallies its own gradients first, then adds them to ``.grad``, so a second call adds
    exactly the same amount again (intermediate nodes included).
    """
    _check_node(root, "backward")
    _check_recorded(root, "backward()")
    seed = _seed(grad)
    if not create_graph and not current_modes().anomaly and not isinstance(seed, Node):
        backward_fast(root, seed)
        return
    grads = _walk(root, seed, create_graph)
    with _ACCUMULATE:
        for node, g in grads.items():
            node.grad = _add(node.grad, g)


def backward_fast(root: Node, seed: float) -> None:
    """``backward`` without recording or checks: the same sums as ``chain_rule``, kept on
    the nodes (``_g``) instead of in a dict.

    Between passes every node's ``_g`` is ``None``; a pass sets it to a running sum for
    the nodes it collects (so ``None`` also means "not collected yet": no set needed)
    and puts ``None`` back as it finishes with each node, or on error.
    """
    with _ACCUMULATE:
        root._g = 0.0
        order = [root]
        collect = order.append
        try:
            for node in order:  # breadth first, as in topological_order
                for parent in node._prev:
                    if parent._g is None:
                        parent._g = 0.0
                        collect(parent)
            order.sort(key=_by_stamp, reverse=True)  # children before parents
            root._g = seed
            for node in order:
                g = node._g
                node._g = None
                if g:  # a zero gradient passes nothing back
                    node.grad += g  # final here: every consumer of node is newer, so done
                    parents = node._prev
                    if not parents:  # a leaf (half the nodes of a typical graph)
                        continue
                    if len(parents) == 2:  # nearly every other node: unrolled, 2-3x faster than zip
                        a, b = parents
                        la, lb = node._local
                        a._g += la * g
                        b._g += lb * g
                    else:
                        for parent, local in zip(parents, node._local):
                            parent._g += local * g
        except BaseException:
            for node in order:
                node._g = None
            raise


def gradients(root: Node, inputs: Iterable[Node], create_graph: bool = False) -> list[Any]:
    """d root / d input for each input, without touching any ``.grad`` (like
    ``torch.autograd.grad``). Inputs ``root`` does not depend on get 0.0."""
    _check_node(root, "gradients")
    _check_recorded(root, "gradients()")
    inputs = list(inputs) if not isinstance(inputs, Node) else [inputs]
    for i, x in enumerate(inputs):
        _check_node(x, f"gradients (input {i})")
    grads = _walk(root, 1.0, create_graph)
    return [grads.get(x, 0.0) for x in inputs]
