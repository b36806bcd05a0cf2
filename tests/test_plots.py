"""Plots, the network diagram and the demo: files exist, decode, and show what they claim."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

pytest.importorskip("matplotlib")
pytest.importorskip("graphviz")

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
    fig = plot_gradient_flow(hist, path=tmp_path / "flow.png")
    for name in ("loss.png", "boundary.png", "flow.png"):
        assert len(_decodes(tmp_path / name)) == 3
    ax = fig.axes[0]
    assert ax.get_yscale() == "log" and len(ax.lines) == 3  # one curve per layer
    assert len(hist.grad_flow) == 20 and all(len(r) == 3 for r in hist.grad_flow)


def test_loss_plot_has_both_curves(trained) -> None:  # type: ignore[no-untyped-def]
    _, _, _, hist = trained
    ax = plot_history(hist).axes[0]
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
    nodes = [g for g in root.iter(f"{SVG}g") if g.get("class") == "node"]
    edges = [g for g in root.iter(f"{SVG}g") if g.get("class") == "edge"]
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
    words = [t.text for t in graph.iter(f"{SVG}text")]
    assert {"x0", "x1", "w0", "w1", "b", "out", "dot", "relu"} <= set(words)
    _decodes(tmp_path / "loss.png")
    _decodes(tmp_path / "boundary.png")
    with pytest.raises(SystemExit):
        demo.main(["--layers", "a,b"])
