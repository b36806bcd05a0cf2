"""Activation functions by name: relu, leaky_relu, tanh, sigmoid, linear, and softmax for
an output layer. Each maps a ``Value`` to a ``Value`` (softmax: a list to a list).

``ACTIVATIONS`` is the one table of them: the modules apply ``fn``, initialisation asks
``relu_like`` (He for relu-like units, Xavier otherwise), ``to_torch`` builds
``torch_layer``; the pictures recognise a neuron by the engine op flagged ``activation``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from autograd_core import Value, vsum

LEAKY_SLOPE = 0.01  # leaky relu's slope below 0, as torch.nn.LeakyReLU's default


def relu(v: Value) -> Value:
    """max(v, 0)."""
    return v.relu()


def leaky_relu(v: Value) -> Value:
    """v for v > 0, else 0.01 v."""
    return v.leaky_relu(LEAKY_SLOPE)


def tanh(v: Value) -> Value:
    """Hyperbolic tangent."""
    return v.tanh()


def sigmoid(v: Value) -> Value:
    """Logistic sigmoid."""
    return v.sigmoid()


def linear(v: Value) -> Value:
    """The identity: no activation."""
    return v


@dataclass(frozen=True)
class Activation:
    """One activation: its function, whether it is relu-like (for initialisation), and
    the ``torch.nn`` layer that computes the same (``None``: no layer needed)."""

    name: str
    fn: Callable[[Value], Value]
    relu_like: bool = False
    torch_layer: str | None = None
    torch_args: tuple[Any, ...] = field(default=())

    def __call__(self, v: Value) -> Value:
        return self.fn(v)


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("relu", relu, relu_like=True, torch_layer="ReLU"),
        Activation(
            "leaky_relu", leaky_relu, relu_like=True, torch_layer="LeakyReLU", torch_args=(LEAKY_SLOPE,)
        ),
        Activation("tanh", tanh, torch_layer="Tanh"),
        Activation("sigmoid", sigmoid, torch_layer="Sigmoid"),
        Activation("linear", linear),
    )
}


def _largest(logits: Sequence[Value]) -> Value:
    # The largest logit, detached: a constant for the gradient (the shift cancels out),
    # and, when compile traces, still the largest logit of each sample (a stop-gradient).
    shift = functools.reduce(Value.maximum, logits).detach()
    shift.label = "max z"  # a copy of a single logit would otherwise repeat its name
    return shift


def softmax(logits: Sequence[Value]) -> list[Value]:
    """exp(z_i - max z) / sum_j exp(z_j - max z): probabilities that sum to 1.

    Shifting by the largest logit (a constant, so gradients are unchanged) keeps exp
    from overflowing.
    """
    shift = _largest(logits)
    exps = [(z - shift).exp() for z in logits]
    total = vsum(exps)
    return [e / total for e in exps]


def log_softmax(logits: Sequence[Value]) -> list[Value]:
    """z_i - logsumexp(z), computed stably; the log of ``softmax``."""
    shift = _largest(logits)
    lse = vsum([(z - shift).exp() for z in logits]).log() + shift
    return [z - lse for z in logits]


def get_activation(name: str | None) -> Activation:
    """The activation called ``name`` (``None`` means linear); a clear error otherwise."""
    if name is None:
        return ACTIVATIONS["linear"]
    if not isinstance(name, str) or name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; choose one of {sorted(ACTIVATIONS)}")
    return ACTIVATIONS[name]
