"""``draw_mlp(model)``: an architecture diagram of an MLP (graphviz): neurons as circles
in columns, weights as edges, blue for positive and orange for negative, thicker for
larger |w|. Wide layers show their first and last neurons with a "..." between."""

from __future__ import annotations

from typing import Any

from autograd_core.viz import POSITIVE_HUE, digraph_class, hex_color

from ..module import MLP


def _shown(n: int, limit: int) -> list[int | None]:
    """Indices of the neurons drawn for a layer of ``n`` (``None`` marks the gap)."""
    if n <= limit:
        return list(range(n))
    head = limit // 2
    return [*range(head), None, *range(n - (limit - head), n)]


def draw_mlp(model: MLP, max_neurons: int = 10, show_weights: bool = True) -> Any:
    """The architecture of ``model`` as a ``graphviz.Digraph`` (inline SVG in Jupyter)."""
    if not isinstance(model, MLP):
        raise TypeError(f"draw_mlp needs an nn.MLP, got {type(model).__name__}")
    if not isinstance(max_neurons, int) or max_neurons < 2:
        raise ValueError(f"max_neurons must be an integer >= 2, got {max_neurons!r}")
    Graph = digraph_class("draw_mlp")
    g = Graph(
        format="svg", graph_attr={"rankdir": "LR", "splines": "line", "nodesep": "0.08", "ranksep": "1.4"}
    )
    g.attr("node", shape="circle", fixedsize="true", width="0.55", fontname="Helvetica", fontsize="7")
    sizes = [model.nin, *model.nouts]
    cols = [_shown(n, max_neurons) for n in sizes]
    weights = [abs(w.data) for layer in model.layers for n in layer.neurons for w in n.w]
    wmax = max(weights) if weights else 1.0
    for li, col in enumerate(cols):
        if li == 0:
            title = f"input\\n{sizes[0]}"
        elif li == len(cols) - 1:
            title = f"output\\n{sizes[li]} {model.output_activation or 'linear'}"
        else:
            title = f"hidden {li}\\n{sizes[li]} {model.activation}"
        with g.subgraph(name=f"cluster_{li}") as c:
            c.attr(label=title, style="rounded", color="#bbbbbb", fontname="Helvetica", fontsize="10")
            for j in col:
                if j is None:
                    c.node(f"n{li}_gap", label="...", shape="plaintext")
                else:
                    fill = "#eeeeee" if li == 0 else hex_color(POSITIVE_HUE, 0.9)
                    # Inside each neuron: its bias (the edges carry the weights).
                    label = f"x{j}" if li == 0 else f"{model.layers[li - 1].neurons[j].b.data:+.2f}"
                    c.node(f"n{li}_{j}", label=label, style="filled", fillcolor=fill)
    for li in range(1, len(cols)):
        layer = model.layers[li - 1]
        for j in cols[li]:
            for i in cols[li - 1]:
                if i is None or j is None:
                    continue
                w = layer.neurons[j].w[i].data
                attrs = {"arrowsize": "0.3"}
                if show_weights:
                    attrs["color"] = "#1f77b4" if w >= 0 else "#ff7f0e"
                    attrs["penwidth"] = f"{0.3 + 3.0 * abs(w) / wmax:.2f}"
                g.edge(f"n{li - 1}_{i}", f"n{li}_{j}", **attrs)
    return g
