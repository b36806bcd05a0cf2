"""Every lesson notebook runs top to bottom (in a scratch folder) without an error, and
is stored executed: a student opening one in a repository viewer sees its outputs."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

NOTEBOOKS = sorted((Path(__file__).parents[1] / "notebooks").glob("*.ipynb"))
MAX_KB = 400  # a stored lesson, outputs included
CHECK_CALL = re.compile(r'^check\("(?P<id>[0-9]{2}-[a-z0-9-]+)", (?P<what>[A-Za-z_]\w*)\)$', re.MULTILINE)
EXERCISE_TAGS = {"exercise", "exercise-code"}


def code_cells(book: object) -> list[object]:
    return [c for c in book.cells if c.cell_type == "code"]  # type: ignore[attr-defined]


def exercise_cells(book: object) -> list[object]:
    return [c for c in code_cells(book) if EXERCISE_TAGS & set(c.metadata.get("tags", []))]  # type: ignore[attr-defined]


def text_of(cell: object) -> str:
    """Everything a code cell printed or displayed as text."""
    parts = []
    for o in cell.outputs:  # type: ignore[attr-defined]
        if o.output_type == "stream":
            parts.append(o.text)
        elif "data" in o:
            parts.append(o.data.get("text/plain", ""))
    return "".join(parts)


def test_the_series_is_complete() -> None:
    assert [p.name[:2] for p in NOTEBOOKS] == ["01", "02", "03", "04", "05", "06", "07", "08", "09", "10"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path: Path, tmp_path: Path) -> None:
    book = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        book, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    start = time.perf_counter()
    client.execute()  # raises CellExecutionError, with the traceback, on any error
    seconds = time.perf_counter() - start
    outputs = [o for c in book.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    assert seconds < 120, f"{path.name} took {seconds:.0f} s; lessons should run in well under a minute"
    # Pictures really rendered: at least one SVG or PNG output where the lesson draws.
    kinds = {k for o in outputs for k in o.get("data", {})}
    assert kinds & {"image/svg+xml", "image/png"}, path.name
    # Nothing is written next to the lessons: the kernel ran in the scratch folder.
    assert not list(path.parent.glob("*.html")) and not list(path.parent.glob("*.svg"))
    # Left as stored, every exercise cell runs and its checker says "not yet".
    for cell in exercise_cells(book):
        assert "✗ not yet" in text_of(cell), cell.source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_stored_lesson_has_its_outputs(path: Path) -> None:
    """scripts/execute-notebooks stores every lesson executed: every code cell shows
    something (no cell prints nothing by design), nothing failed, and the file stays small."""
    book = nbformat.read(path, as_version=4)
    nbformat.validate(book)
    for cell in code_cells(book):
        assert cell.outputs, f"{path.name}: a code cell has no stored output:\n{cell.source}"
        assert not [o for o in cell.outputs if o.output_type == "error"], cell.source
        assert cell.execution_count is not None, cell.source
    counts = [c.execution_count for c in code_cells(book)]
    assert counts == list(range(1, len(counts) + 1)), f"{path.name}: not run top to bottom in one go"
    kinds = {k for c in code_cells(book) for o in c.outputs for k in o.get("data", {})}
    assert kinds & {"image/svg+xml", "image/png"}, path.name
    assert path.stat().st_size < MAX_KB * 1024, f"{path.name}: {path.stat().st_size // 1024} KB"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_lesson_has_exercises(path: Path) -> None:
    """At least two exercise cells, and at least one where the student writes code: a
    number cell holds one placeholder ``answer = ...`` and ``check(id, answer)``; a code
    cell (tag ``exercise-code``) holds a function whose body is a placeholder ``...`` and
    ``check(id, the_function)``; every id is an exercise of this lesson, of that kind."""
    from nn.exercises import EXERCISES

    book = nbformat.read(path, as_version=4)
    cells = exercise_cells(book)
    assert len(cells) >= 2, path.name
    kinds = []
    for cell in cells:
        found = CHECK_CALL.findall(cell.source)
        assert len(found) == 1 and found[0][0].startswith(path.name[:2] + "-"), cell.source
        exercise_id, what = found[0]
        code = "exercise-code" in cell.metadata.get("tags", [])
        kinds.append(EXERCISES[exercise_id].kind)
        assert EXERCISES[exercise_id].kind == ("code" if code else "number"), exercise_id
        lines = cell.source.splitlines()
        if code:
            assert what != "answer" and re.search(rf"^(def|class) {what}\b|^Value\.\w+ = ", cell.source, re.M)
            assert any(ln.strip().startswith("...  # your code") for ln in lines), cell.source
        else:
            assert what == "answer" and sum(ln.startswith("answer = ...") for ln in lines) == 1, cell.source
    assert "code" in kinds, f"{path.name}: no exercise where the student writes code"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_lesson_promises_the_player_only_where_it_has_one(path: Path) -> None:
    """A lesson's opening note says Run All brings the live backward player only if the
    lesson shows one (an explain() output: a frame). Lesson 02 promised it and had none."""
    book = nbformat.read(path, as_version=4)
    promised = "backward player" in book.cells[0].source
    players = [
        o
        for c in code_cells(book)
        for o in c.outputs
        if 'class="chainrule-replay"' in o.get("data", {}).get("text/html", "")
    ]
    assert promised == bool(players), (path.name, promised, len(players))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_stored_picture_shows_in_an_untrusted_notebook(path: Path) -> None:
    """JupyterLab shows no SVG in a notebook somebody else ran: every stored graph
    picture has a PNG beside it (what the student sees before running), the SVG states
    a width of at most 920 px (JupyterLab draws it at that width, in a 934 px output area
    at 1366 x 768), and the PNG is no wider."""
    import base64
    import io

    from PIL import Image

    book = nbformat.read(path, as_version=4)
    pictures = [o for c in code_cells(book) for o in c.outputs if "image/svg+xml" in o.get("data", {})]
    for output in pictures:
        assert "image/png" in output.data, f"{path.name}: a picture without its PNG"
        svg = output.data["image/svg+xml"]
        width = re.search(r'<svg[^>]*\swidth="([\d.]+)(px|pt)?"', svg)
        assert width is not None and float(width.group(1)) <= 920, (path.name, width and width.group(0))
        png = Image.open(io.BytesIO(base64.b64decode(output.data["image/png"])))
        shown = output.get("metadata", {}).get("image/png", {}).get("width", png.width)
        assert shown <= 920, (path.name, png.size, shown)
        # every box's colour (a value's gradient, a legend swatch) is in the PNG exactly
        colours = {
            "#{:02x}{:02x}{:02x}".format(*c) for _, c in png.convert("RGB").getcolors(png.width * png.height)
        }
        missing = sorted(set(_box_fills(svg)) - colours)
        assert missing == [], (path.name, f"box colours missing from the PNG: {missing}")


def _box_fills(svg: str) -> list[str]:
    """The fill colour of each node's shape (its first polygon, path or ellipse) in an SVG."""
    fills = []
    for node in re.findall(r'<g id="[^"]*" class="node">(.*?)</g>', svg, flags=re.S):
        shape = re.search(r'<(?:polygon|path|ellipse)\b[^>]*\bfill="(#[0-9a-fA-F]{6})"', node)
        if shape is not None:
            fills.append(shape.group(1).lower())
    return fills
