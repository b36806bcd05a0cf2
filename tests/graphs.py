"""Graphs the picture tests draw: one neuron, lesson 02's 2-2-1 network, a long chain,
an unlabelled MLP; and readers of a rendered SVG (texts, fills, node centres)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from autograd_core import Value
from nn import MLP

SVG = "{http://www.w3.org/2000/svg}"


def neuron() -> Value:
    """tanh(w·x + b), backpropagated."""
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(1.0, label="b")
    y = (w * x + b).tanh()
    y.label = "y"
    y.backward()
    return y


def lesson02_network() -> Value:
    """Lesson 02's 2-2-1 sigmoid network (Mazur's numbers) and its error E, backpropagated."""
    model = MLP(2, [2, 1], activation="sigmoid", output_activation="sigmoid")
    (n_h1, n_h2), (n_o,) = model.layers[0].neurons, model.layers[1].neurons
    for n, numbers in ((n_h1, (0.15, 0.20, 0.35)), (n_h2, (0.25, 0.30, 0.35)), (n_o, (0.40, 0.45, 0.60))):
        n.w[0].data, n.w[1].data, n.b.data = numbers
    x = [Value(0.05, label="x1"), Value(0.10, label="x2")]
    o = model(x)
    t = Value(0.01, label="t")
    e = 0.5 * (t - o) ** 2
    e.label = "E"
    e.backward()
    return e


def chain(n: int) -> Value:
    """A chain of ``n`` ops (sin and tanh, with constants), backpropagated."""
    y = Value(0.5, label="x")
    for i in range(n):
        y = (y * 1.1).tanh() if i % 2 else (y + 0.1).sin()
    y.backward()
    return y


def unlabelled_mlp() -> Value:
    """An MLP(2, [2, 1]) whose values nobody labelled, with a squared error."""
    model = MLP(2, [2, 1], seed=0)
    loss = (model([0.5, -1.0]) - 1.0) ** 2
    loss.backward()
    return loss


def parse(svg: str) -> ET.Element:
    """The SVG as XML (it must be well formed)."""
    return ET.fromstring(svg)


def nodes(root: ET.Element) -> dict[str, ET.Element]:
    """Graphviz node id (the SVG <title>) -> its <g>."""
    out = {}
    for g in root.iter(f"{SVG}g"):
        if g.get("class", "").split()[:1] == ["node"]:
            title = g.find(f"{SVG}title")
            if title is not None and title.text:
                out[title.text] = g
    return out


def lines_of(g: ET.Element) -> list[str]:
    """The text lines drawn in one node, in order (no-break spaces read as spaces)."""
    return [(t.text or "").replace("\xa0", " ") for t in g.iter(f"{SVG}text")]


def texts(root: ET.Element) -> list[str]:
    """Every text drawn in the picture."""
    return [(t.text or "").replace("\xa0", " ") for t in root.iter(f"{SVG}text")]


def fills(root: ET.Element) -> list[str]:
    """The fill colour of every filled shape, sorted (a multiset to compare)."""
    shapes = [e for e in root.iter() if e.tag in (f"{SVG}polygon", f"{SVG}path", f"{SVG}ellipse")]
    return sorted(e.get("fill", "") for e in shapes if e.get("fill", "none") not in ("none", "white"))


def font_sizes(root: ET.Element) -> list[float]:
    """The font size of every text."""
    return [float(t.get("font-size", "0")) for t in root.iter(f"{SVG}text")]


def centre(g: ET.Element) -> tuple[float, float]:
    """The middle of a node's shape, in SVG coordinates (y grows downwards)."""
    xs: list[float] = []
    ys: list[float] = []
    for e in g.iter():
        if e.tag == f"{SVG}ellipse":
            xs.append(float(e.get("cx", "0")))
            ys.append(float(e.get("cy", "0")))
        elif e.tag in (f"{SVG}polygon", f"{SVG}path") and e.get("points", e.get("d")):
            pairs = re.findall(r"(-?[\d.]+),(-?[\d.]+)", e.get("points") or e.get("d") or "")
            xs += [float(a) for a, _ in pairs]
            ys += [float(b) for _, b in pairs]
    return (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2


def edges(root: ET.Element) -> list[tuple[str, str]]:
    """(tail, head) node ids of every drawn edge."""
    out = []
    for g in root.iter(f"{SVG}g"):
        if g.get("class", "").split()[:1] == ["edge"]:
            title = g.find(f"{SVG}title")
            if title is not None and title.text and "->" in title.text:
                tail, head = title.text.split("->")
                out.append((tail, head))
    return out
