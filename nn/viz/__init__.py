"""Pictures of networks and training (needs the ``viz`` extra): ``draw_mlp`` (graphviz)
and the matplotlib plots ``plot_history``, ``plot_decision_boundary``,
``plot_gradient_flow``; ``neuron_graph`` (one neuron inside a sample's forward and
backward pass)."""

from .diagram import draw_mlp
from .neuron import neuron_graph
from .plots import plot_decision_boundary, plot_gradient_flow, plot_history

__all__ = ["draw_mlp", "neuron_graph", "plot_decision_boundary", "plot_gradient_flow", "plot_history"]
