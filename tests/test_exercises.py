"""The exercises: the checkers (nn.exercises) accept the right answers and reject wrong
ones with a hint that grows with each miss; code exercises run the student's function on
random inputs and show the first one where it differs; the solutions
(notebooks/solutions/) match the lessons' exercise cells; and every lesson, run with the
solutions filled in and with a wrong answer beside each, says "right" and "not yet" where
it should."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from nn import exercises
from nn.exercises import EXERCISES, NOT_YET, RIGHT, check, expected, reset, verdict
from nn.exercises.lesson10 import tiny_engine

ROOT = Path(__file__).parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SOLUTIONS = ROOT / "notebooks" / "solutions"
SECTION = re.compile(r"^# %% (?P<id>\S+)(?P<wrong> \(wrong\))?\n", re.MULTILINE)
CHECK_CALL = re.compile(r'check\("(?P<id>[^"]+)", (?P<what>\w+)\)')
TAGS = {"exercise", "exercise-code"}
CODE_RIGHT = f"{RIGHT}: it agrees with chainrule on all "  # then how many inputs were tried
NUMBERS = [k for k, e in EXERCISES.items() if e.kind == "number"]
CODES = [k for k, e in EXERCISES.items() if e.kind == "code"]
HINT = re.compile(r"\(hint (\d) of 3\) (.*)$", re.S)


@pytest.fixture(autouse=True)
def _fresh_hints() -> Iterator[None]:
    reset()  # every test starts with no misses counted
    yield
    reset()


def solutions_for(notebook: Path) -> tuple[dict[str, str], dict[str, str]]:
    """(exercise id -> solution code, exercise id -> a wrong attempt) from
    notebooks/solutions/<lesson>.py."""
    text = (SOLUTIONS / f"{notebook.stem}.py").read_text(encoding="utf-8")
    parts = SECTION.split(text)  # [header, id1, wrong1, code1, id2, ...]
    right, wrong = {}, {}
    for i in range(1, len(parts), 3):
        (wrong if parts[i + 1] else right)[parts[i]] = parts[i + 2].strip() + "\n"
    return right, wrong


def cells_of(path: Path) -> list[Any]:
    nbformat = pytest.importorskip("nbformat")
    return nbformat.read(path, as_version=4).cells


def tags(cell: Any) -> set[str]:
    return set(cell.metadata.get("tags", []))


def notebook_exercise_ids(path: Path) -> list[str]:
    return [
        CHECK_CALL.search(c.source).group("id")  # type: ignore[union-attr]
        for c in cells_of(path)
        if c.cell_type == "code" and TAGS & tags(c)
    ]


def printed(code: str, namespace: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> str:
    exec(compile(code, "<cell>", "exec"), namespace)
    return capsys.readouterr().out.strip()


# -- number exercises ----------------------------------------------------------------------


@pytest.mark.parametrize("exercise_id", NUMBERS)
def test_the_checker_accepts_the_answer_it_computes(exercise_id: str) -> None:
    right = expected(exercise_id)
    assert isinstance(right, (int, float)) and math.isfinite(right)
    assert verdict(exercise_id, right) == (True, RIGHT)
    ex = EXERCISES[exercise_id]
    if ex.rtol:  # rounded to 4 significant digits still counts
        assert verdict(exercise_id, float(f"{right:.4g}"))[0], (exercise_id, right)


@pytest.mark.parametrize("exercise_id", NUMBERS)
def test_the_checker_rejects_mistakes_with_their_hint(exercise_id: str) -> None:
    ex = EXERCISES[exercise_id]
    assert ex.mistakes, f"{exercise_id}: give at least one common mistake (the tests use it)"
    for mistake, hint in ex.mistakes:
        ok, message = verdict(exercise_id, mistake())
        assert not ok and message == f"{NOT_YET}: {hint}", (exercise_id, mistake())


@pytest.mark.parametrize("exercise_id", list(EXERCISES))
def test_three_grades_of_hint(exercise_id: str) -> None:
    """Misses that are no known mistake get the nudge, then the stronger hint, then the
    recipe (and the recipe again); the three differ and the nudge is not the recipe.
    ``reset`` starts over; ``attempt=`` chooses the grade without counting."""
    ex = EXERCISES[exercise_id]
    wrong = _unknown_wrong_answer(exercise_id)
    grades = []
    for _ in range(4):
        ok, message = verdict(exercise_id, wrong)
        found = HINT.search(message)
        assert not ok and found, message
        grades.append((int(found.group(1)), found.group(2)))
    assert grades == [(1, ex.hints.nudge), (2, ex.hints.stronger), (3, ex.hints.recipe), (3, ex.hints.recipe)]
    assert len({ex.hints.nudge, ex.hints.stronger, ex.hints.recipe}) == 3
    reset(exercise_id)
    assert "(hint 1 of 3)" in verdict(exercise_id, wrong)[1]
    assert "(hint 2 of 3)" in verdict(exercise_id, wrong, attempt=2)[1]
    assert "(hint 2 of 3)" in verdict(exercise_id, wrong)[1]  # attempt= did not count


def test_the_nudge_names_the_idea_not_the_recipe() -> None:
    """No nudge gives away the computation: it holds none of the recipe's formulas (a run
    of symbols such as '1 - y^2', '+=', 'return')."""
    for exercise_id, ex in EXERCISES.items():
        nudge = ex.hints.nudge
        assert "return" not in nudge and "+=" not in nudge, exercise_id
        formulas = re.findall(r"[\w.]+ ?[-+*/^] ?[\w.(]+", ex.hints.recipe)
        assert not [f for f in formulas if f in nudge], (exercise_id, nudge)


def _unknown_wrong_answer(exercise_id: str) -> Any:
    ex = EXERCISES[exercise_id]
    if ex.kind == "number":
        return expected(exercise_id) + 10.37
    if exercise_id == "10-topological-order":
        return lambda root: [root]  # only the output: lists too little, and no known mistake
    if exercise_id.startswith("10-") and exercise_id != "10-train-neuron":
        return _off_by_a_bit_engine()
    return lambda *args: 12345.0  # a number where chainrule's answer is something else


def _off_by_a_bit_engine() -> type:
    """An engine whose leaves take in 10% more gradient than they are given: wrong, and
    no known mistake."""

    class OffByABit(tiny_engine()):  # type: ignore[misc]
        def _give(self, op: str, amount: float) -> None:
            super()._give(op, 1.1 * amount)

    return OffByABit


@pytest.mark.parametrize("junk", [..., None, "0.5", [0.5], float("nan"), float("inf"), True])
def test_the_checker_never_fails_on_a_strange_answer(junk: object) -> None:
    for exercise_id in EXERCISES:
        ok, message = verdict(exercise_id, junk)
        assert not ok and message.startswith(NOT_YET)
    assert "replace the ..." in verdict("01-local-derivative", ...)[1]
    assert "pass your function itself" in verdict("01-mul-backward", ...)[1]


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
    assert expected("01-mul-backward", 2.0, -3.0, 0.5) == (-1.5, 1.0)
    assert expected("10-backward", (("leaf", 0.7), ("+", 0, 0))) == [2.0]
    assert expected("08-confusion-matrix", [0, 1, 1], [1, 1, 0], 2) == [[0, 1], [1, 1]]


# -- code exercises --------------------------------------------------------------------------


@pytest.mark.parametrize("exercise_id", CODES)
def test_a_code_exercise_accepts_chainrule_and_shows_the_failing_input(exercise_id: str) -> None:
    """chainrule's own answer passes; a known wrong function is refused with the input it
    failed on, chainrule's answer, the function's answer and that mistake's hint."""
    ex = EXERCISES[exercise_id]
    inputs = ex.inputs()
    assert len(inputs) >= 8 and inputs == ex.inputs(), "seeded: the same inputs every time"
    if ex.judge is None and ex.run is None:
        ok, message = verdict(exercise_id, ex.expected)
        assert ok and message.startswith(RIGHT) and f"all {len(inputs)} inputs" in message
    for mistake, hint in ex.mistakes:
        if ex.run is not None:
            continue  # the mistakes of a class are classes: tested in the lesson-10 tests below
        ok, message = verdict(exercise_id, mistake)
        assert not ok and message.endswith(hint), (exercise_id, message)
        assert " on " in message and "chainrule gives" in message and "your function gives" in message


def test_a_code_exercise_reports_an_error_and_a_missing_body() -> None:
    ok, message = verdict("07-bptt-two-steps", lambda w, u, h0, x1, x2: 1 / 0)
    assert not ok and "your code raised ZeroDivisionError: division by zero" in message and "w=" in message

    def untouched(a: float, b: float, out_grad: float) -> None: ...

    ok, message = verdict("01-mul-backward", untouched)
    assert not ok and "returns None" in message
    assert "(hint" not in message, "a cell left as it is is not a miss"


def test_the_engine_lesson_catches_the_overwrite_bug() -> None:
    """Lesson 10: an engine whose ops write ``grad =`` passes step 1 (one use of each input)
    but step 4 refuses it on a graph that uses a value twice, saying to accumulate."""
    overwrite = tiny_engine(overwrite=frozenset({"+", "*", "tanh"}))
    assert verdict("10-add-mul", overwrite)[0] and verdict("10-tanh", overwrite)[0]
    ok, message = verdict("10-backward", overwrite)
    assert (
        not ok and "n1 = n0 + n0" in message and "chainrule gives [2]" in message and "gives [1]" in message
    )
    assert "accumulate with self.grad +=" in message
    for op, name in (("*", "mul"), ("tanh", "tanh")):
        ok, message = verdict("10-backward", tiny_engine(overwrite=frozenset({op})))
        assert not ok and f"in {name}, accumulate" in message, message
    ok, message = verdict("10-backward", tiny_engine(forward=True))
    assert not ok and "reversed topological order" in message
    ok, message = verdict("10-backward", tiny_engine(seed=False))
    assert not ok and "self.grad = 1.0" in message
    assert verdict("10-backward", tiny_engine()) == (
        True,
        f"{RIGHT}: it agrees with chainrule on all 29 inputs tried.",
    )


def test_the_engine_lesson_checks_the_order_not_one_answer() -> None:
    from autograd_core import topological_order

    def depth_first(root: Any) -> list[Any]:
        order: list[Any] = []
        seen: set[int] = set()

        def visit(v: Any) -> None:
            if id(v) not in seen:
                seen.add(id(v))
                for child in v._prev:
                    visit(child)
                order.append(v)

        visit(root)
        return order

    assert verdict("10-topological-order", depth_first)[0]
    assert verdict("10-topological-order", topological_order)[0]  # a different, also right order
    ok, message = verdict("10-topological-order", lambda root: depth_first(root)[::-1])
    assert not ok and "comes before" in message and "which it is made from" in message


# -- the lessons and the solutions agree ---------------------------------------------------


def test_every_exercise_is_in_exactly_one_lesson() -> None:
    used = [i for p in NOTEBOOKS for i in notebook_exercise_ids(p)]
    assert sorted(used) == sorted(EXERCISES), "every checker used once, every cell's id known"
    for p in NOTEBOOKS:
        assert all(i.startswith(p.name[:2] + "-") for i in notebook_exercise_ids(p)), p.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_each_lesson_has_its_solutions_file(path: Path) -> None:
    right, wrong = solutions_for(path)
    assert list(right) == notebook_exercise_ids(path)
    for exercise_id, code in right.items():
        assert re.search(rf'check\("{exercise_id}", \w+\)', code) and "answer = ..." not in code
        assert "...  # your code" not in code
        if EXERCISES[exercise_id].kind == "code":
            assert exercise_id in wrong, f"{exercise_id}: a code exercise needs a wrong attempt too"


def _lesson_namespace(path: Path) -> dict[str, Any]:
    """What a lesson's exercise cells find defined: ``check``, and the cells tagged
    ``setup`` (lesson 10's skeleton ``Value``)."""
    namespace: dict[str, Any] = {"check": check}
    for cell in cells_of(path):
        if cell.cell_type == "code" and "setup" in tags(cell):
            exec(compile(cell.source, "<setup>", "exec"), namespace)
    return namespace


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_solutions_are_right(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The solutions, run in order in one namespace (each needs nothing else from the
    lesson), make the checker say right; each wrong attempt, run just before its
    solution, is refused with a failing input (fast: no notebook kernel)."""
    namespace = _lesson_namespace(path)
    capsys.readouterr()
    right, wrong = solutions_for(path)
    for exercise_id, code in right.items():
        if exercise_id in wrong:
            out = printed(wrong[exercise_id], namespace, capsys)
            assert out.startswith(f"{NOT_YET}: on "), (exercise_id, out)  # the failing input shown
        out = printed(code, namespace, capsys)
        if EXERCISES[exercise_id].kind == "code":
            assert out.startswith(CODE_RIGHT), (exercise_id, out)
        else:
            assert out == RIGHT, (exercise_id, out)


# -- the lessons, run with the solutions and with wrong answers ----------------------------


Expect = tuple[str, str] | None  # ("is", the whole output) or ("starts", its beginning)


def _cells_with_answers(path: Path) -> tuple[list[Any], list[Expect]]:
    """The lesson's cells, each exercise cell replaced by a wrong answer and its solution
    (a number cell: the solution, then the stored cell with a known mistake in place of the
    ...; a code cell: the wrong attempt, then the solution, so later cells run on a right
    one), with what each must print: a number cell's verdict exactly; a code cell's
    beginning (it goes on with the input it failed on, or how many inputs it passed)."""
    nbformat = pytest.importorskip("nbformat")
    new = nbformat.v4.new_code_cell
    right, wrong = solutions_for(path)
    cells: list[Any] = []
    expect: list[Expect] = []
    for cell in cells_of(path):
        if cell.cell_type != "code" or not TAGS & tags(cell):
            cells.append(cell)
            expect.append(None)
            continue
        exercise_id = CHECK_CALL.search(cell.source).group("id")  # type: ignore[union-attr]
        ex = EXERCISES[exercise_id]
        if ex.kind == "code":
            cells += [new(wrong[exercise_id]), new(right[exercise_id])]
            expect += [("starts", f"{NOT_YET}: on "), ("starts", CODE_RIGHT)]
            continue
        mistake, hint = ex.mistakes[0]
        source = cell.source.replace("answer = ...", f"answer = {mistake()!r}", 1)
        assert source != cell.source
        cells += [new(right[exercise_id]), new(source)]
        expect += [("is", RIGHT), ("is", f"{NOT_YET}: {hint}")]
    return cells, expect


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_lesson_with_solutions_and_wrong_answers(path: Path, tmp_path: Path) -> None:
    """One kernel run per lesson, in a scratch folder: every solution says right, every
    wrong answer says not yet (a code exercise's with the input it failed on)."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    book = nbformat.read(path, as_version=4)
    book.cells, expect = _cells_with_answers(path)
    client = nbclient.NotebookClient(
        book, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()
    checked = 0
    for cell, want in zip(book.cells, expect):
        if want is None:
            continue
        out = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream").strip()
        how, text = want
        assert out == text if how == "is" else out.startswith(text), (path.name, cell.source, out)
        checked += 1
    assert checked == 2 * len(solutions_for(path)[0]) >= 4


def test_the_checker_prints_minus_zero_as_zero() -> None:
    """A gradient that is -0.0 (a product with a negative zero) reads "0", not "-0"."""
    from nn.exercises.exercise import short

    assert short(-0.0) == "0" and short([2.857142857, -0.0, 0.7142857]) == "[2.85714, 0, 0.714286]"
    assert short(-1e-7) == "-1e-07"  # a small negative number keeps its sign
