"""Experiments on optimisation: plain gradient descent, epochs, learning rates, batch
sizes and optimizers."""

from __future__ import annotations

import math
import time
import warnings
from typing import Any

from .. import optim
from ..data import make_moons, train_test_split
from ..training import fit
from .core import Table, acc, best_row, experiment, first_epoch, mlp


def _moons(n: int = 200, noise: float = 0.2, seed: int = 0) -> tuple[Any, Any, Any, Any]:
    X, y = make_moons(n, noise=noise, seed=seed)
    return train_test_split(X, y, test_size=0.3, seed=seed, stratify=True)


@experiment("gradient_descent", "iteration vs error for plain (full-batch) gradient descent")
def gradient_descent(quick: bool) -> Table:
    """Each iteration: forward over all samples, error, backward, one step down the gradient."""
    X, _, y, _ = _moons(100 if quick else 200)
    model = mlp(2, [8, 1], activation="tanh")
    iters = 60 if quick else 300
    hist = fit(
        model,
        X,
        y,
        loss="bce",
        optimizer=optim.SGD(model.parameters(), lr=0.5),
        epochs=iters,
        metrics=["accuracy"],
        progress=False,
        engine="compiled",
    )
    marks = [1, 2, 3, 5, 10, 20, 30, 50, 100, 150, 200, 300]
    rows = [[k, hist["loss"][k - 1], hist["accuracy"][k - 1]] for k in marks if k <= iters]
    return Table(
        "gradient_descent",
        "Iteration vs error, plain gradient descent (lr 0.5, moons, 2-8-1 tanh)",
        ["iteration", "error (cross-entropy)", "training accuracy"],
        rows,
        "The error falls fast at first, then slowly: the gradient shrinks as the minimum nears.",
        plot=("iteration", ["error (cross-entropy)"]),
    )


@experiment("epochs", "epoch vs training and validation loss (overfitting shows up)")
def epochs(quick: bool) -> Table:
    """A big network on few noisy points: training loss keeps falling, validation turns up."""
    X, Xv, y, yv = _moons(80, noise=0.35, seed=1)
    model = mlp(2, [64, 64, 1])
    n = 150 if quick else 300
    hist = fit(
        model,
        X,
        y,
        loss="bce",
        optimizer=optim.Adam(model.parameters(), lr=0.01),
        epochs=n,
        validation=(Xv, yv),
        progress=False,
        engine="compiled",
    )
    step = max(1, n // 12)
    rows = [
        [e, hist["loss"][e - 1], hist["val_loss"][e - 1]] for e in range(1, n + 1) if e == 1 or e % step == 0
    ]
    best = min(range(n), key=lambda i: hist["val_loss"][i]) + 1
    if best < n:
        note = (
            f"Validation loss is lowest at epoch {best} ({hist['val_loss'][best - 1]:.4g}); after that the "
            f"network memorises the noise (training loss still falls, to {hist['loss'][-1]:.4g}) and "
            f"validation loss rises to {hist['val_loss'][-1]:.4g}: early stopping would stop at {best}."
        )
    else:
        note = "Validation loss is still falling at the last epoch: run longer to see it turn up."
    return Table(
        "epochs",
        "Epoch vs training and validation loss (2-64-64-1 on 56 noisy moons points)",
        ["epoch", "training loss", "validation loss"],
        rows,
        note,
        plot=("epoch", ["training loss", "validation loss"]),
    )


@experiment("learning_rate", "learning rate (0.001, 0.01, 0.1, 1.0) vs validation accuracy")
def learning_rate(quick: bool) -> Table:
    """The same network and epochs, four learning rates, plain SGD."""
    X, Xv, y, yv = _moons()
    n = 40 if quick else 200
    rows = []
    for lr in (0.001, 0.01, 0.1, 1.0):
        model = mlp(2, [16, 16, 1])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            hist = fit(
                model,
                X,
                y,
                loss="bce",
                optimizer=optim.SGD(model.parameters(), lr=lr),
                epochs=n,
                batch_size=16,
                validation=(Xv, yv),
                progress=False,
                engine="compiled",
            )
        ok = not hist.diverged
        rows.append(
            [
                lr,
                hist["loss"][-1] if ok else math.nan,
                acc(model, Xv, yv) if ok else None,
                "diverged" if hist.diverged else "",
            ]
        )
    best = best_row(rows, 2)
    return Table(
        "learning_rate",
        f"Learning rate vs validation accuracy (SGD, batch 16, {n} epochs, moons)",
        ["learning rate", "final training loss", "validation accuracy", "note"],
        rows,
        f"Too small and the weights barely move in the epochs given; too large and steps overshoot "
        f"(a diverged run is marked). Here lr = {best} does best.",
        plot=("learning rate", ["validation accuracy"]),
    )


@experiment("batch_size", "mini-batch size (1, 10, 100, full) vs time per epoch and final loss")
def batch_size(quick: bool) -> Table:
    """Online, mini-batch and full-batch training for the same number of epochs."""
    X, _, y, _ = _moons(200)
    n = 10 if quick else 40
    rows = []
    for bs in (1, 10, 100, None):
        model = mlp(2, [16, 16, 1])
        hist = fit(
            model,
            X,
            y,
            loss="bce",
            optimizer=optim.SGD(model.parameters(), lr=0.05),
            epochs=n,
            batch_size=bs,
            progress=False,
            engine="compiled",
        )
        steps = math.ceil(len(X) / (bs or len(X)))
        rows.append(["full" if bs is None else bs, steps, hist.total_seconds / n * 1000, hist["loss"][-1]])
    return Table(
        "batch_size",
        f"Mini-batch size vs time per epoch and final loss (SGD lr 0.05, {n} epochs, 140 samples)",
        ["batch size", "updates per epoch", "ms per epoch", "final training loss"],
        rows,
        "Small batches make many cheap, noisy updates (more progress per epoch, more time per "
        "epoch); full batch makes one exact update per epoch.",
    )


@experiment("optimizer", "optimizer vs seconds and epochs to reach a target loss")
def optimizer(quick: bool) -> Table:
    """Six optimizers, full batch, until the training loss drops below a target."""
    X, _, y, _ = _moons(200, noise=0.1)
    target = 0.1
    n = 150 if quick else 600
    makers = {
        "gradient descent": lambda p: optim.SGD(p, lr=0.5),
        "momentum": lambda p: optim.SGD(p, lr=0.1, momentum=0.9),
        "Rprop": lambda p: optim.Rprop(p, lr=0.01),
        "conjugate gradient": lambda p: optim.ConjugateGradient(p, lr=0.5),
        "RMSprop": lambda p: optim.RMSprop(p, lr=0.01),
        "Adam": lambda p: optim.Adam(p, lr=0.02),
    }
    rows = []
    for name, make in makers.items():
        model = mlp(2, [16, 16, 1])
        start = time.perf_counter()
        hist = fit(
            model,
            X,
            y,
            loss="bce",
            optimizer=make(model.parameters()),
            epochs=n,
            progress=False,
            engine="compiled",
            early_stopping=None,
        )
        reached = first_epoch(hist["loss"], lambda v: v < target)
        seconds = sum(hist["seconds"][:reached]) if reached else time.perf_counter() - start
        rows.append([name, reached, seconds if reached else None, hist["loss"][-1]])
    return Table(
        "optimizer",
        f"Optimizer vs epochs and seconds to reach training loss {target} (full batch, moons)",
        ["optimizer", "epochs to target", "seconds to target", f"loss after {n} epochs"],
        rows,
        "'-' means the target was not reached within the epochs given. Conjugate gradient "
        "evaluates the loss several times per epoch (its line search), so compare seconds too.",
    )
