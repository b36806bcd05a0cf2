// The Graph view: a computation graph drawn once by Graphviz (on the server), every
// step computed here by the step player (player.js), leaf sliders in a drawer, and
// pan and zoom (svg-pan-zoom) that follow the current step, so the edge being explained
// is on screen at reading size, on a laptop and on a projector.
// ChainruleGraphView.create(root, send, state): root holds the elements (found by id
// inside it: the playground's document, or a notebook widget's element), send(msg) talks
// to whoever computes (the playground's server, the notebook's kernel), state is the
// page's shared state ({graph, step, picked, timer}). The projector class and the
// data-step attribute sit on the page's body, or on the widget's element.
"use strict";
const ChainruleGraphView = (() => {
  const READING_PX = { default: 15, projector: 26 };  // the text size a step is shown at

  function create(root, send, state) {
    const $ = id => root.querySelector("#" + id);
    const doc = root.ownerDocument || root;  // root: the document, or an element in it
    const host = root.body || root;  // where the projector class and data-step live
    const V = { zoom: null, overview: false, waiting: null };

    function load(msg) {
      if (V.zoom) V.zoom.destroy();
      V.zoom = null;  // the old picture's; a new one is made once this one is in place
      $("picture").innerHTML = msg.svg;
      $("expr").value = msg.expr;
      const svg = $("picture").querySelector("svg");
      svg.removeAttribute("width"); svg.removeAttribute("height");  // the box sizes it
      update(msg);
      state.graph.parts.forEach((p, i) => { if (p) p.g.addEventListener("click", () => { state.picked = i; nodeInfo(); }); });
      leaves(msg.leaves);
      V.overview = false;
      panZoom(svg);
      show(state.step);
    }
    // Pan and zoom need the picture's size: a hidden view (the other tab) gets them once
    // it is shown.
    function panZoom(svg) {
      const box = $("picture");
      if (V.waiting) V.waiting.disconnect();
      if (!box.clientWidth || !box.clientHeight) {
        V.waiting = new ResizeObserver(() => {
          if (box.clientWidth && box.clientHeight && svg.isConnected) { V.waiting.disconnect(); V.waiting = null; panZoom(svg); show(state.step); }
        });
        V.waiting.observe(box);
        return;
      }
      try {
        V.zoom = typeof svgPanZoom === "function" ? svgPanZoom(svg, {
          zoomScaleSensitivity: 0.3, minZoom: 0.05, maxZoom: 20, dblClickZoomEnabled: false, fit: true, center: true,
        }) : null;
      } catch (e) { V.zoom = null; }
      touch(svg);
    }
    // Touch: one finger pans, two pinch (svg-pan-zoom itself answers the mouse and the wheel).
    function touch(svg) {
      const down = new Map();
      let pinch = null;
      const spread = () => { const [a, b] = [...down.values()]; return Math.hypot(a.x - b.x, a.y - b.y); };
      svg.addEventListener("pointerdown", e => {
        if (e.pointerType !== "touch" || !V.zoom) return;
        down.set(e.pointerId, { x: e.clientX, y: e.clientY });
        pinch = down.size === 2 ? spread() : null;
      });
      svg.addEventListener("pointermove", e => {
        const last = down.get(e.pointerId); if (!last || !V.zoom) return;
        e.preventDefault();
        const now = { x: e.clientX, y: e.clientY };
        down.set(e.pointerId, now);
        if (down.size === 1) V.zoom.panBy({ x: now.x - last.x, y: now.y - last.y });
        else if (down.size === 2 && pinch) {
          const d = spread(), box = svg.getBoundingClientRect();
          V.zoom.zoomAtPointBy(d / pinch, { x: now.x - box.left, y: now.y - box.top });
          pinch = d;
        }
        V.overview = true;  // the reader took over: the next step brings the view back
      });
      const up = e => { down.delete(e.pointerId); pinch = down.size === 2 ? spread() : null; };
      svg.addEventListener("pointerup", up); svg.addEventListener("pointercancel", up);
      svg.style.touchAction = "none";
    }
    function update(msg) {
      state.graph = ChainrulePlayer.create(msg.data, $("picture"));
      state.graph.locals = msg.locals;
      $("g-slider").max = state.graph.last; $("g-last").textContent = state.graph.last;
      for (const leaf of msg.leaves) setField(leaf.name, leaf.value);
      show(Math.min(state.step, state.graph.last));
    }
    function setField(name, value) {
      root.querySelectorAll('#leaves input[data-leaf="' + CSS.escape(name) + '"]').forEach(f => {
        if (doc.activeElement !== f) f.value = value;
      });
    }
    function show(k) {
      const G = state.graph; if (!G) return;
      const moved = state.step !== Math.max(0, Math.min(G.last, k));
      state.step = Math.max(0, Math.min(G.last, k));
      G.show(state.step);
      $("caption").textContent = G.D.captions[state.step];
      $("g-step").textContent = state.step; $("g-slider").value = state.step;
      host.dataset.step = state.step;
      nodeInfo();
      if (moved) V.overview = false;  // a new step: the view follows it again
      if (!V.overview) follow();
    }
    // The font every value box is drawn in, in the SVG's own units (Graphviz points).
    function boxFont() {
      const sizes = [...$("picture").querySelectorAll("g.node text")].map(t => Number(t.getAttribute("font-size")) || 0).sort((a, b) => a - b);
      return sizes.length ? sizes[sizes.length >> 1] : 14;
    }
    // The middle of some elements in the picture's own coordinates (those the pan and
    // zoom transform maps to the screen): read from the drawing, never from the screen,
    // which svg-pan-zoom updates a frame later.
    function middle(elements) {
      const graph = $("picture").querySelector("svg g.graph") || $("picture").querySelector("svg g g");
      const m = graph.transform.baseVal.consolidate();
      const t = m ? m.matrix : { a: 1, d: 1, e: 0, f: 0 };
      const boxes = elements.map(e => e.getBBox());
      const x0 = Math.min(...boxes.map(b => b.x)), x1 = Math.max(...boxes.map(b => b.x + b.width));
      const y0 = Math.min(...boxes.map(b => b.y)), y1 = Math.max(...boxes.map(b => b.y + b.height));
      return { x: t.a * (x0 + x1) / 2 + t.e, y: t.d * (y0 + y1) / 2 + t.f, left: t.a * x0 + t.e, top: t.d * y0 + t.f };
    }
    // Zoom to reading size when the whole graph reads smaller than that, then bring the
    // current step's values to the middle (before the first step: where the flow starts).
    function follow() {
      const Z = V.zoom, box = $("picture");
      if (!Z || !box.clientWidth || !box.clientHeight) return;  // nothing to fit into (yet)
      Z.resize(); Z.fit(); Z.center();
      const want = READING_PX[host.classList.contains("projector") ? "projector" : "default"];
      const fitted = Z.getSizes().realZoom;
      if (boxFont() * fitted >= want) return;  // the whole graph reads: show it all
      Z.zoom(Z.getZoom() * want / (boxFont() * fitted));
      const size = Z.getSizes(), zoom = size.realZoom;
      const marked = [...$("picture").querySelectorAll("g.node.current, g.edge.current")];
      if (marked.length) {  // the middle of what the open drawer leaves in view
        const c = middle(marked), drawer = $("drawer");
        const open = drawer && drawer.classList.contains("open") ? drawer.offsetWidth : 0;
        Z.pan({ x: (size.width - open) / 2 - zoom * c.x, y: size.height / 2 - zoom * c.y });
      } else {
        const all = middle([...$("picture").querySelectorAll("g.node:not(.legend)")]);
        Z.pan({ x: 8 - zoom * all.left, y: 8 - zoom * all.top });
      }
    }
    function whole() {  // the "whole graph" key: everything in view until the next step
      if (!V.zoom || !$("picture").clientWidth) return;
      V.overview = true; V.zoom.resize(); V.zoom.fit(); V.zoom.center();
    }
    function nodeInfo() {
      const i = state.picked, G = state.graph, box = $("node-info");
      if (i === null || i < 0 || !G) { box.hidden = true; return; }
      const names = G.D.names, lines = [names[i] + " = " + G.fmt(G.values[i])];
      const parents = G.D.inputs[i] || [];
      (G.locals[i] || []).forEach((l, j) => {
        const p = parents[j];  // a constant's local derivative is no one's question
        if (p !== undefined && !G.D.constant[p]) lines.push("local " + ChainrulePlayer.partial(names[i], names[p]) + " = " + G.fmt(ChainrulePlayer.num(l)));
      });
      const s = G.sum(i, state.step);
      lines.push(s.head);
      if (s.seed !== null) lines.push("the seed: " + s.seed);
      lines.push(...s.lines.map(r => "+ " + r), "= " + s.total);
      box.querySelector("pre").textContent = lines.join("\n");
      box.hidden = false;
    }
    function leaves(list) {
      const box = $("leaves"); box.textContent = "";
      for (const leaf of list) {
        const label = doc.createElement("label");
        const name = doc.createElement("span"); name.textContent = leaf.name;
        const range = doc.createElement("input");
        Object.assign(range, { type: "range", min: -5, max: 5, step: 0.01, value: leaf.value });
        const field = doc.createElement("input");
        Object.assign(field, { type: "number", step: 0.01, value: leaf.value });
        range.dataset.leaf = field.dataset.leaf = leaf.name;
        const move = v => { const x = Number(v); if (isFinite(x)) { range.value = x; field.value = x; send({ type: "graph.leaf", name: leaf.name, value: x }); } };
        range.oninput = () => move(range.value); field.onchange = () => move(field.value);
        label.append(name, range, field); box.appendChild(label);
      }
    }
    function refused(msg) {  // a refused leaf value: the field shows the value in use again
      if (msg.leaf !== undefined && msg.value !== undefined) {
        root.querySelectorAll('#leaves input[data-leaf="' + CSS.escape(msg.leaf) + '"]').forEach(f => { f.value = msg.value; });
      }
    }
    function pause() { clearInterval(state.timer); state.timer = null; $("g-play").textContent = "play"; }
    function play() {
      if (state.step >= state.graph.last) show(0);
      $("g-play").textContent = "pause";
      state.timer = setInterval(() => { if (state.step >= state.graph.last) pause(); else show(state.step + 1); }, 900);
    }
    function yours() {  // the preset menu says the graph was typed (here or by the teacher), not a preset
      const menu = $("preset");
      let own = [...menu.options].find(o => o.value === "");
      if (!own) {
        own = new Option("your expression", "");
        own.disabled = own.hidden = true;  // shown as the choice, never chosen from the list
        menu.add(own, 0);
      }
      menu.value = "";
    }
    function wire() {
      $("preset").onchange = () => { state.step = 0; state.picked = null; send({ type: "graph.preset", name: $("preset").value }); };
      $("draw").onclick = () => {
        state.step = 0; state.picked = null; yours();
        send({ type: "graph.expr", text: $("expr").value });
      };
      $("expr").onkeydown = e => { if (e.key === "Enter") $("draw").onclick(); };
      $("g-prev").onclick = () => { pause(); show(state.step - 1); };
      $("g-next").onclick = () => { pause(); show(state.step + 1); };
      $("g-play").onclick = () => state.timer ? pause() : play();
      $("g-slider").oninput = () => { pause(); show(Number($("g-slider").value)); };
      $("g-whole").onclick = whole;
      const fold = $("g-collapse");  // each neuron as one node, or every value
      if (fold) fold.onchange = () => send({ type: "graph.collapse", collapse: fold.checked });
      $("g-leaves").onclick = () => {
        $("drawer").classList.toggle("open");
        $("g-leaves").setAttribute("aria-expanded", $("drawer").classList.contains("open"));
        if (!V.overview) follow();
      };
      $("node-close").onclick = () => { state.picked = null; nodeInfo(); };
      (root.body ? doc : root).addEventListener("keydown", e => {  // a widget: keys while it has focus
        // Keys step the picture unless they type into something (a text field, a menu,
        // the step slider); after a click on a checkbox (the projector switch) the arrows
        // still step and space still ticks the checkbox. After a click on a button, space
        // plays or pauses (as the play button's title says), not that button again.
        if ($("graph-view").hidden || typesKeys(e.target)) return;
        if (e.key === " " && e.target.tagName === "INPUT") return;
        if (e.key === "ArrowRight") { pause(); show(state.step + 1); }
        else if (e.key === "ArrowLeft") { pause(); show(state.step - 1); }
        else if (e.key === " ") { e.preventDefault(); state.timer ? pause() : play(); }
        else if (e.key === "w" || e.key === "0") whole();
        else if (e.key === "+" || e.key === "=") { if (V.zoom) V.zoom.zoomIn(); }
        else if (e.key === "-") { if (V.zoom) V.zoom.zoomOut(); }
      });
      doc.defaultView.addEventListener("resize", () => { if (V.zoom && !V.overview) follow(); else whole(); });
    }
    return { load, update, show, refused, wire, whole, follow, yours };
  }
  function typesKeys(el) {  // does this element use the arrow keys itself?
    return ["SELECT", "TEXTAREA"].includes(el.tagName)
      || (el.tagName === "INPUT" && !["checkbox", "radio", "button", "submit", "reset"].includes(el.type));
  }
  return { create, typesKeys };
})();
