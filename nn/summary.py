"""``model.summary()``: the architecture as a table (layer, neurons, activation,
parameters), like Keras' ``Model.summary()``. Each module gives its own rows
(``Module.summary_rows``); this module only lays them out."""

from __future__ import annotations

import html
from collections.abc import Sequence

Row = tuple[str, str, str, int]


def format_summary(name: str, rows: Sequence[Row], total: int) -> str:
    """``rows`` as a markdown table under ``name``, with the total parameter count."""
    head = ("layer", "neurons", "activation", "parameters")
    cells = [head] + [(a, b, c, f"{d:,}") for a, b, c, d in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(4)]
    lines = [name]
    for k, r in enumerate(cells):
        lines.append("| " + " | ".join(r[i].ljust(widths[i]) for i in range(4)) + " |")
        if k == 0:
            lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    lines.append(f"total parameters: {total:,}")
    return "\n".join(lines)


def format_summary_html(name: str, rows: Sequence[Row], total: int) -> str:
    """The same table as HTML (how a model shows in Jupyter)."""
    head = ("layer", "neurons", "activation", "parameters")
    cells = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in (a, b, c_, f"{d:,}")) + "</tr>"
        for a, b, c_, d in rows
    )
    header = "".join(f"<th>{h}</th>" for h in head)
    return (
        f"<div><b>{html.escape(name)}</b><table><thead><tr>{header}</tr></thead><tbody>{cells}</tbody></table>"
        f"total parameters: {total:,}</div>"
    )
