"""Which way a picture reads: ``choose_rankdir`` picks left-to-right or top-to-bottom.

Every edge of a picture points the same way and the output ends it; a long chain is not
folded back into rows (that draws the output beside the inputs, with edges running
backwards). Instead the direction is the one whose picture, scaled into the frame it
will be seen in (a notebook's output area, a 16:9 slide), shows its text largest.
The sizes are estimates from the values per level and the longest box text, in points,
close enough to tell a ribbon from a column.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

#: Graphviz's defaults, in points: the gap between ranks and between nodes of one rank.
RANKSEP, NODESEP = 0.5 * 72, 0.25 * 72
#: The gap between the boxes of one rank in a top-to-bottom picture (points; draw.py sets
#: it): there a rank's width is what a notebook shrinks to fit, so its boxes sit closer.
TB_NODESEP = 0.1 * 72


def levels(shown: Sequence[Any], inputs_of: Callable[[Any], list[Any]]) -> dict[int, int]:
    """Each drawn value's level: 1 + its deepest drawn input's; a leaf sits one level
    before its first consumer (where Graphviz puts it too)."""
    ids = {id(n) for n in shown}
    level: dict[int, int] = {}
    for n in sorted(shown, key=lambda v: v.stamp):
        drawn = [p for p in inputs_of(n) if id(p) in ids]
        level[id(n)] = 1 + max((level[id(p)] for p in drawn), default=-1)
    first_use: dict[int, int] = {}
    for n in shown:
        for p in inputs_of(n):
            first_use[id(p)] = min(first_use.get(id(p), level[id(n)]), level[id(n)])
    for n in shown:
        if n.is_leaf and id(n) in first_use:
            level[id(n)] = max(0, first_use[id(n)] - 1)
    return level


def choose_rankdir(
    level: dict[int, int], box_chars: int, box_lines: int, font: float, frame: tuple[int, int]
) -> str:
    """``"LR"`` or ``"TB"``: the direction whose picture, fitted into ``frame`` (pixels,
    width x height), draws ``font`` largest. A tie goes to left-to-right."""
    if not level:
        return "LR"
    depth = max(level.values()) + 1
    per_level: dict[int, int] = {}
    for k in level.values():
        per_level[k] = per_level.get(k, 0) + 1
    width = max(per_level.values())
    box_w = box_chars * font * 0.55 + 12
    box_h = box_lines * font * 1.4 + 8
    op_w, op_h = 3 * font + 12, 1.6 * font + 8
    lr = (depth * (box_w + 2 * RANKSEP) + (depth - 1) * op_w, width * (box_h + NODESEP))
    tb = (width * (box_w + TB_NODESEP), depth * (box_h + 2 * RANKSEP) + (depth - 1) * op_h)

    def shown_at(size: tuple[float, float]) -> float:
        # a picture is never drawn larger than its natural size (points -> CSS pixels)
        return min(4 / 3, frame[0] / size[0], frame[1] / size[1])

    return "LR" if shown_at(lr) >= shown_at(tb) else "TB"
