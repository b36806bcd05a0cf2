"""The room's messages, one handler each (``ROOM_HANDLERS``, merged into the tab's
``HANDLERS``): the teacher opens, leads, asks and ends; a student joins, follows or
lets go, and answers. Each handler checks who sends it (``rooms`` keeps the rooms)."""

from __future__ import annotations

import math
from typing import Any

from .rooms import MAX_NAME, MAX_STEP, Room, Seat, Tab
from .sessions import PlaygroundError


def _number(msg: dict[str, Any], key: str) -> float:
    value = msg.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PlaygroundError(f"the message needs {key!r}: a number")
    number = float(value) if abs(value) <= 1e12 else math.inf
    if not math.isfinite(number):
        raise PlaygroundError(f"{key!r} must be a finite number of size at most 1e12")
    return number


def _text(msg: dict[str, Any], key: str, most: int) -> str:
    value = msg.get(key)
    if not isinstance(value, str):
        raise PlaygroundError(f"the message needs {key!r}: text")
    if len(value) > most:
        raise PlaygroundError(f"{key!r} is at most {most} characters")
    return value


def _teacher(tab: Tab) -> Room:
    room = tab.room
    if room is None or room.teacher is not tab:
        raise PlaygroundError("only the room's teacher may do that")
    return room


def _seat(tab: Tab) -> tuple[Room, Seat]:
    room = tab.room
    seat = room.students.get(tab) if room is not None else None
    if room is None or seat is None:
        raise PlaygroundError("this page is not in a room: open the address your teacher gives")
    return room, seat


def _open(tab: Tab, msg: dict[str, Any]) -> dict[str, Any]:
    rooms = tab.rooms
    if rooms is None or not (tab.may_lead or rooms.token_ok(msg.get("token"))):
        raise PlaygroundError("only the teacher opens a room: /teach on the laptop that runs the playground")
    if tab.room is not None and tab.room.teacher is tab:
        return tab.room.opened()
    if tab.room is not None:
        tab.room.leave(tab)
    return rooms.open(tab).opened()


def _join(tab: Tab, msg: dict[str, Any]) -> dict[str, Any]:
    code = _text(msg, "code", 32)
    if tab.rooms is None:
        raise PlaygroundError("this server has no rooms")
    if tab.room is not None and tab.room.teacher is tab:
        raise PlaygroundError("this page leads a room: a student joins from another page")
    room = tab.rooms.find(code, tab.ws.client.host if tab.ws.client else "unknown")
    if tab.room is room:
        return {"type": "room.joined", "code": room.code, "question": room.question}
    if tab.room is not None:
        tab.room.leave(tab)
    return room.join(tab)


def _follow(tab: Tab, msg: dict[str, Any]) -> dict[str, Any]:
    room, seat = _seat(tab)
    on = msg.get("on")
    if not isinstance(on, bool):
        raise PlaygroundError("the message needs 'on': true (follow the teacher) or false")
    return room.follow(seat, on)


def _step(tab: Tab, msg: dict[str, Any]) -> None:
    room = _teacher(tab)
    step = msg.get("step")
    if isinstance(step, bool) or not isinstance(step, int) or not 0 <= step <= MAX_STEP:
        raise PlaygroundError(f"the message needs 'step': a whole number from 0 to {MAX_STEP}")
    if step != room.step:
        room.step = step
        room.changed(lead=True)


def _ask(tab: Tab, msg: dict[str, Any]) -> None:
    _teacher(tab).ask(_text(msg, "exercise", 80))


def _answer(tab: Tab, msg: dict[str, Any]) -> None:
    room, seat = _seat(tab)
    value = _number(msg, "value")
    name = " ".join(
        _text({"name": msg.get("name") or ""}, "name", MAX_NAME).split()
    )  # no control characters, no newlines
    room.answer(seat, value, "".join(c for c in name if c.isprintable()))


def _end(tab: Tab, msg: dict[str, Any]) -> dict[str, Any]:
    _teacher(tab).end("the teacher has ended the class: you explore on your own")
    return {"type": "room.ended", "message": "the room is closed"}


ROOM_HANDLERS = {
    "room.open": _open,
    "room.join": _join,
    "room.follow": _follow,
    "room.step": _step,
    "room.ask": _ask,
    "room.answer": _answer,
    "room.end": _end,
}
