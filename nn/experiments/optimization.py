"""Experiments on optimisation: plain gradient descent, epochs, learning rates, batch
sizes and optimizers."""

from __future__ import annotations

import math
import time
import warnings
from typing import Any

from autograd_core import Value

from .. import optim
from ..data import make_moons, train_test_split
from ..losses import bce
from ..training import fit, predict
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
        "Iteration vs error, plain full-batch gradient descent (SGD lr 0.5, no momentum; 2-8-1 tanh, "
        f"bce, {len(X)} moons points; {iters} iterations, one per epoch)",
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
            f"validation loss rises to {hist['val_loss'][-1]:.4g}: early stopping would keep epoch {best}."
        )
    else:
        note = "Validation loss is still falling at the last epoch: run longer to see it turn up."
    return Table(
        "epochs",
        f"Epoch vs training and validation loss (2-64-64-1 relu on {len(X)} moons points, noise 0.35; "
        f"Adam lr 0.01, full batch, {n} epochs)",
        ["epoch", "training loss", "validation loss"],
        rows,
        note,
        plot=("epoch", ["training loss", "validation loss"]),
    )


#: The learning rates tried: a decade apart, the last one too large (it diverges).
LEARNING_RATES = (0.001, 0.01, 0.1, 1.0, 10.0)


@experiment("learning_rate", "learning rate (0.001, 0.01, 0.1, 1.0, 10) vs validation accuracy")
def learning_rate(quick: bool) -> Table:
    """The same network and epochs, five learning rates a decade apart, plain SGD.

    The hidden units are leaky relu: an overshooting step then blows the loss up to
    infinity, as the textbook picture of divergence shows. (With plain relu the same
    overshoot kills the units instead: the loss stays finite and the network is stuck
    at chance; lesson 6 shows this "dying relu".)"""
    X, Xv, y, yv = _moons()
    n = 40 if quick else 200
    rows = []
    for lr in LEARNING_RATES:
        model = mlp(2, [16, 16, 1], activation="leaky_relu")
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
                f"diverged at epoch {len(hist)} (loss {hist['loss'][-1]:.3g})" if hist.diverged else "",
            ]
        )
    best = f"{float(best_row(rows, 2)):g}"
    diverged = [f"{r[0]:g}" for r in rows if r[3]]
    return Table(
        "learning_rate",
        f"Learning rate vs validation accuracy (plain SGD, no momentum, batch 16, {n} epochs; "
        f"2-16-16-1 leaky relu, {len(X)} moons points)",
        ["learning rate", "final training loss", "validation accuracy", "note"],
        rows,
        "Too small and the weights barely move in the epochs given; too large and each step "
        "overshoots the valley further than the last, so the loss grows until it is inf or nan "
        f"(diverged here: lr = {', '.join(diverged) or 'none'}). Here lr = {best} does best.",
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
        run = fit(
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
        rows.append(
            ["full" if bs is None else bs, steps, run.total_seconds / n * 1000, _mean_bce(model, X, y)]
        )
    return Table(
        "batch_size",
        f"Mini-batch size vs time per epoch and final loss (plain SGD lr 0.05, no momentum, {n} epochs; "
        f"2-16-16-1 relu, {len(X)} moons points, compiled engine)",
        ["batch size", "updates per epoch", "ms per epoch", "final training loss"],
        rows,
        "Small batches make many cheap, noisy updates (more progress per epoch, more time per "
        "epoch); full batch makes one exact update per epoch. The final loss is the mean bce over "
        "the whole training set after the last epoch.",
    )


def _mean_bce(model: Any, X: Any, y: Any) -> float:
    """The mean bce of ``model`` over ``(X, y)`` (no penalty, eval mode)."""
    outputs = predict(model, X, engine="compiled")
    return math.fsum(bce(Value(z), t).data for z, t in zip(outputs, y)) / len(y)


@experiment("optimizer", "optimizer vs seconds and epochs to reach a target loss")
def optimizer(quick: bool) -> Table:
    """Six optimizers, full batch, until the training loss drops below a target."""
    X, _, y, _ = _moons(200, noise=0.1)
    target = 0.1
    n = 150 if quick else 600
    rows = []
    for name, (settings, make) in OPTIMIZERS.items():
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
        rows.append([name, settings, reached, seconds if reached else None, hist["loss"][-1]])
    return Table(
        "optimizer",
        f"Optimizer vs epochs and seconds to reach training loss {target} (full batch, up to {n} epochs; "
        f"2-16-16-1 relu, bce, {len(X)} moons points, noise 0.1)",
        ["optimizer", "settings", "epochs to target", "seconds to target", f"loss after {n} epochs"],
        rows,
        "'-' means the target was not reached within the epochs given. Conjugate gradient "
        "evaluates the loss several times per epoch (its line search), so compare seconds too. "
        "These points can be separated without error, so the loss has no minimum: it goes on "
        "falling toward 0 while the weights grow, and optimizers whose steps grow (Rprop, "
        "conjugate gradient) reach losses far below 1e-10.",
    )


#: The optimizers raced (name -> (settings as the table shows them, maker)), with the
#: learning rates each one is given; other hyperparameters are the torch.optim defaults.
OPTIMIZERS: dict[str, tuple[str, Any]] = {
    "gradient descent": ("lr 0.5", lambda p: optim.SGD(p, lr=0.5)),
    "momentum": ("lr 0.1, momentum 0.9", lambda p: optim.SGD(p, lr=0.1, momentum=0.9)),
    "Rprop": ("first step 0.01, etas (0.5, 1.2)", lambda p: optim.Rprop(p, lr=0.01)),
    "conjugate gradient": ("first trial step 0.5", lambda p: optim.ConjugateGradient(p, lr=0.5)),
    "RMSprop": ("lr 0.01, alpha 0.99", lambda p: optim.RMSprop(p, lr=0.01)),
    "Adam": ("lr 0.02, betas (0.9, 0.999)", lambda p: optim.Adam(p, lr=0.02)),
}
