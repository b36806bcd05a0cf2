"""``Value``: one scalar, its parents, and the local derivative toward each parent.

A node is ``(data, parents, local derivatives, op)``. The local derivatives are plain
numbers computed when the node is made, from the op's entry in ``ops.py``; nothing holds
a closure over the output, so a graph has no reference cycles and is freed by reference
counting alone as soon as the last name for its root goes away.
"""

from __future__ import annotations

import itertools
import numbers
from collections.abc import Iterable, Sequence
from typing import Any, Union

from . import ops
from .modes import STATE, check_forward, refuse_while_tracing
from .ops import FLOAT, DomainError, Op

Number = int | float
Operand = Union["Value", int, float]

# Creation order is a topological order (a parent always exists before its child), so a
# counter stamped on each node lets backward *sort* the reachable set instead of walking
# a recursive post-order.
_counter = itertools.count()
_next_seq = _counter.__next__

LEAF = Op("", lambda m: (0.0, ()))  # the "op" of a leaf: no inputs, nothing to apply


def _as_float(x: Any, what: str = "Value") -> float:
    # bool is an int, and NumPy scalars register as numbers.Real: all welcome.
    if isinstance(x, numbers.Real):
        return float(x)
    if isinstance(x, numbers.Complex):
        raise TypeError(f"{what} holds a real number; got the complex number {x!r}")
    hint = ""
    if isinstance(x, (list, tuple)) or type(x).__name__ == "ndarray":
        hint = " (one Value holds one number: make a list of Values instead)"
    raise TypeError(
        f"{what} needs a real number (int, float or NumPy scalar), got {type(x).__name__} {x!r}{hint}"
    )


def _binary_method(op: Op, reflected: bool = False) -> Any:
    """The method ``Value.<op>(self, other)`` for a binary op (``reflected``: the
    ``__radd__`` form, where the number comes first). Generated once per op so the hot
    path is one call deep: lift, check the domain, apply the rule, make the node."""
    rule, domain = op.rule, op.domain

    # The body of _make is written out here: one call less on the engine's hottest path.
    def method(self: Value, other: Operand) -> Value:
        if type(other) is not Value:
            other = _lift(other)
        x, y = (other, self) if reflected else (self, other)
        a = x.data
        b = y.data
        if domain is not None and (msg := domain(a, b)) is not None:
            raise _fail(op, msg)
        out, local = rule(FLOAT, a, b)
        node = _new(Value)
        node.data = out
        node.grad = 0.0
        node.label = ""
        node._g = 0.0
        node._seq = _next_seq()
        if STATE.grad_enabled:
            node._prev = (x, y)
            node._local = local
            node._op = op
        else:
            node._prev = node._local = ()
            node._op = LEAF
        if STATE.anomaly:
            check_forward(op.display, (a, b), out)
        return node

    method.__name__ = f"__{op.name}__"
    return method


class Value:
    """A scalar that remembers how it was computed.

    >>> x = Value(2.0, label="x")
    >>> y = x * x + 3 * x
    >>> y.backward()
    >>> x.grad  # dy/dx = 2x + 3
    7.0

    Attributes: ``data`` (the number), ``grad`` (d root / d this, filled by
    ``backward``), ``label`` (a name for pictures), ``op`` (the short name of the op that
    made it, ``""`` for a leaf) and ``parents`` (the values it was made from).
    """

    __slots__ = ("data", "grad", "label", "_prev", "_local", "_op", "_seq", "_g", "__weakref__")

    data: float
    grad: Any  # a float; a Value after backward(create_graph=True)

    def __init__(self, data: Number, label: str = "") -> None:
        self.data = data if type(data) is float else _as_float(data)
        self.grad = 0.0
        self.label = label
        self._prev: tuple[Value, ...] = ()
        self._local: tuple[Any, ...] = ()
        self._op = LEAF
        self._g: Any = 0.0  # scratch gradient, used by backward
        self._seq = _next_seq()

    # -- reading a node ---------------------------------------------------------------
    @property
    def op(self) -> str:
        """Short name of the op that made this value (``""`` for a leaf)."""
        return self._op.name

    @property
    def parents(self) -> tuple[Value, ...]:
        """The values this one was computed from (empty for a leaf)."""
        return self._prev

    @property
    def local_grads(self) -> tuple[float, ...]:
        """d self / d parent, for each parent, as recorded when the node was made."""
        return self._local

    @property
    def is_leaf(self) -> bool:
        """True for values made directly (inputs, parameters, constants)."""
        return not self._prev

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data:.6g}, grad={_fmt(self.grad)}{label})"

    def _repr_svg_(self) -> str | None:
        # Jupyter shows a Value as the picture of its graph (capped at 60 values, so a
        # whole training step does not flood the notebook); text when it cannot draw.
        try:
            from .draw import draw_graph
            from .render import RenderError

            return str(draw_graph(self, max_nodes=60).svg())
        except (ImportError, RenderError):
            return None

    def item(self) -> float:
        """The plain float, as ``tensor.item()``."""
        refuse_while_tracing("reading a Value as a number (.item())")
        return self.data

    def __float__(self) -> float:
        refuse_while_tracing("converting a Value to float")
        return self.data

    def __bool__(self) -> bool:
        refuse_while_tracing("testing a Value's truth")
        return True

    # Comparisons look at the data (as PyTorch scalars do), so builtin max/min/sorted
    # work and the gradient follows whichever value was picked. == stays identity so
    # values can be dict keys.
    def __lt__(self, other: Operand) -> bool:
        refuse_while_tracing("comparing Values")
        return self.data < _data(other)

    def __le__(self, other: Operand) -> bool:
        refuse_while_tracing("comparing Values")
        return self.data <= _data(other)

    def __gt__(self, other: Operand) -> bool:
        refuse_while_tracing("comparing Values")
        return self.data > _data(other)

    def __ge__(self, other: Operand) -> bool:
        refuse_while_tracing("comparing Values")
        return self.data >= _data(other)

    __hash__ = object.__hash__

    # -- arithmetic -------------------------------------------------------------------
    # Binary ops: each method is made by _binary_method from the op's table entry.
    __add__ = _binary_method(ops.ADD)
    __radd__ = _binary_method(ops.ADD, reflected=True)
    __sub__ = _binary_method(ops.SUB)
    __rsub__ = _binary_method(ops.SUB, reflected=True)
    __mul__ = _binary_method(ops.MUL)
    __rmul__ = _binary_method(ops.MUL, reflected=True)
    __truediv__ = _binary_method(ops.DIV)
    __rtruediv__ = _binary_method(ops.DIV, reflected=True)
    __rpow__ = _binary_method(ops.POW, reflected=True)
    _pow_value = _binary_method(ops.POW)

    def __pow__(self, other: Operand) -> Value:
        if type(other) is Value:
            return self._pow_value(other)
        return _unary(ops.pow_const_op(_as_float(other, "an exponent")), self)

    def __neg__(self) -> Value:
        return _unary(ops.NEG, self)

    def __pos__(self) -> Value:
        return self

    def __abs__(self) -> Value:
        return _unary(ops.ABS, self)

    # -- functions --------------------------------------------------------------------
    def abs(self) -> Value:
        """|x|; the derivative at 0 is 0."""
        return _unary(ops.ABS, self)

    def exp(self) -> Value:
        """e**x (inf past ~709, which detect_anomaly reports)."""
        return _unary(ops.EXP, self)

    def log(self) -> Value:
        """Natural log; x <= 0 raises DomainError."""
        return _unary(ops.LOG, self)

    def sqrt(self) -> Value:
        """Square root; x < 0 raises DomainError; the slope at 0 is +inf."""
        return _unary(ops.SQRT, self)

    def tanh(self) -> Value:
        """Hyperbolic tangent."""
        return _unary(ops.TANH, self)

    def sigmoid(self) -> Value:
        """1 / (1 + e**-x), computed without overflow for any x."""
        return _unary(ops.SIGMOID, self)

    def relu(self) -> Value:
        """max(x, 0); the derivative at 0 is 0."""
        return _unary(ops.RELU, self)

    def leaky_relu(self, alpha: float = 0.01) -> Value:
        """x for x > 0, alpha*x otherwise (derivative alpha at 0)."""
        return _unary(ops.leaky_relu_op(float(alpha)), self)

    def softplus(self) -> Value:
        """log(1 + e**x), computed without overflow for any x."""
        return _unary(ops.SOFTPLUS, self)

    def sin(self) -> Value:
        """Sine."""
        return _unary(ops.SIN, self)

    def cos(self) -> Value:
        """Cosine."""
        return _unary(ops.COS, self)

    maximum = _binary_method(ops.MAX)
    maximum.__doc__ = "The larger of two values as ONE node (a tie splits the gradient evenly)."
    minimum = _binary_method(ops.MIN)
    minimum.__doc__ = "The smaller of two values as ONE node (a tie splits the gradient evenly)."

    def detach(self) -> Value:
        """A new leaf with the same data: gradients stop here."""
        return Value(self.data, self.label)

    # -- backpropagation --------------------------------------------------------------
    def backward(self, grad: float = 1.0, create_graph: bool = False) -> None:
        """Fill ``.grad`` of every value this one depends on with d self / d value.

        Gradients *accumulate*: a value used twice sums both paths, and calling
        backward again adds to what is there (call ``zero_grad`` between steps), as in
        PyTorch. With ``create_graph=True`` the backward pass is itself recorded, so
        each ``.grad`` is a ``Value`` that can be differentiated again.
        """
        from .backward import backward

        backward(self, grad, create_graph)

    def zero_grad(self) -> None:
        """Set ``.grad`` of this value and everything it depends on back to 0."""
        from .backward import topological_order

        for node in topological_order(self):
            node.grad = 0.0


def _fmt(g: Any) -> str:
    return f"{g:.6g}" if isinstance(g, float) else repr(g)


def _data(x: Operand) -> float:
    return x.data if type(x) is Value else _as_float(x, "a comparison")


def _lift(x: Any) -> Value:
    """A number as a constant leaf; Values pass through."""
    if type(x) is Value:
        return x
    if isinstance(x, Value):
        return x
    return Value(_as_float(x, "an operand of a Value op"))


def _fail(op: Op, message: str) -> DomainError:
    # Each domain message already names its op ("log needs x > 0, got x = 0.0").
    return DomainError(message)


def _make(
    out: float, parents: tuple[Value, ...], local: tuple[Any, ...], op: Op, datas: tuple[float, ...]
) -> Value:
    """A new node (or, under ``no_grad``, a new leaf) holding ``out``. The binary
    methods inline this, being the hottest path of the engine."""
    node = _new(Value)
    node.data = out
    node.grad = 0.0
    node.label = ""
    node._g = 0.0
    node._seq = _next_seq()
    if STATE.grad_enabled:
        node._prev = parents
        node._local = local
        node._op = op
    else:
        node._prev = node._local = ()
        node._op = LEAF
    if STATE.anomaly:
        check_forward(op.display, datas, out)
    return node


def _unary(op: Op, x: Value) -> Value:
    a = x.data
    if op.domain is not None and (msg := op.domain(a)) is not None:
        raise _fail(op, msg)
    out, local = op.rule(FLOAT, a)
    return _make(out, (x,), local, op, (a,))


_new = object.__new__


def apply(op: Op, *inputs: Operand) -> Value:
    """Apply any op of the table to values (numbers are lifted to constants).

    This is the general path the n-ary helpers use; ``Value``'s operators call the
    specialised unary/binary forms of the same thing.
    """
    parents = tuple(_lift(v) for v in inputs)
    datas = tuple(p.data for p in parents)
    if op.domain is not None and (msg := op.domain(*datas)) is not None:
        raise _fail(op, msg)
    out, local = op.rule(FLOAT, *datas)
    return _make(out, parents, local, op, datas)


def vsum(values: Iterable[Operand]) -> Value:
    """The sum of many values as ONE node with n parents (not a chain of n additions)."""
    vals = list(values)
    if not vals:
        return Value(0.0)
    return apply(ops.SUM, *vals)


def dot(ws: Sequence[Operand], xs: Sequence[Operand]) -> Value:
    """sum_i w_i * x_i as ONE node with 2n parents: a neuron's pre-activation."""
    if len(ws) != len(xs):
        raise ValueError(f"dot needs two sequences of one length, got {len(ws)} and {len(xs)}")
    if not ws:
        return Value(0.0)
    return apply(ops.DOT, *ws, *xs)
