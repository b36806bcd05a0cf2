"""Exercises of lesson 01, values and the chain rule."""

from __future__ import annotations

import random

from autograd_core import Value

from .exercise import code, number

# The neuron of lesson 1: inputs x1 = 2, x2 = 0, weights w1 = -3, w2 = 1, and a bias
# chosen so that n = x1 w1 + x2 w2 + b = atanh(1/sqrt(2)): then y = tanh(n) = 1/sqrt(2)
# and the tanh's local derivative 1 - y^2 is 1/2.
NEURON = {"x1": 2.0, "x2": 0.0, "w1": -3.0, "w2": 1.0, "b": 6.8813735870195432}


def _neuron() -> tuple[dict[str, Value], Value, Value]:
    v = {k: Value(x, label=k) for k, x in NEURON.items()}
    n = v["x1"] * v["w1"] + v["x2"] * v["w2"] + v["b"]
    return v, n, n.tanh()


@number(
    "01-local-derivative",
    "The neuron's tanh: y = tanh(n) with n = 0.8813735870195432. What is the local derivative dy/dn?",
    (
        "A local derivative belongs to one node alone: how fast does tanh's output move when its "
        "input moves?",
        "tanh's derivative can be written with its own output y = tanh(n); print y first.",
        "d tanh(n)/dn = 1 - tanh(n)^2 = 1 - y^2. Compute y first (print it), then 1 - y^2.",
    ),
    [
        (lambda: _neuron()[2].data, "that is y itself; the derivative is 1 - y^2."),
        (lambda: 1 - _neuron()[2].data, "close: the derivative is 1 - y^2 (y squared), not 1 - y."),
    ],
)
def _local_derivative() -> float:
    y = _neuron()[2]
    return float(y.local_grads[0])  # the derivative the engine stored on the tanh node


def _consumers() -> tuple[Value, Value]:
    a, b, c = Value(2.0, label="a"), Value(-3.0, label="b"), Value(10.0, label="c")
    u, v = a * b, a + c
    return a, u * v


@number(
    "01-two-consumers",
    "a = 2, b = -3, c = 10; u = a * b, v = a + c, w = u * v. What is dw/da?",
    (
        "a reaches w along more than one path: every path contributes.",
        "Follow a to w through u, and through v; each path is a product of local derivatives, and "
        "the paths add.",
        "a feeds two consumers, u and v: dw/da = (dw/du)(du/da) + (dw/dv)(dv/da) = v * b + u * 1.",
    ),
    [
        (lambda: (2.0 + 10.0) * -3.0, "that is only the path through u; add the path through v (v = a + c)."),
        (lambda: 2.0 * -3.0, "that is only the path through v; add the path through u (u = a * b)."),
    ],
)
def _two_consumers() -> float:
    a, w = _consumers()
    w.backward()
    return float(a.grad)


@number(
    "01-neuron-weight",
    "For the neuron y = tanh(x1 w1 + x2 w2 + b) above (x1 = 2): what is dy/dw1?",
    (
        "w1 reaches y through n: the chain rule multiplies the local derivatives along the way.",
        "Two factors: dy/dn (the tanh's local derivative, the first exercise) and dn/dw1 (what "
        "multiplies w1 in n).",
        "Chain rule: dy/dw1 = (dy/dn)(dn/dw1) = (1 - y^2) * x1.",
    ),
    [
        (lambda: NEURON["x1"], "that is dn/dw1 alone; multiply by the tanh's local derivative 1 - y^2."),
        (lambda: _local_derivative(), "that is dy/dn alone; multiply by dn/dw1 = x1."),
    ],
)
def _neuron_weight() -> float:
    v, _, y = _neuron()
    y.backward()
    return float(v["w1"].grad)


def _mul_inputs(rng: random.Random) -> tuple[float, float, float]:
    return rng.uniform(-3, 3), rng.uniform(-3, 3), rng.uniform(-2, 2)


@code(
    "01-mul-backward",
    "Write mul_backward(a, b, out_grad): out = a * b, and out_grad is d loss/d out. "
    "Return (d loss/da, d loss/db): what a * node passes back to its two inputs.",
    (
        "Each input gets out_grad times the local derivative of out = a * b with respect to that input.",
        "d(a * b)/da is b, and d(a * b)/db is a: each input's derivative is the other input.",
        "return (b * out_grad, a * out_grad)",
    ),
    _mul_inputs,
    [
        (lambda a, b, g: (a * g, b * g), "each input gets the *other* input times out_grad: d(a*b)/da = b."),
        (lambda a, b, g: (b, a), "the chain rule goes on: multiply each local derivative by out_grad."),
    ],
)
def _mul_backward(a: float, b: float, out_grad: float) -> tuple[float, float]:
    x, y = Value(a), Value(b)
    (x * y * out_grad).backward()  # d loss/d out = out_grad: loss = out * out_grad
    return float(x.grad), float(y.grad)
