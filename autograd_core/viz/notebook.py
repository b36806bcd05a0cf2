"""How a picture shows in a notebook: its SVG sized to fit JupyterLab's output area, with
a small PNG beside it for a notebook that is opened untrusted.

What JupyterLab 4 does with an output (read in its source, seen in tests/
test_jupyterlab_lessons.py): it shows the first mime type of its ranking that the bundle
holds, and in an untrusted notebook (one that somebody else ran) only a *safe* one. An
SVG is not safe, so an untrusted notebook shows the PNG instead (or, without one, the
text ``repr``). The SVG is drawn in an ``<img>`` that no CSS shrinks to the output's
width, so its own width decides: it is written in pixels, at most ``NOTEBOOK_WIDTH``.
The PNG is shrunk to the output's width by CSS (``max-width: 100%``) and is drawn at the
width the SVG shows, with few colours, so the stored lessons stay small.
"""

from __future__ import annotations

import base64
import io
import re
import shutil
from collections.abc import Collection
from typing import Any

import numpy as np

from .render import RenderError, render_png

#: The widest picture in a notebook, in CSS pixels. JupyterLab's output area is 934 px
#: wide in a 1366 x 768 window with its file browser open (measured); a little less
#: leaves room for a wider scroll bar.
NOTEBOOK_WIDTH = 920
#: Colours in the PNG: Graphviz pictures have a few fills and anti-aliased text. A picture
#: with more fill colours than fit gets more (every fill is kept, see ``_few_colours``).
PNG_COLOURS = 32
#: Colours for the blends at the edges of text and lines, however many fills there are.
BLEND_COLOURS = 16
#: A colour that covers this many pixels fills an area (a box, a swatch): kept exact.
FILL_PIXELS = 150
#: No PNG for a picture taller than this (pixels, as shown): it would take seconds and
#: hundreds of KB (a chain of 300 values is 45,000 px tall, and Graphviz's PNG stops at
#: 32,767 px); the lessons' tallest is 2,420 px. Such a picture shows as SVG once run.
PNG_MAX_HEIGHT = 10_000

_ROOT = re.compile(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"')


def svg_size(svg: str) -> tuple[float, float]:
    """The natural size of Graphviz's SVG in CSS pixels (its points times 4/3)."""
    found = _ROOT.search(svg)
    if found is None:
        raise ValueError("not a Graphviz SVG: its <svg> has no width and height in points")
    return float(found.group(1)) * 4 / 3, float(found.group(2)) * 4 / 3


def fitted_size(svg: str, width: float = NOTEBOOK_WIDTH) -> tuple[int, int]:
    """The size the picture shows at in a notebook (CSS pixels): natural, or shrunk to
    ``width`` keeping its shape. Never enlarged: a small graph keeps its type size."""
    w, h = svg_size(svg)
    scale = min(1.0, width / w)
    return max(1, round(w * scale)), max(1, round(h * scale))


def notebook_svg(svg: str, width: float = NOTEBOOK_WIDTH) -> str:
    """The SVG as a notebook stores it: its size in pixels, fitted to ``width`` (its
    ``viewBox`` scales the drawing), without what an ``<img>`` never shows (the XML
    prolog, comments, ``<title>`` tooltips) and the line breaks between tags, the text
    attributes that most texts share written once, on the ``<svg>``, for all of them."""
    w, h = fitted_size(svg, width)
    body = svg[svg.index("<svg") :]
    body = re.sub(r"<!--.*?-->", "", body, flags=re.S)
    body = re.sub(r"<title>[^<]*</title>", "", body)
    body = body.replace("&#45;", "-")  # Graphviz's escape for a plain minus sign
    # Graphviz writes one element per line and no newline inside a text.
    body = re.sub(r">\s*\n\s*<", "><", body).strip()
    shared = ""
    for name in ("font-family", "font-size", "text-anchor"):
        values = re.findall(rf'<text\b[^>]*? {name}="([^"]*)"', body)
        if values:
            common = max(set(values), key=values.count)
            # A text without its own value inherits the one on <svg>.
            body = re.sub(rf'(<text\b[^>]*?) {name}="{re.escape(common)}"', r"\1", body)
            shared += f' {name}="{common}"'
    return _ROOT.sub(f'<svg width="{w}px" height="{h}px"{shared}', body, count=1)


def notebook_png(dot_source: str, natural_width: float, width: int) -> bytes | None:
    """A PNG of ``dot_source`` ``width`` pixels wide (the width its SVG shows at; the SVG
    is ``natural_width`` px at 96 dpi), with at most ``PNG_COLOURS`` colours; ``None``
    without the system ``dot``: the WebAssembly Graphviz draws SVG only, and a notebook
    that its user ran is trusted and shows the SVG. Graphviz draws it at that size (its
    dpi scaled, not the pixels resampled afterwards), so the text stays crisp."""
    if shutil.which("dot") is None:
        return None
    dpi = 96 * width / natural_width
    try:
        png = render_png(dot_source, dpi)
    except RenderError:
        return None
    return _few_colours(png, fill_colours(dot_source))


_FILL = re.compile(r'fillcolor="?#([0-9a-fA-F]{6})\b')


def fill_colours(dot_source: str) -> list[tuple[int, int, int]]:
    """Every ``fillcolor="#rrggbb"`` of ``dot_source``, once each, in order."""
    found = dict.fromkeys(m.group(1).lower() for m in _FILL.finditer(dot_source))
    return [(int(h[:2], 16), int(h[2:4], 16), int(h[4:], 16)) for h in found]


def _few_colours(png: bytes, fills: Collection[tuple[int, int, int]] = ()) -> bytes:
    """The PNG with a palette of at most ``PNG_COLOURS`` colours (Pillow, which the viz
    extra brings with matplotlib; without it the PNG stays as Graphviz wrote it). The
    colours that fill an area are kept exactly, so a gradient reads the same as in the
    SVG: every one of ``fills`` (the source's fill colours: boxes and legend swatches,
    each swatch drawn once, too small to be found by counting) and the most common
    colours (white, black). The rest (the blends at the edges of text and lines) take
    the nearest of a median-cut palette of ``BLEND_COLOURS`` or more."""
    try:
        from PIL import Image
    except ImportError:
        return png
    with Image.open(io.BytesIO(png)) as image:
        rgb = image.convert("RGB")
    counts = rgb.getcolors(maxcolors=rgb.width * rgb.height) or []
    present = {colour[:3] for _, colour in counts if isinstance(colour, tuple)}
    exact = [c for c in fills if c in present]  # a fill hidden under something is not in the PNG
    for n, colour in sorted(counts, reverse=True)[: PNG_COLOURS // 2]:
        if n >= FILL_PIXELS and isinstance(colour, tuple) and colour[:3] not in exact:
            exact.append(colour[:3])
    exact = exact[: 256 - BLEND_COLOURS]
    blends = max(PNG_COLOURS - len(exact), BLEND_COLOURS)
    spare = rgb.quantize(colors=blends, method=Image.Quantize.MEDIANCUT).getpalette() or []
    palette = [v for c in exact for v in c] + spare[: 3 * blends]
    board = Image.new("P", (1, 1))
    board.putpalette(palette + [0] * (768 - len(palette)))
    index = np.array(rgb.quantize(palette=board, dither=Image.Dither.NONE))
    # Pillow finds the nearest colour through a coarse cache that merges shades one
    # step apart (#de6712 and #dd6712): the exact colours are put in by hand.
    if exact:
        pixels = np.asarray(rgb, dtype=np.int32)
        keys = (pixels[..., 0] << 16) | (pixels[..., 1] << 8) | pixels[..., 2]
        wanted = np.array([(r << 16) | (g << 8) | b for r, g, b in exact], dtype=np.int32)
        order = np.argsort(wanted)
        at = np.searchsorted(wanted[order], keys).clip(0, len(wanted) - 1)
        hit = wanted[order][at] == keys
        index[hit] = order[at[hit]]
    few = Image.fromarray(index.astype(np.uint8))  # mode "L", made "P" by its palette
    few.putpalette(palette)
    out = io.BytesIO()
    few.save(out, format="PNG", optimize=True)
    return out.getvalue() if out.tell() < len(png) else png


def picture_bundle(
    dot_source: str,
    svg: str,
    include: Collection[str] | None = None,
    exclude: Collection[str] | None = None,
) -> dict[str, Any]:
    """What a notebook stores for a picture: ``image/svg+xml`` (fitted, see
    ``notebook_svg``) and, where it can be made, ``image/png`` (base64) at the same size.
    ``include`` / ``exclude`` are IPython's: mime types to make, or to leave out."""

    def wanted(mime: str) -> bool:
        return (include is None or mime in include) and (exclude is None or mime not in exclude)

    bundle: dict[str, Any] = {}
    if _ROOT.search(svg) is None:  # not the SVG Graphviz writes: shown as it is
        return {"image/svg+xml": svg} if wanted("image/svg+xml") else bundle
    if wanted("image/svg+xml"):
        bundle["image/svg+xml"] = notebook_svg(svg)
    width, height = fitted_size(svg)
    if wanted("image/png") and height <= PNG_MAX_HEIGHT:
        png = notebook_png(dot_source, svg_size(svg)[0], width)
        if png is not None:
            bundle["image/png"] = base64.b64encode(png).decode("ascii")
    return bundle
