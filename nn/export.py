"""Outgrowing a scalar engine: export an ``MLP`` to an equivalent ``torch.nn.Sequential``."""

from __future__ import annotations

from typing import Any

from .activations import get_activation


def mlp_to_torch(model: Any) -> Any:
    """A float64 ``torch.nn.Sequential`` computing exactly what the ``MLP`` ``model``
    computes (Linear layers with the same weights, the same activations, dropout,
    softmax)."""
    try:
        import torch
    except ImportError:
        raise ImportError("to_torch needs PyTorch: pip install torch") from None
    layers: list[Any] = []
    for i, layer in enumerate(model.layers):
        lin = torch.nn.Linear(layer.nin, layer.nout, dtype=torch.float64)
        with torch.no_grad():
            lin.weight.copy_(
                torch.tensor([[w.data for w in n.w] for n in layer.neurons], dtype=torch.float64)
            )
            lin.bias.copy_(torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64))
        layers.append(lin)
        act = get_activation(layer.activation)
        if act.torch_layer is not None:
            layers.append(getattr(torch.nn, act.torch_layer)(*act.torch_args))
        if model.dropouts and i < len(model.dropouts):
            layers.append(torch.nn.Dropout(model.dropout))
    if model.output_activation == "softmax":
        layers.append(torch.nn.Softmax(dim=-1))
    seq = torch.nn.Sequential(*layers)
    seq.train(model.training)
    return seq
