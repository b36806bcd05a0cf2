"""autograd_core: a scalar reverse-mode automatic differentiation engine.

A ``Value`` holds one number, its parents and the local derivative toward each parent;
``backward()`` applies the chain rule over the graph in topological order.
Every op and its derivative stand together in ``autograd_core.ops``.
"""

from .backward import backward, gradients, topological_order
from .functional import GradcheckError, grad, gradcheck, value_and_grad
from .modes import AnomalyError, detect_anomaly, enable_grad, gc_paused, is_grad_enabled, no_grad
from .ops import DomainError
from .value import Value, apply, dot, vsum

__all__ = [
    "AnomalyError",
    "DomainError",
    "GradcheckError",
    "Value",
    "apply",
    "backward",
    "detect_anomaly",
    "dot",
    "enable_grad",
    "gc_paused",
    "gradcheck",
    "gradients",
    "grad",
    "is_grad_enabled",
    "no_grad",
    "topological_order",
    "value_and_grad",
    "vsum",
]
__version__ = "0.1.0"
