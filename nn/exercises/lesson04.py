"""Exercises of lesson 04, optimizers and learning rates."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from typing import Any

from autograd_core import Value, grad

from .. import optim
from .exercise import code, number


def one_weight(
    optimizer: Callable[[list[Value]], optim.Optimizer], grads: Sequence[float], start: float = 1.0
) -> list[float]:
    """theta = ``start`` stepped by ``optimizer``, one step per gradient; theta after each step."""
    theta = Value(start, label="theta")
    opt = optimizer([theta])
    path = []
    for g in grads:
        theta.grad = g
        opt.step()
        path.append(float(theta.data))
    return path


@number(
    "04-momentum-step",
    "theta = 1.0; SGD with lr 0.1 and momentum 0.9 sees the gradient 0.5 twice. theta after the two steps?",
    (
        "Momentum keeps a running velocity: each step adds the new gradient to a fraction of the last step.",
        "Step 1 moves by lr * 0.5; step 2's velocity is 0.9 times step 1's, plus the new gradient.",
        "Step 1: b = g = 0.5, theta -= 0.1 * b. Step 2: b = 0.9 * b + g = 0.95, theta -= 0.1 * b.",
    ),
    [
        (
            lambda: one_weight(lambda p: optim.SGD(p, lr=0.1), [0.5, 0.5])[-1],
            "that is plain SGD; with momentum the second step is 0.1 * (0.9 * 0.5 + 0.5).",
        )
    ],
)
def _momentum_step() -> float:
    return one_weight(lambda p: optim.SGD(p, lr=0.1, momentum=0.9), [0.5, 0.5])[-1]


@number(
    "04-adam-first-step",
    "theta = 1.0, gradient 0.2, Adam with lr 0.1 (betas 0.9, 0.999). theta after the first step?",
    (
        "Adam divides the (averaged) gradient by its (averaged) size: look at what that ratio is on step 1.",
        "On the first step the bias corrections undo the averaging: m_hat = g and v_hat = g^2.",
        "At t = 1 the bias corrections give m_hat = g and v_hat = g^2, so the step is "
        "lr * g / (|g| + eps): about lr, whatever the size of g.",
    ),
    [
        (
            lambda: one_weight(lambda p: optim.SGD(p, lr=0.1), [0.2])[-1],
            "that is plain SGD (lr * g); Adam divides by sqrt(v_hat) = |g|.",
        )
    ],
    rtol=1e-6,
)
def _adam_first_step() -> float:
    return one_weight(lambda p: optim.Adam(p, lr=0.1), [0.2])[-1]


def _quadratic(w: Value) -> Value:
    return 2 * w * w


@number(
    "04-largest-stable-lr",
    "L(w) = 2 w^2. Gradient descent w <- w - lr * L'(w) diverges for every lr above which value?",
    (
        "Write one step as w_new = (something) * w: when does repeating it grow?",
        "L'(w) = 4 w, so a step multiplies w by (1 - 4 lr); it must stay between -1 and 1.",
        "L'(w) = 4 w, so one step maps w to (1 - 4 lr) w. It shrinks only while |1 - 4 lr| < 1. In "
        "general: 2 / L''.",
    ),
    [
        (
            lambda: 1 / grad(grad(_quadratic))(1.0),
            "that lr reaches the minimum in one step (1 - 4 lr = 0); larger still converges, "
            "zig-zagging, up to a limit.",
        )
    ],
)
def _largest_stable_lr() -> float:
    curvature = grad(grad(_quadratic))(1.0)  # L''(w) = 4, the same at every w
    return 2 / curvature


def _gradients(rng: random.Random) -> tuple[float, list[float], float]:
    steps = rng.randint(1, 6)
    return (
        rng.uniform(-2, 2),
        [rng.uniform(-1, 1) * 10 ** rng.uniform(-3, 0) for _ in range(steps)],
        rng.choice([0.1, 0.01, 0.001]),
    )


def _run_update(update: Callable[..., Any], theta: float, grads: list[float], lr: float) -> list[float]:
    """The student's one-step update applied once per gradient, from m = v = 0."""
    m = v = 0.0
    path = []
    for t, g in enumerate(grads, start=1):
        theta, m, v = update(theta, g, m, v, t, lr)
        path.append(theta)
    return path


def _adam_without_correction(theta: float, grads: list[float], lr: float) -> list[float]:
    m = v = 0.0
    path = []
    for g in grads:
        m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g * g
        theta -= lr * m / (math.sqrt(v) + 1e-8)
        path.append(theta)
    return path


@code(
    "04-adam-update",
    "Write adam_update(theta, g, m, v, t, lr): one Adam step (betas 0.9 and 0.999, eps 1e-8) for one "
    "weight theta with gradient g, at step t (1, 2, ...), from the running averages m and v. Return "
    "(new theta, new m, new v). The checker starts from m = v = 0 and calls it once per gradient.",
    (
        "Adam keeps two running averages, of the gradient and of its square, and steps by their ratio.",
        "Update m and v first; both start at 0, so divide each by (1 - beta ** t) before using them "
        "(the bias correction).",
        "m = 0.9 * m + 0.1 * g; v = 0.999 * v + 0.001 * g * g; m_hat = m / (1 - 0.9 ** t); "
        "v_hat = v / (1 - 0.999 ** t); return (theta - lr * m_hat / (math.sqrt(v_hat) + 1e-8), m, v)",
    ),
    _gradients,
    [
        (
            _adam_without_correction,
            "close: without the bias correction the first steps are too small; divide m by (1 - 0.9 ** t) "
            "and v by (1 - 0.999 ** t) before the step (but return the uncorrected m and v).",
        )
    ],
    run=_run_update,
    rtol=1e-7,
    atol=1e-12,
)
def _adam_update(theta: float, gradients: list[float], lr: float) -> list[float]:
    return one_weight(lambda p: optim.Adam(p, lr=lr), gradients, start=theta)
