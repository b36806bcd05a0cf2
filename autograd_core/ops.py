"""The derivative table: every op of the engine, each with its local derivative beside it.

An op is one *rule* ``rule(m, *inputs) -> (output, local_derivatives)``. ``m`` is a
small math namespace, so the same rule is read three ways:

* with floats (``FLOAT``) by the eager engine, once per node as it is built;
* with ``Value`` objects (``VALUE``) by ``backward(create_graph=True)``, so gradients
  of gradients come from the very same rule, not from a second copy of it;
* with NumPy arrays (``ARRAY``) by ``autograd_core.compile``, a whole batch at once.

Adding an op is one entry below (plus, if it needs a new elementary function, one line
in each namespace) and one short method on ``Value``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np

Rule = Callable[..., tuple[Any, tuple[Any, ...]]]


class DomainError(ValueError):
    """An op was asked for a value outside its domain (log of 0, division by zero, ...)."""


class Op:
    """One entry of the derivative table.

    ``name`` is the short name a node shows (``"*"``, ``"tanh"``); ``rule`` computes the
    output and the local derivative toward each input; ``domain`` (optional) checks the
    inputs' data and returns an error message, or ``None`` when they are fine;
    ``activation`` marks the ops a neuron applies after its weighted sum.
    """

    __slots__ = ("activation", "display", "domain", "name", "rule")

    def __init__(
        self,
        name: str,
        rule: Rule,
        domain: Callable[..., str | None] | None = None,
        display: str | None = None,
        activation: bool = False,
    ) -> None:
        self.name = name
        self.rule = rule
        self.domain = domain
        self.display = display or name  # what a picture prints: "**2" rather than "**"
        # A neuron's nonlinearity (relu, tanh, ...): pictures fold act(w·x + b) into one
        # neuron node, and nn's activation table is built from these ops.
        self.activation = activation

    def __repr__(self) -> str:
        return f"Op({self.display!r})"


# ---------------------------------------------------------------------------------------
# The three namespaces. Each has the same few elementary functions.
# ---------------------------------------------------------------------------------------


def _safe_exp(x: float) -> float:
    # math.exp raises OverflowError past ~709; IEEE (and NumPy, PyTorch) say inf, which
    # detect_anomaly can then report by op name.
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def _safe_pow(x: float, p: float) -> float:
    try:
        return float(x**p)
    except OverflowError:
        return math.inf
    except ZeroDivisionError:  # 0.0 ** -1 in Python; IEEE says inf
        return math.inf


def _sigmoid(x: float) -> float:
    # Two branches so exp never sees a large positive argument: stable at +-1000.
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _softplus(x: float) -> float:
    # log(1 + e^x) = max(x, 0) + log1p(e^-|x|): never overflows, exact for large |x|.
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def _inv(x: float) -> float:
    return 1.0 / x if x != 0.0 else math.copysign(math.inf, x)


class FLOAT:
    """Elementary functions on Python floats (the eager engine)."""

    exp = staticmethod(_safe_exp)
    log = staticmethod(math.log)
    sqrt = staticmethod(math.sqrt)
    tanh = staticmethod(math.tanh)
    sin = staticmethod(math.sin)
    cos = staticmethod(math.cos)
    sigmoid = staticmethod(_sigmoid)
    softplus = staticmethod(_softplus)
    pow = staticmethod(_safe_pow)
    inv = staticmethod(_inv)

    @staticmethod
    def where(cond: Any, a: Any, b: Any) -> Any:
        """``a`` where ``cond`` holds, else ``b`` (cond is a plain bool here)."""
        return a if cond else b

    @staticmethod
    def positive(x: float) -> bool:
        """Whether ``x > 0``: decides kinks (relu, leaky relu, abs)."""
        return x > 0.0

    @staticmethod
    def negative(x: float) -> bool:
        """Whether ``x < 0``."""
        return x < 0.0

    @staticmethod
    def data(x: Any) -> Any:
        """The plain number behind ``x`` (itself, for floats)."""
        return x

    isnan = staticmethod(math.isnan)


def _value_pow(x: Any, p: Any) -> Any:
    # 0 to a negative power is inf in the eager engine (IEEE); the op itself refuses it
    # as a domain error, so it is spelled (1/0) ** -p here: inf, as eager says.
    if isinstance(p, (int, float)) and p < 0 and getattr(x, "data", x) == 0:
        return x.reciprocal() ** -p
    return x**p


class VALUE:
    """Elementary functions on ``Value`` objects: used to record a backward pass."""

    exp = staticmethod(lambda x: x.exp())
    log = staticmethod(lambda x: x.log())
    sqrt = staticmethod(lambda x: x.sqrt())
    tanh = staticmethod(lambda x: x.tanh())
    sin = staticmethod(lambda x: x.sin())
    cos = staticmethod(lambda x: x.cos())
    sigmoid = staticmethod(lambda x: x.sigmoid())
    softplus = staticmethod(lambda x: x.softplus())
    pow = staticmethod(_value_pow)
    inv = staticmethod(lambda x: x.reciprocal() if hasattr(x, "reciprocal") else _inv(x))
    where = staticmethod(FLOAT.where)
    # Kinks are decided on the data: the derivative of a step is 0, so a branch taken on
    # the data is exactly right for second derivatives too.
    positive = staticmethod(lambda x: x.data > 0.0)
    negative = staticmethod(lambda x: x.data < 0.0)
    data = staticmethod(lambda x: x.data if hasattr(x, "data") else x)
    isnan = staticmethod(lambda x: math.isnan(x.data if hasattr(x, "data") else x))


def _np_sigmoid(x: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


class ARRAY:
    """Elementary functions on NumPy arrays (the compiled, batched path)."""

    exp = staticmethod(np.exp)
    log = staticmethod(np.log)
    sqrt = staticmethod(np.sqrt)
    tanh = staticmethod(np.tanh)
    sin = staticmethod(np.sin)
    cos = staticmethod(np.cos)
    sigmoid = staticmethod(_np_sigmoid)
    softplus = staticmethod(lambda x: np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x))))
    pow = staticmethod(np.power)
    inv = staticmethod(lambda x: np.divide(1.0, x))
    where = staticmethod(np.where)
    positive = staticmethod(lambda x: np.greater(x, 0.0))
    negative = staticmethod(lambda x: np.less(x, 0.0))
    data = staticmethod(lambda x: x)
    isnan = staticmethod(np.isnan)


# ---------------------------------------------------------------------------------------
# The table. One entry per op: forward and local derivatives side by side.
# ---------------------------------------------------------------------------------------

#: The "op" of a value computed under ``no_grad``: a leaf like any other, remembered as
#: such so that ``backward`` from it can say why nothing flows (instead of silently 0).
UNRECORDED = Op("", lambda m: (0.0, ()), display="computed under no_grad")

ADD = Op("+", lambda m, a, b: (a + b, (1.0, 1.0)))
SUB = Op("-", lambda m, a, b: (a - b, (1.0, -1.0)))
MUL = Op("*", lambda m, a, b: (a * b, (b, a)))


def _div_rule(m: Any, a: Any, b: Any) -> tuple[Any, tuple[Any, ...]]:
    q = a / b
    return q, (m.inv(b), -q * m.inv(b))


def _nonzero_divisor(a: float, b: float) -> str | None:
    return None if b != 0.0 else f"division by zero: {a!r} / {b!r}"


DIV = Op("/", _div_rule, _nonzero_divisor)
NEG = Op("neg", lambda m, x: (-x, (-1.0,)))


def _exp_rule(m: Any, x: Any) -> tuple[Any, tuple[Any, ...]]:
    e = m.exp(x)
    return e, (e,)  # d/dx e^x = e^x


def _sqrt_rule(m: Any, x: Any) -> tuple[Any, tuple[Any, ...]]:
    s = m.sqrt(x)
    return s, (0.5 * m.inv(s),)  # at 0 the slope is +inf


def _tanh_rule(m: Any, x: Any) -> tuple[Any, tuple[Any, ...]]:
    t = m.tanh(x)
    return t, (1.0 - t * t,)


def _sigmoid_rule(m: Any, x: Any) -> tuple[Any, tuple[Any, ...]]:
    s = m.sigmoid(x)
    return s, (s * (1.0 - s),)


def _positive_domain(name: str) -> Callable[[float], str | None]:
    return lambda x: None if x > 0.0 else f"{name} needs x > 0, got x = {x!r}"


EXP = Op("exp", _exp_rule)
LOG = Op("log", lambda m, x: (m.log(x), (m.inv(x),)), _positive_domain("log"))
SQRT = Op("sqrt", _sqrt_rule, lambda x: None if x >= 0.0 else f"sqrt needs x >= 0, got x = {x!r}")
TANH = Op("tanh", _tanh_rule, activation=True)
SIGMOID = Op("sigmoid", _sigmoid_rule, activation=True)
SOFTPLUS = Op("softplus", lambda m, x: (m.softplus(x), (m.sigmoid(x),)), activation=True)


def _not_infinite(name: str) -> Callable[[float], str | None]:
    return lambda x: None if not math.isinf(x) else f"{name} needs a finite x, got x = {x!r}"


SIN = Op("sin", lambda m, x: (m.sin(x), (m.cos(x),)), _not_infinite("sin"))
COS = Op("cos", lambda m, x: (m.cos(x), (-m.sin(x),)), _not_infinite("cos"))
# 1/x with IEEE's answer at 0 (inf), not an error: the slope of sqrt at 0, recorded as a
# Value by create_graph, is +inf as it is in the eager engine.
INV = Op("inv", lambda m, x: (m.inv(x), (-m.inv(x) * m.inv(x),)))


# Kinks follow PyTorch: relu'(0) = 0, |x|'(0) = 0, leaky_relu'(0) = alpha.
def _relu_rule(m: Any, x: Any) -> tuple[Any, tuple[Any, ...]]:
    # "0 where x < 0, else x" rather than "x where x > 0, else 0", so NaN stays NaN.
    return m.where(m.negative(x), 0.0, x), (m.where(m.positive(x), 1.0, 0.0),)


def _abs_rule(m: Any, x: Any) -> tuple[Any, tuple[Any, ...]]:
    sign = m.where(m.positive(x), 1.0, m.where(m.negative(x), -1.0, 0.0))
    return m.where(m.negative(x), -x, x), (sign,)


RELU = Op("relu", _relu_rule, activation=True)
ABS = Op("abs", _abs_rule)


@lru_cache(maxsize=256)
def leaky_relu_op(alpha: float) -> Op:
    """The leaky relu op for one slope ``alpha`` (cached: one Op object per slope)."""

    def rule(m: Any, x: Any) -> tuple[Any, tuple[Any, ...]]:
        # alpha*x where x < 0, else x: NaN stays NaN (as in relu)
        return m.where(m.negative(x), alpha * x, x), (m.where(m.positive(x), 1.0, alpha),)

    return Op("leaky_relu", rule, display=f"leaky_relu({alpha:g})", activation=True)


def _pow_const_domain(p: float) -> Callable[[float], str | None]:
    def check(x: float) -> str | None:
        if x == 0.0 and p < 0:
            return f"0 to a negative power: 0.0 ** {p!r}"
        if x < 0.0 and not float(p).is_integer():
            return f"a negative base to a fractional power is complex: {x!r} ** {p!r}"
        return None

    return check


@lru_cache(maxsize=1024)
def pow_const_op(p: float) -> Op:
    """``x ** p`` for a constant number ``p`` (cached per exponent)."""

    def rule(m: Any, x: Any) -> tuple[Any, tuple[Any, ...]]:
        slope = p * m.pow(x, p - 1.0) if p != 0.0 else 0.0 * x  # d/dx x^p = p x^(p-1)
        return m.pow(x, p), (slope,)

    # A whole non-negative power (x ** 2) is defined everywhere: no check to run per value.
    everywhere = float(p).is_integer() and p >= 0
    return Op("**", rule, None if everywhere else _pow_const_domain(p), display=f"**{p:g}")


def _pow_rule(m: Any, a: Any, b: Any) -> tuple[Any, tuple[Any, ...]]:
    out = m.pow(a, b)
    return out, (b * m.pow(a, b - 1.0), out * m.log(a))


def _positive_base(a: float, b: float) -> str | None:
    if a > 0.0:
        return None
    return f"a Value exponent needs a positive base (d/db a**b = a**b log a), got {a!r} ** {b!r}"


POW = Op("**", _pow_rule, _positive_base)


def _max_rule(m: Any, a: Any, b: Any) -> tuple[Any, tuple[Any, ...]]:
    # At a tie the gradient is split evenly, as torch.maximum does; a NaN on either side
    # wins (NaN in, NaN out), from whichever side it came.
    da, db = m.data(a), m.data(b)
    wa = m.where(da > db, 1.0, m.where(da < db, 0.0, 0.5))
    pick_a = m.where(m.isnan(da), True, m.where(m.isnan(db), False, da >= db))
    return m.where(pick_a, a, b), (wa, 1.0 - wa)


def _min_rule(m: Any, a: Any, b: Any) -> tuple[Any, tuple[Any, ...]]:
    da, db = m.data(a), m.data(b)
    wa = m.where(da < db, 1.0, m.where(da > db, 0.0, 0.5))
    pick_a = m.where(m.isnan(da), True, m.where(m.isnan(db), False, da <= db))
    return m.where(pick_a, a, b), (wa, 1.0 - wa)


MAX = Op("max", _max_rule)
MIN = Op("min", _min_rule)


def _sum_rule(m: Any, *xs: Any) -> tuple[Any, tuple[Any, ...]]:
    total = xs[0]
    for x in xs[1:]:
        total = total + x
    return total, (1.0,) * len(xs)


def _dot_rule(m: Any, *wx: Any) -> tuple[Any, tuple[Any, ...]]:
    # Inputs are w_1..w_n followed by x_1..x_n; d/dw_i = x_i and d/dx_i = w_i.
    n = len(wx) // 2
    ws, xs = wx[:n], wx[n:]
    total = ws[0] * xs[0]
    for w, x in zip(ws[1:], xs[1:]):
        total = total + w * x
    return total, xs + ws


SUM = Op("sum", _sum_rule)
DOT = Op("dot", _dot_rule)
IDENTITY = Op("id", lambda m, x: (x, (1.0,)))
# The value passes through, no gradient flows back (jax.lax.stop_gradient): what
# detach() records while compile traces, so a detached value still varies per sample.
STOP_GRADIENT = Op("stop_gradient", lambda m, x: (x, (0.0,)))

#: Every fixed op by its display name: one place to read the whole table (the engine
#: itself refers to the ops by their Python names above).
TABLE: dict[str, Op] = {
    op.display: op
    for op in (
        *(ADD, SUB, MUL, DIV, NEG, EXP, LOG, SQRT, TANH, SIGMOID, SOFTPLUS, SIN, COS, INV),
        *(RELU, ABS, MAX, MIN, SUM, DOT, IDENTITY, STOP_GRADIENT),
    )
}
TABLE["pow"] = POW
