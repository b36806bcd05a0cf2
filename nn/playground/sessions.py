"""What one browser tab of the playground holds: a graph (Graph view) and a network
in training (Train view). Each method returns the message the page needs; the server
only moves messages. Everything here is the public chainrule API at work: ``Value``,
``explain``, ``draw_graph``, ``nn.MLP``, ``nn.training.TrainingRun`` (the compiled
engine), ``nn.data``, ``nn.viz.neuron_graph``."""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from autograd_core.viz import RenderError, draw_graph, explain

from ..data import make_blobs, make_circles, make_moons, make_spirals, make_xor, train_test_split
from ..module import MLP
from ..optim import make_optimizer
from ..training import TrainingRun, layer_gradient_means, predict
from ..viz import neuron_graph
from .expressions import ExpressionError, compile_expression

MAX_VALUES = 150  # a graph the page redraws live (and a projector shows legibly)
LIMITS = {"layers": 4, "neurons": 16, "points": 1000, "epochs_per_tick": 20, "grid": 48}
DATASETS = {
    "moons": lambda n, noise, seed: make_moons(n, noise=noise, seed=seed),
    "circles": lambda n, noise, seed: make_circles(n, noise=noise, seed=seed),
    "xor": lambda n, noise, seed: make_xor(n, noise=noise, seed=seed),
    "spirals": lambda n, noise, seed: make_spirals(n, classes=2, noise=noise, seed=seed),
    "blobs": lambda n, noise, seed: make_blobs(n, centers=2, std=0.5 + 2 * noise, seed=seed),
}
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


class PlaygroundError(ValueError):
    """A request the playground refuses; the message is shown on the page. ``details``
    go with it (a refused leaf value names the leaf and the value still in use)."""

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.details = details


class GraphSession:
    """Graph view: an expression, its leaves, its picture and its chain-rule steps."""

    def __init__(self) -> None:
        self.text = ""
        self.values: dict[str, float] = {}
        self.theme = "default"

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
        self.text, self.values = text, {n: v.data for n, v in leaves.items()}
        try:
            svg = draw_graph(root, color_by="grad", names=replay.names, number_format=replay.number,
                             theme=self.theme, grads=replay.grads_after(0)).svg()  # fmt: skip
        except RenderError as exc:
            raise PlaygroundError(str(exc)) from None
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


class TrainSession:
    """Train view: a data set, an MLP, an optimizer, and the run that trains it."""

    def __init__(self) -> None:
        self.config: dict[str, Any] = {}
        self.run: Any = None
        self.epoch = 0
        self.configure({})

    def configure(self, config: dict[str, Any]) -> dict[str, Any]:
        """Check ``config`` against the limits, then build data, model and run anew."""
        c = _checked({**DEFAULT_CONFIG, **self.config, **config})
        X, y = DATASETS[c["data"]](c["points"], c["noise"], c["seed"])
        Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=c["test_share"], seed=c["seed"], stratify=True)
        model = MLP(2, [*c["hidden"], 1], activation=c["activation"], seed=c["seed"])
        optimizer = make_optimizer(c["optimizer"], model.parameters(), c["lr"])
        self.config, self.model, self.data = c, model, (Xtr, ytr, Xte, yte)
        self.run = TrainingRun(model, Xtr, ytr, "bce", optimizer, engine="compiled",
                               batch_size=c["batch_size"], validation=(Xte, yte), metrics=["accuracy"],
                               seed=c["seed"], l1=c["l1"], l2=c["l2"], shuffle=True, class_weight=None,
                               callbacks=[])  # fmt: skip
        self.epoch = 0
        self.history: dict[str, list[float]] = {
            "loss": [],
            "val_loss": [],
            "accuracy": [],
            "val_accuracy": [],
        }
        return self.snapshot()

    def step(self, epochs: int = 1) -> dict[str, Any]:
        """Train ``epochs`` more epochs (forward, error, backward, update per batch)."""
        start = time.perf_counter()
        for _ in range(max(1, min(int(epochs), LIMITS["epochs_per_tick"]))):
            self.epoch += 1
            for batch in self.run.batches():
                self.run.step(batch)
            row = self.run.end_epoch(self.epoch)
            for key in self.history:
                self.history[key].append(_json_number(float(row.get(key, math.nan))))  # type: ignore[arg-type]
        return {**self.snapshot(), "seconds": time.perf_counter() - start}

    def snapshot(self) -> dict[str, Any]:
        """What the page draws: boundary, curves, weights, per-layer gradient size."""
        Xtr, ytr, Xte, yte = self.data
        n = LIMITS["grid"]
        xs = np.linspace(-2.5, 2.5, n)
        grid = [[a, b] for b in xs for a in xs]
        probs = [
            1.0 / (1.0 + math.exp(-max(min(z, 500.0), -500.0))) for z in predict(self.model, grid, "compiled")
        ]
        weights = [[[w.data for w in neuron.w] for neuron in layer.neurons] for layer in self.model.layers]
        biases = [[neuron.b.data for neuron in layer.neurons] for layer in self.model.layers]
        return {
            "type": "train",
            "epoch": self.epoch,
            "config": self.config,
            "history": self.history,
            "grid": {"n": n, "lo": -2.5, "hi": 2.5, "p": [round(p, 4) for p in probs]},
            "train": {"X": Xtr, "y": ytr},
            "test": {"X": Xte, "y": yte},
            "weights": weights,
            "biases": biases,
            "grads": [_json_number(g) for g in layer_gradient_means(self.model)],
        }

    def neuron(self, layer: int, index: int) -> dict[str, Any]:
        """One neuron's graph for the first training point, with d loss / d value."""
        Xtr, ytr, _, _ = self.data
        try:
            node = neuron_graph(self.model, Xtr[0], ytr[0], layer=int(layer), index=int(index), loss="bce")
        except (TypeError, ValueError) as exc:
            raise PlaygroundError(str(exc)) from None
        svg = draw_graph(node, color_by="grad").svg()
        self.model.zero_grad()  # after drawing: the picture shows this sample's d loss / d weight
        return {"type": "neuron", "layer": layer, "index": index, "svg": svg[svg.index("<svg") :]}


DEFAULT_CONFIG: dict[str, Any] = {
    "data": "moons", "noise": 0.1, "points": 200, "test_share": 0.25, "hidden": [8, 8], "activation": "tanh",
    "optimizer": "adam", "lr": 0.03, "batch_size": None, "l1": 0.0, "l2": 0.0, "seed": 0,
}  # fmt: skip
ACTIVATIONS = ("relu", "tanh", "sigmoid", "leaky_relu")


def _number(c: dict[str, Any], key: str, lo: float, hi: float) -> float:
    v = c[key]
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not (lo <= v <= hi):
        raise PlaygroundError(f"{key} must be a number in [{lo:g}, {hi:g}], got {v!r:.30}")
    return float(v)


def _checked(c: dict[str, Any]) -> dict[str, Any]:
    """The training configuration within the playground's limits, or PlaygroundError."""
    if c["data"] not in DATASETS:
        raise PlaygroundError(f"unknown data set {c['data']!r:.30}; choose one of {sorted(DATASETS)}")
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
    if c["activation"] not in ACTIVATIONS or c["optimizer"] not in ("adam", "sgd", "momentum", "rmsprop"):
        raise PlaygroundError(
            f"choose an activation of {ACTIVATIONS} and an optimizer of adam, sgd, momentum, rmsprop"
        )
    points = int(_number(c, "points", 20, LIMITS["points"]))
    batch = c["batch_size"]
    if batch is not None and (
        isinstance(batch, bool) or not isinstance(batch, int) or not 1 <= batch <= points
    ):
        raise PlaygroundError("batch_size must be null (full batch) or 1..points")
    return {**c, "points": points, "noise": _number(c, "noise", 0, 1),
            "test_share": _number(c, "test_share", 0.1, 0.5), "lr": _number(c, "lr", 1e-5, 10),
            "l1": _number(c, "l1", 0, 1), "l2": _number(c, "l2", 0, 1),
            "seed": int(_number(c, "seed", 0, 2**31))}  # fmt: skip
