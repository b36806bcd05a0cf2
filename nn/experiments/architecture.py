"""Experiments on the network itself: activations, initialisation, depth, vanishing
gradients, and the architecture table."""

from __future__ import annotations

import warnings
from typing import Any

from autograd_core import vsum

from .. import optim
from ..data import load_digits, make_moons, make_spirals, train_test_split
from ..losses import bce
from ..module import MLP
from ..training import fit, layer_gradient_means
from .core import Table, acc, experiment, first_epoch, mlp


@experiment("activation", "activation (sigmoid, tanh, relu, leaky relu) vs accuracy and epochs to converge")
def activation(quick: bool) -> Table:
    """The same 2-16-16-1 network with each hidden activation, Adam, moons."""
    X, y = make_moons(200, noise=0.15, seed=0)
    X, Xv, y, yv = train_test_split(X, y, test_size=0.3, seed=0, stratify=True)
    n = 80 if quick else 300
    rows = []
    for act in ("sigmoid", "tanh", "relu", "leaky_relu"):
        model = mlp(2, [16, 16, 1], activation=act)
        hist = fit(
            model,
            X,
            y,
            loss="bce",
            optimizer=optim.Adam(model.parameters(), lr=0.01),
            epochs=n,
            metrics=["accuracy"],
            progress=False,
            engine="compiled",
        )
        rows.append(
            [act, acc(model, X, y), acc(model, Xv, yv), first_epoch(hist["accuracy"], lambda a: a >= 0.95)]
        )
    return Table(
        "activation",
        f"Activation vs accuracy and epochs to converge (2-16-16-1, Adam lr 0.01, full batch, {n} epochs; "
        f"{len(X)} moons points)",
        ["activation", "training accuracy", "validation accuracy", "epochs to 95% training accuracy"],
        rows,
        "Sigmoid's slope is at most 1/4 and its outputs are not centred on 0, so it learns "
        "slowest; tanh, relu and leaky relu pass gradients back more readily.",
    )


@experiment("initialization", "initialisation (uniform, Xavier, He) in a deep net vs accuracy and speed")
def initialization(quick: bool) -> Table:
    """A 10-hidden-layer relu network: how the first weights are drawn decides whether it trains."""
    X, y = make_moons(200, noise=0.1, seed=0)
    X, Xv, y, yv = train_test_split(X, y, test_size=0.3, seed=0, stratify=True)
    n = 60 if quick else 200
    depth = [32] * 10 + [1]
    rows = []
    for init in ("uniform", "xavier_uniform", "he_uniform"):
        model = mlp(2, depth, init=init, seed=3)
        out0 = [abs(v) for v in _outputs(model, X[:50])]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a diverging run is a result here, not a problem
            hist = fit(
                model,
                X,
                y,
                loss="bce",
                optimizer=optim.SGD(model.parameters(), lr=0.01, momentum=0.9),
                epochs=n,
                metrics=["accuracy"],
                progress=False,
                engine="compiled",
            )
        if hist.diverged:
            rows.append([init, sum(out0) / len(out0), None, None, "diverged"])
            continue
        rows.append(
            [
                init,
                sum(out0) / len(out0),
                acc(model, Xv, yv),
                first_epoch(hist["accuracy"], lambda a: a >= 0.9),
                "",
            ]
        )
    return Table(
        "initialization",
        "Initialisation vs accuracy and convergence (10 hidden relu layers of 32; "
        f"SGD lr 0.01, momentum 0.9, full batch, {n} epochs)",
        [
            "init",
            "mean abs(output) at start",
            "validation accuracy",
            "epochs to 90% training accuracy",
            "note",
        ],
        rows,
        _initialization_note(rows),
    )


def _initialization_note(rows: list[list[Any]]) -> str:
    by = {r[0]: r for r in rows}
    start = {k: f"{by[k][1]:.2g}" for k in by}
    x, h = by["xavier_uniform"][3], by["he_uniform"][3]
    ending = (
        f"In this short run both still reach 90% training accuracy (Xavier at epoch {x}, He at {h}): "
        "at 10 layers of 32 the shrinking is not yet deep enough to stop training."
        if x is not None and h is not None
        else ""
    )
    return (
        f"U(-1, 1) ignores the fan-in: each layer multiplies the signal's scale, so outputs start "
        f"huge (mean abs output {start['uniform']}) and the first steps blow up. Xavier (made for "
        f"tanh) halves the variance at every relu layer, so after 10 layers the signal starts small "
        f"({start['xavier_uniform']}); He keeps its scale ({start['he_uniform']}). {ending}"
    ).strip()


def _outputs(model: MLP, X: list[list[float]]) -> list[float]:
    from ..training import predict

    return predict(model, X, engine="compiled")


@experiment("hidden_layers", "number of hidden layers vs training and validation error")
def hidden_layers(quick: bool) -> Table:
    """0 to 4 hidden layers of 16 on spirals (a task a linear model cannot do)."""
    X, y = make_spirals(300, classes=2, noise=0.15, seed=0)
    X, Xv, y, yv = train_test_split(X, y, test_size=0.3, seed=0, stratify=True)
    n = 100 if quick else 400
    rows = []
    for depth in range(5):
        model = mlp(2, [16] * depth + [1])
        fit(
            model,
            X,
            y,
            loss="bce",
            optimizer=optim.Adam(model.parameters(), lr=0.01),
            epochs=n,
            progress=False,
            engine="compiled",
        )
        rows.append([depth, model.num_parameters(), 1 - acc(model, X, y), 1 - acc(model, Xv, yv)])
    return Table(
        "hidden_layers",
        f"Hidden layers vs error (spirals, relu layers of 16, Adam lr 0.01, full batch, {n} epochs)",
        ["hidden layers", "parameters", "training error", "validation error"],
        rows,
        "No hidden layer is a linear classifier: it cannot separate spirals. Depth buys "
        "bendier boundaries; past some depth the gain stops (and training gets harder).",
        plot=("hidden layers", ["training error", "validation error"]),
    )


@experiment("vanishing_gradients", "vanishing gradients: mean |grad| per layer, deep sigmoid vs relu")
def vanishing_gradients(quick: bool) -> Table:
    """Mean |dL/dw| of each layer's weights at initialisation, over a batch, 8 hidden layers."""
    X, y = make_moons(50 if quick else 200, noise=0.1, seed=0)
    depth = [16] * 8 + [1]
    cols = {}
    for act in ("sigmoid", "relu"):
        model = mlp(2, depth, activation=act, init="xavier_uniform" if act == "sigmoid" else "he_uniform")
        loss = vsum([bce(model(x), t) for x, t in zip(X, y)]) * (1.0 / len(X))
        loss.backward()
        cols[act] = layer_gradient_means(model)
    rows = [[k + 1, cols["sigmoid"][k], cols["relu"][k]] for k in range(len(depth))]
    s_ratio = cols["sigmoid"][0] / cols["sigmoid"][-1]
    r_ratio = cols["relu"][0] / cols["relu"][-1]
    table = Table(
        "vanishing_gradients",
        "Mean |grad| of each layer's weights at initialisation (8 hidden layers of 16, moons; "
        "sigmoid with Xavier init, relu with He init; no training)",
        ["layer", "sigmoid", "relu"],
        rows,
        f"First layer / last layer: sigmoid {s_ratio:.1e}, relu {r_ratio:.2g}. On its way back "
        "through a layer the gradient is multiplied by the activation's slope (a sigmoid's is at "
        "most 1/4) and by the weights it passes through (here Xavier-sized, well below 4): the "
        "first layers of a deep sigmoid net barely learn. A relu's slope is 1 where it is active, "
        "and He init sizes the weights to keep the product near 1. Plot it with "
        "nn.viz.plot_gradient_flow or colour the graph by gradient.",
        plot=("layer", ["sigmoid", "relu"]),
        log_y=True,
    )
    table.extra = {"sigmoid_ratio": s_ratio, "relu_ratio": r_ratio}
    return table


@experiment("summary", "the architecture table of a network (like Keras' summary())")
def summary(quick: bool) -> Table:
    """model.summary() of the 64-100-10 digits network, as a table."""
    X, _ = load_digits()
    model = mlp(len(X[0]), [100, 10], output_activation="softmax")
    rows = [list(r) for r in model.summary_rows()]
    rows.append(["total", "", "", model.num_parameters()])
    return Table(
        "summary",
        "Architecture of MLP(64, [100, 10], output_activation='softmax') (digits)",
        ["layer", "neurons", "activation", "parameters"],
        rows,
        "Each neuron has one weight per input plus a bias: 64*100 + 100 = 6,500 and 100*10 + 10 "
        "= 1,010. The same table is model.summary(); nothing is trained here.",
    )
