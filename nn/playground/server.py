"""The playground's web server: an ASGI application (Starlette) served by uvicorn.

``GET /`` is the page, ``/static/...`` its script and style (shipped in the package:
nothing is loaded from another host, so it works on a classroom network with no
internet). Each browser tab opens one WebSocket, ``/ws``, and gets its own sessions
(a ``GraphSession`` and a ``TrainSession``); messages are JSON objects with a
``"type"``. A bad message gets an ``{"type": "error"}`` reply and the connection goes
on; nothing a client sends can stop the server or reach another tab.

One tab never stalls another. Every tab shares the laptop's event loop and its two
cores, so:

* **No work on the event loop.** A tab's receiving loop only reads, counts and queues
  messages. Graph work (parse, replay, layout) runs in a thread of ``graph_pool()``,
  pictures render in worker processes with a deadline (``render_worker``), training
  runs in the scheduler's thread (``scheduler``), in slices, fairly shared.
* **The newest request replaces a stale one.** A slider move waiting behind another of
  the same leaf takes its place (the newest value wins, none is refused); a new
  expression drops the moves and drawings still waiting for the old one; a new
  ``train.config`` cancels the training in progress (the cancelled step undoes itself)
  and what was queued; a ``train.step`` replaces a step still waiting.
* **Slots and sockets.** ``MAX_TABS`` tabs in all, ``MAX_TABS_PER_CLIENT`` from one
  address; a tab that sends nothing within ``FIRST_MESSAGE_SECONDS`` of opening, or
  nothing for ``IDLE_SECONDS`` while not training, is closed; so is one that does not
  read its updates for ``SEND_SECONDS``. Connection-level limits are in ``serving``.
* **Origin.** Only the page's own origin and a Host header naming this server may
  open a socket (loopback names when it listens on loopback, else the address the
  connection came in on; ``allowed_hosts`` adds names), so another site a student
  visits cannot drive the playground, not even through DNS rebinding.
* **Rooms** (``rooms``): ``/teach`` is the teacher's page, for the laptop itself (a
  loopback address) or a browser that brings the teacher token (``/teach?token=...``
  sets it as a cookie); only such a tab may open a room. Students open ``/join/<code>``.
* **The rate is counted as messages arrive**: at most ``MAX_MESSAGES_PER_SECOND`` in any
  second (a sliding window); ten times that closes the tab.

While playing, each train update carries ``rate`` (the updates a second this tab gets,
measured over the last 2 s), ``rate_goal`` (``TICKS_PER_SECOND``) and ``sharing`` (the
tabs training now): with 30 tabs training the largest network on 2 cores, each gets
about 2 of the 15 a second, the same for all, and the page can say so.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import threading
from collections.abc import Iterable
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket

from autograd_core.viz.replay import player_js

from . import render_worker, sessions
from .rooms import TEACHER_COOKIE, Rooms, new_token
from .scheduler import scheduler
from .sessions import (
    LIMITS,
    PRESETS,
)
from .tab import (
    MAX_MESSAGE,
    MAX_MESSAGES_PER_SECOND,
    MAX_TABS,
    MAX_TABS_PER_CLIENT,
    Tab,
)

LOG = logging.getLogger("nn.playground")


class Playground:
    """The application and its shared state (the tabs connected, from which addresses)."""

    def __init__(
        self,
        allowed_hosts: Iterable[str] = (),
        teacher_token: str | None = None,
        join_hosts: Iterable[str] | None = None,
    ) -> None:
        self.tabs = 0
        self.per_client: dict[str, int] = {}
        self.slots = threading.Lock()
        self.allowed_hosts = {h.lower().strip("[]") for h in allowed_hosts}
        self.scheduler = scheduler()
        self.rooms = Rooms(teacher_token or new_token(), MAX_TABS, join_hosts)
        sessions.RENDER = render_worker.render  # pictures in worker processes, with a deadline
        render_worker.pool()  # the workers start now, in the background
        static = resources.files("nn.playground").joinpath("static")
        self.app = Starlette(
            routes=[
                Route("/", self.index),
                Route("/limits", self.limits),
                Route("/player.js", self.player),
                Route("/favicon.ico", self.no_icon),
                Route("/teach", self.teach),
                Route("/join/{code}", self.index),
                WebSocketRoute("/ws", self.socket),
                Mount("/static", app=StaticFiles(directory=str(static)), name="static"),
            ]
        )
        self.app.state.teacher_token = self.rooms.token

    async def index(self, request: Any) -> HTMLResponse:
        """The page."""
        page = resources.files("nn.playground").joinpath("static/index.html").read_text(encoding="utf-8")
        return HTMLResponse(page)

    async def teach(self, request: Any) -> Response:
        """The teacher's page (the playground's, with a room bar): for the laptop itself or
        the teacher token; ``?token=`` keeps the token in a cookie, out of the address bar."""
        token = request.query_params.get("token")
        if token is not None:
            if not self.rooms.token_ok(token):
                return HTMLResponse("<p>That is not the teacher token this server printed.</p>", 403)
            response = RedirectResponse("/teach", 303)
            response.set_cookie(TEACHER_COOKIE, token, httponly=True, samesite="strict")
            return response
        if not self.may_lead(request.client.host if request.client else "", request.cookies):
            return HTMLResponse(
                "<p>The teacher's page opens on the laptop that runs the playground, or with the"
                " address it printed when it started. Students: open the address your teacher gives.</p>",
                403,
            )
        return await self.index(request)

    def may_lead(self, client: str, cookies: dict[str, str]) -> bool:
        """Whether a request from ``client`` may lead a room: the laptop itself (a loopback
        address) or a browser that brought the teacher token."""
        return is_loopback(canonical(client)) or self.rooms.token_ok(cookies.get(TEACHER_COOKIE))

    async def player(self, request: Any) -> Response:
        """The step player's core, the same script the replay page inlines."""
        return Response(player_js(), media_type="text/javascript")

    async def no_icon(self, request: Any) -> Response:
        """No icon (the page says so too): a browser that asks anyway gets an empty
        answer, not a 404 in its console on every load."""
        return Response(status_code=204)

    async def limits(self, request: Any) -> JSONResponse:
        """The limits that protect the teacher's laptop, and the presets."""
        return JSONResponse(
            {
                **LIMITS,
                "tabs": MAX_TABS,
                "tabs_per_client": MAX_TABS_PER_CLIENT,
                "message_bytes": MAX_MESSAGE,
                "messages_per_second": MAX_MESSAGES_PER_SECOND,
                "render_seconds": render_worker.RENDER_SECONDS,
                "layout_points": render_worker.MAX_LAYOUT,
                "presets": sorted(PRESETS),
            }
        )

    async def socket(self, ws: WebSocket) -> None:
        """One tab: check where it comes from, give it a slot, serve it."""
        problem = self.refusal(ws.scope)
        if problem is not None:
            LOG.warning("refused a WebSocket: %s", problem)
            await ws.close(code=1008, reason=problem[:120])  # before accepting: HTTP 403
            return
        client = ws.client.host if ws.client else "unknown"
        full = self.take_slot(client)
        if full is not None:
            await ws.accept()
            await ws.send_text(json.dumps({"type": "error", "message": full}))
            await ws.close(code=1013, reason=full[:120])  # try again later
            return
        tab = Tab(ws, self.scheduler)
        tab.rooms, tab.may_lead = self.rooms, self.may_lead(client, ws.cookies)
        try:
            await ws.accept()
            await tab.serve()
        finally:
            tab.stop()
            self.give_slot(client)

    def take_slot(self, client: str) -> str | None:
        """Count a new tab of ``client``; or why there is no room for it."""
        with self.slots:
            if self.tabs >= MAX_TABS:
                return f"the playground is full ({MAX_TABS} tabs): try again later"
            if self.per_client.get(client, 0) >= MAX_TABS_PER_CLIENT:
                return f"this computer has {MAX_TABS_PER_CLIENT} tabs of the playground open: close one"
            self.tabs += 1
            self.per_client[client] = self.per_client.get(client, 0) + 1
            return None

    def give_slot(self, client: str) -> None:
        """A tab of ``client`` has closed."""
        with self.slots:
            self.tabs -= 1
            left = self.per_client.get(client, 1) - 1
            if left > 0:
                self.per_client[client] = left
            else:
                self.per_client.pop(client, None)

    def refusal(self, scope: Any) -> str | None:
        """Why a WebSocket with these headers may not open, or None: its Host must name
        this server, and its Origin (a browser always sends one) must be that host's."""
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        host = headers.get("host", "").strip()
        if not self.host_allowed(host, scope.get("server"), scope.get("scheme", "ws")):
            return f"the Host {host!r:.60} is not this server: open the playground at its own address"
        origin = headers.get("origin")
        if origin is not None:
            parts = urlsplit(origin)
            if parts.scheme not in ("http", "https") or parts.netloc.lower() != host.lower():
                return f"a page from {origin!r:.60} may not use the playground"
        return None

    def host_allowed(self, host: str, server: Any, scheme: str) -> bool:
        """Whether the Host header ``host`` names the server the connection came in on
        (``server``: its (address, port))."""
        name, port = split_host(host)
        if not name:
            return False
        if server is None:  # a Unix socket: no address to compare
            return True
        address, server_port = canonical(str(server[0])), server[1]
        name = canonical(name)
        if port is None:
            port = 443 if scheme in ("https", "wss") else 80
        if server_port is not None and port != server_port:
            return False
        if name in self.allowed_hosts:
            return True
        if is_loopback(address):
            return name == "localhost" or is_loopback(name)
        return name == address


def split_host(host: str) -> tuple[str, int | None]:
    """("name", port) of a Host header ("[::1]:8000" -> ("::1", 8000)); ("", None) if malformed."""
    host = host.strip().lower()
    if host.startswith("["):
        name, _, rest = host[1:].partition("]")
        port_text = rest[1:] if rest.startswith(":") else ""
        if rest and not rest.startswith(":"):
            return "", None
    else:
        name, _, port_text = host.partition(":")
    if port_text:
        if not port_text.isdigit() or len(port_text) > 5:
            return "", None
        return name, int(port_text)
    return name, None


def canonical(name: str) -> str:
    """A host name or address as one spelling: lower case, no brackets, an IPv4 address
    for an IPv4-mapped IPv6 one (a dual-stack server sees IPv4 clients so)."""
    name = name.lower().strip("[]")
    try:
        ip = ipaddress.ip_address(name)
    except ValueError:
        return name
    mapped = getattr(ip, "ipv4_mapped", None)
    return str(mapped or ip)


def is_loopback(name: str) -> bool:
    """Whether ``name`` is a loopback address (127.0.0.0/8, ::1)."""
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def create_app(
    allowed_hosts: Iterable[str] = (),
    teacher_token: str | None = None,
    join_hosts: Iterable[str] | None = None,
) -> Starlette:
    """A new playground application (one per server). ``allowed_hosts``: more names the
    Host header may give (such as the laptop's name on the room's network);
    ``teacher_token``: what a browser that is not the laptop brings to ``/teach`` (a new
    random one if not given: ``app.state.teacher_token``); ``join_hosts``: the names
    students type to join a room (default: the one the teacher's page uses)."""
    return Playground(allowed_hosts, teacher_token, join_hosts).app
