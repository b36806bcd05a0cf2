"""Exercises of lesson 06, vanishing gradients and initialisation."""

from __future__ import annotations

import math
import random

from autograd_core import Value, grad

from .exercise import code, number


def _sigmoid_max_slope() -> float:
    return float(grad(lambda z: z.sigmoid())(0.0))  # the slope is largest at z = 0


@number(
    "06-sigmoid-chain-bound",
    "At most how much can 8 sigmoid layers (each weight of size at most 1) scale a gradient? "
    "(The factor per layer is w * sigmoid'(z).)",
    (
        "A gradient through a chain is a product of one factor per layer: how large can one factor be?",
        "The largest slope of the sigmoid is at z = 0; with |w| <= 1 that bounds each factor, and "
        "there are 8.",
        "sigmoid'(z) = s (1 - s) is at most 1/4 (at z = 0); 8 layers multiply 8 such factors.",
    ),
    [
        (lambda: 8 * _sigmoid_max_slope(), "the factors multiply, they do not add: (1/4) ** 8."),
        (lambda: _sigmoid_max_slope(), "that is one layer; there are 8 of them in the chain."),
    ],
)
def _sigmoid_chain_bound() -> float:
    return _sigmoid_max_slope() ** 8


def _relu_neuron() -> tuple[Value, Value]:
    w, b, x = Value(0.6, label="w"), Value(-1.0, label="b"), 1.5
    out = (w * x + b).relu()
    out.backward()
    return w, out


@number(
    "06-dead-relu-gradient",
    "A relu neuron with weight w = 0.6, bias b = -1.0 and input x = 1.5: what is d output / dw?",
    (
        "relu passes a gradient only where it passes its input.",
        "Which side of 0 is z = w x + b on here? That decides relu's slope.",
        "First compute z = w x + b. relu'(z) is 1 for z > 0 and 0 for z <= 0.",
    ),
    [(lambda: 1.5, "that is dz/dw = x; now multiply by relu'(z) at z = 0.6 * 1.5 - 1.0.")],
)
def _dead_relu_gradient() -> float:
    return float(_relu_neuron()[0].grad)


def _chain(rng: random.Random) -> tuple[list[float], float]:
    return [rng.uniform(-2, 2) for _ in range(rng.randint(1, 5))], rng.uniform(-2, 2)


def _weights_only(weights: list[float], x: float) -> float:
    return math.prod(weights[1:])


def _without_input(weights: list[float], x: float) -> float:
    h, slopes = x, []
    for w in weights:
        h = 1 / (1 + math.exp(-w * h))
        slopes.append(h * (1 - h))
    return math.prod(slopes) * math.prod(weights[1:])


@code(
    "06-first-weight-gradient",
    "A chain of sigmoid units h_k = sigmoid(w_k * h_(k-1)), h_0 = x, weights [w_1, ..., w_L]. Write "
    "first_weight_gradient(weights, x): d h_L / d w_1, the gradient at the bottom of the chain.",
    (
        "The gradient at w_1 is a product: one factor for each step from w_1 up to h_L.",
        "Run the chain forward first (keep every h_k); the product has each layer's sigmoid slope "
        "h_k (1 - h_k), every weight above w_1, and what w_1 multiplies.",
        "forward: hs = [x]; for w in weights: hs.append(1 / (1 + math.exp(-w * hs[-1]))). Then "
        "return x * prod(h * (1 - h) for h in hs[1:]) * prod(weights[1:])",
    ),
    _chain,
    [
        (
            _weights_only,
            "the weights above are only part of the product: add each layer's slope h (1 - h) and "
            "the input x.",
        ),
        (
            _without_input,
            "almost: w_1 multiplies x, so the product also has the factor x (the layer's input).",
        ),
    ],
    rtol=1e-7,
    atol=1e-14,
)
def _first_weight_gradient(weights: list[float], x: float) -> float:
    ws = [Value(w) for w in weights]
    h: Value | float = x
    for w in ws:
        h = (w * h).sigmoid()
    assert isinstance(h, Value)
    h.backward()
    return float(ws[0].grad)
