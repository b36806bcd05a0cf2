"""autograd_core: a scalar reverse-mode automatic differentiation engine.

A ``Value`` holds one number, its parents and the local derivative toward each parent;
``backward()`` applies the chain rule over the graph in topological order.
Every op and its derivative stand together in ``autograd_core.ops``.
"""

from typing import TYPE_CHECKING

from .backward import backward, chain_rule, gradients, topological_order
from .compile import Compiled, compile
from .functional import GradcheckError, grad, gradcheck, value_and_grad
from .modes import (
    AnomalyError,
    TracingError,
    detect_anomaly,
    enable_grad,
    gc_paused,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
)
from .ops import DomainError
from .parameters import Parameter, ParameterSlots, ParameterStore, pack
from .value import Constant, Value, apply, dot, vsum

if TYPE_CHECKING:  # what the lazily loaded names are, for type checkers and editors
    from .viz import (
        GradColors as GradColors,
    )
    from .viz import (
        RenderError as RenderError,
    )
    from .viz import (
        Replay as Replay,
    )
    from .viz import (
        available_renderer as available_renderer,
    )
    from .viz import (
        draw_graph as draw_graph,
    )
    from .viz import (
        explain as explain,
    )
    from .viz import (
        last_renderer as last_renderer,
    )
    from .viz import (
        render_svg as render_svg,
    )

_PICTURES = {"draw_graph", "GradColors", "explain", "Replay"}
_PICTURES |= {"render_svg", "available_renderer", "last_renderer", "RenderError"}


def __getattr__(name: str) -> object:
    # Pictures need the optional graphviz package, so ``autograd_core.viz`` is imported
    # on first use only: the engine itself needs nothing beyond NumPy.
    if name in _PICTURES:
        from . import viz

        return getattr(viz, name)
    raise AttributeError(f"module 'autograd_core' has no attribute {name!r}")


__all__ = [
    "AnomalyError",
    "Compiled",
    "DomainError",
    "RenderError",
    "Replay",
    "GradcheckError",
    "Constant",
    "Parameter",
    "ParameterSlots",
    "ParameterStore",
    "Value",
    "apply",
    "TracingError",
    "backward",
    "chain_rule",
    "compile",
    "available_renderer",
    "detect_anomaly",
    "dot",
    "draw_graph",
    "enable_grad",
    "explain",
    "gc_paused",
    "gradcheck",
    "gradients",
    "grad",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "last_renderer",
    "no_grad",
    "pack",
    "render_svg",
    "topological_order",
    "value_and_grad",
    "vsum",
]
__version__ = "0.2.0"
