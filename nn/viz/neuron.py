"""One neuron of a trained network, seen inside the whole forward pass of one sample:
``neuron_graph(model, x, target)`` returns the neuron's output ``Value`` after the
sample's loss was backpropagated, every value of its graph holding d loss / d value as
it flows through this neuron: what ``draw_graph(out, color_by="grad")`` shows and what
``explain(out, grad=out.grad)`` replays, step by step, to the same numbers."""

from __future__ import annotations

from typing import Any

from autograd_core import Value, chain_rule, topological_order

from ..losses import get_loss
from ..module import MLP


def neuron_graph(
    model: MLP, x: Any, target: Any, layer: int = 0, index: int | None = None, loss: str = "bce"
) -> Value:
    """The output of neuron ``index`` of ``layer`` (``None``: the most active one) for
    input ``x``, with the gradients of ``loss(model(x), target)`` filled in.

    The values keep the model's names (``x0``, ``w[1][j,i]``, ``b[1][j]``, ``z[1][j]``,
    ``a[1][j]``, ...). Each ``.grad`` in the neuron's graph is what backpropagating the
    neuron's real upstream gradient d loss / d out through that graph gives, so the
    picture and the replay agree: for the neuron's own weights, bias, sum and activation
    that is the whole d loss / d value; for a value other neurons read too (the inputs,
    and earlier layers' values) it is the part of d loss / d value that passes through
    this neuron. The model's ``.grad`` hold this one sample's gradients afterwards
    (``zero_grad`` before training on).
    """
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
    out: Any = h[0] if len(h) == 1 else h
    model.zero_grad()
    get_loss(loss)(out, target).backward()
    node = outputs[pick]
    _through(node)
    return node


def _through(node: Value) -> None:
    """Set every ``.grad`` in ``node``'s graph to the chain rule run from ``node`` alone,
    seeded with its real upstream gradient ``node.grad``: the same sums, in the same
    order, as ``explain(node, grad=node.grad)``, so both show identical numbers."""
    share = chain_rule(node, node.grad)
    for v in topological_order(node):
        v.grad = share.get(v, 0.0)
