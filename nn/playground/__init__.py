"""The classroom playground: a live page where a class watches backpropagation happen.

``python -m nn.playground`` (or ``chainrule playground``) starts a local web server and
opens the browser on it. The Graph view steps the chain rule through an expression or a
preset, with a slider per leaf; the Train view trains a small network on toy data and
shows the decision boundary, the loss curves, the network and the gradient sizes moving.
Needs the ``playground`` extra: ``pip install 'chainrule[playground]'``.
"""

from .expressions import ExpressionError, compile_expression
from .sessions import GraphSession, PlaygroundError, TrainSession


def create_app() -> object:
    """The ASGI application (Starlette; needs the playground extra)."""
    try:
        from .server import create_app as create
    except ImportError as exc:
        raise ImportError(
            f"the playground needs its extra: pip install 'chainrule[playground]' ({exc})"
        ) from None
    return create()


__all__ = [
    "ExpressionError",
    "GraphSession",
    "PlaygroundError",
    "TrainSession",
    "compile_expression",
    "create_app",
]
