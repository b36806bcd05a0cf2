"""A class that follows the teacher: the playground's rooms.

The teacher's page (``/teach``) opens a room (``room.open``) and shows its code; a
student's page (``/join/<code>``) joins it (``room.join``) and follows the teacher's
Graph view: the expression, leaf values and projector switch are loaded into the
student's own ``GraphSession`` (its numbers are its own) and the teacher's step is shown.
A student may let go and come back (``room.follow``). The teacher may put a lesson's
exercise to the room (``room.ask``); each student answers (``room.answer``) and gets the
lesson's verdict (``nn.exercises.verdict``, never the answer); the teacher's page gets
how many answered, a histogram, how many are right, and the names students gave.

Who may send what (everything else is refused with an error, and the tab goes on):

* a tab that may lead (its address is loopback, or it brings the teacher token, as a
  cookie set by ``/teach?token=...`` or as ``token`` in the message): ``room.open``,
  then as the room's teacher ``room.step``, ``room.ask``, ``room.end``;
* any tab: ``room.join`` (wrong codes are counted per address: ``WRONG_CODES`` in any
  ``WRONG_SECONDS``, then every code from that address is refused until the window has
  passed); then as a student ``room.follow`` and ``room.answer``. While it follows, a
  student's own ``graph.*`` messages are refused: its page shows the teacher's graph.

A student's messages never reach the teacher's page or another student's: the teacher
gets counts, a histogram and the names students typed themselves. A room ends when its
teacher's tab closes (or sends ``room.end``); its students keep their graph and explore
on their own. Everything is bounded: ``MAX_ROOMS`` rooms, students up to the tab limit,
one answer per student per question (``MAX_TRIES`` tries), the addresses remembered for
wrong codes, and a room's messages to its students at most one every ``FOLLOW_SECONDS``.
"""

from __future__ import annotations

import asyncio
import functools
import hmac
import logging
import math
import secrets
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from .sessions import PRESETS, PlaygroundError


class Tab(Protocol):
    """What a room reads and calls of a tab (``tab.Tab``), named here so that rooms and
    tabs do not import each other."""

    graph: Any
    graph_queue: Any
    graph_task: Any
    last_heard: float
    may_lead: bool
    room: Any
    rooms: Any
    ws: Any

    async def send(self, message: dict[str, Any]) -> None:
        """Send one message to the tab's page."""

    def queue_graph(self, kind: str, arg: Any) -> None:
        """Queue graph work for the tab's own session."""

    def _spawn(self, work: Any) -> Any:
        """Start a task that the tab cancels when it closes."""


CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read off a projector
CODE_LENGTH = 6  # 31**6 = 887,503,681 codes
WRONG_CODES = 5  # wrong codes from one address in any WRONG_SECONDS, then refused
WRONG_SECONDS = 60.0
WRONG_ADDRESSES = 1024  # addresses remembered for their wrong codes
MAX_ROOMS = 8
MAX_TRIES = 10  # answers of one student to one question (the last one counts)
MAX_NAME = 40
MAX_STEP = 100_000
FOLLOW_SECONDS = 0.1  # a room tells its students at most this often (the latest state)
HISTOGRAM_BARS = 8
TEACHER_COOKIE = "chainrule_teacher"
LOG = logging.getLogger("nn.playground")


def new_token() -> str:
    """A teacher token: 128 random bits, URL-safe."""
    return secrets.token_urlsafe(16)


def number_exercises() -> list[dict[str, str]]:
    """The lessons' exercises whose answer is one number: id and question."""
    global _EXERCISES
    if _EXERCISES is None:
        from ..exercises import EXERCISES

        # a code exercise's answer is a function, which a room's answer box cannot take
        _EXERCISES = [
            {"id": key, "question": ex.question} for key, ex in EXERCISES.items() if ex.kind == "number"
        ]
    return _EXERCISES


_EXERCISES: list[dict[str, str]] | None = None


@dataclass(eq=False)
class Seat:
    """A student in a room."""

    tab: Tab
    following: bool = True
    synced: tuple[str, dict[str, float], str] | None = None  # the lead last queued on its session
    name: str = ""
    tries: int = 0  # answers to the open question


@dataclass
class Answer:
    """One student's latest answer to the open question: the number, whether it is right,
    and the name the student gave (empty: shown to the teacher without a name)."""

    value: float
    ok: bool
    name: str


@dataclass(eq=False)
class Room:
    """One class: its teacher's tab, its students, what they follow, the open question."""

    rooms: Rooms
    code: str
    teacher: Tab
    students: dict[Tab, Seat] = field(default_factory=dict)
    text: str = ""  # the lead: the teacher's expression, leaf values, theme and step
    values: dict[str, float] = field(default_factory=dict)
    theme: str = "default"
    step: int = 0
    question: dict[str, Any] | None = None
    qid: int = 0
    answers: dict[Seat, Answer] = field(default_factory=dict)
    dirty_lead: bool = False
    dirty_class: bool = False
    flusher: asyncio.Task[None] | None = None
    ended: bool = False

    # -- what the pages are told ----------------------------------------------------------------

    def opened(self) -> dict[str, Any]:
        """The teacher's reply to ``room.open``: the code, the address, the exercises."""
        join = self.rooms.join_urls(self.teacher, self.code)
        return {"type": "room.opened", "code": self.code, "join": join, "exercises": number_exercises()}

    def lead_state(self, seat: Seat) -> dict[str, Any]:
        """What a student's page follows (its graph comes from its own session)."""
        preset = next((name for name, text in PRESETS.items() if text == self.text), None)
        return {"type": "room.state", "following": seat.following, "step": self.step,
                "projector": self.theme == "projector", "expr": self.text, "preset": preset}  # fmt: skip

    def tally(self) -> dict[str, Any]:
        """The teacher's view of the class: how many, the answers' histogram, how many right."""
        answers = list(self.answers.values())
        named = sorted((a for a in answers if a.name), key=lambda a: a.name.lower())
        return {"type": "room.class", "code": self.code, "students": len(self.students),
                "following": sum(s.following for s in self.students.values()), "question": self.question,
                "answers": len(answers), "right": sum(a.ok for a in answers), "bins": histogram(answers),
                "named": [{"name": a.name, "value": a.value, "ok": a.ok} for a in named]}  # fmt: skip

    def tell(self, tab: Tab, msg: dict[str, Any]) -> None:
        """Send ``msg`` to one tab without waiting (a tab that stops reading ends alone)."""
        tab._spawn(tab.send(msg))

    def changed(self, lead: bool = False, klass: bool = False) -> None:
        """Something the students follow (``lead``) or the teacher's tally (``klass``) has
        changed: the latest state goes out now, then at most every FOLLOW_SECONDS."""
        self.dirty_lead |= lead
        self.dirty_class |= klass
        if self.flusher is None and not self.ended:
            self.flusher = self.teacher._spawn(self._flush())

    async def _flush(self) -> None:
        try:
            while (self.dirty_lead or self.dirty_class) and not self.ended:
                try:
                    if self.dirty_lead:
                        self.dirty_lead = False
                        for seat in list(self.students.values()):
                            if seat.following:
                                self.sync(seat)
                                self.tell(seat.tab, self.lead_state(seat))
                    if self.dirty_class:
                        self.dirty_class = False
                        self.tell(self.teacher, self.tally())
                except Exception as exc:  # a bug here must not end the teacher's tab
                    LOG.error("internal error in a room", exc_info=exc)
                await asyncio.sleep(FOLLOW_SECONDS)
        finally:
            self.flusher = None

    # -- following ----------------------------------------------------------------------------

    def sync(self, seat: Seat) -> None:
        """Queue on the student's own session what it lacks of the lead: the whole graph
        (a new expression, or coming back), else the leaves that moved, and the theme."""
        if not self.text:
            return
        tab, lead = seat.tab, (self.text, dict(self.values), self.theme)
        old = seat.synced
        seat.synced = lead
        moved = [] if old is None else [n for n, v in self.values.items() if old[1].get(n) != v]
        if old is None or old[0] != self.text or len(moved) > 8:
            tab.graph.theme = self.theme
            tab.queue_graph("load", (self.text, dict(self.values)))
            return
        try:
            for name in moved:
                tab.queue_graph("leaf", (name, self.values[name]))
            if old[2] != self.theme:
                tab.queue_graph("theme", self.theme)
        except PlaygroundError:  # its queue is full: the whole graph replaces it
            tab.graph.theme = self.theme
            tab.queue_graph("load", (self.text, dict(self.values)))

    def graph_changed(self, tab: Tab, reply: dict[str, Any]) -> None:
        """A tab of the room has a new graph or new values: the teacher's lead the class."""
        if tab is not self.teacher or self.ended:
            return
        text = reply.get("expr", self.text) if reply["type"] == "graph" else self.text
        values = {leaf["name"]: leaf["value"] for leaf in reply.get("leaves", ())}
        if (text, values, tab.graph.theme) != (self.text, self.values, self.theme):
            self.text, self.values, self.theme = text, values, tab.graph.theme
            self.changed(lead=True)

    def join(self, tab: Tab) -> dict[str, Any]:
        """Seat a student (``PlaygroundError`` when the room is full); the reply the page needs."""
        if len(self.students) >= self.rooms.capacity:
            raise PlaygroundError(f"the room is full ({self.rooms.capacity} students)")
        seat = self.students[tab] = Seat(tab)
        tab.room = self
        self.sync(seat)
        self.tell(tab, self.lead_state(seat))
        self.changed(klass=True)
        return {"type": "room.joined", "code": self.code, "question": self.question}

    def follow(self, seat: Seat, on: bool) -> dict[str, Any]:
        """A student lets go (``on`` False) or comes back to the teacher's graph and step."""
        if on and not seat.following:
            tab = seat.tab
            idle = not tab.graph_queue and tab.graph_task is None
            same = (tab.graph.text, tab.graph.values, tab.graph.theme) == (self.text, self.values, self.theme)
            seat.synced = (self.text, dict(self.values), self.theme) if idle and same else None
        seat.following = on
        if on:
            self.sync(seat)
        else:
            seat.synced = None
        self.changed(klass=True)
        return self.lead_state(seat)

    # -- questions ----------------------------------------------------------------------------

    def ask(self, exercise: str) -> None:
        """Put an exercise to the room (``""``: close the question); its answers start afresh."""
        if exercise:
            found = next((e for e in number_exercises() if e["id"] == exercise), None)
            if found is None:
                raise PlaygroundError(f"no exercise {exercise[:40]!r} with a number for an answer")
            self.qid += 1
            self.question = {"qid": self.qid, "exercise": found["id"], "question": found["question"]}
        else:
            self.question = None
        self.answers.clear()
        for seat in self.students.values():
            seat.tries = 0
            self.tell(seat.tab, {"type": "room.question", "question": self.question})
        self.changed(klass=True)

    def answer(self, seat: Seat, value: float, name: str) -> None:
        """Judge a student's answer in a thread; tell the student, count it for the teacher."""
        question = self.question
        if question is None:
            raise PlaygroundError("no question is open")
        if seat.tries >= MAX_TRIES:
            raise PlaygroundError(f"at most {MAX_TRIES} answers to one question")
        if seat not in self.answers and len(self.answers) >= self.rooms.capacity:
            raise PlaygroundError("this question has all the answers it can hold")
        seat.tries += 1
        if name:
            seat.name = name
        seat.tab._spawn(self._judge(seat, question, value))

    async def _judge(self, seat: Seat, question: dict[str, Any], value: float) -> None:
        from ..exercises import verdict

        loop = asyncio.get_running_loop()
        try:
            # the hint grows with this student's own tries, not with the whole server's
            judge = functools.partial(verdict, question["exercise"], value, attempt=seat.tries)
            ok, message = await loop.run_in_executor(None, judge)
        except Exception as exc:  # a bug in a checker must not end the student's tab
            LOG.error("internal error judging an answer", exc_info=exc)
            return
        if self.question is not question or seat.tab.room is not self:
            return  # the question (or the room) has closed meanwhile
        self.answers[seat] = Answer(value, ok, seat.name)
        await seat.tab.send({"type": "room.verdict", "qid": question["qid"], "ok": ok, "message": message})
        self.changed(klass=True)

    # -- the end ------------------------------------------------------------------------------

    def leave(self, tab: Tab) -> None:
        """``tab`` has closed or left: a student leaves; the teacher's going ends the room."""
        if tab is self.teacher:
            self.end("the teacher has closed the room: you explore on your own")
            return
        if self.students.pop(tab, None) is not None:
            tab.room, tab.last_heard = None, time.monotonic()
            self.changed(klass=True)

    def end(self, why: str) -> None:
        """End the room: free its code and tell every student ``why``."""
        self.ended = True
        self.rooms.by_code.pop(self.code, None)
        self.teacher.room = None
        for tab in list(self.students):
            tab.room, tab.last_heard = None, time.monotonic()  # its idle time starts now
            self.tell(tab, {"type": "room.ended", "message": why})
        self.students.clear()
        self.answers.clear()

    def check(self, tab: Tab, kind: str) -> None:
        """Refuse a following student's own graph messages (its page follows the teacher)."""
        seat = self.students.get(tab)
        if seat is not None and seat.following and kind.startswith("graph."):
            raise PlaygroundError("you follow the teacher: press 'explore on my own' to try it yourself")


class Rooms:
    """The server's rooms by code, the teacher token, and the wrong codes per address."""

    def __init__(self, token: str, capacity: int, join_hosts: Iterable[str] | None = None) -> None:
        self.token, self.capacity = token, capacity
        self.join_hosts = list(join_hosts) if join_hosts is not None else None
        self.by_code: dict[str, Room] = {}
        self.wrong: dict[str, deque[float]] = {}

    def token_ok(self, token: Any) -> bool:
        """Whether ``token`` is the teacher token (compared in constant time)."""
        return isinstance(token, str) and hmac.compare_digest(token.encode(), self.token.encode())

    def join_urls(self, tab: Tab, code: str) -> list[str]:
        """The addresses students type: the names the server was given, else the one the
        teacher's page uses."""
        scope = tab.ws.scope
        scheme = "https" if scope.get("scheme") in ("wss", "https") else "http"
        if self.join_hosts:
            port = (scope.get("server") or (None, 8000))[1]
            return [
                f"{scheme}://{h}{'' if port in (None, 80) else f':{port}'}/join/{code}"
                for h in self.join_hosts
            ]
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        return [f"{scheme}://{headers.get('host', 'localhost')}/join/{code}"]

    def open(self, tab: Tab) -> Room:
        """A new room led by ``tab`` (``PlaygroundError`` past ``MAX_ROOMS``)."""
        if len(self.by_code) >= MAX_ROOMS:
            raise PlaygroundError(f"{MAX_ROOMS} rooms are open: close one")
        code = new_code()
        while code in self.by_code:
            code = new_code()
        room = self.by_code[code] = Room(self, code, tab, text=tab.graph.text, values=dict(tab.graph.values),
                                         theme=tab.graph.theme)  # fmt: skip
        tab.room = room
        return room

    def find(self, code: str, client: str) -> Room:
        """The room of ``code``; wrong codes from one address are limited."""
        now = time.monotonic()
        recent = self.wrong.get(client)
        if recent is not None:
            while recent and now - recent[0] >= WRONG_SECONDS:
                recent.popleft()
            if len(recent) >= WRONG_CODES:
                wait = math.ceil(recent[0] + WRONG_SECONDS - now)
                raise PlaygroundError(f"too many wrong codes from this computer: try again in {wait} s")
        room = self.by_code.get(normal_code(code))
        if room is not None:
            return room
        if recent is None:
            if len(self.wrong) >= WRONG_ADDRESSES:  # forget the addresses quiet the longest
                for key in sorted(self.wrong, key=lambda k: self.wrong[k][-1] if self.wrong[k] else 0)[:64]:
                    del self.wrong[key]
            recent = self.wrong[client] = deque()
        recent.append(now)
        raise PlaygroundError("no room has that code: check it with your teacher")


def new_code() -> str:
    """A fresh room code: ``CODE_LENGTH`` characters that read unambiguously."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normal_code(text: str) -> str:
    """A code as typed ("abc-23 4") as the room's spelling ("ABC234")."""
    return "".join(c for c in text[:32].upper() if c not in " -")


def histogram(answers: list[Answer]) -> list[dict[str, Any]]:
    """Bars of the answers: one per value (to 3 significant digits) if there are at most
    HISTOGRAM_BARS of them, else HISTOGRAM_BARS equal ranges; each with how many are right."""
    rounded = [float(f"{a.value:.3g}") for a in answers]
    distinct = sorted(set(rounded))
    if len(distinct) <= HISTOGRAM_BARS:
        labels, index = [f"{v:.3g}" for v in distinct], [distinct.index(r) for r in rounded]
    else:
        lo, width = distinct[0], (distinct[-1] - distinct[0]) / HISTOGRAM_BARS
        labels = [f"{lo + i * width:.3g} to {lo + (i + 1) * width:.3g}" for i in range(HISTOGRAM_BARS)]
        index = [min(HISTOGRAM_BARS - 1, max(0, int((a.value - lo) / width))) for a in answers]
    bars: list[dict[str, Any]] = [{"label": label, "count": 0, "right": 0} for label in labels]
    for a, i in zip(answers, index):
        bars[i]["count"] += 1
        bars[i]["right"] += a.ok
    return bars


# -- the messages ------------------------------------------------------------------------------
