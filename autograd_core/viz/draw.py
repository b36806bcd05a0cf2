"""Pictures of the computation graph: ``draw_graph(root)`` returns a ``graphviz.Digraph``.

Each value is a box showing its label, data and grad; each op is a small node between
its inputs and its output (the layout of micrograd's ``trace_graph``). Options:

- ``max_nodes``: draw at most that many values, nearest the root first, with a note
  saying how many were left out;
- ``collapse=True``: draw each neuron (``act(dot(w, x) + b)``) as ONE node, with its
  weights folded in, so a whole MLP stays readable;
- ``color_by="grad"``: fill each value by its gradient: hue for the sign, lightness for
  the magnitude on a log scale (so a gradient of 1e-7 is visibly different from 0 and
  from 1e-2: a linear scale would paint both white), with a legend.

In Jupyter the returned graph shows inline as SVG, rendered by the system ``dot`` or,
without one, by Graphviz compiled to WebAssembly (see ``autograd_core.render``).
"""

from __future__ import annotations

import html
import itertools
import math
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..backward import topological_order
from ..value import Value
from .colors import GradColors, NumberFormat
from .names import value_names
from .render import check_size, render_png, render_svg

SHOW_FIELDS = ("data", "grad")
COLOR_MODES = (None, "grad")


# -- the graph object -------------------------------------------------------------------


def digraph_class(who: str = "pictures") -> type:
    """``graphviz.Digraph`` extended to render with chainrule's renderer (system dot, or
    WebAssembly without one): ``.svg()``, ``.save_svg()``, ``.save_png()``, and inline
    SVG in Jupyter. Every picture of chainrule (graphs, replays, network diagrams) is one.
    Without the graphviz package, an ImportError names ``who`` needed it."""
    try:
        import graphviz  # noqa: F401
    except ImportError:
        raise ImportError(f"{who} needs the graphviz package: pip install 'chainrule[viz]'") from None
    return _graph_class()


@lru_cache(maxsize=1)
def _graph_class() -> type:
    import graphviz

    class Graph(graphviz.Digraph):
        """A ``graphviz.Digraph`` that renders with chainrule's renderer (system dot, or
        WebAssembly without one), so it shows inline in Jupyter with no system Graphviz."""

        def svg(self) -> str:
            """The picture as SVG text."""
            check_size(getattr(self, "visible_count", 0))
            return render_svg(self.source)

        def _repr_svg_(self) -> str:
            return self.svg()

        def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **_: Any) -> dict[str, str]:
            return {"image/svg+xml": self.svg()}

        def save_svg(self, path: str | Path) -> Path:
            """Write the SVG to ``path``."""
            p = Path(path)
            p.write_text(self.svg(), encoding="utf-8")
            return p

        def save_png(self, path: str | Path) -> Path:
            """Write a PNG (needs the system ``dot``; the WebAssembly build has SVG only)."""
            check_size(getattr(self, "visible_count", 0))
            p = Path(path)
            p.write_bytes(render_png(self.source))
            return p

    return Graph


def _esc(text: str) -> str:
    # Characters with a meaning inside record labels.
    for ch in '\\{}|<>"':
        text = text.replace(ch, "\\" + ch)
    return text


Group = tuple[Value, set[int], int]  # (neuron output, ids folded into it, weights folded)


def _neurons(order: list[Value]) -> dict[int, Group]:
    """For collapse mode: each neuron's output node -> (output, ids of nodes folded in).

    A neuron is act(dot(w, x) + b) or dot(w, x) + b, where the dot and the sum feed
    nothing else; the weights (leaves used by this dot only) fold in too.
    """
    consumers: dict[int, int] = {}
    for n in order:
        for p in n.parents:
            consumers[id(p)] = consumers.get(id(p), 0) + 1
    groups: dict[int, Group] = {}
    for n in order:
        top, add = n, n
        if n.op_entry.activation and len(n.parents) == 1 and consumers.get(id(n.parents[0])) == 1:
            add = n.parents[0]
        if add.op != "+" or len(add.parents) != 2:
            continue
        d, b = add.parents
        # The bias folds in only when this neuron alone uses it (an RNN's b_h is shared).
        if d.op != "dot" or not b.is_leaf or consumers.get(id(d)) != 1 or consumers.get(id(b)) != 1:
            continue
        # A dot node's parents are w_1..w_n then x_1..x_n: fold the weights, keep the inputs.
        ws = d.parents[: len(d.parents) // 2]
        weights = {id(p) for p in ws if p.is_leaf and consumers.get(id(p)) == 1}
        groups[id(top)] = (top, {id(top), id(add), id(d), id(b)} | weights, len(weights))
    return groups


@dataclass(frozen=True)
class Theme:
    """How a picture is dressed: font sizes (points), line widths, and how many levels
    of the graph stand in one row before a long chain wraps (``None``: never)."""

    name: str
    font: int
    op_font: int
    legend_font: int
    edge_width: float
    highlight_width: float
    levels_per_row: int | None


THEMES = {
    # Today's notebook look: small type, the whole graph in one row.
    "default": Theme("default", 11, 10, 9, 1.0, 3.0, None),
    # For a lecture hall: every font >= 20 pt, thick lines, long chains wrapped into rows
    # so that the picture is slide-shaped (16:9) rather than a ribbon.
    "projector": Theme("projector", 22, 20, 20, 2.5, 5.0, 0),
}
HIGHLIGHT = "#111111"  # the current step: a thick near-black outline, told apart by anyone
COLOR_SCALES = ("fixed", "relative")


def _check_args(root: Any, rankdir: str, show: Any, max_nodes: Any, color_by: Any) -> set[str]:
    if not isinstance(root, Value):
        raise TypeError(f"draw_graph needs a Value, got {type(root).__name__}")
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"rankdir must be one of LR, TB, RL, BT, got {rankdir!r}")
    fields = {s.strip() for s in show.split(",")} if isinstance(show, str) else set(show)
    fields.discard("")
    unknown = fields - set(SHOW_FIELDS)
    if unknown:
        raise ValueError(f"show may list {SHOW_FIELDS}, got unknown {sorted(unknown)}")
    if max_nodes is not None and (
        isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1
    ):
        raise ValueError(f"max_nodes must be None or an integer >= 1, got {max_nodes!r}")
    if color_by not in COLOR_MODES:
        raise ValueError(f"unknown colour mode {color_by!r}; choose None or 'grad'")
    return fields


def _theme(theme: Any) -> Theme:
    if isinstance(theme, Theme):
        return theme
    if theme not in THEMES:
        raise ValueError(f"unknown theme {theme!r}; choose one of {sorted(THEMES)}")
    return THEMES[theme]


def _nearest_first(root: Value, groups: dict[int, Group], max_nodes: int | None) -> tuple[list[Value], int]:
    """The drawn values, nearest the root first (so a cut keeps the loss side), and how
    many were left out."""
    shown: list[Value] = []
    seen = {id(root)}
    queue = deque([root])
    while queue:
        n = queue.popleft()
        shown.append(n)
        for p in _group_inputs(n, groups.get(id(n))):
            if id(p) not in seen:
                seen.add(id(p))
                queue.append(p)
    if max_nodes is not None and len(shown) > max_nodes:
        return shown[:max_nodes], len(shown) - max_nodes
    return shown, 0


def _rows(shown: list[Value], groups: dict[int, Group], levels_per_row: int) -> dict[int, int]:
    """For wrapping: each drawn value's row. A value's level is 1 + its deepest drawn
    input's (a constant sits just before its first consumer); rows hold
    ``levels_per_row`` levels, or (0) as many as make the picture about 16:9."""
    ids = {id(n) for n in shown}
    level: dict[int, int] = {}
    for n in sorted(shown, key=lambda v: v.stamp):
        inputs = [p for p in _group_inputs(n, groups.get(id(n))) if id(p) in ids]
        level[id(n)] = 1 + max((level[id(p)] for p in inputs), default=-1)
    consumers: dict[int, list[int]] = {}
    for n in shown:
        for p in _group_inputs(n, groups.get(id(n))):
            consumers.setdefault(id(p), []).append(level[id(n)])
    for n in shown:
        if n.is_leaf and id(n) in consumers:
            level[id(n)] = max(0, min(consumers[id(n)]) - 1)
    depth = max(level.values()) + 1
    per_row = levels_per_row
    if per_row == 0:  # widest level ~ rows of boxes per band; aim for a 16:9 slide
        width = max(sum(1 for v in level.values() if v == k) for k in range(depth))
        per_row = max(3, round(math.sqrt(1.8 * depth * width * 0.45)))
    return {k: v // per_row for k, v in level.items()}


class _Drawing:
    """The state of one picture being drawn: names, fields, colours, theme, rows."""

    def __init__(self, dot: Any, fields: set[str], groups: dict[int, Group], theme: Theme) -> None:
        self.dot, self.fields, self.groups, self.theme = dot, fields, groups, theme
        self.grads: Mapping[int, float] | None = None
        self.colors: GradColors | None = None
        self.names: dict[int, str] = {}
        self.marked: set[int] = set()
        self.rows: dict[int, int] = {}
        self.number = NumberFormat(())

    def grad_of(self, n: Value) -> float:
        """The gradient drawn for ``n`` (from ``grads`` when given, else ``.grad``)."""
        g = self.grads.get(id(n), 0.0) if self.grads is not None else n.grad
        return g.data if isinstance(g, Value) else float(g)

    def value_box(self, n: Value) -> None:
        """The record box of one value: name, data, grad; filled and outlined."""
        name = self.names[id(n)]
        parts = [f"<B>{html.escape(name)}</B>"]
        group = self.groups.get(id(n))
        if group is not None:
            act = n.op if n.op_entry.activation else "linear"
            weights = f"{group[2]} weight" + ("" if group[2] == 1 else "s")
            parts.append(html.escape(f"neuron {act}(w·x+b), {weights}"))
        tip = [name, f"data {self.number(n.data)}"]
        if "data" in self.fields:
            parts.append(f"data {self.number(n.data)}")
        if "grad" in self.fields:
            parts.append(f"grad {self.number(self.grad_of(n))}")
            tip.append(f"grad {self.number(self.grad_of(n))}")
        fill = self.colors(self.grad_of(n)) if self.colors is not None else "#ffffff"
        marked = id(n) in self.marked
        border = f'BORDER="{self.theme.highlight_width:g}" COLOR="{HIGHLIGHT}"' if marked else 'BORDER="0"'
        # An HTML-like table, not a graphviz "record": records break wrapped (flat) edges.
        rows = "".join(f"<TR><TD>{p}</TD></TR>" for p in parts)
        table = (
            f'<TABLE {border} CELLBORDER="1" CELLSPACING="0" CELLPADDING="3" BGCOLOR="{fill}">{rows}</TABLE>'
        )
        self.dot.node(name, label=f"<{table}>", shape="plain", tooltip=", ".join(tip))

    def op_node(self, n: Value, shown_ids: set[int]) -> None:
        """The op between ``n`` and its inputs, with an edge from each drawn input (a
        dashed one from the "left out" note for inputs beyond ``max_nodes``)."""
        group = self.groups.get(id(n))
        inputs = _group_inputs(n, group)
        if not inputs and group is None:
            return
        name = self.names[id(n)]
        op_label = "neuron" if group else n.op_entry.display
        op_id = f"{op_label} → {name}"
        attrs = {"shape": "ellipse", "label": _esc(op_label), "fontsize": str(self.theme.op_font)}
        attrs["margin"] = "0.04"
        attrs["tooltip"] = f"{op_label}: makes {name} from " + ", ".join(
            self.names.get(id(p), "?") for p in inputs
        )
        if id(n) in self.marked:
            attrs.update(color=HIGHLIGHT, penwidth=str(self.theme.highlight_width))
        self.dot.node(op_id, **attrs)
        self.dot.edge(op_id, name)
        cut = 0
        for p in inputs:
            if id(p) not in shown_ids:
                cut += 1
                continue
            edge: dict[str, str] = {}
            if id(p) in self.marked and id(n) in self.marked:
                edge.update(color=HIGHLIGHT, penwidth=str(self.theme.highlight_width))
            if self.rows and self.rows.get(id(p), 0) != self.rows.get(id(n), 0):
                # a wrapped chain: the next row starts again at the left
                edge.update(constraint="false", style="dashed", color="#777777")
            self.dot.edge(self.names[id(p)], op_id, **edge)
        if cut:
            self.dot.edge("left_out", op_id, style="dashed", color="#888888")

    def left_out_note(self, left_out: int, max_nodes: int | None) -> None:
        """The note that says how many values ``max_nodes`` left out."""
        if left_out:
            note = f"... {left_out} more values not shown (max_nodes={max_nodes})"
            self.dot.node(
                "left_out", label=note, shape="note", style="dashed", color="#888888", fontcolor="#555555"
            )

    def stack_rows(self, shown: list[Value]) -> None:
        """Keep wrapped rows in reading order, top to bottom: an invisible edge of
        length 0 from the first value of each row to the first of the next."""
        firsts: dict[int, Value] = {}
        for n in sorted(shown, key=lambda v: v.stamp):
            firsts.setdefault(self.rows.get(id(n), 0), n)
        rows = sorted(firsts)
        for upper, lower in itertools.pairwise(rows):
            a, b = self.names[id(firsts[upper])], self.names[id(firsts[lower])]
            self.dot.edge(a, b, style="invis", minlen="0", weight="10")

    def legend(self) -> None:
        """The colour scale as a column of swatches."""
        if self.colors is None:
            return
        font = str(self.theme.legend_font)
        with self.dot.subgraph(name="cluster_legend") as legend:
            legend.attr(label="gradient: hue = sign, lightness = log10 |grad|", fontsize=font, style="dashed")
            previous = None
            for i, (text, colour) in enumerate(self.colors.legend()):
                key = f"legend_{i}"
                legend.node(key, label=text, shape="box", style="filled", fillcolor=colour, fontsize=font)
                if previous:
                    legend.edge(previous, key, style="invis")
                previous = key


def draw_graph(
    root: Value,
    rankdir: str = "LR",
    show: str | Iterable[str] = "data,grad",
    max_nodes: int | None = None,
    color_by: str | None = None,
    collapse: bool = False,
    grads: Mapping[int, float] | None = None,
    highlight: Iterable[Value] = (),
    colors: GradColors | None = None,
    theme: str | Theme = "default",
    color_scale: str = "fixed",
    names: Mapping[int, str] | None = None,
    number_format: NumberFormat | None = None,
) -> Any:
    """The computation graph that produced ``root``, as a ``graphviz.Digraph``.

    ``show`` picks the fields in each box ("data", "grad"). ``theme="projector"``: fonts
    of 20 pt and more, thick lines, long chains wrapped into a slide-shaped picture.
    ``color_by="grad"`` fills each value by its gradient on a fixed log scale (one colour,
    one gradient, in every picture) or, with ``color_scale="relative"``, on a scale
    fitted to this picture. Every value is named (see ``autograd_core.viz.names``).
    ``grads`` (node id -> gradient) overrides ``.grad``, ``highlight`` outlines values,
    ``colors``, ``names`` and ``number_format`` fix the scale, the names and the number
    style (the backward replay passes all of them, so every frame agrees).
    """
    fields = _check_args(root, rankdir, show, max_nodes, color_by)
    dressed = _theme(theme)
    if color_scale not in COLOR_SCALES:
        raise ValueError(f"color_scale must be one of {COLOR_SCALES}, got {color_scale!r}")
    order = topological_order(root)
    groups = _neurons(order) if collapse else {}
    shown, left_out = _nearest_first(root, groups, max_nodes)
    dot = digraph_class("draw_graph")(format="svg", graph_attr={"rankdir": rankdir})
    dot.attr("node", fontname="Helvetica", fontsize=str(dressed.font))
    dot.attr("edge", penwidth=str(dressed.edge_width))
    drawing = _Drawing(dot, fields, groups, dressed)
    drawing.grads, drawing.names = grads, dict(names) if names is not None else value_names(order)
    drawing.marked = {id(v) for v in highlight}
    drawing.number = number_format or NumberFormat(
        [n.data for n in shown] + [drawing.grad_of(n) for n in shown]
    )
    if color_by == "grad":
        relative = (
            GradColors(drawing.grad_of(n) for n in shown) if color_scale == "relative" else GradColors()
        )
        drawing.colors = colors or relative
    if dressed.levels_per_row is not None and rankdir in ("LR", "RL"):
        drawing.rows = _rows(shown, groups, dressed.levels_per_row)
    shown_ids = {id(n) for n in shown}
    for n in sorted(shown, key=lambda v: v.stamp):
        drawing.value_box(n)
        drawing.op_node(n, shown_ids)
    drawing.stack_rows(shown)
    drawing.left_out_note(left_out, max_nodes)
    drawing.legend()
    dot.visible_count = len(shown)
    dot.left_out = left_out
    return dot


def _group_inputs(n: Value, group: Group | None) -> list[Value]:
    """The values a drawn node reads: its parents, or for a folded neuron the inputs of
    its dot product that were not folded in."""
    if group is None:
        return list(n.parents)
    folded = group[1]
    inputs: list[Value] = []
    stack = [n]
    while stack:
        m = stack.pop()
        for p in m.parents:
            if id(p) in folded:
                stack.append(p)
            elif p not in inputs:
                inputs.append(p)
    return inputs
