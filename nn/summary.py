"""``model.summary()``: the architecture as a table (layer, neurons, activation,
parameters), like Keras' ``Model.summary()``."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .module import Module


def summary_rows(model: Module) -> list[tuple[str, str, str, int]]:
    """(layer, neurons, activation, parameters) for each layer of ``model``."""
    from .module import MLP, Layer
    from .rnn import RNN

    rows: list[tuple[str, str, str, int]] = []
    if isinstance(model, MLP):
        rows.append(("input", str(model.nin), "-", 0))
        for i, layer in enumerate(model.layers):
            last = i == len(model.layers) - 1
            act = layer.activation
            if last and model.output_activation == "softmax":
                act = "softmax"
            name = "output" if last else f"hidden {i + 1}"
            rows.append((name, str(layer.nout), act, layer.num_parameters()))
            if not last and model.dropouts:
                rows.append((f"dropout {i + 1}", str(layer.nout), f"p={model.dropout}", 0))
    elif isinstance(model, RNN):
        rows.append(("input", str(model.nin), "-", 0))
        rows.append(("recurrent", str(model.nhidden), model.activation, model.hidden_parameter_count()))
        rows.append(
            ("output", str(model.nout), "linear", model.num_parameters() - model.hidden_parameter_count())
        )
    elif isinstance(model, Layer):
        rows.append(("layer", str(model.nout), model.activation, model.num_parameters()))
    else:
        rows.append((type(model).__name__, "-", "-", model.num_parameters()))
    return rows


def summary(model: Module) -> str:
    """The rows of ``summary_rows`` as a markdown table, with the total."""
    rows = summary_rows(model)
    head = ("layer", "neurons", "activation", "parameters")
    cells = [head] + [(a, b, c, f"{d:,}") for a, b, c, d in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(4)]
    lines = [f"{type(model).__name__}"]
    for k, r in enumerate(cells):
        lines.append("| " + " | ".join(r[i].ljust(widths[i]) for i in range(4)) + " |")
        if k == 0:
            lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    lines.append(f"total parameters: {model.num_parameters():,}")
    return "\n".join(lines)
