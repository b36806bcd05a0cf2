"""Exercises of lesson 09, online, mini-batch and full-batch training."""

from __future__ import annotations

import random
from typing import Any

from autograd_core import Value

from .. import losses, optim
from ..module import MLP
from .exercise import code, number


@number(
    "09-updates-per-epoch",
    "200 samples, batch_size=32: how many parameter updates does fit make per epoch?",
    (
        "fit makes one update per batch, and an epoch uses every sample once.",
        "Split 200 samples into batches of 32: how many full batches, and is anything left over?",
        "Batches of 32 until the data runs out; the last batch is smaller but still one update.",
    ),
    [(lambda: 200 // 32, "the 8 samples left over make one more (smaller) batch.")],
    rtol=0.0,
)
def _updates_per_epoch() -> int:
    from ..data import make_moons
    from ..training import Callback, fit

    class Count(Callback):
        updates = 0

        def on_batch_end(self, run: Any, loss: float) -> None:
            Count.updates += 1

    X, y = make_moons(200, seed=0)
    model = MLP(2, [2, 1], seed=0)
    fit(model, X, y, loss="bce", optimizer=optim.SGD(model.parameters(), lr=0.1), epochs=1,
        batch_size=32, progress=False, callbacks=[Count()])  # fmt: skip
    return Count.updates


def _batch_gradient(reduce_mean: bool = True) -> float:
    w = Value(0.5, label="w")
    terms = [losses.mse(w * x, t) for x, t in ((1.0, 1.0), (2.0, 2.0))]
    total = terms[0] + terms[1]
    (total * 0.5 if reduce_mean else total).backward()
    return float(w.grad)


@number(
    "09-batch-gradient",
    "Model y = w x with w = 0.5, squared error (w x - t)^2, mini-batch (x, t) = (1, 1), (2, 2). "
    "What is the batch gradient dL/dw (fit's L: the mean over the batch)?",
    (
        "The batch's loss is the mean of the samples' losses, so its gradient is the mean of theirs.",
        "Differentiate one sample's (w x - t)^2 with respect to w, evaluate it for both samples, "
        "then average.",
        "Per sample d/dw (w x - t)^2 = 2 (w x - t) x; the batch gradient is their mean.",
    ),
    [(lambda: _batch_gradient(reduce_mean=False), "that is the sum; fit averages over the batch.")],
)
def _batch_gradient_mean() -> float:
    return _batch_gradient()


def _batch(rng: random.Random) -> tuple[float, float, list[tuple[float, float]], float]:
    batch = [(rng.uniform(-2, 2), rng.uniform(-2, 2)) for _ in range(rng.randint(1, 6))]
    return rng.uniform(-1, 1), rng.uniform(-1, 1), batch, rng.choice([0.1, 0.05, 0.01])


def _summed_step(w: float, b: float, batch: list[tuple[float, float]], lr: float) -> tuple[float, float]:
    gw = sum(2 * (w * x + b - t) * x for x, t in batch)
    gb = sum(2 * (w * x + b - t) for x, t in batch)
    return w - lr * gw, b - lr * gb


@code(
    "09-minibatch-step",
    "Write minibatch_step(w, b, batch, lr): one step of gradient descent for the model y = w x + b on a "
    "mini-batch [(x, t), ...], with the loss the mean over the batch of (w x + b - t)^2. Return (new "
    "w, new b).",
    (
        "One step: the batch's gradient for each parameter, then move each parameter against it.",
        "Each sample's error e = w x + b - t gives d/dw = 2 e x and d/db = 2 e; the batch gradient "
        "is their mean.",
        "n = len(batch); gw = sum(2 * (w * x + b - t) * x for x, t in batch) / n; "
        "gb = sum(2 * (w * x + b - t) for x, t in batch) / n; return (w - lr * gw, b - lr * gb)",
    ),
    _batch,
    [
        (
            _summed_step,
            "that steps with the batch's sum; the loss is the mean: divide the gradient by the batch size.",
        ),
        (
            lambda w, b, batch, lr: tuple(
                2 * p - q for p, q in zip((w, b), _minibatch_step(w, b, batch, lr))
            ),
            "the step goes against the gradient: subtract lr times it.",
        ),
    ],
    fixed=((0.5, 0.0, [(1.0, 1.0), (2.0, 2.0)], 0.1),),
    rtol=1e-9,
    atol=1e-12,
)
def _minibatch_step(w: float, b: float, batch: list[tuple[float, float]], lr: float) -> tuple[float, float]:
    weight, bias = Value(w), Value(b)
    terms = [losses.mse(weight * x + bias, t) for x, t in batch]
    loss = sum(terms[1:], terms[0]) * (1.0 / len(batch))
    loss.backward()
    optim.SGD([weight, bias], lr=lr).step()
    return float(weight.data), float(bias.data)
