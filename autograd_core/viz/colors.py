"""Numbers and colours as the pictures show them: ``fmt`` for numbers, ``GradColors``
for gradients (hue for the sign, lightness for log10 |g|), ``hex_color`` for any hue."""

from __future__ import annotations

import colorsys
import math
from collections.abc import Iterable
from typing import Any

POSITIVE_HUE = 0.58  # blue
NEGATIVE_HUE = 0.07  # orange: blue/orange stays distinct for red-green colour blindness


def fmt(x: Any) -> str:
    """A number as a picture prints it: 4 decimals, or scientific when tiny or huge (so
    a vanishing gradient of 3e-9 does not print as 0.0000)."""
    x = getattr(x, "data", x)
    if x == 0 or (1e-3 <= abs(x) < 1e5):
        return f"{x:.4f}"
    if not math.isfinite(x):
        return str(x)
    return f"{x:.3e}"


class NumberFormat:
    """One way to print every number of a picture: 4 decimals when every nonzero number
    shown lies between 0.001 and 100,000 in size, else scientific notation for all of
    them (``-5.363e-4``), so ``6.684e-4`` never stands beside ``0.0013``."""

    def __init__(self, values: Iterable[Any]) -> None:
        sizes = [abs(getattr(v, "data", v)) for v in values]
        self.scientific = any(x and math.isfinite(x) and not 1e-3 <= x < 1e5 for x in sizes)

    def __call__(self, x: Any) -> str:
        x = getattr(x, "data", x)
        if not math.isfinite(x):
            return str(x)
        if not self.scientific:
            return f"{x:.4f}"
        mantissa, exponent = f"{x:.3e}".split("e")
        return f"{mantissa}e{int(exponent)}"


def hex_color(hue: float, lightness: float, saturation: float = 0.85) -> str:
    """An HLS colour as ``#rrggbb`` (hue, lightness and saturation in [0, 1])."""
    r, g, b = colorsys.hls_to_rgb(hue, lightness, saturation)
    return f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"


FIXED_LO, FIXED_HI = -8, 2  # the fixed scale: |grad| from 1e-8 (palest) to 1e2 (deepest)


class GradColors:
    """Maps a gradient to a fill colour: hue by sign, lightness by log10 |g| between
    ``lo`` and ``hi`` decades (lighter = smaller). Zero is white, nan/inf magenta.

    By default the scale is fixed (1e-8 to 1e2), so one colour means one gradient on
    every slide; ``GradColors(grads)`` (``color_scale="relative"`` in ``draw_graph``)
    fits the scale to the gradients of one picture instead."""

    def __init__(self, grads: Iterable[float] | None = None, decades: int = 8) -> None:
        if grads is None:
            self.lo, self.hi = FIXED_LO, FIXED_HI
            return
        mags = [abs(g) for g in grads if g and math.isfinite(g)]
        if mags:
            self.hi = math.ceil(math.log10(max(mags)))
            self.lo = max(math.floor(math.log10(min(mags))), self.hi - decades)
        else:
            self.hi, self.lo = 0, -decades
        if self.lo >= self.hi:
            self.lo = self.hi - 1

    def __call__(self, g: float) -> str:
        if not math.isfinite(g):
            return "#ff00ff"
        if g == 0:
            return "#ffffff"
        t = (math.log10(abs(g)) - self.lo) / (self.hi - self.lo)
        t = min(max(t, 0.0), 1.0)
        return hex_color(POSITIVE_HUE if g > 0 else NEGATIVE_HUE, 0.93 - 0.55 * t)

    def legend(self) -> list[tuple[str, str]]:
        """(text, colour) swatches from the largest positive to the largest negative:
        three decades a sign (largest, middle, smallest) and zero, so the strip stays short."""
        step = max(1, (self.hi - self.lo) // 2)
        exps = list(range(self.hi, self.lo - 1, -step))
        rows = [(f"+1e{e}", self(10.0**e)) for e in exps]
        rows.append(("0", "#ffffff"))
        rows += [(f"-1e{e}", self(-(10.0**e))) for e in reversed(exps)]
        return rows
