"""Issue 20, "a Train view at TensorFlow Playground's level": every hidden neuron's map
over the plane, updated while it trains; input features; a loss plot with axes; class
colours a projector shows; a smooth boundary the data fill; figures that grow with the
window and the projector switch; spirals that need capacity; regression data sets.

The server's side with ``TrainSession`` and Starlette's TestClient; the page in headless
Chromium at 1280x720 (and 1920x1080) against a real uvicorn server (the fixtures of
``test_playground``), each browser test bounded to a few seconds of training."""

from __future__ import annotations

import base64
import json
import math
import re
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

pytest.importorskip("starlette")
pytest.importorskip("graphviz")

from starlette.testclient import TestClient
from test_playground import SHOTS, browser, server  # noqa: F401  (fixtures)

from nn.data import make_bumps, make_plane, make_spirals
from nn.playground import TrainSession
from nn.playground.server import create_app
from nn.playground.sessions import DATASETS, LIMITS
from nn.playground.train_figures import MAP_BYTES, feature_matrix, grid_points, layer_outputs
from nn.training import predict

# Chromium tests run on one worker, one after another (pyproject.toml: --dist loadgroup):
# beside another Chromium the Train view test measured 7-10 updates a second in CI,
# 14-15 alone or beside two busy loops.
pytestmark = pytest.mark.xdist_group("browser")


#: The old spirals (0.64 turns) were solved (train accuracy 95%, test 90%) by a 2-[8,8]-1
#: tanh network with the page's defaults (200 points, noise 0.1, adam 0.03, full batch) in
#: 44, 66 and 50 epochs for seeds 0, 1, 2: under 5 s at 15 updates a second. 75 epochs is
#: those 5 s.
OLD_SOLVED_IN = 75


# -- data sets --------------------------------------------------------------------------------


def turns_per_arm(X: list[list[float]], y: list[Any]) -> list[float]:
    """The angle each arm's points sweep from the centre out, in turns."""
    A, labels = np.asarray(X), np.asarray(y)
    swept = []
    for k in sorted(set(labels.tolist())):
        P = A[labels == k]
        P = P[np.hypot(P[:, 0], P[:, 1]) > 1e-9]  # the centre has no angle
        P = P[np.argsort(np.hypot(P[:, 0], P[:, 1]))]
        angle = np.unwrap(np.arctan2(P[:, 0], P[:, 1]))
        swept.append(float(abs(angle[-1] - angle[0]) / (2 * math.pi)))
    return swept


def test_spiral_arms_wind_at_least_one_and_a_half_turns() -> None:
    old = turns_per_arm(*make_spirals(200, classes=2, noise=0.0, seed=0))
    new = turns_per_arm(*DATASETS["spirals"](200, 0.0, 0))
    print(f"\nturns per arm: before {[round(t, 2) for t in old]}, now {[round(t, 2) for t in new]}")
    assert all(abs(t - 4 / (2 * math.pi)) < 0.01 for t in old)  # the CS231n spiral, kept for the lessons
    assert all(t >= 1.5 for t in new), new
    noisy = turns_per_arm(*DATASETS["spirals"](200, 0.1, 0))  # the page's default noise
    assert all(t >= 1.5 for t in noisy), noisy


def train_spirals(data: str, hidden: list[int], epochs: int, seed: int) -> dict[str, Any]:
    session = TrainSession()
    session.configure({"data": data, "hidden": hidden, "activation": "tanh", "seed": seed})
    for _ in range(epochs // 15):
        session.step(15)
    return session.step(epochs % 15) if epochs % 15 else session.update()


def accuracy(latest: dict[str, Any]) -> str:
    return f"{latest['accuracy']:.2f}/{latest['val_accuracy']:.2f}"


def test_spirals_need_capacity(monkeypatch: pytest.MonkeyPatch) -> None:
    """In the 75 epochs (5 s of play) in which a 2-[8,8]-1 tanh network solved the old
    spirals, it stays near chance on the new ones. A deeper one solves them: 2-[16,16,16]-1
    reached 95% train and 90% test accuracy in 105 epochs with seed 2 (and in 180 with
    seed 1; with seed 0 it fits the training points but reaches 86% on the 50 test points)."""
    old_spirals = DATASETS["spirals"]
    for seed in range(3):
        monkeypatch.setitem(DATASETS, "spirals", lambda n, noise, s: make_spirals(n, 2, noise, s))
        old = train_spirals("spirals", [8, 8], OLD_SOLVED_IN, seed)["latest"]
        monkeypatch.setitem(DATASETS, "spirals", old_spirals)
        new = train_spirals("spirals", [8, 8], OLD_SOLVED_IN, seed)["latest"]
        print(f"\nseed {seed}, {OLD_SOLVED_IN} epochs of 2-[8,8]-1 tanh, train/test accuracy: old spirals "
              f"{accuracy(old)}, new {accuracy(new)}")  # fmt: skip
        assert old["accuracy"] >= 0.95 and old["val_accuracy"] >= 0.9
        assert new["accuracy"] < 0.8 and new["val_accuracy"] < 0.8
    deep = train_spirals("spirals", [16, 16, 16], 300, 2)["latest"]
    print(f"300 epochs of 2-[16,16,16]-1 tanh, train/test accuracy: {accuracy(deep)}")
    assert deep["accuracy"] >= 0.95 and deep["val_accuracy"] >= 0.9


def test_regression_sets_are_values_in_the_unit_range() -> None:
    for make in (make_plane, make_bumps):
        X, y = make(400, noise=0.0, seed=1)
        assert len(X) == len(y) == 400 and all(isinstance(v, float) for v in y)
        assert -1.0 <= min(y) < -0.5 and 0.5 < max(y) <= 1.0, (make.__name__, min(y), max(y))
        assert make(50, seed=3) == make(50, seed=3)


@pytest.mark.parametrize("data", ["plane", "bumps"])
def test_a_regression_set_trains_with_falling_loss(data: str) -> None:
    with TestClient(create_app()) as client, client.websocket_connect("/ws") as ws:
        ws.send_text(json.dumps({"type": "train.config", "config": {"data": data}}))
        first = ws.receive_json()
        assert first["type"] == "train" and first["task"] == "regression" and first["loss_name"] == "mse"
        assert all(isinstance(v, float) and -1.5 < v < 1.5 for v in first["train"]["y"])
        loss: list[float] = []
        for _ in range(6):  # each reply brings the history's new rows
            ws.send_text(json.dumps({"type": "train.step", "epochs": 20}))
            last = ws.receive_json()
            assert last["history_from"] == len(loss)
            loss += [float(v) for v in last["history"]["loss"]]
    print(f"\n{data}: mse {loss[0]:.4f} at epoch 1, {loss[-1]:.4f} at epoch {last['epoch']}")
    assert last["epoch"] == 120 and loss[-1] < 0.5 * loss[0]
    assert last["latest"]["accuracy"] == "nan"  # no classes, no accuracy


# -- the update: features, maps, the plane ------------------------------------------------------


def test_features_are_the_models_inputs() -> None:
    session = TrainSession()
    reply = session.configure({"features": ["x1^2", "x1", "x2"]})
    assert reply["config"]["features"] == ["x1", "x2", "x1^2"]  # the page's order
    assert {len(neuron) for neuron in reply["weights"][0]} == {3}
    reply = session.configure({"features": ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"]})
    assert {len(neuron) for neuron in reply["weights"][0]} == {7}
    F = feature_matrix([[2.0, -3.0]], reply["config"]["features"])
    assert F.tolist() == [[2.0, -3.0, 4.0, 9.0, -6.0, math.sin(2.0), math.sin(-3.0)]]
    assert session.inputs[0] == feature_matrix([session.data[0][0]], reply["config"]["features"])[0].tolist()
    for bad in ([], ["x3"], ["x1", "x1"], "x1", [1]):
        with pytest.raises(ValueError, match="features"):
            session.configure({"features": bad})


def test_the_neuron_graph_names_its_inputs_by_feature() -> None:
    session = TrainSession()
    session.configure({"features": ["x1", "x1^2", "sin(x2)"], "hidden": [3]})
    source = session.neuron_source(0, 1)
    for label in ("x1", "x1²", "sin x2", "w[1][1,2]", "a[1][1]"):
        assert f">{label}<" in source or f"{label}</" in source or label in source, label
    assert not re.search(r"\bx0\b", source)


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid", "leaky_relu"])
def test_the_maps_are_the_engines_numbers(activation: str) -> None:
    """The NumPy forward pass behind the boundary and the maps gives what ``predict`` gives."""
    session = TrainSession()
    session.configure({"activation": activation, "hidden": [5, 4], "features": ["x1", "x2", "x1*x2"]})
    session.step(5)
    inputs = feature_matrix(grid_points(session.box, 9), session.config["features"])
    ours = layer_outputs(session.model, inputs)[-1][:, 0]
    assert np.allclose(ours, predict(session.model, inputs.tolist(), "compiled"), atol=1e-12)


def decode_maps(reply: dict[str, Any]) -> np.ndarray:
    maps = reply["maps"]
    raw = np.frombuffer(base64.b64decode(maps["data"]), np.uint8)
    return raw.reshape(sum(maps["layers"]), maps["n"], maps["n"]) / 127.5 - 1


def test_every_hidden_neuron_has_a_bounded_map() -> None:
    session = TrainSession()
    reply = session.configure({})
    maps = decode_maps(reply)
    assert reply["maps"]["layers"] == [8, 8] and maps.shape[0] == 16
    # neuron 3 of layer 1, over the same grid, from the model itself
    side = reply["maps"]["n"]
    inputs = feature_matrix(grid_points(session.box, side), session.config["features"])
    expected = np.clip(layer_outputs(session.model, inputs)[0][:, 3], -1, 1).reshape(side, side)
    assert np.abs(maps[3] - expected).max() <= 1 / 127.5
    largest = {"hidden": [LIMITS["neurons"]] * LIMITS["layers"], "points": LIMITS["points"]}
    biggest = session.configure(largest)
    size = len(base64.b64decode(biggest["maps"]["data"]))
    print(f"\nmaps: {len(reply['maps']['data'])} base64 characters for 16 neurons; 64 neurons: {size} bytes")
    assert size <= MAP_BYTES and decode_maps(biggest).shape[0] == 64


@pytest.mark.parametrize("data", sorted(DATASETS))
def test_the_data_fill_the_plot(data: str) -> None:
    reply = TrainSession().configure({"data": data, "points": 300})
    X = np.asarray(reply["train"]["X"] + reply["test"]["X"])
    for k, axis in enumerate(("x", "y")):
        lo, hi = reply["grid"][axis]
        assert lo <= X[:, k].min() and X[:, k].max() <= hi
        assert (X[:, k].max() - X[:, k].min()) / (hi - lo) > 0.85, (data, axis)


# -- the page ---------------------------------------------------------------------------------


def test_the_train_views_script_is_served_and_loads_nothing_else() -> None:
    with TestClient(create_app()) as client:
        page = client.get("/").text
        script = client.get("/static/train.js")
    assert '<script src="/static/train.js">' in page and script.status_code == 200
    assert "http://" not in script.text and "https://" not in script.text
    for element_id in ("tab-train", "t-hidden", "t-play", "preset", "boundary", "network", "curves"):
        assert f'id="{element_id}"' in page, element_id


@pytest.fixture
def page_at(browser: Any, server: str) -> Iterator[Any]:  # noqa: F811
    pages: list[Any] = []

    def open_at(width: int, height: int, projector: bool = False, hash: str = "#view=train") -> Any:
        page = browser.new_page(viewport={"width": width, "height": height})
        pages.append(page)
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(server + hash)
        page.wait_for_function("document.body.dataset.epoch !== undefined && state.train !== undefined")
        if projector:
            page.check("#projector")
        page.wait_for_timeout(150)  # a resize redraws in the next frame
        page.errors = errors
        return page

    yield open_at
    for page in pages:
        page.close()


def play_until(page: Any, epoch: int) -> None:
    page.click("#t-play")
    page.wait_for_function(f"Number(document.body.dataset.epoch) >= {epoch}", timeout=20_000)
    page.click("#t-play")
    page.wait_for_function("!state.playing")
    page.wait_for_timeout(150)


def train_to(page: Any, epoch: int) -> None:
    """Train in steps of 20 epochs (faster than playing) until ``epoch``."""
    page.wait_for_function(
        f"""() => {{ const e = Number(document.body.dataset.epoch);
             if (e >= {epoch}) return true;
             if (window.asked !== e) {{ window.asked = e; send({{type: "train.step", epochs: 20}}); }} }}""",
        timeout=20_000,
    )
    page.wait_for_timeout(100)


def map_pictures(page: Any) -> list[str]:
    return page.eval_on_selector_all(".neuron-map", "ms => ms.map(m => m.toDataURL())")


def test_sixteen_neuron_maps_change_while_training(page_at: Any) -> None:
    page = page_at(1280, 720)
    before = map_pictures(page)
    assert len(before) == 16 and all(p.startswith("data:image/png") for p in before)
    assert len(set(before)) > 8  # drawn: each neuron its own picture
    start = int(page.evaluate("document.body.dataset.epoch"))
    play_until(page, start + 10)
    after = map_pictures(page)
    changed = sum(a != b for a, b in zip(before, after))
    print(f"\n{changed} of 16 maps changed in {page.evaluate('document.body.dataset.epoch')} epochs")
    assert len(after) == 16 and changed >= 14
    # the output node shows the boundary; the inputs their features; neither counts as a neuron map
    assert page.locator("#network canvas.output-map").count() == 1
    assert page.locator("#network canvas.feature-map").count() == 2
    assert not page.errors


def texts(page: Any, selector: str) -> list[str]:
    return list(page.eval_on_selector_all(selector, "es => es.map(e => e.textContent)"))


def test_the_loss_plot_has_axes_with_values(page_at: Any) -> None:
    page = page_at(1280, 720)
    train_to(page, 30)
    ys = [float(t) for t in texts(page, "#curves-axes .y-tick")]
    xs = [float(t) for t in texts(page, "#curves-axes .x-tick")]
    losses = page.evaluate("state.train.history.loss.concat(state.train.history.val_loss).map(Number)")
    epoch = int(page.evaluate("document.body.dataset.epoch"))
    print(f"\nloss axis {ys}, epoch axis {xs} (epoch {epoch}, largest loss {max(losses):.3f})")
    assert len(ys) >= 3 and ys[0] == 0 and ys == sorted(ys) and ys[-1] >= 0.9 * max(losses)
    assert len(xs) >= 3 and xs[0] == 0 and xs == sorted(xs) and epoch / 2 <= xs[-1] <= epoch
    label = page.get_attribute("#curves", "aria-label") or ""
    train, test = (page.text_content(f"#t-loss-{k}") for k in ("train", "test"))
    assert f"training {train}" in label and f"test {test}" in label  # the numbers, on the page too


def relative_luminance(colour: str) -> float:
    """WCAG 2's relative luminance of an "rgb(r, g, b)" or "#rrggbb" colour."""
    if colour.startswith("#"):
        parts = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    else:
        parts = [int(v) for v in re.findall(r"\d+", colour)[:3]]
    c = [v / 255 for v in parts]
    c = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in c]
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_the_class_colours_read_on_a_projector(page_at: Any) -> None:
    page = page_at(1280, 720)
    train_to(page, 40)
    fills = [page.eval_on_selector(f"#t-legend .swatch.{k}", "e => getComputedStyle(e).backgroundColor")
             for k in ("neg", "pos")]  # fmt: skip
    colors = page.evaluate("TrainView.COLORS")
    points = [colors["negPoint"], colors["posPoint"]]
    print(f"\nfills {fills}: contrast {contrast(*fills):.2f}; points {points}: {contrast(*points):.2f}")
    assert contrast(*fills) >= 2.0 and contrast(*points) >= 2.0
    # ... and those are the colours drawn: the plane, where the network is sure, has them
    found = page.evaluate(
        """cols => { const c = document.getElementById('boundary'), d = c.getContext('2d')
             .getImageData(0, 0, c.width, c.height).data;
           return cols.map(col => { let n = 0; for (let k = 0; k < d.length; k += 4)
             if (Math.abs(d[k] - col[0]) + Math.abs(d[k + 1] - col[1])
                 + Math.abs(d[k + 2] - col[2]) < 24) n++;
             return n / (d.length / 4); }); }""",
        [[int(v) for v in re.findall(r"\d+", f)[:3]] for f in fills],
    )
    print(f"share of the plane within 24 of each fill: {found}")
    assert min(found) > 0.02


def box(page: Any, element_id: str) -> dict[str, float]:
    return dict(page.evaluate(f"document.getElementById('{element_id}').getBoundingClientRect().toJSON()"))


def figure_sizes(page: Any) -> dict[str, float]:
    return page.evaluate(
        "() => Object.fromEntries(['boundary', 'network', 'curves', 'gradbars'].map(id =>"
        " [id, document.getElementById(id).getBoundingClientRect().width]))"
    )


def test_the_figures_grow_with_the_window_and_the_projector(page_at: Any) -> None:
    small = page_at(1280, 720)
    at_1280 = figure_sizes(small)
    # at 1280x720 every figure is on one screen, side by side
    boxes = [box(small, name) for name in ("boundary", "network", "curves")]
    assert all(b["bottom"] <= 720 and b["right"] <= 1280 for b in boxes), boxes
    assert len({round(b["top"]) for b in boxes}) <= 2
    small.check("#projector")
    small.wait_for_timeout(200)
    projected = figure_sizes(small)
    plane = box(small, "boundary")
    large = figure_sizes(page_at(1920, 1080))
    print(f"\nfigure widths at 1280x720 {at_1280}, projector {projected}, 1920x1080 {large}")
    assert at_1280["boundary"] > 360  # the old fixed size
    assert all(large[k] >= 1.4 * at_1280[k] for k in at_1280), (at_1280, large)
    assert all(projected[k] >= 1.15 * at_1280[k] for k in ("boundary", "network")), projected
    assert plane["bottom"] <= 720 + 1  # projected, the plane still fits the screen
    # the canvases are drawn at their size on the page, not stretched
    assert small.evaluate("document.getElementById('boundary').width") >= projected["boundary"] - 2


def test_feature_toggles_change_the_models_inputs(page_at: Any) -> None:
    page = page_at(1280, 720)
    assert page.evaluate("state.train.weights[0][0].length") == 2
    page.check("#f-x1sq")
    page.wait_for_function("state.train.weights[0][0].length === 3")
    assert page.evaluate("state.train.config.features") == ["x1", "x2", "x1^2"]
    assert page.locator("#network canvas.feature-map").count() == 3
    page.uncheck("#f-x1")
    page.uncheck("#f-x2")
    page.wait_for_function("state.train.weights[0][0].length === 1")
    page.click("#f-x1sq")  # the last one stays: a network needs an input
    assert page.is_checked("#f-x1sq") and "at least one" in (page.text_content("#error") or "")


def test_hover_shows_a_weight_and_a_click_opens_the_neuron(page_at: Any) -> None:
    page = page_at(1280, 720)
    train_to(page, 5)
    # a point of one weight's line that no other line covers
    spot = page.evaluate(
        """() => { for (const l of document.querySelectorAll('#network line.weight-hit')) {
             const m = l.getScreenCTM(), at = (x, y) => [m.a * x + m.c * y + m.e, m.b * x + m.d * y + m.f];
             const [x1, y1] = at(+l.getAttribute('x1'), +l.getAttribute('y1'));
             const [x2, y2] = at(+l.getAttribute('x2'), +l.getAttribute('y2'));
             for (const t of [0.3, 0.7, 0.5]) { const x = x1 + t * (x2 - x1), y = y1 + t * (y2 - y1);
               if (document.elementFromPoint(x, y) === l)
                 return [x, y, +l.dataset.l, +l.dataset.j, +l.dataset.i]; } } }"""
    )
    x, y, layer, j, i = spot
    page.mouse.move(x, y)
    weight = page.evaluate(f"state.train.weights[{layer}][{j}][{i}]")
    assert f"w[{layer + 1}][{j},{i}] = {weight:.4f}" in (page.text_content("#t-tip") or "")
    assert page.is_visible("#t-tip")
    page.click("#network circle[data-layer='1'][data-index='2']")
    page.wait_for_selector("#neuron svg")
    picked = page.eval_on_selector_all("#network g.picked", "gs => gs.map(g => g.dataset.index)")
    assert picked == ["2"] and page.get_attribute("#network g.picked", "data-layer") == "1"
    heading = page.text_content("#neuron h3") or ""
    assert heading.startswith("layer 2, neuron 2: a[2][2]")  # as the bars and the diagram name layers
    assert "layer 2" in texts(page, "#network .layer-name")
    top = page.evaluate("document.getElementById('neuron').getBoundingClientRect().top")
    assert 0 <= top < 720 / 2  # in view
    train_to(page, 25)  # the mark stays through updates
    assert page.locator("#network g.picked").count() == 1


def test_screenshot_of_the_train_view(page_at: Any) -> None:
    page = page_at(1280, 720)
    train_to(page, 60)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "train-view.png"))
    page.check("#projector")
    page.wait_for_timeout(200)
    page.screenshot(path=str(SHOTS / "train-view-1280-projector.png"))
    assert (SHOTS / "train-view.png").stat().st_size > 20_000
    print(f"\nscreenshots in {SHOTS}")
