"""Exercise checkers for the lesson notebooks (``notebooks/``).

A number exercise's cell holds a placeholder the student replaces, and a call to ``check``:

    from nn.exercises import check

    answer = ...  # your answer
    check("01-local-derivative", answer)

A code exercise (cell tag ``exercise-code``) holds a function the student writes, and
``check`` runs it on random inputs (seeded: the same ones each time) against chainrule:

    def mul_backward(a, b, out_grad):
        ...  # your code

    check("01-mul-backward", mul_backward)

``check`` prints ``✓ right``, or ``✗ not yet`` with the first input where the function
differs (chainrule's answer and the function's), and a hint. The hints come in three
grades, one per miss: a nudge that names the idea, a stronger hint, then the recipe; a
known mistake (the same computation done a common wrong way) gets a hint of its own.
Left as it is (``...``), a cell still runs and says "not yet". Every expected answer is
computed by chainrule itself; no answer is a stored number.

``EXERCISES`` lists them all (id -> ``Exercise``, whose ``kind`` is ``"number"`` or
``"code"``); ``expected(id)`` is a number exercise's answer; ``verdict(id, answer)``
returns ``(ok, message)`` without printing; ``reset()`` forgets the misses. Each lesson's
exercises live in their own file here (``lesson01.py`` ...), the checking apart
(``checking.py``, ``exercise.py``); the solutions live in ``notebooks/solutions/``.
"""

from __future__ import annotations

from . import (
    lesson01,
    lesson02,
    lesson03,
    lesson04,
    lesson05,
    lesson06,
    lesson07,
    lesson08,
    lesson09,
    lesson10,
)
from .checking import NOT_YET, RIGHT, check, expected, question, reset, verdict
from .exercise import EXERCISES, Exercise, Hints

LESSONS = (lesson01, lesson02, lesson03, lesson04, lesson05, lesson06, lesson07, lesson08, lesson09, lesson10)

__all__ = [
    "EXERCISES",
    "LESSONS",
    "NOT_YET",
    "RIGHT",
    "Exercise",
    "Hints",
    "check",
    "expected",
    "question",
    "reset",
    "verdict",
]
