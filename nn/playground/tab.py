"""One browser tab of the playground: its sessions, its message queue, its budget.

A tab's receiving loop only reads, counts and queues messages (``Tab.serve``); graph
work runs in ``graph_pool()``'s threads and pictures in the render workers; training in
the scheduler, in slices. ``HANDLERS`` maps each message type to what it does. The
limits (``MAX_TABS``, ``MAX_TABS_PER_CLIENT``, the rate, the time-outs) are here, with
the tab that keeps them; the server (``server``) admits tabs and checks origins.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from . import sessions
from .fair import FairGate, GateTimeout
from .render_worker import BUSY, RENDER_WORKERS, WAIT_SECONDS
from .room_messages import ROOM_HANDLERS
from .rooms import Room, Rooms
from .scheduler import Job, Scheduler
from .sessions import (
    PRESET_VALUES,
    PRESETS,
    GraphSession,
    PlaygroundError,
    TrainSession,
    check_epochs,
    checked_config,
    neuron_reply,
)

MAX_TABS = 64  # a class of 30 with a second tab each, and the teacher's
MAX_TABS_PER_CLIENT = 8  # one laptop: a few tabs, a reload or two
MAX_MESSAGE = 64 * 1024  # bytes
MAX_MESSAGES_PER_SECOND = 60
FLOOD = 10 * MAX_MESSAGES_PER_SECOND  # messages in a second that close the tab
TICKS_PER_SECOND = 15  # train-view updates while playing
FIRST_MESSAGE_SECONDS = 10.0  # the page sends its first message as soon as it connects
IDLE_SECONDS = 15 * 60.0
SEND_SECONDS = 30.0
GRAPH_QUEUE = 32  # graph requests waiting in one tab
LOG = logging.getLogger("nn.playground")

_graph_pool: ThreadPoolExecutor | None = None
_graph_pool_lock = threading.Lock()
#: Graph work runs RENDER_WORKERS requests at a time, the tab that drew least lately first.
GRAPH_GATE = FairGate(RENDER_WORKERS)
_NUMBERS = itertools.count()


def graph_pool() -> ThreadPoolExecutor:
    """The threads that do graph work (and wait for pictures): one a tab at most."""
    global _graph_pool
    with _graph_pool_lock:
        if _graph_pool is None:
            _graph_pool = ThreadPoolExecutor(max_workers=MAX_TABS, thread_name_prefix="chainrule-graph")
        return _graph_pool


def _error(exc: PlaygroundError) -> dict[str, Any]:
    return {"type": "error", "message": str(exc), **getattr(exc, "details", {})}


def _internal(exc: BaseException, what: str) -> dict[str, Any]:
    """A bug must not end the tab, let alone the server: log it (the log summarises
    repeats) and tell the page."""
    LOG.error("internal error in %s", what, exc_info=exc)
    return {"type": "error", "message": f"internal error: {type(exc).__name__}: {exc}"[:300]}


class Tab:
    """One connected tab: its sessions, its message budget, its queues of work."""

    def __init__(self, ws: WebSocket, scheduler: Scheduler) -> None:
        self.ws = ws
        self.scheduler = scheduler
        self.graph = GraphSession()
        self.number = next(_NUMBERS)  # its name at the fair gate (an id() is reused)
        self.train: TrainSession | None = None  # made in the scheduler's thread, on first use
        self.opened = self.last_heard = time.monotonic()
        self.heard = False
        self.arrivals: deque[float] = deque()  # accepted messages in the last second
        self.flood: deque[float] = deque()  # every message in the last second
        self.send_lock = asyncio.Lock()
        self.ending = asyncio.Event()
        self.tasks: set[asyncio.Task[None]] = set()
        self.graph_queue: deque[tuple[str, Any]] = deque()
        self.graph_task: asyncio.Task[None] | None = None
        self.train_queue: deque[tuple[str, Any]] = deque()
        self.train_wake = asyncio.Event()
        self.train_task: asyncio.Task[None] | None = None
        self.running: Job | None = None
        self.running_kind = ""
        self.dropped: set[Job] = set()  # jobs whose result nobody wants any more
        self.playing = False
        self.tick_times: deque[float] = deque(maxlen=64)
        self.play_started = 0.0
        self.rooms: Rooms | None = None  # the server's rooms (``rooms``); set by the server
        self.room: Room | None = None  # the room this tab leads or follows
        self.may_lead = False  # the laptop itself, or a browser with the teacher token

    # -- the tab's life -----------------------------------------------------------------------

    async def serve(self) -> None:
        """Read messages until the tab closes (or something ends it)."""
        reader = asyncio.ensure_future(self._read())
        ended = asyncio.ensure_future(self.ending.wait())
        try:
            await asyncio.wait({reader, ended}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (reader, ended):
                task.cancel()
            with contextlib.suppress(BaseException):
                await reader

    def stop(self) -> None:
        """The tab has gone: stop its tasks and its training."""
        self.playing = False
        if self.room is not None:
            self.room.leave(self)
        for task in list(self.tasks):
            task.cancel()
        self.scheduler.forget(self)

    def end(self) -> None:
        """End the tab (its ``serve`` returns)."""
        self.ending.set()

    async def close(self, code: int, reason: str) -> None:
        """Close the socket with ``code`` and ``reason`` (if it still can be), and end the tab."""
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.ws.close(code=code, reason=reason[:120]), 5)
        self.end()

    def _spawn(self, coro: Any) -> asyncio.Task[None]:
        task = asyncio.ensure_future(self._guard(coro))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    async def _guard(self, coro: Any) -> None:
        """Run a worker of this tab; if the socket has gone (or stopped reading), end the tab."""
        try:
            await coro
        except asyncio.CancelledError:
            raise
        except (WebSocketDisconnect, OSError, RuntimeError, asyncio.TimeoutError):
            self.end()
        except Exception as exc:
            _internal(exc, "a tab's worker")
            self.end()

    async def send(self, msg: dict[str, Any]) -> None:
        """Send ``msg``; a tab that has not read for SEND_SECONDS raises TimeoutError."""
        text = json.dumps(msg, separators=(",", ":"))
        async with self.send_lock:
            await asyncio.wait_for(self.ws.send_text(text), SEND_SECONDS)

    # -- receiving ----------------------------------------------------------------------------

    async def _read(self) -> None:
        try:
            while True:
                message = await self._receive()
                if message is None or message["type"] == "websocket.disconnect":
                    return
                if message.get("text") is None:
                    await self.close(1003, 'the playground takes text messages: JSON objects with a "type"')
                    return
                try:
                    reply = self.answer(message["text"])
                except PlaygroundError as exc:
                    reply = _error(exc)
                except Exception as exc:
                    reply = _internal(exc, "a message")
                if reply is not None:
                    await self.send(reply)
                if self.flood and len(self.flood) > FLOOD:
                    await self.close(1008, f"over {FLOOD} messages a second")
                    return
        except (WebSocketDisconnect, OSError, RuntimeError, asyncio.TimeoutError):
            return

    async def _receive(self) -> dict[str, Any] | None:
        """The next message; None once the tab has been closed for silence."""
        while True:
            now = time.monotonic()
            if not self.heard:
                left: float | None = self.opened + FIRST_MESSAGE_SECONDS - now
                why = f"no message within {FIRST_MESSAGE_SECONDS:g} s of opening"
            elif self.playing or self.room is not None:  # training, or in a class: not idle
                left = None
            else:
                left = self.last_heard + IDLE_SECONDS - now
                why = f"closed after {IDLE_SECONDS / 60:g} minutes without a message: reload the page"
            if left is not None and left <= 0:
                await self.close(1008 if not self.heard else 1001, why)
                return None
            try:
                message = await asyncio.wait_for(self.ws.receive(), min(left or 30.0, 30.0))
            except asyncio.TimeoutError:
                continue
            return dict(message)

    def _count(self, now: float) -> None:
        """At most MAX_MESSAGES_PER_SECOND accepted in any second, counted on arrival."""
        for times in (self.arrivals, self.flood):
            while times and now - times[0] >= 1.0:
                times.popleft()
        self.flood.append(now)
        if len(self.arrivals) >= MAX_MESSAGES_PER_SECOND:
            raise PlaygroundError(f"too many messages: at most {MAX_MESSAGES_PER_SECOND} a second")
        self.arrivals.append(now)

    def answer(self, text: str) -> dict[str, Any] | None:
        """Take one message: answer it now, or queue its work (``None``: the reply comes later)."""
        now = time.monotonic()
        self.heard, self.last_heard = True, now
        if len(text) > MAX_MESSAGE:
            raise PlaygroundError(f"a message is at most {MAX_MESSAGE:,} bytes")
        self._count(now)
        try:
            msg = json.loads(text)
        except (ValueError, RecursionError):
            raise PlaygroundError("a message must be a JSON object") from None
        if not isinstance(msg, dict) or not isinstance(msg.get("type"), str):
            raise PlaygroundError('a message must be a JSON object with a "type"')
        handler = HANDLERS.get(msg["type"])
        if handler is None:
            raise PlaygroundError(f"unknown message type {msg['type']!r:.40}; known: {sorted(HANDLERS)}")
        if self.room is not None:
            self.room.check(self, msg["type"])  # a student following the teacher
        return handler(self, msg)

    # -- the Graph view: in a thread of graph_pool, one request at a time ------------------------

    def queue_graph(self, kind: str, arg: Any) -> None:
        """Queue graph work ("load", "leaf", "theme"), replacing what it makes stale."""
        q = self.graph_queue
        if kind == "leaf":  # the newest value of a leaf replaces one still waiting
            for i in range(len(q) - 1, -1, -1):
                if q[i][0] != "leaf":
                    break
                if q[i][1][0] == arg[0]:
                    q[i] = (kind, arg)
                    return
        elif kind == "load":  # a new graph: what waits for the old one is stale
            self.graph_queue = q = deque(item for item in q if item[0] in ("theme", "collapse"))
        if len(q) >= GRAPH_QUEUE:
            raise PlaygroundError("the graph is busy: wait for it to catch up")
        q.append((kind, arg))
        if self.graph_task is None:
            self.graph_task = self._spawn(self._graph_worker())

    async def _graph_worker(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self.graph_queue:
                kind, arg = self.graph_queue.popleft()
                try:
                    reply = await loop.run_in_executor(graph_pool(), self._graph_work, kind, arg)
                except PlaygroundError as exc:
                    reply = _error(exc)
                except Exception as exc:
                    reply = _internal(exc, f"graph work ({kind})")
                await self.send(reply)
                if self.room is not None and reply["type"] != "error":
                    self.room.graph_changed(self, reply)  # the teacher leads the class
        finally:
            self.graph_task = None

    def _fairly(self, work: Any, *args: Any) -> Any:
        """``work(*args)`` in a graph thread, once the fair gate lets this tab through
        (not at all if the tab closed while it waited)."""
        try:
            with GRAPH_GATE.turn(self.number, WAIT_SECONDS):
                if self.ending.is_set():
                    raise PlaygroundError("the tab has closed")
                return work(*args)
        except GateTimeout:
            raise PlaygroundError(BUSY) from None

    def _graph_work(self, kind: str, arg: Any) -> dict[str, Any]:
        """In a graph thread: load, move a leaf, or redraw (the other theme, neurons folded or not)."""
        return self._fairly(self._graph_step, kind, arg)

    def _graph_step(self, kind: str, arg: Any) -> dict[str, Any]:
        if kind == "load":
            text, values = arg
            return self.graph.load(text, values)
        if kind == "leaf":
            return self.graph.set_leaf(*arg)
        if kind == "collapse":
            self.graph.collapse = arg
        else:
            self.graph.theme = arg
        return self.graph.load(self.graph.text or PRESETS["neuron"], self.graph.values)

    # -- the Train view: in the scheduler's thread, fairly shared ---------------------------------

    def queue_train(self, kind: str, arg: Any) -> None:
        """Queue training work ("config", "step", "neuron"), replacing what it makes stale."""
        q = self.train_queue
        if kind == "config":  # everything before it is stale: stop it, drop it
            self.stop_playing()
            q.clear()
            self._drop_running()
        elif kind == "step":
            self.stop_playing()
            self.train_queue = q = deque(item for item in q if item[0] != "step")
        elif kind == "neuron":
            self.train_queue = q = deque(item for item in q if item[0] != "neuron")
        q.append((kind, arg))
        self._wake_trainer()

    def _wake_trainer(self) -> None:
        self.train_wake.set()
        if self.train_task is None:
            self.train_task = self._spawn(self._train_worker())

    def _drop_running(self, kind: str | None = None) -> None:
        job = self.running
        if job is not None and (kind is None or self.running_kind == kind):
            self.dropped.add(job)
            self.scheduler.cancel(job)

    def start_playing(self) -> None:
        """Train and send an update about TICKS_PER_SECOND times a second until paused."""
        if not self.playing:
            self.playing = True
            self.tick_times.clear()
            self.play_started = time.monotonic()
            self._wake_trainer()

    def stop_playing(self) -> None:
        """Stop the ticks; a tick in progress is cancelled (it undoes itself) and not sent."""
        self.playing = False
        self._drop_running("tick")

    async def _train_worker(self) -> None:
        period = 1.0 / TICKS_PER_SECOND
        next_tick = 0.0
        while True:
            self.train_wake.clear()
            if self.train_queue:
                kind, arg = self.train_queue.popleft()
            elif self.playing:
                wait = next_tick - time.monotonic()
                if wait > 0:
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(self.train_wake.wait(), wait)
                    continue
                kind, arg = "tick", None
                next_tick = time.monotonic() + period
            else:
                await self.train_wake.wait()
                continue
            job = self.scheduler.submit(self, partial(self._train_work, kind, arg))
            self.running, self.running_kind = job, kind
            try:
                await asyncio.wait({job.future})
            finally:
                self.running = None
            if job in self.dropped or job.future.cancelled():
                self.dropped.discard(job)
                continue
            error = job.future.exception()
            if isinstance(error, PlaygroundError):
                reply = _error(error)
            elif error is not None:
                reply = _internal(error, f"training ({kind})")
            elif kind == "neuron":
                source = job.future.result()
                loop = asyncio.get_running_loop()
                try:
                    svg = await loop.run_in_executor(graph_pool(), self._fairly, sessions.RENDER, source)
                    reply = neuron_reply(arg[0], arg[1], svg)
                except Exception as exc:
                    reply = {"type": "error", "message": str(exc)[:300]}
            else:
                reply = job.future.result()
                if kind == "tick":
                    reply.update(self._rate())
            await self.send(reply)
            if reply.get("type") == "train" and self.train is not None:
                self.train.delivered()

    def _train_work(self, kind: str, arg: Any) -> Any:
        """In the scheduler's thread: the work of one request (a generator: in slices)."""
        if self.train is None:
            self.train = TrainSession()
        if kind == "config":
            return self.train.configure(arg)
        if kind == "step":
            return self.train.step_slices(arg)
        if kind == "tick":
            return self.train.step_slices(1)
        return self.train.neuron_source(*arg)

    def _rate(self) -> dict[str, Any]:
        """How many updates a second this tab gets while playing (those of the last 2 s;
        None for the first half second)."""
        now = time.monotonic()
        self.tick_times.append(now)
        while now - self.tick_times[0] > 2.0:
            self.tick_times.popleft()
        span = min(2.0, now - self.play_started)
        rate = round(len(self.tick_times) / span, 2) if span >= 0.5 else None
        return {"rate": rate, "rate_goal": TICKS_PER_SECOND, "sharing": self.scheduler.sharing()}


def _field(msg: dict[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    value = msg.get(key)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise PlaygroundError(f"the message needs {key!r} of type {getattr(kind, '__name__', 'number')}")
    return value


def _preset(tab: Tab, msg: dict[str, Any]) -> None:
    name = _field(msg, "name", str)
    if name not in PRESETS:
        raise PlaygroundError(f"unknown preset {name!r:.40}; choose one of {sorted(PRESETS)}")
    tab.queue_graph("load", (PRESETS[name], PRESET_VALUES.get(name)))


def _expression(tab: Tab, msg: dict[str, Any]) -> None:
    tab.queue_graph("load", (_field(msg, "text", str), None))


def _leaf(tab: Tab, msg: dict[str, Any]) -> None:
    name = _field(msg, "name", str)
    value = _field(msg, "value", (int, float))
    try:
        number = float(value)
    except OverflowError:
        number = float("inf")
    if not abs(number) <= 1e6:
        digits = str(value)
        shown = f"{digits[:12]}... ({len(digits)} digits)" if len(digits) > 15 else digits
        in_use = {"leaf": name, "value": tab.graph.values[name]} if name in tab.graph.values else {}
        raise PlaygroundError(f"value must be a number of size at most 1e6, got {shown}", **in_use)
    tab.queue_graph("leaf", (name, number))


def _theme(tab: Tab, msg: dict[str, Any]) -> None:
    tab.queue_graph("theme", "projector" if _field(msg, "projector", bool) else "default")


def _collapse(tab: Tab, msg: dict[str, Any]) -> None:
    tab.queue_graph("collapse", _field(msg, "collapse", bool))


def _configure(tab: Tab, msg: dict[str, Any]) -> None:
    config = _field(msg, "config", dict)
    checked_config(config, tab.train.config if tab.train is not None else None)  # refused now, or queued
    tab.queue_train("config", config)


def _play(tab: Tab, msg: dict[str, Any]) -> dict[str, Any]:
    tab.start_playing()
    return {"type": "playing", "playing": True}


def _pause(tab: Tab, msg: dict[str, Any]) -> dict[str, Any]:
    tab.stop_playing()
    return {"type": "playing", "playing": False}


def _step(tab: Tab, msg: dict[str, Any]) -> None:
    tab.queue_train("step", check_epochs(msg.get("epochs", 1)))


def _reset(tab: Tab, msg: dict[str, Any]) -> None:
    tab.queue_train("config", {})


def _neuron(tab: Tab, msg: dict[str, Any]) -> None:
    tab.queue_train("neuron", (_field(msg, "layer", int), _field(msg, "index", int)))


HANDLERS = {
    "graph.preset": _preset,
    "graph.expr": _expression,
    "graph.leaf": _leaf,
    "graph.theme": _theme,
    "graph.collapse": _collapse,
    "train.config": _configure,
    "train.play": _play,
    "train.pause": _pause,
    "train.step": _step,
    "train.reset": _reset,
    "train.neuron": _neuron,
    **ROOM_HANDLERS,  # the classroom: rooms.py
}
