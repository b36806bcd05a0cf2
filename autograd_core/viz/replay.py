"""A backward pass you can step through: ``explain(root)``.

Each step is one use of the chain rule at one edge of the graph:

    contribution = local derivative (d node / d input) x upstream gradient (d root / d node)

and the input's gradient so far grows by that contribution. ``explain`` records every
step without touching any ``.grad``; print it for a text table, show it in Jupyter for an
HTML table, draw ``frame(k)`` to see the graph at step k (the edge being used outlined,
every gradient as it stands then), or ``save_html(path)`` for one self-contained page with
play/pause, a slider and the table beside the picture (for slides and projectors).
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..backward import chain_rule, topological_order
from ..value import Value
from .colors import GradColors, fmt
from .draw import draw_graph


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


class Replay:
    """The recorded backward pass of ``root`` (see ``explain``)."""

    def __init__(self, root: Value, grad: float = 1.0) -> None:
        if not isinstance(root, Value):
            raise TypeError(f"explain needs a Value, got {type(root).__name__}")
        self.root = root
        self.seed = float(grad)
        self.order = topological_order(root)
        self.names = {id(n): n.label or f"v{i}" for i, n in enumerate(self.order)}
        self.steps: list[Step] = []
        running: dict[int, float] = {}  # each input's gradient so far, for the table

        def record(node: Any, parent: Any, local: Any, upstream: Any, contribution: Any) -> None:
            running[id(parent)] = running.get(id(parent), 0.0) + contribution
            self.steps.append(
                Step(
                    len(self.steps) + 1,
                    node,
                    parent,
                    self.names[id(node)],
                    self.names[id(parent)],
                    node.op_entry.display,
                    local,
                    upstream,
                    contribution,
                    running[id(parent)],
                )
            )

        # The same walk as backward: the replay only listens to each step.
        final = chain_rule(root, self.seed, on_step=record)
        self.grads = {id(n): final.get(n, 0.0) for n in self.order}

    def grads_after(self, k: int) -> dict[int, float]:
        """Every value's gradient as it stands after step ``k`` (0: only the seed),
        rebuilt from the steps (the replay keeps what changed, not k copies)."""
        grads = {id(n): 0.0 for n in self.order}
        grads[id(self.root)] = self.seed
        for s in self.steps[:k]:
            grads[id(s.input)] += s.contribution
        return grads

    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, k: int) -> Step:
        return self.steps[k]

    def gradient(self, v: Value) -> float:
        """d root / d v once the replay has finished (0 if root does not depend on v)."""
        return self.grads.get(id(v), 0.0)

    def rows(self) -> list[list[str]]:
        """The step table as strings (header first)."""
        head = [
            "step",
            "node",
            "op",
            "input",
            "local d node/d input",
            "upstream d root/d node",
            "contribution",
            "input grad so far",
        ]
        body = [
            [
                str(s.index),
                s.node_name,
                s.op,
                s.input_name,
                fmt(s.local),
                fmt(s.upstream),
                fmt(s.contribution),
                fmt(s.input_grad),
            ]
            for s in self.steps
        ]
        return [head, *body]

    def table(self) -> str:
        """The steps as a plain-text table."""
        rows = self.rows()
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines = ["  ".join(c.rjust(w) for c, w in zip(r, widths)) for r in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        name = self.names[id(self.root)]
        seed = f"seed: d{name}/d{name} = {fmt(self.seed)}"
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
            cls = ' class="current"' if k == current else ""
            out.append(
                f'<tr id="step-{k}"{cls}>' + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>"
            )
        out.append("</tbody></table>")
        return "".join(out)

    def _repr_html_(self) -> str:
        return self.html_table()

    def frame(self, k: int, **draw_options: Any) -> Any:
        """The graph at step ``k`` (0: only the seed): gradients as they stand after that
        step, the node and input of step k outlined."""
        if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k <= len(self.steps):
            raise ValueError(f"frame needs a step in 0..{len(self.steps)}, got {k!r}")
        highlight = [self.steps[k - 1].node, self.steps[k - 1].input] if k else [self.root]
        options = {"color_by": "grad", "colors": GradColors(self.grads.values()), **draw_options}
        g = draw_graph(self.root, grads=self.grads_after(k), highlight=highlight, **options)
        g.attr(label=self.caption(k), labelloc="t", fontsize="12")
        return g

    def caption(self, k: int) -> str:
        """One line that says what step ``k`` does."""
        if k == 0:
            name = self.names[id(self.root)]
            return f"step 0: seed d{name}/d{name} = {fmt(self.seed)}"
        s = self.steps[k - 1]
        return (
            f"step {k}: grad[{s.input_name}] += d{s.node_name}/d{s.input_name} × grad[{s.node_name}] "
            f"= {fmt(s.local)} × {fmt(s.upstream)} = {fmt(s.contribution)}"
        )

    def widget(self) -> Any:
        """An ipywidgets slider over the frames (needs ipywidgets, in Jupyter)."""
        try:
            import ipywidgets as widgets
        except ImportError:
            raise ImportError(
                "the replay slider needs ipywidgets: pip install 'chainrule[notebooks]'"
            ) from None
        picture = widgets.HTML(self.frame(0).svg())
        table = widgets.HTML(self.html_table(0))
        slider = widgets.IntSlider(value=0, min=0, max=len(self.steps), description="step")
        play = widgets.Play(value=0, min=0, max=len(self.steps), interval=800)
        widgets.jslink((play, "value"), (slider, "value"))

        def show(change: dict[str, Any]) -> None:
            picture.value = self.frame(change["new"]).svg()
            table.value = self.html_table(change["new"])

        slider.observe(show, names="value")
        return widgets.VBox([widgets.HBox([play, slider]), widgets.HBox([picture, table])])

    def save_html(self, path: str | Path, interval_ms: int = 900, **draw_options: Any) -> Path:
        """Write ONE self-contained HTML page (every frame inlined as SVG, no network, no
        server) with play/pause, a slider, step buttons and the step table."""
        frames = [self.frame(k, **draw_options).svg() for k in range(len(self.steps) + 1)]
        frames = [f[f.index("<svg") :] for f in frames]  # drop the XML prolog: inlined in HTML
        captions = [self.caption(k) for k in range(len(self.steps) + 1)]
        page = _PAGE.format(
            title=html.escape(f"backward pass of {self.names[id(self.root)]}"),
            data=embed_json({"frames": frames, "captions": captions}),
            table=self.html_table(0),
            last=len(self.steps),
            interval=int(interval_ms),
        )
        p = Path(path)
        p.write_text(page, encoding="utf-8")
        return p


def embed_json(value: Any) -> str:
    """``value`` as JSON that is safe inside an HTML ``<script>`` element: ``<``, ``>``
    and ``&`` are written as ``\\u003c`` ... (still the same JSON), so no label can
    close the element or open a comment that changes the page's structure."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def explain(root: Value, grad: float = 1.0) -> Replay:
    """Record the backward pass of ``root`` as chain-rule steps (see ``Replay``)."""
    return Replay(root, grad)


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
 body {{ font-family: Helvetica, Arial, sans-serif; margin: 1em; }}
 #controls {{ display: flex; gap: .6em; align-items: center; margin-bottom: .6em; }}
 #controls input[type=range] {{ width: 24em; }}
 #main {{ display: flex; gap: 1.5em; align-items: flex-start; }}
 #picture {{ flex: 3; overflow: auto; }} #picture svg {{ max-width: 100%; height: auto; }}
 #side {{ flex: 2; max-height: 85vh; overflow: auto; font-size: 12px; }}
 table.chainrule-steps {{ border-collapse: collapse; }}
 table.chainrule-steps td, table.chainrule-steps th {{
   border: 1px solid #ccc; padding: 2px 6px; text-align: right; }}
 tr.current {{ background: #ffe08a; font-weight: bold; }}
 #caption {{ font-size: 15px; margin: .4em 0; }}
</style></head>
<body>
<h2>{title}</h2>
<div id="controls">
 <button id="prev" title="previous step">&#9664;</button>
 <button id="play" title="play / pause">play</button>
 <button id="next" title="next step">&#9654;</button>
 <input id="slider" type="range" min="0" max="{last}" value="0">
 <span>step <b id="stepno">0</b> of {last}</span>
</div>
<div id="caption"></div>
<div id="main"><div id="picture"></div><div id="side">{table}</div></div>
<script type="application/json" id="replay-data">{data}</script>
<script>
const data = JSON.parse(document.getElementById("replay-data").textContent);
const frames = data.frames;
const captions = data.captions;
const last = {last};
let step = 0, timer = null;
const slider = document.getElementById("slider");
function show(k) {{
  step = Math.max(0, Math.min(last, k));
  document.getElementById("picture").innerHTML = frames[step];
  document.getElementById("caption").textContent = captions[step];
  document.getElementById("stepno").textContent = step;
  slider.value = step;
  document.querySelectorAll("tr.current").forEach(r => r.classList.remove("current"));
  const row = document.getElementById("step-" + step);
  if (row) {{ row.classList.add("current"); row.scrollIntoView({{block: "nearest"}}); }}
  document.body.dataset.step = step;
}}
function pause() {{
  clearInterval(timer); timer = null; document.getElementById("play").textContent = "play";
}}
function play() {{
  if (step >= last) show(0);
  document.getElementById("play").textContent = "pause";
  timer = setInterval(() => {{ if (step >= last) pause(); else show(step + 1); }}, {interval});
}}
document.getElementById("play").onclick = () => timer ? pause() : play();
document.getElementById("prev").onclick = () => {{ pause(); show(step - 1); }};
document.getElementById("next").onclick = () => {{ pause(); show(step + 1); }};
slider.oninput = () => {{ pause(); show(parseInt(slider.value, 10)); }};
document.addEventListener("keydown", e => {{
  if (e.key === "ArrowRight") {{ pause(); show(step + 1); }}
  if (e.key === "ArrowLeft") {{ pause(); show(step - 1); }}
  if (e.key === " ") {{ e.preventDefault(); timer ? pause() : play(); }}
}});
const params = new URLSearchParams(location.hash.slice(1));
show(parseInt(params.get("step") || "0", 10));
if (params.has("play")) play();
</script>
</body></html>
"""
