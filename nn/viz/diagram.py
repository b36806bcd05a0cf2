"""``draw_mlp(model)``: an architecture diagram of an MLP (graphviz): neurons as circles
in columns, weights as edges, blue for positive and orange for negative, thicker for
larger |w|. Wide layers show their first and last neurons with a "..." between."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from autograd_core.viz import POSITIVE_HUE, digraph_class, hex_color

from ..module import MLP


def _shown(n: int, limit: int) -> list[int | None]:
    """Indices of the neurons drawn for a layer of ``n`` (``None`` marks the gap)."""
    if n <= limit:
        return list(range(n))
    head = limit // 2
    return [*range(head), None, *range(n - (limit - head), n)]


def draw_mlp(model: MLP, max_neurons: int = 10, show_weights: bool = True, theme: str = "default") -> Any:
    """The architecture of ``model`` as a ``graphviz.Digraph`` (inline SVG in Jupyter):
    inputs x0, x1, ... top to bottom, each neuron showing its bias, each weight an edge
    (blue positive, orange negative, thicker for larger |w|), and a legend saying so.
    ``theme="projector"``: fonts of 20 pt and more, for a lecture hall."""
    if not isinstance(model, MLP):
        raise TypeError(f"draw_mlp needs an nn.MLP, got {type(model).__name__}")
    if isinstance(max_neurons, bool) or not isinstance(max_neurons, int) or max_neurons < 2:
        raise ValueError(f"max_neurons must be an integer >= 2, got {max_neurons!r}")
    if theme not in SIZES:
        raise ValueError(f"unknown theme {theme!r}; choose one of {sorted(SIZES)}")
    size = SIZES[theme]
    g = digraph_class("draw_mlp")(
        format="svg",
        # remincross=false: dot's last pass to cut crossings may reorder a column's
        # neurons across the invisible edges that order them (layer 1 of an
        # MLP(2, [16, 16, 1]) was drawn gap, 3, 4, 15, 11, ..., 0, 1, 2 from the top).
        graph_attr={
            "rankdir": "LR",
            "splines": "line",
            "nodesep": "0.12",
            "ranksep": str(size["ranksep"]),
            "remincross": "false",
        },
    )
    g.attr("node", shape="circle", fixedsize="true", width=str(size["width"]), fontname="Helvetica",
           fontsize=str(size["font"]))  # fmt: skip
    cols = [_shown(n, max_neurons) for n in [model.nin, *model.nouts]]
    _columns(g, model, cols, size)
    _weights(g, model, cols, show_weights, size)
    if show_weights:
        _legend(g, size)
    return g


SIZES: dict[str, dict[str, float]] = {
    "default": {"font": 12, "title": 12, "width": 0.75, "ranksep": 1.6, "edge": 3.0},
    "projector": {"font": 20, "title": 22, "width": 1.2, "ranksep": 2.4, "edge": 5.0},
}


def _columns(g: Any, model: MLP, cols: list[list[int | None]], size: dict[str, float]) -> None:
    """One cluster per layer, its neurons in order from the top (x0 above x1)."""
    sizes = [model.nin, *model.nouts]
    for li, col in enumerate(cols):
        if li == 0:
            title = f"input\\n{sizes[0]}"
        elif li == len(cols) - 1:
            title = f"output\\n{sizes[li]} {model.output_activation or 'linear'}"
        else:
            title = f"hidden {li}\\n{sizes[li]} {model.activation}"
        with g.subgraph(name=f"cluster_{li}") as c, c.subgraph() as column:
            c.attr(
                label=title,
                style="rounded",
                color="#bbbbbb",
                fontname="Helvetica",
                fontsize=str(size["title"]),
            )
            keys = [f"n{li}_gap" if j is None else f"n{li}_{j}" for j in col]
            for j, key in zip(col, keys):
                if j is None:
                    column.node(key, label="...", shape="plaintext")
                else:
                    fill = "#eeeeee" if li == 0 else hex_color(POSITIVE_HUE, 0.9)
                    # Inside each neuron: its bias (the edges carry the weights).
                    label = f"x{j}" if li == 0 else f"{model.layers[li - 1].neurons[j].b.data:+.2f}"
                    column.node(key, label=label, style="filled", fillcolor=fill)
            _top_to_bottom(column, keys)


def _weights(g: Any, model: MLP, cols: list[list[int | None]], show: bool, size: dict[str, float]) -> None:
    """One edge per weight between drawn neurons: colour by sign, width by size."""
    weights = [abs(w.data) for layer in model.layers for n in layer.neurons for w in n.w]
    wmax = max(weights) if weights else 1.0
    for li in range(1, len(cols)):
        layer = model.layers[li - 1]
        for j in cols[li]:
            for i in cols[li - 1]:
                if i is None or j is None:
                    continue
                w = layer.neurons[j].w[i].data
                attrs = {"arrowsize": "0.4"}
                if show:
                    attrs["color"] = POSITIVE if w >= 0 else NEGATIVE
                    attrs["penwidth"] = f"{0.4 + size['edge'] * abs(w) / wmax:.2f}"
                g.edge(f"n{li - 1}_{i}", f"n{li}_{j}", **attrs)


POSITIVE, NEGATIVE = "#1f77b4", "#ff7f0e"  # blue / orange: told apart with red-green colour blindness


def _legend(g: Any, size: dict[str, float]) -> None:
    """What the colours, the widths and the numbers in the neurons mean: one line of text
    a node, in a column. Plain labels, not an HTML-like table, which the WebAssembly
    Graphviz does not draw (it showed the node's name, "legend", instead)."""
    font = str(size["font"])
    lines = [
        ("blue edge: weight > 0", POSITIVE),
        ("orange edge: weight < 0", NEGATIVE),
        ("thicker edge: larger |weight|", "black"),
        ("number in a neuron: its bias", "black"),
    ]
    with g.subgraph(name="cluster_legend") as c, c.subgraph() as column:
        c.attr(label="legend", style="dashed", color="#999999", fontname="Helvetica", fontsize=font)
        for i, (text, colour) in enumerate(lines):
            column.node(f"legend_{i}", label=text, shape="plaintext", fixedsize="false", height="0.3",
                        fontsize=font, fontcolor=colour)  # fmt: skip
        _top_to_bottom(column, [f"legend_{i}" for i in range(len(lines))])


def _top_to_bottom(column: Any, keys: list[str]) -> None:
    """One rank (a column, left to right), its nodes in the order of ``keys`` from the
    top: invisible edges between neighbours (left to right, dot draws a flat edge upwards)."""
    column.attr(rank="same")
    for upper, lower in pairwise(keys):
        column.edge(lower, upper, style="invis")
