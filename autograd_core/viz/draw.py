"""Pictures of the computation graph: ``draw_graph(root)`` returns a ``graphviz.Digraph``.

Each value is a record box showing its name, data and grad; each op is a small node
between its inputs and its output (the layout of micrograd's ``trace_graph``); a constant
is a small box with its number. Records (not HTML-like tables, which the WebAssembly
build draws as bare names) keep the picture the same in both renderers. Options:

- ``max_nodes``: draw at most that many values, nearest the root first, with a note
  saying how many were left out;
- ``collapse=True``: draw each neuron (``act(dot(w, x) + b)``) as ONE node, with its
  weights folded in, so a whole MLP stays readable;
- ``color_by="grad"``: fill each value by its gradient: hue for the sign, lightness for
  the magnitude on a log scale (so a gradient of 1e-7 is visibly different from 0 and
  from 1e-2: a linear scale would paint both white), with a legend.

In Jupyter the returned graph shows inline as SVG, rendered by the system ``dot`` or,
without one, by Graphviz compiled to WebAssembly (see ``autograd_core.render``), fitted
to the notebook's width, with a PNG beside it for a notebook opened untrusted (see
``autograd_core.viz.notebook``).
"""

from __future__ import annotations

import shutil
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from ..backward import topological_order
from ..value import Value
from .colors import GradColors, NumberFormat
from .dot_text import plain, record_label
from .layout import TB_NODESEP, choose_rankdir, levels
from .names import constant_text, is_constant, value_names
from .notebook import picture_bundle
from .render import RenderError, check_size, render_png, render_svg

SHOW_FIELDS = ("data", "grad")
COLOR_MODES = (None, "grad")


# -- the graph object -------------------------------------------------------------------


class Picture(Protocol):
    """What ``draw_graph`` returns, for type checkers: a ``graphviz.Digraph`` (``.source``
    is its DOT text) that renders with chainrule's renderer."""

    source: str
    visible_count: int
    left_out: int
    rankdir: str

    def svg(self, renderer: str | None = None) -> str:
        """The picture as SVG text."""
        ...

    def save_svg(self, path: str | Path) -> Path:
        """Write the SVG to ``path``."""
        ...

    def save_png(self, path: str | Path) -> Path:
        """Write a PNG (needs the system ``dot``)."""
        ...

    def attr(self, kw: str | None = None, _attributes: Any = None, **attrs: Any) -> None:
        """Set graph, node or edge attributes (``graphviz.Digraph.attr``)."""
        ...


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

        def __repr__(self) -> str:
            count = getattr(self, "visible_count", None)
            what = f"{count} values, " if count is not None else ""
            direction = {"LR": "left to right", "TB": "top to bottom"}.get(getattr(self, "rankdir", ""), "")
            return (
                f"<chainrule picture: {what}{direction or 'a graph'}. .svg() gives the SVG text, "
                ".save_svg(path) / .save_png(path) write it; in Jupyter it shows itself>"
            )

        def svg(self, renderer: str | None = None) -> str:
            """The picture as SVG text (``renderer``: see ``render_svg``)."""
            check_size(getattr(self, "visible_count", 0))
            return render_svg(self.source, renderer)

        def _repr_svg_(self) -> str:
            return self.svg()

        def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **_: Any) -> dict[str, str]:
            # The SVG fitted to a notebook's width and a PNG beside it: an untrusted
            # notebook shows only the PNG (see autograd_core.viz.notebook).
            return picture_bundle(self.source, self.svg(), include, exclude)

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

        def render(self, *args: Any, **kwargs: Any) -> Any:
            """``graphviz.Digraph.render``: writes the file with the system ``dot``. Without
            one, the error (a ``RenderError`` and graphviz's ``ExecutableNotFound``, so
            code written for either catches it) points to ``.save_svg``."""
            if shutil.which("dot") is None:
                raise DotNotFound(
                    "render() runs Graphviz's dot, which is not installed here: .save_svg(path) "
                    "writes the picture without it (apt-get install graphviz for render and PNG)"
                )
            return super().render(*args, **kwargs)

    class DotNotFound(RenderError, graphviz.ExecutableNotFound):
        """``render()`` without the system ``dot``."""

        def __init__(self, message: str) -> None:
            RuntimeError.__init__(self, message)  # not graphviz's: it formats a command line

    return Graph


Group = tuple[Value, set[int], int]  # (neuron output, ids folded into it, weights folded)


def _neurons(order: list[Value]) -> dict[int, Group]:
    """For collapse mode: each neuron's output node -> (output, ids of nodes folded in).

    A neuron is act(w·x + b) or w·x + b, where the weighted sum is one ``dot`` node
    (``nn``'s neurons) or products ``w*x`` added up (an expression typed in the
    playground: the left factor of each product is its weight), and every node of the
    sum feeds nothing else. The bias and the weights fold in when this neuron alone uses
    them (an RNN's shared ``b_h`` stays in the picture); the inputs stay.
    """
    consumers: dict[int, int] = {}
    for n in order:
        for p in n.parents:
            consumers[id(p)] = consumers.get(id(p), 0) + 1
    once = lambda v: consumers.get(id(v)) == 1
    groups: dict[int, Group] = {}
    for n in order:
        top, add = n, n
        if n.op_entry.activation and len(n.parents) == 1 and once(n.parents[0]):
            add = n.parents[0]
        if add.op != "+" or len(add.parents) != 2:
            continue
        found = _weighted_sum(add, once)
        if found is not None:
            folded, weights = found
            groups[id(top)] = (top, {id(top)} | folded, weights)
    return groups


def _weighted_sum(add: Value, once: Any) -> tuple[set[int], int] | None:
    """(ids folded, weights folded) when ``add`` is w·x + b (see ``_neurons``), else None."""
    terms, sums, stack = [], {id(add)}, list(add.parents)
    while stack:  # the terms of the sum: through '+' nodes that feed only this sum
        t = stack.pop()
        if t.op == "+" and len(t.parents) == 2 and once(t):
            sums.add(id(t))
            stack.extend(t.parents)
        else:
            terms.append(t)
    biases = [t for t in terms if t.is_leaf and once(t)]
    products = [t for t in terms if not t.is_leaf]
    if len(biases) != 1 or len(products) != len(terms) - 1 or not products:
        return None
    folded, weights = sums | {id(biases[0])}, 0
    for t in products:
        if not once(t) or t.op not in ("dot", "*"):
            return None
        # dot's parents are w_1..w_n then x_1..x_n; a product's weight is its left factor
        ws = t.parents[: len(t.parents) // 2] if t.op == "dot" else t.parents[:1]
        kept = [w for w in ws if w.is_leaf and once(w)]
        folded |= {id(t)} | {id(w) for w in kept}
        weights += len(kept)
    return folded, weights


@dataclass(frozen=True)
class Theme:
    """How a picture is dressed: font sizes (points), line widths, and the frame it is
    meant to be seen in (pixels), which decides the drawing direction (``rankdir="auto"``)."""

    name: str
    font: int
    op_font: int
    legend_font: int
    edge_width: float
    highlight_width: float
    frame: tuple[int, int]


THEMES = {
    # A notebook: small type, in an output area that scrolls down, where a picture shows
    # at most NOTEBOOK_WIDTH (920) px wide (see notebook.py). The direction is chosen for
    # a frame 1,100 px wide: a picture up to that wide, shrunk to 920 px, still shows its
    # 11 pt text at 12 px or more, and a small graph stays one row that a laptop's screen
    # shows whole (at 920 px a 7-value graph would turn into a column 768 px tall).
    "default": Theme("default", 11, 10, 9, 1.0, 3.0, (1100, 2400)),
    # For a lecture hall: every font >= 20 pt, thick lines, seen on a 16:9 slide.
    "projector": Theme("projector", 22, 20, 20, 2.5, 5.0, (1280, 720)),
}
HIGHLIGHT = "#111111"  # the current step: a thick near-black outline, told apart by anyone
COLOR_SCALES = ("fixed", "relative")


def _check_args(root: Any, rankdir: str, show: Any, max_nodes: Any, color_by: Any) -> set[str]:
    if not isinstance(root, Value):
        raise TypeError(f"draw_graph needs a Value, got {type(root).__name__}")
    if rankdir not in ("auto", "LR", "TB", "RL", "BT"):
        raise ValueError(f"rankdir must be one of auto, LR, TB, RL, BT, got {rankdir!r}")
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


class _Drawing:
    """The state of one picture being drawn: names, fields, colours, theme, direction."""

    def __init__(self, dot: Any, fields: set[str], groups: dict[int, Group], theme: Theme) -> None:
        self.dot, self.fields, self.groups, self.theme = dot, fields, groups, theme
        self.grads: Mapping[int, float] | None = None
        self.colors: GradColors | None = None
        self.names: dict[int, str] = {}
        self.ids: dict[int, str] = {}
        self.marked: set[int] = set()
        self.vertical = False  # top to bottom: record fields need braces to stack
        self.number = NumberFormat(())

    def grad_of(self, n: Value) -> float:
        """The gradient drawn for ``n`` (from ``grads`` when given, else ``.grad``)."""
        g = self.grads.get(id(n), 0.0) if self.grads is not None else n.grad
        return g.data if isinstance(g, Value) else float(g)

    def fields_of(self, n: Value) -> list[str]:
        """The lines of a value's box: its name, what a folded neuron holds, data, grad."""
        parts = [self.names[id(n)]]
        group = self.groups.get(id(n))
        if group is not None:
            act = n.op if n.op_entry.activation else "linear"
            parts.append(f"neuron {act}(w·x+b), {group[2]} weight" + ("" if group[2] == 1 else "s"))
        if "data" in self.fields:
            parts.append(f"data {self.number(n.data)}")
        if "grad" in self.fields:
            parts.append(f"grad {self.number(self.grad_of(n))}")
        return parts

    def value_box(self, n: Value) -> None:
        """One value: a record box of name, data and grad, filled by its gradient; a
        constant is a small rounded box holding its number (it has no gradient to show).
        Records, not HTML-like tables: the WebAssembly Graphviz draws tables as bare names."""
        node_id = self.ids[id(n)]
        if is_constant(n):
            text = constant_text(n.data)
            self.dot.node(node_id, label=plain(text), shape="box", style="rounded", color="#888888",
                          fontcolor="#333333", tooltip=plain(f"the constant {text}"))  # fmt: skip
            return
        fields = self.fields_of(n)
        tip = [self.names[id(n)], f"data {self.number(n.data)}", f"grad {self.number(self.grad_of(n))}"]
        fill = self.colors(self.grad_of(n)) if self.colors is not None else "#ffffff"
        attrs = {"shape": "record", "style": "filled", "fillcolor": fill, "tooltip": plain(", ".join(tip))}
        if id(n) in self.marked:
            attrs.update(color=HIGHLIGHT, penwidth=f"{self.theme.highlight_width:g}")
        self.dot.node(node_id, label=record_label(fields, self.vertical), **attrs)

    def op_node(self, n: Value, shown_ids: set[int]) -> None:
        """The op between ``n`` and its inputs, with an edge from each drawn input (a
        dashed one from the "left out" note for inputs beyond ``max_nodes``)."""
        group = self.groups.get(id(n))
        inputs = _group_inputs(n, group)
        if not inputs and group is None:
            return
        name = self.names[id(n)]
        op_label = "neuron" if group else n.op_entry.display
        op_id = "op" + self.ids[id(n)][1:]
        makes = ", ".join(self.names.get(id(p), "?") for p in inputs)
        attrs = {"shape": "ellipse", "label": plain(op_label), "fontsize": str(self.theme.op_font)}
        attrs.update(margin="0.04", tooltip=plain(f"{op_label}: makes {name} from {makes}"))
        if id(n) in self.marked:
            attrs.update(color=HIGHLIGHT, penwidth=str(self.theme.highlight_width))
        self.dot.node(op_id, **attrs)
        self.dot.edge(op_id, self.ids[id(n)], weight="4")
        cut = 0
        for p in inputs:
            if id(p) not in shown_ids:
                cut += 1
                continue
            # A constant's edge is light, so the chain of values runs straight past it.
            edge: dict[str, str] = {"weight": "1" if is_constant(p) else "4"}
            if id(p) in self.marked and id(n) in self.marked:
                edge.update(color=HIGHLIGHT, penwidth=str(self.theme.highlight_width))
            self.dot.edge(self.ids[id(p)], op_id, **edge)
        if cut:
            self.dot.edge("left_out", op_id, style="dashed", color="#888888")

    def left_out_note(self, left_out: int, max_nodes: int | None) -> None:
        """The note that says how many values ``max_nodes`` left out."""
        if left_out:
            note = f"... {left_out} more values not shown (max_nodes={max_nodes})"
            self.dot.node(
                "left_out", label=note, shape="note", style="dashed", color="#888888", fontcolor="#555555"
            )

    def legend(self) -> None:
        """The colour scale as a row (or column) of swatches beside the graph."""
        if self.colors is None:
            return
        font = str(self.theme.legend_font)
        with self.dot.subgraph(name="cluster_legend") as legend:
            # Beside a top-to-bottom picture the legend is a column: a narrow caption for it.
            caption = (
                "gradient\nhue: sign\nlightness:\nlog10 |grad|"
                if self.vertical
                else ("gradient: hue = sign, lightness = log10 |grad|")
            )
            legend.attr(label=caption, fontsize=font, style="dashed")
            # A strip of swatches along the flow (a row left to right, a column top to
            # bottom), so it adds little across it.
            for i, (text, colour) in enumerate(self.colors.legend()):
                legend.node(f"legend_{i}", label=text, shape="box", style="filled", fillcolor=colour,
                            fontsize=font, height="0.3", margin="0.05,0.02")  # fmt: skip
                if i:
                    legend.edge(f"legend_{i - 1}", f"legend_{i}", style="invis", minlen="1")


def draw_graph(
    root: Value,
    rankdir: str = "auto",
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
) -> Picture:
    """The computation graph that produced ``root``, as a ``graphviz.Digraph``.

    Every edge points the same way and ``root`` ends the picture: ``rankdir="auto"``
    draws left to right, or top to bottom where that reads larger in the theme's frame
    (a notebook's width, a 16:9 slide); ``"LR"``, ``"TB"``, ``"RL"``, ``"BT"`` force one.
    ``show`` picks the fields in each box ("data", "grad"). ``theme="projector"``: fonts
    of 20 pt and more, thick lines, sized for a slide.
    ``color_by="grad"`` fills each value by its gradient on a fixed log scale (one colour,
    one gradient, in every picture) or, with ``color_scale="relative"``, on a scale
    fitted to this picture. Every value is named (see ``autograd_core.viz.names``); a
    constant shows its number and no gradient. Labels are drawn as literal text.
    ``grads`` (node id -> gradient) overrides ``.grad``, ``highlight`` outlines values,
    ``colors``, ``names`` and ``number_format`` fix the scale, the names and the number
    style (the backward replay passes all of them, so every frame agrees). The SVG's
    value boxes have the ids ``v<k>`` and their ops ``op<k>``, k the value's place in
    ``topological_order(root)``.
    """
    fields = _check_args(root, rankdir, show, max_nodes, color_by)
    dressed = _theme(theme)
    if color_scale not in COLOR_SCALES:
        raise ValueError(f"color_scale must be one of {COLOR_SCALES}, got {color_scale!r}")
    order = topological_order(root)
    groups = _neurons(order) if collapse else {}
    shown, left_out = _nearest_first(root, groups, max_nodes)
    drawing = _Drawing(None, fields, groups, dressed)
    drawing.grads, drawing.names = grads, dict(names) if names is not None else value_names(order)
    drawing.ids = {id(n): f"v{k}" for k, n in enumerate(order)}
    drawing.marked = {id(v) for v in highlight}
    numbers = [n.data for n in shown] + [drawing.grad_of(n) for n in shown]
    drawing.number = number_format or NumberFormat(numbers)
    if rankdir == "auto":
        rankdir = _auto_rankdir(drawing, shown)
    drawing.vertical = rankdir in ("TB", "BT")
    dot = drawing.dot = _new_graph(rankdir, dressed)
    if color_by == "grad":
        fitted = color_scale == "relative"
        drawing.colors = colors or (GradColors(drawing.grad_of(n) for n in shown) if fitted else GradColors())
    shown_ids = {id(n) for n in shown}
    for n in sorted(shown, key=lambda v: v.stamp):
        drawing.value_box(n)
        drawing.op_node(n, shown_ids)
    drawing.left_out_note(left_out, max_nodes)
    drawing.legend()
    dot.visible_count, dot.left_out, dot.rankdir = len(shown), left_out, rankdir
    return dot


def _new_graph(rankdir: str, theme: Theme) -> Any:
    """An empty picture drawn in ``rankdir``, dressed in ``theme``'s fonts and lines."""
    dot = digraph_class("draw_graph")(format="svg", graph_attr={"rankdir": rankdir})
    if rankdir in ("TB", "BT"):
        # Top to bottom, the widest rank is what a notebook shrinks to fit: its boxes sit
        # closer than Graphviz's 0.25 in (lesson 07's RNN: 1,301 -> 1,104 px wide, its
        # text 10.4 -> 12.2 px at the notebook's 920 px).
        dot.attr(nodesep=f"{TB_NODESEP / 72:g}")
    dot.attr(fontname="Helvetica")
    dot.attr("node", fontname="Helvetica", fontsize=str(theme.font))
    dot.attr("edge", penwidth=str(theme.edge_width))
    return dot


def _auto_rankdir(drawing: _Drawing, shown: list[Value]) -> str:
    """Left to right or top to bottom, whichever shows the text larger in the frame."""
    level = levels(shown, lambda n: _group_inputs(n, drawing.groups.get(id(n))))
    boxes = [drawing.fields_of(n) for n in shown if not is_constant(n)] or [["x"]]
    chars = max(len(line) for box in boxes for line in box)
    lines = max(len(box) for box in boxes)
    return choose_rankdir(level, chars, lines, drawing.theme.font, drawing.theme.frame)


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
