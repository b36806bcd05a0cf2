"""The front-end every page of chainrule shares, as one script: the step player
(``player.js``), pan and zoom (``svg-pan-zoom.min.js``, vendored, BSD-2-Clause:
``svg-pan-zoom.LICENSE``) and the Graph view (``graph.js``). The replay page needs the
step player alone (``step_player_js``)."""

from __future__ import annotations

from importlib import resources

#: The front-end, one script in this order: the step player, svg-pan-zoom (vendored,
#: BSD-2-Clause: svg-pan-zoom.LICENSE), the Graph view.
FRONT_END = ("player.js", "svg-pan-zoom.min.js", "graph.js")


def player_js() -> str:
    """The front-end every page shares: the step player (``player.js``), pan and zoom, and
    the Graph view (``graph.js``). The playground serves it, the notebook widget loads it,
    the replay page inlines its first part: one front-end, one way to show a step."""
    here = resources.files("autograd_core.viz")
    return "\n;\n".join(here.joinpath(name).read_text(encoding="utf-8") for name in FRONT_END)


def step_player_js() -> str:
    """The step player alone (``player.js``), which the replay page inlines: the page
    uses nothing else, and a notebook stores the page once per player (pan, zoom and
    the Graph view would add 42 KB to each)."""
    return resources.files("autograd_core.viz").joinpath(FRONT_END[0]).read_text(encoding="utf-8")
