"""The Graph view as a lecturer projects it: headless Chromium at 1280x720 (a projector)
and 1920x1080, the projector switch on; text measured as rendered, the page never
scrolls, the current step on screen at reading size and the rest dimmed."""

from __future__ import annotations

import statistics
from typing import Any

import pytest

pytest.importorskip("starlette")
from test_playground import SHOTS, browser, server  # noqa: F401  (fixtures)

# Chromium tests run on one worker, one after another (pyproject.toml: --dist loadgroup):
# beside another Chromium the Train view test measured 7-10 updates a second in CI,
# 14-15 alone or beside two busy loops.
pytestmark = pytest.mark.xdist_group("browser")


def open_graph(browser: Any, url: str, width: int, height: int, projector: bool) -> Any:  # noqa: F811
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(url)
    page.wait_for_selector("#picture svg g.node")
    if projector:
        page.check("#projector")
        page.wait_for_function("document.querySelector('#picture svg text[font-size=\"22.00\"]') !== null")
    page.wait_for_timeout(200)
    return page


def font_px(page: Any) -> list[float]:
    return page.eval_on_selector_all(
        "#picture g.node:not(.legend) text",
        "ts => ts.map(t => Number(t.getAttribute('font-size')) * t.getScreenCTM().a)",
    )


def no_scroll(page: Any) -> bool:
    return page.evaluate(
        "() => { const d = document.documentElement;"
        " return d.scrollHeight <= innerHeight && d.scrollWidth <= innerWidth; }"
    )


def on_screen(page: Any, selector: str) -> bool:
    return page.evaluate(
        """sel => { const box = document.querySelector('#picture').getBoundingClientRect();
        const els = [...document.querySelectorAll(sel)]; if (!els.length) return false;
        return els.every(e => { const r = e.getBoundingClientRect();
          return r.left >= box.left - 1 && r.right <= box.right + 1
            && r.top >= box.top - 1 && r.bottom <= box.bottom + 1; }); }""",
        selector,
    )


@pytest.mark.parametrize(("preset", "least"), [("neuron", 24.0), ("network", 20.0)])
def test_projected_text_reads_from_the_back_row(browser: Any, server: str, preset: str, least: float) -> None:  # noqa: F811
    page = open_graph(browser, server + f"#preset={preset}", 1280, 720, projector=True)
    assert page.evaluate("document.body.dataset.step") == "0"  # opens before the forward pass
    assert statistics.median(font_px(page)) >= least
    assert no_scroll(page)
    page.screenshot(path=str(SHOTS / f"graph-view-1280-projector-{preset}.png"))
    page.close()


def test_each_step_is_on_screen_at_reading_size_and_the_rest_dimmed(browser: Any, server: str) -> None:  # noqa: F811
    page = open_graph(browser, server + "#preset=network", 1280, 720, projector=True)
    last = int(page.text_content("#g-last") or "0")
    for k in range(1, last + 1, 4):
        page.fill("#g-slider", str(k))
        page.dispatch_event("#g-slider", "input")
        page.wait_for_timeout(50)
        assert on_screen(page, "#picture g.node.current"), k
        assert statistics.median(font_px(page)) >= 20, k
        opacities = page.eval_on_selector_all(
            "#picture g.node:not(.legend)",
            "gs => gs.map(g => [g.classList.contains('current'), getComputedStyle(g).opacity])",
        )
        assert all(float(o) == 1.0 for cur, o in opacities if cur), k
        assert all(float(o) < 0.35 for cur, o in opacities if not cur), k
    page.click("#g-whole")  # the whole graph: every value in view
    page.wait_for_timeout(100)
    assert on_screen(page, "#picture g.node:not(.legend)")
    page.close()


def test_the_projector_switch_keeps_the_step(browser: Any, server: str) -> None:  # noqa: F811
    page = open_graph(browser, server + "#preset=neuron", 1280, 720, projector=False)
    for _ in range(5):
        page.click("#g-next")
    assert page.evaluate("document.body.dataset.step") == "5"
    page.check("#projector")
    page.wait_for_function("document.querySelector('#picture svg text[font-size=\"22.00\"]') !== null")
    assert page.evaluate("document.body.dataset.step") == "5"
    assert page.evaluate("document.querySelector('#caption').textContent").startswith("step 5")
    # The switch keeps the keyboard focus: the arrow keys still step (they did nothing).
    assert page.evaluate("document.activeElement.id") == "projector"
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowLeft")
    assert page.evaluate("document.body.dataset.step") == "6"
    page.keyboard.press(" ")  # space presses the focused switch, as everywhere
    assert not page.is_checked("#projector")
    assert page.evaluate("document.body.dataset.step") == "6"
    page.click("#g-next")  # after a click on a button, space plays (it did before this change too)
    page.keyboard.press(" ")
    assert page.text_content("#g-play") == "pause" and page.evaluate("document.body.dataset.step") == "7"
    page.keyboard.press(" ")
    assert page.text_content("#g-play") == "play"
    page.close()


def test_a_new_expression_opens_at_step_0_and_number_powers_work(browser: Any, server: str) -> None:  # noqa: F811
    page = open_graph(browser, server + "#preset=neuron", 1920, 1080, projector=False)
    page.click("#g-next")
    for text in ("(x - 5)**2", "x**2 + relu(x)**2"):
        page.fill("#expr", text)
        page.click("#draw")
        page.wait_for_function(
            f"document.querySelector('#expr').value === {text!r} && document.body.dataset.step === '0'"
        )
        page.wait_for_timeout(100)
        assert (page.text_content("#error") or "") == ""
    # the preset menu no longer names the last preset (it said "one neuron")
    assert page.evaluate("(s => s.options[s.selectedIndex].text)(document.querySelector('#preset'))") == (
        "your expression"
    )
    page.select_option("#preset", "network")  # a preset still opens from the menu
    page.wait_for_function("document.querySelector('#expr').value.startsWith('(E :=')")
    page.fill("#expr", "x**2 + relu(x)**2")
    page.click("#draw")
    page.wait_for_function("document.querySelector('#expr').value === 'x**2 + relu(x)**2'")
    page.click("#g-leaves")  # the drawer folds out with one slider per leaf
    page.wait_for_timeout(300)
    assert page.is_visible('#leaves input[data-leaf="x"][type=number]')
    page.fill('#leaves input[data-leaf="x"][type=number]', "-2")
    page.dispatch_event('#leaves input[data-leaf="x"][type=number]', "change")
    page.wait_for_timeout(300)  # the server recomputes; the picture keeps its shape
    page.fill("#g-slider", page.text_content("#g-last") or "0")
    page.dispatch_event("#g-slider", "input")
    page.wait_for_timeout(200)
    # x = -2: d/dx (x^2 + relu(x)^2) = 2x = -4, drawn in x's box
    texts = page.eval_on_selector_all("#picture g.node text", "ts => ts.map(t => t.textContent)")
    assert "grad -4.0000" in texts
    assert no_scroll(page)
    page.close()


def test_a_refused_leaf_value_puts_the_field_back(browser: Any, server: str) -> None:  # noqa: F811
    page = open_graph(browser, server + "#preset=neuron", 1280, 720, projector=False)
    page.fill("#expr", "log(x)")
    page.click("#draw")
    page.wait_for_function("document.querySelector('#expr').value === 'log(x)'")
    page.click("#g-leaves")
    field = '#leaves input[data-leaf="x"][type=number]'
    page.wait_for_selector(field)
    before = page.input_value(field)
    page.fill(field, "-1")
    page.dispatch_event(field, "change")
    page.wait_for_function("document.querySelector('#error').textContent.includes('refused')")
    assert page.input_value(field) == before  # the field shows the value the picture uses
    page.close()


def test_number_exponents_and_named_values_in_expressions() -> None:
    from nn.playground.expressions import ExpressionError, compile_expression
    from nn.playground.sessions import PRESET_VALUES, PRESETS

    for text, x, value, slope in [("(x - 3)**2", -1.0, 16.0, -8.0), ("relu(x)**2 + x**2", -2.0, 4.0, -4.0)]:
        root, leaves = compile_expression(text, {"x": x})
        root.backward()
        assert root.data == value and leaves["x"].grad == slope
    # lesson 02's network, with lesson 02's names and numbers (Mazur's)
    values = PRESET_VALUES["network"]
    root, leaves = compile_expression(PRESETS["network"], values, order=list(values))
    assert list(leaves) == list(values)  # the sliders in reading order
    root.backward()
    assert root.label == "E" and abs(root.data - 0.274811083) < 1e-9
    by_hand = {"w5": 0.082167041, "w1": 0.000668396, "b_h1": 0.013367920, "b_h2": 0.014996075}
    for name, grad in by_hand.items():
        assert abs(leaves[name].grad - grad) < 1e-9, name
    with pytest.raises(ExpressionError, match="used before"):
        compile_expression("h + (h := x * 2)")
    with pytest.raises(ExpressionError, match="names a computed value"):
        compile_expression("(h := x) * 2")
    with pytest.raises(ExpressionError, match="cannot name"):
        compile_expression("(tanh := x * 2)")


def test_touch_pans_and_pinches_the_picture(browser: Any, server: str) -> None:  # noqa: F811
    page = browser.new_page(viewport={"width": 1280, "height": 720}, has_touch=True)
    page.goto(server + "#preset=network")
    page.wait_for_selector("#picture svg g.node")
    page.wait_for_timeout(200)
    matrix = "() => document.querySelector('#picture svg g').getAttribute('transform')"
    before = page.evaluate(matrix)
    # one finger drags 100 px to the left, as a tablet's touch events do
    page.evaluate(
        """() => { const svg = document.querySelector('#picture svg');
        const ev = (type, x) => svg.dispatchEvent(new PointerEvent(type, {pointerId: 7, pointerType: 'touch',
          clientX: x, clientY: 400, bubbles: true, cancelable: true}));
        ev('pointerdown', 600); ev('pointermove', 550); ev('pointermove', 500); ev('pointerup', 500); }"""
    )
    page.wait_for_timeout(100)
    after = page.evaluate(matrix)
    pan = lambda t: [float(v) for v in t.split("(")[1].rstrip(")").split(",")]
    assert pan(after)[4] == pytest.approx(pan(before)[4] - 100, abs=2) and pan(after)[0] == pan(before)[0]
    page.close()


def test_the_neurons_switch_folds_each_neuron_into_one_node(browser: Any, server: str) -> None:  # noqa: F811
    page = open_graph(browser, server + "#preset=mlp", 1280, 720, projector=False)
    before = page.eval_on_selector_all("#picture g.node", "gs => gs.length")
    page.check("#g-collapse")
    page.wait_for_function(f"document.querySelectorAll('#picture g.node').length < {before}")
    texts = page.eval_on_selector_all("#picture g.node text", "ts => ts.map(t => t.textContent)")
    assert sum(t.startswith("neuron relu(w·x+b)") for t in texts) == 3
    assert sum(t.startswith("neuron sigmoid(w·x+b)") for t in texts) == 1
    page.uncheck("#g-collapse")
    page.wait_for_function(f"document.querySelectorAll('#picture g.node').length === {before}")
    page.close()
