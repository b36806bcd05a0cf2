"""nn: neural networks on the autograd_core engine."""
