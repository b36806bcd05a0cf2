"""Loss functions (one sample at a time) and penalties.

Each loss takes the model's output for one sample and that sample's target and returns
a ``Value``; ``fit`` averages them over a batch. Targets: a number (or list) for ``mse``;
a 0/1 label for ``bce`` and binary ``hinge``; a class index for ``cross_entropy`` and
multi-class ``hinge``. The value a loss returns is labelled ``loss`` (what pictures and
replays call it); labels are names only and change no number.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from autograd_core import Value, vsum

from .activations import log_softmax

Loss = Callable[[Any, Any], Value]
_EPS = 1e-12  # floor for log of a probability
LOSS_NAME = "loss"  # the label of the value each loss function returns


def _named(loss: Value) -> Value:
    """``loss`` labelled ``loss`` for pictures, unless it already has a label."""
    if not loss.label:
        loss.label = LOSS_NAME
    return loss


def _as_list(x: Any) -> list[Any]:
    return list(x) if isinstance(x, (list, tuple)) else [x]


def mse(output: Value | Sequence[Value], target: float | Sequence[float]) -> Value:
    """Mean squared error: (1/k) sum_i (output_i - target_i)^2 over the k outputs."""
    outs, targets = _as_list(output), _as_list(target)
    if len(outs) != len(targets):
        raise ValueError(f"mse: {len(outs)} outputs but {len(targets)} targets")
    return _named(vsum([(o - t) ** 2 for o, t in zip(outs, targets)]) * (1.0 / len(outs)))


def _binary_label(target: Any, who: str) -> float:
    y = float(target)
    if y not in (0.0, 1.0):
        raise ValueError(f"{who} needs a 0/1 label, got {target!r}")
    return y


def bce(output: Value, target: float, from_logits: bool = True) -> Value:
    """Binary cross-entropy, -[y log p + (1 - y) log(1 - p)], p = sigmoid(z).

    From a logit z it is softplus(-z) for y = 1 and softplus(z) for y = 0 (that is,
    softplus(z) - y z without the cancellation of subtracting two large numbers): it never
    overflows and keeps full precision (a sigmoid followed by a log loses everything past
    |z| ~ 37). With ``from_logits=False`` the
    output is taken to be the probability p itself (floored at 1e-12 inside the logs).
    """
    z = _as_list(output)
    if len(z) != 1:
        raise ValueError(f"bce needs one output per sample, got {len(z)}")
    if isinstance(target, Value):
        # A traced (compiled) target: the same formula as arithmetic instead of a branch
        # (exact for y in {0, 1}: one of the two terms is multiplied by exactly 0).
        if from_logits:
            return _named((-z[0]).softplus() * target + z[0].softplus() * (1.0 - target))
        p = z[0]
        return _named(-(p.maximum(_EPS).log() * target + (1.0 - p).maximum(_EPS).log() * (1.0 - target)))
    y = _binary_label(target, "bce")
    if from_logits:
        return _named((-z[0]).softplus() if y == 1.0 else z[0].softplus())
    p = z[0]
    return _named(-(p.maximum(_EPS).log() * y + (1.0 - p).maximum(_EPS).log() * (1.0 - y)))


def _class_index(target: Any, k: int, who: str) -> int:
    if isinstance(target, bool) or float(target) != int(target):
        raise ValueError(f"{who} needs an integer class label, got {target!r}")
    c = int(target)
    if not 0 <= c < k:
        raise ValueError(f"{who}: label {c} is outside the {k} classes 0..{k - 1}")
    return c


def cross_entropy(output: Sequence[Value], target: int, from_logits: bool = True) -> Value:
    """Softmax cross-entropy, -log softmax(z)_y, from logits (stable log-softmax);
    with ``from_logits=False`` the outputs are probabilities and the loss is -log p_y."""
    outs = _as_list(output)
    if isinstance(target, (list, tuple)):
        # A one-hot target (what the compiled engine traces): -sum_k t_k log p_k.
        if len(target) != len(outs):
            raise ValueError(f"cross_entropy: {len(outs)} outputs but a one-hot target of {len(target)}")
        logp = log_softmax(outs) if from_logits else [o.maximum(_EPS).log() for o in outs]
        return _named(-vsum([lp * t for lp, t in zip(logp, target)]))
    c = _class_index(target, len(outs), "cross_entropy")
    if from_logits:
        return _named(-log_softmax(outs)[c])
    return _named(-outs[c].maximum(_EPS).log())


def hinge(output: Value | Sequence[Value], target: int, margin: float = 1.0) -> Value:
    """Max-margin loss. One output: labels 0/1 become s = -1/+1 and the loss is
    max(0, margin - s z) (micrograd's demo). Several outputs (multi-class SVM):
    sum over j != y of max(0, margin + z_j - z_y)."""
    outs = _as_list(output)
    if len(outs) == 1:
        s = 2.0 * target - 1.0 if isinstance(target, Value) else 2.0 * _binary_label(target, "hinge") - 1.0
        return _named((margin - outs[0] * s).relu())
    if isinstance(target, (list, tuple)):  # one-hot (compiled engine)
        zc = vsum([z * t for z, t in zip(outs, target)])
        return _named(vsum([(margin + z - zc).relu() * (1.0 - t) for z, t in zip(outs, target)]))
    c = _class_index(target, len(outs), "hinge")
    return _named(vsum([(margin + z - outs[c]).relu() for j, z in enumerate(outs) if j != c]))


LOSSES: dict[str, Loss] = {
    "mse": mse,
    "bce": bce,
    "binary_cross_entropy": bce,
    "cross_entropy": cross_entropy,
    "hinge": hinge,
}


def one_hot(label: Any, k: int) -> list[float]:
    """Class ``label`` of ``k`` as a one-hot list (how the compiled engine feeds labels
    to ``cross_entropy`` and multi-class ``hinge``)."""
    return [1.0 if j == int(label) else 0.0 for j in range(k)]


def get_loss(loss: str | Loss) -> Loss:
    """A loss by name (``"mse"``, ``"bce"``, ``"cross_entropy"``, ``"hinge"``) or a callable."""
    if callable(loss):
        return loss
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; choose one of {sorted(LOSSES)} or pass a callable")
    return LOSSES[loss]


def l1_penalty(params: Sequence[Value]) -> Value:
    """sum_i |w_i|: pushes weights to exactly zero (sparse models)."""
    return vsum([p.abs() for p in params])


def l2_penalty(params: Sequence[Value]) -> Value:
    """sum_i w_i^2: shrinks every weight toward zero (weight decay)."""
    return vsum([p * p for p in params])
