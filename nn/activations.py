"""Activation functions by name: relu, leaky_relu, tanh, sigmoid, linear, and softmax for
an output layer. Each maps a ``Value`` to a ``Value`` (softmax: a list to a list)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from autograd_core import Value, vsum

Activation = Callable[[Value], Value]


def relu(v: Value) -> Value:
    """max(v, 0)."""
    return v.relu()


def leaky_relu(v: Value) -> Value:
    """v for v > 0, else 0.01 v."""
    return v.leaky_relu(0.01)


def tanh(v: Value) -> Value:
    """Hyperbolic tangent."""
    return v.tanh()


def sigmoid(v: Value) -> Value:
    """Logistic sigmoid."""
    return v.sigmoid()


def linear(v: Value) -> Value:
    """The identity: no activation."""
    return v


ACTIVATIONS: dict[str, Activation] = {
    "relu": relu,
    "leaky_relu": leaky_relu,
    "tanh": tanh,
    "sigmoid": sigmoid,
    "linear": linear,
}


def softmax(logits: Sequence[Value]) -> list[Value]:
    """exp(z_i - max z) / sum_j exp(z_j - max z): probabilities that sum to 1.

    Shifting by the largest logit (a constant, so gradients are unchanged) keeps exp
    from overflowing.
    """
    shift = max(z.data for z in logits)
    exps = [(z - shift).exp() for z in logits]
    total = vsum(exps)
    return [e / total for e in exps]


def log_softmax(logits: Sequence[Value]) -> list[Value]:
    """z_i - logsumexp(z), computed stably; the log of ``softmax``."""
    shift = max(z.data for z in logits)
    lse = vsum([(z - shift).exp() for z in logits]).log() + shift
    return [z - lse for z in logits]


def get_activation(name: str | None) -> Activation:
    """The activation called ``name`` (``None`` means linear); a clear error otherwise."""
    if name is None:
        return linear
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; choose one of {sorted(ACTIVATIONS)}")
    return ACTIVATIONS[name]
