"""``explain(y).live()``: the Graph view as a notebook widget. The kernel side without
Jupyter (moving a leaf recomputes both passes, names kept, refusals keep the value), and
the widget in JupyterLab driven by Playwright in headless Chromium."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import chromium, jupyterlab_server, lab_url

pytest.importorskip("graphviz")

from autograd_core import Value, explain
from autograd_core.viz.live import LiveGraph, recompute

# Chromium tests run on one worker, one after another (pyproject.toml: --dist loadgroup):
# beside another Chromium the Train view test measured 7-10 updates a second in CI,
# 14-15 alone or beside two busy loops.
pytestmark = pytest.mark.xdist_group("browser")


def neuron() -> Value:
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(1.0, label="b")
    y = (w * x + b).tanh() * 2.0
    y.label = "y"
    return y


def test_moving_a_leaf_recomputes_the_forward_and_backward_pass() -> None:
    live = LiveGraph(explain(neuron(), forward=True))
    assert sorted(live.values) == ["b", "w", "x"]  # the constant 2.0 is no slider
    live.set_leaf("w", 0.5)
    r = live.replay
    assert r.root.data == pytest.approx(2 * math.tanh(0.5 * 2 + 1))
    x = next(n for n in r.order if n.label == "x")
    assert r.gradient(x) == pytest.approx(2 * 0.5 * (1 - math.tanh(2.0) ** 2))
    # the same names, value by value: the picture drawn once still fits
    assert [r.names[id(n)] for n in r.order] == [live.names[id(n)] for n in live.order]
    numbers = live.numbers()
    assert {leaf["name"]: leaf["value"] for leaf in numbers["leaves"]}["w"] == 0.5
    assert len(numbers["data"]["captions"]) == len(r) + 1


def test_a_refused_leaf_keeps_the_old_value() -> None:
    a = Value(2.0, label="a")
    live = LiveGraph(explain(a.log() * 3.0))
    with pytest.raises(ValueError, match="log"):
        live.set_leaf("a", -1.0)
    assert live.values["a"] == 2.0 and live.replay.root.data == pytest.approx(3 * math.log(2.0))
    with pytest.raises(ValueError, match="finite"):
        live.set_leaf("a", float("nan"))


def test_recompute_applies_every_op_again() -> None:
    y = neuron()
    from autograd_core import topological_order

    order = topological_order(y)
    same = recompute(order, {})
    assert same[id(y)].data == y.data and same[id(y)].label == "y"


# -- the widget in JupyterLab ------------------------------------------------------------


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    pytest.importorskip("anywidget")
    root = tmp_path_factory.mktemp("lab")
    with jupyterlab_server(root) as base:
        yield lab_url(base, "live.ipynb"), root


def _notebook(path: Path) -> None:
    cell = (
        "from autograd_core import Value, explain\n"
        "x, w, b = Value(2.0, label='x'), Value(-3.0, label='w'), Value(1.0, label='b')\n"
        "y = (w * x + b).tanh()\n"
        "y.label = 'y'\n"
        "explain(y).live()"
    )
    kernel = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    code = {
        "cell_type": "code",
        "execution_count": None,
        "id": "c1",
        "metadata": {},
        "outputs": [],
        "source": cell,
    }
    book = {"cells": [code], "metadata": {"kernelspec": kernel}, "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(book), encoding="utf-8")


def test_the_widget_in_jupyterlab_recomputes_when_a_leaf_moves(jupyterlab: tuple[str, Path]) -> None:
    url, root = jupyterlab
    _notebook(root / "live.ipynb")
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        page.goto(url)
        page.wait_for_selector(".jp-Notebook", timeout=60_000)
        # the kernel is up (the status bar says Idle), then the cell runs
        page.wait_for_function("document.body.innerText.includes('| Idle')", timeout=90_000)
        page.click(".jp-Cell .jp-InputArea-editor")
        page.keyboard.press("Shift+Enter")
        page.wait_for_selector(".chainrule-live #picture svg g.node", state="attached", timeout=90_000)
        widget = page.locator(".chainrule-live")
        last = int(widget.locator("#g-last").text_content() or "0")
        widget.locator("#g-slider").fill(str(last))
        widget.locator("#g-slider").dispatch_event("input")
        grads = lambda: widget.locator("#picture g.node text").all_text_contents()
        before = grads()
        assert "grad 1.000e0" in before or "grad 1.0000" in before  # y's seed
        field = widget.locator('#leaves input[data-leaf="w"][type=number]')
        field.fill("0.5")
        field.dispatch_event("change")
        # w = 0.5: dy/dx = w (1 - tanh(w x + b)^2), printed as the page prints it
        x, w, b = Value(2.0, label="x"), Value(0.5, label="w"), Value(1.0, label="b")
        r = explain((w * x + b).tanh())
        want = "grad " + r.number(0.5 * (1 - math.tanh(2.0) ** 2))
        assert want == "grad " + r.number(r.gradient(x))
        page.wait_for_function(
            "want => [...document.querySelectorAll('.chainrule-live #picture g.node text')]"
            ".some(t => t.textContent === want)",
            arg=want,
            timeout=30_000,
        )
        after = grads()
        # w = 0.5: dy/dx = w (1 - tanh(w x + b)^2) = 0.5 (1 - tanh(2)^2)
        assert f"grad {0.5 * (1 - math.tanh(2.0) ** 2):.4f}" in after and after != before
        page.screenshot(
            path=str(Path(os.environ.get("CHAINRULE_SCREENSHOTS", root)) / "live-widget-jupyterlab.png")
        )
