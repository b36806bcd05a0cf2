"""Every figure stored in the lessons reads at notebook width (issue 17).

A figure is laid out at most 1,150 px wide (``max-width: 100%; height: auto``) in
headless Chromium and the height of its text measured there: the MEDIAN text of every
figure must be at least 12 px. (JupyterLab 4 itself draws an SVG output at the width
the SVG states, which chainrule fits to 920 px, and a PNG shrunk to its 934 px output
area: tests/test_jupyterlab_lessons.py measures the lessons there.) The text height is
the font size each <text> element is drawn at on the screen (its computed font-size
times the scale from its own units to screen pixels), so the measure does not depend on
which fonts the machine has. The backward replay player (an HTML output holding an
iframe) is measured inside its iframe, where its own page shows the picture (in a
notebook: at its own size, narrowed to the frame's width).

A lesson cannot pass by storing no figures: every cell that ends in a ``draw_graph(...)``
or ``.frame(...)`` call (or displays one) must store an SVG figure.
"""

from __future__ import annotations

import ast
import statistics
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from helpers import chromium

nbformat = pytest.importorskip("nbformat")

# Chromium tests run on one worker, one after another (pyproject.toml: --dist loadgroup):
# beside another Chromium the Train view test measured 7-10 updates a second in CI,
# 14-15 alone or beside two busy loops.
pytestmark = pytest.mark.xdist_group("browser")


NOTEBOOKS = sorted((Path(__file__).parents[1] / "notebooks").glob("*.ipynb"))
WIDTH = 1150  # px: a notebook's output area
MIN_TEXT_PX = 12.0  # the median text of a figure, as shown at WIDTH
DRAW_CALLS = {"draw_graph", "frame"}  # a call that returns a picture of the graph


@dataclass(frozen=True)
class Figure:
    notebook: str
    cell: int  # the cell's place in the notebook, from 1 (markdown cells count)
    execution_count: int | None
    output: int  # the output's place in the cell, from 1
    kind: str  # "svg" (an image/svg+xml output or an <svg> in HTML) or "player" (an iframe)
    markup: str  # what goes into the page

    @property
    def where(self) -> str:
        run = f"In [{self.execution_count}]" if self.execution_count is not None else "not run"
        return f"{self.notebook}, cell {self.cell} ({run}), output {self.output} ({self.kind})"

    @property
    def id(self) -> str:
        return f"{self.notebook[:2]}-cell{self.cell}-out{self.output}"


def figures_of(path: Path) -> list[Figure]:
    """Every picture a stored lesson shows: SVG outputs, SVG pictures inside HTML outputs,
    and replay players (an iframe whose srcdoc page holds the SVG)."""
    book = nbformat.read(path, as_version=4)
    found: list[Figure] = []
    for c, cell in enumerate(book.cells, start=1):
        if cell.cell_type != "code":
            continue
        for o, out in enumerate(cell.get("outputs", []), start=1):
            data = out.get("data", {})
            where = (path.name, c, cell.get("execution_count"), o)
            if "image/svg+xml" in data:
                found.append(Figure(*where, "svg", _text(data["image/svg+xml"])))
            elif "text/html" in data:
                page = _text(data["text/html"])
                if "<iframe" in page and "srcdoc=" in page and "&lt;svg" in page:
                    found.append(Figure(*where, "player", page))
                elif "<svg" in page:
                    found.append(Figure(*where, "svg", page))
    return found


def _text(value: str | list[str]) -> str:
    return value if isinstance(value, str) else "".join(value)


def drawing_calls(source: str) -> int:
    """How many pictures a cell's code shows: its last statement if it is a
    ``draw_graph(...)`` / ``something.frame(...)`` call, and every ``display(...)`` of one."""
    try:
        tree = ast.parse(source)
    except SyntaxError:  # IPython magics; no lesson has them
        return 0

    def is_draw(node: ast.AST) -> bool:
        if not isinstance(node, ast.Call):
            return False
        f = node.func
        name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
        return name in DRAW_CALLS

    count = 0
    for stmt in tree.body:
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            call = stmt.value
            if isinstance(call.func, ast.Name) and call.func.id == "display":
                count += sum(is_draw(a) for a in call.args)
    last = tree.body[-1] if tree.body else None
    if isinstance(last, ast.Expr) and is_draw(last.value):
        count += 1
    return count


ALL_FIGURES = [f for p in NOTEBOOKS for f in figures_of(p)]


# -- the page -------------------------------------------------------------------------------

PAGE = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><style>
 html, body {{ margin: 0; padding: 0; }}
 #output {{ width: {WIDTH}px; }}
 #output svg {{ max-width: 100%; height: auto; }}
</style></head><body><div id="output"></div></body></html>"""

# For each <text>: the font size it is drawn at on the screen (CSS px) and its box height.
MEASURE = """(svg) => {
  const natural = [svg.width.baseVal.value, svg.height.baseVal.value];
  const r = svg.getBoundingClientRect();
  const sizes = [], boxes = [];
  for (const t of svg.querySelectorAll('text')) {
    if (!t.textContent.trim()) continue;
    const box = t.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;   // not drawn
    const m = t.getScreenCTM();
    sizes.push(parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b));
    boxes.push(box.height);
  }
  return {natural, shown: [r.width, r.height], sizes, boxes};
}"""


@pytest.fixture(scope="module")
def page() -> Iterator[Any]:
    with chromium() as browser:
        yield browser.new_page(viewport={"width": WIDTH + 100, "height": 900})


def measure(page: Any, figure: Figure) -> dict[str, Any]:
    """Lay the figure out as Jupyter does at WIDTH and measure its text, in CSS px."""
    page.set_content(PAGE)
    page.eval_on_selector("#output", "(el, markup) => { el.innerHTML = markup; }", figure.markup)
    if figure.kind == "player":
        frame = page.wait_for_selector("#output iframe").content_frame()
        frame.wait_for_load_state()
        svg = frame.wait_for_selector("#picture svg", state="attached")
    else:
        svg = page.wait_for_selector("#output svg", state="attached")
    result: dict[str, Any] = svg.evaluate(MEASURE)
    return result


def summary(m: dict[str, Any]) -> str:
    return (
        f"natural {m['natural'][0]:.0f} x {m['natural'][1]:.0f} px, shown {m['shown'][0]:.0f} x "
        f"{m['shown'][1]:.0f} px; text: median {statistics.median(m['sizes']):.1f} px "
        f"(smallest {min(m['sizes']):.1f}, largest {max(m['sizes']):.1f}; box height median "
        f"{statistics.median(m['boxes']):.1f} px) over {len(m['sizes'])} texts"
    )


# -- the tests ------------------------------------------------------------------------------


def test_the_lessons_store_figures() -> None:
    """The figure test below is not vacuous: the stored lessons hold pictures."""
    assert len([f for f in ALL_FIGURES if f.kind == "svg"]) >= 5, [f.where for f in ALL_FIGURES]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_drawing_cell_stores_its_figure(path: Path) -> None:
    """A cell that ends in draw_graph(...) / .frame(...) stores an SVG figure (so a lesson
    stored without its outputs, or with pictures as PNG, cannot pass the size test)."""
    book = nbformat.read(path, as_version=4)
    figures = figures_of(path)
    expected_total = 0
    for c, cell in enumerate(book.cells, start=1):
        if cell.cell_type != "code":
            continue
        expected = drawing_calls(cell.source)
        expected_total += expected
        stored = [f for f in figures if f.cell == c and f.kind == "svg"]
        assert len(stored) >= expected, (
            f"{path.name}, cell {c}: the code draws {expected} picture(s) but the stored cell has "
            f"{len(stored)} SVG figure(s); re-run scripts/execute-notebooks\n{cell.source}"
        )
    assert len([f for f in figures if f.kind == "svg"]) >= expected_total, path.name


def figure_params() -> list[Any]:
    return [pytest.param(f, id=f.id) for f in ALL_FIGURES]


@pytest.mark.parametrize("figure", figure_params())
def test_figure_text_reads_at_notebook_width(page: Any, figure: Figure) -> None:
    m = measure(page, figure)
    assert m["sizes"], f"{figure.where}: a figure with no text"
    median = statistics.median(m["sizes"])
    assert median >= MIN_TEXT_PX, (
        f"{figure.where}: text too small to read at notebook width ({WIDTH} px): median "
        f"{median:.1f} px < {MIN_TEXT_PX:g} px. {summary(m)}. Draw it smaller or larger-type: "
        "rankdir, collapse=True, max_nodes, show=..., or split it into several figures"
    )


def report() -> None:  # pragma: no cover - a tool: python tests/test_lesson_figures.py
    """Print every figure's sizes (what the issue's table reports)."""
    with chromium() as browser:
        pg = browser.new_page(viewport={"width": WIDTH + 100, "height": 900})
        for f in ALL_FIGURES:
            print(f"{f.id:18s} {summary(measure(pg, f))}")


if __name__ == "__main__":  # pragma: no cover
    report()
