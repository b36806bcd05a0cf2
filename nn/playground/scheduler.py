"""Training work of every tab, shared fairly in small slices.

One thread does all the training of the server (the engine is Python: more threads would
only take turns at the interpreter lock and slow the event loop). Each tab (an *owner*)
queues jobs; a job is a function run in that thread, and when it returns a generator the
generator is the job, run one slice at a time (``SLICE_SECONDS``, a batch or a few between
``yield``s). The next slice always goes to the owner that has used the least compute, as
in a fair-share CPU scheduler: an owner that has been idle starts level with the busiest
ones, not ahead of them by its idle time. So whatever six tabs ask for, a seventh waits
one slice before its work starts.

A job cancelled before it starts never runs; one cancelled while it runs is closed at the
next slice boundary (``GeneratorExit`` at its ``yield``: the job undoes what it did) and
its future is cancelled. Every job of one owner runs in the order it was submitted, one
at a time, in the one thread: a tab's model is never touched by two threads at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections import deque
from collections.abc import Callable, Generator
from typing import Any

SLICE_SECONDS = 0.02
ACTIVE_SECONDS = 1.0  # an owner that ran within this is counted as sharing the compute


class Job:
    """One piece of work of one owner, and the asyncio future of its result."""

    def __init__(self, owner: Any, work: Callable[[], Any], loop: asyncio.AbstractEventLoop) -> None:
        self.owner, self.work, self.loop = owner, work, loop
        self.future: asyncio.Future[Any] = loop.create_future()
        self.cancelled = False
        self.running = False
        self.generator: Generator[Any, None, Any] | None = None
        self.compute = 0.0  # seconds of the thread's time used so far

    def __await__(self) -> Generator[Any, None, Any]:
        return self.future.__await__()

    def _settle(self, result: Any = None, error: BaseException | None = None, cancel: bool = False) -> None:
        def settle() -> None:
            """Resolve the job's future once (cancelled, failed or done)."""
            if self.future.done():
                return
            if cancel:
                self.future.cancel()
            elif error is not None:
                self.future.set_exception(error)
            else:
                self.future.set_result(result)

        with contextlib.suppress(RuntimeError):  # the owner's event loop has closed
            self.loop.call_soon_threadsafe(settle)


class _Owner:
    def __init__(self, vtime: float) -> None:
        self.jobs: deque[Job] = deque()
        self.vtime = vtime  # compute used, on the clock shared by the owners with work
        self.last_ran = 0.0


class Scheduler:
    """Fair, sliced execution of the owners' jobs in one thread (started on first use)."""

    def __init__(self, slice_seconds: float = SLICE_SECONDS) -> None:
        self.slice_seconds = slice_seconds
        self._cv = threading.Condition()
        self._owners: dict[Any, _Owner] = {}
        self._clock = 0.0  # the least vtime of the owners with work (never goes back)
        self._thread: threading.Thread | None = None

    def submit(self, owner: Any, work: Callable[[], Any]) -> Job:
        """Queue ``work`` for ``owner`` (call from its event loop); await the job for its result."""
        job = Job(owner, work, asyncio.get_running_loop())
        with self._cv:
            state = self._owners.get(owner)
            if state is None:
                state = self._owners[owner] = _Owner(self._clock)
            if not state.jobs:  # back from idle: level with the others, not ahead
                state.vtime = max(state.vtime, self._clock)
            state.jobs.append(job)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="chainrule-training", daemon=True)
                self._thread.start()
            self._cv.notify()
        return job

    def cancel(self, job: Job) -> None:
        """Cancel ``job``: dropped if it has not started, else stopped at its next slice."""
        with self._cv:
            if job.cancelled or job.future.done():
                return
            job.cancelled = True
            state = self._owners.get(job.owner)
            if not job.running and state is not None and job in state.jobs:
                state.jobs.remove(job)
                job._settle(cancel=True)

    def forget(self, owner: Any) -> None:
        """The owner has gone: cancel all its jobs and drop what is known of it."""
        with self._cv:
            state = self._owners.pop(owner, None)
            jobs = list(state.jobs) if state is not None else []
        for job in jobs:
            with self._cv:
                job.cancelled = True
                if not job.running:
                    job._settle(cancel=True)

    def sharing(self) -> int:
        """How many owners have work now or had within the last second."""
        now = time.monotonic()
        with self._cv:
            return sum(1 for s in self._owners.values() if s.jobs or now - s.last_ran < ACTIVE_SECONDS)

    def _pick(self) -> tuple[_Owner, Job]:
        with self._cv:
            while True:
                ready = [s for s in self._owners.values() if s.jobs]
                if ready:
                    state = min(ready, key=lambda s: s.vtime)
                    self._clock = max(self._clock, state.vtime)
                    job = state.jobs[0]
                    job.running = True
                    return state, job
                self._cv.wait()

    def _run(self) -> None:
        while True:
            state, job = self._pick()
            start = time.perf_counter()
            done, result, error = self._slice(job)
            if job.cancelled and not done and job.generator is not None:
                with contextlib.suppress(Exception):
                    job.generator.close()  # cancelled during the slice: undo it now
                done = True
            used = time.perf_counter() - start
            job.compute += used
            with self._cv:
                state.vtime += used
                state.last_ran = time.monotonic()
                if done or job.cancelled:
                    job.running = False
                    if state.jobs and state.jobs[0] is job:
                        state.jobs.popleft()
            if job.cancelled:
                job._settle(cancel=True)
            elif done:
                job._settle(result, error)

    def _slice(self, job: Job) -> tuple[bool, Any, BaseException | None]:
        """Run ``job`` for about one slice: (finished, its result, its error)."""
        end = time.perf_counter() + self.slice_seconds
        try:
            if job.cancelled:
                if job.generator is not None:
                    job.generator.close()  # GeneratorExit at its yield: it undoes its work
                return True, None, None
            if job.generator is None:
                result = job.work()
                if not isinstance(result, Generator):
                    return True, result, None
                job.generator = result
            while time.perf_counter() < end:
                if job.cancelled:
                    job.generator.close()
                    return True, None, None
                next(job.generator)
            return False, None, None
        except StopIteration as stop:
            return True, stop.value, None
        except Exception as exc:
            return True, None, exc


_scheduler: Scheduler | None = None
_lock = threading.Lock()


def scheduler() -> Scheduler:
    """The process's scheduler: one for every tab of every app in this process."""
    global _scheduler
    with _lock:
        if _scheduler is None:
            _scheduler = Scheduler()
        return _scheduler
