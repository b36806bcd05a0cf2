"""Names for every value of a graph, the same in the picture, the step table, the
captions and the tooltips.

A value with a ``label`` keeps it. An unlabelled constant is named by its number (``3``,
``0.5``). An unlabelled result is named by its expression when that stays short
(``w0·x0``, ``tanh(n1)``, ``a+b``), else ``n1``, ``n2``, ... in the order the values
were made. Names are unique within one graph: a repeat gets ``#2``, ``#3``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

MAX_EXPRESSION = 12  # characters: past this an expression is a name no one can read
_INFIX = {"+": "+", "-": "−", "*": "·", "/": "/"}
_LOOSE = ("+", "−", " ")  # a name containing these needs brackets inside · and /


def _number(x: float) -> str:
    return f"{x:g}"


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
        if node.label:
            name = node.label
        elif node.is_leaf:
            name = _number(node.data)
        else:
            expression = _expression(node, names)
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
