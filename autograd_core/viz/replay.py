"""A backward pass you can step through: ``explain(root)``.

Each backward step is one use of the chain rule at one edge of the graph:

    contribution = local derivative (d node / d input) x upstream gradient (d root / d node)

and the input's gradient so far grows by that contribution: where a value feeds several
consumers, their contributions add up (the ``+=`` of the chain rule), and
``contributions(v)`` lists them with their sum. ``explain(root, forward=True)`` first
steps through the forward pass, one value computed from its inputs per step.

``explain`` records the steps without touching any ``.grad``; print it for a text table;
in Jupyter it shows as the step player (picture, play/pause, slider, table); draw
``frame(k)`` to see the graph at step k, or ``save_html(path)`` for the same player as
one self-contained page (for slides and projectors). Every value has the name the
picture shows (``autograd_core.viz.names``).
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

from ..backward import chain_rule, topological_order
from ..value import Value
from .colors import NEGATIVE_HUE, POSITIVE_HUE, GradColors, NumberFormat
from .dot_text import plain, printable
from .draw import HIGHLIGHT, THEMES, Picture, draw_graph
from .front_end import (
    player_js,  # noqa: F401  (the playground imports it from here)
    step_player_js,
)
from .names import constant_text, derivative, is_constant, value_names
from .notebook import NOTEBOOK_WIDTH, svg_size

#: The most steps a page holds: one graph, and a list of numbers per step.
MAX_PAGE_STEPS = 20_000
#: The picture's place on the player page (pixels, width x height: 60% of the page's
#: height), per theme: the drawing direction is chosen to read largest there.
PLAYER_FRAMES = {"default": (1100, 560), "projector": (1240, 430)}


@dataclass(frozen=True)
class Step:
    """One chain-rule step: ``input_grad += local * upstream``."""

    index: int
    node: Value
    input: Value
    node_name: str
    input_name: str
    op: str
    local: float
    upstream: float
    contribution: float
    input_grad: float  # the input's gradient after this step


@dataclass(frozen=True)
class ForwardStep:
    """One forward step: ``node = op(inputs)``, its value computed."""

    index: int
    node: Value
    node_name: str
    op: str
    input_names: tuple[str, ...]
    value: float


class Replay:
    """The recorded backward pass of ``root`` (see ``explain``); with ``forward=True``
    the forward pass comes first. ``steps`` holds the backward steps,
    ``forward_steps`` the forward ones; ``len()`` counts both."""

    def __init__(self, root: Value, grad: float = 1.0, forward: bool = False) -> None:
        if not isinstance(root, Value):
            raise TypeError(f"explain needs a Value, got {type(root).__name__}")
        if isinstance(grad, bool) or not isinstance(grad, (int, float)):
            raise TypeError(f"explain's grad (the seed) must be a number, got {grad!r:.40}")
        self.root = root
        self.seed = float(grad)
        self.order = topological_order(root)
        self.names = value_names(self.order)
        self.forward_steps: list[ForwardStep] = []
        if forward:
            for n in self.order:
                if not n.is_leaf:
                    inputs = tuple(self.display_name(p) for p in n.parents)
                    self.forward_steps.append(
                        ForwardStep(
                            len(self.forward_steps) + 1,
                            n,
                            self.names[id(n)],
                            n.op_entry.display,
                            inputs,
                            n.data,
                        )
                    )
        self.steps: list[Step] = []
        running: dict[int, float] = {}  # each input's gradient so far, for the table

        def record(node: Any, parent: Any, local: Any, upstream: Any, contribution: Any) -> None:
            if is_constant(parent):
                return  # no one asks for d root / d 2.5: the replay takes no step into a constant
            running[id(parent)] = running.get(id(parent), 0.0) + contribution
            index = len(self.forward_steps) + len(self.steps) + 1
            names = self.names
            step = Step(index, node, parent, names[id(node)], names[id(parent)], node.op_entry.display,
                        local, upstream, contribution, running[id(parent)])  # fmt: skip
            self.steps.append(step)

        # The same walk as backward: the replay only listens to each step.
        final = chain_rule(root, self.seed, on_step=record)
        # Constants have no gradient row: the replay differentiates by values only.
        self.grads = {id(n): final.get(n, 0.0) for n in self.order if not is_constant(n)}
        self.number = NumberFormat([n.data for n in self.order] + list(self.grads.values()) + [self.seed])

    def __len__(self) -> int:
        return len(self.forward_steps) + len(self.steps)

    def __repr__(self) -> str:
        name = self.names[id(self.root)]
        forward = f"{len(self.forward_steps)} forward and " if self.forward_steps else ""
        return (
            f"<Replay of the backward pass of {name}: {forward}{len(self.steps)} chain-rule steps over "
            f"{len(self.order)} values. print() it for the step table, .frame(k) for the picture at "
            "step k, .save_html(path) for the player; in Jupyter it shows as the player>"
        )

    def display_name(self, v: Value) -> str:
        """How ``v`` is written in captions and tables: its name, or a constant's number."""
        return constant_text(v.data) if is_constant(v) else self.names[id(v)]

    def __getitem__(self, k: int) -> Step:
        return self.steps[k]

    def gradient(self, v: Value) -> float:
        """d root / d v once the replay has finished (0 if root does not depend on v, and
        for a constant: the replay takes no steps into constants)."""
        return self.grads.get(id(v), 0.0)

    def contributions(self, v: Value) -> tuple[list[tuple[str, float]], float]:
        """Where ``v``'s gradient comes from: (consumer name, its contribution) for each
        consumer of ``v``, and their sum (the gradient; the seed for the root)."""
        parts = [(s.node_name, s.contribution) for s in self.steps if s.input is v]
        total = self.seed if v is self.root else sum(c for _, c in parts)
        return parts, total

    def grads_after(self, k: int) -> dict[int, float]:
        """Every value's gradient as it stands after step ``k`` (0: only the seed; the
        forward steps leave every gradient at 0), rebuilt from the steps (the replay
        keeps what changed, not k copies)."""
        grads = {id(n): 0.0 for n in self.order if not is_constant(n)}
        done_forward = k >= len(self.forward_steps)
        if done_forward:
            grads[id(self.root)] = self.seed
        for s in self.steps[: max(0, k - len(self.forward_steps))]:
            grads[id(s.input)] += s.contribution
        return grads

    # -- tables ---------------------------------------------------------------------------
    HEAD = ("step", "node", "op", "input", "local ∂node/∂input", "upstream ∂root/∂node", "contribution",
            "input grad so far")  # fmt: skip

    def rows(self) -> list[list[str]]:
        """The step table as strings (header first); forward steps, when recorded, show
        ``node = op(inputs)`` and the value in the contribution column."""
        f = self.number
        body = [[str(s.index), s.node_name, s.op, ", ".join(s.input_names), "", "", f"= {f(s.value)}", ""]
                for s in self.forward_steps]  # fmt: skip
        body += [
            [str(s.index), s.node_name, s.op, s.input_name, f(s.local), f(s.upstream), f(s.contribution),
             f(s.input_grad)]
            for s in self.steps
        ]  # fmt: skip
        return [list(self.HEAD), *body]

    def table(self) -> str:
        """The steps as a plain-text table, after the seed."""
        rows = [[_one_line(c) for c in r] for r in self.rows()]
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines = ["  ".join(c.rjust(w) for c, w in zip(r, widths)) for r in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        name = self.names[id(self.root)]
        seed = _one_line(f"seed: {derivative(name, name)} = {self.number(self.seed)}")
        return seed + "\n" + "\n".join(lines)

    def __str__(self) -> str:
        return self.table()

    def html_table(self, current: int | None = None) -> str:
        """The steps as an HTML table; row ``current`` is marked."""
        rows = self.rows()
        out = ['<table class="chainrule-steps">', "<thead><tr>"]
        out += [f"<th>{html.escape(c)}</th>" for c in rows[0]]
        out.append("</tr></thead><tbody>")
        for k, r in enumerate(rows[1:], start=1):
            classes = (["forward"] if k <= len(self.forward_steps) else []) + (
                ["current"] if k == current else []
            )
            cls = f' class="{" ".join(classes)}"' if classes else ""
            cells = "".join(f"<td>{html.escape(c)}</td>" for c in r)
            out.append(f'<tr id="step-{k}"{cls}>{cells}</tr>')
        out.append("</tbody></table>")
        return "".join(out)

    # -- pictures -------------------------------------------------------------------------
    def frame(self, k: int, **draw_options: Any) -> Picture:
        """The graph at step ``k`` (0: only the seed): gradients as they stand after that
        step, the node and input of step k outlined."""
        if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k <= len(self):
            raise ValueError(f"frame needs a step in 0..{len(self)}, got {k!r}")
        options = {
            "color_by": "grad",
            "colors": GradColors(),
            "names": self.names,
            "number_format": self.number,
        }
        g = draw_graph(
            self.root, grads=self.grads_after(k), highlight=self._marked(k), **{**options, **draw_options}
        )
        g.attr(label=plain(self.caption(k)), labelloc="t", fontsize=str(_caption_font(draw_options)))
        return g

    def _marked(self, k: int) -> list[Value]:
        if k == 0:
            return [self.root] if not self.forward_steps else []
        if k <= len(self.forward_steps):
            return [self.forward_steps[k - 1].node]
        s = self.steps[k - len(self.forward_steps) - 1]
        return [s.node, s.input]

    def caption(self, k: int) -> str:
        """One line that says what step ``k`` does."""
        f = self.number
        name = self.names[id(self.root)]
        if k == 0:
            if self.forward_steps:
                return "step 0: the inputs and parameters, before anything is computed"
            return f"step 0: seed {derivative(name, name)} = {f(self.seed)}"
        if k <= len(self.forward_steps):
            fs = self.forward_steps[k - 1]
            return (
                f"step {k} (forward): {fs.node_name} = {fs.op}({', '.join(fs.input_names)}) = {f(fs.value)}"
            )
        s = self.steps[k - len(self.forward_steps) - 1]
        seeded = f" (seed {derivative(name, name)} = {f(self.seed)})" if s.node is self.root else ""
        local = derivative(s.node_name, s.input_name)
        return (
            f"step {k}: grad[{s.input_name}] += {local} × grad[{s.node_name}] "
            f"= {f(s.local)} × {f(s.upstream)} = {f(s.contribution)}{seeded}"
        )

    def live(self) -> Any:
        """The playground's Graph view in this notebook (a Jupyter widget on anywidget, no
        server): a slider for every leaf recomputes the forward and backward pass in the
        kernel; steps, the click-a-value panel and the projector switch as in the
        playground. Needs ``pip install 'chainrule[notebooks]'``."""
        from .live import live_widget

        return live_widget(self)

    def widget(self) -> Any:
        """An ipywidgets slider over the frames (needs ipywidgets, in Jupyter)."""
        try:
            import ipywidgets as widgets
        except ImportError:
            raise ImportError(
                "the replay slider needs ipywidgets: pip install 'chainrule[notebooks]'"
            ) from None
        # The picture fits the output's width; the table goes below it, where a student
        # sees it (beside a wide picture it was off the right edge of the notebook).
        fit = '<div style="max-width:100%;overflow-x:auto">{}</div>'
        picture = widgets.HTML(fit.format(self.frame(0).svg()))
        table = widgets.HTML(self.html_table(0))
        slider = widgets.IntSlider(value=0, min=0, max=len(self), description="step")
        play = widgets.Play(value=0, min=0, max=len(self), interval=800)
        widgets.jslink((play, "value"), (slider, "value"))

        def show(change: dict[str, Any]) -> None:
            picture.value = fit.format(self.frame(change["new"]).svg())
            table.value = self.html_table(change["new"])

        slider.observe(show, names="value")
        return widgets.VBox([widgets.HBox([play, slider]), picture, table])

    # -- the page -------------------------------------------------------------------------
    def page_data(self) -> dict[str, Any]:
        """What the player needs beyond the picture: names, values, every step's numbers,
        the colour scale and the number style (the page computes each frame from them)."""
        index = {id(n): i for i, n in enumerate(self.order)}
        scale = GradColors()
        return {
            "names": [self.names[id(n)] for n in self.order],
            # the picture's boxes are v<k> and their ops op<k> (k: the place in self.order)
            "inputs": [[index[id(p)] for p in n.parents] for n in self.order],
            "constant": [is_constant(n) for n in self.order],
            "data": [_finite(n.data) for n in self.order],
            "root": index[id(self.root)],
            "seed": self.seed,
            "forward": [index[id(s.node)] for s in self.forward_steps],
            "steps": [[index[id(s.node)], index[id(s.input)], _finite(s.contribution)] for s in self.steps],
            "captions": [self.caption(k) for k in range(len(self) + 1)],
            "scale": {"lo": scale.lo, "hi": scale.hi, "pos": POSITIVE_HUE, "neg": NEGATIVE_HUE},
            "scientific": self.number.scientific,
            "highlight": HIGHLIGHT,
        }

    def player_html(self, interval_ms: int = 900, theme: str = "default", **draw_options: Any) -> str:
        """The player as one self-contained HTML page: the picture drawn once, every step's
        numbers as data, play/pause, a slider, step buttons, the table, and a click on a
        value shows the contributions that add up to its gradient."""
        return self._page(interval_ms, theme, False, draw_options)

    def _page(self, interval_ms: int, theme: str, notebook: bool, draw_options: dict[str, Any]) -> str:
        """The player page; ``notebook``: laid out for a frame in a notebook (see
        ``_repr_html_``), else for a window of its own."""
        if len(self) > MAX_PAGE_STEPS:
            raise ValueError(
                f"this replay has {len(self):,} steps; a page holds at most {MAX_PAGE_STEPS:,}: "
                "explain a smaller graph (a part of the model, one sample)"
            )
        dressed = _player_theme(theme, NOTEBOOK_FRAME if notebook else None)
        picture = draw_graph(self.root, color_by="grad", colors=GradColors(), names=self.names,
                             number_format=self.number, theme=dressed, grads=self.grads_after(0),
                             **draw_options).svg()  # fmt: skip
        title = f"{'forward and ' if self.forward_steps else ''}backward pass of {self.names[id(self.root)]}"
        here = resources.files("autograd_core.viz")
        template = here.joinpath("replay.html").read_text(encoding="utf-8")
        fields = {
            "TITLE": html.escape(title),
            "PICTURE": picture[picture.index("<svg") :],
            "TABLE": self.html_table(0),
            "DATA": embed_json(self.page_data()),
            "LAST": str(len(self)),
            "INTERVAL": str(int(interval_ms)),
            "THEME": html.escape(theme),
            "MODE": " notebook" if notebook else "",
            "PLAYER_JS": step_player_js(),
        }
        # One pass over the template's own placeholders: text inside a filled-in value (a
        # label that reads "{{DATA}}") is never taken for one.
        return re.sub(r"\{\{([A-Z_]+)\}\}", lambda m: fields[m.group(1)], template)

    def save_html(self, path: str | Path, interval_ms: int = 900, **draw_options: Any) -> Path:
        """Write the player (``player_html``) to ``path``: one page, no network, no server."""
        p = Path(path)
        p.write_text(self.player_html(interval_ms, **draw_options), encoding="utf-8")
        return p

    def _repr_html_(self) -> str:
        # In Jupyter the replay shows as the player itself, in a frame of its own (its
        # script then runs apart from the notebook's page). The page tells the notebook
        # its height and a small script beside the frame gives the frame that height
        # (a sandboxed frame cannot be measured from outside); until then the frame has
        # the height estimated here. A notebook opened untrusted shows neither the frame
        # nor the script (JupyterLab's sanitizer drops both) but keeps the text inside the
        # frame, which a browser never shows beside a frame: it says how to get the player.
        page = self._page(900, "default", True, {})
        name = html.escape(self.names[id(self.root)])
        return (
            f'<iframe class="chainrule-replay" srcdoc="{html.escape(page, quote=True)}" '
            f'style="width:100%;height:{_estimated_height(page, len(self))}px;border:1px solid #ccc" '
            f'sandbox="allow-scripts" title="backward replay">The step player of the backward pass of {name} '
            "shows here once the notebook runs: Run All (Run \u25b8 Run All Cells).</iframe>"
            f"<script>{FIT_FRAME_JS}</script>"
        )


#: The picture's place in the player when it is framed in a notebook: a notebook picture's
#: (see draw.THEMES), less the page's margins. The frame grows with the picture (the
#: notebook scrolls), so the picture is drawn as large as the notebook's own: a bound
#: of 60% of a window's height shrank its text to 7-9 px.
NOTEBOOK_FRAME = (NOTEBOOK_WIDTH - 30, THEMES["default"].frame[1])

#: Beside the frame: gives each replay frame the height its page reports (only from the
#: frame's own window, at most 20,000 px), once per notebook page whatever its number of
#: players.
FIT_FRAME_JS = (
    "(()=>{if(window.chainruleReplayFit)return;window.chainruleReplayFit=true;"
    'window.addEventListener("message",e=>{const h=e.data&&e.data.chainruleReplayHeight;'
    'if(typeof h!=="number"||!isFinite(h))return;'
    'for(const f of document.querySelectorAll("iframe.chainrule-replay"))'
    'if(f.contentWindow===e.source)f.style.height=Math.min(Math.ceil(h),20000)+"px";});})();'
)


def _estimated_height(page: str, steps: int) -> int:
    """The frame's height before its page reports one (pixels): the title, controls and
    caption, the picture as drawn (narrowed to the frame), the table's box."""
    try:
        width, height = svg_size(page)  # the page's first <svg> is the picture
    except ValueError:
        width, height = 600.0, 300.0
    picture = height * min(1.0, NOTEBOOK_FRAME[0] / width)
    table = min(steps + 1, 10) * 26 + 20
    return round(160 + picture + table)


def _player_theme(theme: Any, frame: tuple[int, int] | None = None) -> Any:
    """The theme with the frame of the player page's picture (``frame``, else the page's
    own: see ``PLAYER_FRAMES``)."""
    if isinstance(theme, str) and theme in THEMES and theme in PLAYER_FRAMES:
        return replace(THEMES[theme], frame=frame or PLAYER_FRAMES[theme])
    return theme  # a Theme of the caller's own (or a wrong name, which draw_graph refuses)


def _caption_font(draw_options: dict[str, Any]) -> int:
    """The caption's font size: the theme's value font."""
    theme = draw_options.get("theme", "default")
    return THEMES[theme].font + 1 if isinstance(theme, str) and theme in THEMES else 12


def _finite(x: float) -> float | str:
    # JSON has no inf or nan: the page reads these three strings back as numbers.
    return x if x == x and abs(x) != float("inf") else str(x)


def embed_json(value: Any) -> str:
    """``value`` as JSON that is safe inside an HTML ``<script>`` element: ``<``, ``>``
    and ``&`` are written as ``\\u003c`` ... (still the same JSON), so no label can
    close the element or open a comment that changes the page's structure."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def explain(root: Value, grad: float = 1.0, forward: bool = False) -> Replay:
    """Record the backward pass of ``root`` as chain-rule steps (see ``Replay``);
    ``forward=True`` records the forward pass first. ``grad`` is the seed."""
    return Replay(root, grad, forward)


def _one_line(text: str) -> str:
    """``text`` on one line of a text table: as a picture prints it (``printable``), its
    line breaks and tabs written ``\\n`` and ``\\t``."""
    return printable(text.replace("\t", "\\t")).replace("\n", "\\n")
