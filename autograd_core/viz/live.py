"""``explain(y).live()``: the playground's Graph view inside a notebook, as a Jupyter
widget (anywidget, no server): a slider for every leaf recomputes the forward and the
backward pass in the kernel, with stepping, the click-a-value panel and the projector
switch, drawn by the same front-end as the playground and the replay page.

The picture is drawn once (its shape does not change with the numbers); a moved leaf
rebuilds the graph with the new number (``recompute``: every op applied again from the
op table, names kept) and sends only the numbers of every step.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ..value import Constant, Value, apply
from .draw import draw_graph
from .front_end import player_js
from .names import is_constant

WIDGET_JS = """
function render({ model, el }) {
  el.classList.add("chainrule-live");
  el.tabIndex = 0;
  el.innerHTML = `
<div id="graph-view">
 <div class="row">
  <span hidden><select id="preset"></select><input id="expr"><button id="draw"></button></span>
  <button id="g-prev" title="previous step (left arrow)" aria-label="previous step">&#9664;</button>
  <button id="g-play" title="play / pause (space)">play</button>
  <button id="g-next" title="next step (right arrow)" aria-label="next step">&#9654;</button>
  <input id="g-slider" type="range" min="0" max="0" value="0" aria-label="step">
  <span>step <b id="g-step">0</b> of <span id="g-last">0</span></span>
  <button id="g-whole" title="the whole graph (w)">whole graph</button>
  <button id="g-leaves" aria-expanded="true">leaves</button>
  <label title="draw each neuron act(w·x+b) as one node">
   <input type="checkbox" id="g-collapse"> neurons</label>
  <label><input type="checkbox" id="projector"> projector</label>
 </div>
 <div id="error" role="alert"></div>
 <div id="caption"></div>
 <div id="g-main">
  <div id="picture"></div>
  <aside id="drawer" class="open"><div id="leaves"></div></aside>
  <div id="node-info" hidden><button id="node-close" aria-label="close">&times;</button><pre></pre></div>
 </div>
</div>`;
  const state = { graph: null, step: 0, timer: null, picked: null };
  const view = ChainruleGraphView.create(el, msg => model.send(msg), state);
  const message = () => ({ svg: model.get("svg"), expr: "", data: model.get("data"),
                           leaves: model.get("leaves"), locals: model.get("locals") });
  view.wire();
  // Jupyter may render the widget before its output area is laid out: the picture is
  // loaded (and pan and zoom measured) once the element has a size.
  let loaded = false;
  const start = () => {
    const box = el.querySelector("#picture");
    if (!loaded && box.clientWidth > 0 && box.clientHeight > 0) { loaded = true; view.load(message()); }
  };
  const seen = new ResizeObserver(start);
  seen.observe(el);
  start();
  model.on("change:svg", () => { if (loaded) view.load(message()); });
  model.on("change:data", () => { if (loaded) view.update(message()); });
  model.on("msg:custom", msg => {
    el.querySelector("#error").textContent = msg.type === "error" ? msg.message : "";
    if (msg.type === "error") view.refused(msg);
  });
  const projector = el.querySelector("#projector");
  projector.checked = model.get("projector");
  el.classList.toggle("projector", projector.checked);
  projector.onchange = () => {
    el.classList.toggle("projector", projector.checked);
    model.set("projector", projector.checked); model.save_changes();
  };
  return () => seen.disconnect();
}
export default { render };
"""

WIDGET_CSS = """
.chainrule-live { font-family: Helvetica, Arial, sans-serif; font-size: 15px; color: #111; outline: none; }
.chainrule-live.projector { font-size: 24px; }
.chainrule-live .row { display: flex; gap: .5em; align-items: center; flex-wrap: wrap; margin: .2em 0; }
.chainrule-live button, .chainrule-live input { font-size: 1em; }
.chainrule-live #error { color: #a00; font-weight: bold; min-height: 1.2em; }
.chainrule-live #caption { font-weight: bold; min-height: 1.3em; margin: .2em 0; }
.chainrule-live #g-main { position: relative; height: 480px; border: 1px solid #ccd; overflow: hidden; }
.chainrule-live.projector #g-main { height: 620px; }
.chainrule-live #picture { position: absolute; inset: 0; overflow: hidden; }
/* JupyterLab sizes output SVGs (height: auto); this one fills its box, pan and zoom inside */
.chainrule-live #picture svg { width: 100% !important; height: 100% !important; max-width: none !important;
  display: block; }
.chainrule-live #drawer { position: absolute; top: 0; right: 0; bottom: 0; width: 20em; max-width: 55%;
  overflow: auto; background: rgba(255, 255, 255, .96); border-left: 2px solid #99a; padding: .4em;
  transform: translateX(105%); transition: transform .2s; }
.chainrule-live #drawer.open { transform: none; }
.chainrule-live #leaves label { display: grid; grid-template-columns: 4em 1fr 5em; gap: .4em;
  align-items: center; }
.chainrule-live #node-info { position: absolute; left: .4em; bottom: .4em; max-width: 60%; max-height: 55%;
  overflow: auto; background: rgba(255, 255, 255, .96); border: 2px solid #111; padding: .3em .6em; }
.chainrule-live #node-info pre { margin: 0; white-space: pre-wrap; font-family: inherit; }
.chainrule-live #node-close { float: right; border: none; background: none; cursor: pointer; }
.chainrule-live g.node { cursor: pointer; }
.chainrule-live g.node.pending { opacity: .3; }
.chainrule-live .stepping g.node:not(.current):not(.legend), .chainrule-live .stepping g.edge:not(.current) {
  opacity: .22; }
.chainrule-live g.node.current polygon, .chainrule-live g.node.current ellipse,
.chainrule-live g.node.current path, .chainrule-live g.edge.current path { stroke: #111; stroke-width: 5px; }
.chainrule-live g.edge.current polygon { stroke: #111; fill: #111; }
"""


def recompute(order: list[Value], values: Mapping[int, float]) -> dict[int, Value]:
    """The graph of ``order`` (a topological order) built again with the leaves whose id
    is in ``values`` set to those numbers: every op applied again from the op table, each
    value keeping its label. A domain error (log of a negative number) raises
    ``DomainError``. Returns old id -> new value."""
    new: dict[int, Value] = {}
    for n in order:
        if n.is_leaf:
            number = values.get(id(n), n.data)
            new[id(n)] = Constant(number) if isinstance(n, Constant) else Value(number, n.label)
        else:
            v = apply(n.op_entry, *(new[id(p)] for p in n.parents))
            v.label = n.label
            new[id(n)] = v
    return new


class LiveGraph:
    """The state behind one live widget: the graph's values, its leaves by name, and
    what the front-end needs for a step (``numbers``). Kept apart from the widget class
    so it works (and is tested) without Jupyter."""

    def __init__(self, replay: Any) -> None:
        self.order = replay.order
        self.names = replay.names
        self.leaves = {self.names[id(n)]: n for n in self.order if n.is_leaf and not is_constant(n)}
        self.values = {name: n.data for name, n in self.leaves.items()}
        self.replay = replay

    def set_leaf(self, name: str, value: Any) -> None:
        """Move one leaf: the forward and backward pass again (ValueError if refused)."""
        if name not in self.leaves:
            raise ValueError(f"no leaf called {name!r}")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValueError(f"{name} takes a finite number, got {value!r:.40}")
        values = {**self.values, name: float(value)}
        new = recompute(self.order, {id(n): values[k] for k, n in self.leaves.items()})
        root = new[id(self.replay.root)]
        # the same kind of replay, of the new graph (no import: a replay knows its class)
        self.replay = type(self.replay)(root, self.replay.seed, forward=bool(self.replay.forward_steps))
        self.values = values

    def picture(self, projector: bool, collapse: bool = False) -> str:
        """The picture's SVG, drawn once (the numbers of step 0; the page fills in the
        rest); ``collapse``: each neuron as one node."""
        r, theme = self.replay, "projector" if projector else "default"
        svg = draw_graph(r.root, color_by="grad", names=r.names, number_format=r.number, theme=theme,
                         grads=r.grads_after(0), collapse=collapse).svg()  # fmt: skip
        return svg[svg.index("<svg") :]

    def numbers(self) -> dict[str, Any]:
        """Every step's numbers, the leaves and the local derivatives, for the front-end."""
        locals_ = [[x if math.isfinite(x) else str(x) for x in n.local_grads] for n in self.replay.order]
        leaves = [{"name": k, "value": v} for k, v in self.values.items()]
        return {"data": self.replay.page_data(), "leaves": leaves, "locals": locals_}


def live_widget(replay: Any) -> Any:
    """The widget for ``replay`` (needs anywidget: ``pip install 'chainrule[notebooks]'``)."""
    try:
        import anywidget
        import traitlets
    except ImportError:
        raise ImportError("the live graph needs anywidget: pip install 'chainrule[notebooks]'") from None

    class LiveGraphWidget(anywidget.AnyWidget):
        """The Graph view in a notebook: leaf sliders recompute in the kernel."""

        _esm = player_js() + "\n;\n" + WIDGET_JS
        _css = WIDGET_CSS
        svg = traitlets.Unicode("").tag(sync=True)
        data = traitlets.Dict().tag(sync=True)
        leaves: Any = traitlets.List().tag(sync=True)
        locals: Any = traitlets.List().tag(sync=True)
        projector = traitlets.Bool(False).tag(sync=True)
        collapse = traitlets.Bool(False).tag(sync=True)

        def __init__(self, state: LiveGraph) -> None:
            super().__init__()
            self.state = state
            self._show(redraw=True)
            self.on_msg(self._message)
            self.observe(lambda _: self._show(redraw=True), names=["projector", "collapse"])

        def _show(self, redraw: bool) -> None:
            numbers = self.state.numbers()
            with self.hold_sync():
                self.leaves, self.locals = numbers["leaves"], numbers["locals"]
                if redraw:
                    self.svg = self.state.picture(self.projector, self.collapse)
                self.data = numbers["data"]

        def _message(self, _: Any, content: Any, buffers: Any) -> None:
            if isinstance(content, dict) and content.get("type") == "graph.collapse":
                self.collapse = bool(content.get("collapse"))
                return
            if not isinstance(content, dict) or content.get("type") != "graph.leaf":
                return
            name, value = content.get("name"), content.get("value")
            try:
                self.state.set_leaf(str(name), value)
            except ValueError as exc:  # DomainError is one: log of a negative number, ...
                kept = self.state.values.get(str(name))
                self.send({"type": "error", "message": f"{name} = {value} is refused: {exc}", "leaf": name,
                           "value": kept})  # fmt: skip
                return
            self.send({"type": "ok"})
            self._show(redraw=False)

    return LiveGraphWidget(LiveGraph(replay))
