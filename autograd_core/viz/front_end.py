"""The front-end every page of chainrule shares, as one script: the step player
(``player.js``), pan and zoom (``svg-pan-zoom.min.js``, vendored, BSD-2-Clause:
``svg-pan-zoom.LICENSE``) and the Graph view (``graph.js``)."""

from __future__ import annotations

from importlib import resources

#: The front-end, one script in this order: the step player, svg-pan-zoom (vendored,
#: BSD-2-Clause: svg-pan-zoom.LICENSE), the Graph view.
FRONT_END = ("player.js", "svg-pan-zoom.min.js", "graph.js")


def player_js() -> str:
    """The front-end every page shares: the step player (``player.js``), pan and zoom, and
    the Graph view (``graph.js``). The replay page inlines it, the playground serves it,
    the notebook widget loads it: one front-end, three homes, one way to show a step."""
    here = resources.files("autograd_core.viz")
    return "\n;\n".join(here.joinpath(name).read_text(encoding="utf-8") for name in FRONT_END)
