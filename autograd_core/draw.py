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

import colorsys
import math
from collections import deque
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from .backward import topological_order
from .render import render_png, render_svg
from .value import Value

SHOW_FIELDS = ("data", "grad")
COLOR_MODES = (None, "grad")
_ACTIVATIONS = {"relu", "tanh", "sigmoid", "leaky_relu", "softplus"}


def fmt(x: Any) -> str:
    """A number as a picture prints it: 4 decimals, or scientific when tiny or huge (so
    a vanishing gradient of 3e-9 does not print as 0.0000)."""
    if isinstance(x, Value):
        x = x.data
    if x == 0 or (1e-3 <= abs(x) < 1e5):
        return f"{x:.4f}"
    if not math.isfinite(x):
        return str(x)
    return f"{x:.3e}"


# -- colours ----------------------------------------------------------------------------

POSITIVE_HUE = 0.58  # blue
NEGATIVE_HUE = 0.07  # orange: blue/orange stays distinct for red-green colour blindness


def _hex(h: float, lightness: float, saturation: float = 0.85) -> str:
    r, g, b = colorsys.hls_to_rgb(h, lightness, saturation)
    return f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"


class GradColors:
    """Maps a gradient to a fill colour: hue by sign, lightness by log10 |g| between
    ``lo`` and ``hi`` decades (lighter = smaller). Zero is white, nan/inf magenta."""

    def __init__(self, grads: Iterable[float], decades: int = 8) -> None:
        mags = [abs(g) for g in grads if g and math.isfinite(g)]
        if mags:
            self.hi = math.ceil(math.log10(max(mags)))
            self.lo = max(math.floor(math.log10(min(mags))), self.hi - decades)
        else:
            self.hi, self.lo = 0, -decades
        if self.lo >= self.hi:
            self.lo = self.hi - 1

    def __call__(self, g: float) -> str:
        if not math.isfinite(g):
            return "#ff00ff"
        if g == 0:
            return "#ffffff"
        t = (math.log10(abs(g)) - self.lo) / (self.hi - self.lo)
        t = min(max(t, 0.0), 1.0)
        return _hex(POSITIVE_HUE if g > 0 else NEGATIVE_HUE, 0.93 - 0.55 * t)

    def legend(self) -> list[tuple[str, str]]:
        """(text, colour) swatches from the largest positive to the largest negative."""
        step = max(1, (self.hi - self.lo) // 4)
        exps = list(range(self.hi, self.lo - 1, -step))
        rows = [(f"+1e{e}", self(10.0**e)) for e in exps]
        rows.append(("0", "#ffffff"))
        rows += [(f"-1e{e}", self(-(10.0**e))) for e in reversed(exps)]
        return rows


# -- the graph object -------------------------------------------------------------------


@lru_cache(maxsize=1)
def _digraph_class() -> type:
    try:
        import graphviz
    except ImportError:
        raise ImportError("draw_graph needs the graphviz package: pip install 'chainrule[viz]'") from None

    class Graph(graphviz.Digraph):
        """A ``graphviz.Digraph`` that renders with chainrule's renderer (system dot, or
        WebAssembly without one), so it shows inline in Jupyter with no system Graphviz."""

        def svg(self) -> str:
            """The picture as SVG text."""
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
        for p in n._prev:
            consumers[id(p)] = consumers.get(id(p), 0) + 1
    groups: dict[int, Group] = {}
    for n in order:
        top, add = n, n
        if n._op.name in _ACTIVATIONS and len(n._prev) == 1 and consumers.get(id(n._prev[0])) == 1:
            add = n._prev[0]
        if add._op.name != "+" or len(add._prev) != 2:
            continue
        d, b = add._prev
        if d._op.name != "dot" or not b.is_leaf or consumers.get(id(d)) != 1:
            continue
        # A dot node's parents are w_1..w_n then x_1..x_n: fold the weights, keep the inputs.
        ws = d._prev[: len(d._prev) // 2]
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
    Graph = _digraph_class()
    order = topological_order(root)
    groups = _neurons(order) if collapse else {}

    # Nearest the root first, so a cut keeps the end of the computation (the loss side).
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
    left_out = 0
    if max_nodes is not None and len(shown) > max_nodes:
        left_out = len(shown) - max_nodes
        shown = shown[:max_nodes]
    shown_ids = {id(n) for n in shown}

    def grad_of(n: Value) -> float:
        g = grads.get(id(n), 0.0) if grads is not None else n.grad
        return g.data if isinstance(g, Value) else float(g)

    if color_by == "grad" and colors is None:
        colors = GradColors(grad_of(n) for n in shown)
    elif color_by is None:
        colors = None
    marked = {id(v) for v in highlight}
    dot = Graph(format="svg", graph_attr={"rankdir": rankdir})
    dot.attr("node", fontname="Helvetica", fontsize="11")
    for n in sorted(shown, key=lambda v: v._seq):
        nid = str(id(n))
        parts = []
        group = groups.get(id(n))
        if n.label:
            parts.append(_esc(n.label))
        if group is not None:
            act = n._op.name if n._op.name in _ACTIVATIONS else "linear"
            weights = f"{group[2]} weight" + ("" if group[2] == 1 else "s")
            parts.append(_esc(f"neuron {act}(w·x+b), {weights}"))
        if "data" in fields:
            parts.append(f"data {fmt(n.data)}")
        if "grad" in fields:
            parts.append(f"grad {fmt(grad_of(n))}")
        attrs = {"shape": "record", "label": "{ " + " | ".join(parts or [" "]) + " }"}
        if colors is not None:
            attrs.update(style="filled", fillcolor=colors(grad_of(n)))
        if id(n) in marked:
            attrs.update(color="#d62728", penwidth="3")
        dot.node(nid, **attrs)
        inputs = _group_inputs(n, group)
        if inputs or group is not None:
            op_id = nid + "_op"
            op_label = "neuron" if group is not None else n._op.display
            op_attrs = {"shape": "ellipse", "label": _esc(op_label), "fontsize": "10"}
            if id(n) in marked:
                op_attrs.update(color="#d62728", penwidth="2")
            dot.node(op_id, **op_attrs)
            dot.edge(op_id, nid)
            cut = 0
            for p in inputs:
                if id(p) in shown_ids:
                    edge = (
                        {"color": "#d62728", "penwidth": "2.5"} if id(p) in marked and id(n) in marked else {}
                    )
                    dot.edge(str(id(p)), op_id, **edge)
                else:
                    cut += 1
            if cut:
                dot.edge("left_out", op_id, style="dashed", color="#888888")
    if left_out:
        dot.node(
            "left_out",
            label=f"... {left_out} more values not shown (max_nodes={max_nodes})",
            shape="note",
            style="dashed",
            color="#888888",
            fontcolor="#555555",
        )
    if colors is not None:
        with dot.subgraph(name="cluster_legend") as legend:
            legend.attr(label="gradient (sign: hue; size: log scale)", fontsize="10", style="dashed")
            previous = None
            for i, (text, colour) in enumerate(colors.legend()):
                key = f"legend_{i}"
                legend.node(key, label=text, shape="box", style="filled", fillcolor=colour, fontsize="9")
                if previous:
                    legend.edge(previous, key, style="invis")
                previous = key
    dot.visible_count = len(shown)
    dot.left_out = left_out
    return dot


def _group_inputs(n: Value, group: Group | None) -> list[Value]:
    """The values a drawn node reads: its parents, or for a folded neuron the inputs of
    its dot product that were not folded in."""
    if group is None:
        return list(n._prev)
    folded = group[1]
    inputs: list[Value] = []
    stack = [n]
    while stack:
        m = stack.pop()
        for p in m._prev:
            if id(p) in folded:
                stack.append(p)
            elif p not in inputs:
                inputs.append(p)
    return inputs
