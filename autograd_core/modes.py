"""The engine's switches, per thread: ``no_grad`` (record nothing), ``detect_anomaly``
(stop at the first nan or inf, naming the op that made it) and ``tracing`` (for compile).

Both are context managers (and decorators, via ``contextlib.ContextDecorator``). The
switches of each thread (and asyncio task) live in one context variable that the hot
path reads once per node; each context restores the previous setting on exit, also on
error, so they nest.
"""

from __future__ import annotations

import contextlib
import contextvars
import gc
import math
from collections.abc import Iterator, Sequence
from typing import Any


class Modes:
    """The engine's switches as one immutable record: whether new values record their
    parents, whether anomaly mode checks every op, whether ``compile`` is tracing."""

    __slots__ = ("anomaly", "grad_enabled", "plain", "tracing")

    def __init__(self, grad_enabled: bool = True, anomaly: bool = False, tracing: bool = False) -> None:
        self.grad_enabled = grad_enabled
        self.anomaly = anomaly
        self.tracing = tracing
        # The usual case in one flag, so making a node reads one switch, not two.
        self.plain = grad_enabled and not anomaly

    def but(self, **changes: bool) -> Modes:
        """A copy with some switches changed."""
        fields = {"grad_enabled": self.grad_enabled, "anomaly": self.anomaly, "tracing": self.tracing}
        return Modes(**{**fields, **changes})


# The switches belong to the running thread, and to the asyncio task (a context
# variable, as PyTorch's grad mode is per thread): no_grad in one thread never stops
# another from recording. A new thread starts with the defaults.
_DEFAULT = Modes()  # never changed: each switch makes a new Modes
_MODES: contextvars.ContextVar[Modes] = contextvars.ContextVar("chainrule_modes", default=_DEFAULT)
current_modes = _MODES.get


@contextlib.contextmanager
def _switched(**changes: bool) -> Iterator[None]:
    token = _MODES.set(_MODES.get().but(**changes))
    try:
        yield
    finally:
        _MODES.reset(token)


class TracingError(RuntimeError):
    """``compile`` cannot follow the function: it branches on data, or its graph changed."""


def refuse_while_tracing(what: str) -> None:
    """Raise ``TracingError`` if called while ``compile`` is tracing (``what`` names the
    data-dependent operation)."""
    if _MODES.get().tracing:
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
    with _switched(grad_enabled=False):
        yield


@contextlib.contextmanager
def enable_grad() -> Iterator[None]:
    """Record the graph again inside a ``no_grad`` block."""
    with _switched(grad_enabled=True):
        yield


def is_grad_enabled() -> bool:
    """Whether new values record their parents."""
    return _MODES.get().grad_enabled


@contextlib.contextmanager
def detect_anomaly() -> Iterator[None]:
    """Raise ``AnomalyError`` at the first op whose output, or whose local derivative in
    ``backward``, is nan or inf; the message names the op and its inputs.

    Slower (every node is checked), so meant for debugging, as ``torch.autograd.detect_anomaly``.
    """
    with _switched(anomaly=True):
        yield


def is_anomaly_enabled() -> bool:
    """Whether ``detect_anomaly`` is on in this thread."""
    return _MODES.get().anomaly


@contextlib.contextmanager
def tracing() -> Iterator[None]:
    """Mark this thread as tracing for ``compile``: reading a Value's data then raises
    ``TracingError`` (the compiled program could not follow a choice made on it)."""
    with _switched(tracing=True):
        yield


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
