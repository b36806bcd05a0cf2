"""Optimizers (``SGD``, ``RMSprop``, ``Adam``, ``AdamW``, ``Rprop``,
``ConjugateGradient``) and learning-rate schedules (``StepLR``, ``ExponentialLR``,
``CosineAnnealingLR``). Each optimizer's docstring writes its update rule."""

from .optimizers import (
    PRESETS,
    SGD,
    Adam,
    AdamW,
    ConjugateGradient,
    Optimizer,
    RMSprop,
    Rprop,
    make_optimizer,
)
from .schedules import CosineAnnealingLR, ExponentialLR, LRScheduler, StepLR

__all__ = [
    "PRESETS",
    "SGD",
    "Adam",
    "AdamW",
    "ConjugateGradient",
    "CosineAnnealingLR",
    "ExponentialLR",
    "LRScheduler",
    "Optimizer",
    "RMSprop",
    "Rprop",
    "StepLR",
    "make_optimizer",
]
