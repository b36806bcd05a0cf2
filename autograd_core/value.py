"""``Value``: one scalar, its parents, and the local derivative toward each parent.

A node is ``(data, parents, local derivatives, op)``. The local derivatives are plain
numbers computed when the node is made, from the op's entry in ``ops.py``; nothing holds
a closure over the output, so a graph has no reference cycles and is freed by reference
counting alone as soon as the last name for its root goes away.

Every operator reads like ``def __mul__(self, other): return _binary(MUL, self, other)``:
look up the op's rule in the table, apply it to the numbers, make one node.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence
from typing import Any, Union

from . import ops
from .backward import Node, backward, next_stamp, topological_order
from .modes import check_forward, current_modes, refuse_while_tracing
from .ops import ADD, DIV, FLOAT, MAX, MIN, MUL, POW, SUB, DomainError, Op

Number = int | float
Operand = Union["Value", int, float]

LEAF = Op("", lambda m: (0.0, ()))  # the "op" of a leaf: no inputs, nothing to apply


def _as_float(x: Any, what: str = "Value") -> float:
    # bool is an int, and NumPy scalars (np.bool_ too) are welcome.
    if isinstance(x, numbers.Real):
        return float(x)
    if type(x).__module__ == "numpy" and getattr(x, "shape", None) == () and x.dtype.kind in "biuf":
        return float(x)
    if isinstance(x, numbers.Complex):
        raise TypeError(f"{what} holds a real number; got the complex number {x!r}")
    hint = ""
    if isinstance(x, (list, tuple)) or type(x).__name__ == "ndarray":
        hint = " (one Value holds one number: make a list of Values instead)"
    raise TypeError(
        f"{what} needs a real number (int, float or NumPy scalar), got {type(x).__name__} {x!r:.60}{hint}"
    )


class Value(Node):
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

    __slots__ = ("__weakref__", "label")

    def __init__(self, data: Number, label: str = "") -> None:
        if type(label) is not str and not isinstance(label, str):
            raise TypeError(f"a Value's label is a string, got {type(label).__name__} {label!r:.60}")
        self.data = data if type(data) is float else _as_float(data)
        self.grad = 0.0
        self.label = label
        self._prev = ()
        self._local = ()
        self._op = LEAF
        self._g = None
        self._seq = next_stamp()

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
    def op_entry(self) -> Op:
        """The op table entry that made this value (``LEAF`` for a leaf)."""
        return self._op

    @property
    def stamp(self) -> int:
        """Creation stamp: a value's parents always have smaller stamps."""
        return self._seq

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
            from .viz.draw import draw_graph
            from .viz.render import RenderError

            return str(draw_graph(self, max_nodes=60).svg())
        except (ImportError, RenderError):
            return None

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **_: Any) -> dict[str, Any] | None:
        # What Jupyter stores: the picture as ``_repr_svg_`` draws it, fitted to the
        # notebook, with a PNG for a notebook opened untrusted (viz.notebook); None (the
        # text repr alone) when it cannot draw.
        try:
            from .viz.draw import draw_graph
            from .viz.render import RenderError

            picture: Any = draw_graph(self, max_nodes=60)
            bundle: dict[str, Any] = picture._repr_mimebundle_(include, exclude)
            return bundle
        except (ImportError, RenderError):
            return None

    def item(self) -> float:
        """The plain float, as ``tensor.item()``."""
        refuse_while_tracing("reading a Value as a number (.item())")
        return self.data

    # A Value never turns into a plain number on its own: math.exp(x), float(x), int(x),
    # round(x), math.fsum and statistics.mean would use that number and the gradient
    # through them would be silently lost (micrograd has no __float__; PyTorch warns).
    def __float__(self) -> float:
        refuse_while_tracing("converting a Value to float")
        raise TypeError(_leaves_the_graph("float(x), or a math function such as math.exp(x),"))

    def __int__(self) -> int:
        raise TypeError(_leaves_the_graph("int(x)"))

    def __index__(self) -> int:
        raise TypeError(_leaves_the_graph("using x as an index or a count"))

    def __complex__(self) -> complex:
        raise TypeError(_leaves_the_graph("complex(x)"))

    def __round__(self, ndigits: int | None = None) -> Any:
        raise TypeError(_leaves_the_graph("round(x)"))

    def __trunc__(self) -> Any:
        raise TypeError(_leaves_the_graph("math.trunc(x)"))

    def __floor__(self) -> Any:
        raise TypeError(_leaves_the_graph("math.floor(x)"))

    def __ceil__(self) -> Any:
        raise TypeError(_leaves_the_graph("math.ceil(x)"))

    def as_integer_ratio(self) -> tuple[int, int]:
        """Refused with a TypeError (``statistics.mean`` and ``fractions`` call it): the
        ratio would leave the graph. Use ``vsum(xs) / len(xs)`` for a mean."""
        raise TypeError(_leaves_the_graph("statistics.mean, fractions or as_integer_ratio()"))

    def __format__(self, spec: str) -> str:
        # f"{x:.3f}" formats the data (a picture of the number, not a way out of the graph).
        return format(self.data, spec) if spec else str(self)

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        """NumPy functions on Values: ``np.exp(x)`` is ``x.exp()`` (the gradient kept),
        ``np.float64(2) * x`` is ``2.0 * x``; anything without a Value version (or an
        array of Values) is a TypeError that says what to use instead."""
        return numpy_function(ufunc, method, inputs, kwargs)

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
    # Each operator applies one entry of the op table (ops.py); numbers on either side
    # become constant leaves.
    def __add__(self, other: Operand) -> Value:
        return _binary(ADD, self, other)

    def __radd__(self, other: Operand) -> Value:
        return _binary(ADD, other, self)

    def __sub__(self, other: Operand) -> Value:
        return _binary(SUB, self, other)

    def __rsub__(self, other: Operand) -> Value:
        return _binary(SUB, other, self)

    def __mul__(self, other: Operand) -> Value:
        return _binary(MUL, self, other)

    def __rmul__(self, other: Operand) -> Value:
        return _binary(MUL, other, self)

    def __truediv__(self, other: Operand) -> Value:
        return _binary(DIV, self, other)

    def __rtruediv__(self, other: Operand) -> Value:
        return _binary(DIV, other, self)

    def __pow__(self, other: Operand) -> Value:
        if type(other) is Value:
            return _binary(POW, self, other)
        # A number exponent (a lifted Constant too) takes the number-exponent rule.
        number = other.data if isinstance(other, Constant) else _as_float(other, "an exponent")
        return _unary(ops.pow_const_op(number), self)

    def __rpow__(self, other: Operand) -> Value:
        return _binary(POW, other, self)

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
        return _unary(ops.leaky_relu_op(_as_float(alpha, "leaky_relu's alpha")), self)

    def softplus(self) -> Value:
        """log(1 + e**x), computed without overflow for any x."""
        return _unary(ops.SOFTPLUS, self)

    def reciprocal(self) -> Value:
        """1/x as one node; at 0 it is inf (IEEE), where ``1 / x`` raises DomainError."""
        return _unary(ops.INV, self)

    def sin(self) -> Value:
        """Sine."""
        return _unary(ops.SIN, self)

    def cos(self) -> Value:
        """Cosine."""
        return _unary(ops.COS, self)

    def maximum(self, other: Operand) -> Value:
        """The larger of two values as ONE node (a tie splits the gradient evenly)."""
        return _binary(MAX, self, other)

    def minimum(self, other: Operand) -> Value:
        """The smaller of two values as ONE node (a tie splits the gradient evenly)."""
        return _binary(MIN, self, other)

    def detach(self) -> Value:
        """A new leaf with the same data: gradients stop here. (While ``compile``
        traces, a stop-gradient node instead: the value still flows per sample.)"""
        if current_modes().tracing:
            return _unary(ops.STOP_GRADIENT, self)
        return Value(self.data, self.label)

    # -- backpropagation --------------------------------------------------------------
    def backward(self, grad: float = 1.0, create_graph: bool = False) -> None:
        """Fill ``.grad`` of every value this one depends on with d self / d value.

        Gradients *accumulate*: a value used twice sums both paths, and calling
        backward again adds to what is there (call ``zero_grad`` between steps), as in
        PyTorch. With ``create_graph=True`` the backward pass is itself recorded, so
        each ``.grad`` is a ``Value`` that can be differentiated again. That gradient's
        graph refers back to the value that holds it: the one place chainrule makes a
        reference cycle (as PyTorch's ``backward(create_graph=True)`` does, and warns);
        the cyclic garbage collector frees it. ``gradients(y, xs, create_graph=True)``
        returns the gradients instead of storing them, and makes no cycle.
        """
        backward(self, grad, create_graph)

    def zero_grad(self) -> None:
        """Set ``.grad`` of this value and everything it depends on back to 0."""
        for node in topological_order(self):
            node.grad = 0.0


class Constant(Value):
    """A plain number lifted into a graph by an op (the ``2.5`` of ``x * 2.5``).

    It is a leaf like any other to the engine; pictures draw it as its number, with no
    gradient row, and the backward replay takes no step into it: no one asks for
    d loss / d 2.5.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f"Constant({self.data:.6g})"


def _leaves_the_graph(what: str) -> str:
    return (
        f"{what} would turn a Value into a plain number, and the gradient through it would be "
        "lost without a word. Use the Value's own methods (x.exp(), x.log(), x.sin(), x.tanh(), "
        "x ** 2, ...) to stay in the graph; x.data (or x.item()) is the number itself, when "
        "leaving the graph is what you mean"
    )


#: The NumPy functions a Value answers, by name: each keeps the gradient.
_UFUNCS: dict[str, Any] = {
    "add": lambda a, b: a + b, "subtract": lambda a, b: a - b, "multiply": lambda a, b: a * b,
    "true_divide": lambda a, b: a / b, "divide": lambda a, b: a / b, "power": lambda a, b: a ** b,
    "negative": lambda a: -a, "positive": lambda a: a, "absolute": lambda a: abs(a),
    "exp": lambda a: a.exp(), "log": lambda a: a.log(), "sqrt": lambda a: a.sqrt(),
    "tanh": lambda a: a.tanh(), "sin": lambda a: a.sin(), "cos": lambda a: a.cos(),
    "maximum": lambda a, b: _lift(a).maximum(b), "minimum": lambda a, b: _lift(a).minimum(b),
}  # fmt: skip


def numpy_function(ufunc: Any, method: str, inputs: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """A NumPy ufunc applied to Values (see ``Value.__array_ufunc__``)."""
    name = getattr(ufunc, "__name__", str(ufunc))
    if any(getattr(x, "ndim", 0) for x in inputs):
        raise TypeError(
            f"np.{name} got an array and a Value: one Value holds one number, so NumPy arrays and "
            "Values do not mix; use a list of Values (or x.data for the numbers)"
        )
    rule = _UFUNCS.get(name)
    if rule is None or method != "__call__" or kwargs:
        raise TypeError(
            f"np.{name} has no Value version. " + _leaves_the_graph(f"np.{name}(x)").split(". ", 1)[1]
        )
    return rule(*(x if isinstance(x, Value) else _as_float(x, f"an operand of np.{name}") for x in inputs))


def _fmt(g: Any) -> str:
    return f"{g:.6g}" if isinstance(g, float) else repr(g)


def _data(x: Operand) -> float:
    return x.data if isinstance(x, Value) else _as_float(x, "a comparison")


def _lift(x: Any) -> Value:
    """A number as a ``Constant`` leaf; Values pass through."""
    if isinstance(x, Value):
        return x
    return Constant(_as_float(x, "an operand of a Value op"))


def _node(out: float, parents: tuple[Value, ...], local: tuple[Any, ...], op: Op) -> Value:
    """A new node holding ``out`` (under ``no_grad``, a new leaf: nothing recorded)."""
    node = _new(Value)
    node.data = out
    node.grad = 0.0
    node.label = ""
    node._g = None
    node._seq = next_stamp()
    if current_modes().plain:
        node._prev = parents
        node._local = local
        node._op = op
    else:
        _record_unusual(node, parents, local, op)
    return node


def _record_unusual(node: Value, parents: tuple[Value, ...], local: tuple[Any, ...], op: Op) -> None:
    """What a new node records under ``no_grad`` (nothing: it is a leaf) or in anomaly
    mode (its output is checked for nan and inf first)."""
    modes = current_modes()
    if modes.anomaly:
        check_forward(op.display, [p.data for p in parents], node.data)
    if modes.grad_enabled:
        node._prev = parents
        node._local = local
        node._op = op
    else:
        node._prev = node._local = ()
        node._op = ops.UNRECORDED


_new = object.__new__  # a node's fields are all set by _node: skip __init__'s checks


def _check_domain(op: Op, *inputs: float) -> None:
    if op.domain is not None:
        message = op.domain(*inputs)  # each message names its op: "log needs x > 0, ..."
        if message is not None:
            raise DomainError(message)


def _binary(op: Op, x: Operand, y: Operand) -> Value:
    """``x op y`` as one node."""
    if type(x) is not Value:
        x = _lift(x)
    if type(y) is not Value:
        y = _lift(y)
    a = x.data
    b = y.data
    if op.domain is not None:
        _check_domain(op, a, b)
    out, local = op.rule(FLOAT, a, b)
    # _node(out, (x, y), local, op), written out: this is the engine's hottest path.
    node = _new(Value)
    node.data = out
    node.grad = 0.0
    node.label = ""
    node._g = None
    node._seq = next_stamp()
    if current_modes().plain:
        node._prev = (x, y)
        node._local = local
        node._op = op
    else:
        _record_unusual(node, (x, y), local, op)
    return node


def _unary(op: Op, x: Value) -> Value:
    a = x.data
    if op.domain is not None:
        _check_domain(op, a)
    out, local = op.rule(FLOAT, a)
    return _node(out, (x,), local, op)


def apply(op: Op, *inputs: Operand) -> Value:
    """Apply any op of the table to values (numbers are lifted to constants): the
    general form of what every operator of ``Value`` does."""
    parents: tuple[Value, ...]
    for v in inputs:  # a neuron's dot has Values only: no new tuple, no call per input
        if not isinstance(v, Value):
            parents = tuple(map(_lift, inputs))
            break
    else:
        parents = inputs  # type: ignore[assignment]  # every input is a Value
    datas = [p.data for p in parents]
    if op.domain is not None:
        _check_domain(op, *datas)
    out, local = op.rule(FLOAT, *datas)
    return _node(out, parents, local, op)


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
