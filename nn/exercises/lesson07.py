"""Exercises of lesson 07, recurrent networks and backpropagation through time."""

from __future__ import annotations

import math
import random

from autograd_core import Value

from ..rnn import RNN
from .exercise import code, number


def _linear_rnn(steps: int | None = None) -> Value:
    """h_t = w h_(t-1) + x_t over x = 1, 2, 3, h_0 = 0; returns w after backprop of h_3
    (``steps``: backpropagate through only the last that many steps)."""
    w = Value(0.5, label="w")
    h: Value | float = 0.0
    xs = [1.0, 2.0, 3.0]
    for t, x in enumerate(xs):
        if steps is not None and t == len(xs) - steps and isinstance(h, Value):
            h = h.detach()
        h = w * h + x
    assert isinstance(h, Value)
    h.backward()
    return w


@number(
    "07-bptt-sum",
    "A one-unit linear RNN h_t = w h_(t-1) + x_t, h_0 = 0, w = 0.5, inputs 1, 2, 3. What is dh_3/dw?",
    (
        "The same w is used at every step: each use contributes to the gradient.",
        "dh_3/dw = h_2 + w * dh_2/dw: a direct part and a part through the earlier steps. Unroll it.",
        "w is used at every step: dh_3/dw = h_2 + w dh_2/dw, and dh_2/dw = h_1 + w dh_1/dw. "
        "Unroll it (h_1 = 1, h_2 = 2.5) and add the contributions.",
    ),
    [
        (
            lambda: _linear_rnn(steps=1).grad,
            "that is only the last step's use of w (h_2); BPTT sums all steps.",
        )
    ],
)
def _bptt_sum() -> float:
    return float(_linear_rnn().grad)


@number(
    "07-parameter-count",
    "How many parameters has RNN(1, 6) (1 input, 6 hidden units, 1 output), unrolled over 6 steps?",
    (
        "Unrolling draws the same cell once per step: does it make new weights?",
        "Count the cell's matrices and biases once: input to hidden, hidden to hidden, hidden to output.",
        "Count W_xh (6 x 1), W_hh (6 x 6), b_h (6), W_hy (1 x 6), b_y (1): unrolling reuses them.",
    ),
    [
        (
            lambda: 6 * RNN(1, 6, seed=0).num_parameters(),
            "unrolling does not copy the weights: every step uses the same ones.",
        )
    ],
    rtol=0.0,
)
def _rnn_parameters() -> int:
    return RNN(1, 6, seed=0).num_parameters()


def _two_steps(rng: random.Random) -> tuple[float, ...]:
    return tuple(rng.uniform(-1.5, 1.5) for _ in range(5))


def _last_step_only(w: float, u: float, h0: float, x1: float, x2: float) -> float:
    h1 = math.tanh(w * h0 + u * x1)
    h2 = math.tanh(w * h1 + u * x2)
    return (1 - h2 * h2) * h1


@code(
    "07-bptt-two-steps",
    "A one-unit tanh RNN: h_t = tanh(w * h_(t-1) + u * x_t). Write bptt_two_steps(w, u, h0, x1, x2): "
    "d h_2 / d w, backpropagated through both steps.",
    (
        "w is used twice, at step 1 and at step 2: the gradient is the sum of both uses.",
        "d h_2/dw = (1 - h_2^2) * (h_1 + w * d h_1/dw), and d h_1/dw = (1 - h_1^2) * h_0.",
        "h1 = math.tanh(w * h0 + u * x1); h2 = math.tanh(w * h1 + u * x2); "
        "return (1 - h2 ** 2) * (h1 + w * (1 - h1 ** 2) * h0)",
    ),
    _two_steps,
    [
        (
            _last_step_only,
            "that is step 2's use of w only; w was used at step 1 too: add that path (through h_1).",
        )
    ],
    rtol=1e-7,
    atol=1e-14,
)
def _bptt_two_steps(w: float, u: float, h0: float, x1: float, x2: float) -> float:
    weight = Value(w)
    h: Value | float = h0
    for x in (x1, x2):
        h = (weight * h + u * x).tanh()
    assert isinstance(h, Value)
    h.backward()
    return float(weight.grad)
