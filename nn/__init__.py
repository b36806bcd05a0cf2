"""nn: neural networks on the ``autograd_core`` engine.

``from nn import MLP, fit, optim`` is the whole workflow; ``nn.losses``, ``nn.metrics``,
``nn.data``, ``nn.init`` and ``nn.activations`` hold the pieces; ``nn.training`` the
loop and its callbacks; ``nn.viz`` the network diagram and the plots.
"""

from pathlib import Path
from typing import Any

from autograd_core import __version__

from . import activations, data, init, losses, metrics, optim
from .io import ModelFileError
from .module import MLP, Dropout, Layer, Module, Neuron
from .rnn import RNN
from .training import Callback, History, fit, predict, predict_classes, predict_proba

__all__ = [
    "MLP",
    "__version__",
    "RNN",
    "Callback",
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
    "predict_proba",
    "save",
]


def save(model: Module, path: str | Path) -> None:
    """Write ``model`` to a JSON file, atomically (``model.save(path)``)."""
    model.save(path)


def load(path: str | Path) -> Module:
    """Rebuild any model saved with ``save`` (no code is executed while loading)."""
    return Module.load(path)


def draw_mlp(model: MLP, max_neurons: int = 10, show_weights: bool = True, theme: str = "default") -> Any:
    """An architecture diagram of an MLP (see ``nn.viz.draw_mlp``; needs graphviz,
    imported only when a diagram is drawn)."""
    from .viz import draw_mlp as draw

    return draw(model, max_neurons, show_weights, theme)
