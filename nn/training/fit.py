"""``fit``: the training loop. Five steps, repeated: forward, error, backward, update,
repeat.

``batch_size=1`` is online (stochastic) training, ``None`` is full batch, any other
number is mini-batch. Mini-batches are drawn from samples shuffled each epoch with a
seeded generator, so a run is reproducible (a full batch is every sample, in the order
given: shuffling it would only change how its sums round). Everything is validated
before the first step, so bad input fails at once with a clear message rather than
after an hour. Progress bars, early stopping, learning-rate schedules and gradient
tracking are callbacks (``nn.training.callbacks``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from ..losses import Loss, get_loss
from ..metrics import METRICS
from ..optim import Adam, LRScheduler, Optimizer
from ..optim.optimizers import PRESETS, make_optimizer
from ..rng import Seed, check_seed, generator
from .callbacks import Callback, EarlyStopping, GradientFlow, ProgressBar, SchedulerStep, StopOnDivergence
from .checks import check_count, check_strength, class_weights, read_data
from .engines import Penalty, check_dtype, check_engine, make_engine
from .history import History
from .predict import predict_classes

Metric = Callable[[list[Any], list[int]], float]


def resolve_loss(loss: str | Loss, model: Any) -> tuple[Loss, str | None]:
    """The per-sample loss, told whether the model already applies sigmoid/softmax."""
    name = loss if isinstance(loss, str) else None
    fn = get_loss(loss)
    out_act = getattr(model, "output_activation", None)
    if (name in ("bce", "binary_cross_entropy") and out_act == "sigmoid") or (
        name == "cross_entropy" and out_act == "softmax"
    ):
        return (lambda o, t: fn(o, t, from_logits=False)), name  # type: ignore[call-arg]
    return fn, name


def resolve_optimizer(optimizer: Any, model: Any) -> Optimizer:
    """``fit``'s optimizer: an ``nn.optim`` instance, a name from ``nn.optim.PRESETS``
    (Keras style: ``"adam"``), or ``None`` (Adam, lr 0.01). A class is refused with the
    call to make instead (it would fail later with a message about ``zero_grad``)."""
    if optimizer is None:
        return Adam(model.parameters(), lr=0.01)
    if isinstance(optimizer, str):
        return make_optimizer(optimizer, model.parameters())
    if isinstance(optimizer, type):
        name = optimizer.__name__
        raise TypeError(
            f"fit got the class optim.{name}, not an optimizer: pass optim.{name}(model.parameters(), "
            f"lr=...), or a name such as optimizer={name.lower()!r}"
        )
    if not isinstance(optimizer, Optimizer):
        raise TypeError(
            f"optimizer must be an nn.optim optimizer or one of the names {sorted(PRESETS)}, "
            f"got {type(optimizer).__name__} {optimizer!r:.60}"
        )
    return optimizer


def _metric_functions(metrics: Sequence[str | Metric]) -> list[tuple[str, Metric]]:
    found: list[tuple[str, Metric]] = []
    for m in metrics:
        if isinstance(m, str):
            if m not in METRICS:
                raise ValueError(f"unknown metric {m!r}; choose from {sorted(METRICS)} or pass a function")
            found.append((m, METRICS[m]))
        elif callable(m):
            found.append((getattr(m, "__name__", "metric"), m))
        else:
            raise TypeError(f"a metric is a name or a function f(y_true, y_pred), got {m!r:.60}")
    return found


def _validation(model: Any, validation: Any, loss_name: str | None, engine: str) -> tuple[Any, Any] | None:
    """The validation pair, checked and read once: for the compiled engine its samples
    as one array (no epoch reads them again: that took longer than the epoch's
    training at 5000 x 64), for the eager engine as lists."""
    if validation is None:
        return None
    if not isinstance(validation, (tuple, list)) or len(validation) != 2:
        raise ValueError("validation must be a pair (X_val, y_val)")
    names = ("validation X", "validation y")
    X, y, table, _ = read_data(model, validation[0], validation[1], loss_name, "validation data", names)
    if table is not None and engine == "compiled":
        return table, y
    return (X.tolist() if isinstance(X, np.ndarray) else X), y


class TrainingRun:
    """One call of ``fit``: the checked data, the engine, the optimizer, the callbacks
    and the history. ``stop`` set by a callback ends training after the epoch."""

    def __init__(
        self, model: Any, X: Any, y: Any, loss: str | Loss, optimizer: Optimizer | str | None, **opts: Any
    ):
        check_engine(opts["engine"])
        self.dtype = check_dtype(opts["engine"], opts.get("dtype", "float64"))
        check_count("batch_size", opts["batch_size"], allow_none=True)
        self.model = model
        self.loss_fn, loss_name = resolve_loss(loss, model)
        # Numbers in one array, read and checked once; every batch is rows of it (the
        # compiled engine's as arrays, the eager engine's as lists of floats for its graphs).
        self.X, self.y, self.table, self.targets = read_data(model, X, y, loss_name, "training data")
        self.validation = _validation(model, opts["validation"], loss_name, opts["engine"])
        self.metrics = _metric_functions(opts["metrics"])
        self.optimizer = resolve_optimizer(optimizer, model)
        weights = class_weights(self.y, opts["class_weight"])
        penalty = Penalty(model, check_strength("l1", opts["l1"]), check_strength("l2", opts["l2"]))
        weight = (lambda t: weights.get(int(t), 1.0)) if weights else None
        self.engine = make_engine(opts["engine"], model, self.loss_fn, loss_name, weight, penalty, self.dtype)
        self.engine_name = opts["engine"]
        self.batch_size = opts["batch_size"] or len(self.X)
        self.shuffle, self.seed = opts["shuffle"], check_seed(opts["seed"])
        self._rng: np.random.Generator | None = None
        self.order = np.arange(len(self.X))  # shuffled in place: as a list, the same permutations
        self.callbacks: list[Callback] = list(opts["callbacks"])
        self.history = History()
        self.stop = False
        self.running = self.seen = 0.0
        self.started = 0.0

    def batches(self) -> Iterator[np.ndarray]:
        """This epoch's batches of sample indices (shuffled when ``shuffle``). A full
        batch is not: it is every sample whatever their order (which only changes how
        its sums round), so its samples are the arrays as read, without a copy."""
        if self.shuffle and not self.full_batch:
            self.rng.shuffle(self.order)
        self.running = self.seen = 0.0
        self.started = time.perf_counter()
        for b in range(0, len(self.order), self.batch_size):
            yield self.order[b : b + self.batch_size]

    def step(self, idx: np.ndarray) -> float:
        """Forward, error, backward (the engine) and update (the optimizer) on a batch."""
        X, y = self.batch(idx)

        def closure() -> float:
            self.optimizer.zero_grad()
            return self.engine.loss_and_grad(X, y)

        if self.optimizer.needs_closure:  # e.g. conjugate gradient re-evaluates the loss
            loss = float(self.optimizer.step(closure))
        else:
            loss = closure()
            self.optimizer.step()
        self.running += loss * len(idx)
        self.seen += len(idx)
        for cb in self.callbacks:
            cb.on_batch_end(self, loss)
        return loss

    @property
    def rng(self) -> np.random.Generator:
        """The generator that shuffles, made on first use (a full batch never needs it,
        and making one is a tenth of a short ``fit`` call's fixed cost)."""
        if self._rng is None:
            self._rng = generator(self.seed)
        return self._rng

    @property
    def full_batch(self) -> bool:
        """Whether each epoch is one batch of every sample."""
        return self.batch_size >= len(self.order)

    def batch(self, idx: np.ndarray) -> tuple[Any, Any]:
        """The samples and targets at ``idx``: rows of the arrays read once when there are
        some (for the compiled engine all of them, without a copy, for a full batch; for
        the eager engine the rows as lists of floats), else the lists given."""
        if self.table is not None and self.engine_name == "eager":
            return self.table[idx].tolist(), [self.y[i] for i in idx.tolist()]
        if self.table is not None and self.targets is not None:
            if len(idx) == len(self.table):  # a full batch: never shuffled, so in order
                return self.table, self.targets[:, 0] if self.targets.shape[1] == 1 else self.targets
            t = self.targets[idx]
            return self.table[idx], t[:, 0] if t.shape[1] == 1 else t
        return [self.X[i] for i in idx.tolist()], [self.y[i] for i in idx.tolist()]

    def end_epoch(self, epoch: int) -> dict[str, Any]:
        """Measure the epoch (loss, validation loss, metrics), record it, tell callbacks."""
        row: dict[str, Any] = {"epoch": epoch, "loss": self.running / self.seen}
        if self.validation is not None:
            row["val_loss"] = self.engine.loss(*self.validation)
        if self.metrics:
            self._measure(row, "", self.X, self.y)
            if self.validation is not None:
                self._measure(row, "val_", *self.validation)
        row["lr"] = self.optimizer.lr
        row["seconds"] = time.perf_counter() - self.started
        self.history.append(row)
        for cb in self.callbacks:
            cb.on_epoch_end(self, row)
        return row

    def _measure(self, row: dict[str, Any], prefix: str, X: Any, y: Any) -> None:
        predicted = predict_classes(self.model, X, self.engine_name, self.dtype)
        for name, fn in self.metrics:
            row[prefix + name] = fn(y, predicted)


def _standard_callbacks(
    track_gradients: bool, scheduler: LRScheduler | None, patience: int | None, min_delta: float
) -> list[Callback]:
    """The callbacks ``fit``'s own arguments ask for, in the order they must run."""
    found: list[Callback] = [GradientFlow()] if track_gradients else []
    found.append(StopOnDivergence())
    if scheduler is not None:
        found.append(SchedulerStep(scheduler))
    if patience is not None:
        found.append(EarlyStopping(patience, min_delta))
    return found


def fit(
    model: Any,
    X: Any,
    y: Any,
    loss: str | Loss = "mse",
    optimizer: Optimizer | str | None = None,
    epochs: int = 100,
    batch_size: int | None = None,
    validation: tuple[Any, Any] | None = None,
    early_stopping: int | None = None,
    metrics: Sequence[str | Metric] = (),
    progress: bool = True,
    seed: Seed = 0,
    l1: float = 0.0,
    l2: float = 0.0,
    scheduler: LRScheduler | None = None,
    class_weight: Any = None,
    shuffle: bool = True,
    min_delta: float = 0.0,
    track_gradients: bool = False,
    engine: str = "eager",
    callbacks: Sequence[Callback] = (),
    dtype: str = "float64",
) -> History:
    """Train ``model`` on ``(X, y)`` and return a ``History`` of every epoch.

    loss: a name ("mse", "bce", "cross_entropy", "hinge") or ``loss(output, target)``.
    optimizer: any ``nn.optim`` optimizer instance (default Adam, lr 0.01), or a name, as in
    Keras: ``"adam"`` (Adam, lr 0.01), ``"adamw"`` (AdamW, lr 0.01, weight decay 0.01),
    ``"sgd"`` (lr 0.1), ``"momentum"`` (SGD, lr 0.05, momentum 0.9), ``"nesterov"`` (the
    same with Nesterov momentum), ``"rmsprop"`` (lr 0.01), ``"rprop"`` (lr 0.01), ``"cg"``
    (conjugate gradient; ``nn.optim.PRESETS`` holds the list). batch_size: 1 online,
    ``None`` full batch, else mini-batch. ``validation=(Xv, yv)`` is evaluated each epoch;
    ``early_stopping=patience`` stops after that many epochs without a better (by
    ``min_delta``) validation loss, else training loss, and restores the best weights.
    metrics: names from ``nn.metrics`` or ``f(y_true, y_pred)``. ``l1``/``l2``: penalty
    strengths on the weights (not biases). ``class_weight``: ``"balanced"`` or ``{label:
    weight}``. ``track_gradients``: each layer's mean |grad| per epoch in
    ``history.grad_flow``. engine: ``"eager"`` (every graph built, as the pictures show)
    or ``"compiled"`` (traced once, batches run as NumPy programs; same numbers).
    dtype: the compiled engine's precision, ``"float64"`` (default) or ``"float32"``
    (about twice as fast on large batches; its loss curve follows float64's to about 1e-5
    relative). callbacks: more ``Callback`` objects. X and y: lists, arrays or DataFrames.
    """
    check_count("epochs", epochs)
    extra = _standard_callbacks(track_gradients, scheduler, early_stopping, min_delta)
    run = TrainingRun(model, X, y, loss, optimizer, engine=engine, batch_size=batch_size,
                      validation=validation, metrics=metrics, seed=seed, l1=l1, l2=l2, shuffle=shuffle,
                      class_weight=class_weight, callbacks=[*extra, *callbacks], dtype=dtype)  # fmt: skip
    if progress:  # made last: a bar appears only once the arguments are known to be good
        run.callbacks.insert(0, ProgressBar(epochs))
    model.train()
    return _train(run, epochs)


def _train(run: TrainingRun, epochs: int) -> History:
    """The loop itself: the five steps, epoch after epoch, the callbacks around them."""
    for cb in run.callbacks:
        cb.on_train_begin(run)
    try:
        for epoch in range(1, epochs + 1):
            for batch in run.batches():  # repeat, batch by batch
                run.step(batch)  # forward, error, backward, update
            run.end_epoch(epoch)
            if run.stop:
                break
    finally:
        for cb in run.callbacks:
            cb.on_train_end(run)
    return run.history
