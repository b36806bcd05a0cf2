"""How the playground is served: uvicorn's settings, a guard on every connection, and a
log that summarises floods instead of printing them.

uvicorn accepts every connection and waits forever for a request's headers; it caps
nothing per client address. So (measured before: 1,124 half-open requests used up the
file descriptors and wrote 677 MB of log in 45 s):

* ``GuardedH11Protocol`` closes a connection whose request head has not arrived within
  ``REQUEST_HEAD_SECONDS`` of its start (or of the previous response), and refuses a
  connection past ``MAX_CONNECTIONS`` in all or ``MAX_CONNECTIONS_PER_CLIENT`` from one
  address (a browser opens about 6 per site, plus one WebSocket a tab);
* ``Summarise`` lets ``LOG_BURST`` records of one kind through per ``LOG_WINDOW_SECONDS``
  and then writes one line with the count of the rest;
* ``config`` sets uvicorn's own limits where they serve: keep-alive, WebSocket pings (a
  vanished laptop is noticed in 20 s), message size, backlog, a short graceful shutdown.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from .server import MAX_MESSAGE

REQUEST_HEAD_SECONDS = 10.0
MAX_CONNECTIONS_PER_CLIENT = 32
LOG_BURST = 5
LOG_WINDOW_SECONDS = 10.0
LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "asyncio", "websockets", "nn.playground")


def max_connections() -> int:
    """Connections at once, all clients: 512, or half the file descriptors allowed."""
    try:
        import resource  # POSIX

        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    except (ImportError, OSError, ValueError):
        return 512
    return max(64, min(512, soft // 2)) if soft > 0 else 512


MAX_CONNECTIONS = max_connections()
LOG = logging.getLogger("nn.playground")


class GuardedH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol with a time limit on request heads and caps on connections."""

    def connection_made(self, transport: Any) -> None:
        """A new connection: its request head must arrive within the time limit."""
        super().connection_made(transport)
        self._head_since: float | None = time.monotonic()
        self._head_timer: Any = None
        host = self.client[0] if self.client else None
        total = len(self.connections)
        mine = sum(1 for c in self.connections if (getattr(c, "client", None) or ("",))[0] == host)
        if total > MAX_CONNECTIONS or (host is not None and mine > MAX_CONNECTIONS_PER_CLIENT):
            LOG.warning(
                "refused a connection from %s: %d connections from it, %d in all (at most %d and %d)",
                host, mine, total, MAX_CONNECTIONS_PER_CLIENT, MAX_CONNECTIONS,
            )  # fmt: skip
            transport.abort()
            return
        self._head_timer = self.loop.call_later(REQUEST_HEAD_SECONDS, self._check_head)

    def _waiting_for_head(self) -> bool:
        cycle = getattr(self, "cycle", None)
        return self.conn.their_state is h11.IDLE and (cycle is None or cycle.response_complete)

    def data_received(self, data: bytes) -> None:
        """Bytes of a request: the head's clock starts with its first byte."""
        if self._head_since is None and self._waiting_for_head():
            self._head_since = time.monotonic()
        super().data_received(data)
        if not self._waiting_for_head():
            self._head_since = None

    def on_response_complete(self) -> None:
        """A response sent: the next request on this connection gets the same limit."""
        super().on_response_complete()
        if self._waiting_for_head() and self._head_since is None:
            self._head_since = time.monotonic()  # the next request's head has the same limit

    def _check_head(self) -> None:
        self._head_timer = None
        if self.transport.is_closing() or self.transport.get_protocol() is not self:
            return  # closed, or handed to the WebSocket protocol
        since = self._head_since
        if since is not None and self._waiting_for_head():
            left = since + REQUEST_HEAD_SECONDS - time.monotonic()
            if left <= 0:
                self.transport.close()
                return
        else:
            left = REQUEST_HEAD_SECONDS
        self._head_timer = self.loop.call_later(max(left, 0.1), self._check_head)

    def handle_websocket_upgrade(self, event: Any) -> None:
        """A WebSocket: no head limit from here on (the tab keeps its own time-outs)."""
        self._stop_timer()
        super().handle_websocket_upgrade(event)

    def connection_lost(self, exc: Exception | None) -> None:
        """The connection is gone: stop its timer."""
        self._stop_timer()
        super().connection_lost(exc)

    def _stop_timer(self) -> None:
        timer = getattr(self, "_head_timer", None)
        if timer is not None:
            timer.cancel()
            self._head_timer = None


class Summarise(logging.Filter):
    """At most ``burst`` records of one kind (logger, level, message) per ``window`` seconds;
    then one record saying how many more there were."""

    def __init__(self, burst: int = LOG_BURST, window: float = LOG_WINDOW_SECONDS) -> None:
        super().__init__()
        self.burst, self.window = burst, window
        self._lock = threading.Lock()
        self._kinds: dict[tuple[str, int, str], list[Any]] = {}  # kind -> [start, shown, hidden, record]

    def filter(self, record: logging.LogRecord) -> bool:
        """Pass a few records of a kind per window; count the rest for one summary line."""
        if getattr(record, "summary", False):
            return True
        kind = (record.name, record.levelno, str(record.msg)[:120])
        now = time.monotonic()
        with self._lock:
            state = self._kinds.get(kind)
            if state is None or now - state[0] >= self.window:
                if state is not None and state[2]:
                    self._summarise(kind, state)
                state = self._kinds[kind] = [now, 0, 0, record]
                if len(self._kinds) > 1000:  # kinds never seen again
                    self._kinds = {k: s for k, s in self._kinds.items() if now - s[0] < self.window}
                    self._kinds[kind] = state
            if state[1] < self.burst:
                state[1] += 1
                return True
            state[2] += 1
            if state[2] == 1:  # the first one held back: say how many at the window's end
                timer = threading.Timer(state[0] + self.window - now, self._flush, args=(kind, state))
                timer.daemon = True
                timer.start()
            return False

    def _flush(self, kind: tuple[str, int, str], state: list[Any]) -> None:
        with self._lock:
            if self._kinds.get(kind) is state and state[2]:
                self._summarise(kind, state)
                state[2] = 0

    def _summarise(self, kind: tuple[str, int, str], state: list[Any]) -> None:
        first: logging.LogRecord = state[3]
        text = first.getMessage().splitlines()[0][:200] if first.msg else ""
        summary = logging.LogRecord(
            first.name, first.levelno, __file__, 0,
            "%d more like it in the last %g s (not shown): %s", (state[2], self.window, text), None,
        )  # fmt: skip
        summary.summary = True
        logging.getLogger(first.name).handle(summary)


def quiet_floods() -> Summarise:
    """Put one ``Summarise`` filter on the server's loggers (once)."""
    for name in LOGGERS:
        for f in logging.getLogger(name).filters:
            if isinstance(f, Summarise):
                return f
    summarise = Summarise()
    for name in LOGGERS:
        logging.getLogger(name).addFilter(summarise)
    return summarise


def config(app: Any, host: str = "127.0.0.1", port: int = 8000, **overrides: Any) -> uvicorn.Config:
    """uvicorn's settings for the playground (``overrides``: any of uvicorn's own)."""
    settings: dict[str, Any] = {
        "host": host,
        "port": port,
        "http": GuardedH11Protocol,
        "log_level": "warning",
        "access_log": False,
        "ws_max_size": MAX_MESSAGE,
        "ws_ping_interval": 10.0,
        "ws_ping_timeout": 10.0,
        "timeout_keep_alive": 5,
        "backlog": 128,
        "timeout_graceful_shutdown": 2,
        **overrides,
    }
    return uvicorn.Config(app, **settings)


def run(app: Any, host: str = "127.0.0.1", port: int = 8000, **overrides: Any) -> None:
    """Serve ``app`` until interrupted, with the playground's settings and quiet logs."""
    server = uvicorn.Server(config(app, host, port, **overrides))
    quiet_floods()  # after uvicorn has set its loggers up (the config does)
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C: stopped, as uvicorn.run does
        server.run()
