// The Train view: the server trains, this script draws each update: the network with
// every hidden neuron's output over the plane (its map), the output over the plane (the
// boundary), the loss plot and the gradients. Every figure takes its size from the page
// (style.css: --fig grows with the window and the projector switch) and is drawn again
// when that size changes. Needs player.js (ChainrulePlayer.num); uses app.js's send,
// state and error at run time.
"use strict";
const TrainView = (() => {
  const byId = id => document.getElementById(id);
  const num = x => ChainrulePlayer.num(x);
  // One diverging scale for every picture: -1 orange, 0 white, +1 blue (class 0, unsure,
  // class 1; or a regression's value). Fills: the plane and the maps; points: darker,
  // with a rim. Luminance contrast (WCAG): fills 2.85:1, points 3.06:1.
  const COLORS = { neg: "#f6a03c", mid: "#f4f4f4", pos: "#1f64b0", negPoint: "#d96a00", posPoint: "#0b3d7a" };
  const FEATURES = { "x1": "x1", "x2": "x2", "x1^2": "x1²", "x2^2": "x2²", "x1*x2": "x1·x2",
                     "sin(x1)": "sin x1", "sin(x2)": "sin x2" };
  const FEATURE_FN = { "x1": (a, b) => a, "x2": (a, b) => b, "x1^2": (a, b) => a * a, "x2^2": (a, b) => b * b,
                       "x1*x2": (a, b) => a * b, "sin(x1)": a => Math.sin(a), "sin(x2)": (a, b) => Math.sin(b) };
  const rgb = hex => [1, 3, 5].map(i => parseInt(hex.slice(i, i + 2), 16));
  const NEG = rgb(COLORS.neg), MID = rgb(COLORS.mid), POS = rgb(COLORS.pos);
  const V = { shape: "", picked: null, boundaryImage: null, lines: [] };

  function colour(v) {  // v in [-1, 1] -> [r, g, b]
    v = Math.max(-1, Math.min(1, Number.isFinite(v) ? v : 0));
    const end = v < 0 ? NEG : POS, t = Math.abs(v);
    return [0, 1, 2].map(k => Math.round(MID[k] + (end[k] - MID[k]) * t));
  }
  const css = c => "rgb(" + c.join(",") + ")";
  function paint(c, n, value) {  // c as n x n pixels, value(row from the bottom, column) in [-1, 1]
    if (c.width !== n || c.height !== n) { c.width = n; c.height = n; }
    const ctx = c.getContext("2d"), img = ctx.createImageData(n, n);
    for (let r = 0; r < n; r++) for (let q = 0; q < n; q++) {
      const k = ((n - 1 - r) * n + q) * 4, [R, G, B] = colour(value(r, q));
      img.data[k] = R; img.data[k + 1] = G; img.data[k + 2] = B; img.data[k + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
    return c;
  }
  const image = (n, value) => paint(document.createElement("canvas"), n, value);
  function fit(canvas) {  // the canvas's pixels to its size on the page; drawing in CSS pixels
    const r = canvas.getBoundingClientRect(), dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(r.width * dpr)), h = Math.max(1, Math.round(r.height * dpr));
    if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
    const ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0); ctx.clearRect(0, 0, r.width, r.height);
    return { ctx, w: r.width, h: r.height };
  }
  const fontPx = () => Math.round(0.8 * parseFloat(getComputedStyle(document.body).fontSize));
  function ticks(lo, hi, count) {  // round numbers from lo to hi, about count of them
    const raw = (hi - lo || 1) / count, mag = 10 ** Math.floor(Math.log10(raw)), f = raw / mag;
    const step = (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag, digits = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
    const out = [];
    for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) out.push({ v, text: v.toFixed(digits) });
    return out;
  }
  function halo(ctx, text, x, y) { ctx.strokeStyle = "rgba(255,255,255,.85)"; ctx.lineWidth = 3; ctx.strokeText(text, x, y); ctx.fillStyle = "#111"; ctx.fillText(text, x, y); }

  // ---- the config the controls say
  function config() {
    const hidden = byId("t-hidden").value.split(",").map(s => s.trim()).filter(Boolean).map(Number);
    const batch = byId("t-batch").value.trim();
    const features = [...document.querySelectorAll("#t-features input:checked")].map(e => e.value);
    return { data: byId("t-data").value, noise: Number(byId("t-noise").value), points: Number(byId("t-points").value),
             test_share: Number(byId("t-test").value), hidden, activation: byId("t-act").value, optimizer: byId("t-opt").value,
             lr: Number(byId("t-lr").value), batch_size: batch ? Number(batch) : null,
             l1: Number(byId("t-l1").value), l2: Number(byId("t-l2").value), features };
  }

  // ---- one update
  function draw(msg) {
    // An update sends what changed: the data set only after a config, the history's rows
    // from msg.history_from on (0: the whole history), msg.latest the newest epoch's numbers.
    const old = state.train || {}, from = msg.history_from || 0;
    const H = {};
    for (const key of Object.keys(msg.history)) H[key] = (from && old.history ? old.history[key].slice(0, from) : []).concat(msg.history[key]);
    msg = Object.assign({}, msg, { history: H, train: msg.train || old.train, test: msg.test || old.test });
    state.train = msg;
    byId("t-epoch").textContent = msg.epoch;
    document.body.dataset.epoch = msg.epoch;
    const now = performance.now(); state.ticks.push(now); state.ticks = state.ticks.filter(t => now - t < 2000);
    if (state.playing) byId("t-rate").textContent = typeof msg.rate === "number"  // the server's figure: its share of 2 cores
      ? msg.rate.toFixed(1) + " of " + msg.rate_goal + " updates/s" + (msg.sharing > 1 ? " (" + msg.sharing + " tabs training)" : "")
      : (state.ticks.length / 2).toFixed(1) + " updates/s";
    const last = H.loss.length - 1, latest = msg.latest || (last >= 0 ? { loss: H.loss[last], val_loss: H.val_loss[last], val_accuracy: H.val_accuracy[last] } : null);
    const regression = msg.task === "regression";
    byId("t-loss-train").textContent = latest ? num(latest.loss).toFixed(4) : "–";
    byId("t-loss-test").textContent = latest ? num(latest.val_loss).toFixed(4) : "–";
    byId("t-acc").textContent = latest && !regression ? "test accuracy " + (100 * num(latest.val_accuracy)).toFixed(1) + "%" : "";
    if (latest) { document.body.dataset.loss = num(latest.loss); document.body.dataset.firstLoss = num(H.loss[0]); }
    redraw();
  }
  function redraw() {
    const msg = state.train;
    if (!msg || byId("train-view").hidden) return;
    legend(msg); drawBoundary(msg); drawCurves(msg); drawBars(msg); drawNetwork(msg);
  }

  // ---- the output over the plane, and the points
  function drawBoundary(msg) {
    const { ctx, w, h } = fit(byId("boundary")), G = msg.grid, n = G.n, regression = msg.task === "regression";
    const p = G.p.map(num), small = image(n, (r, q) => regression ? p[r * n + q] : 2 * p[r * n + q] - 1);
    V.boundaryImage = small;
    ctx.imageSmoothingEnabled = true; ctx.imageSmoothingQuality = "high";
    ctx.drawImage(small, 0.5, 0.5, n - 1, n - 1, 0, 0, w, h);  // grid point i at i/(n-1) of the width: smooth
    const X = x => (x - G.x[0]) / (G.x[1] - G.x[0]) * w, Y = y => h - (y - G.y[0]) / (G.y[1] - G.y[0]) * h;
    if (!regression) contour(ctx, p, n, w, h);
    const rad = Math.max(3, w / 110);
    const dots = (set, rim) => set.X.forEach((x, i) => {
      ctx.beginPath(); ctx.arc(X(x[0]), Y(x[1]), rad, 0, 2 * Math.PI);
      ctx.fillStyle = regression ? css(colour(num(set.y[i]))) : set.y[i] ? COLORS.posPoint : COLORS.negPoint;
      ctx.fill(); ctx.strokeStyle = rim; ctx.lineWidth = Math.max(1.2, rad / 3); ctx.stroke();
    });
    dots(msg.train, regression ? "#555" : "#fff"); dots(msg.test, "#111");
    const f = fontPx(); ctx.font = f + "px sans-serif";  // the axes' values, inside the plot
    ctx.textBaseline = "bottom"; ctx.textAlign = "center";
    ticks(G.x[0], G.x[1], 4).forEach(t => { if (X(t.v) > f * 2 && X(t.v) < w - f * 2) halo(ctx, t.text, X(t.v), h - 2); });
    ctx.textAlign = "left"; ctx.textBaseline = "middle";
    ticks(G.y[0], G.y[1], 4).forEach(t => { if (Y(t.v) > f * 2 && Y(t.v) < h - f * 2) halo(ctx, t.text, 3, Y(t.v)); });
    ctx.font = "bold " + f + "px sans-serif"; ctx.textAlign = "right"; ctx.textBaseline = "bottom"; halo(ctx, "x1", w - 4, h - 2);
    ctx.textAlign = "left"; ctx.textBaseline = "top"; halo(ctx, "x2", 4, 3);
  }
  function contour(ctx, p, n, w, h) {  // the line where p = 0.5 (marching squares)
    const px = q => q / (n - 1) * w, py = r => h - r / (n - 1) * h;
    ctx.beginPath();
    for (let r = 0; r < n - 1; r++) for (let q = 0; q < n - 1; q++) {
      const c = [[r, q], [r, q + 1], [r + 1, q + 1], [r + 1, q]], v = c.map(([a, b]) => p[a * n + b] - 0.5), cut = [];
      for (let e = 0; e < 4; e++) {
        const a = v[e], b = v[(e + 1) % 4];
        if ((a < 0) !== (b < 0)) {
          const t = a / (a - b), [r0, q0] = c[e], [r1, q1] = c[(e + 1) % 4];
          cut.push([px(q0 + t * (q1 - q0)), py(r0 + t * (r1 - r0))]);
        }
      }
      for (let k = 0; k + 1 < cut.length; k += 2) { ctx.moveTo(...cut[k]); ctx.lineTo(...cut[k + 1]); }
    }
    ctx.strokeStyle = "rgba(20,20,20,.55)"; ctx.lineWidth = 1.5; ctx.stroke();
  }
  function legend(msg) {
    const regression = msg.task === "regression", el = byId("t-legend");
    if (el.dataset.task === msg.task) return;
    el.dataset.task = msg.task;
    const sw = (cls, c) => '<span class="swatch ' + cls + '" style="background:' + c + '"></span>';
    el.innerHTML = '<div class="scale"><span>' + (regression ? "−1" : "class 0") + "</span>" + sw("neg", COLORS.neg) +
      '<span class="bar" style="background:linear-gradient(90deg,' + COLORS.neg + "," + COLORS.mid + "," + COLORS.pos + ')"></span>' +
      sw("pos", COLORS.pos) + "<span>" + (regression ? "+1" : "class 1") + "</span></div><p>" + (regression
        ? "Colour: the network's prediction over the plane, from −1 (orange) through 0 (white) to +1 (blue); each point is coloured by its target. Loss: mean squared error."
        : "Colour: the network's probability of class 1 (orange: class 0, blue: class 1), paler where it is less sure; the line is p = 0.5.") +
      " Training points: " + (regression ? "grey" : "white") + " rim; test points: black rim.</p>";
  }

  // ---- the loss plot, with its axes also in the page's text (#curves-axes)
  function drawCurves(msg) {
    const canvas = byId("curves"), { ctx, w, h } = fit(canvas), H = msg.history, every = msg.history_every || 1;
    const a = H.loss.map(num), b = H.val_loss.map(num), all = a.concat(b).filter(Number.isFinite);
    const f = fontPx(), lastEpoch = Math.max(msg.epoch, 10);
    const ymax = all.length ? Math.max(...all) : 1, yt = ticks(0, ymax * 1.02, 4), xt = ticks(0, lastEpoch, 5);
    const top = yt[yt.length - 1].v >= ymax ? yt[yt.length - 1].v : ymax;
    ctx.font = f + "px sans-serif";
    const left = 8 + Math.max(...yt.map(t => ctx.measureText(t.text).width)), bottom = f * 2.4, head = f * 1.8, right = 10;
    const X = e => left + e / lastEpoch * (w - left - right), Y = v => h - bottom - v / top * (h - bottom - head);
    ctx.strokeStyle = "#ddd"; ctx.lineWidth = 1; ctx.fillStyle = "#111";
    ctx.textAlign = "right"; ctx.textBaseline = "middle";
    yt.forEach(t => { ctx.beginPath(); ctx.moveTo(left, Y(t.v)); ctx.lineTo(w - right, Y(t.v)); ctx.stroke(); ctx.fillText(t.text, left - 4, Y(t.v)); });
    ctx.textAlign = "center"; ctx.textBaseline = "top";
    xt.forEach(t => ctx.fillText(t.text, X(t.v), h - bottom + 4));
    ctx.fillText("epoch", (left + w - right) / 2, h - f * 1.15);
    ctx.strokeStyle = "#333"; ctx.lineWidth = 1.5; ctx.beginPath();
    ctx.moveTo(left, head - 4); ctx.lineTo(left, h - bottom); ctx.lineTo(w - right, h - bottom); ctx.stroke();
    const series = [[a, "#222", [], "training"], [b, "#8e24aa", [7, 5], "test"]];
    series.forEach(([ys, c, dash]) => {
      ctx.beginPath(); ctx.strokeStyle = c; ctx.lineWidth = 2.5; ctx.setLineDash(dash);
      let on = false;
      ys.forEach((y, i) => { if (!Number.isFinite(y)) { on = false; return; } const px = X(i * every + 1), py = Y(y); on ? ctx.lineTo(px, py) : ctx.moveTo(px, py); on = true; });
      ctx.stroke(); ctx.setLineDash([]);
    });
    ctx.textAlign = "left"; ctx.textBaseline = "middle"; let x = left + 6;  // the legend, with the latest numbers
    series.forEach(([ys, c, dash, name]) => {
      const v = ys.length ? ys[ys.length - 1] : NaN, text = name + " " + (Number.isFinite(v) ? v.toFixed(3) : "–");
      ctx.strokeStyle = c; ctx.lineWidth = 2.5; ctx.setLineDash(dash); ctx.beginPath(); ctx.moveTo(x, f * 0.8); ctx.lineTo(x + f * 1.6, f * 0.8); ctx.stroke(); ctx.setLineDash([]);
      ctx.fillStyle = "#111"; ctx.fillText(text, x + f * 2, f * 0.8); x += f * 3 + ctx.measureText(text).width;
    });
    const name = msg.loss_name === "mse" ? "mean squared error" : "cross-entropy";
    canvas.setAttribute("aria-label", "loss (" + name + ") by epoch: training " + (a.length ? a[a.length - 1].toFixed(4) : "–") + ", test " + (b.length ? b[b.length - 1].toFixed(4) : "–"));
    byId("curves-axes").innerHTML = "<span>loss (" + name + ") axis:</span> " + yt.map(t => '<span class="y-tick">' + t.text + "</span>").join(" ") +
      " <span>epoch axis:</span> " + xt.map(t => '<span class="x-tick">' + t.text + "</span>").join(" ");
  }

  // ---- mean |gradient| per layer, on a log axis
  function drawBars(msg) {
    const { ctx, w, h } = fit(byId("gradbars")), g = msg.grads.map(num), f = fontPx(), L = g.length;
    const lo = -8, hi = 1, left = f * 2.6, bottom = f * 1.4, top = f * 0.7;
    const Y = e => h - bottom - (Math.max(lo, Math.min(hi, e)) - lo) / (hi - lo) * (h - bottom - top);
    ctx.font = f + "px sans-serif"; ctx.fillStyle = "#111"; ctx.textAlign = "right"; ctx.textBaseline = "middle"; ctx.strokeStyle = "#ddd";
    for (let e = lo; e <= hi; e += 3) { ctx.fillText("1e" + e, left - 4, Y(e)); ctx.beginPath(); ctx.moveTo(left, Y(e)); ctx.lineTo(w, Y(e)); ctx.stroke(); }
    const bw = (w - left) / Math.max(L, 1), wide = bw > ctx.measureText("layer 0 (out)").width + 6;
    g.forEach((v, i) => {
      const e = v > 0 ? Math.log10(v) : lo, x = left + i * bw + bw * 0.15;
      ctx.fillStyle = "#555"; ctx.fillRect(x, Y(e), bw * 0.7, h - bottom - Y(e));
      ctx.fillStyle = "#111"; ctx.textAlign = "center"; ctx.textBaseline = "top";
      ctx.fillText(wide ? "layer " + (i + 1) + (i === L - 1 ? " (out)" : "") : i === L - 1 ? "out" : String(i + 1), x + bw * 0.35, h - bottom + 2);
      if (v > 0) { ctx.textBaseline = "bottom"; ctx.fillText(v.toExponential(0), x + bw * 0.35, Y(e) - 1); }
    });
  }

  // ---- the network: inputs, each hidden neuron's map, the output; weights by sign and size
  function drawNetwork(msg) {
    const svg = byId("network"), box = svg.getBoundingClientRect();
    const key = [msg.config.features.join(), msg.weights.map(l => l.length).join(), msg.grid.x, msg.grid.y, Math.round(box.width), Math.round(box.height), fontPx()].join("|");
    if (key !== V.shape) { build(msg, svg, box.width, box.height); V.shape = key; }
    const wmax = Math.max(1e-9, ...msg.weights.flat(2).map(Math.abs));
    for (const [e, l, j, i] of V.lines) {
      const w = msg.weights[l][j][i];
      e.setAttribute("stroke", w >= 0 ? COLORS.pos : COLORS.negPoint);
      e.setAttribute("stroke-width", (0.4 + 5 * Math.abs(w) / wmax).toFixed(2));
    }
    const bytes = atob(msg.maps.data), n = msg.maps.n;  // each map: n x n pixels, scaled up smoothly by CSS
    let at = 0;
    svg.querySelectorAll("canvas.neuron-map").forEach(c => {
      const start = at; at += n * n;
      paint(c, n, (r, q) => bytes.charCodeAt(start + r * n + q) / 127.5 - 1);
    });
    const out = svg.querySelector("canvas.output-map"), small = V.boundaryImage;
    if (out && small) { out.width = small.width; out.height = small.height; out.getContext("2d").drawImage(small, 0, 0); }
    svg.querySelectorAll("g.unit[data-layer]").forEach(g => g.classList.toggle("picked", !!V.picked &&
      Number(g.dataset.layer) === V.picked[0] && Number(g.dataset.index) === V.picked[1]));
  }
  function el(parent, name, attrs, text) {
    const e = document.createElementNS(byId("network").namespaceURI, name);  // the SVG namespace
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    parent.appendChild(e); return e;
  }
  function mapBox(g, cls, cx, cy, m) {  // a canvas in the diagram, m x m, centred on (cx, cy)
    const box = el(g, "foreignObject", { x: cx - m / 2, y: cy - m / 2, width: m, height: m }), c = document.createElement("canvas");
    c.className = cls; box.appendChild(c); return c;
  }
  function build(msg, svg, W, H) {
    svg.setAttribute("viewBox", "0 0 " + W + " " + H); svg.textContent = "";
    const feats = msg.config.features, sizes = [feats.length, ...msg.weights.map(l => l.length)], L = sizes.length;
    const f = fontPx(), head = f * 1.7, labelW = f * 3.2;
    const m = Math.min(72, (H - head - 4) / Math.max(...sizes) * 0.8, (W - labelW) / (L * 1.9));
    const right = Math.max(m / 2, f * 2.3) + 2, gap = (W - labelW - m / 2 - right) / (L - 1), wide = gap >= f * 4.2;
    const x = l => labelW + m / 2 + l * gap, y = (l, j) => head + (j + 0.5) * (H - head) / sizes[l];
    for (let l = 0; l < L; l++) el(svg, "text", { x: x(l), y: f, "text-anchor": "middle", class: "layer-name" },
      l ? (wide ? "layer " : "") + l : wide ? "inputs" : "in");
    const links = el(svg, "g", { class: "links" }), hits = el(svg, "g", { class: "hits" });
    V.lines = [];
    msg.weights.forEach((layer, l) => layer.forEach((ws, j) => ws.forEach((w, i) => {
      const at = { x1: x(l) + m / 2, y1: y(l, i), x2: x(l + 1) - m / 2, y2: y(l + 1, j), "data-l": l, "data-j": j, "data-i": i };
      V.lines.push([el(links, "line", Object.assign({ class: "weight" }, at)), l, j, i]);
      el(hits, "line", Object.assign({ class: "weight-hit" }, at));
    })));
    const G = msg.grid;
    feats.forEach((name, i) => {  // the inputs: each feature over the plane, scaled to [-1, 1]
      const g = el(svg, "g", { class: "unit input" }), fn = FEATURE_FN[name], k = 24;
      const at = (r, q) => fn(G.x[0] + q / (k - 1) * (G.x[1] - G.x[0]), G.y[0] + r / (k - 1) * (G.y[1] - G.y[0]));
      let big = 1e-9; for (let r = 0; r < k; r++) for (let q = 0; q < k; q++) big = Math.max(big, Math.abs(at(r, q)));
      paint(mapBox(g, "feature-map", x(0), y(0, i), m), k, (r, q) => at(r, q) / big);
      el(g, "rect", { class: "frame", x: x(0) - m / 2, y: y(0, i) - m / 2, width: m, height: m });
      el(g, "text", { x: x(0) - m / 2 - 4, y: y(0, i), "text-anchor": "end", "dominant-baseline": "middle" }, FEATURES[name]);
    });
    for (let l = 1; l < L; l++) for (let j = 0; j < sizes[l]; j++) {
      const g = el(svg, "g", { class: "unit" + (l === L - 1 ? " output" : ""), "data-layer": l - 1, "data-index": j });
      mapBox(g, l === L - 1 ? "output-map" : "neuron-map", x(l), y(l, j), m);
      el(g, "rect", { class: "frame", x: x(l) - m / 2, y: y(l, j) - m / 2, width: m, height: m });
      el(g, "circle", { class: "hit", cx: x(l), cy: y(l, j), r: m * 0.5, fill: "transparent", "data-layer": l - 1, "data-index": j });
    }
    el(svg, "text", { x: x(L - 1), y: y(L - 1, 0) + m / 2 + f * 1.1, "text-anchor": "middle", class: "layer-name" }, "output");
  }
  function tip(e) {  // hovering a weight (or a neuron) shows its value
    const t = byId("t-tip"), msg = state.train, line = e.target.closest("line.weight-hit"), unit = e.target.closest("g.unit[data-layer]");
    let text = "";
    if (msg && line) {
      const l = Number(line.dataset.l), j = line.dataset.j, i = line.dataset.i, w = msg.weights[l][j][i];
      const from = l ? "a[" + l + "][" + i + "]" : FEATURES[msg.config.features[i]];
      text = "w[" + (l + 1) + "][" + j + "," + i + "] = " + w.toFixed(4) + "  (" + from + " → neuron " + j + " of layer " + (l + 1) + ")";
    } else if (msg && unit) {
      const l = Number(unit.dataset.layer), j = Number(unit.dataset.index);
      text = "layer " + (l + 1) + ", neuron " + j + ": bias b[" + (l + 1) + "][" + j + "] = " + msg.biases[l][j].toFixed(4) + " (click: its graph)";
    }
    t.hidden = !text; t.textContent = text;
    if (text) { t.style.left = Math.min(e.clientX + 14, innerWidth - t.offsetWidth - 8) + "px"; t.style.top = (e.clientY + 16) + "px"; }
    svgHover(line);
  }
  function svgHover(line) {
    byId("network").querySelectorAll("line.weight.hover").forEach(e => e.classList.remove("hover"));
    if (line) byId("network").querySelector('line.weight[data-l="' + line.dataset.l + '"][data-j="' + line.dataset.j + '"][data-i="' + line.dataset.i + '"]').classList.add("hover");
  }
  function pick(e) {  // clicking a neuron: marked in the diagram, its graph below, in view
    const unit = e.target.closest("g.unit[data-layer]");
    if (!unit) return;
    V.picked = [Number(unit.dataset.layer), Number(unit.dataset.index)];
    byId("network").querySelectorAll("g.unit[data-layer]").forEach(g => g.classList.toggle("picked", g === unit));
    send({ type: "train.neuron", layer: V.picked[0], index: V.picked[1] });
  }
  function neuron(msg) {
    const L = msg.layer + 1, out = state.train && msg.layer === state.train.weights.length - 1;
    const box = byId("neuron");
    box.innerHTML = "<h3>layer " + L + (out ? " (output)" : "") + ", neuron " + msg.index + (out ? "" : ": a[" + L + "][" + msg.index + "]") +
      ", its graph for the first training point, coloured by d loss / d value</h3>" + msg.svg;
    box.scrollIntoView({ block: "start" });
  }

  // ---- wiring
  function wire() {
    byId("t-play").onclick = () => send({ type: state.playing ? "train.pause" : "train.play" });
    byId("t-step").onclick = () => send({ type: "train.step" });
    byId("t-reset").onclick = () => send({ type: "train.config", config: config() });
    document.querySelectorAll("#train-view .controls input, #train-view .controls select").forEach(e =>
      e.addEventListener("change", () => send({ type: "train.config", config: config() })));
    document.querySelectorAll("#t-features input").forEach(e => e.addEventListener("change", () => {
      if (!document.querySelector("#t-features input:checked")) { e.checked = true; error("the network needs at least one input feature"); return; }
      send({ type: "train.config", config: config() });
    }));
    const svg = byId("network");
    svg.addEventListener("mousemove", tip);
    svg.addEventListener("mouseleave", () => { byId("t-tip").hidden = true; svgHover(null); });
    svg.addEventListener("click", pick);
    let pending = 0;  // the figures follow their size: the window, the projector switch
    new ResizeObserver(() => { cancelAnimationFrame(pending); pending = requestAnimationFrame(redraw); }).observe(byId("t-main"));
    document.querySelectorAll("#t-features canvas.feature-map").forEach(c => {
      const fn = FEATURE_FN[c.dataset.feature], k = 16, span = 2.5;  // over [-2.5, 2.5]^2, scaled to [-1, 1]
      const at = (r, q) => fn(-span + 2 * span * q / (k - 1), -span + 2 * span * r / (k - 1));
      let big = 1e-9; for (let r = 0; r < k; r++) for (let q = 0; q < k; q++) big = Math.max(big, Math.abs(at(r, q)));
      const small = image(k, (r, q) => at(r, q) / big), ctx = c.getContext("2d");
      c.width = c.height = 32; ctx.imageSmoothingEnabled = true; ctx.drawImage(small, 0.5, 0.5, k - 1, k - 1, 0, 0, 32, 32);
    });
  }
  return { COLORS, config, draw, redraw, neuron, wire, colour };
})();
// The names app.js calls.
const trainConfig = TrainView.config;
const drawTrain = TrainView.draw;
