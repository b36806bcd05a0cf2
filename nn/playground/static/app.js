// The playground page: it draws what the server sends and sends what the user does.
// One WebSocket per tab; every message is a JSON object with a "type".
"use strict";
const $ = id => document.getElementById(id);
const state = { graph: null, step: 0, timer: null, picked: null, playing: false, ticks: [] };
let ws = null;

function connect() {
  ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws");
  ws.onopen = () => {
    $("status").textContent = "connected";
    const params = new URLSearchParams(location.hash.slice(1));
    $("preset").value = params.get("preset") || "neuron";
    send({ type: "graph.preset", name: $("preset").value });
    if (params.get("view") === "train") showView("train");
  };
  ws.onclose = () => { $("status").textContent = "disconnected: reload the page"; };
  ws.onmessage = e => receive(JSON.parse(e.data));
}
function send(msg) { if (ws && ws.readyState === 1) ws.send(JSON.stringify(msg)); }
function error(text) { $("error").textContent = text || ""; }

function receive(msg) {
  if (msg.type === "error") { error(msg.message); graphView.refused(msg); return; }
  error("");
  if (msg.type === "graph") graphView.load(msg);
  else if (msg.type === "graph.values") graphView.update(msg);
  else if (msg.type === "train") drawTrain(msg);
  else if (msg.type === "playing") { state.playing = msg.playing; $("t-play").textContent = msg.playing ? "pause" : "play"; }
  else if (msg.type === "neuron") $("neuron").innerHTML = "<h3>layer " + msg.layer + ", neuron " + msg.index +
    ": d loss / d value for the first training point</h3>" + msg.svg;
}

// ---- Graph view (graph.js): the picture drawn once by the server, each step computed
// here by the same player core as the replay page (autograd_core/viz/player.js).
const graphView = ChainruleGraphView.create(document, msg => send(msg), state);
const num = ChainrulePlayer.num;

// ---- Train view: the server trains; the page draws boundary, curves, network, gradients.
function trainConfig() {
  const hidden = $("t-hidden").value.split(",").map(s => s.trim()).filter(Boolean).map(Number);
  const batch = $("t-batch").value.trim();
  return { data: $("t-data").value, noise: Number($("t-noise").value), points: Number($("t-points").value),
           test_share: Number($("t-test").value), hidden, activation: $("t-act").value, optimizer: $("t-opt").value,
           lr: Number($("t-lr").value), batch_size: batch ? Number(batch) : null,
           l1: Number($("t-l1").value), l2: Number($("t-l2").value) };
}
function drawTrain(msg) {
  // An update sends what changed: the data set only after a config, the history's rows
  // from msg.history_from on (0: the whole history), msg.latest the newest epoch's numbers.
  const old = state.train || {}, from = msg.history_from || 0;
  const H = {};
  for (const key of Object.keys(msg.history)) H[key] = (from && old.history ? old.history[key].slice(0, from) : []).concat(msg.history[key]);
  msg = Object.assign({}, msg, { history: H, train: msg.train || old.train, test: msg.test || old.test });
  state.train = msg;
  $("t-epoch").textContent = msg.epoch;
  document.body.dataset.epoch = msg.epoch;
  const now = performance.now(); state.ticks.push(now); state.ticks = state.ticks.filter(t => now - t < 2000);
  if (state.playing) $("t-rate").textContent = typeof msg.rate === "number"  // the server's figure: its share of 2 cores
    ? msg.rate.toFixed(1) + " of " + msg.rate_goal + " updates/s" + (msg.sharing > 1 ? " (" + msg.sharing + " tabs training)" : "")
    : (state.ticks.length / 2).toFixed(1) + " updates/s";
  const last = H.loss.length - 1, latest = msg.latest || (last >= 0 ? { loss: H.loss[last], val_accuracy: H.val_accuracy[last] } : null);
  if (latest) {
    $("t-acc").textContent = "loss " + num(latest.loss).toFixed(4) + ", test accuracy " + (100 * num(latest.val_accuracy)).toFixed(1) + "%";
    document.body.dataset.loss = num(latest.loss); document.body.dataset.firstLoss = num(H.loss[0]);
  }
  drawBoundary(msg); drawCurves(H); drawBars(msg.grads); drawNetwork(msg);
}
function drawBoundary(msg) {
  const c = $("boundary"), ctx = c.getContext("2d"), G = msg.grid, cell = c.width / G.n;
  for (let r = 0; r < G.n; r++) for (let q = 0; q < G.n; q++) {
    const p = G.p[r * G.n + q];
    ctx.fillStyle = "rgb(" + Math.round(255 - 60 * p) + "," + Math.round(200 - 40 * Math.abs(p - 0.5)) + "," + Math.round(195 + 60 * p) + ")";
    ctx.fillRect(q * cell, c.height - (r + 1) * cell, cell + 1, cell + 1);
  }
  const at = v => (v - G.lo) / (G.hi - G.lo) * c.width;
  const dots = (set, ring) => set.X.forEach((x, i) => {
    ctx.beginPath(); ctx.arc(at(x[0]), c.height - at(x[1]), 3.2, 0, 2 * Math.PI);
    const colour = set.y[i] ? "#1f4fb4" : "#d05a0e";
    if (ring) { ctx.strokeStyle = colour; ctx.lineWidth = 1.6; ctx.stroke(); } else { ctx.fillStyle = colour; ctx.fill(); }
  });
  dots(msg.train, false); dots(msg.test, true);
}
function drawCurves(H) {
  const c = $("curves"), ctx = c.getContext("2d"); ctx.clearRect(0, 0, c.width, c.height);
  const a = H.loss.map(num), b = H.val_loss.map(num), all = a.concat(b).filter(isFinite);
  if (!all.length) return;
  const hi = Math.max(...all) * 1.05, n = Math.max(a.length, 2);
  ctx.strokeStyle = "#999"; ctx.strokeRect(0, 0, c.width, c.height);
  [[a, "#1f77b4"], [b, "#ff7f0e"]].forEach(([ys, colour]) => {
    ctx.beginPath(); ctx.strokeStyle = colour; ctx.lineWidth = 2;
    ys.forEach((y, i) => { const px = i / (n - 1) * c.width, py = c.height - y / hi * c.height; i ? ctx.lineTo(px, py) : ctx.moveTo(px, py); });
    ctx.stroke();
  });
}
function drawBars(grads) {
  const c = $("gradbars"), ctx = c.getContext("2d"); ctx.clearRect(0, 0, c.width, c.height);
  const w = c.width / Math.max(grads.length, 1);
  grads.map(num).forEach((g, i) => {
    const h = g > 0 ? Math.min(1, Math.max(0, (Math.log10(g) + 8) / 9)) * (c.height - 16) : 0;
    ctx.fillStyle = "#1f77b4"; ctx.fillRect(i * w + 6, c.height - 14 - h, w - 12, h);
    ctx.fillStyle = "#111"; ctx.fillText("layer " + (i + 1) + (g > 0 ? " 1e" + Math.round(Math.log10(g)) : ""), i * w + 6, c.height - 2);
  });
}
function drawNetwork(msg) {
  const svg = $("network"), W = 420, H = 360, sizes = [2, ...msg.weights.map(l => l.length)];
  const x = l => 30 + l * (W - 60) / (sizes.length - 1), y = (l, j) => (j + 1) * H / (sizes[l] + 1);
  const wmax = Math.max(1e-9, ...msg.weights.flat(2).map(Math.abs));
  let out = "";
  msg.weights.forEach((layer, l) => layer.forEach((ws, j) => ws.forEach((w, i) => {
    out += '<line x1="' + x(l) + '" y1="' + y(l, i) + '" x2="' + x(l + 1) + '" y2="' + y(l + 1, j) +
      '" stroke="' + (w >= 0 ? "#1f77b4" : "#ff7f0e") + '" stroke-width="' + (0.4 + 4 * Math.abs(w) / wmax).toFixed(2) + '"/>';
  })));
  sizes.forEach((n, l) => { for (let j = 0; j < n; j++) {
    const b = l ? msg.biases[l - 1][j] : null;
    out += '<circle cx="' + x(l) + '" cy="' + y(l, j) + '" r="13" fill="' + (l ? "#d6e8f7" : "#eee") + '" stroke="#333"' +
      (l ? ' data-layer="' + (l - 1) + '" data-index="' + j + '"' : "") + '><title>' + (l ? "bias " + b.toFixed(3) : "x" + j) + '</title></circle>';
  } });
  svg.innerHTML = out;
  svg.querySelectorAll("circle[data-layer]").forEach(c => c.addEventListener("click", () =>
    send({ type: "train.neuron", layer: Number(c.dataset.layer), index: Number(c.dataset.index) })));
}

// ---- wiring
function showView(name) {
  $("graph-view").hidden = name !== "graph"; $("train-view").hidden = name !== "train";
  $("tab-graph").classList.toggle("on", name === "graph"); $("tab-train").classList.toggle("on", name === "train");
  document.body.dataset.view = name;
  if (name === "train" && !state.train) send({ type: "train.config", config: trainConfig() });
}
$("tab-graph").onclick = () => showView("graph");
$("tab-train").onclick = () => showView("train");
$("projector").onchange = () => { document.body.classList.toggle("projector", $("projector").checked);
  send({ type: "graph.theme", projector: $("projector").checked }); };  // the step is kept
graphView.wire();
$("t-play").onclick = () => send({ type: state.playing ? "train.pause" : "train.play" });
$("t-step").onclick = () => send({ type: "train.step" });
$("t-reset").onclick = () => send({ type: "train.config", config: trainConfig() });
document.querySelectorAll(".controls input, .controls select").forEach(e =>
  e.addEventListener("change", () => send({ type: "train.config", config: trainConfig() })));
connect();
