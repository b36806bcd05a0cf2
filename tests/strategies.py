"""Hypothesis strategies shared by every test module (MiniTorch's habit): floats in each
op's domain, and random expression graphs that share subexpressions."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from autograd_core import Value


def reals(lo: float = -5.0, hi: float = 5.0) -> st.SearchStrategy[float]:
    """Finite floats in [lo, hi]."""
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def away_from(points: tuple[float, ...], lo: float, hi: float, gap: float = 1e-3) -> st.SearchStrategy[float]:
    """Floats in [lo, hi] at least ``gap`` from each kink in ``points`` (finite
    differences across a kink measure the kink, not the derivative)."""
    return reals(lo, hi).filter(lambda x: all(abs(x - p) > gap for p in points))


@dataclass(frozen=True)
class UnaryCase:
    """One unary op: how to apply it, its analytic derivative, and its domain."""

    name: str
    apply: Callable[[Value], Value]
    derivative: Callable[[float], float]
    inputs: st.SearchStrategy[float]


def _sig(x: float) -> float:
    return 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))


UNARY: list[UnaryCase] = [
    UnaryCase("neg", lambda v: -v, lambda x: -1.0, reals()),
    UnaryCase("abs", lambda v: v.abs(), lambda x: math.copysign(1.0, x), away_from((0.0,), -5, 5)),
    UnaryCase("exp", lambda v: v.exp(), math.exp, reals(-20, 20)),
    UnaryCase("log", lambda v: v.log(), lambda x: 1 / x, reals(1e-2, 50)),
    UnaryCase("sqrt", lambda v: v.sqrt(), lambda x: 0.5 / math.sqrt(x), reals(1e-2, 50)),
    UnaryCase("tanh", lambda v: v.tanh(), lambda x: 1 - math.tanh(x) ** 2, reals()),
    UnaryCase("sigmoid", lambda v: v.sigmoid(), lambda x: _sig(x) * (1 - _sig(x)), reals(-30, 30)),
    UnaryCase("relu", lambda v: v.relu(), lambda x: 1.0 if x > 0 else 0.0, away_from((0.0,), -5, 5)),
    UnaryCase(
        "leaky_relu",
        lambda v: v.leaky_relu(0.1),
        lambda x: 1.0 if x > 0 else 0.1,
        away_from((0.0,), -5, 5),
    ),
    UnaryCase("softplus", lambda v: v.softplus(), _sig, reals(-30, 30)),
    UnaryCase("sin", lambda v: v.sin(), math.cos, reals()),
    UnaryCase("cos", lambda v: v.cos(), lambda x: -math.sin(x), reals()),
    UnaryCase("square", lambda v: v**2, lambda x: 2 * x, reals()),
    UnaryCase("cube", lambda v: v**3, lambda x: 3 * x * x, reals()),
    UnaryCase("pow-0.5", lambda v: v**-0.5, lambda x: -0.5 * x**-1.5, reals(0.05, 20)),
    UnaryCase("pow2.5", lambda v: v**2.5, lambda x: 2.5 * x**1.5, reals(1e-3, 5)),
    UnaryCase("reciprocal", lambda v: 1 / v, lambda x: -1 / x**2, away_from((0.0,), -5, 5, 0.05)),
    UnaryCase("rsub", lambda v: 3 - v, lambda x: -1.0, reals()),
    UnaryCase("exp-base", lambda v: 2.0**v, lambda x: 2.0**x * math.log(2.0), reals(-10, 10)),
]


@dataclass(frozen=True)
class BinaryCase:
    """One binary op and its two partial derivatives."""

    name: str
    apply: Callable[[Value, Value], Value]
    partials: Callable[[float, float], tuple[float, float]]
    inputs: st.SearchStrategy[tuple[float, float]]


_pairs = st.tuples(reals(), reals())
_untied = _pairs.filter(lambda ab: abs(ab[0] - ab[1]) > 1e-3)

BINARY: list[BinaryCase] = [
    BinaryCase("+", lambda a, b: a + b, lambda a, b: (1.0, 1.0), _pairs),
    BinaryCase("-", lambda a, b: a - b, lambda a, b: (1.0, -1.0), _pairs),
    BinaryCase("*", lambda a, b: a * b, lambda a, b: (b, a), _pairs),
    BinaryCase(
        "/",
        lambda a, b: a / b,
        lambda a, b: (1 / b, -a / b**2),
        st.tuples(reals(), away_from((0.0,), -5, 5, 0.05)),
    ),
    BinaryCase(
        "**",
        lambda a, b: a**b,
        lambda a, b: (b * a ** (b - 1), a**b * math.log(a)),
        st.tuples(reals(0.05, 5), reals(-3, 3)),
    ),
    BinaryCase("max", lambda a, b: a.maximum(b), lambda a, b: (1.0, 0.0) if a > b else (0.0, 1.0), _untied),
    BinaryCase("min", lambda a, b: a.minimum(b), lambda a, b: (1.0, 0.0) if a < b else (0.0, 1.0), _untied),
]

# Smooth ops for random graphs: defined and tame everywhere, so finite differences hold.
_SMOOTH_UNARY: list[tuple[str, Callable[[Any], Any]]] = [
    ("tanh", lambda v: v.tanh()),
    ("sin", lambda v: v.sin()),
    ("cos", lambda v: v.cos()),
    ("sigmoid", lambda v: v.sigmoid()),
    # torch tensors have no .softplus(): the same function written out for them.
    ("softplus", lambda v: v.softplus() if hasattr(v, "softplus") else (1 + v.exp()).log()),
    ("neg", lambda v: -v),
    ("square", lambda v: v**2),
    ("scaled", lambda v: 0.5 * v + 1),
    ("soft-recip", lambda v: 1 / (1 + v * v)),
    ("exp-tanh", lambda v: v.tanh().exp()),
    ("log1p-sq", lambda v: (1 + v * v).log()),
]
_SMOOTH_BINARY: list[tuple[str, Callable[[Any, Any], Any]]] = [
    ("+", lambda a, b: a + b),
    ("-", lambda a, b: a - b),
    ("*", lambda a, b: a * b),
    ("/", lambda a, b: a / (1 + b * b)),
]


@dataclass(frozen=True)
class Program:
    """A random expression graph: ``n_inputs`` inputs, then steps that each read earlier
    nodes by index (so nodes are shared by several consumers)."""

    n_inputs: int
    steps: tuple[tuple[str, int, int], ...]  # (op name, index a, index b)

    def run(self, xs: list[Any]) -> Any:
        """Evaluate on Values (or anything with the same operators)."""
        nodes = list(xs)
        unary = dict(_SMOOTH_UNARY)
        binary = dict(_SMOOTH_BINARY)
        for name, i, j in self.steps:
            if name in unary:
                nodes.append(unary[name](nodes[i]))
            else:
                nodes.append(binary[name](nodes[i], nodes[j]))
        # The output sums the last few nodes, so several paths reach each input.
        out = nodes[-1]
        for extra in nodes[-3:-1]:
            out = out + extra
        return out


@st.composite
def programs(draw: st.DrawFn, max_inputs: int = 4, max_steps: int = 12) -> Program:
    """Random expression graphs over smooth ops with shared subexpressions."""
    n_inputs = draw(st.integers(1, max_inputs))
    n_steps = draw(st.integers(1, max_steps))
    names = [n for n, _ in _SMOOTH_UNARY] + [n for n, _ in _SMOOTH_BINARY]
    steps = []
    for k in range(n_steps):
        size = n_inputs + k
        steps.append(
            (draw(st.sampled_from(names)), draw(st.integers(0, size - 1)), draw(st.integers(0, size - 1)))
        )
    return Program(n_inputs, tuple(steps))


def central_difference(f: Callable[[list[float]], float], xs: list[float], i: int, h: float = 1e-6) -> float:
    """(f(x + h e_i) - f(x - h e_i)) / 2h with h scaled to |x_i|."""
    step = h * max(1.0, abs(xs[i]))
    up, down = list(xs), list(xs)
    up[i] += step
    down[i] -= step
    return (f(up) - f(down)) / (2 * step)
