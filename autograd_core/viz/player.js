// The step player's core, shared by the replay page (inlined) and the playground (served):
// a picture drawn once by Graphviz, and every step computed from the numbers of
// Replay.page_data(). The numbers print as NumberFormat prints them and the fills are
// GradColors' (autograd_core/viz/colors.py): the same picture as frame(k) draws.
"use strict";
const ChainrulePlayer = (() => {
  const num = x => typeof x === "string" ? Number(x.replace("inf", "Infinity")) : x;

  function fmt(x, scientific) {
    if (!isFinite(x)) return isNaN(x) ? "nan" : (x > 0 ? "inf" : "-inf");
    if (!scientific) return x.toFixed(4);
    const [m, e] = x.toExponential(3).split("e");
    return m + "e" + Number(e);
  }
  function hls(h, l, s) {  // colorsys.hls_to_rgb, as "#rrggbb"
    const v = l <= 0.5 ? l * (1 + s) : l + s - l * s, m = 2 * l - v;
    const f = t => { t = ((t % 1) + 1) % 1;
      if (t < 1 / 6) return m + (v - m) * t * 6; if (t < 0.5) return v;
      if (t < 2 / 3) return m + (v - m) * (2 / 3 - t) * 6; return m; };
    return "#" + [f(h + 1 / 3), f(h), f(h - 1 / 3)].map(c => Math.round(c * 255).toString(16).padStart(2, "0")).join("");
  }
  function colour(g, S) {
    if (!isFinite(g)) return "#ff00ff";
    if (g === 0) return "#ffffff";
    const t = Math.min(Math.max((Math.log10(Math.abs(g)) - S.lo) / (S.hi - S.lo), 0), 1);
    return hls(g > 0 ? S.pos : S.neg, 0.93 - 0.55 * t, 0.85);
  }

  // d top / d bottom with compound names in brackets (names.derivative in Python):
  // "∂(w·x+b)/∂b", never "dw·x+b/db".
  const ATOM = /^[\p{L}\p{N}_.#'′]+(\[[\p{L}\p{N}_,.\s]*\])*$/u;
  const bracket = name => ATOM.test(name) ? name : "(" + name + ")";
  const partial = (top, bottom) => "∂" + bracket(top) + "/∂" + bracket(bottom);

  // One replay on one picture: find each value's box (SVG title v<k>, its op op<k>, k the
  // value's place in D.names), its texts and fill; then show step k.
  function create(D, picture) {
    const P = { D, values: D.data.map(num), steps: D.steps.map(s => [s[0], s[1], num(s[2])]),
                F: D.forward.length, last: D.captions.length - 1, boxes: {}, edges: {} };
    picture.querySelectorAll("g.node").forEach(g => {
      const t = g.querySelector("title"); if (!t) return;
      P.boxes[t.textContent] = g;
      if (t.textContent.startsWith("legend_")) g.classList.add("legend");  // never dimmed
    });
    picture.querySelectorAll("g.edge").forEach(g => { const t = g.querySelector("title"); if (t) P.edges[t.textContent] = g; });
    P.parts = D.names.map((name, i) => {
      const g = P.boxes["v" + i]; if (!g || D.constant[i]) return null;
      // the name comes first and may itself start with "data " or "grad ": the fields are the last such lines
      const texts = [...g.querySelectorAll("text")], last = w => texts.filter(t => t.textContent.startsWith(w)).pop();
      return { g, op: P.boxes["op" + i], grad: last("grad "), data: last("data "),
               fills: [...g.querySelectorAll("polygon")].filter(p => (p.getAttribute("fill") || "none") !== "none") };
    });
    P.fmt = x => fmt(x, D.scientific);
    P.gradsAt = k => gradsAt(P, k);
    P.show = k => { paint(P, k); mark(P, picture, k); };
    P.sum = (i, k) => contributions(P, i, k);
    return P;
  }
  function gradsAt(P, k) {  // every value's gradient after step k (Replay.grads_after)
    const g = new Array(P.values.length).fill(0);
    if (k >= P.F) g[P.D.root] = P.D.seed;
    for (let j = 0; j < k - P.F; j++) g[P.steps[j][1]] += P.steps[j][2];
    return g;
  }
  function paint(P, k) {
    const g = gradsAt(P, k), pending = new Set(P.D.forward.slice(Math.min(k, P.F)));
    P.parts.forEach((p, i) => {
      if (!p) return;
      p.g.classList.toggle("pending", pending.has(i));
      if (p.grad) p.grad.textContent = "grad " + P.fmt(g[i]);
      if (p.data) p.data.textContent = "data " + (pending.has(i) ? "?" : P.fmt(P.values[i]));
      p.fills.forEach(f => f.setAttribute("fill", colour(g[i], P.D.scale)));
    });
  }
  function mark(P, picture, k) {  // the value (and op, input, edge) of step k; the rest dimmed
    picture.querySelectorAll(".current").forEach(e => e.classList.remove("current"));
    picture.classList.toggle("stepping", k > 0);
    const on = i => { const p = P.parts[i]; if (p) { p.g.classList.add("current"); if (p.op) p.op.classList.add("current"); } };
    if (k === 0 && P.F === 0) on(P.D.root);
    else if (k > 0 && k <= P.F) on(P.D.forward[k - 1]);
    else if (k > P.F) {
      const [node, input] = P.steps[k - P.F - 1];
      on(node); if (P.parts[input]) P.parts[input].g.classList.add("current");
      const e = P.edges["v" + input + "->op" + node]; if (e) e.classList.add("current");
    }
  }
  function contributions(P, i, k) {  // Replay.contributions(v), as it stands at step k
    const lines = [], names = P.D.names;
    for (let j = 0; j < Math.max(0, k - P.F); j++) if (P.steps[j][1] === i)
      lines.push("from " + names[P.steps[j][0]] + " (step " + (P.F + j + 1) + "): " + P.fmt(P.steps[j][2]));
    const seeded = i === P.D.root && k >= P.F;
    const head = "grad[" + names[i] + "]" +
      (lines.length > 1 ? " adds up one contribution per consumer (the += of the chain rule):" : ":");
    return { head, seed: seeded ? P.fmt(P.D.seed) : null, lines,
             total: P.fmt(seeded ? P.D.seed : gradsAt(P, k)[i]) + (k < P.last ? "  (so far, at step " + k + ")" : "") };
  }
  return { num, fmt, colour, create, partial };
})();
