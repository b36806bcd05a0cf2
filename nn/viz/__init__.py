"""Pictures of networks and training (needs the ``viz`` extra): ``draw_mlp`` (graphviz)
and the matplotlib plots ``plot_history``, ``plot_decision_boundary``,
``plot_gradient_flow``."""

from .diagram import draw_mlp
from .plots import plot_decision_boundary, plot_gradient_flow, plot_history

__all__ = ["draw_mlp", "plot_decision_boundary", "plot_gradient_flow", "plot_history"]
