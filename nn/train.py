"""``fit``: the training loop (forward, error, backward, update, repeat), and predictions.

``batch_size=1`` is online (stochastic) training, ``None`` is full batch, any other
number is mini-batch. Samples are shuffled each epoch with a seeded generator, so a run
is reproducible. The loop validates everything before the first step, so bad input
fails at once with a clear message rather than after an hour.
"""

from __future__ import annotations

import math
import random
import time
import warnings
from collections.abc import Callable, Sequence
from typing import Any

from autograd_core import Value, gc_paused, no_grad, vsum

from .compiled import CompiledModel, forward_programs
from .history import History
from .losses import Loss, get_loss, l1_penalty, l2_penalty, one_hot
from .metrics import METRICS
from .module import Module
from .optim import Adam, Optimizer
from .schedules import LRScheduler

ENGINES = ("eager", "compiled")
_CLASSIFICATION = {"bce", "binary_cross_entropy", "cross_entropy", "hinge"}


def n_outputs(model: Module) -> int | None:
    """How many outputs the model gives per sample (``None`` if unknown)."""
    if hasattr(model, "nouts"):
        return int(model.nouts[-1])
    if hasattr(model, "nout"):
        return int(model.nout)
    return None


def _resolve_loss(loss: str | Loss, model: Module) -> tuple[Loss, str | None]:
    """The per-sample loss, told whether the model already applies sigmoid/softmax."""
    name = loss if isinstance(loss, str) else None
    fn = get_loss(loss)
    out_act = getattr(model, "output_activation", None)
    if name in ("bce", "binary_cross_entropy") and out_act == "sigmoid":
        return (lambda o, t: fn(o, t, from_logits=False)), name  # type: ignore[call-arg]
    if name == "cross_entropy" and out_act == "softmax":
        return (lambda o, t: fn(o, t, from_logits=False)), name  # type: ignore[call-arg]
    return fn, name


def _check_data(model: Module, X: Sequence[Any], y: Sequence[Any], loss_name: str | None, what: str) -> None:
    if len(X) == 0:
        raise ValueError(f"{what} is empty: fit needs at least one sample")
    if len(X) != len(y):
        raise ValueError(f"{what}: X has {len(X)} samples but y has {len(y)} labels")
    for i, x in enumerate(X):
        try:
            model.check_input(x)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"{what}: sample {i}: {exc}") from None
        flat = x if isinstance(x, (list, tuple)) else [x]
        for v in flat:
            if isinstance(v, (int, float)) and not math.isfinite(v):
                raise ValueError(f"{what}: sample {i} contains {v} (NaN or inf)")
    k = n_outputs(model)
    if loss_name in _CLASSIFICATION:
        binary = loss_name in ("bce", "binary_cross_entropy") or k == 1
        limit = 2 if binary else (k or 0)
        for i, t in enumerate(y):
            if isinstance(t, bool) or not isinstance(t, (int, float)) or t != int(t) or not 0 <= t < limit:
                allowed = "0 or 1" if binary else f"0..{limit - 1} (the model has {k} outputs)"
                raise ValueError(f"{what}: label {t!r} of sample {i} is outside the classes {allowed}")
        if loss_name == "cross_entropy" and (k or 0) < 2:
            raise ValueError(f"cross_entropy needs a model with >= 2 outputs, this one has {k}")
    elif loss_name == "mse":
        for i, t in enumerate(y):
            vals = t if isinstance(t, (list, tuple)) else [t]
            if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in vals):
                raise ValueError(f"{what}: target of sample {i} is not a finite number: {t!r}")


def _plain(data: Any) -> list[Any]:
    """NumPy arrays (and their scalars) become plain lists of floats and ints."""
    return data.tolist() if hasattr(data, "tolist") else list(data)


def _class_weights(y: Sequence[Any], class_weight: Any) -> dict[int, float] | None:
    if class_weight is None:
        return None
    if class_weight == "balanced":
        # n_samples / (n_classes * count(c)), scikit-learn's "balanced" heuristic.
        counts: dict[int, int] = {}
        for t in y:
            counts[int(t)] = counts.get(int(t), 0) + 1
        return {c: len(y) / (len(counts) * n) for c, n in counts.items()}
    if isinstance(class_weight, dict):
        return {int(k): float(v) for k, v in class_weight.items()}
    raise ValueError(f"class_weight must be None, 'balanced' or a dict, got {class_weight!r}")


def layer_gradient_means(model: Module) -> list[float]:
    """Mean |grad| of the weights (not biases) of each layer, in order: ``layers.0``,
    ``layers.1``, ... for an MLP; ``wx``, ``wh``, ``wy`` for an RNN."""
    groups: dict[str, list[float]] = {}
    for name, p in model.named_parameters():
        if name.endswith(".b"):
            continue
        parts = name.split(".")
        key = ".".join(parts[:2]) if parts[0] == "layers" else parts[0]
        g = p.grad.data if isinstance(p.grad, Value) else p.grad
        groups.setdefault(key, []).append(abs(g))
    return [math.fsum(v) / len(v) for v in groups.values()]


def predict(model: Module, X: Sequence[Any], engine: str = "eager") -> list[Any]:
    """The model's outputs as plain floats (lists of floats for several outputs), in
    eval mode and without recording a graph. ``engine="compiled"`` runs the whole batch
    as one NumPy program (much faster for many samples)."""
    _check_engine(engine)
    X = _plain(X)
    was_training = model.training
    model.eval()
    try:
        if engine == "compiled":
            return forward_programs(model).predict(X)
        with no_grad():
            return [_to_float(model(x)) for x in X]
    finally:
        model.train(was_training)


def _check_engine(engine: str) -> None:
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; choose one of {ENGINES}")


def _to_float(out: Any) -> Any:
    if isinstance(out, Value):
        return out.data
    return [_to_float(o) for o in out]


def predict_classes(model: Module, X: Sequence[Any], engine: str = "eager") -> list[int]:
    """Class labels: argmax over several outputs; for one output, 1 when the output is
    above 0.5 (sigmoid output) or above 0 (a logit or a margin score)."""
    threshold = 0.5 if getattr(model, "output_activation", None) == "sigmoid" else 0.0
    labels = []
    for out in predict(model, X, engine):
        if isinstance(out, list):
            labels.append(max(range(len(out)), key=out.__getitem__))
        else:
            labels.append(int(out > threshold))
    return labels


def _epoch_loss(
    model: Module, loss_fn: Loss, X: Sequence[Any], y: Sequence[Any], compiled: CompiledModel | None
) -> float:
    was_training = model.training
    model.eval()
    try:
        if compiled is not None:
            return compiled.loss(X, y, 1.0 / len(X))
        with no_grad():
            return math.fsum(loss_fn(model(x), t).data for x, t in zip(X, y)) / len(X)
    finally:
        model.train(was_training)


def _progress_bar(epochs: int, enabled: bool) -> Any:
    if not enabled:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        warnings.warn(
            "progress=True needs tqdm (pip install 'chainrule[progress]'); training without a bar",
            stacklevel=3,
        )
        return None
    return tqdm(total=epochs, desc="training", unit="epoch")


def fit(
    model: Module,
    X: Sequence[Any],
    y: Sequence[Any],
    loss: str | Loss = "mse",
    optimizer: Optimizer | None = None,
    epochs: int = 100,
    batch_size: int | None = None,
    validation: tuple[Sequence[Any], Sequence[Any]] | None = None,
    early_stopping: int | None = None,
    metrics: Sequence[str | Callable[[list[Any], list[int]], float]] = (),
    progress: bool = True,
    seed: int | None = 0,
    l1: float = 0.0,
    l2: float = 0.0,
    scheduler: LRScheduler | None = None,
    class_weight: Any = None,
    shuffle: bool = True,
    min_delta: float = 0.0,
    track_gradients: bool = False,
    engine: str = "eager",
) -> History:
    """Train ``model`` on ``(X, y)`` and return a ``History`` of every epoch.

    loss: a name ("mse", "bce", "cross_entropy", "hinge") or ``loss(output, target)``.
    optimizer: any ``nn.optim`` optimizer over ``model.parameters()`` (default Adam, lr 0.01).
    batch_size: 1 online, ``None`` full batch, else mini-batch. ``validation=(Xv, yv)``
    is evaluated each epoch; ``early_stopping=patience`` stops after that many epochs
    without a better validation loss (training loss without validation) and restores
    the best weights. ``metrics``: names from ``nn.metrics`` ("accuracy", "precision",
    "recall", "f1") or ``f(y_true, y_pred)``. ``l1``/``l2``: penalty strengths on the
    weights (not biases). ``class_weight``: ``"balanced"`` or ``{label: weight}``.
    ``track_gradients`` records each layer's mean |grad| per epoch in
    ``history.grad_flow`` (for ``nn.plots.plot_gradient_flow``). ``engine``:
    ``"eager"`` builds the graph of every sample (what the pictures show);
    ``"compiled"`` traces the per-sample loss once and runs each batch as one NumPy
    program (see ``autograd_core.compile``; same numbers to ~1e-12, far faster).
    """
    _check_engine(engine)
    loss_fn, loss_name = _resolve_loss(loss, model)
    if not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be an integer >= 1, got {epochs!r}")
    if batch_size is not None and (not isinstance(batch_size, int) or batch_size < 1):
        raise ValueError(f"batch_size must be None (full batch) or an integer >= 1, got {batch_size!r}")
    if early_stopping is not None and (not isinstance(early_stopping, int) or early_stopping < 1):
        raise ValueError(f"early_stopping must be a patience >= 1 (epochs), got {early_stopping!r}")
    X, y = _plain(X), _plain(y)
    _check_data(model, X, y, loss_name, "training data")
    Xv: list[Any] = []
    yv: list[Any] = []
    if validation is not None:
        Xv, yv = _plain(validation[0]), _plain(validation[1])
        _check_data(model, Xv, yv, loss_name, "validation data")
    metric_fns: list[tuple[str, Callable[..., float]]] = []
    for m in metrics:
        if isinstance(m, str):
            if m not in METRICS:
                raise ValueError(f"unknown metric {m!r}; choose from {sorted(METRICS)} or pass a function")
            metric_fns.append((m, METRICS[m]))
        else:
            metric_fns.append((getattr(m, "__name__", "metric"), m))
    if optimizer is None:
        optimizer = Adam(model.parameters(), lr=0.01)
    weights = _class_weights(y, class_weight)
    penalized = model.weights() if (l1 or l2) else []

    history = History()
    rng = random.Random(seed)
    order = list(range(len(X)))
    size = batch_size or len(X)
    best = math.inf
    best_state: dict[str, float] | None = None
    waited = 0
    bar = _progress_bar(epochs, progress)
    model.train()

    compiled = None
    if engine == "compiled":
        k = n_outputs(model) or 1
        multi = loss_name == "cross_entropy" or (loss_name == "hinge" and k > 1)
        compiled = CompiledModel(model, loss_fn, (lambda t: one_hot(t, k)) if multi else None)

    def weight_of(target: Any) -> float:
        return weights.get(int(target), 1.0) if weights is not None else 1.0

    def penalty() -> Value | None:
        if not (l1 or l2):
            return None
        total = Value(0.0)
        if l1:
            total = total + l1_penalty(penalized) * l1
        if l2:
            total = total + l2_penalty(penalized) * l2
        return total

    def batch_loss(idx: list[int]) -> Value:
        terms = []
        for i in idx:
            term = loss_fn(model(X[i]), y[i])
            if weights is not None:
                term = term * weights.get(int(y[i]), 1.0)
            terms.append(term)
        total = vsum(terms) * (1.0 / len(idx))
        extra = penalty()
        return total if extra is None else total + extra

    try:
        for epoch in range(1, epochs + 1):
            start = time.perf_counter()
            if shuffle:
                rng.shuffle(order)
            seen, running = 0, 0.0
            flow: list[list[float]] = []
            for b in range(0, len(order), size):
                idx = order[b : b + size]

                def closure(idx: list[int] = idx) -> float:
                    optimizer.zero_grad()
                    if compiled is not None:
                        value = compiled.loss_and_grad(
                            [X[i] for i in idx], [y[i] for i in idx], weight_of, 1.0 / len(idx)
                        )
                        extra = penalty()
                        if extra is not None:
                            extra.backward()
                            value += extra.data
                        return value
                    with gc_paused():
                        total = batch_loss(idx)
                        total.backward()
                    return total.data

                if optimizer.needs_closure:
                    value = float(optimizer.step(closure))
                else:
                    value = closure()
                    optimizer.step()
                if track_gradients:
                    flow.append(layer_gradient_means(model))
                running += value * len(idx)
                seen += len(idx)
            train_loss = running / seen
            if flow:
                history.grad_flow.append([math.fsum(col) / len(flow) for col in zip(*flow)])
            row: dict[str, Any] = {"epoch": epoch, "loss": train_loss}
            if validation is not None:
                row["val_loss"] = _epoch_loss(model, loss_fn, Xv, yv, compiled)
            if metric_fns:
                pred = predict_classes(model, X, engine)
                for name, fn in metric_fns:
                    row[name] = fn(y, pred)
                if validation is not None:
                    pred_v = predict_classes(model, Xv, engine)
                    for name, fn in metric_fns:
                        row[f"val_{name}"] = fn(yv, pred_v)
            row["lr"] = optimizer.lr
            row["seconds"] = time.perf_counter() - start
            history.append(row)
            if bar is not None:
                bar.set_postfix(
                    {k: f"{v:.4g}" for k, v in row.items() if k in ("loss", "val_loss", "accuracy")}
                )
                bar.update(1)
            if not math.isfinite(train_loss):
                history.diverged = True
                warnings.warn(
                    f"training diverged at epoch {epoch} (loss {train_loss}); stopping", stacklevel=2
                )
                break
            if scheduler is not None:
                scheduler.step()
            if early_stopping is not None:
                monitored = row.get("val_loss", train_loss)
                if monitored < best - min_delta:
                    best, waited = monitored, 0
                    best_state = model.state_dict()
                    history.best_epoch = epoch
                else:
                    waited += 1
                    if waited >= early_stopping:
                        history.stopped_early = True
                        break
    finally:
        if bar is not None:
            bar.close()
    if best_state is not None:
        model.load_state_dict(best_state)
    return history
