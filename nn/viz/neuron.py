"""One neuron of a trained network, seen inside the whole forward pass of one sample:
``neuron_graph(model, x, target)`` returns the neuron's output ``Value`` after the
sample's loss was backpropagated, so every value of its graph holds d loss / d value
(what ``draw_graph(..., color_by="grad")`` and ``explain(..., grad=out.grad)`` show)."""

from __future__ import annotations

from typing import Any

from autograd_core import Value

from ..losses import get_loss
from ..module import MLP


def neuron_graph(
    model: MLP, x: Any, target: Any, layer: int = 0, index: int | None = None, loss: str = "bce"
) -> Value:
    """The output of neuron ``index`` of ``layer`` (``None``: the most active one) for
    input ``x``, with the gradients of ``loss(model(x), target)`` filled in; its weights
    and bias are labelled ``w0, w1, ..., b`` and the output ``out``. The model's
    ``.grad`` hold this one sample's gradients afterwards (``zero_grad`` before training
    on)."""
    if not isinstance(model, MLP):
        raise TypeError(f"neuron_graph needs an nn.MLP, got {type(model).__name__}")
    if not 0 <= layer < len(model.layers):
        raise ValueError(f"layer must be in 0..{len(model.layers) - 1}, got {layer!r}")
    h: list[Any] = [Value(float(v), label=f"x{i}") for i, v in enumerate(x)]
    outputs: list[Value] = []
    for k, lay in enumerate(model.layers):
        h = lay(h)
        if k == layer:
            outputs = h
    pick = index if index is not None else max(range(len(outputs)), key=lambda i: outputs[i].data)
    if not 0 <= pick < len(outputs):
        raise ValueError(f"layer {layer} has neurons 0..{len(outputs) - 1}, got {index!r}")
    neuron = model.layers[layer].neurons[pick]
    for i, w in enumerate(neuron.w):
        w.label = f"w{i}"
    neuron.b.label = "b"
    outputs[pick].label = "out"
    out: Any = h[0] if len(h) == 1 else h
    model.zero_grad()
    get_loss(loss)(out, target).backward()
    return outputs[pick]
