"""What one browser tab of the playground holds: a graph (Graph view) and a network
in training (Train view). Each method returns the message the page needs; the server
only moves messages. Everything here is the public chainrule API at work: ``Value``,
``explain``, ``draw_graph``, ``nn.MLP``, ``nn.training.TrainingRun`` (the compiled
engine), ``nn.data``, ``nn.viz.neuron_graph``."""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Generator
from typing import Any

from autograd_core import topological_order
from autograd_core.viz import RenderError, draw_graph, explain, render_svg
from autograd_core.viz.draw import THEMES, Theme

from ..data import (
    make_blobs,
    make_bumps,
    make_circles,
    make_moons,
    make_plane,
    make_spirals,
    make_xor,
    train_test_split,
)
from ..module import MLP
from ..optim import make_optimizer
from ..training import TrainingRun, layer_gradient_means
from ..viz import neuron_graph
from .expressions import ExpressionError, compile_expression
from .train_figures import FEATURE_LABELS, FEATURES, domain, feature_matrix, figures

MAX_VALUES = 150  # a graph the page redraws live (and a projector shows legibly)
LIMITS = {"layers": 4, "neurons": 16, "points": 1000, "epochs_per_tick": 20, "grid": 48}
DATASETS = {
    "moons": lambda n, noise, seed: make_moons(n, noise=noise, seed=seed),
    "circles": lambda n, noise, seed: make_circles(n, noise=noise, seed=seed),
    "xor": lambda n, noise, seed: make_xor(n, noise=noise, seed=seed),
    # 1.75 turns an arm (TensorFlow Playground's): a 2-[8,8]-1 tanh network no longer
    # solves them in 5 s; a deeper one does (tests/test_playground_train.py).
    "spirals": lambda n, noise, seed: make_spirals(n, classes=2, noise=noise, seed=seed, turns=1.75),
    "blobs": lambda n, noise, seed: make_blobs(n, centers=2, std=0.5 + 2 * noise, seed=seed),
    # Regression: a target in [-1, 1] for each point, learnt with the mean squared error.
    "plane": lambda n, noise, seed: make_plane(n, noise=noise, seed=seed),
    "bumps": lambda n, noise, seed: make_bumps(n, noise=noise, seed=seed),
}
REGRESSION = ("plane", "bumps")
PRESETS = {
    "neuron": "tanh(w0*x0 + w1*x1 + b)",
    # Lesson 02's network (Mazur's numbers), with its names: a bias per hidden neuron (one
    # shared bias would show the answer to exercise 02-shared-bias).
    "network": "(E := 0.5 * (t - (o := sigmoid((z_o := w5*(h1 := sigmoid((z_h1 := w1*x1 + w2*x2 + b_h1)))"
    " + w6*(h2 := sigmoid((z_h2 := w3*x1 + w4*x2 + b_h2))) + b_o)))) ** 2)",
    "mlp": "sigmoid(v0*relu(a0*x0 + a1*x1 + c0) + v1*relu(a2*x0 + a3*x1 + c1)"
    " + v2*relu(a4*x0 + a5*x1 + c2) + d)",
}
#: Starting leaf values of the presets, in reading order (the 2-2-1 network is lesson
#: 02's worked example: inputs, the hidden layer's weights and biases, the output's, the target).
PRESET_VALUES = {
    "network": {"x1": 0.05, "x2": 0.10, "w1": 0.15, "w2": 0.20, "b_h1": 0.35, "w3": 0.25, "w4": 0.30,
                "b_h2": 0.35, "w5": 0.40, "w6": 0.45, "b_o": 0.60, "t": 0.01},
    "neuron": {"x0": 2.0, "w0": -3.0, "x1": 0.0, "w1": 1.0, "b": 6.8813735870195432},
}  # fmt: skip


#: The Graph view's picture area, width x height in pixels: a landscape window (the
#: drawing direction is chosen to read largest there, not in a notebook's tall column).
SCREEN = (1240, 560)


def screen_theme(name: str) -> Theme:
    """The theme ``name`` with the Graph view's frame (``SCREEN``)."""
    return dataclasses.replace(THEMES[name], frame=SCREEN)


class PlaygroundError(ValueError):
    """A request the playground refuses; the message is shown on the page. ``details``
    go with it (a refused leaf value names the leaf and the value still in use)."""

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.details = details


#: DOT text -> SVG, for every picture a session draws; here, in this process. The server
#: puts its render pool here (worker processes, a deadline, a bounded layout: see
#: ``render_worker``), so no picture holds up the other tabs.
RENDER: Callable[[str], str] = render_svg


class GraphSession:
    """Graph view: an expression, its leaves, its picture and its chain-rule steps."""

    def __init__(self) -> None:
        self.text = ""
        self.values: dict[str, float] = {}
        self.theme = "default"
        self.collapse = False  # each neuron act(w·x+b) drawn as one node

    def load(self, text: str, values: dict[str, float] | None = None) -> dict[str, Any]:
        """Parse ``text`` and draw it: the whole picture and every step's numbers."""
        try:
            root, leaves = compile_expression(text, values, order=list(values or ()))
        except (ExpressionError, ValueError, OverflowError) as exc:
            raise PlaygroundError(str(exc)) from None
        replay = explain(root, forward=True)
        if len(replay.order) > MAX_VALUES:
            raise PlaygroundError(
                f"the graph has {len(replay.order)} values; the playground draws at most {MAX_VALUES}"
            )
        try:
            picture = draw_graph(root, color_by="grad", names=replay.names, number_format=replay.number,
                                 theme=screen_theme(self.theme), grads=replay.grads_after(0),
                                 collapse=self.collapse)  # fmt: skip
            svg = RENDER(picture.source)
        except RenderError as exc:
            raise PlaygroundError(str(exc)) from None
        # Only a drawn picture replaces the session's: a refused one leaves the page as it was.
        self.text, self.values = text, {n: v.data for n, v in leaves.items()}
        return {"type": "graph", "expr": text, "svg": svg[svg.index("<svg") :], **self._numbers(replay)}

    def set_leaf(self, name: str, value: float) -> dict[str, Any]:
        """Move one leaf and recompute: the same picture, new numbers (no redraw)."""
        if name not in self.values:
            raise PlaygroundError(f"no leaf called {name!r}")
        if not math.isfinite(value) or abs(value) > 1e6:
            raise PlaygroundError("a leaf value must be a finite number of size at most 1e6")
        values = {**self.values, name: float(value)}
        try:
            root, _ = compile_expression(self.text, values, order=list(values))
        except ValueError as exc:  # a domain error: log of a negative number, ...
            # The page puts the field back to the value the picture still uses.
            raise PlaygroundError(f"{name} = {value:g} is refused: {exc}", leaf=name,
                                  value=self.values[name]) from None  # fmt: skip
        self.values = values
        replay = explain(root, forward=True)
        return {"type": "graph.values", **self._numbers(replay)}

    def _numbers(self, replay: Any) -> dict[str, Any]:
        leaves = [{"name": n, "value": v} for n, v in self.values.items()]
        return {"data": replay.page_data(), "leaves": leaves, "locals": _locals(replay)}


def _locals(replay: Any) -> list[list[float | str]]:
    """Each value's local derivatives toward its parents, for a click on a node."""
    return [[_json_number(x) for x in n.local_grads] for n in replay.order]


def _json_number(x: float) -> float | str:
    return x if math.isfinite(x) else str(x)


HISTORY_KEYS = ("loss", "val_loss", "accuracy", "val_accuracy")
#: The most rows of history a tab keeps: past it every other row is dropped and a row
#: stands for twice as many epochs (so an hour of play keeps the whole curve's shape).
HISTORY_ROWS = 2000


class TrainSession:
    """Train view: a data set, an MLP, an optimizer, and the run that trains it.

    Replies send what changed: the data set only after ``configure``, and only the rows
    of history the page has not had yet. ``history_from`` says where the rows start (0:
    the whole history, to replace what the page holds), ``history_every`` how many epochs
    a row stands for (1 until the history passes ``HISTORY_ROWS``), ``latest`` the newest
    epoch's numbers. The server calls ``delivered()`` once a reply has gone out; without
    it (this class used on its own) every reply carries the whole history."""

    def __init__(self) -> None:
        self.config: dict[str, Any] = {}
        self.run: Any = None
        self.epoch = 0
        self.history: dict[str, list[float | str]] = {}
        self.every = 1  # epochs a history row stands for
        self.latest: dict[str, float | str] | None = None
        self._version = 0  # the history's numbering: changes when it restarts or is thinned
        self._offered = self._delivered = (0, 0)  # (version, rows) in the last reply / the page
        self.configure({})

    def configure(self, config: dict[str, Any]) -> dict[str, Any]:
        """Check ``config`` against the limits, then build data, model and run anew."""
        c = checked_config(config, self.config)
        X, y = DATASETS[c["data"]](c["points"], c["noise"], c["seed"])
        regression = c["data"] in REGRESSION
        Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=c["test_share"], seed=c["seed"],
                                              stratify=not regression)  # fmt: skip
        features = c["features"]
        model = MLP(len(features), [*c["hidden"], 1], activation=c["activation"], seed=c["seed"])
        optimizer = make_optimizer(c["optimizer"], model.parameters(), c["lr"])
        self.config, self.model, self.data = c, model, (Xtr, ytr, Xte, yte)
        # The task decides the loss: bce on the output's logit (a class), or mse (a value).
        self.loss, self.regression, self.box = ("mse" if regression else "bce"), regression, domain(X)
        inputs = [feature_matrix(Xtr, features).tolist(), feature_matrix(Xte, features).tolist()]
        self.inputs = inputs[0]
        self.run = TrainingRun(model, inputs[0], ytr, self.loss, optimizer, engine="compiled",
                               batch_size=c["batch_size"], validation=(inputs[1], yte),
                               metrics=[] if regression else ["accuracy"], seed=c["seed"], l1=c["l1"],
                               l2=c["l2"], shuffle=True, class_weight=None, callbacks=[])  # fmt: skip
        self.epoch = 0
        self.history = {key: [] for key in HISTORY_KEYS}
        self.every, self.latest = 1, None
        self._version += 1
        return self.snapshot()

    def step(self, epochs: int = 1) -> dict[str, Any]:
        """Train ``epochs`` more epochs (forward, error, backward, update per batch)."""
        work = self.step_slices(epochs)
        while True:
            try:
                next(work)
            except StopIteration as done:
                return dict(done.value)

    def step_slices(self, epochs: int = 1) -> Generator[None, None, dict[str, Any]]:
        """``step`` in slices, for the server's scheduler: it yields after every batch and
        every epoch's end. Closed before its end (cancelled), it puts everything back as it
        was before its first batch: weights, optimizer, shuffling, epoch and history."""
        start = time.perf_counter()
        saved = self._save()
        finished = False
        try:
            for _ in range(check_epochs(epochs)):
                self.epoch += 1
                for batch in self.run.batches():
                    self.run.step(batch)
                    yield
                row = self.run.end_epoch(self.epoch)
                self.run.history.rows.clear()  # the session keeps its own, bounded history
                self._record(row)
                yield
            finished = True
        finally:
            if not finished:
                self._restore(saved)
        return {**self.update(), "seconds": time.perf_counter() - start}

    def _save(self) -> tuple[Any, ...]:
        params = self.model.parameters()
        return (self.epoch, {k: list(v) for k, v in self.history.items()}, self.every, self.latest,
                self._version, [p.data for p in params], [p.grad for p in params],
                self.run.optimizer.state_dict(),
                self.run.rng.bit_generator.state, self.run.order.copy())  # fmt: skip

    def _restore(self, saved: tuple[Any, ...]) -> None:
        (self.epoch, self.history, self.every, self.latest, self._version, data, grads, optimizer, rng,
         order) = saved  # fmt: skip
        for p, d, g in zip(self.model.parameters(), data, grads):
            p.data, p.grad = d, g
        self.run.optimizer.load_state_dict(optimizer)
        self.run.rng.bit_generator.state = rng
        self.run.order[:] = order

    def _record(self, row: dict[str, Any]) -> None:
        """One epoch's numbers: the latest, and a history row every ``every`` epochs."""
        self.latest = {key: _json_number(float(row.get(key, math.nan))) for key in HISTORY_KEYS}
        if (self.epoch - 1) % self.every:
            return
        for key in HISTORY_KEYS:
            self.history[key].append(self.latest[key])
        if len(self.history["loss"]) > HISTORY_ROWS:
            self.history = {key: rows[::2] for key, rows in self.history.items()}
            self.every *= 2
            self._version += 1

    def delivered(self) -> None:
        """The last reply has reached the page: later replies send only newer rows."""
        self._delivered = self._offered

    def update(self, whole: bool = False) -> dict[str, Any]:
        """What changed since the page's last reply: boundary, weights, gradient sizes, the
        new history rows (``whole``: all of them, and the data set)."""
        version, rows = self._delivered
        total = len(self.history["loss"])
        start = 0 if whole or version != self._version else min(rows, total)
        self._offered = (self._version, total)
        weights = [[[w.data for w in neuron.w] for neuron in layer.neurons] for layer in self.model.layers]
        biases = [[neuron.b.data for neuron in layer.neurons] for layer in self.model.layers]
        reply: dict[str, Any] = {
            "type": "train",
            "epoch": self.epoch,
            "config": self.config,
            "history": {key: rows[start:] for key, rows in self.history.items()},
            "history_from": start,
            "history_every": self.every,
            "latest": self.latest,
            "task": "regression" if self.regression else "classification",
            "loss_name": self.loss,
            # the output over the plane (grid) and each hidden neuron's map (maps)
            **figures(self.model, self.config["features"], self.box, LIMITS["grid"], self.regression),
            "weights": weights,
            "biases": biases,
            "grads": [_json_number(g) for g in layer_gradient_means(self.model)],
        }
        if whole:
            Xtr, ytr, Xte, yte = self.data
            reply["train"], reply["test"] = {"X": Xtr, "y": ytr}, {"X": Xte, "y": yte}
        return reply

    def snapshot(self) -> dict[str, Any]:
        """Everything the page draws: the data set, the whole history, the rest."""
        return self.update(whole=True)

    def neuron_source(self, layer: int, index: int) -> str:
        """The DOT text of one neuron's graph for the first training point, with d loss / d value;
        the inputs named by their features (x1, x1², sin x2, ...)."""
        _, ytr, _, _ = self.data
        try:
            node = neuron_graph(self.model, self.inputs[0], ytr[0], layer=int(layer), index=int(index),
                                loss=self.loss)  # fmt: skip
        except (TypeError, ValueError) as exc:
            raise PlaygroundError(str(exc)) from None
        names = {f"x{i}": FEATURE_LABELS[f] for i, f in enumerate(self.config["features"])}
        for v in topological_order(node):
            if v.is_leaf and v.label in names:
                v.label = names[v.label]
        source = str(draw_graph(node, color_by="grad").source)
        self.model.zero_grad()  # after drawing: the picture shows this sample's d loss / d weight
        return source

    def neuron(self, layer: int, index: int) -> dict[str, Any]:
        """One neuron's graph for the first training point, with d loss / d value."""
        return neuron_reply(layer, index, RENDER(self.neuron_source(layer, index)))


def neuron_reply(layer: int, index: int, svg: str) -> dict[str, Any]:
    """The ``neuron`` message for a rendered neuron picture."""
    return {"type": "neuron", "layer": layer, "index": index, "svg": svg[svg.index("<svg") :]}


DEFAULT_CONFIG: dict[str, Any] = {
    "data": "moons", "noise": 0.1, "points": 200, "test_share": 0.25, "hidden": [8, 8], "activation": "tanh",
    "optimizer": "adam", "lr": 0.03, "batch_size": None, "l1": 0.0, "l2": 0.0, "seed": 0,
    "features": ["x1", "x2"],
}  # fmt: skip
ACTIVATIONS = ("relu", "tanh", "sigmoid", "leaky_relu")
OPTIMIZERS = ("adam", "sgd", "momentum", "rmsprop")


def check_epochs(epochs: Any) -> int:
    """``epochs`` of a step: a whole number from 1 to the limit, or PlaygroundError."""
    most = LIMITS["epochs_per_tick"]
    if isinstance(epochs, bool) or not isinstance(epochs, int) or not 1 <= epochs <= most:
        raise PlaygroundError(f"epochs must be a whole number from 1 to {most}, got {epochs!r:.30}")
    return epochs


def checked_config(config: Any, current: dict[str, Any] | None = None) -> dict[str, Any]:
    """``config`` over ``current`` over the defaults, checked against the limits: only
    known keys, each of its type and range (PlaygroundError names the field)."""
    if not isinstance(config, dict):
        raise PlaygroundError("config must be an object of settings")
    unknown = sorted(str(k) for k in config if k not in DEFAULT_CONFIG)
    if unknown:
        raise PlaygroundError(
            f"unknown setting {', '.join(unknown[:3])[:80]}{' ...' if len(unknown) > 3 else ''}; "
            f"the settings are {', '.join(DEFAULT_CONFIG)}"
        )
    return _checked({**DEFAULT_CONFIG, **(current or {}), **config})


def _choice(c: dict[str, Any], key: str, allowed: Any) -> str:
    v = c[key]
    if not isinstance(v, str) or v not in allowed:
        raise PlaygroundError(f"{key} must be one of {', '.join(sorted(allowed))}, got {v!r:.30}")
    return v


def _number(c: dict[str, Any], key: str, lo: float, hi: float) -> float:
    v = c[key]
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not (lo <= v <= hi):
        raise PlaygroundError(f"{key} must be a number in [{lo:g}, {hi:g}], got {v!r:.30}")
    return float(v)


def _checked(c: dict[str, Any]) -> dict[str, Any]:
    """The training configuration within the playground's limits, or PlaygroundError."""
    _choice(c, "data", DATASETS)
    hidden = c["hidden"]
    if (
        not isinstance(hidden, list)
        or len(hidden) > LIMITS["layers"]
        or not all(
            isinstance(h, int) and not isinstance(h, bool) and 1 <= h <= LIMITS["neurons"] for h in hidden
        )
    ):
        raise PlaygroundError(
            f"hidden must be at most {LIMITS['layers']} layers of 1..{LIMITS['neurons']} neurons"
        )
    _choice(c, "activation", ACTIVATIONS)
    _choice(c, "optimizer", OPTIMIZERS)
    points = _number(c, "points", 20, LIMITS["points"])
    if points != int(points):
        raise PlaygroundError(f"points must be a whole number, got {c['points']!r:.30}")
    batch = c["batch_size"]
    if batch is not None and (
        isinstance(batch, bool) or not isinstance(batch, int) or not 1 <= batch <= points
    ):
        raise PlaygroundError("batch_size must be null (full batch) or 1..points")
    seed = _number(c, "seed", 0, 2**31)
    if seed != int(seed):
        raise PlaygroundError(f"seed must be a whole number, got {c['seed']!r:.30}")
    features = c["features"]
    if (
        not isinstance(features, list)
        or not features
        or not all(isinstance(f, str) and f in FEATURES for f in features)
        or len(set(features)) != len(features)
    ):
        raise PlaygroundError(f"features must be a list of one or more of {', '.join(FEATURES)}, each once")
    features = [f for f in FEATURES if f in features]  # in the page's order
    return {**c, "features": features, "points": int(points), "noise": _number(c, "noise", 0, 1),
            "hidden": list(hidden), "test_share": _number(c, "test_share", 0.1, 0.5),
            "lr": _number(c, "lr", 1e-5, 10), "l1": _number(c, "l1", 0, 1), "l2": _number(c, "l2", 0, 1),
            "seed": int(seed)}  # fmt: skip
