"""Optimizers. Each takes a flat list of parameters and ``lr``, and exposes ``step()``
and ``zero_grad()``; each docstring writes its update rule out, in the notation of
``torch.optim``'s: parameter ``θ``, gradient ``g_t``, learning rate ``γ``, weight decay ``λ``.
The rules match torch.optim's (tests compare them step by step when torch is installed).

Each step is array arithmetic over all the parameters at once: a model's parameters live
in one ``ParameterStore`` (``autograd_core.parameters``), so ``θ`` and ``g`` are its two
arrays and ``θ ← θ - γ g`` updates them in place; ``zero_grad`` is one fill.
A list of plain Values works too: their numbers are gathered into arrays and written back.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from autograd_core import Parameter, ParameterStore, Value, no_grad, pack

Closure = Callable[[], Any]


def hyper(name: str, value: Any, lo: float = 0.0, hi: float = math.inf, hi_open: bool = False) -> float:
    """A hyperparameter checked into its range: a real number (not a bool, not nan) with
    ``lo <= value <= hi`` (``< hi`` when ``hi_open``); else a ValueError naming it."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and not math.isnan(value)
    if ok:
        ok = lo <= value < hi if hi_open else lo <= value <= hi
    if not ok:
        right = ")" if hi_open else "]"
        raise ValueError(f"{name} must be a number in [{lo:g}, {hi:g}{right}, got {value!r:.40}")
    return float(value)


def _grad(p: Value) -> float:
    g = p.grad
    return g.data if isinstance(g, Value) else float(g)


class Optimizer:
    """Base class: holds the parameters and the learning rate ``lr``."""

    #: True for optimizers whose ``step`` needs a closure that re-evaluates the loss.
    needs_closure = False

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{type(self).__name__} got an empty parameter list")
        for p in self.params:
            if not isinstance(p, Value):
                raise TypeError(f"{type(self).__name__} needs Values as parameters, got {type(p).__name__}")
        if isinstance(lr, bool) or not (isinstance(lr, (int, float)) and lr > 0 and math.isfinite(lr)):
            raise ValueError(f"learning rate must be a positive number, got {lr!r}")
        self.lr = float(lr)
        packable = all(type(p) is Parameter for p in self.params) and len(set(map(id, self.params))) == len(
            self.params
        )
        self._store: ParameterStore | None = pack(self.params) if packable else None

    def _bound(self) -> ParameterStore | None:
        """The store holding exactly these parameters (packed again if one has moved)."""
        store = self._store
        if store is not None and store.moves:
            store = self._store = pack(self.params)
        return store

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """``(θ, g)``: the parameters' numbers and gradients as float arrays. For packed
        parameters these are the store's own arrays (updating ``θ`` in place updates the
        parameters); otherwise copies, written back by ``write``."""
        store = self._bound()
        if store is not None:
            return store.data, store.grad
        theta = np.array([p.data for p in self.params], dtype=float)
        return theta, np.array([_grad(p) for p in self.params], dtype=float)

    def write(self, theta: np.ndarray) -> None:
        """Make ``θ`` the parameters' numbers (nothing to do when it is the store's array)."""
        store = self._bound()
        if store is not None:
            if theta is not store.data:
                store.data[:] = theta
            return
        for p, x in zip(self.params, theta.tolist()):
            p.data = x

    def state_dict(self) -> dict[str, Any]:
        """The optimizer's own state (its settings, step count and running averages), as a
        copy: everything but the parameters themselves, as ``torch.optim``'s."""
        return {k: copy.deepcopy(v) for k, v in vars(self).items() if k not in ("params", "_store")}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Put back a state from ``state_dict`` (the parameters stay the ones it has)."""
        vars(self).update({k: copy.deepcopy(v) for k, v in state.items() if k not in ("params", "_store")})

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0 (gradients accumulate otherwise)."""
        store = self._bound()
        if store is not None:
            store.zero_grad()
            return
        for p in self.params:
            p.grad = 0.0

    def step(self, closure: Closure | None = None) -> Any:
        """Update the parameters from their ``.grad``."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(lr={self.lr:g})"


class SGD(Optimizer):
    r"""Stochastic gradient descent, with optional momentum, Nesterov momentum and weight
    decay (torch.optim.SGD's rule):

    .. math::
        g_t &\leftarrow g_t + λ θ_{t-1} \\
        b_t &\leftarrow μ b_{t-1} + (1 - τ) g_t \quad (b_1 = g_1) \\
        g_t &\leftarrow g_t + μ b_t \ \text{(Nesterov)}, \quad \text{else } g_t \leftarrow b_t \\
        θ_t &\leftarrow θ_{t-1} - γ g_t

    with momentum μ and dampening τ. Without momentum it is plain θ ← θ - γ g.
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 0.01,
        momentum: float = 0.0,
        dampening: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        momentum, dampening = (
            hyper("momentum", momentum, 0.0, 1.0, True),
            hyper("dampening", dampening, 0.0, 1.0),
        )
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum needs momentum > 0 and dampening = 0")
        self.momentum, self.dampening, self.nesterov = momentum, dampening, bool(nesterov)
        self.weight_decay = hyper("weight_decay", weight_decay)
        self.buffer: np.ndarray | None = None  # the momentum b, from the first step on

    def step(self, closure: Closure | None = None) -> Any:
        loss = closure() if closure is not None else None
        mu, tau, wd, lr = self.momentum, self.dampening, self.weight_decay, self.lr
        theta, g = self.arrays()
        if wd:
            g = g + wd * theta
        if mu:
            b = self.buffer = g.copy() if self.buffer is None else mu * self.buffer + (1.0 - tau) * g
            g = g + mu * b if self.nesterov else b
        theta -= lr * g
        self.write(theta)
        return loss


class RMSprop(Optimizer):
    r"""RMSprop (Hinton's lecture 6e; torch.optim.RMSprop's rule): divide the step by a
    running root mean square of recent gradients.

    .. math::
        v_t &\leftarrow α v_{t-1} + (1 - α) g_t^2 \\
        θ_t &\leftarrow θ_{t-1} - γ \, g_t / (\sqrt{v_t} + ε)

    With momentum μ: b_t ← μ b_{t-1} + g_t / (√v_t + ε), θ_t ← θ_{t-1} - γ b_t.
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 0.01,
        alpha: float = 0.99,
        eps: float = 1e-8,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        self.alpha, self.eps = hyper("alpha", alpha, 0.0, 1.0, True), hyper("eps", eps)
        self.momentum = hyper("momentum", momentum, 0.0, 1.0, True)
        self.weight_decay = hyper("weight_decay", weight_decay)
        self.square_avg = np.zeros(len(self.params))
        self.buffer = np.zeros(len(self.params))

    def step(self, closure: Closure | None = None) -> Any:
        loss = closure() if closure is not None else None
        a, eps, mu, lr = self.alpha, self.eps, self.momentum, self.lr
        theta, g = self.arrays()
        g = g + self.weight_decay * theta
        v = self.square_avg = a * self.square_avg + (1.0 - a) * g * g
        update = g / (np.sqrt(v) + eps)
        if mu:
            update = self.buffer = mu * self.buffer + update
        theta -= lr * update
        self.write(theta)
        return loss


class Adam(Optimizer):
    r"""Adam (Kingma and Ba, 2015; torch.optim.Adam's rule):

    .. math::
        g_t &\leftarrow g_t + λ θ_{t-1} \\
        m_t &\leftarrow β_1 m_{t-1} + (1 - β_1) g_t \\
        v_t &\leftarrow β_2 v_{t-1} + (1 - β_2) g_t^2 \\
        \hat m_t &= m_t / (1 - β_1^t), \quad \hat v_t = v_t / (1 - β_2^t) \\
        θ_t &\leftarrow θ_{t-1} - γ \, \hat m_t / (\sqrt{\hat v_t} + ε)
    """

    decoupled = False

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r:.40}")
        self.beta1 = hyper("betas[0]", betas[0], 0.0, 1.0, True)
        self.beta2 = hyper("betas[1]", betas[1], 0.0, 1.0, True)
        self.eps, self.weight_decay = hyper("eps", eps), hyper("weight_decay", weight_decay)
        self.m = np.zeros(len(self.params))
        self.v = np.zeros(len(self.params))
        self.t = 0

    def step(self, closure: Closure | None = None) -> Any:
        loss = closure() if closure is not None else None
        self.t += 1
        b1, b2, eps, lr, wd = self.beta1, self.beta2, self.eps, self.lr, self.weight_decay
        c1 = 1.0 - b1**self.t
        c2 = 1.0 - b2**self.t
        theta, g = self.arrays()
        if self.decoupled:
            theta -= lr * wd * theta
        else:
            g = g + wd * theta
        m = self.m = b1 * self.m + (1.0 - b1) * g
        v = self.v = b2 * self.v + (1.0 - b2) * g * g
        theta -= lr * (m / c1) / (np.sqrt(v / c2) + eps)
        self.write(theta)
        return loss


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov and Hutter, 2019; torch.optim.AdamW):
    first θ ← θ - γ λ θ, then the Adam step on the plain gradient (λ defaults to 0.01)."""

    decoupled = True

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.01,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay)


class Rprop(Optimizer):
    r"""Resilient backpropagation (Riedmiller and Braun, 1993; torch.optim.Rprop's rule):
    only the *sign* of the gradient is used; each weight has its own step size Δ.

    .. math::
        Δ_t &= \min(η^+ Δ_{t-1}, Δ_{max}) \ \text{if } g_t g_{t-1} > 0 \\
        Δ_t &= \max(η^- Δ_{t-1}, Δ_{min}), \ g_t \leftarrow 0 \ \text{if } g_t g_{t-1} < 0 \\
        θ_t &\leftarrow θ_{t-1} - \operatorname{sign}(g_t) Δ_t

    Δ starts at ``lr``. Meant for full-batch training (signs of noisy mini-batch
    gradients flip at random).
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 0.01,
        etas: tuple[float, float] = (0.5, 1.2),
        step_sizes: tuple[float, float] = (1e-6, 50.0),
    ) -> None:
        super().__init__(params, lr)
        self.eta_minus = hyper("etas[0]", etas[0], 0.0, 1.0, True)
        self.eta_plus = hyper("etas[1]", etas[1], 1.0)
        self.step_min, self.step_max = (
            hyper("step_sizes[0]", step_sizes[0]),
            hyper("step_sizes[1]", step_sizes[1]),
        )
        self.steps = np.full(len(self.params), self.lr)
        self.prev = np.zeros(len(self.params))

    def step(self, closure: Closure | None = None) -> Any:
        loss = closure() if closure is not None else None
        theta, g = self.arrays()
        s = g * self.prev
        grow, shrink = s > 0, s < 0
        self.steps = np.where(grow, np.minimum(self.steps * self.eta_plus, self.step_max), self.steps)
        self.steps = np.where(shrink, np.maximum(self.steps * self.eta_minus, self.step_min), self.steps)
        g = np.where(shrink, 0.0, g)  # a sign change skips this update; the next starts afresh
        theta -= np.where(g != 0.0, np.copysign(self.steps, g), 0.0)
        self.write(theta)
        self.prev = g
        return loss


class ConjugateGradient(Optimizer):
    r"""Nonlinear conjugate gradient (Polak-Ribière, with restarts) and a line search.
    Like torch.optim.LBFGS, ``step(closure)`` needs a closure that zeroes the gradients,
    recomputes the loss, calls ``backward`` and returns the loss. One ``step`` is one CG
    iteration:

    .. math::
        β_t &= \max\left(0, \frac{g_t^\top (g_t - g_{t-1})}{g_{t-1}^\top g_{t-1}}\right) \\
        d_t &= -g_t + β_t d_{t-1} \quad (d_t = -g_t \text{ if that is not downhill}) \\
        θ_t &= θ_{t-1} + α_t d_t

    The step α_t along d_t is found by secant steps on the slope φ'(α) = g(θ + α d)^\top d
    until it has shrunk to a tenth of φ'(0) (a strong Wolfe condition) while the Armijo
    condition φ(α) ≤ φ(0) + c α φ'(0) holds; conjugacy needs this near-exact search (on a
    quadratic the secant step is exact). ``lr`` is the first trial step.
    """

    needs_closure = True

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1.0,
        max_line_search: int = 20,
        c: float = 1e-4,
        curvature: float = 0.1,
        restart: int | None = None,
    ) -> None:
        super().__init__(params, lr)
        self.max_line_search, self.c, self.curvature = max_line_search, c, curvature
        self.restart = restart or max(len(self.params), 1)
        self.alpha = self.lr
        self.prev_grad: np.ndarray | None = None
        self.direction: np.ndarray | None = None
        self.iterations = 0

    def _try(self, closure: Closure, start: np.ndarray, d: np.ndarray, alpha: float) -> tuple[float, float]:
        """Move to θ + α d; return (loss, slope along d) there."""
        with no_grad():
            self.write(start + alpha * d)
        loss = _loss_value(closure())
        return loss, float(np.dot(self.arrays()[1], d))

    def _direction(self, g: np.ndarray) -> tuple[np.ndarray, float]:
        """The search direction (Polak-Ribière, or steepest descent at a restart or when
        that is not downhill) and the slope along it."""
        d = -g
        if self.prev_grad is not None and self.direction is not None and self.iterations % self.restart:
            gp = self.prev_grad
            denom = float(np.dot(gp, gp))
            beta = max(0.0, float(np.dot(g, g - gp)) / denom) if denom else 0.0
            d = -g + beta * self.direction
        slope0 = float(np.dot(g, d))
        if slope0 >= 0:  # not a descent direction: restart with steepest descent
            d = -g
            slope0 = -float(np.dot(g, g))
        return d, slope0

    def step(self, closure: Closure | None = None) -> Any:
        if closure is None:
            raise ValueError(
                "ConjugateGradient.step needs a closure that re-evaluates the loss "
                "(zero_grad, forward, backward, return loss), as torch.optim.LBFGS"
            )
        loss0 = _loss_value(closure())
        theta, grads = self.arrays()
        g = grads.copy()
        d, slope0 = self._direction(g)
        self.iterations += 1
        if slope0 == 0:
            return loss0
        start = theta.copy()
        best: tuple[float, float] | None = None  # (alpha, loss) of the best Armijo point
        prev_a, prev_s = 0.0, slope0
        alpha = self.alpha
        for _ in range(self.max_line_search):
            loss, slope = self._try(closure, start, d, alpha)
            if not math.isfinite(loss) or loss > loss0 + self.c * alpha * slope0:
                alpha *= 0.5  # too far: back off
                continue
            if best is None or loss < best[1]:
                best = (alpha, loss)
            if abs(slope) <= self.curvature * abs(slope0):
                break  # flat enough along d: conjugacy holds
            denom = slope - prev_s
            # Secant step on the slope; expand at most 4x while still going downhill.
            nxt = alpha - slope * (alpha - prev_a) / denom if denom else alpha * 2.0
            nxt = min(max(nxt, 0.1 * alpha), 4.0 * alpha) if nxt > 0 else 2.0 * alpha
            prev_a, prev_s, alpha = alpha, slope, nxt
        if best is None:  # no decrease found: stay put and forget the direction
            self._try(closure, start, d, 0.0)
            self.direction = self.prev_grad = None
            self.alpha = max(self.alpha * 0.1, 1e-12)
            return loss0
        if best[0] != alpha or loss != best[1]:
            self._try(closure, start, d, best[0])
        self.alpha = best[0]
        self.prev_grad, self.direction = g, d
        return loss0


def _loss_value(loss: Any) -> float:
    return loss.data if isinstance(loss, Value) else float(loss)


#: Named starting points, each with a learning rate that trains the toy data sets well
#: ("momentum" is SGD with momentum 0.9): what the demo's --optimizer and the
#: playground's menu offer.
PRESETS: dict[str, tuple[type[Optimizer], dict[str, Any]]] = {
    "adam": (Adam, {"lr": 0.01}),
    "sgd": (SGD, {"lr": 0.1}),
    "momentum": (SGD, {"lr": 0.05, "momentum": 0.9}),
    "nesterov": (SGD, {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    "adamw": (AdamW, {"lr": 0.01, "weight_decay": 0.01}),
    "rmsprop": (RMSprop, {"lr": 0.01}),
    "rprop": (Rprop, {"lr": 0.01}),
    "cg": (ConjugateGradient, {"lr": 1.0}),
}
"""Optimizers by name, as ``fit(optimizer="adam")`` and the demo take them: the class and
its settings (the learning rates are the ones that suit these small networks)."""


def make_optimizer(name: str, params: Iterable[Value], lr: float | None = None) -> Optimizer:
    """The preset optimizer called ``name`` over ``params`` (``lr`` overrides its rate)."""
    if name not in PRESETS:
        raise ValueError(f"unknown optimizer {name!r}; choose one of {sorted(PRESETS)}")
    cls, settings = PRESETS[name]
    return cls(params, **{**settings, **({"lr": lr} if lr is not None else {})})
