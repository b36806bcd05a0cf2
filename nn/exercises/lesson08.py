"""Exercises of lesson 08, real data: handwritten digits."""

from __future__ import annotations

import math
import random

from autograd_core import Value

from .. import losses, metrics
from .exercise import code, number


@number(
    "08-chance-loss",
    "An untrained 10-class network gives every class the same logit. Its cross-entropy loss?",
    (
        "Cross-entropy only looks at the probability the model gives the true class.",
        "Equal logits make softmax spread the probability evenly over the 10 classes; then take the "
        "loss of that.",
        "Equal logits give softmax probabilities 1/10; the loss is -log of the true class's probability.",
    ),
    [
        (lambda: 0.1, "that is the probability p; the loss is -log p."),
        (lambda: math.log10(10.0), "use the natural logarithm (ln), as cross-entropy does."),
    ],
)
def _chance_loss() -> float:
    return float(losses.cross_entropy([Value(0.0) for _ in range(10)], 3).data)


def _softmax_case() -> list[Value]:
    zs = [Value(v, label=f"z{k}") for k, v in enumerate((2.0, 1.0, 0.1))]
    losses.cross_entropy(zs, 0).backward()
    return zs


@number(
    "08-softmax-gradient",
    "Logits z = [2.0, 1.0, 0.1], true class 0. What is d loss / dz_0 for the softmax cross-entropy?",
    (
        "Softmax and cross-entropy together have a famously simple gradient.",
        "The gradient for logit k compares the predicted probability p_k with what the label says (1 or 0).",
        "d loss/dz_k = p_k - [k is the true class], with p = softmax(z).",
    ),
    [
        (
            lambda: math.exp(2.0) / (math.exp(2.0) + math.exp(1.0) + math.exp(0.1)),
            "that is p_0; subtract 1 for the true class.",
        )
    ],
)
def _softmax_gradient() -> float:
    return float(_softmax_case()[0].grad)


def _predictions(rng: random.Random) -> tuple[list[int], list[int], int]:
    k, n = rng.randint(2, 5), rng.randint(1, 30)
    truth = [rng.randrange(k) for _ in range(n)]
    # mostly right, as a trained model is: the matrix then has a heavy diagonal
    guess = [t if rng.random() < 0.6 else rng.randrange(k) for t in truth]
    return truth, guess, k


@code(
    "08-confusion-matrix",
    "Write confusion_matrix(y_true, y_pred, k): a k x k list of lists where row i, column j counts the "
    "samples of true class i that the model predicted as class j (classes 0..k-1).",
    (
        "Start from a k x k table of zeros; every sample adds 1 to exactly one cell.",
        "The cell a sample counts in is chosen by its true class (the row) and its predicted class "
        "(the column).",
        "m = [[0] * k for _ in range(k)]; for t, p in zip(y_true, y_pred): m[t][p] += 1; return m",
    ),
    _predictions,
    [
        (
            lambda yt, yp, k: [list(r) for r in zip(*metrics.confusion_matrix(yt, yp, labels=range(k)))],
            "rows and columns are swapped: the row is the true class, the column the predicted one.",
        )
    ],
    fixed=(([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 2], 3),),
    rtol=0.0,
)
def _confusion_matrix(y_true: list[int], y_pred: list[int], k: int) -> list[list[int]]:
    return metrics.confusion_matrix(y_true, y_pred, labels=range(k))
