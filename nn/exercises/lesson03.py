"""Exercises of lesson 03, from a neuron to an MLP."""

from __future__ import annotations

import math
import random

from autograd_core import Value

from .. import losses
from ..module import MLP
from .exercise import code, number


def _sigmoid(z: float) -> float:
    return Value(z).sigmoid().data


def _bce_at(z: float, t: int) -> Value:
    logit = Value(z, label="z")
    losses.bce(logit, t).backward()
    return logit


@number(
    "03-bce-logit-gradient",
    "bce from a logit: for z = 0.5 and label t = 1, what is d loss / dz?",
    (
        "The loss goes through two steps from z: the sigmoid p = sigmoid(z), then the log loss of p.",
        "Multiply d loss/dp = -t/p + (1 - t)/(1 - p) by dp/dz = p (1 - p), and simplify.",
        "For bce on a logit the sigmoid and the log cancel nicely: d loss/dz = sigmoid(z) - t.",
    ),
    [
        (lambda: 1 - _sigmoid(0.5), "right size, wrong sign: it is sigmoid(z) - t."),
        (lambda: -1 / _sigmoid(0.5), "that is d loss/dp with p = sigmoid(z); multiply by dp/dz = p (1 - p)."),
    ],
)
def _bce_logit_gradient() -> float:
    return float(_bce_at(0.5, 1).grad)


@number(
    "03-parameter-count",
    "How many parameters has MLP(2, [8, 8, 1])?",
    (
        "Count neuron by neuron: what does one neuron of a layer own?",
        "A neuron owns one weight per input it reads, and one bias. Layer sizes: 2 inputs, then 8, 8, 1.",
        "Each neuron has one weight per input plus one bias: (2 + 1) * 8 + (8 + 1) * 8 + (8 + 1) * 1.",
    ),
    [(lambda: 2 * 8 + 8 * 8 + 8 * 1, "you counted the weights; every neuron also has a bias.")],
    rtol=0.0,
)
def _parameter_count() -> int:
    return MLP(2, [8, 8, 1], seed=0).num_parameters()


def _logit_and_label(rng: random.Random) -> tuple[float, int]:
    return rng.uniform(-4, 4), rng.randrange(2)


@code(
    "03-bce-and-gradient",
    "Write bce_and_gradient(z, t): the binary cross-entropy of the logit z (p = sigmoid(z)) for the "
    "label t (0 or 1), and its derivative d loss/dz. Return (loss, d loss/dz).",
    (
        "The loss is -log of the probability the model gives the true label; its gradient is simpler "
        "than it looks.",
        "loss = -(t log p + (1 - t) log(1 - p)) with p = 1 / (1 + exp(-z)); the derivative through "
        "the sigmoid simplifies.",
        "p = 1 / (1 + math.exp(-z)); return (-(t * math.log(p) + (1 - t) * math.log(1 - p)), p - t)",
    ),
    _logit_and_label,
    [
        (
            lambda z, t: (losses.bce(Value(z), t).data, t - 1 / (1 + math.exp(-z))),
            "the loss is right; the gradient's sign is not: it is p - t (the loss falls as z moves "
            "toward the label).",
        ),
        (
            lambda z, t: (-(t * math.log(_sigmoid(z)) + (1 - t) * math.log(1 - _sigmoid(z))), _sigmoid(z)),
            "the loss is right; the gradient is p - t: the label enters it too.",
        ),
    ],
    rtol=1e-6,
)
def _bce_and_gradient(z: float, t: int) -> tuple[float, float]:
    logit = Value(z)
    loss = losses.bce(logit, t)
    loss.backward()
    return loss.data, float(logit.grad)
