"""nn: neural networks on the ``autograd_core`` engine.

``from nn import MLP, fit, optim`` is the whole workflow; ``nn.losses``, ``nn.metrics``,
``nn.data``, ``nn.init`` and ``nn.activations`` hold the pieces.
"""

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
