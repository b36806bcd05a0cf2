"""The compiled engine for ``fit(..., engine="compiled")`` and ``predict``.

A model's per-sample loss is traced once into an ``autograd_core.compile`` program and
then run over whole batches in NumPy. Two things need care:

* a sample is any nested list of numbers (a feature list, or a sequence of steps for an
  RNN); it is flattened into the program's inputs, and samples of different shapes get
  different programs;
* a loss may branch on its target (``bce`` picks one formula per label,
  ``cross_entropy`` indexes the output by the class). Tracing such a loss with a
  placeholder target raises ``TracingError``; the samples are then grouped by target
  value and each group gets its own program with the target as a constant (two programs
  for a binary task, ten for the digits). Targets that are plain arithmetic (``mse``)
  stay placeholders: one program for all.
"""

from __future__ import annotations

import weakref
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autograd_core import Compiled, TracingError, compile

from ..losses import Loss


def flatten(x: Any) -> tuple[list[float], Any]:
    """A nested list of numbers as (flat list, shape key)."""
    if isinstance(x, (list, tuple)):
        flat: list[float] = []
        shape = []
        for item in x:
            f, s = flatten(item)
            flat += f
            shape.append(s)
        return flat, tuple(shape)
    return [float(x)], None


def unflatten(values: Sequence[Any], shape: Any) -> Any:
    """The inverse of ``flatten``: rebuild the nesting around ``values``."""
    it = iter(values)

    def build(s: Any) -> Any:
        return next(it) if s is None else [build(c) for c in s]

    return build(shape)


# model -> its compiled forward programs. Held weakly both ways (the programs refer to
# the model through a weak reference), so a model and its programs go away together.
_FORWARD: weakref.WeakKeyDictionary[Any, CompiledModel] = weakref.WeakKeyDictionary()


def forward_programs(model: Any) -> CompiledModel:
    """The model's compiled forward passes, kept so that repeated predictions (every
    epoch of ``fit`` with metrics, a plot's grid) trace only once. The programs read
    the parameters fresh at each call, so they stay valid as it trains."""
    cached = _FORWARD.get(model)
    if cached is None:
        cached = CompiledModel(model)
        _FORWARD[model] = cached
    return cached


class CompiledModel:
    """Compiled programs for one model: its forward pass and its per-sample loss."""

    def __init__(
        self, model: Any, loss_fn: Loss | None = None, encode_target: Callable[[Any], Any] | None = None
    ) -> None:
        self._model = weakref.ref(model)
        self.loss_fn = loss_fn
        # e.g. a class label -> one-hot list, so cross_entropy can trace its target
        self.encode = encode_target or (lambda t: t)
        self.params = model.parameters()
        self.slot = {id(p): i for i, p in enumerate(self.params)}
        self.programs: dict[Any, Compiled] = {}
        self.target_is_input: bool | None = None  # decided on the first trace

    @property
    def model(self) -> Any:
        """The model these programs were traced from."""
        model = self._model()
        if model is None:
            raise ReferenceError("the model of these compiled programs no longer exists")
        return model

    # -- forward ------------------------------------------------------------------------
    def predict(self, X: Sequence[Any]) -> list[Any]:
        """Model outputs for every sample, as plain floats (lists for several outputs)."""
        results: list[Any] = [None] * len(X)
        groups: dict[Any, list[int]] = defaultdict(list)
        flats = []
        for i, x in enumerate(X):
            flat, shape = flatten(x)
            flats.append(flat)
            groups[shape].append(i)
        for shape, idx in groups.items():
            key = ("forward", shape, self.model.training)
            if key not in self.programs:
                self.programs[key] = compile(lambda *v, s=shape: self.model(unflatten(v, s)), flats[idx[0]])
            prog = self.programs[key]
            out = prog(np.array([flats[i] for i in idx]))
            for i, o in zip(idx, out.tolist()):
                results[i] = o
        return results

    # -- loss ---------------------------------------------------------------------------
    def _loss_program(self, shape: Any, target: Any, examples: list[list[float]]) -> tuple[Compiled, bool]:
        """The program for samples of ``shape`` (and, if the loss branches on its target,
        of this ``target``); returns it and whether the target is one of its inputs."""
        assert self.loss_fn is not None
        loss_fn, model = self.loss_fn, self.model
        t_flat, t_shape = flatten(target)
        n = len(examples[0])
        check = examples[1] if len(examples) > 1 else None
        if self.target_is_input is not False:
            key = ("loss", shape, t_shape, model.training)
            if key in self.programs:
                return self.programs[key], True
            try:
                prog = compile(
                    lambda *v: loss_fn(model(unflatten(v[:n], shape)), unflatten(v[n:], t_shape)),
                    examples[0] + t_flat,
                )
                self.target_is_input = True
                self.programs[key] = prog
                return prog, True
            except TracingError:
                self.target_is_input = False
        key = ("loss", shape, repr(target), model.training)
        if key not in self.programs:
            self.programs[key] = compile(
                lambda *v: loss_fn(model(unflatten(v, shape)), target), examples[0], check
            )
        return self.programs[key], False

    def _run(
        self,
        X: Sequence[Any],
        y: Sequence[Any],
        weights: Callable[[Any], float],
        scale: float,
        backward: bool,
    ) -> float:
        flat = [flatten(x) for x in X]
        w_of = [weights(t) for t in y]  # from the raw labels, before encoding
        y = [self.encode(t) for t in y]
        if self.target_is_input is None:  # the first trace decides how targets are handled
            self._loss_program(flat[0][1], y[0], [flat[0][0]])
        # Bucket the samples: by shape, by weight, and by target unless it is an input.
        buckets: dict[Any, list[int]] = defaultdict(list)
        for i, (_, shape) in enumerate(flat):
            target_key = None if self.target_is_input else repr(y[i])
            buckets[(shape, target_key, w_of[i])].append(i)
        total = 0.0
        grads = np.zeros(len(self.params)) if backward else None
        for (shape, _, w), rows in buckets.items():
            prog, target_in = self._loss_program(shape, y[rows[0]], [flat[r][0] for r in rows[:2]])
            data = np.array([flat[r][0] + (flatten(y[r])[0] if target_in else []) for r in rows])
            if grads is not None:
                # No finiteness check here: fit reports a diverged run itself, as in eager mode.
                out, g = prog.backward(data, weight=scale * w, check=False, accumulate=False)
                grads[[self.slot[id(p)] for p in prog.params]] += g
            else:
                out = prog(data)
            total += float(out.sum()) * w * scale
        if grads is not None:
            # One pass over the parameters per batch, however many programs ran.
            for p, g in zip(self.params, grads.tolist()):
                p.grad += g
        return total

    def loss_and_grad(
        self, X: Sequence[Any], y: Sequence[Any], weights: Callable[[Any], float], scale: float
    ) -> float:
        """scale * sum_i w(y_i) loss(model(x_i), y_i), with its gradient added to
        every parameter's ``.grad``."""
        return self._run(X, y, weights, scale, backward=True)

    def loss(self, X: Sequence[Any], y: Sequence[Any], scale: float) -> float:
        """scale * sum_i loss(model(x_i), y_i), without gradients."""
        return self._run(X, y, lambda t: 1.0, scale, backward=False)
