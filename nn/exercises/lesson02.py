"""Exercises of lesson 02, a worked example by hand (Matt Mazur's network)."""

from __future__ import annotations

import math
import random

from autograd_core import Value

from .. import optim
from .exercise import code, number

# Matt Mazur's "A Step by Step Backpropagation Example" (2015), its first output only.
MAZUR = {
    "x1": 0.05,
    "x2": 0.10,
    "w1": 0.15,
    "w2": 0.20,
    "w3": 0.25,
    "w4": 0.30,
    "b_h1": 0.35,
    "b_h2": 0.35,
    "w5": 0.40,
    "w6": 0.45,
    "b_o": 0.60,
    "t": 0.01,
}


def mazur(numbers: dict[str, float] | None = None, shared_bias: bool = False) -> dict[str, Value]:
    """The 2-2-1 sigmoid network of lesson 2 (with ``numbers`` in place of Mazur's where
    given), backpropagated from E = (t - o)^2 / 2; returns every node by name."""
    v = {k: Value(x, label=k) for k, x in {**MAZUR, **(numbers or {})}.items()}
    if shared_bias:
        v["b_h2"] = v["b_h1"]
    v["z_h1"] = v["w1"] * v["x1"] + v["w2"] * v["x2"] + v["b_h1"]
    v["z_h2"] = v["w3"] * v["x1"] + v["w4"] * v["x2"] + v["b_h2"]
    v["h1"], v["h2"] = v["z_h1"].sigmoid(), v["z_h2"].sigmoid()
    v["z_o"] = v["w5"] * v["h1"] + v["w6"] * v["h2"] + v["b_o"]
    v["o"] = v["z_o"].sigmoid()
    v["E"] = 0.5 * (v["t"] - v["o"]) ** 2
    v["E"].backward()
    return v


def _o(target: float) -> float:
    return mazur({"t": target})["o"].data


@number(
    "02-delta-output-target",
    "Same network and input, but the target is t = 0.99 (Mazur's second output's target). "
    "What is delta_o = dE/dz_o?",
    (
        "delta_o is how E moves with z_o: two local derivatives meet there, the error's and the sigmoid's.",
        "o has not changed (0.751365070), only t: recompute dE/do = o - t, then go through the sigmoid.",
        "delta_o = (o - t) * o (1 - o): the error's derivative (o - t) times the sigmoid's slope at o. "
        "o is unchanged (0.751365070): only the target moved.",
    ),
    [
        (lambda: _o(0.99) - 0.99, "that is dE/do; go on through the sigmoid: times o (1 - o)."),
        (
            lambda: (0.99 - _o(0.99)) * _o(0.99) * (1 - _o(0.99)),
            "sign: E = (t - o)^2 / 2, so dE/do = o - t (negative here: o is below the target).",
        ),
    ],
)
def _delta_output_target() -> float:
    return float(mazur({"t": 0.99})["z_o"].grad)


@number(
    "02-sgd-step",
    "One step of gradient descent with learning rate 0.5: the new value of w6?",
    (
        "Gradient descent moves a weight a little against its gradient.",
        "You need dE/dw6 from the table (delta_o times what w6 multiplies), then one step of size 0.5.",
        "w6 - 0.5 * dE/dw6, with dE/dw6 = delta_o * h2 from the table.",
    ),
    [
        (lambda: MAZUR["w6"] + 0.5 * mazur()["w6"].grad, "the step goes against the gradient: subtract it."),
        (lambda: MAZUR["w6"] - mazur()["w6"].grad, "multiply the gradient by the learning rate 0.5."),
    ],
)
def _sgd_step() -> float:
    v = mazur()
    optim.SGD([v["w6"]], lr=0.5).step()
    return float(v["w6"].data)


@number(
    "02-shared-bias",
    "In Mazur's original both hidden neurons share ONE bias b1. What would dE/db1 be then?",
    (
        "A value used in two places collects a gradient from each place.",
        "b1 feeds z_h1 and z_h2; each path gives that neuron's delta times dz/db1 = 1.",
        "A shared value has two consumers (z_h1 and z_h2): its gradient is the sum "
        "delta_h1 + delta_h2 (each neuron's delta times dz/db = 1).",
    ),
    [
        (lambda: mazur()["z_h1"].grad, "that is the path through h1 only; b1 also feeds z_h2: add delta_h2."),
        (lambda: mazur()["z_h2"].grad, "that is the path through h2 only; b1 also feeds z_h1: add delta_h1."),
    ],
)
def _shared_bias() -> float:
    return float(mazur(shared_bias=True)["b_h1"].grad)


def _random_network(rng: random.Random) -> tuple[float, float, float]:
    """A Mazur network with random numbers: (delta_o, w5, h1), the inputs of hidden_delta."""
    numbers = {k: rng.uniform(-1, 1) for k in MAZUR}
    numbers["t"] = rng.uniform(0, 1)
    v = mazur(numbers)
    return float(v["z_o"].grad), v["w5"].data, v["h1"].data


@code(
    "02-hidden-delta",
    "Write hidden_delta(delta_o, w5, h1): given the output's delta_o = dE/dz_o, the weight w5 from "
    "h1 to the output and h1 = sigmoid(z_h1), return delta_h1 = dE/dz_h1.",
    (
        "delta_h1 collects what z_o passes back to h1, then goes through h1's own sigmoid.",
        "Two steps back from z_o: to h1 (through the weight w5), then to z_h1 (the sigmoid's slope at h1).",
        "return delta_o * w5 * h1 * (1 - h1)",
    ),
    _random_network,
    [
        (lambda d, w, h: d * w, "that is dE/dh1; go on through h1's sigmoid: times h1 (1 - h1)."),
        (
            lambda d, w, h: d * h * (1 - h),
            "the path from h1 to z_o goes through the weight w5: multiply by it.",
        ),
    ],
    rtol=1e-6,
    atol=1e-12,
)
def _hidden_delta(delta_o: float, w5: float, h1: float) -> float:
    # The same node as in the lesson's network: z_h1 -> h1 = sigmoid(z_h1) -> w5 * h1 -> z_o,
    # rebuilt from h1 alone (z_h1 = logit(h1)); the upstream delta_o enters as z_o's gradient.
    z = Value(math.log(h1 / (1 - h1)), label="z_h1")
    (w5 * z.sigmoid() * delta_o).backward()
    return float(z.grad)
