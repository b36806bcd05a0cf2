"""The two engines ``fit`` can train with, behind one interface.

``loss_and_grad(X, y)`` is steps 1-3 of training (forward, error, backward) on one
batch: it returns the batch's mean loss and leaves its gradient in every parameter's
``.grad``. ``loss(X, y)`` is the mean loss alone, in eval mode. Both weight each
sample by its class weight and add the L1/L2 penalty, so ``fit`` never asks which
engine it has.

* ``EagerEngine`` builds the graph of every sample (what the pictures show);
* ``CompiledEngine`` traces the per-sample loss once and runs each batch as one NumPy
  program (see ``autograd_core.compile``; the same numbers to ~1e-12, far faster).
"""

from __future__ import annotations

import math
import weakref
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

from autograd_core import Value, gc_paused, no_grad, vsum
from autograd_core.compile import program_dtype

from ..losses import Loss, l1_penalty, l2_penalty, one_hot
from .checks import n_outputs
from .compiled import CompiledModel

ENGINES = ("eager", "compiled")
Weight = Callable[[Any], float] | None  # a sample's weight from its label; None: all 1


def check_engine(engine: Any) -> None:
    """Raise ``ValueError`` unless ``engine`` is one of ``ENGINES``."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; choose one of {ENGINES}")


class Penalty:
    """l1 * sum |w| + l2 * sum w^2 over the model's weights (not its biases)."""

    def __init__(self, model: Any, l1: float, l2: float) -> None:
        self.l1, self.l2 = l1, l2
        self.weights = model.weights() if (l1 or l2) else []

    def __call__(self) -> Value | None:
        if not self.weights:
            return None
        total = Value(0.0)
        if self.l1:
            total = total + l1_penalty(self.weights) * self.l1
        if self.l2:
            total = total + l2_penalty(self.weights) * self.l2
        return total


def _weighted(term: Value, weight: float) -> Value:
    return term if weight == 1.0 else term * weight  # no extra node when unweighted


class _Evaluating:
    """Eval mode for the duration (dropout off), restoring the model's mode after."""

    def __init__(self, model: Any) -> None:
        self.model = model

    def __enter__(self) -> None:
        self.was_training = self.model.training
        self.model.eval()

    def __exit__(self, *exc: object) -> None:
        self.model.train(self.was_training)


class EagerEngine:
    """Every sample's graph built and backpropagated by the eager engine."""

    def __init__(self, model: Any, loss_fn: Loss, weight: Weight, penalty: Penalty) -> None:
        self.model, self.loss_fn, self.weight, self.penalty = model, loss_fn, weight, penalty

    def loss_and_grad(self, X: Sequence[Any], y: Sequence[Any]) -> float:
        """Forward, error and backward on one batch; returns its loss."""
        with gc_paused():  # the graph has no cycles: reference counting frees it
            weight = self.weight or (lambda t: 1.0)
            terms = [_weighted(self.loss_fn(self.model(x), t), weight(t)) for x, t in zip(X, y)]
            total = vsum(terms) * (1.0 / len(X))
            extra = self.penalty()
            if extra is not None:
                total = total + extra
            total.backward()
            loss = total.data
            # Freed while the collector is still paused: alive when it resumes, the graph's
            # tens of thousands of young objects would be scanned once more (10% of a step).
            del terms, total, extra
        return loss

    def loss(self, X: Sequence[Any], y: Sequence[Any]) -> float:
        """The mean loss (no class weights, no penalty) in eval mode."""
        with _Evaluating(self.model), no_grad():
            return math.fsum(self.loss_fn(self.model(x), t).data for x, t in zip(X, y)) / len(X)


#: model -> its traced loss programs, by what they were traced for (see ``loss_programs``).
#: Held weakly: the programs refer to the model only weakly, so the model and its
#: programs go away together, by reference counting.
_LOSS_PROGRAMS: weakref.WeakKeyDictionary[Any, OrderedDict[Any, CompiledModel]] = weakref.WeakKeyDictionary()

#: The most (loss, architecture) combinations one model keeps programs for.
MAX_LOSSES = 4


def loss_programs(model: Any, loss_fn: Loss, loss_name: str | None, dtype: str = "float64") -> CompiledModel:
    """The model's compiled per-sample loss, kept with the model between ``fit`` calls.

    Why: tracing takes ten times an epoch (a notebook that calls ``fit`` one epoch at a
    time to plot as it trains would pay it every call). The programs read the parameters
    afresh at each call, so they stay right as the model trains; they are traced again
    when the loss, the precision or the architecture (``repr(model)``) change, or the
    parameters themselves (a layer replaced).
    """
    params = model.parameters()
    key = (loss_name or loss_fn, dtype, repr(model))
    kept = _LOSS_PROGRAMS.setdefault(model, OrderedDict())
    program = kept.get(key)
    # Values compare by identity (Value defines no __eq__): list equality is the check
    # that each parameter is the one traced, done in C (~50x faster than a map of is_not).
    if program is None or program.params != params:
        k = n_outputs(model) or 1
        multi = loss_name == "cross_entropy" or (loss_name == "hinge" and k > 1)
        encode = (lambda t: one_hot(t, k)) if multi else None
        program = kept[key] = CompiledModel(model, loss_fn, encode, dtype)
    kept.move_to_end(key)
    while len(kept) > MAX_LOSSES:
        kept.popitem(last=False)
    return program


class CompiledEngine:
    """The per-sample loss traced once (and kept with the model, see ``loss_programs``);
    each batch one NumPy program."""

    def __init__(
        self,
        model: Any,
        loss_fn: Loss,
        loss_name: str | None,
        weight: Weight,
        penalty: Penalty,
        dtype: str = "float64",
    ) -> None:
        self.model, self.weight, self.penalty = model, weight, penalty
        self.program = loss_programs(model, loss_fn, loss_name, dtype)

    def loss_and_grad(self, X: Sequence[Any], y: Sequence[Any]) -> float:
        """Forward, error and backward on one batch; returns its loss."""
        value = self.program.loss_and_grad(X, y, self.weight, 1.0 / len(X))
        extra = self.penalty()
        if extra is not None:
            extra.backward()
            value += extra.data
        return value

    def loss(self, X: Sequence[Any], y: Sequence[Any]) -> float:
        """The mean loss (no class weights, no penalty) in eval mode."""
        with _Evaluating(self.model):
            return self.program.loss(X, y, 1.0 / len(X))


def make_engine(
    engine: str,
    model: Any,
    loss_fn: Loss,
    loss_name: str | None,
    weight: Weight,
    penalty: Penalty,
    dtype: str = "float64",
) -> EagerEngine | CompiledEngine:
    """The engine called ``engine`` for this model, loss, weighting and penalty
    (``dtype``: the compiled engine's precision)."""
    check_engine(engine)
    check_dtype(engine, dtype)
    if engine == "compiled":
        return CompiledEngine(model, loss_fn, loss_name, weight, penalty, dtype)
    return EagerEngine(model, loss_fn, weight, penalty)


def check_dtype(engine: str, dtype: Any) -> str:
    """``dtype``'s name: "float64" for any engine, "float32" for the compiled one only
    (the eager engine computes with Python floats); else a ``ValueError`` saying so."""
    name = "float64" if dtype == "float64" else program_dtype(dtype).name
    if name != "float64" and engine != "compiled":
        raise ValueError(
            f"dtype={name!r} is for engine='compiled' (the eager engine computes in float64); "
            "pass engine='compiled', or leave dtype out"
        )
    return name
