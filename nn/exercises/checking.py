"""Checking an answer: a number against chainrule's, or a function run on random inputs
against chainrule's answers, and the hint a miss earns (a nudge, a stronger hint, then
the recipe; a known mistake gets its own hint)."""

from __future__ import annotations

import math
import threading
from collections import Counter
from typing import Any

from autograd_core import Value

from .exercise import EXERCISES, Answer, Args, Exercise, short

RIGHT = "✓ right"
NOT_YET = "✗ not yet"

_misses: Counter[str] = Counter()  # wrong answers so far, per exercise (this session)
_lock = threading.Lock()


def get(exercise_id: str) -> Exercise:
    """The exercise ``exercise_id`` (KeyError naming the known ones if there is none)."""
    if exercise_id not in EXERCISES:
        raise KeyError(f"no exercise {exercise_id!r}; known: {', '.join(EXERCISES)}")
    return EXERCISES[exercise_id]


def expected(exercise_id: str, *args: Any) -> Answer:
    """The right answer, computed now with chainrule (for a code exercise: on ``args``)."""
    return get(exercise_id).expected(*args)


def question(exercise_id: str) -> str:
    """The question of one exercise, as the lesson asks it."""
    return get(exercise_id).question


def reset(exercise_id: str | None = None) -> None:
    """Forget the misses (of one exercise, or all): the next miss gets the nudge again."""
    with _lock:
        if exercise_id is None:
            _misses.clear()
        else:
            _misses.pop(exercise_id, None)


def verdict(exercise_id: str, answer: Any, *, attempt: int | None = None) -> tuple[bool, str]:
    """``(True, "✓ right...")`` or ``(False, "✗ not yet...: <hint>")``, printing nothing.

    ``answer`` is a number for a ``"number"`` exercise, the student's function (or class)
    for a ``"code"`` one. The hint grows with each miss of this exercise in this session
    (a nudge, a stronger hint, the recipe); ``attempt`` (1, 2, 3...) chooses the grade
    instead, without counting, as the playground does for each student.
    """
    ex = get(exercise_id)
    outcome = _judge_code(ex, answer) if ex.kind == "code" else _judge_number(ex, answer)
    if isinstance(outcome, str):
        return outcome.startswith(RIGHT), outcome
    what, hint = outcome
    if hint is None:  # no known mistake: the next grade of hint
        miss = attempt if attempt is not None else _count_miss(ex.id)
        hint = f"(hint {min(miss, 3)} of 3) {ex.hints.grade(miss)}"
    elif attempt is None:
        _count_miss(ex.id)
    return False, f"{NOT_YET}: {what}{hint}" if not what else f"{NOT_YET}: {what}\n  {hint}"


def check(exercise_id: str, answer: Any) -> None:
    """Print whether ``answer`` is right (``✓ right``) or not yet, with a hint."""
    print(verdict(exercise_id, answer)[1])


def _count_miss(exercise_id: str) -> int:
    with _lock:
        _misses[exercise_id] += 1
        return _misses[exercise_id]


Outcome = str | tuple[str, str | None]  # a final message, or (what was wrong, a known hint)


def _judge_number(ex: Exercise, answer: Any) -> Outcome:
    if answer is Ellipsis:
        return f"{NOT_YET}: replace the ... with your answer (one number) and run the cell again."
    x = _as_number(answer)
    if x is None:
        return f"{NOT_YET}: the answer should be one finite number, got {answer!r:.60}."
    if close(x, ex.expected(), ex):
        return RIGHT
    for mistake, hint in ex.mistakes:
        if close(x, mistake(), ex):
            return "", hint
    return "", None


def _judge_code(ex: Exercise, student: Any) -> Outcome:
    if student is Ellipsis or not callable(student):
        return (
            f"{NOT_YET}: pass your function itself, by its name without calling it: "
            f'check("{ex.id}", my_function); got {student!r:.60}.'
        )
    inputs = ex.inputs()
    for args in inputs:
        try:
            got = ex.run(student, *args) if ex.run else student(*args)
        except Exception as e:  # the student's code: any error is a miss, shown
            return f"on {ex.describe(args)} your code raised {type(e).__name__}: {e}.", None
        if got is None:
            return f"{NOT_YET}: your function returns None: write its body (return the answer) and run again."
        wrong = _wrong(ex, args, got)
        if wrong is not None:
            return wrong, _known_mistake(ex, args, got)
    return f"{RIGHT}: it agrees with chainrule on all {len(inputs)} inputs tried."


def _wrong(ex: Exercise, args: Args, got: Answer) -> str | None:
    """What is wrong with ``got`` on ``args`` (the input, chainrule's answer, the student's)."""
    if ex.judge is not None:
        problem = ex.judge(args, got)
        return None if problem is None else f"on {ex.describe(args)}: {problem}."
    want = ex.expected(*args)
    if same(got, want, ex):
        return None
    return f"on {ex.describe(args)} chainrule gives {short(want)}, your function gives {short(_plain(got))}."


def _known_mistake(ex: Exercise, args: Args, got: Answer) -> str | None:
    for mistake, hint in ex.mistakes:
        try:
            if same(got, mistake(*args), ex):
                return hint
        except Exception:  # a mistake that cannot even be computed here is not this one
            continue
    return None


def _plain(x: Any) -> Any:
    """Values as their numbers, arrays as lists: what the comparison sees."""
    if isinstance(x, Value):
        return x.data
    if hasattr(x, "tolist") and not isinstance(x, (int, float)):
        return _plain(x.tolist())
    if isinstance(x, (list, tuple)):
        return type(x)(_plain(v) for v in x)
    return x


def same(got: Any, want: Any, ex: Exercise) -> bool:
    """``got`` equals ``want`` within the exercise's tolerance: numbers, or sequences of them."""
    got, want = _plain(got), _plain(want)
    if want is None:  # a mistake that does not apply to this input
        return False
    if isinstance(want, (list, tuple)):
        return (
            isinstance(got, (list, tuple))
            and len(got) == len(want)
            and all(same(g, w, ex) for g, w in zip(got, want))
        )
    x = _as_number(got)
    return x is not None and close(x, want, ex)


def close(answer: float, target: Any, ex: Exercise) -> bool:
    """Within ``rtol`` (relative) or ``atol`` (absolute) of ``target``."""
    return math.isclose(float(answer), float(target), rel_tol=ex.rtol, abs_tol=ex.atol)


def _as_number(answer: Any) -> float | None:
    if isinstance(answer, Value):
        answer = answer.data
    if isinstance(answer, bool) or (
        not isinstance(answer, (int, float)) and not hasattr(answer, "__float__")
    ):
        return None
    try:
        x = float(answer)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None
