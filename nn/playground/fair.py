"""A fair gate for the Graph view's work: who has used the least time lately goes first.

Each tab does its graph work (parse, build, lay out, render) one request at a time, in a
thread of its own. Without a gate every waiting thread ran at once: on the 2-core laptop
thirty tabs drawing 30-term products shared the GIL and the two render workers first
come, first served, and a student's one small expression waited 13 s behind them. The
gate lets ``slots`` requests run at a time (one per core) and, when one ends, hands its
slot to the waiting owner that has used the least time in the last seconds (each owner's
use decays by half every ``half_life`` seconds). An owner that draws now and then goes
ahead of one that draws without pause, whatever the order they came in: the same rule
the scheduler applies to training (``scheduler``).
"""

from __future__ import annotations

import contextlib
import itertools
import threading
import time
from collections.abc import Hashable, Iterator
from dataclasses import dataclass, field

_turn = threading.local()  # the current thread's turn: seconds in it that were not work


def waited(seconds: float) -> None:
    """Say that ``seconds`` of the current thread's turn went on waiting (for a render
    worker to start, say), not on work: they are not billed to its owner."""
    if getattr(_turn, "active", False):
        _turn.waited += seconds


class GateTimeout(TimeoutError):
    """No slot came free within the time a request may wait."""


@dataclass
class _Waiter:
    owner: Hashable
    seq: int
    ready: threading.Event = field(default_factory=threading.Event)


class FairGate:
    """At most ``slots`` holders at once; a freed slot goes to the waiter whose owner has
    used the least time lately (its seconds held, halved every ``half_life`` seconds)."""

    def __init__(self, slots: int, half_life: float = 10.0) -> None:
        if slots < 1:
            raise ValueError(f"a gate needs at least one slot, got {slots}")
        self.half_life = half_life
        self._free = slots
        self._lock = threading.Lock()
        self._waiting: list[_Waiter] = []
        self._used: dict[Hashable, tuple[float, float]] = {}  # owner -> (seconds, when)
        self._seq = itertools.count()

    def used(self, owner: Hashable, now: float | None = None) -> float:
        """The owner's recent use in seconds, decayed to ``now``."""
        seconds, when = self._used.get(owner, (0.0, 0.0))
        now = time.monotonic() if now is None else now
        return seconds * 0.5 ** ((now - when) / self.half_life)

    @contextlib.contextmanager
    def turn(self, owner: Hashable, timeout: float) -> Iterator[None]:
        """Hold a slot for ``owner`` while the block runs (``GateTimeout`` past ``timeout``
        seconds of waiting); the time held, less what ``waited`` reports, is added to the
        owner's use."""
        self._acquire(owner, timeout)
        started = time.monotonic()
        _turn.active, _turn.waited = True, 0.0
        try:
            yield
        finally:
            _turn.active = False
            self._release(owner, max(0.0, time.monotonic() - started - _turn.waited))

    def _acquire(self, owner: Hashable, timeout: float) -> None:
        with self._lock:
            if self._free > 0 and not self._waiting:
                self._free -= 1
                return
            waiter = _Waiter(owner, next(self._seq))
            self._waiting.append(waiter)
        if waiter.ready.wait(timeout):
            return
        with self._lock:
            if waiter.ready.is_set():  # handed a slot just as the wait ended
                return
            self._waiting.remove(waiter)
        raise GateTimeout(f"no slot came free within {timeout:g} s")

    def _release(self, owner: Hashable, seconds: float) -> None:
        with self._lock:
            now = time.monotonic()
            self._used[owner] = (self.used(owner, now) + seconds, now)
            if len(self._used) > 4 * len(self._waiting) + 64:  # forget those long idle
                self._used = {o: u for o, u in self._used.items() if self.used(o, now) > 1e-3}
            if not self._waiting:
                self._free += 1
                return
            nxt = min(self._waiting, key=lambda w: (self.used(w.owner, now), w.seq))
            self._waiting.remove(nxt)
            nxt.ready.set()  # the slot passes straight to it
