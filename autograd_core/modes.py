"""Engine-wide switches: ``no_grad`` (record nothing) and ``detect_anomaly`` (stop at the
first nan or inf, naming the op that made it).

Both are context managers (and decorators, via ``contextlib.ContextDecorator``). The
switches live on one small object that the hot path reads with a single attribute
lookup; each context restores the previous setting on exit, also on error, so they nest.
"""

from __future__ import annotations

import contextlib
import gc
import math
from collections.abc import Iterator, Sequence
from typing import Any


class _State:
    __slots__ = ("grad_enabled", "anomaly", "tracing")

    def __init__(self) -> None:
        self.grad_enabled = True
        self.anomaly = False
        self.tracing = False  # inside autograd_core.compile's trace


STATE = _State()


class TracingError(RuntimeError):
    """``compile`` cannot follow the function: it branches on data, or its graph changed."""


def refuse_while_tracing(what: str) -> None:
    """Raise ``TracingError`` if called while ``compile`` is tracing (``what`` names the
    data-dependent operation)."""
    if STATE.tracing:
        raise TracingError(
            f"{what} while compiling: the compiled program would freeze this choice for every "
            "sample. Write it with ops (Value.maximum, relu, ...) or use the eager engine"
        )


class AnomalyError(FloatingPointError):
    """Raised in ``detect_anomaly`` mode by the first op that produced nan or inf."""


@contextlib.contextmanager
def no_grad() -> Iterator[None]:
    """Build values without recording the graph: results have no parents.

    Use it for evaluation and for optimizer updates, as ``torch.no_grad``. Nothing
    computed inside can be backpropagated through.
    """
    before = STATE.grad_enabled
    STATE.grad_enabled = False
    try:
        yield
    finally:
        STATE.grad_enabled = before


@contextlib.contextmanager
def enable_grad() -> Iterator[None]:
    """Record the graph again inside a ``no_grad`` block."""
    before = STATE.grad_enabled
    STATE.grad_enabled = True
    try:
        yield
    finally:
        STATE.grad_enabled = before


def is_grad_enabled() -> bool:
    """Whether new values record their parents."""
    return STATE.grad_enabled


@contextlib.contextmanager
def detect_anomaly() -> Iterator[None]:
    """Raise ``AnomalyError`` at the first op whose output, or whose local derivative in
    ``backward``, is nan or inf; the message names the op and its inputs.

    Slower (every node is checked), so meant for debugging, as ``torch.autograd.detect_anomaly``.
    """
    before = STATE.anomaly
    STATE.anomaly = True
    try:
        yield
    finally:
        STATE.anomaly = before


def _finite(x: Any) -> bool:
    return math.isfinite(x.data if hasattr(x, "data") else x)


def check_forward(op_name: str, inputs: Sequence[float], out: float) -> None:
    """Called in anomaly mode for every new node."""
    if not math.isfinite(out):
        raise AnomalyError(f"op '{op_name}' produced {out!r} from inputs {list(inputs)!r} (detect_anomaly)")


def check_backward(op_name: str, inputs: Sequence[float], contribution: Any) -> None:
    """Called in anomaly mode for every chain-rule product in ``backward``."""
    if not _finite(contribution):
        raise AnomalyError(
            f"backward through op '{op_name}' produced a gradient of {contribution!r} "
            f"at inputs {list(inputs)!r} (detect_anomaly)"
        )


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a graph is built and backpropagated.

    chainrule's graphs hold no reference cycles, so reference counting frees them on its
    own; the cyclic collector would only rescan the (large, young) graph again and again
    as it grows. The previous setting is restored on exit, also on error. Code inside
    that *does* make cycles is collected later, when the collector runs again.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
