"""The playground's web server: an ASGI application (Starlette) served by uvicorn.

``GET /`` is the page, ``/static/...`` its script and style (shipped in the package:
nothing is loaded from another host, so it works on a classroom network with no
internet). Each browser tab opens one WebSocket, ``/ws``, and gets its own sessions
(a ``GraphSession`` and a ``TrainSession``); messages are JSON objects with a
``"type"``. A bad message gets an ``{"type": "error"}`` reply and the connection goes
on; nothing a client sends can stop the server or reach another tab.
"""

from __future__ import annotations

import asyncio
import json
import time
from importlib import resources
from typing import Any

from starlette.applications import Starlette
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect

from autograd_core.viz.replay import player_js

from .sessions import LIMITS, PRESET_VALUES, PRESETS, GraphSession, PlaygroundError, TrainSession

MAX_TABS = 64  # a class of 30 with a second tab each, and the teacher's
MAX_MESSAGE = 64 * 1024  # bytes
MAX_MESSAGES_PER_SECOND = 60
TICKS_PER_SECOND = 15  # train-view updates while playing


class Playground:
    """The application and its shared state (how many tabs are connected)."""

    def __init__(self) -> None:
        self.tabs = 0
        static = resources.files("nn.playground").joinpath("static")
        self.app = Starlette(
            routes=[
                Route("/", self.index),
                Route("/limits", self.limits),
                Route("/player.js", self.player),
                WebSocketRoute("/ws", self.socket),
                Mount("/static", app=StaticFiles(directory=str(static)), name="static"),
            ]
        )

    async def index(self, request: Any) -> HTMLResponse:
        """The page."""
        page = resources.files("nn.playground").joinpath("static/index.html").read_text(encoding="utf-8")
        return HTMLResponse(page)

    async def player(self, request: Any) -> Response:
        """The step player's core, the same script the replay page inlines."""
        return Response(player_js(), media_type="text/javascript")

    async def limits(self, request: Any) -> JSONResponse:
        """The limits that protect the teacher's laptop, and the presets."""
        return JSONResponse(
            {**LIMITS, "tabs": MAX_TABS, "message_bytes": MAX_MESSAGE, "presets": sorted(PRESETS)}
        )

    async def socket(self, ws: WebSocket) -> None:
        """One tab: receive its messages, answer each, and stream training while it plays."""
        await ws.accept()
        if self.tabs >= MAX_TABS:
            await ws.send_json({"type": "error", "message": f"the playground is full ({MAX_TABS} tabs)"})
            await ws.close(code=1013)
            return
        self.tabs += 1
        tab = Tab(ws)
        try:
            await tab.serve()
        except WebSocketDisconnect:
            pass
        finally:
            tab.stop_playing()
            self.tabs -= 1


class Tab:
    """One connected tab: its sessions, its message budget, its training loop."""

    def __init__(self, ws: WebSocket) -> None:
        self.ws = ws
        self.graph = GraphSession()
        self.train = TrainSession()
        self.player: asyncio.Task[None] | None = None
        self.window = (time.monotonic(), 0)
        # The training loop and the messages that touch the model take turns.
        self.lock = asyncio.Lock()

    async def serve(self) -> None:
        """Answer messages until the tab closes."""
        while True:
            text = await self.ws.receive_text()
            try:
                reply = await self.answer(text)
            except PlaygroundError as exc:
                reply = {"type": "error", "message": str(exc)}
            except Exception as exc:  # a bug must not end the tab, let alone the server
                reply = {"type": "error", "message": f"internal error: {type(exc).__name__}: {exc}"[:300]}
            if reply is not None:
                await self.ws.send_json(reply)

    def _count(self) -> None:
        start, n = self.window
        now = time.monotonic()
        if now - start >= 1.0:
            self.window = (now, 1)
            return
        self.window = (start, n + 1)
        if n + 1 > MAX_MESSAGES_PER_SECOND:
            raise PlaygroundError(f"too many messages: at most {MAX_MESSAGES_PER_SECOND} a second")

    async def answer(self, text: str) -> dict[str, Any] | None:
        """The reply to one message (``None``: nothing to send now)."""
        if len(text) > MAX_MESSAGE:
            raise PlaygroundError(f"a message is at most {MAX_MESSAGE:,} bytes")
        self._count()
        try:
            msg = json.loads(text)
        except (ValueError, RecursionError):
            raise PlaygroundError("a message must be a JSON object") from None
        if not isinstance(msg, dict) or not isinstance(msg.get("type"), str):
            raise PlaygroundError('a message must be a JSON object with a "type"')
        handler = HANDLERS.get(msg["type"])
        if handler is None:
            raise PlaygroundError(f"unknown message type {msg['type']!r:.40}; known: {sorted(HANDLERS)}")
        return await handler(self, msg)

    def stop_playing(self) -> None:
        """Stop the training loop of this tab, if it runs."""
        if self.player is not None:
            self.player.cancel()
            self.player = None

    async def play(self) -> None:
        """Train and send an update about TICKS_PER_SECOND times a second until paused."""
        period = 1.0 / TICKS_PER_SECOND
        while True:
            started = time.monotonic()
            async with self.lock:
                update = await asyncio.to_thread(self.train.step, 1)
            await self.ws.send_json(update)
            await asyncio.sleep(max(0.0, period - (time.monotonic() - started)))


def _field(msg: dict[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    value = msg.get(key)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise PlaygroundError(f"the message needs {key!r} of type {getattr(kind, '__name__', kind)}")
    return value


async def _preset(tab: Tab, msg: dict[str, Any]) -> dict[str, Any]:
    name = _field(msg, "name", str)
    if name not in PRESETS:
        raise PlaygroundError(f"unknown preset {name!r:.40}; choose one of {sorted(PRESETS)}")
    return tab.graph.load(PRESETS[name], PRESET_VALUES.get(name))


async def _expression(tab: Tab, msg: dict[str, Any]) -> dict[str, Any]:
    return tab.graph.load(_field(msg, "text", str))


async def _leaf(tab: Tab, msg: dict[str, Any]) -> dict[str, Any]:
    return tab.graph.set_leaf(_field(msg, "name", str), float(_field(msg, "value", (int, float))))


async def _theme(tab: Tab, msg: dict[str, Any]) -> dict[str, Any]:
    tab.graph.theme = "projector" if _field(msg, "projector", bool) else "default"
    return tab.graph.load(tab.graph.text or PRESETS["neuron"], tab.graph.values)


async def _configure(tab: Tab, msg: dict[str, Any]) -> dict[str, Any]:
    tab.stop_playing()
    config = _field(msg, "config", dict)
    async with tab.lock:
        return await asyncio.to_thread(tab.train.configure, config)


async def _play(tab: Tab, msg: dict[str, Any]) -> dict[str, Any] | None:
    if tab.player is None:
        tab.player = asyncio.create_task(tab.play())
    return {"type": "playing", "playing": True}


async def _pause(tab: Tab, msg: dict[str, Any]) -> dict[str, Any]:
    tab.stop_playing()
    return {"type": "playing", "playing": False}


async def _step(tab: Tab, msg: dict[str, Any]) -> dict[str, Any]:
    tab.stop_playing()
    epochs = msg.get("epochs", 1)
    async with tab.lock:
        return await asyncio.to_thread(tab.train.step, epochs if isinstance(epochs, int) else 1)


async def _reset(tab: Tab, msg: dict[str, Any]) -> dict[str, Any]:
    tab.stop_playing()
    async with tab.lock:
        return await asyncio.to_thread(tab.train.configure, {})


async def _neuron(tab: Tab, msg: dict[str, Any]) -> dict[str, Any]:
    layer, index = _field(msg, "layer", int), _field(msg, "index", int)
    async with tab.lock:
        return await asyncio.to_thread(tab.train.neuron, layer, index)


HANDLERS = {
    "graph.preset": _preset,
    "graph.expr": _expression,
    "graph.leaf": _leaf,
    "graph.theme": _theme,
    "train.config": _configure,
    "train.play": _play,
    "train.pause": _pause,
    "train.step": _step,
    "train.reset": _reset,
    "train.neuron": _neuron,
}


def create_app() -> Starlette:
    """A new playground application (one per server)."""
    return Playground().app
