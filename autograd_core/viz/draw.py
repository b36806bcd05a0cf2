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

from collections import deque
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..backward import topological_order
from ..value import Value
from .colors import GradColors, fmt
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
        if d.op != "dot" or not b.is_leaf or consumers.get(id(d)) != 1:
            continue
        # A dot node's parents are w_1..w_n then x_1..x_n: fold the weights, keep the inputs.
        ws = d.parents[: len(d.parents) // 2]
        weights = {id(p) for p in ws if p.is_leaf and consumers.get(id(p)) == 1}
        groups[id(top)] = (top, {id(top), id(add), id(d), id(b)} | weights, len(weights))
    return groups


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
    """The state of one picture being drawn: which values, which fields, which colours."""

    def __init__(
        self,
        dot: Any,
        fields: set[str],
        groups: dict[int, Group],
        grads: Mapping[int, float] | None,
        colors: GradColors | None,
        highlight: Iterable[Value],
    ) -> None:
        self.dot, self.fields, self.groups = dot, fields, groups
        self.grads, self.colors = grads, colors
        self.marked = {id(v) for v in highlight}

    def grad_of(self, n: Value) -> float:
        """The gradient drawn for ``n`` (from ``grads`` when given, else ``.grad``)."""
        g = self.grads.get(id(n), 0.0) if self.grads is not None else n.grad
        return g.data if isinstance(g, Value) else float(g)

    def value_box(self, n: Value) -> None:
        """The record box of one value: label, data, grad; filled and outlined."""
        parts = []
        group = self.groups.get(id(n))
        if n.label:
            parts.append(_esc(n.label))
        if group is not None:
            act = n.op if n.op_entry.activation else "linear"
            weights = f"{group[2]} weight" + ("" if group[2] == 1 else "s")
            parts.append(_esc(f"neuron {act}(w·x+b), {weights}"))
        if "data" in self.fields:
            parts.append(f"data {fmt(n.data)}")
        if "grad" in self.fields:
            parts.append(f"grad {fmt(self.grad_of(n))}")
        attrs = {"shape": "record", "label": "{ " + " | ".join(parts or [" "]) + " }"}
        if self.colors is not None:
            attrs.update(style="filled", fillcolor=self.colors(self.grad_of(n)))
        if id(n) in self.marked:
            attrs.update(color="#d62728", penwidth="3")
        self.dot.node(str(id(n)), **attrs)

    def op_node(self, n: Value, shown_ids: set[int]) -> None:
        """The op between ``n`` and its inputs, with an edge from each drawn input (a
        dashed one from the "left out" note for inputs beyond ``max_nodes``)."""
        group = self.groups.get(id(n))
        inputs = _group_inputs(n, group)
        if not inputs and group is None:
            return
        op_id = f"{id(n)}_op"
        op_attrs = {
            "shape": "ellipse",
            "label": _esc("neuron" if group else n.op_entry.display),
            "fontsize": "10",
        }
        if id(n) in self.marked:
            op_attrs.update(color="#d62728", penwidth="2")
        self.dot.node(op_id, **op_attrs)
        self.dot.edge(op_id, str(id(n)))
        cut = 0
        for p in inputs:
            if id(p) not in shown_ids:
                cut += 1
                continue
            on_path = id(p) in self.marked and id(n) in self.marked
            self.dot.edge(str(id(p)), op_id, **({"color": "#d62728", "penwidth": "2.5"} if on_path else {}))
        if cut:
            self.dot.edge("left_out", op_id, style="dashed", color="#888888")

    def legend(self) -> None:
        """The colour scale as a column of swatches."""
        if self.colors is None:
            return
        with self.dot.subgraph(name="cluster_legend") as legend:
            legend.attr(label="gradient (sign: hue; size: log scale)", fontsize="10", style="dashed")
            previous = None
            for i, (text, colour) in enumerate(self.colors.legend()):
                key = f"legend_{i}"
                legend.node(key, label=text, shape="box", style="filled", fillcolor=colour, fontsize="9")
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
) -> Any:
    """The computation graph that produced ``root``, as a ``graphviz.Digraph``.

    ``show`` picks the fields in each box ("data", "grad"); ``grads`` (node id ->
    gradient) overrides ``.grad``, ``highlight`` outlines some values and ``colors`` fixes
    the colour scale (the backward replay uses all three, so every frame shares one scale).
    """
    fields = _check_args(root, rankdir, show, max_nodes, color_by)
    groups = _neurons(topological_order(root)) if collapse else {}
    shown, left_out = _nearest_first(root, groups, max_nodes)
    dot = digraph_class("draw_graph")(format="svg", graph_attr={"rankdir": rankdir})
    dot.attr("node", fontname="Helvetica", fontsize="11")
    drawing = _Drawing(dot, fields, groups, grads, None, highlight)
    if color_by == "grad":
        drawing.colors = colors or GradColors(drawing.grad_of(n) for n in shown)
    shown_ids = {id(n) for n in shown}
    for n in sorted(shown, key=lambda v: v.stamp):
        drawing.value_box(n)
        drawing.op_node(n, shown_ids)
    if left_out:
        dot.node(
            "left_out",
            label=f"... {left_out} more values not shown (max_nodes={max_nodes})",
            shape="note",
            style="dashed",
            color="#888888",
            fontcolor="#555555",
        )
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
