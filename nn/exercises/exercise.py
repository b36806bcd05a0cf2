"""What an exercise is: its question, chainrule's answer, its hints, and (for code) the
inputs its function is tried on. Each lesson's file registers its exercises here."""

from __future__ import annotations

import inspect
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Answer = Any
Args = tuple[Any, ...]
Mistake = tuple[Callable[..., Answer], str]


@dataclass(frozen=True)
class Hints:
    """Three grades of hint, one per miss: ``nudge`` names the idea (not the recipe),
    ``stronger`` points at the step, ``recipe`` gives the computation."""

    nudge: str
    stronger: str
    recipe: str

    def grade(self, miss: int) -> str:
        """The hint for the ``miss``-th wrong answer (1, 2, then the recipe from 3 on)."""
        return (self.nudge, self.stronger, self.recipe)[min(max(miss, 1), 3) - 1]


@dataclass(frozen=True)
class Exercise:
    """One exercise.

    ``kind`` is ``"number"`` (the answer is one number) or ``"code"`` (the answer is a
    function, or a class, the student wrote). ``expected(*args)`` computes the right
    answer with chainrule: with no arguments for a number; for code, for one input
    ``args``, drawn by ``draws(rng)`` (after the ``fixed`` inputs, tried first).
    ``run(student, *args)`` calls the student's function on one input (default:
    ``student(*args)``); ``judge(args, got)``, when given, replaces the comparison with
    ``expected`` and returns what is wrong, or None; ``show(args)`` writes an input for
    the student when ``name=value`` pairs would not read well. ``mistakes`` pairs a common wrong
    computation (same arguments as ``expected``) with the hint it deserves; any other
    miss gets the next grade of ``hints``. Numbers are compared with a relative
    tolerance ``rtol`` and an absolute ``atol``.
    """

    id: str
    question: str
    kind: Literal["number", "code"]
    expected: Callable[..., Answer]
    hints: Hints
    mistakes: tuple[Mistake, ...] = ()
    rtol: float = 1e-3
    atol: float = 1e-9
    draws: Callable[[random.Random], Args] | None = None
    fixed: tuple[Args, ...] = ()
    run: Callable[..., Answer] | None = None
    judge: Callable[[Args, Answer], str | None] | None = None
    trials: int = 25
    names: tuple[str, ...] = field(default=())
    show: Callable[[Args], str] | None = None

    @property
    def hint(self) -> str:
        """The recipe: the hint a third miss gets."""
        return self.hints.recipe

    def inputs(self, seed: int = 0) -> list[Args]:
        """The inputs a code exercise is tried on: the fixed ones, then seeded draws
        (the same every time, so a student sees the same failing input again)."""
        if self.draws is None:
            return list(self.fixed)
        rng = random.Random(f"{self.id}:{seed}")
        return [*self.fixed, *(self.draws(rng) for _ in range(self.trials))]

    def describe(self, args: Args) -> str:
        """One input as the student's function receives it: ``a=2, b=-3`` (or as ``show``
        writes it: a graph as the lines of code that build it)."""
        if self.show is not None:
            return self.show(args)
        names = self.names or _parameter_names(self.expected, len(args))
        return ", ".join(f"{n}={_short(a)}" for n, a in zip(names, args))


EXERCISES: dict[str, Exercise] = {}


def number(
    id: str,
    question: str,
    hints: tuple[str, str, str],
    mistakes: Sequence[Mistake] = (),
    rtol: float = 1e-3,
) -> Callable[[Callable[[], Answer]], Callable[[], Answer]]:
    """Register the decorated function (no arguments) as the answer to a number exercise."""

    def register(fn: Callable[[], Answer]) -> Callable[[], Answer]:
        _add(Exercise(id, question, "number", fn, Hints(*hints), tuple(mistakes), rtol))
        return fn

    return register


def code(
    id: str,
    question: str,
    hints: tuple[str, str, str],
    draws: Callable[[random.Random], Args],
    mistakes: Sequence[Mistake] = (),
    **options: Any,
) -> Callable[[Callable[..., Answer]], Callable[..., Answer]]:
    """Register the decorated function (chainrule's answer for one input) as a code
    exercise; ``options`` are ``Exercise``'s (``fixed``, ``run``, ``judge``, ``rtol``...)."""

    def register(fn: Callable[..., Answer]) -> Callable[..., Answer]:
        _add(Exercise(id, question, "code", fn, Hints(*hints), tuple(mistakes), draws=draws, **options))
        return fn

    return register


def _add(exercise: Exercise) -> None:
    if exercise.id in EXERCISES:
        raise ValueError(f"exercise {exercise.id!r} is defined twice")
    EXERCISES[exercise.id] = exercise


def _parameter_names(fn: Callable[..., Any], count: int) -> tuple[str, ...]:
    try:
        names = tuple(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        names = ()
    return (names + tuple(f"arg{k}" for k in range(len(names), count)))[:count]


def _short(x: Any) -> str:
    """A number to 6 significant digits, sequences element by element, at most 200 chars."""
    if isinstance(x, float):
        text = f"{x + 0.0:.6g}"  # + 0.0: -0.0 prints as 0, not the puzzling "-0"
    elif isinstance(x, (list, tuple)):
        inner = ", ".join(_short(v) for v in x)
        text = f"[{inner}]" if isinstance(x, list) else f"({inner}{',' if len(x) == 1 else ''})"
    else:
        text = repr(x)
    return text if len(text) <= 200 else text[:197] + "..."


def short(x: Any) -> str:
    """How the checker prints a value (an answer, an input): numbers to 6 digits."""
    return _short(x)
