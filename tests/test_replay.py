"""The backward replay: every chain-rule step, frames, the HTML table and page (opened
in headless Chromium when one is installed)."""

from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given
from strategies import Program, programs

pytest.importorskip("graphviz")

from autograd_core import Value, explain, gradients

# Chromium tests run on one worker, one after another (pyproject.toml: --dist loadgroup):
# beside another Chromium the Train view test measured 7-10 updates a second in CI,
# 14-15 alone or beside two busy loops.
pytestmark = pytest.mark.xdist_group("browser")


def example() -> tuple[Value, Value, Value]:
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    d = c + a
    d.label = "d"
    return a, b, d


def test_steps_are_the_chain_rule() -> None:
    a, b, d = example()
    r = explain(d)
    assert len(r) == 4
    s = r[2]  # d = c + a is replayed first (two steps), then c = a * b
    assert (s.node_name, s.op, s.input_name) == ("c", "*", "a")
    assert (s.local, s.upstream, s.contribution, s.input_grad) == (-3.0, 1.0, -3.0, -2.0)
    assert r.gradient(a) == -2.0 and r.gradient(b) == 2.0
    assert a.grad == 0.0  # the replay does not touch .grad


@given(programs(max_steps=8))
def test_replay_ends_with_the_same_gradients_as_backward(prog: Program) -> None:
    xs = [Value(0.3 * (i + 1)) for i in range(prog.n_inputs)]
    out = prog.run(xs)
    r = explain(out)
    for x, g in zip(xs, gradients(out, xs)):
        assert r.gradient(x) == pytest.approx(g, rel=1e-12, abs=1e-15)


def test_text_and_html_tables() -> None:
    _, _, d = example()
    r = explain(d)
    text = str(r)
    assert "seed: ∂d/∂d = 1.0000" in text and "-3.0000" in text and "contribution" in text
    table = ET.fromstring(r.html_table(current=3))
    rows = table.findall(".//tbody/tr")
    assert len(rows) == 4 and rows[2].get("class") == "current"
    assert [td.text for td in rows[2]][:4] == ["3", "c", "*", "a"]
    player = r._repr_html_()  # in Jupyter: the player itself, inline
    assert player.startswith('<iframe class="chainrule-replay" srcdoc=')
    assert "chainrule-steps" in player and "&lt;svg" in player


def test_in_a_notebook_the_player_is_a_frame_that_says_how_to_get_it_when_untrusted() -> None:
    """The frame's page is laid out for a notebook and reports its height, which the
    script beside the frame gives the frame; an untrusted notebook drops both frame and
    script but shows the text inside the frame: one line that says to run the notebook."""
    _, _, d = example()
    player = explain(d)._repr_html_()
    frame, _, script = player.partition("</iframe>")
    assert frame.startswith('<iframe class="chainrule-replay" srcdoc="')
    assert 'sandbox="allow-scripts"' in frame
    fallback = frame[frame.rindex(">") + 1 :]
    assert "Run All" in fallback and "\n" not in fallback and "<" not in fallback
    assert "class=&quot;default notebook&quot;" in frame and "chainruleReplayHeight" in frame
    assert script.startswith("<script>") and "chainruleReplayHeight" in script
    assert "iframe.chainrule-replay" in script
    page = explain(d).player_html()  # a page of its own is laid out for its window
    assert '<body class="default">' in page and "max-height: 60vh" in page
    assert page.count("const ChainrulePlayer") == 1 and "svgPanZoom" not in page  # the step player alone


def test_frames_show_partial_gradients_and_highlight_the_step() -> None:
    _, _, d = example()
    r = explain(d)
    svg = r.frame(3).svg()
    words = [t.text for t in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}text")]
    assert "grad -2.0000" in words  # a after step 3: 1 (from d) - 3 (from c)
    assert "grad 0.0000" in words  # b has not been reached yet
    assert any(w and w.startswith("step 3: grad[a]") for w in words)
    from autograd_core.viz.draw import HIGHLIGHT

    assert HIGHLIGHT in svg and "#d62728" not in svg  # outlined dark, never red beside orange
    with pytest.raises(ValueError, match=r"0\.\.4"):
        r.frame(5)


def test_explain_rejects_non_values() -> None:
    with pytest.raises(TypeError, match="Value"):
        explain(1.0)  # type: ignore[arg-type]


def test_save_html_is_one_self_contained_page(tmp_path: Path) -> None:
    _, _, d = example()
    page = explain(d).save_html(tmp_path / "replay.html").read_text()
    assert page.count("<svg") == 1  # the picture is drawn once; each step is a few numbers
    assert "http://" not in page.replace("http://www.w3.org", "") and "https://" not in page
    assert page.count("step-") >= 4 and "play" in page and 'type="range"' in page


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def _dump_dom(browser: str, url: str, profile: Path, budget_ms: int | None = None) -> str:
    cmd = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--dump-dom",
        url,
    ]
    if budget_ms:
        cmd.insert(-2, f"--virtual-time-budget={budget_ms}")
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=True).stdout


def test_page_steps_in_headless_chromium(tmp_path: Path) -> None:
    browser = _chromium()
    if browser is None:
        pytest.skip("no Chromium installed (Debian: apt-get install chromium)")
    _, _, d = example()
    path = explain(d).save_html(tmp_path / "replay.html")
    dom = _dump_dom(browser, path.as_uri() + "#step=3", tmp_path / "p1")
    assert 'data-step="3"' in dom and 'id="stepno">3<' in dom
    assert '<tr id="step-3" class="current">' in dom
    assert "step 3: grad[a]" in dom and "<svg" in dom
    # Play runs through every step to the end.
    dom = _dump_dom(browser, path.as_uri() + "#play", tmp_path / "p2", budget_ms=20000)
    assert 'data-step="4"' in dom and '<tr id="step-4" class="current">' in dom


def test_page_highlights_the_step_and_adds_up_contributions_in_chromium(tmp_path: Path) -> None:
    browser = _chromium()
    if browser is None:
        pytest.skip("no Chromium installed (Debian: apt-get install chromium)")
    r = explain(_network())
    path = r.save_html(tmp_path / "net.html")
    dom = _dump_dom(browser, path.as_uri() + "#step=3&pick=b1", tmp_path / "p3")
    step = r.steps[2]
    # the value and the op of step 3 carry the highlight class; the text of the step is shown
    index = {id(n): k for k, n in enumerate(r.order)}  # the boxes are v<k>, k the place in r.order
    for value in (step.node, step.input):
        assert re.search(rf'<g id="node\d+" class="node current">\s*<title>v{index[id(value)]}</title>', dom)
    assert f"grad[{step.input_name}]" in dom
    dom = _dump_dom(browser, path.as_uri() + f"#step={len(r)}&pick=b1", tmp_path / "p4")
    parts, total = r.contributions(next(n for n in r.order if n.label == "b1"))
    assert len(parts) == 2
    for consumer, contribution in parts:
        assert f"from {consumer}" in dom and r.number(contribution) in dom
    assert "adds up one contribution per consumer" in dom and f"= {r.number(total)}" in dom


def test_widget_slider_moves_through_the_frames() -> None:
    pytest.importorskip("ipywidgets")
    _, _, d = example()
    box = explain(d).widget()
    controls, picture, table = box.children  # the table below the picture, in view
    play, slider = controls.children
    assert (slider.min, slider.max, play.max) == (0, 4, 4)
    slider.value = 3
    assert "step 3: grad[a]" in picture.value and 'class="current"' in table.value
    assert '<tr id="step-3" class="current">' in table.value


def test_the_caption_and_table_state_the_real_seed() -> None:
    x = Value(2.0, label="x")
    y = (x * 3.0).tanh()
    r = explain(y, grad=2.0)
    two = r.number(2.0)
    assert r.caption(0).endswith(f"= {two}") and "= 1" not in r.caption(0)
    assert r.table().splitlines()[0].endswith(f"= {two}")
    assert r.gradient(x) == 2.0 * 3.0 * (1 - y.data**2)


def test_frames_are_rebuilt_from_the_steps_not_stored() -> None:
    x = Value(0.5, label="x")
    y = x
    for _ in range(30):
        y = (y * 1.01).tanh()
    r = explain(y)
    assert not hasattr(r, "snapshots")
    last = r.grads_after(len(r))
    assert last == r.grads
    assert r.grads_after(0)[id(y)] == 1.0 and r.grads_after(0)[id(x)] == 0.0


def _network() -> Value:
    """The 2-2-1 sigmoid network of notebook 02, with an MSE error."""
    x1, x2 = Value(0.05, label="x1"), Value(0.10, label="x2")
    w = [Value(v, label=f"w{i + 1}") for i, v in enumerate([0.15, 0.20, 0.25, 0.30, 0.40, 0.45])]
    b1, b2 = Value(0.35, label="b1"), Value(0.60, label="b2")
    h1 = (w[0] * x1 + w[1] * x2 + b1).sigmoid()
    h2 = (w[2] * x1 + w[3] * x2 + b1).sigmoid()
    o = (w[4] * h1 + w[5] * h2 + b2).sigmoid()
    h1.label, h2.label, o.label = "h1", "h2", "o"
    loss = (o - Value(0.01, label="target")) ** 2 * 0.5
    loss.label = "L"
    return loss


def test_forward_steps_come_first_and_name_every_value() -> None:
    r = explain(_network(), forward=True)
    assert len(r.forward_steps) == sum(1 for n in r.order if not n.is_leaf)
    assert len(r) == len(r.forward_steps) + len(r.steps)
    first = r.forward_steps[0]
    inputs = ", ".join(first.input_names)
    assert (
        r.caption(1)
        == f"step 1 (forward): {first.node_name} = {first.op}({inputs}) = {r.number(first.value)}"
    )
    assert all(r.grads_after(k)[id(r.root)] == 0.0 for k in range(len(r.forward_steps)))
    assert r.grads_after(len(r.forward_steps))[id(r.root)] == 1.0
    assert "step" in r.caption(len(r.forward_steps) + 1) and "+=" in r.caption(len(r.forward_steps) + 1)
    assert len(explain(_network())) == len(r.steps)  # backward only by default


def test_names_in_the_picture_match_the_table_and_captions() -> None:
    r = explain(_network())
    words = {t.text for t in ET.fromstring(r.frame(5).svg()).iter("{http://www.w3.org/2000/svg}text")}
    for row in r.rows()[1:]:
        assert row[1] in words and row[3] in words, row  # node and input of every step are drawn
    assert not any(name.startswith("v") and name[1:].isdigit() for name in r.names.values())


def test_contributions_add_up_to_the_gradient_where_a_value_has_several_consumers() -> None:
    loss = _network()
    r = explain(loss)
    b1 = next(n for n in r.order if n.label == "b1")
    parts, total = r.contributions(b1)
    assert len(parts) == 2  # b1 feeds both hidden neurons
    assert total == pytest.approx(sum(c for _, c in parts)) and total == pytest.approx(r.gradient(b1))
    (g,) = gradients(loss, [b1])
    assert total == pytest.approx(g, rel=1e-12)


def test_the_network_page_is_small(tmp_path: Path) -> None:
    page = explain(_network(), forward=True).save_html(tmp_path / "net.html")
    assert page.stat().st_size < 300_000, page.stat().st_size


def test_a_label_that_looks_like_a_placeholder_stays_a_label(tmp_path: Path) -> None:
    x = Value(1.0, label="{{PLAYER_JS}}")
    y = Value(2.0, label="{{DATA}}")
    page = explain(x * y).save_html(tmp_path / "p.html").read_text()
    assert page.count("const ChainrulePlayer") == 1 and page.count('id="replay-data"') == 1
    assert "{{PLAYER_JS}}" in page and "{{DATA}}" in page  # shown as text, never filled in


def test_the_table_keeps_its_column_names_and_the_play_button_its_width(tmp_path: Path) -> None:
    """At 1280x720, at the last step of a 40-step replay, the table has scrolled to the
    current row and its column names are still in sight (they had scrolled away); "play"
    and "pause" are one width, so the slider beside them does not jump."""
    from helpers import chromium

    x = [Value(0.1 * (i + 1), label=f"x{i}") for i in range(10)]
    total = sum((v * v).tanh() for v in x)
    path = explain(total).save_html(tmp_path / "long.html")  # type: ignore[arg-type]
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.goto(path.as_uri())
        width = page.eval_on_selector("#play", "b => b.getBoundingClientRect().width")
        page.click("#play")
        assert page.text_content("#play") == "pause"
        assert page.eval_on_selector("#play", "b => b.getBoundingClientRect().width") == width
        page.click("#play")
        page.fill("#slider", page.eval_on_selector("#slider", "s => s.max"))
        page.dispatch_event("#slider", "input")
        page.wait_for_timeout(300)
        side = page.eval_on_selector("#side", "s => [s.scrollTop, s.getBoundingClientRect().top]")
        head = page.eval_on_selector("table.chainrule-steps th", "t => t.getBoundingClientRect().top")
        hidden = []  # stepping back, the current row is never under the column names
        for _ in range(int(page.eval_on_selector("#slider", "s => s.max"))):
            page.click("#prev")
            hidden += page.evaluate(
                "() => { const row = document.querySelector('tr.current'); if (!row) return [];"
                " const h = document.querySelector('table.chainrule-steps th').getBoundingClientRect();"
                " return row.getBoundingClientRect().top < h.bottom - 1 ? [document.body.dataset.step] : [];"
                " }"
            )
        page.close()
    assert side[0] > 0, "the table did not scroll to the last step"
    assert abs(head - side[1]) < 2, (head, side)
    assert hidden == [], f"steps whose row hid under the column names: {hidden}"


def test_a_label_with_a_line_break_keeps_the_text_table_one_line_a_row() -> None:
    """print(explain(y)) with a label holding a line break or a tab: the seed line, the
    header, the rule and one line per step (the break split a row in two)."""
    a, b = Value(2.0, label="line\none"), Value(3.0, label="b\tt")
    text = str(explain(a * b))
    assert len(text.splitlines()) == 1 + 2 + 2, text
    assert "line\\none" in text and "b\\tt" in text
