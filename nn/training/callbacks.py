"""Callbacks: what ``fit`` does besides the five steps, as Keras's ``callbacks=[...]``.

A callback is told when training begins, after every batch and after every epoch, and
when training ends. ``fit`` builds the ones its arguments ask for (``progress``,
``early_stopping``, ``scheduler``, ``track_gradients``); pass your own in
``callbacks=[...]``. A callback stops training by setting ``run.stop = True``.
"""

from __future__ import annotations

import math
import warnings
from typing import Any, Protocol

from .history import History


class TrainingRun(Protocol):
    """What a callback sees of the run (``nn.training.fit.TrainingRun``)."""

    model: Any
    history: History
    stop: bool


class Callback:
    """Base class: every hook does nothing."""

    def on_train_begin(self, run: TrainingRun) -> None:
        """Before the first epoch."""

    def on_batch_end(self, run: TrainingRun, loss: float) -> None:
        """After each optimizer step (``loss``: the batch's loss before the step)."""

    def on_epoch_end(self, run: TrainingRun, row: dict[str, Any]) -> None:
        """After each epoch, with the row just added to the history."""

    def on_train_end(self, run: TrainingRun) -> None:
        """After the last epoch, also when training stopped early or failed."""


class StopOnDivergence(Callback):
    """Stop (with a warning) as soon as the training loss is nan or inf, or has grown
    ``factor`` times (ten orders of magnitude) above the first epoch's: a run that far
    off has diverged even while its numbers are still finite (dead relu units can hold
    a loss of 1e280 steady)."""

    def __init__(self, factor: float = 1e10) -> None:
        self.factor = factor
        self.first: float | None = None

    def on_epoch_end(self, run: TrainingRun, row: dict[str, Any]) -> None:
        loss = row["loss"]
        if self.first is None and math.isfinite(loss):
            self.first = loss
        exploded = self.first is not None and abs(loss) > self.factor * max(abs(self.first), 1e-12)
        if not math.isfinite(loss) or exploded:
            run.history.diverged = True
            run.stop = True
            if math.isnan(loss):
                what = f"the loss became nan at epoch {row['epoch']}"
            elif math.isinf(loss):
                what = f"the loss became inf at epoch {row['epoch']}"
            else:
                limit = self.factor * max(abs(self.first or 0.0), 1e-12)
                what = (
                    f"the loss passed {limit:.3g} ({self.factor:.0e} times the first epoch's "
                    f"{self.first:.4g}) at epoch {row['epoch']}, reaching {loss:.4g}"
                )
            run.history.divergence = what
            warnings.warn(f"training diverged: {what}; stopping", stacklevel=4)


class SchedulerStep(Callback):
    """Step a learning-rate schedule once per epoch (after the optimizer's steps)."""

    def __init__(self, scheduler: Any) -> None:
        self.scheduler = scheduler

    def on_epoch_end(self, run: TrainingRun, row: dict[str, Any]) -> None:
        if not run.stop:
            self.scheduler.step()


class EarlyStopping(Callback):
    """Stop after ``patience`` epochs without a better monitored loss (``val_loss`` when
    there is validation data, else ``loss``; better means lower by more than
    ``min_delta``) and restore the weights of the best epoch."""

    def __init__(self, patience: int, min_delta: float = 0.0) -> None:
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 1:
            raise ValueError(f"early_stopping must be a patience >= 1 (epochs), got {patience!r}")
        if not math.isfinite(min_delta) or min_delta < 0:
            raise ValueError(f"min_delta must be a finite number >= 0, got {min_delta!r}")
        self.patience, self.min_delta = patience, min_delta
        self.best = math.inf
        self.best_state: dict[str, float] | None = None
        self.waited = 0

    def on_epoch_end(self, run: TrainingRun, row: dict[str, Any]) -> None:
        if run.stop:
            return
        monitored = row.get("val_loss", row["loss"])
        if monitored < self.best - self.min_delta:
            self.best, self.waited = monitored, 0
            self.best_state = run.model.state_dict()
            run.history.best_epoch = row["epoch"]
            return
        self.waited += 1
        if self.waited >= self.patience:
            run.history.stopped_early = True
            run.stop = True

    def on_train_end(self, run: TrainingRun) -> None:
        if self.best_state is not None:
            run.model.load_state_dict(self.best_state)


class GradientFlow(Callback):
    """Record each layer's mean |grad| per epoch in ``history.grad_flow`` (the average
    over the epoch's batches), for ``nn.viz.plot_gradient_flow``."""

    def __init__(self) -> None:
        self.batches: list[list[float]] = []

    def on_batch_end(self, run: TrainingRun, loss: float) -> None:
        self.batches.append(layer_gradient_means(run.model))

    def on_epoch_end(self, run: TrainingRun, row: dict[str, Any]) -> None:
        if self.batches:
            run.history.grad_flow.append([math.fsum(col) / len(self.batches) for col in zip(*self.batches)])
        self.batches = []


def layer_gradient_means(model: Any) -> list[float]:
    """Mean |grad| of the weights (not biases) of each layer, in order: ``layers.0``,
    ``layers.1``, ... for an MLP; ``wx``, ``wh``, ``wy`` for an RNN."""
    groups: dict[str, list[float]] = {}
    for name, p in model.named_weights():
        parts = name.split(".")
        key = ".".join(parts[:2]) if parts[0] == "layers" else parts[0]
        g = getattr(p.grad, "data", p.grad)
        groups.setdefault(key, []).append(abs(g))
    return [math.fsum(v) / len(v) for v in groups.values()]


class ProgressBar(Callback):
    """A tqdm bar (in Jupyter, a widget) with the loss, validation loss and accuracy."""

    def __init__(self, epochs: int) -> None:
        self.bar: Any = None
        try:
            from tqdm.auto import tqdm
        except ImportError:
            warnings.warn(
                "progress=True needs tqdm (pip install 'chainrule[progress]'); training without a bar",
                stacklevel=4,
            )
            return
        self.bar = tqdm(total=epochs, desc="training", unit="epoch")

    def on_epoch_end(self, run: TrainingRun, row: dict[str, Any]) -> None:
        if self.bar is not None:
            shown = {k: f"{v:.4g}" for k, v in row.items() if k in ("loss", "val_loss", "accuracy")}
            self.bar.set_postfix(shown)
            self.bar.update(1)

    def on_train_end(self, run: TrainingRun) -> None:
        if self.bar is not None:
            self.bar.close()
