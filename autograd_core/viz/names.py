"""Names for every value of a graph, the same in the picture, the step table, the
captions and the tooltips.

A value with a ``label`` keeps it (a model labels its own values by their place:
``w[1][0,1]``, ``b[1][0]``, ``z[1][0]``, ``a[1][0]``, ``loss``). A constant (a number
lifted into the graph, the ``2.5`` of ``x * 2.5``) is shown as its number. An unlabelled
result is named by its expression when that stays short (``w0·x0``, ``tanh(n1)``,
``a+b``), else ``n1``, ``n2``, ... in the order the values were made; an unlabelled leaf
that is not a constant gets such a name too, so a number is never used as a name. Names
are unique within one graph: a repeat gets ``#2``, ``#3``.

``derivative(top, bottom)`` writes d top / d bottom with compound names in brackets
(``∂(w·x+b)/∂b``), so it never reads as d(w)·x + b/db.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ..value import Constant

MAX_EXPRESSION = 12  # characters: past this an expression is a name no one can read
_INFIX = {"+": "+", "-": "−", "*": "·", "/": "/"}
_LOOSE = ("+", "−", " ")  # a name containing these needs brackets inside · and /
# A name that reads as one symbol: letters, digits, _ . # ' and index brackets (w[1][0,1]).
_ATOM = re.compile(r"[\w.#'′]+(\[[\w,.\s]*\])*")


def constant_text(x: float) -> str:
    """How a constant is written: its number, as short as it stays exact to 6 digits."""
    return f"{x:g}"


def is_constant(node: Any) -> bool:
    """A lifted number with no label of its own: drawn as its number, no gradient."""
    return isinstance(node, Constant) and not node.label


def derivative(top: str, bottom: str, symbol: str = "∂") -> str:
    """``∂top/∂bottom``, each name in brackets unless it reads as one symbol."""
    return f"{symbol}{_bracketed(top)}/{symbol}{_bracketed(bottom)}"


def _bracketed(name: str) -> str:
    return name if _ATOM.fullmatch(name) else f"({name})"


def _expression(node: Any, names: dict[int, str]) -> str | None:
    """The short expression that made ``node``, from its parents' names (None: none)."""
    op = node.op_entry
    parents = [names[id(p)] for p in node.parents]
    if op.name in _INFIX and len(parents) == 2:
        sym = _INFIX[op.name]
        if sym in ("·", "/"):
            parents = [f"({p})" if any(c in p for c in _LOOSE) else p for p in parents]
        return f"{parents[0]}{sym}{parents[1]}"
    if op.name == "neg" and len(parents) == 1:
        return f"−{parents[0]}"
    if op.name == "**" and len(parents) == 1:
        base = parents[0] if parents[0].isalnum() else f"({parents[0]})"
        return f"{base}^{op.display[2:]}"  # display is "**2": the constant exponent
    if len(parents) == 1:
        return f"{op.name}({parents[0]})"
    return None


def value_names(order: Iterable[Any]) -> dict[int, str]:
    """id(value) -> its name, for values given parents first (a topological order)."""
    names: dict[int, str] = {}
    taken: dict[str, int] = {}
    counter = 0
    for node in order:
        expression = None
        if node.label:
            name = node.label
        elif is_constant(node):
            name = constant_text(node.data)
        elif not node.is_leaf:
            expression = _expression(node, names)
        if not node.label and not is_constant(node):
            if expression is not None and len(expression) <= MAX_EXPRESSION:
                name = expression
            else:
                counter += 1
                name = f"n{counter}"
        if name in taken:
            taken[name] += 1
            name = f"{name}#{taken[name]}"
        else:
            taken[name] = 1
        names[id(node)] = name
    return names
