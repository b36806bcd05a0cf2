"""Exercises of lesson 05, regularisation and generalisation."""

from __future__ import annotations

import random
from typing import Any

import numpy as np

from autograd_core import Value

from .. import losses
from ..module import Dropout
from .exercise import code, number


@number(
    "05-l2-gradient",
    "fit(..., l2=0.01) adds 0.01 * sum(w^2) to the loss. How much does it add to d loss / dw "
    "for a weight w = 0.8?",
    (
        "The penalty is one more term of the loss: its derivative adds to the gradient.",
        "Only the w^2 term with this weight depends on w; differentiate 0.01 * w^2.",
        "d/dw of 0.01 * w^2 is 2 * 0.01 * w.",
    ),
    [
        (lambda: 0.01 * 0.8, "the derivative of w^2 is 2 w: you are missing the 2."),
        (lambda: 0.01 * 0.8**2, "that is the penalty itself; its derivative is 2 * 0.01 * w."),
    ],
)
def _l2_gradient() -> float:
    w = Value(0.8, label="w")
    (losses.l2_penalty([w]) * 0.01).backward()
    return float(w.grad)


@number(
    "05-dropout-scale",
    "Dropout(p=0.3) in training mode: an activation of 2.0 that is kept comes out as what?",
    (
        "Dropout keeps the expected value of each activation the same in training as in evaluation.",
        "A kept activation is scaled so that (chance of being kept) * (kept value) = the original value.",
        "Inverted dropout scales the survivors by 1 / (1 - p), so the expected value stays 2.0.",
    ),
    [
        (lambda: 2.0 * (1 - 0.3), "that scales by (1 - p); inverted dropout divides by it instead."),
        (lambda: 2.0, "in training mode the kept values are scaled up, by 1 / (1 - p)."),
    ],
)
def _dropout_scale() -> float:
    drop = Dropout(0.3, seed=0)
    drop.train()
    out = drop([Value(2.0) for _ in range(20)])
    return next(float(v.data) for v in out if v.data != 0.0)


class _Mask:
    """Stands in for Dropout's random generator: draws that keep exactly the ``keep`` inputs
    (a draw of 1.0 is kept for every p < 1, a draw of 0.0 dropped for every p > 0)."""

    def __init__(self, keep: list[bool]) -> None:
        self.keep = keep

    def random(self, n: int) -> Any:
        return np.array([1.0 if k else 0.0 for k in self.keep[:n]])


def _activations(rng: random.Random) -> tuple[list[float], list[bool], float]:
    n = rng.randint(1, 8)
    return (
        [rng.uniform(-3, 3) for _ in range(n)],
        [rng.random() < 0.6 for _ in range(n)],
        rng.choice([0.1, 0.3, 0.5]),
    )


@code(
    "05-inverted-dropout",
    "Write inverted_dropout(xs, keep, p): dropout in training mode, given which inputs the random "
    "draw kept (keep[i] is True or False) and the drop probability p. Return the list of outputs.",
    (
        "A dropped input becomes 0; a kept one is scaled so the layer's expected output does not change.",
        "Each input is kept with probability 1 - p: scale a kept input by whatever makes (1 - p) * "
        "scaled = x.",
        "return [x / (1 - p) if k else 0.0 for x, k in zip(xs, keep)]",
    ),
    _activations,
    [
        (
            lambda xs, keep, p: [x * (1 - p) if k else 0.0 for x, k in zip(xs, keep)],
            "that scales by (1 - p); the kept inputs are divided by it instead.",
        ),
        (
            lambda xs, keep, p: [x if k else 0.0 for x, k in zip(xs, keep)],
            "the kept inputs must be scaled up, or the layer's output shrinks in training.",
        ),
    ],
    fixed=(([2.0, -1.0, 0.5], [True, False, True], 0.3),),
    rtol=1e-9,
)
def _inverted_dropout(xs: list[float], keep: list[bool], p: float) -> list[float]:
    drop = Dropout(p)
    drop.train()
    drop.rng = _Mask(keep)  # type: ignore[assignment]  # the mask the question gives
    return [float(v.data) for v in drop([Value(x) for x in xs])]
