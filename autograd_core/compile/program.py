"""``compile``: trace a scalar function once, then run it over a whole NumPy batch.

Training evaluates the same scalar graph for every sample. ``compile(fn, example)``
calls ``fn`` on placeholder inputs, keeps the graph, and turns it into a program over
a *table*: one row per graph node, one column per sample (``V``; the batch is the last
axis, so the rows of one node are contiguous). Parameters and constants live in one
vector of scalars ``S``, the parameters first.

* every node gets a *level* (leaves 0, else 1 + the deepest parent); nodes of one level
  and one op form a *group* that runs as ONE vectorised step: the op's rule (the same
  rule the eager engine uses, read with the ARRAY namespace) applied to whole rows;
* a group of ``dot`` nodes whose weights are scalars is a layer: ONE matrix product
  ``W @ X``. When each of its outputs feeds only a ``+ bias`` and that feeds only an
  activation (``act(w·x + b)``, a neuron), the three run as one *dense* step on the same
  rows; backward is then ``dz = up * act'``, ``dW = dz @ X.T``, ``db = sum(dz)``,
  ``dX = W.T @ dz``, as one would write it by hand;
* rows are laid out step by step, each step's outputs contiguous and in the order its
  consumers read them, so a step reads its inputs and writes its outputs through
  slices (views, no copies) wherever the graph allows;
* backward walks the steps in reverse, putting ``local * upstream`` into the parents'
  gradient rows (``G``, the same shape as ``V``). Which rows a step is the first to
  write is worked out once, when compiling: those are assigned, not added (no zeroing,
  no temporary). Parameters are the same for every sample, so their gradients are
  summed over the batch and land in one small vector.

Leaves that existed before tracing (a model's parameters) are read fresh at every call;
leaves made while tracing (constants) are baked in. Like ``jax.jit``, only what the graph
records is compiled; what would freeze a number silently is refused (see ``trace``).
An input outside an op's domain raises ``DomainError`` naming the op and the sample, as
the eager engine does.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..backward import gradients
from ..modes import TracingError, gc_paused
from ..ops import DomainError
from ..parameters import ParameterSlots
from ..value import Value
from .plan import _build_steps, _Graph, _Layout, _plan, _plan_backward
from .rows import _POOL, BatchDomainError, _Workspace, release_buffers
from .steps import _Dense
from .trace import Trace, changed_constants, nudged, trace_twice

__all__ = ["BatchDomainError", "Compiled", "compile", "program_dtype", "release_buffers"]


class Compiled:
    """A traced scalar function as a batched NumPy program (see ``compile``)."""

    def __init__(
        self,
        fn: Callable[..., Any],
        example: Sequence[float],
        check: Sequence[float] | None = None,
        dtype: Any = "float64",
    ):
        self.dtype = program_dtype(dtype)
        with gc_paused():
            tr, second = trace_twice(fn, example, check)
            graph = _Graph(tr)
            plans = _plan(graph)
            layout = _Layout(graph, plans)
            self.steps = _build_steps(graph, plans, layout)
        self.params: list[Value] = layout.params
        self.slots = ParameterSlots(self.params)  # read and written as arrays when packed
        self.scalars = np.array(layout.values, dtype=float)
        self.n_rows = layout.n_rows
        self.n_inputs = len(tr.inputs)
        self.n_outputs = len(tr.outs)
        self.output_places = [layout.where[id(o)] for o in tr.outs]
        kind, row = self.output_places[0]
        seed = row if kind == "row" else 0
        self.zero_rows = _plan_backward(self.steps, self.n_rows, seed) if self.n_outputs == 1 else slice(0, 0)
        self.scratch_rows = max((s.width for s in self.steps if isinstance(s, _Dense)), default=0)
        frozen = changed_constants(tr, second)
        if frozen:
            precision, self.dtype = self.dtype, np.dtype(np.float64)  # checked to float64's precision
            try:
                self._verify(second, frozen)
            finally:
                self.dtype = precision

    def _verify(self, second: Trace, frozen: list[str]) -> None:
        """Numbers were frozen into constants while tracing: accept the program only if
        it still gives the second trace's outputs and gradients at the second trace's
        point (the frozen numbers cancel out, as a softmax's shift does)."""
        X = np.array([[v.data for v in second.inputs]])
        expected = np.array([o.data for o in second.outs])
        try:
            with nudged(self.params):  # the parameters as they were for the second trace
                if self.n_outputs == 1:
                    out, grads = self.backward(X, check=False, accumulate=False)
                    ok = _close(grads, np.array(gradients(second.outs[0], self.params)))
                else:
                    out, ok = self(X)[0], True
            ok = ok and _close(np.ravel(out), expected)
        except DomainError:
            ok = False
        if not ok:
            raise TracingError(
                f"a constant made while tracing depends on the inputs or the parameters ({frozen[0]}): "
                "the function turned a computed value into a plain number (Value(x.data), a no_grad "
                "block, ...), which the compiled program would freeze; use x.detach() to stop a "
                "gradient, or the eager engine"
            )

    # -- running ----------------------------------------------------------------------
    def _batch(self, X: Any) -> np.ndarray:
        A = np.asarray(X, dtype=self.dtype)
        if A.ndim == 1:
            A = A[:, None] if self.n_inputs == 1 else A[None, :]
        if A.ndim != 2 or A.shape[1] != self.n_inputs:
            raise ValueError(f"expected a batch of shape (n, {self.n_inputs}), got {A.shape}")
        return A

    def _forward(self, X: Any, keep: bool) -> tuple[_Workspace, list[Any]]:
        A = self._batch(X)
        S = self.scalars.astype(self.dtype)  # a copy
        if self.params:
            S[: len(self.params)] = self.slots.read()  # parameters: read fresh
        ws = _Workspace(_POOL.take((self.n_rows, A.shape[0]), self.dtype), S)
        ws.V[: self.n_inputs] = A.T
        try:
            with np.errstate(all="ignore"):
                saved = [step.forward(ws, keep) for step in self.steps]
        except BaseException:
            ws.release()
            raise
        return ws, saved

    def _outputs(self, ws: _Workspace) -> np.ndarray:
        V, S = ws.V, ws.S
        cols = [V[i].copy() if kind == "row" else np.full(V.shape[1], S[i]) for kind, i in self.output_places]
        return cols[0] if self.n_outputs == 1 else np.stack(cols, axis=1)

    def _check_finite(self, V: np.ndarray, out: np.ndarray) -> None:
        if np.isfinite(out).all():
            return
        samples, inputs = np.nonzero(~np.isfinite(V[: self.n_inputs].T))  # in sample order
        if len(samples):
            i, s = int(inputs[0]), int(samples[0])
            raise FloatingPointError(f"input {i} is {V[i, s]} for sample {s} of the batch")
        for step in self.steps:  # the first step that made a nan or inf
            rows, samples = np.nonzero(~np.isfinite(V[step.out]))
            if len(rows):
                r, s = step.out.start + int(rows[0]), int(samples[0])
                raise FloatingPointError(
                    f"{step.name} produced {V[r, s]} for sample {s} of the batch (an overflow, or a nan "
                    "that came in)"
                )

    def __call__(self, X: Any) -> np.ndarray:
        """The outputs for a batch ``X`` of shape (n, n_inputs): shape (n,) for one
        output, (n, n_outputs) for several. An input outside an op's domain raises
        ``DomainError`` naming the op and the sample, as the eager engine does."""
        ws, _ = self._forward(X, keep=False)
        out = self._outputs(ws)
        ws.release()
        return out

    def backward(self, X: Any, weight: Any = 1.0, check: bool = True, accumulate: bool = True) -> Any:
        """Forward and backward over the batch; adds ``sum over samples of weight *
        d output / d parameter`` to each parameter's ``.grad`` (``weight = 1/n`` for the
        mean; one number, or one per sample) and returns the per-sample outputs. Needs
        a single output.

        With ``accumulate=False`` no ``.grad`` is touched: it returns ``(outputs,
        gradients)``, the gradients as an array in the order of ``self.params``.
        ``check`` raises ``FloatingPointError`` naming the step when an output is nan or
        inf; an input outside an op's domain always raises ``DomainError``."""
        if self.n_outputs != 1:
            raise ValueError("backward needs a function with one output per sample")
        ws, saved = self._forward(X, keep=True)
        try:
            out = self._outputs(ws)
            if check:
                self._check_finite(ws.V, out)
            ws.GS = np.zeros(len(ws.S), self.dtype)
            kind, row = self.output_places[0]
            if kind == "row":
                self._backward(ws, saved, row, weight)
        finally:
            ws.release()
        grads = ws.GS[: len(self.params)]
        if not accumulate:
            return out, grads
        self.slots.add_grads(grads)
        return out

    def _backward(self, ws: _Workspace, saved: list[Any], row: int, weight: Any) -> None:
        ws.G = _POOL.take(ws.V.shape, self.dtype)
        ws.G[self.zero_rows] = 0.0
        ws.G[row] = weight
        if self.scratch_rows:
            ws.scratch(self.scratch_rows)
        with np.errstate(all="ignore"):
            for step, s in zip(reversed(self.steps), reversed(saved)):
                if step.needs_grad:
                    step.backward(ws, s)

    def describe(self) -> str:
        """The program, one step per line: what each computes and which rows it writes."""
        lines = [repr(self), f"{'inputs':>22} -> rows 0:{self.n_inputs}"]
        lines += [step.describe() for step in self.steps]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"Compiled({self.n_inputs} inputs, {self.n_rows} batch rows, {len(self.scalars)} scalars "
            f"({len(self.params)} parameters), {len(self.steps)} vectorised steps)"
        )


def _close(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal to the precision compiled programs promise (1e-10, relative to the scale)."""
    return bool(np.allclose(a, b, rtol=1e-10, atol=1e-12 * (1.0 + float(np.max(np.abs(b), initial=0.0)))))


def _numbers(values: Any, what: str) -> list[float]:
    """``values`` as finite floats, or ``TypeError``/``ValueError`` saying what is wrong."""
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise TypeError(f"{what} must be a sequence of numbers, one per input, got {type(values).__name__}")
    found = []
    for v in values:
        real = isinstance(v, numbers.Real) or (
            type(v).__module__ == "numpy" and getattr(v, "shape", None) == () and v.dtype.kind in "biuf"
        )
        if not real:
            raise TypeError(f"{what} must hold numbers, got {type(v).__name__} {v!r:.40}")
        found.append(float(v))
    if not all(math.isfinite(v) for v in found):
        raise ValueError(f"{what} must be finite numbers")
    return found


def program_dtype(dtype: Any) -> np.dtype[Any]:
    """``"float64"`` (the default, the eager engine's precision) or ``"float32"`` (about
    twice as fast on large batches, ~7 significant digits), as a NumPy dtype; anything
    else is a ``ValueError``."""
    try:
        found = np.dtype(dtype)
    except TypeError:
        found = None
    if found not in (np.dtype(np.float64), np.dtype(np.float32)):
        raise ValueError(f"dtype must be 'float64' or 'float32', got {dtype!r:.40}")
    return found


def compile(
    fn: Callable[..., Any],
    example: Sequence[float],
    check: Sequence[float] | None = None,
    dtype: Any = "float64",
) -> Compiled:
    """Trace ``fn`` (a function of scalar ``Value`` inputs returning a ``Value`` or a
    list of them) on ``example`` and return a batched program.

    ``dtype="float32"`` runs the program in single precision: the parameters are read
    into float32 and the gradients added back into their float64 numbers; about 7
    significant digits, against float64's 15 (the default, as the eager engine).

    The function is traced a second time, on ``check`` if given (else on a point next
    to ``example``), to detect data-dependent control flow (the two graphs differ) and
    values frozen into constants (``Value(x.data)``, ``no_grad`` inside the function):
    both raise ``TracingError``.

    >>> w = Value(2.0)
    >>> f = compile(lambda x, y: (w * x + y).tanh(), [0.1, 0.2])
    >>> f([[0.1, 0.2], [0.3, 0.4]]).shape
    (2,)
    """
    if not callable(fn):
        raise TypeError(f"compile needs a function, got {type(fn).__name__}")
    ex = _numbers(example, "the example inputs")
    again = _numbers(check, "check") if check is not None else None
    if again is not None and len(again) != len(ex):
        raise ValueError(f"check has {len(again)} numbers, the example {len(ex)}")
    return Compiled(fn, ex, again, dtype)
