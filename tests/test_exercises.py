"""The exercises: the checkers (nn.exercises) accept the right answers and reject wrong
ones with a hint; the solutions (notebooks/solutions/) match the lessons' exercise cells;
and every lesson, run with the solutions filled in and with a wrong answer after each,
says "right" and "not yet" where it should."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from nn import exercises
from nn.exercises import EXERCISES, check, expected, verdict

ROOT = Path(__file__).parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SOLUTIONS = ROOT / "notebooks" / "solutions"
SECTION = re.compile(r"^# %% (?P<id>\S+)\n", re.MULTILINE)
CHECK_CALL = re.compile(r'check\("(?P<id>[^"]+)", answer\)')
RIGHT, NOT_YET = "✓ right", "✗ not yet"


def solutions_for(notebook: Path) -> dict[str, str]:
    """Exercise id -> solution code, from notebooks/solutions/<lesson>.py."""
    text = (SOLUTIONS / f"{notebook.stem}.py").read_text(encoding="utf-8")
    parts = SECTION.split(text)
    # parts: [header, id1, code1, id2, code2, ...]
    return {parts[i]: parts[i + 1].strip() + "\n" for i in range(1, len(parts), 2)}


def wrong_answer(exercise_id: str) -> object:
    """A plausible wrong answer: the first common mistake the checker knows."""
    return EXERCISES[exercise_id].mistakes[0][0]()


def notebook_exercise_ids(path: Path) -> list[str]:
    nbformat = pytest.importorskip("nbformat")
    book = nbformat.read(path, as_version=4)
    return [
        CHECK_CALL.search(c.source).group("id")  # type: ignore[union-attr]
        for c in book.cells
        if c.cell_type == "code" and "exercise" in c.metadata.get("tags", [])
    ]


# -- the checkers ------------------------------------------------------------------------


@pytest.mark.parametrize("exercise_id", list(EXERCISES))
def test_the_checker_accepts_the_answer_it_computes(exercise_id: str) -> None:
    right = expected(exercise_id)
    assert isinstance(right, (int, float)) and math.isfinite(right)
    assert verdict(exercise_id, right) == (True, RIGHT)
    ex = EXERCISES[exercise_id]
    if ex.rtol:  # rounded to 4 significant digits still counts
        assert verdict(exercise_id, float(f"{right:.4g}"))[0], (exercise_id, right)


@pytest.mark.parametrize("exercise_id", list(EXERCISES))
def test_the_checker_rejects_mistakes_with_their_hint(exercise_id: str) -> None:
    ex = EXERCISES[exercise_id]
    assert ex.mistakes, f"{exercise_id}: give at least one common mistake (the tests use it)"
    for mistake, hint in ex.mistakes:
        ok, message = verdict(exercise_id, mistake())
        assert not ok and message == f"{NOT_YET}: {hint}", (exercise_id, mistake())
    ok, message = verdict(exercise_id, expected(exercise_id) + 10.37)  # no known mistake
    assert not ok and message == f"{NOT_YET}: {ex.hint}"


@pytest.mark.parametrize("junk", [..., None, "0.5", [0.5], float("nan"), float("inf"), True])
def test_the_checker_never_fails_on_a_strange_answer(junk: object) -> None:
    for exercise_id in EXERCISES:
        ok, message = verdict(exercise_id, junk)
        assert not ok and message.startswith(NOT_YET)
    assert "replace the ..." in verdict("01-local-derivative", ...)[1]


def test_check_prints_the_verdict(capsys: pytest.CaptureFixture[str]) -> None:
    check("01-two-consumers", -42)
    check("01-two-consumers", -36)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == RIGHT and out[1].startswith(f"{NOT_YET}: that is only the path through u")
    with pytest.raises(KeyError, match="no exercise"):
        check("99-nope", 1)
    assert "dw/da" in exercises.question("01-two-consumers")


def test_the_answers_are_computed_not_stored() -> None:
    """The module computes every answer with chainrule: no expected value is a literal
    of the module (spot checks of a few that are easy to get right by hand)."""
    assert expected("01-two-consumers") == -42.0
    assert expected("03-parameter-count") == 105
    assert expected("07-parameter-count") == 55
    assert expected("09-updates-per-epoch") == 7
    assert math.isclose(expected("01-local-derivative"), 0.5)
    assert math.isclose(expected("04-largest-stable-lr"), 0.5)
    assert math.isclose(expected("08-chance-loss"), math.log(10))
    assert math.isclose(expected("02-sgd-step"), 0.45 - 0.5 * 0.082667628, rel_tol=1e-8)


# -- the lessons and the solutions agree ---------------------------------------------------


def test_every_exercise_is_in_exactly_one_lesson() -> None:
    used = [i for p in NOTEBOOKS for i in notebook_exercise_ids(p)]
    assert sorted(used) == sorted(EXERCISES), "every checker used once, every cell's id known"
    for p in NOTEBOOKS:
        assert all(i.startswith(p.name[:2] + "-") for i in notebook_exercise_ids(p)), p.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_each_lesson_has_its_solutions_file(path: Path) -> None:
    solutions = solutions_for(path)
    assert list(solutions) == notebook_exercise_ids(path)
    for exercise_id, code in solutions.items():
        assert f'check("{exercise_id}", answer)' in code and "answer = ..." not in code


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_solutions_are_right(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Each solution, run on its own (it needs nothing from the lesson), makes the
    checker say right (fast: no notebook kernel)."""
    for exercise_id, code in solutions_for(path).items():
        exec(compile(code, f"{path.stem}.py:{exercise_id}", "exec"), {"check": check})
        assert capsys.readouterr().out.strip() == RIGHT, exercise_id


# -- the lessons, run with the solutions and with wrong answers ----------------------------


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_lesson_with_solutions_and_wrong_answers(path: Path, tmp_path: Path) -> None:
    """Each exercise cell replaced by its solution (the checker says right), followed by
    a copy of the stored cell with a wrong answer in place of the ... (it says not yet,
    with the hint for that mistake). One kernel run per lesson, in a scratch folder."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    book = nbformat.read(path, as_version=4)
    solutions = solutions_for(path)
    cells, expect = [], []
    for cell in book.cells:
        if cell.cell_type != "code" or "exercise" not in cell.metadata.get("tags", []):
            cells.append(cell)
            expect.append(None)
            continue
        exercise_id = CHECK_CALL.search(cell.source).group("id")  # type: ignore[union-attr]
        wrong = wrong_answer(exercise_id)
        cells.append(nbformat.v4.new_code_cell(solutions[exercise_id]))
        expect.append(RIGHT)
        source = cell.source.replace("answer = ...", f"answer = {wrong!r}", 1)
        assert source != cell.source
        cells.append(nbformat.v4.new_code_cell(source))
        expect.append(f"{NOT_YET}: {EXERCISES[exercise_id].mistakes[0][1]}")
    book.cells = cells
    client = nbclient.NotebookClient(
        book, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()
    checked = 0
    for cell, want in zip(book.cells, expect):
        if want is None:
            continue
        printed = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream").strip()
        assert printed == want, (path.name, cell.source, printed)
        checked += 1
    assert checked == 2 * len(solutions) >= 4
