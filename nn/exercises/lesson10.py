"""Exercises of lesson 10, build your own engine: a micrograd-size ``Value`` written by the
class step by step, each step checked against ``autograd_core`` on random graphs.

A graph is given as a ``Spec``: a tuple of steps, each ``("leaf", x)``, ``("+", i, j)``,
``("*", i, j)`` or ``("tanh", i)`` (``i``, ``j``: earlier steps); the last step is the
output. The same spec is built with the student's class and with chainrule's.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from typing import Any

import autograd_core
from autograd_core import Value

from .exercise import code

Spec = tuple[tuple[Any, ...], ...]

# Graphs where a value is used twice: the ones that catch "grad =" in place of "grad +=".
REUSE: tuple[Spec, ...] = (
    (("leaf", 0.7), ("+", 0, 0)),
    (("leaf", -1.3), ("*", 0, 0)),
    (("leaf", 0.4), ("tanh", 0), ("*", 1, 0)),
    (("leaf", 0.5), ("leaf", -2.0), ("*", 0, 1), ("+", 2, 0), ("tanh", 3)),
)


def build(spec: Spec, leaf: Callable[[float, int], Any]) -> list[Any]:
    """Every node of ``spec``, made with ``leaf(x, k)`` for the leaves and the nodes' own
    ``+``, ``*`` and ``.tanh()`` for the rest."""
    nodes: list[Any] = []
    for k, step in enumerate(spec):
        op = step[0]
        if op == "leaf":
            nodes.append(leaf(step[1], k))
        elif op == "+":
            nodes.append(nodes[step[1]] + nodes[step[2]])
        elif op == "*":
            nodes.append(nodes[step[1]] * nodes[step[2]])
        else:
            nodes.append(nodes[step[1]].tanh())
    return nodes


def show(spec: Spec) -> str:
    """The graph as the lines of code that build it, then ``backward()`` from its output."""
    lines = []
    for k, step in enumerate(spec):
        op = step[0]
        if op == "leaf":
            lines.append(f"n{k} = Value({step[1]:.4g})")
        elif op == "tanh":
            lines.append(f"n{k} = n{step[1]}.tanh()")
        else:
            lines.append(f"n{k} = n{step[1]} {op} n{step[2]}")
    return "the graph  " + "; ".join(lines)


def _leaves(spec: Spec) -> list[int]:
    return [k for k, step in enumerate(spec) if step[0] == "leaf"]


def random_graph(rng: random.Random, ops: Sequence[str] = ("+", "*", "tanh")) -> Spec:
    """Two or three leaves, then three to six operations, most of them reusing a value."""
    spec: list[tuple[Any, ...]] = [
        ("leaf", round(rng.uniform(-1.5, 1.5), 3)) for _ in range(rng.randint(2, 3))
    ]
    for _ in range(rng.randint(3, 6)):
        op = rng.choice(ops)
        last = len(spec) - 1  # the newest node takes part: the output depends on everything
        other = rng.randrange(len(spec))
        spec.append(("tanh", last) if op == "tanh" else (op, last, other))
    return tuple(spec)


def _chainrule_graph(spec: Spec) -> list[Value]:
    nodes = build(spec, lambda x, k: Value(x))
    for k, node in enumerate(nodes):
        node.label = f"n{k}"  # the names the student sees in the graph's code
    return nodes


# -- step 1: + and * ------------------------------------------------------------------------


def _op_input(rng: random.Random) -> tuple[str, float, float, float]:
    return rng.choice("+*"), rng.uniform(-3, 3), rng.uniform(-3, 3), rng.uniform(-2, 2)


def _run_op(cls: Any, op: str, a: float, b: float, out_grad: float) -> tuple[Any, Any, Any]:
    x, y = cls(a), cls(b)
    out = x + y if op == "+" else x * y
    out.grad = out_grad
    out._backward()
    return out.data, x.grad, y.grad


@code(
    "10-add-mul",
    "Fill in the _backward of add and mul: given out.grad (d loss/d out), pass the gradient back to "
    "self.grad and other.grad. The checker makes Value(a) + Value(b) or Value(a) * Value(b) with your "
    "class, sets out.grad and calls out._backward() once; it reports (out.data, a's grad, b's grad).",
    (
        "Each input receives out.grad times the local derivative of out with respect to that input.",
        "For a + b both local derivatives are 1; for a * b the derivative for one input is the other "
        "input's data.",
        "add: self.grad += out.grad; other.grad += out.grad.   mul: self.grad += other.data * out.grad; "
        "other.grad += self.data * out.grad",
    ),
    _op_input,
    [
        (
            lambda op, a, b, g: (a * b, a * g, b * g) if op == "*" else None,
            "in mul each input gets the *other* input's data times out.grad.",
        ),
    ],
    run=_run_op,
    names=("op", "a", "b", "out_grad"),
    rtol=1e-9,
    atol=1e-12,
)
def _add_mul(op: str, a: float, b: float, out_grad: float) -> tuple[float, float, float]:
    x, y = Value(a), Value(b)
    out = x + y if op == "+" else x * y
    (out * out_grad).backward()
    return out.data, float(x.grad), float(y.grad)


# -- step 2: tanh ---------------------------------------------------------------------------


def _tanh_input(rng: random.Random) -> tuple[float, float]:
    return rng.uniform(-3, 3), rng.uniform(-2, 2)


def _run_tanh(cls: Any, n: float, out_grad: float) -> tuple[Any, Any]:
    x = cls(n)
    out = x.tanh()
    out.grad = out_grad
    out._backward()
    return out.data, x.grad


@code(
    "10-tanh",
    "Write tanh(self): a new Value holding math.tanh(self.data), whose _backward passes out.grad "
    "back to self. The checker reports (out.data, self's grad) after one _backward.",
    (
        "tanh's local derivative can be written with its own output.",
        "Compute t = math.tanh(self.data) once; the local derivative is 1 - t^2, times out.grad, "
        "added to self.grad.",
        "t = math.tanh(self.data); out = Value(t, (self,), 'tanh'); in _backward: self.grad += (1 - "
        "t ** 2) * out.grad",
    ),
    _tanh_input,
    [
        (
            lambda n, g: (math.tanh(n), (1 - math.tanh(n)) * g),
            "the local derivative is 1 - t^2 (t squared), not 1 - t.",
        ),
        (lambda n, g: (math.tanh(n), 1 - math.tanh(n) ** 2), "multiply the local derivative by out.grad."),
    ],
    run=_run_tanh,
    names=("n", "out_grad"),
    rtol=1e-9,
    atol=1e-12,
)
def _tanh(n: float, out_grad: float) -> tuple[float, float]:
    x = Value(n)
    out = x.tanh()
    (out * out_grad).backward()
    return out.data, float(x.grad)


# -- step 3: the topological order -------------------------------------------------------------


def _run_order(student: Callable[[Any], Any], spec: Spec) -> list[str]:
    order = student(_chainrule_graph(spec)[-1])
    return [getattr(v, "label", repr(v)) for v in order]


def _judge_order(args: tuple[Any, ...], labels: Any) -> str | None:
    spec: Spec = args[0]
    needed, stack = set(), [len(spec) - 1]
    while stack:  # every node the output depends on
        k = stack.pop()
        if k not in needed:
            needed.add(k)
            stack.extend(spec[k][1:] if spec[k][0] != "leaf" else ())
    names = [f"n{k}" for k in sorted(needed)]
    if not isinstance(labels, list):
        return f"the order should be a list of the nodes, got {type(labels).__name__}"
    missing = [n for n in names if n not in labels]
    twice = sorted({n for n in labels if labels.count(n) > 1})
    if missing or twice or len(labels) != len(names):
        return f"your order is {labels}: it should list each of {names} exactly once" + (
            f" (missing {missing})" if missing else f" ({twice} more than once)" if twice else ""
        )
    place = {n: i for i, n in enumerate(labels)}
    for k in sorted(needed):
        for child in set(spec[k][1:]) if spec[k][0] != "leaf" else ():
            if place[f"n{child}"] > place[f"n{k}"]:
                return f"your order is {labels}: n{k} comes before n{child}, which it is made from"
    return None


@code(
    "10-topological-order",
    "Write topological_order(root): a list of every node root depends on (root too), each once, every "
    "node after the nodes it was made from (its _prev). The checker gives it graphs built by chainrule.",
    (
        "A node can only be placed once everything it was made from has been placed.",
        "Visit a node's children (_prev) first, then append the node; remember what you visited so "
        "nothing comes twice.",
        "order, seen = [], set()\ndef visit(v):\n    if v not in seen:\n        seen.add(v)\n        "
        "for child in "
        "v._prev:\n            visit(child)\n        order.append(v)\nvisit(root); return order",
    ),
    lambda rng: (random_graph(rng),),
    [],
    fixed=tuple((spec,) for spec in REUSE),
    run=_run_order,
    judge=_judge_order,
    show=lambda args: show(args[0]),
)
def _topological_order(spec: Spec) -> list[str]:
    return [v.label for v in autograd_core.topological_order(_chainrule_graph(spec)[-1])]


# -- step 4: backward, with += ------------------------------------------------------------------


def tiny_engine(overwrite: frozenset[str] = frozenset(), forward: bool = False, seed: bool = True) -> type:
    """A micrograd-size engine, as a class, with the classic mistakes as switches: ``overwrite``
    (the ops whose _backward writes ``grad =`` instead of ``grad +=``), ``forward`` (calls each
    _backward in forward order), ``seed=False`` (forgets to start the output's grad at 1)."""

    class Tiny:
        def __init__(self, data: float, children: tuple[Any, ...] = (), op: str = "") -> None:
            self.data, self.grad, self._prev, self._op = data, 0.0, tuple(children), op
            self._backward: Callable[[], None] = lambda: None

        def _give(self, op: str, amount: float) -> None:
            self.grad = amount if op in overwrite else self.grad + amount

        def __add__(self, other: Tiny) -> Tiny:
            out = Tiny(self.data + other.data, (self, other), "+")

            def _backward() -> None:
                self._give("+", out.grad)
                other._give("+", out.grad)

            out._backward = _backward
            return out

        def __mul__(self, other: Tiny) -> Tiny:
            out = Tiny(self.data * other.data, (self, other), "*")

            def _backward() -> None:
                self._give("*", other.data * out.grad)
                other._give("*", self.data * out.grad)

            out._backward = _backward
            return out

        def tanh(self) -> Tiny:
            t = math.tanh(self.data)
            out = Tiny(t, (self,), "tanh")
            out._backward = lambda: self._give("tanh", (1 - t * t) * out.grad)
            return out

        def backward(self) -> None:
            order: list[Tiny] = []
            seen: set[int] = set()

            def visit(v: Tiny) -> None:
                if id(v) not in seen:
                    seen.add(id(v))
                    for child in v._prev:
                        visit(child)
                    order.append(v)

            visit(self)
            self.grad = 1.0 if seed else 0.0
            for v in order if forward else reversed(order):
                v._backward()

    return Tiny


def _leaf_grads(cls: Any, spec: Spec) -> list[Any]:
    nodes = build(spec, lambda x, k: cls(x))
    nodes[-1].backward()
    return [nodes[k].grad for k in _leaves(spec)]


def _mistake(**switches: Any) -> Callable[[Spec], list[Any]]:
    return lambda spec: _leaf_grads(tiny_engine(**switches), spec)


_ACCUMULATE_HINT = (
    "a value used twice keeps only the gradient of its last use: in add, mul and tanh, accumulate with "
    "self.grad += ... (in add and mul also other.grad += ...), not =, then run those cells and this one "
    "again."
)


@code(
    "10-backward",
    "Write backward(self): order the graph with your topological_order, set the output's own gradient, "
    "and call every node's _backward so that each node's gradient is complete before it is passed on. "
    "The checker builds graphs with your Value, calls backward() on the output and compares every "
    "leaf's grad with chainrule's; some graphs use a value twice.",
    (
        "The output's gradient with respect to itself starts the chain; then each node passes its "
        "gradient on.",
        "A node may pass its gradient on only when every node that uses it has passed theirs: walk the "
        "topological order backwards. A value used twice must collect both contributions (+=).",
        "order = topological_order(self); self.grad = 1.0; for v in reversed(order): v._backward()",
    ),
    lambda rng: (random_graph(rng),),
    [
        (_mistake(overwrite=frozenset({"+"})), _ACCUMULATE_HINT.replace("add, mul and tanh", "add")),
        (_mistake(overwrite=frozenset({"*"})), _ACCUMULATE_HINT.replace("add, mul and tanh", "mul")),
        (_mistake(overwrite=frozenset({"tanh"})), _ACCUMULATE_HINT.replace("add, mul and tanh", "tanh")),
        (_mistake(overwrite=frozenset({"+", "*", "tanh"})), _ACCUMULATE_HINT),
        (
            _mistake(forward=True),
            "gradients flow from the output back: call _backward in reversed topological order.",
        ),
        (
            _mistake(seed=False),
            "start the chain: the output's gradient with respect to itself is 1 (self.grad = 1.0).",
        ),
    ],
    fixed=tuple((spec,) for spec in REUSE),
    run=_leaf_grads,
    show=lambda args: show(args[0]),
    rtol=1e-9,
    atol=1e-12,
)
def _backward(spec: Spec) -> list[float]:
    nodes = _chainrule_graph(spec)
    nodes[-1].backward()
    return [float(nodes[k].grad) for k in _leaves(spec)]


# -- step 5: a neuron, trained ------------------------------------------------------------------


def _neuron_task(
    rng: random.Random,
) -> tuple[list[float], float, list[tuple[tuple[float, float], float]], float, int]:
    data = [((rng.uniform(-2, 2), rng.uniform(-2, 2)), rng.choice([-1.0, 1.0])) for _ in range(4)]
    return [rng.uniform(-1, 1), rng.uniform(-1, 1)], rng.uniform(-1, 1), data, 0.05, 10


def _train(
    w: list[float], b: float, data: Any, lr: float, steps: int, zero: bool = True, sign: float = 1.0
) -> list[float]:
    params = [Value(w[0]), Value(w[1]), Value(b)]
    for _ in range(steps):
        if zero:
            for p in params:
                p.grad = 0.0
        loss: Value | float = 0.0
        for (x1, x2), t in data:
            y = (params[0] * x1 + params[1] * x2 + params[2]).tanh()
            loss = loss + (y - t) ** 2
        assert isinstance(loss, Value)
        loss.backward()
        for p in params:
            p.data -= sign * lr * p.grad
    return [p.data for p in params]


@code(
    "10-train-neuron",
    "Write train_neuron(w, b, data, lr, steps) with YOUR Value: a neuron y = tanh(w[0] x1 + w[1] x2 + b), "
    "the loss sum over data of (y - t)^2, and `steps` steps of gradient descent with learning rate lr. "
    "data is [((x1, x2), t), ...]. Return [w1, w2, b] after training, as numbers.",
    (
        "Each step is the five steps of training: forward, loss, zero the gradients, backward, update.",
        "Make the three parameters Values once, before the loop; in each step build the loss from them, set "
        "their grads to 0, call loss.backward(), then move each p.data against p.grad.",
        "ps = [Value(w[0]), Value(w[1]), Value(b)]; each step: for p in ps: p.grad = 0.0; loss = sum of "
        "d * d with d = y + Value(-t); loss.backward(); for p in ps: p.data -= lr * p.grad. Return "
        "[p.data for p in ps].",
    ),
    _neuron_task,
    [
        (
            lambda w, b, data, lr, steps: _train(w, b, data, lr, steps, zero=False),
            "the gradients pile up from step to step: set every parameter's grad to 0 before each backward "
            "(that is what += asks of you).",
        ),
        (
            lambda w, b, data, lr, steps: _train(w, b, data, lr, steps, sign=-1.0),
            "that climbs the loss: subtract lr * grad.",
        ),
    ],
    trials=8,
    rtol=1e-7,
    atol=1e-12,
)
def _train_neuron(w: list[float], b: float, data: Any, lr: float, steps: int) -> list[float]:
    return _train(w, b, data, lr, steps)
