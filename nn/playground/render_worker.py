"""Pictures drawn in worker processes, each render with a deadline and a bounded layout.

Graphviz lays a graph out in the process that renders it: the system ``dot`` in a child
process, the WebAssembly build inside Python (``wasmtime``, which cannot be interrupted).
Neither may run on the server's event loop, and neither may run unbounded: the issue's
``a**a**...**a`` (100 a's, 298 characters) took dot 30 s and the WebAssembly build 161 s.

Two bounds, both measured on the 2-core machine the playground is made for:

* **The layout's cost, before rendering.** dot gives every edge that spans several
  levels one virtual node per level, then positions all of them with network simplex:
  the work grows with the sum of edge lengths, not with the count of values. One leaf
  feeding 99 operations down a chain makes 9,908 such points (19,916 nodes in dot's own
  count), where a 67-value sum of 16 neurons makes 307. ``layout_cost`` estimates the
  points from the DOT text and pictures past ``MAX_LAYOUT`` are refused with a message
  naming the leaf that spreads. Measured below 3,000 points: at most 0.75 s in either
  renderer; the 100-a chain: over 60 s with dot.
* **Graphviz's own iteration limits**, ``nslimit=5 nslimit1=5`` (``LAYOUT_ATTRIBUTES``):
  network simplex stops after 5 passes per node. The presets and ordinary graphs are
  drawn byte for byte as without them (tested); the 100-a chain drops to about 1.5 s
  (dot) and 2 s (WebAssembly).
* **A deadline**, ``RENDER_SECONDS``: a render still running then is stopped by killing
  its worker process (and the ``dot`` it started: the worker leads its own process
  group), and a new worker takes its place.

The workers are started with ``spawn`` and persist, so the WebAssembly module compiles
once per worker (about 2 s), not once per picture. ``render(source)`` is what the
server's Graph view uses (``sessions.RENDER``); it blocks its calling thread, never the
event loop.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import multiprocessing
import os
import queue
import re
import signal
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from autograd_core.viz import RenderError, render_svg

from .fair import waited

LOG = logging.getLogger("nn.playground")

RENDER_WORKERS = 2  # one per core of the laptop the playground is made for
RENDER_SECONDS = 5.0  # a render's deadline (bounded layouts take under 1 s)
WAIT_SECONDS = 20.0  # the longest a picture waits for a free worker
START_SECONDS = 60.0  # a worker's start: imports, and the WebAssembly module's compilation
MAX_LAYOUT = 3000  # layout points (see layout_cost)
LAYOUT_ATTRIBUTES = "nslimit=5 nslimit1=5"
BUSY = "the playground is drawing many pictures: try again in a moment"

_ID = r'([A-Za-z_][\w]*|"(?:[^"\\]|\\.)*")'
_EDGE = re.compile(rf"^[ \t]*{_ID}[ \t]*->[ \t]*{_ID}", re.M)
_GRAPH = re.compile(r"^\s*(?:strict\s+)?(?:di)?graph\b[^{]*\{", re.I)


@dataclass(frozen=True)
class Layout:
    """``points``: the nodes dot positions, virtual ones included; ``node``: the node whose
    edges add the most of them, ``name`` its label, ``consumers`` its out-edges and
    ``levels`` the levels they span."""

    points: int
    node: str
    name: str
    consumers: int
    levels: int


def layout_cost(source: str) -> Layout:
    """An estimate of dot's layout work for the DOT text ``source``.

    Levels are placed as dot's ranking would, near enough: each node just above its
    nearest consumer (longest path from the sources, then every node pulled down to one
    level above its first consumer). An edge spanning ``k`` levels adds ``k - 1`` virtual
    nodes. Cycles (which chainrule's graphs never have) count 50 points an edge."""
    edges = _EDGE.findall(source)
    succ: dict[str, list[str]] = defaultdict(list)
    pred: dict[str, list[str]] = defaultdict(list)
    nodes: set[str] = set()
    for a, b in edges:
        succ[a].append(b)
        pred[b].append(a)
        nodes.update((a, b))
    waiting = {n: len(pred[n]) for n in nodes}
    order = [n for n in nodes if not waiting[n]]
    for n in order:  # grows while it is walked: a topological order
        for m in succ[n]:
            waiting[m] -= 1
            if not waiting[m]:
                order.append(m)
    if len(order) < len(nodes):
        return Layout(len(nodes) + 50 * len(edges), "", "", 0, 0)
    rank: dict[str, int] = {}
    for n in order:
        rank[n] = max((rank[p] + 1 for p in pred[n]), default=0)
    for n in reversed(order):
        if succ[n]:
            rank[n] = min(rank[s] for s in succ[n]) - 1
    spread: dict[str, int] = defaultdict(int)
    for a, b in edges:
        spread[a] += rank[b] - rank[a] - 1
    if not spread:
        return Layout(len(nodes), "", "", 0, 0)
    worst = max(spread, key=lambda n: spread[n])
    levels = max(rank[s] for s in succ[worst]) - rank[worst] if succ[worst] else 0
    distinct = len(set(succ[worst]))
    return Layout(len(nodes) + sum(spread.values()), worst, _label(source, worst), distinct, levels)


def _label(source: str, node: str) -> str:
    """The name in ``node``'s box (a record label ``{name|data ...}``), else its id."""
    found = re.search(rf'^[ \t]*{re.escape(node)}[ \t]*\[label="\{{?([^|"}}]*)', source, re.M)
    return found.group(1).replace("\\ ", " ").strip() if found else node


def check_layout(source: str, limit: int = MAX_LAYOUT) -> None:
    """``RenderError`` if ``source`` would cost more than ``limit`` layout points."""
    cost = layout_cost(source)
    if cost.points <= limit:
        return
    what = (
        f"{cost.name} feeds {cost.consumers} operations spread over {cost.levels} levels, so the "
        if cost.consumers
        else ""
    )
    raise RenderError(
        f"this graph would take too long to lay out: {what}layout needs {cost.points:,} points "
        f"and the playground draws at most {limit:,}. Use {cost.name or 'a value'} fewer times "
        "or write a shorter chain"
    )


def with_attributes(source: str, attributes: str = LAYOUT_ATTRIBUTES) -> str:
    """``source`` with graph ``attributes`` set first thing (its own settings follow)."""
    found = _GRAPH.match(source)
    if not attributes or found is None:
        return source
    return f"{source[: found.end()]}\n\tgraph [{attributes}]{source[found.end() :]}"


# -- the workers ---------------------------------------------------------------------------------


def _serve(conn: Any, renderer: str | None) -> None:
    """A worker's life: lead a process group (so a ``dot`` it starts dies with it), warm
    the renderer up, then render each DOT text it is sent until its pipe closes."""
    with contextlib.suppress(OSError, AttributeError):
        os.setsid()
    from autograd_core.viz.render import render_svg

    with contextlib.suppress(Exception):  # the WebAssembly module compiles on its first use
        render_svg("digraph { a -> b }", renderer)
    conn.send(("ready", ""))
    while True:
        try:
            source = conn.recv()
        except (EOFError, OSError):
            return
        try:
            conn.send(("svg", render_svg(source, renderer)))
        except Exception as exc:  # a picture the renderer refuses; the worker goes on
            conn.send(("error", str(exc)[:500]))


class _Worker:
    """One worker process and the parent's end of its pipe."""

    def __init__(self, renderer: str | None) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(
            target=_serve, args=(child, renderer), daemon=True, name="chainrule-render"
        )
        self.process.start()
        child.close()

    def ready(self, seconds: float) -> bool:
        """True once the worker says it is ready (its renderer warm), within ``seconds``."""
        try:
            return bool(self.conn.poll(seconds)) and self.conn.recv()[0] == "ready"
        except (EOFError, OSError):
            return False

    def render(self, source: str, seconds: float) -> tuple[str, str] | None:
        """("svg", text) or ("error", message); None past ``seconds`` or if it died."""
        try:
            self.conn.send(source)
            if not self.conn.poll(seconds):
                return None
            kind, text = self.conn.recv()
            return str(kind), str(text)
        except (EOFError, OSError):
            return None

    def stop(self) -> None:
        """Kill the worker and everything in its process group (a running ``dot``)."""
        pid = self.process.pid
        if pid is not None:
            try:
                if os.getpgid(pid) == pid:  # it leads its group (setsid ran): kill the group
                    os.killpg(pid, signal.SIGKILL)
                else:
                    self.process.kill()
            except (ProcessLookupError, PermissionError, OSError, AttributeError):
                with contextlib.suppress(Exception):
                    self.process.kill()
        self.process.join(2)
        self.conn.close()


class RenderPool:
    """``workers`` persistent render processes; ``render`` waits for a free one (at most
    ``WAIT_SECONDS``), checks the layout's cost (``max_layout``; None: no limit), sets
    ``attributes`` on the graph and renders with a deadline of ``seconds``. A worker past
    its deadline is killed and replaced. Thread-safe: the server calls it from many threads."""

    def __init__(
        self,
        workers: int = RENDER_WORKERS,
        seconds: float = RENDER_SECONDS,
        renderer: str | None = None,
        max_layout: int | None = MAX_LAYOUT,
        attributes: str = LAYOUT_ATTRIBUTES,
    ) -> None:
        self.seconds, self.renderer = seconds, renderer
        self.max_layout, self.attributes = max_layout, attributes
        self._idle: queue.Queue[_Worker | None] = queue.Queue()  # None: draw in this process
        self._lock = threading.Lock()
        self._all: set[_Worker] = set()
        self._closed = False
        for _ in range(workers):
            self._start()

    def _start(self) -> None:
        """Start a worker; it joins the idle ones once it is ready (in a thread of its own)."""

        def start() -> None:
            """Start a worker in the background (three tries), unless the pool closed."""
            for attempt in range(3):
                with self._lock:
                    if self._closed:
                        return
                    worker = _Worker(self.renderer)
                    self._all.add(worker)
                if worker.ready(START_SECONDS):
                    self._idle.put(worker)
                    return
                if self._closed:
                    return
                LOG.error("a render worker did not start (attempt %d of 3)", attempt + 1)
                self._discard(worker)
                time.sleep(1.0)
            # No worker process here (a __main__ that spawn cannot import, say): draw in the
            # calling thread, still off the event loop and within the layout bound.
            LOG.error("render workers cannot start: pictures are drawn in the server's threads")
            self._idle.put(None)

        threading.Thread(target=start, name="chainrule-render-start", daemon=True).start()

    def _discard(self, worker: _Worker) -> None:
        with self._lock:
            self._all.discard(worker)
        worker.stop()

    def render(self, source: str) -> str:
        """The SVG for the DOT text ``source`` (``RenderError``: refused, too slow, busy)."""
        if self.max_layout is not None:
            check_layout(source, self.max_layout)
        source = with_attributes(source, self.attributes)
        for _ in range(2):  # a worker that died while idle is replaced and the picture retried
            asked = time.monotonic()
            try:
                worker = self._idle.get(timeout=WAIT_SECONDS)
            except queue.Empty:
                raise RenderError(BUSY) from None
            finally:
                waited(time.monotonic() - asked)  # not billed to the tab (see fair)
            if worker is None:
                try:
                    return render_svg(source, self.renderer)
                finally:
                    self._idle.put(None)
            started = time.perf_counter()
            reply = worker.render(source, self.seconds)
            if reply is not None:
                self._idle.put(worker)
                kind, text = reply
                if kind == "error":
                    raise RenderError(text)
                return text
            self._discard(worker)
            self._start()
            if time.perf_counter() - started >= self.seconds:
                raise RenderError(
                    f"drawing this graph took over {self.seconds:g} s, so the playground stopped it: "
                    "draw a smaller graph"
                )
        raise RenderError("the picture could not be drawn (its renderer stopped): try again")

    def close(self) -> None:
        """Stop every worker (those busy now are stopped when they come back)."""
        with self._lock:
            self._closed = True
            workers = list(self._all)
            self._all.clear()
        for worker in workers:
            worker.stop()


_pool: RenderPool | None = None
_pool_lock = threading.Lock()


def pool() -> RenderPool:
    """The process's render pool (started on first use)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = RenderPool()
            atexit.register(_pool.close)
        return _pool


def render(source: str) -> str:
    """The SVG for the DOT text ``source``, in the process's render pool."""
    return pool().render(source)
