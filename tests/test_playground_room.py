"""Issue 20, "a class that follows the teacher": the teacher's page (/teach) opens a room
with a short code; students who open /join/<code> follow the teacher's Graph view (their
own sessions compute the numbers), may let go and come back, and answer the exercises
put to the room while the teacher's page counts the answers. Only the laptop itself or
the teacher token leads; wrong codes are limited per address; the room ends with the
teacher's tab. WebSocket tests with Starlette's TestClient (client addresses set per
client), then the whole class in headless Chromium (1280x720) against a real server."""

from __future__ import annotations

import base64
import contextlib
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from helpers import read_until_quiet

pytest.importorskip("starlette")
pytest.importorskip("graphviz")

from starlette.testclient import TestClient
from test_playground import SHOTS, browser, server  # noqa: F401  (fixtures)

from nn.playground import rooms
from nn.playground.server import create_app

# Chromium tests run on one worker, one after another (pyproject.toml: --dist loadgroup):
# beside another Chromium the Train view test measured 7-10 updates a second in CI,
# 14-15 alone or beside two busy loops.
pytestmark = pytest.mark.xdist_group("browser")


TOKEN = "a-teacher-token-for-the-tests"
TEACHER, STUDENT, OTHER = "127.0.0.1", "10.0.0.21", "10.0.0.22"  # client addresses


# -- helpers ------------------------------------------------------------------------------------


_held: dict[int, list[dict[str, Any]]] = {}  # messages read past the one a test waited for


def arrivals(ws: Any, quiet: float) -> list[dict[str, Any]]:
    """The messages held back by ``until``, then those that arrive until none has for
    ``quiet`` seconds."""
    return _held.pop(id(ws), []) + read_until_quiet(ws, quiet)


def until(ws: Any, kind: str, seconds: float = 10.0) -> dict[str, Any]:
    """The first message of type ``kind`` within ``seconds`` (those before it are skipped)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = arrivals(ws, 0.1)
        for i, msg in enumerate(found):
            if msg["type"] == kind:
                _held[id(ws)] = found[i + 1 :]
                return msg
    raise TimeoutError(f"no {kind} within {seconds} s")


def ask(ws: Any, msg: dict[str, Any]) -> dict[str, Any]:
    ws.send_text(json.dumps(msg))
    return dict(ws.receive_json())


@pytest.fixture
def app() -> Any:
    return create_app(teacher_token=TOKEN)


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    """One TestClient (one event loop, as in the server) whose sockets come from the
    address each names: the scope's client, set from a test header."""

    async def addressed(scope: Any, receive: Any, send: Any) -> None:
        who = dict(scope.get("headers", [])).get(b"x-test-client")
        await app({**scope, "client": (who.decode(), 50000)} if who else scope, receive, send)

    with TestClient(addressed) as c:
        yield c


def connect(client: TestClient, who: str) -> Any:
    return client.websocket_connect("/ws", headers={"x-test-client": who})


@contextlib.contextmanager
def a_room(client: TestClient) -> Iterator[tuple[Any, str]]:
    """The laptop's tab leading a room on the neuron preset: (its socket, the code)."""
    with connect(client, TEACHER) as teacher:
        assert ask(teacher, {"type": "graph.preset", "name": "neuron"})["type"] == "graph"
        opened = ask(teacher, {"type": "room.open"})
        assert opened["type"] == "room.opened", opened
        yield teacher, opened["code"]


# -- who leads ----------------------------------------------------------------------------------


def test_teach_answers_the_laptop_or_the_token_only(app: Any) -> None:
    with TestClient(app, client=(TEACHER, 50000)) as laptop:
        assert laptop.get("/teach").status_code == 200
    with TestClient(app, client=(STUDENT, 50000)) as student:
        refused = student.get("/teach")
        assert refused.status_code == 403 and "laptop" in refused.text
        assert student.get("/teach?token=guess").status_code == 403
        with student.websocket_connect("/ws") as ws:  # a student's socket cannot open a room
            reply = ask(ws, {"type": "room.open"})
            assert reply["type"] == "error" and "teacher" in reply["message"]
            assert ask(ws, {"type": "room.open", "token": "guess"})["type"] == "error"
        assert student.get("/join/ABC234").status_code == 200  # the page; the code is checked on the socket
    with TestClient(app, client=(OTHER, 50000)) as tablet:  # the teacher's own tablet, with the printed token
        page = tablet.get(f"/teach?token={TOKEN}")
        assert page.status_code == 200 and "chainrule playground" in page.text
        assert page.url.path == "/teach" and TOKEN not in str(page.url)  # out of the address bar
        assert tablet.cookies.get(rooms.TEACHER_COOKIE) == TOKEN
        assert tablet.get("/teach").status_code == 200
        with tablet.websocket_connect("/ws") as ws:
            opened = ask(ws, {"type": "room.open"})
            assert opened["type"] == "room.opened" and len(opened["code"]) == rooms.CODE_LENGTH
            assert opened["join"] == [f"http://testserver/join/{opened['code']}"]
            assert any(e["id"] == "02-delta-output-target" for e in opened["exercises"])
            assert "expected" not in json.dumps(opened)


def test_a_student_cannot_lead_and_follows_with_its_own_session(client: TestClient) -> None:
    with a_room(client) as (teacher, code), connect(client, STUDENT) as student:
        joined = ask(student, {"type": "room.join", "code": code.lower()[:3] + "-" + code[3:]})
        assert joined["type"] == "room.joined" and joined["code"] == code
        state = until(student, "room.state")
        assert state["following"] and state["preset"] == "neuron" and state["step"] == 0
        assert until(student, "graph")["expr"] == rooms.PRESETS["neuron"]  # its own session's picture
        assert until(teacher, "room.class")["students"] == 1
        for msg in [
            {"type": "room.step", "step": 7},
            {"type": "room.ask", "exercise": "01-two-consumers"},
            {"type": "room.end"},
            {"type": "room.open"},
            {"type": "room.open", "token": "guess"},
            {"type": "graph.preset", "name": "mlp"},  # while following: its page is the teacher's
            {"type": "graph.leaf", "name": "x0", "value": 3.0},
        ]:
            reply = ask(student, msg)
            assert reply["type"] == "error", (msg, reply)
        assert arrivals(teacher, 0.5) == []  # nothing of it reached the teacher
        assert ask(student, {"type": "room.follow", "on": False})["following"] is False
        assert ask(student, {"type": "graph.preset", "name": "mlp"})["type"] == "graph"  # its own
        ask(student, {"type": "room.follow", "on": True})
        assert until(student, "graph")["expr"] == rooms.PRESETS["neuron"]  # the teacher's again
        assert [m["type"] for m in arrivals(teacher, 0.5)] == ["room.class"] * 2  # counts only
        # the teacher leads: a step, a leaf; the student's own session recomputes
        teacher.send_text(json.dumps({"type": "room.step", "step": 4}))
        assert until(student, "room.state")["step"] == 4
        teacher.send_text(json.dumps({"type": "graph.leaf", "name": "x0", "value": 1.5}))
        values = until(student, "graph.values")
        assert {"name": "x0", "value": 1.5} in values["leaves"]
        assert values["data"]["data"][values["data"]["names"].index("x0")] == 1.5
        teacher.send_text(json.dumps({"type": "graph.theme", "projector": True}))  # the projector switch
        assert until(student, "room.state")["projector"] is True
        assert 'font-size="22.00"' in until(student, "graph")["svg"]  # its own picture, projected


def test_answers_are_counted_for_the_teacher_without_names_unless_given(client: TestClient) -> None:
    with a_room(client) as (teacher, code), connect(client, STUDENT) as one, connect(client, OTHER) as two:
        for ws in (one, two):
            assert ask(ws, {"type": "room.join", "code": code})["type"] == "room.joined"
        teacher.send_text(json.dumps({"type": "room.ask", "exercise": "01-two-consumers"}))
        for ws in (one, two):
            q = until(ws, "room.question")["question"]
            assert q["exercise"] == "01-two-consumers" and "dw/da" in q["question"]
        one.send_text(json.dumps({"type": "room.answer", "value": -42, "name": "Ana"}))
        assert until(one, "room.verdict") == {"type": "room.verdict", "qid": q["qid"], "ok": True,
                                              "message": "✓ right"}  # fmt: skip
        two.send_text(json.dumps({"type": "room.answer", "value": -36.0}))
        verdict = until(two, "room.verdict")
        assert not verdict["ok"] and "-42" not in verdict["message"]  # a hint, not the answer
        deadline = time.monotonic() + 5
        tally = until(teacher, "room.class")
        while tally["answers"] < 2 and time.monotonic() < deadline:
            tally = until(teacher, "room.class")
        assert tally["answers"] == 2 and tally["right"] == 1
        assert tally["bins"] == [
            {"label": "-42", "count": 1, "right": 1},
            {"label": "-36", "count": 1, "right": 0},
        ]
        assert tally["named"] == [{"name": "Ana", "value": -42.0, "ok": True}]  # the other gave no name
        seen = json.dumps(arrivals(one, 0.3) + arrivals(two, 0.3))
        assert "Ana" not in seen and "room.class" not in seen  # no student sees the tally
        assert ask(two, {"type": "room.answer", "value": "-42"})["type"] == "error"
        for _ in range(rooms.MAX_TRIES):  # one answer so far: the last of these is one too many
            two.send_text(json.dumps({"type": "room.answer", "value": -42}))
        assert until(two, "error")["message"].startswith("at most")


# -- codes and the room's end -------------------------------------------------------------------


def test_wrong_codes_are_limited_per_address(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rooms, "WRONG_SECONDS", 1.0)
    wrong = "".join(reversed(rooms.CODE_ALPHABET[: rooms.CODE_LENGTH]))
    with a_room(client) as (_, code), connect(client, STUDENT) as guesser, connect(client, OTHER) as other:
        for _ in range(rooms.WRONG_CODES):
            reply = ask(guesser, {"type": "room.join", "code": wrong})
            assert reply["type"] == "error" and "no room" in reply["message"]
        reply = ask(guesser, {"type": "room.join", "code": code})  # even the right one, for now
        assert reply["type"] == "error" and "too many wrong codes" in reply["message"]
        assert ask(other, {"type": "room.join", "code": code})["type"] == "room.joined"  # another address
        time.sleep(1.1)
        assert ask(guesser, {"type": "room.join", "code": code})["type"] == "room.joined"
    # 887,503,681 codes, 5 guesses a minute: one address guessing for a 3-hour class finds
    # a given room with a chance of about 1 in a million
    space = len(rooms.CODE_ALPHABET) ** rooms.CODE_LENGTH
    guesses = 5 * 3 * 60
    assert rooms.WRONG_CODES == 5 and space / guesses > 900_000


def test_the_room_ends_when_the_teachers_socket_closes(client: TestClient) -> None:
    with connect(client, STUDENT) as student:
        with a_room(client) as (teacher, code):
            assert ask(student, {"type": "room.join", "code": code})["type"] == "room.joined"
            until(student, "graph")
            teacher.send_text(json.dumps({"type": "room.ask", "exercise": "03-parameter-count"}))
            until(student, "room.question")
        ended = until(student, "room.ended")  # the teacher's tab has closed
        assert "explore" in ended["message"]
        assert ask(student, {"type": "room.answer", "value": 105})["type"] == "error"
        assert ask(student, {"type": "graph.preset", "name": "mlp"})["type"] == "graph"  # on its own
        reply = ask(student, {"type": "room.join", "code": code})
        assert reply["type"] == "error" and "no room" in reply["message"]


# -- the class in Chromium ----------------------------------------------------------------------


def wait_step(page: Any, step: str) -> None:
    page.wait_for_function(f"document.body.dataset.step === {step!r}", timeout=15_000)


def step_of(page: Any) -> str:
    return str(page.evaluate("document.body.dataset.step"))


def test_a_class_follows_the_teacher_in_chromium(browser: Any, server: str) -> None:  # noqa: F811
    teacher = browser.new_page(viewport={"width": 1280, "height": 720})
    teacher.goto(server + "teach")
    teacher.wait_for_function("/^[A-Z0-9]{6}$/.test(document.querySelector('#room-code').textContent)")
    teacher.wait_for_selector("#picture svg g.node")
    address = teacher.text_content("#room-address") or ""
    assert address.startswith(server + "join/")
    students = []
    for _ in range(2):
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.goto(address)
        page.wait_for_function("document.body.dataset.room === 'following'")
        page.wait_for_selector("#picture svg g.node")
        students.append(page)
    one, two = students
    teacher.select_option("#preset", "network")
    expr = rooms.PRESETS["network"]
    for s in students:
        s.wait_for_function(f"document.querySelector('#expr').value === {expr!r}", timeout=15_000)
    delays = []
    for _ in range(3):  # three steps: every student's page shows the teacher's
        start = time.perf_counter()
        teacher.click("#g-next")
        for s in students:
            wait_step(s, step_of(teacher))
        delays.append(time.perf_counter() - start)
    shown = ", ".join(f"{d * 1000:.0f}" for d in delays)
    print(f"\nthe teacher's step on both students' pages after {shown} ms")
    assert step_of(one) == step_of(two) == step_of(teacher) == "3"
    assert teacher.wait_for_function("Number(document.querySelector('#room-students').textContent[0]) === 2")

    one.click("#room-explore")  # lets go: the teacher steps on, this page does not
    one.wait_for_function("document.body.dataset.room === 'exploring'")
    for _ in range(2):
        teacher.click("#g-next")
    wait_step(two, "5")
    teacher.wait_for_timeout(500)
    assert step_of(one) == "3"
    one.click("#g-prev")  # its own steps and graph reach nobody
    one.select_option("#preset", "mlp")
    one.wait_for_function(f"document.querySelector('#expr').value === {rooms.PRESETS['mlp']!r}")
    teacher.wait_for_timeout(700)
    for page in (teacher, two):
        assert page.input_value("#expr") == expr and step_of(page) == "5"
    one.click("#room-follow")  # comes back: the teacher's graph and step
    one.wait_for_function(f"document.querySelector('#expr').value === {expr!r}", timeout=15_000)
    wait_step(one, "5")

    teacher.select_option("#room-exercise", "01-two-consumers")  # a question to the room
    teacher.click("#room-ask")
    one.wait_for_selector("#room-quiz:not([hidden])")
    one.fill("#room-answer", "1e308")  # finite, past the server's bound: said beside the box
    one.click("#room-send")
    assert one.text_content("#room-verdict") == "type a number no larger than 1e12"
    assert (one.text_content("#error") or "") == ""
    for s, value, name in ((one, "-42", "Ana"), (two, "-36", "")):
        s.wait_for_selector("#room-quiz:not([hidden])")
        assert "dw/da" in (s.text_content("#room-question") or "")
        s.fill("#room-answer", value)
        s.fill("#room-name", name)
        s.click("#room-send")
        s.wait_for_function("/^[✓✗]/.test(document.querySelector('#room-verdict').textContent)")
        if s is one:
            teacher.wait_for_function("document.body.dataset.answers === '1'")
            assert teacher.text_content(".room-counts") == "1 answer, 1 right"
    assert one.text_content("#room-verdict") == "✓ right"
    assert (two.text_content("#room-verdict") or "").startswith("✗ not yet")
    teacher.wait_for_function("document.body.dataset.answers === '2'")
    assert teacher.text_content(".room-counts") == "2 answers, 1 right"
    assert teacher.eval_on_selector_all("#room-histogram .room-bar", "bs => bs.map(b => b.title)") == [
        "-42: 1 (1 right)",
        "-36: 1 (0 right)",
    ]
    assert "Ana" in (teacher.text_content("#room-named") or "")
    assert "Ana" not in (two.text_content("body") or "")  # no student sees another's name

    SHOTS.mkdir(parents=True, exist_ok=True)
    shots = [p.screenshot() for p in (teacher, one)]
    board = browser.new_page(viewport={"width": 2 * 1280 + 16, "height": 720})
    pictures = "".join(
        f'<img src="data:image/png;base64,{base64.b64encode(s).decode()}" width="1280" height="720">'
        for s in shots
    )
    board.set_content(f'<body style="margin:0;background:#333;display:flex;gap:16px">{pictures}</body>')
    board.screenshot(
        path=str(SHOTS / "teacher-and-student.png")
    )  # the README's: CHAINRULE_SCREENSHOTS=docs/playground
    board.close()

    # Projected at 1280x720, the teacher's room bar is two lines and the graph keeps most
    # of the screen (before: 160 px of bar, "ask the room" on a line of its own; 311 px of graph).
    teacher.check("#projector")
    teacher.wait_for_timeout(300)
    bar, graph = teacher.evaluate(
        "['#room', '#g-main'].map(s => document.querySelector(s).getBoundingClientRect().height)"
    )
    assert bar <= 110 and graph >= 360, (bar, graph)
    teacher.uncheck("#projector")
    # the picture redrawn in the default theme (its reply would put the preset's text back
    # into the field if it came after the typing below)
    teacher.wait_for_function("document.querySelector('#picture svg text[font-size=\"22.00\"]') === null")

    # The teacher types an expression: a following student's menu no longer names a preset.
    chosen = "(s => s.options[s.selectedIndex].text)(document.querySelector('#preset'))"
    assert two.evaluate(chosen) == "2-2-1 network (lesson 02)"
    teacher.fill("#expr", "(a*b + c).tanh()")
    teacher.click("#draw")
    two.wait_for_function("document.querySelector('#expr').value === '(a*b + c).tanh()'", timeout=15_000)
    assert teacher.evaluate(chosen) == two.evaluate(chosen) == "your expression"

    stray = browser.new_page(viewport={"width": 1280, "height": 720})  # a mistyped code: type it again
    stray.goto(server + "join/ZZZZZZ")
    stray.wait_for_selector("#room-retry:not([hidden])")
    assert "no room" in (stray.text_content("#room-mode") or "")
    stray.close()

    teacher.close()  # the room ends with the teacher's tab: the students explore on their own
    for s in students:
        s.wait_for_function("document.body.dataset.room === 'ended'")
        assert not s.is_disabled("#g-next")
        s.close()
