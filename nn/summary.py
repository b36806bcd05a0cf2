"""``model.summary()``: the architecture as a table (layer, neurons, activation,
parameters), like Keras' ``Model.summary()``. Each module gives its own rows
(``Module.summary_rows``); this module only lays them out."""

from __future__ import annotations

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
