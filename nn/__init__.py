"""nn: neural networks on the ``autograd_core`` engine.

``from nn import MLP, fit, optim`` is the whole workflow; ``nn.losses``, ``nn.metrics``,
``nn.data``, ``nn.init`` and ``nn.activations`` hold the pieces.
"""

from typing import Any

from . import activations, data, init, losses, metrics, optim
from .history import History
from .io import ModelFileError, load, save
from .module import MLP, Dropout, Layer, Module, Neuron
from .rnn import RNN
from .train import fit, predict, predict_classes

__all__ = [
    "MLP",
    "RNN",
    "Dropout",
    "History",
    "Layer",
    "ModelFileError",
    "Module",
    "Neuron",
    "activations",
    "data",
    "draw_mlp",
    "fit",
    "init",
    "load",
    "losses",
    "metrics",
    "optim",
    "predict",
    "predict_classes",
    "save",
]


def draw_mlp(model: MLP, max_neurons: int = 10, show_weights: bool = True) -> Any:
    """An architecture diagram of an MLP (see ``nn.diagram.draw_mlp``; needs graphviz,
    imported only when a diagram is drawn)."""
    from .diagram import draw_mlp as _draw

    return _draw(model, max_neurons, show_weights)
