"""Expressions a user types, turned into a graph of ``Value``s by a whitelist parser.

``(a*b + c).tanh()``, ``relu(w0*x0 + b)``, ``sigmoid(w*x) ** 2``: numbers, names (the
leaves), ``+ - * / **``, brackets, the engine's ops written as functions (``tanh(x)``)
or methods (``x.tanh()``), and ``(h := ...)`` to name a computed value (as the pictures
will call it, and for use further on). Python parses the text into a syntax tree
(``ast.parse``, which evaluates nothing); every node of the tree must be one of the few
kinds above, and anything else (an attribute, a subscript, a string, a lambda, a name
of an op used as a leaf) is refused with a message naming it. Nothing is ever
``eval``'d.
"""

from __future__ import annotations

import ast
import re
import threading
from collections.abc import Callable
from typing import Any

from autograd_core import Constant, DomainError, Value

MAX_LENGTH = 300  # characters
MAX_SYNTAX_NODES = 400
MAX_LEAVES = 20
NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,15}$")

#: The ops an expression may call, each on one value (leaky_relu with its default slope).
FUNCTIONS: dict[str, Callable[[Value], Value]] = {
    "exp": Value.exp,
    "log": Value.log,
    "sqrt": Value.sqrt,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "relu": Value.relu,
    "leaky_relu": Value.leaky_relu,
    "softplus": Value.softplus,
    "sin": Value.sin,
    "cos": Value.cos,
    "abs": Value.abs,
}
_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}
DEFAULTS = (0.5, -1.0, 2.0, 0.8, -0.3, 1.5, -2.0, 0.1)  # leaf values before the user moves them
#: The defaults tried next when those leave an op's domain (log(y), sqrt(b) with y, b < 0).
POSITIVE_DEFAULTS = tuple(abs(v) for v in DEFAULTS)


# Python 3.11's parser keeps one recursion counter for every thread while it builds the
# tree's objects: two threads parsing at once can corrupt it, and ast.parse then raises
# "SystemError: AST constructor recursion depth mismatch" (CPython gh-106905), which the
# playground's graph threads met under load. Parsing an expression takes microseconds.
_PARSING = threading.Lock()


class ExpressionError(ValueError):
    """The text is not an expression the playground accepts; the message says why."""


def parse(text: str) -> ast.expr:
    """The syntax tree of ``text``, checked against the whitelist (nothing evaluated)."""
    if not isinstance(text, str):
        raise ExpressionError("the expression must be text")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the expression is {len(text):,} characters long; at most {MAX_LENGTH}")
    if not text.strip():
        raise ExpressionError("type an expression, such as (a*b + c).tanh()")
    try:
        with _PARSING:
            tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"not an expression: {exc.msg} (column {exc.offset})") from None
    except (RecursionError, MemoryError, ValueError):
        raise ExpressionError("the expression nests too deeply") from None
    nodes = list(ast.walk(tree))
    if len(nodes) > MAX_SYNTAX_NODES:
        raise ExpressionError(f"the expression is too large ({len(nodes)} parts; at most {MAX_SYNTAX_NODES})")
    return tree.body


def defined_names(tree: ast.expr) -> list[str]:
    """The names given to computed values with ``:=`` (``(h1 := sigmoid(z))``)."""
    return [n.target.id for n in ast.walk(tree) if isinstance(n, ast.NamedExpr)]


def leaf_names(tree: ast.expr) -> list[str]:
    """The names of the leaves in ``tree``, in the order they first appear (a name given
    with ``:=`` names a computed value, not a leaf)."""
    names: list[str] = []
    defined = set(defined_names(tree))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Name)
            and isinstance(node.ctx, ast.Load)
            and node.id not in names
            and node.id not in FUNCTIONS
            and node.id not in defined
        ):
            names.append(node.id)
    names.sort(key=lambda n: _first_position(tree, n))
    return names


def _first_position(tree: ast.expr, name: str) -> tuple[int, int]:
    return min((n.lineno, n.col_offset) for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == name)


def build(tree: ast.expr, leaves: dict[str, Value]) -> Value:
    """The ``Value`` the expression computes, from the leaf values in ``leaves``."""
    if isinstance(tree, ast.Constant):
        if isinstance(tree.value, bool) or not isinstance(tree.value, (int, float)):
            raise ExpressionError(f"only numbers may stand in an expression, not {tree.value!r:.20}")
        # A number stays a number: x**2 takes the number-exponent rule (any base), and a
        # picture draws it as its number with no gradient row.
        return Constant(float(tree.value))
    if isinstance(tree, ast.Name):
        if tree.id in FUNCTIONS:
            raise ExpressionError(f"{tree.id} is an op: write {tree.id}(x)")
        if tree.id not in leaves:
            raise ExpressionError(f"{tree.id} is used before ({tree.id} := ...) names it")
        return leaves[tree.id]
    if isinstance(tree, ast.NamedExpr):  # (h1 := sigmoid(z)): a name for a computed value
        name = tree.target.id
        if not NAME.match(name) or name in FUNCTIONS or name in leaves:
            raise ExpressionError(f"{name!r} cannot name a value here: it is an op, a leaf or already used")
        value = build(tree.value, leaves)
        if value.is_leaf:
            raise ExpressionError(f"({name} := ...) names a computed value, not a number or a leaf")
        value.label = name
        leaves[name] = value  # later uses of the name read this value
        return value
    if isinstance(tree, ast.BinOp) and type(tree.op) in _BINARY:
        return _BINARY[type(tree.op)](build(tree.left, leaves), build(tree.right, leaves))
    if isinstance(tree, ast.UnaryOp) and isinstance(tree.op, (ast.USub, ast.UAdd)):
        inner = build(tree.operand, leaves)
        return -inner if isinstance(tree.op, ast.USub) else inner
    if isinstance(tree, ast.Call) and not tree.keywords and _op_name(tree) is not None:
        name, args = _op_name(tree)  # type: ignore[misc]
        if len(args) != 1:
            raise ExpressionError(f"{name} takes one value, got {len(args)}")
        return FUNCTIONS[name](build(args[0], leaves))
    raise ExpressionError(f"{_describe(tree)} is not allowed: use numbers, names, + - * / **, and {_ops()}")


def _op_name(call: ast.Call) -> tuple[str, list[ast.expr]] | None:
    """("tanh", [x]) for ``tanh(x)`` and for ``(x).tanh()``; None for anything else."""
    if isinstance(call.func, ast.Name) and call.func.id in FUNCTIONS:
        return call.func.id, list(call.args)
    if isinstance(call.func, ast.Attribute) and call.func.attr in FUNCTIONS and not call.args:
        return call.func.attr, [call.func.value]
    return None


def _describe(node: ast.AST) -> str:
    if isinstance(node, ast.Call):
        return "calling anything but an op"
    if isinstance(node, ast.Attribute):
        return f"the attribute .{node.attr}"
    return {ast.Subscript: "indexing", ast.Lambda: "a lambda", ast.Compare: "a comparison"}.get(
        type(node), f"a {type(node).__name__}"
    )


def _ops() -> str:
    return ", ".join(sorted(FUNCTIONS))


def compile_expression(
    text: str, values: dict[str, float] | None = None, order: list[str] | None = None
) -> tuple[Value, dict[str, Value]]:
    """(the result, its leaves by name) for ``text``; leaves missing from ``values``
    start at a default. The leaves come in the order they appear in the text, or the
    order of the names in ``order`` first (a preset lists its leaves in reading order).
    ``ExpressionError`` says what is wrong with the text."""
    tree = parse(text)
    names = leaf_names(tree)
    if order:
        names.sort(key=lambda n: order.index(n) if n in order else len(order))
    bad = [n for n in names if not NAME.match(n)]
    if bad:
        raise ExpressionError(f"the name {bad[0]!r} is not allowed: letters and digits, at most 16")
    if len(names) > MAX_LEAVES:
        raise ExpressionError(f"the expression has {len(names)} names; at most {MAX_LEAVES}")
    given = values or {}

    def start(defaults: tuple[float, ...]) -> dict[str, float]:
        return {n: float(given.get(n, defaults[i % len(defaults)])) for i, n in enumerate(names)}

    def built(defaults: tuple[float, ...]) -> tuple[Value, dict[str, Value]]:
        leaves = {n: Value(v, label=n) for n, v in start(defaults).items()}
        return build(tree, dict(leaves)), leaves  # a copy: names given with := join it

    try:
        try:
            return built(DEFAULTS)
        except DomainError as refused:
            if any(n not in given for n in names):
                try:  # the leaves nobody set yet start positive instead: log(y) draws
                    return built(POSITIVE_DEFAULTS)
                except DomainError:
                    pass
            # The op's message names its own argument (x), which is not the leaf called x.
            at = ", ".join(f"{n} = {v:g}" for n, v in start(DEFAULTS).items())
            raise DomainError(f"{refused} (with {at})") from None
    except RecursionError:
        raise ExpressionError("the expression nests too deeply") from None
