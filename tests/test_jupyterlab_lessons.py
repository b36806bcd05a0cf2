"""The lessons in JupyterLab as a student meets them, in a 1366 x 768 window.

A lesson that somebody else ran is *untrusted*: JupyterLab shows only the safe mime type
of each output (a PNG, never an SVG; HTML without frames or scripts). Opened so, every
picture must show (an image that loaded, as wide as the output area at most, with text
a student can read) and the player's output must say that running the notebook brings
the player. After Run All the notebook is trusted: the pictures are SVG, still within
the output area, and the player shows, steps, fits its frame (no scroll bar inside it)
and draws its text at 12 px or more.

The lessons are opened as stored in notebooks/ (``scripts/execute-notebooks`` stores
them; tests/test_notebooks.py checks that every stored picture has its PNG). Screenshots
go to ``CHAINRULE_SCREENSHOTS`` (docs/screenshots/ to keep them) or the test's folder.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import chromium, jupyterlab_server

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("graphviz")

# Chromium tests run on one worker, one after another (pyproject.toml: --dist loadgroup):
# beside another Chromium the Train view test measured 7-10 updates a second in CI,
# 14-15 alone or beside two busy loops.
pytestmark = pytest.mark.xdist_group("browser")

ROOT = Path(__file__).parents[1]
LESSONS = ["01_values_and_the_chain_rule.ipynb", "02_a_worked_example_by_hand.ipynb"]
WINDOW = {"width": 1366, "height": 768}  # the student's laptop in the issue
MIN_TEXT_PX = 12.0


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A JupyterLab on a folder holding copies of the stored lessons, untouched."""
    root = tmp_path_factory.mktemp("lessons")
    for name in LESSONS:
        shutil.copy(ROOT / "notebooks" / name, root / name)
    with jupyterlab_server(root) as base:
        yield base, root


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def _screenshot(name: str, fallback: Path) -> str:
    return str(Path(os.environ.get("CHAINRULE_SCREENSHOTS", fallback)) / name)


def _open(browser: Any, base: str, root: Path, name: str) -> Any:
    """The lesson opened in a fresh workspace (no tab of another test restored), once
    every one of its cells is on the page: JupyterLab attaches a notebook's cells a few
    at a time, and the kernel can be idle before the last ones are there."""
    url, _, query = base.partition("?")
    cells = len(nbformat.read(root / name, as_version=4).cells)
    page = browser.new_page(viewport=WINDOW)
    page.goto(f"{url}/lab/workspaces/{name[:2]}/tree/{name}?{query}&reset")
    page.wait_for_selector(".jp-Notebook .jp-OutputArea-output", timeout=60_000)
    page.wait_for_function("document.body.innerText.includes('| Idle')", timeout=90_000)
    every_cell = f"document.querySelectorAll('.jp-Notebook .jp-Cell').length === {cells}"
    page.wait_for_function(every_cell, timeout=60_000)
    return page


# -- what the notebook file says ----------------------------------------------------------


def svg_text_sizes(svg: str) -> tuple[float, list[float]]:
    """The viewBox width of a stored SVG and the font size of each of its texts, in its
    own units (a text without one has the <svg>'s)."""
    head = svg[: svg.index(">", svg.index("<svg"))]
    view_width = float(re.search(r'viewBox="[\d.-]+ [\d.-]+ ([\d.]+)', head).group(1))  # type: ignore[union-attr]
    shared = re.search(r'font-size="([\d.]+)"', head)
    sizes = []
    for attrs in re.findall(r"<text\b([^>]*)>", svg):
        own = re.search(r'font-size="([\d.]+)"', attrs)
        sizes.append(float(own.group(1)) if own else float(shared.group(1)) if shared else 14.0)
    return view_width, sizes


def pictures(path: Path) -> list[dict[str, Any]]:
    """Every picture output of a notebook: its mime types and its SVG, in order."""
    book = nbformat.read(path, as_version=4)
    found = []
    for cell in book.cells:
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            data = out.get("data", {})
            if any(k.startswith("image/") for k in data):
                found.append({"mimes": sorted(data), "svg": data.get("image/svg+xml")})
    return found


def text_px(picture: dict[str, Any], shown_width: float) -> float:
    """The median text height of a picture drawn ``shown_width`` CSS px wide."""
    view_width, sizes = svg_text_sizes(picture["svg"])
    return statistics.median(sizes) * shown_width / view_width


# -- what the page shows ------------------------------------------------------------------

OUTPUTS = """() => [...document.querySelectorAll('.jp-OutputArea-output')].map(o => {
  const img = o.querySelector('img');
  return {mime: o.dataset.mimeType || '', width: o.clientWidth, scrollWidth: o.scrollWidth,
          height: o.getBoundingClientRect().height, text: o.textContent.trim(),
          iframe: !!o.querySelector('iframe'), kind: o.classList.contains('jp-RenderedSVG') ? 'svg' : 'other',
          img: img ? {loaded: img.complete && img.naturalWidth > 0, natural: img.naturalWidth,
                      shown: img.getBoundingClientRect().width} : null};
})"""


def outputs(page: Any) -> list[dict[str, Any]]:
    """Every output area of the open notebook, once each image has loaded."""
    page.wait_for_function(
        "[...document.querySelectorAll('.jp-OutputArea-output img')].every(i => i.complete)", timeout=30_000
    )
    found: list[dict[str, Any]] = page.evaluate(OUTPUTS)
    return found


def check_pictures(shown: list[dict[str, Any]], stored: list[dict[str, Any]], mime: str) -> list[float]:
    """Every picture shows as an image of ``mime`` that loaded and fits its output area;
    returns the median text size (px) of each graph picture as shown."""
    images = [o for o in shown if o["img"] is not None]
    assert len(images) == len(stored), (len(images), len(stored))
    sizes = []
    for out, picture in zip(images, stored):
        assert out["img"]["loaded"], out
        assert out["img"]["shown"] <= out["width"] + 0.5 and out["scrollWidth"] <= out["width"], out
        if picture["svg"] is not None:
            assert out["mime"] == mime, out
            sizes.append(text_px(picture, out["img"]["shown"]))
    return sizes


@pytest.mark.parametrize("name", LESSONS)
def test_a_lesson_opened_untrusted_shows_every_picture(
    lab: tuple[str, Path], browser: Any, name: str
) -> None:
    base, root = lab
    stored = pictures(root / name)
    assert all("image/png" in p["mimes"] for p in stored), f"a picture has no PNG: {stored}"
    page = _open(browser, base, root, name)
    shown = outputs(page)
    sizes = check_pictures(shown, stored, "image/png")
    assert sizes and min(sizes) >= MIN_TEXT_PX, sizes
    assert not [o for o in shown if o["text"].startswith(("<chainrule picture", "Value(data="))]
    players = [o for o in shown if o["mime"] == "text/html" and "Run All" in o["text"]]
    if name.startswith("01"):
        (player,) = players
        assert not player["iframe"] and "\n" not in player["text"] and "=>" not in player["text"], player
        # one line of text, as the student sees it
        output = page.locator(".jp-OutputArea-output[data-mime-type='text/html']", has_text="Run All")
        output.scroll_into_view_if_needed()
        assert output.bounding_box()["height"] < 40 and output.is_visible(), output.bounding_box()
        output.evaluate("o => o.scrollIntoView({block: 'center'})")  # the line and a picture below
        page.screenshot(path=_screenshot("lesson-01-untrusted-jupyterlab.png", root))
    page.close()
    print(f"\n{name} untrusted: text {', '.join(f'{s:.1f}' for s in sizes)} px (PNG)")


FRAME_TEXT = """() => {
  const sizes = [];
  for (const t of document.querySelectorAll('#picture svg text')) {
    if (!t.textContent.trim() || t.getBoundingClientRect().width === 0) continue;
    const m = t.getScreenCTM();
    sizes.push(parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b));
  }
  const d = document.documentElement;
  return {sizes, scrollHeight: d.scrollHeight, clientHeight: d.clientHeight,
          scrollWidth: d.scrollWidth, clientWidth: d.clientWidth, scrollY: window.scrollY,
          title: document.querySelector('h2').getBoundingClientRect().top,
          step: document.getElementById('stepno').textContent,
          caption: document.getElementById('caption').textContent};
}"""


def test_after_run_all_the_player_steps_and_fits_its_frame(lab: tuple[str, Path], browser: Any) -> None:
    base, root = lab
    name = LESSONS[0]
    page = _open(browser, base, root, name)
    page.click(".lm-MenuBar-item:has-text('Run')")
    page.click(".lm-Menu-itemLabel:text-is('Run All Cells')")
    frame_element = page.wait_for_selector("iframe.chainrule-replay", timeout=90_000)
    page.wait_for_function("document.body.innerText.includes('| Idle')", timeout=90_000)
    frame = frame_element.content_frame()
    frame.wait_for_selector("#picture svg g.node")
    # Run All leaves the notebook at its last cell; Chromium does not lay out a frame
    # out of sight (nor run its animation frames), so the student's view comes first
    frame_element.evaluate("f => f.scrollIntoView({block: 'start'})")
    # the frame takes the height its page reports: no scroll bar inside it
    frame.wait_for_function(
        "() => document.documentElement.scrollHeight <= document.documentElement.clientHeight",
        polling=100,
        timeout=20_000,
    )
    before = frame.evaluate(FRAME_TEXT)
    frame_element.evaluate("f => f.scrollIntoView({block: 'start'})")  # the player's top in sight
    where = frame_element.bounding_box()
    frame.click("#next")
    frame.wait_for_function("() => document.getElementById('stepno').textContent === '1'")
    stepped = frame.evaluate(FRAME_TEXT)
    assert stepped["caption"] != before["caption"] and stepped["caption"].startswith("step 1")
    frame.click("#play")
    frame.wait_for_function("() => Number(document.getElementById('stepno').textContent) >= 3")
    playing = frame.evaluate(FRAME_TEXT)
    assert frame_element.bounding_box() == where  # the notebook did not scroll either
    for state in (before, stepped, playing):
        assert state["scrollHeight"] <= state["clientHeight"], state
        assert state["scrollWidth"] <= state["clientWidth"], state
        assert state["scrollY"] == 0 and state["title"] >= 0, state  # the title stays in sight
    median = statistics.median(playing["sizes"])
    assert median >= MIN_TEXT_PX, playing["sizes"]
    # the pictures are SVG now, still within the output area
    shown = outputs(page)
    sizes = check_pictures(shown, pictures(root / name), "image/svg+xml")
    assert sizes and min(sizes) >= MIN_TEXT_PX, sizes
    # the last step (the leaves, at the top of the picture) in sight for the screenshot
    frame.fill("#slider", frame.evaluate("() => document.getElementById('slider').max"))
    frame.dispatch_event("#slider", "input")
    frame_element.evaluate("f => f.scrollIntoView({block: 'start'})")
    page.screenshot(path=_screenshot("lesson-01-player-jupyterlab.png", root))
    page.close()
    print(
        f"\nplayer frame: text median {median:.1f} px (smallest {min(playing['sizes']):.1f}); "
        f"trusted SVG: {', '.join(f'{s:.1f}' for s in sizes)} px"
    )
