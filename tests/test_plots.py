"""Plots, the network diagram and the demo: files exist, decode, and show what they claim."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

pytest.importorskip("matplotlib")
pytest.importorskip("graphviz")

from autograd_core.viz import render
from nn import MLP, fit, optim
from nn.data import make_moons
from nn.viz import draw_mlp, plot_decision_boundary, plot_gradient_flow, plot_history

SVG = "{http://www.w3.org/2000/svg}"


def _decodes(path: Path) -> tuple[int, ...]:
    import matplotlib.image as mpimg

    img = mpimg.imread(path)
    assert img.size > 0 and img.std() > 0.01  # not blank
    return tuple(img.shape)


@pytest.fixture(scope="module")
def trained() -> tuple[MLP, list[list[float]], list[int], object]:
    X, y = make_moons(60, noise=0.1, seed=0)
    model = MLP(2, [8, 8, 1], seed=0)
    hist = fit(
        model,
        X,
        y,
        loss="bce",
        optimizer=optim.Adam(model.parameters(), lr=0.02),
        epochs=20,
        validation=(X[:20], y[:20]),
        progress=False,
        track_gradients=True,
    )
    return model, X, y, hist


def test_plots_write_decodable_pngs(trained, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    model, X, y, hist = trained
    plot_history(hist, path=tmp_path / "loss.png")
    plot_decision_boundary(model, X, y, path=tmp_path / "boundary.png", steps=30)
    ax = plot_gradient_flow(hist, path=tmp_path / "flow.png")
    for name in ("loss.png", "boundary.png", "flow.png"):
        assert len(_decodes(tmp_path / name)) == 3
    assert ax.get_yscale() == "log" and len(ax.lines) == 3  # one curve per layer
    assert len(hist.grad_flow) == 20 and all(len(r) == 3 for r in hist.grad_flow)


def test_loss_plot_has_both_curves(trained) -> None:  # type: ignore[no-untyped-def]
    _, _, _, hist = trained
    ax = plot_history(hist)
    labels = [line.get_label() for line in ax.lines]
    assert "training loss" in labels and "validation loss" in labels


def test_plot_errors(trained) -> None:  # type: ignore[no-untyped-def]
    model, _, _, _ = trained
    from nn import History

    with pytest.raises(ValueError, match="at least one epoch"):
        plot_history(History())
    with pytest.raises(ValueError, match="track_gradients"):
        plot_gradient_flow(History())
    with pytest.raises(ValueError, match="2-D"):
        plot_decision_boundary(model, [[1.0, 2.0, 3.0]], [0])


def test_network_diagram(trained) -> None:  # type: ignore[no-untyped-def]
    model, _, _, _ = trained
    root = ET.fromstring(draw_mlp(model).svg())
    # neurons and weights (the legend and the invisible edges that order a column aside)
    nodes = [
        g
        for g in root.iter(f"{SVG}g")
        if g.get("class") == "node" and not (g.findtext(f"{SVG}title") or "").startswith("legend")
    ]
    edges = [g for g in root.iter(f"{SVG}g") if g.get("class") == "edge" and g.find(f"{SVG}path") is not None]
    assert len(nodes) == 2 + 8 + 8 + 1 and len(edges) == 2 * 8 + 8 * 8 + 8
    strokes = {p.get("stroke") for g in edges for p in g.iter(f"{SVG}path")}
    assert {"#1f77b4", "#ff7f0e"} <= strokes  # positive and negative weights both drawn
    widths = {float(p.get("stroke-width", "1")) for g in edges for p in g.iter(f"{SVG}path")}
    assert len(widths) > 5  # thickness follows |w|
    words = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert "hidden 1" in words and "8 relu" in words


def test_wide_layers_are_elided_and_bad_args_fail() -> None:
    big = MLP(64, [100, 10], seed=0)
    root = ET.fromstring(draw_mlp(big, max_neurons=6).svg())
    words = [t.text for t in root.iter(f"{SVG}text")]
    assert words.count("...") == 3  # 64, 100 and 10 are all wider than 6
    with pytest.raises(TypeError, match="MLP"):
        draw_mlp("model")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_neurons"):
        draw_mlp(big, max_neurons=1)


def test_demo_writes_its_pictures(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from nn import demo

    files = demo.main(["--epochs", "30", "--samples", "120", "--out", str(tmp_path), "--no-progress"])
    out = capsys.readouterr().out
    assert "accuracy: training" in out and "demo took" in out
    assert {p.name for p in files.values()} == {
        "neuron_graph.svg",
        "neuron_backward.html",
        "network.svg",
        "loss.png",
        "boundary.png",
    }
    graph = ET.fromstring((tmp_path / "neuron_graph.svg").read_text())
    words = [t.text or "" for t in graph.iter(f"{SVG}text")]
    # The neuron keeps the model's names (it used to be relabelled w0, w1, b, out).
    j = next(w[len("b[1][") : -1] for w in words if w.startswith("b[1]["))
    names = {f"w[1][{j},0]", f"w[1][{j},1]", f"b[1][{j}]", f"w[1][{j}]·x", f"z[1][{j}]", f"a[1][{j}]"}
    assert {"x0", "x1", "dot", "relu"} | names <= set(words)
    assert f"neuron a[1][{j}] of hidden layer 1" in out and "through this neuron" in out
    _decodes(tmp_path / "loss.png")
    _decodes(tmp_path / "boundary.png")
    with pytest.raises(SystemExit):
        demo.main(["--layers", "a,b"])


def test_plots_return_axes_draw_into_given_axes_and_leave_the_backend_alone(trained) -> None:  # type: ignore[no-untyped-def]
    import matplotlib
    import matplotlib.pyplot as plt
    from matplotlib.axes import Axes

    model, X, y, hist = trained
    backend = matplotlib.get_backend()
    fig, (a, b, c) = plt.subplots(1, 3)
    assert plot_history(hist, ax=a) is a and isinstance(a, Axes)
    assert plot_gradient_flow(hist, ax=b) is b
    assert plot_decision_boundary(model, X, y, steps=10, ax=c) is c
    assert len(fig.axes) == 3 and matplotlib.get_backend() == backend
    plt.close(fig)
    source = (Path(__file__).parents[1] / "nn" / "viz" / "plots.py").read_text()
    assert "matplotlib.use(" not in source


def test_a_plot_shows_once_in_jupyter(tmp_path: Path) -> None:
    """In a notebook cell, plot_history(h) without a trailing ';' shows ONE picture: the
    figure (shown by the inline backend) and a text repr of the Axes, not the figure twice."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    code = (
        "from nn import MLP, fit\nfrom nn.data import make_moons\nfrom nn.viz import plot_history\n"
        "X, y = make_moons(20, seed=0)\n"
        "h = fit(MLP(2, [4, 1], seed=0), X, y, loss='bce', epochs=3, progress=False)"
    )
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(code), nbformat.v4.new_code_cell("plot_history(h)")]
    )
    nbclient.NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    outputs = nb.cells[1].outputs
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) == 1, outputs


def test_demo_without_the_viz_extra_says_so_before_training(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import importlib.util

    from nn import demo

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "graphviz" else real(name, *a)
    )
    out = tmp_path / "out"
    with pytest.raises(SystemExit, match=r"graphviz: pip install 'chainrule\[viz\]'"):
        demo.main(["--epochs", "2", "--out", str(out), "--no-progress"])
    assert not out.exists()  # nothing trained, no empty folder left
    assert "accuracy" not in capsys.readouterr().out


def test_draw_mlp_import_error_names_draw_mlp(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "graphviz", None)
    with pytest.raises(ImportError, match="draw_mlp needs the graphviz package"):
        draw_mlp(MLP(2, [2, 1], seed=0))


@pytest.mark.parametrize("renderer", [render.SYSTEM, render.WASM])
def test_draw_mlp_has_a_legend_neurons_in_order_and_a_projector_theme(renderer: str) -> None:
    """In both renderers: the legend's four lines (the WebAssembly Graphviz drew an
    HTML-like table as the word "legend"), blue and orange where they name a colour, and
    every column's neurons in order from the top, the "..." between the first and the
    last (dot's last crossing pass drew layer 1 as gap, 3, 4, 15, 11, ..., 0, 1, 2)."""
    import re

    model = MLP(3, [16, 5, 1], seed=0)
    svg = draw_mlp(model).svg(renderer=renderer)
    root = ET.fromstring(svg)
    texts = {t.text: t.get("fill") for t in root.iter(f"{SVG}text")}
    assert texts.get("blue edge: weight > 0") == "#1f77b4", texts
    assert texts.get("orange edge: weight < 0") == "#ff7f0e", texts
    assert "thicker edge: larger |weight|" in texts and "number in a neuron: its bias" in texts
    tops: dict[str, list[tuple[float, str]]] = {}
    for layer, j, y in re.findall(
        r"<title>n(\d)_(\w+)</title>\s*<(?:ellipse|polygon|text)[^>]*?y=\"([-\d.]+)\"", svg
    ):
        tops.setdefault(layer, []).append((float(y), j))
    column = {layer: [j for _, j in sorted(found)] for layer, found in tops.items()}
    assert column["0"] == ["0", "1", "2"], column  # x0 above x1 above x2 (SVG y grows downwards)
    assert column["1"] == ["0", "1", "2", "3", "4", "gap", "11", "12", "13", "14", "15"], column
    assert column["2"] == ["0", "1", "2", "3", "4"] and column["3"] == ["0"], column
    sizes = [
        float(t.get("font-size", "0"))
        for t in ET.fromstring(draw_mlp(model, theme="projector").svg(renderer=renderer)).iter(f"{SVG}text")
    ]
    assert min(sizes) >= 20
