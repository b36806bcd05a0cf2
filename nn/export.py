"""Outgrowing a scalar engine: export an ``MLP`` to an equivalent ``torch.nn.Sequential``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .module import MLP


def mlp_to_torch(model: MLP) -> Any:
    """A float64 ``torch.nn.Sequential`` computing exactly what ``model`` computes
    (Linear layers with the same weights, the same activations, dropout, softmax)."""
    try:
        import torch
    except ImportError:
        raise ImportError(
            "to_torch needs PyTorch: pip install torch (on these machines: torch==2.13.0)"
        ) from None
    acts: dict[str, Callable[[], Any]] = {
        "relu": torch.nn.ReLU,
        "tanh": torch.nn.Tanh,
        "sigmoid": torch.nn.Sigmoid,
        "leaky_relu": lambda: torch.nn.LeakyReLU(0.01),
    }
    layers: list[Any] = []
    for i, layer in enumerate(model.layers):
        lin = torch.nn.Linear(layer.nin, layer.nout, dtype=torch.float64)
        with torch.no_grad():
            lin.weight.copy_(
                torch.tensor([[w.data for w in n.w] for n in layer.neurons], dtype=torch.float64)
            )
            lin.bias.copy_(torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64))
        layers.append(lin)
        if layer.activation in acts:
            layers.append(acts[layer.activation]())
        if model.dropouts and i < len(model.dropouts):
            layers.append(torch.nn.Dropout(model.dropout))
    if model.output_activation == "softmax":
        layers.append(torch.nn.Softmax(dim=-1))
    seq = torch.nn.Sequential(*layers)
    seq.train(model.training)
    return seq
