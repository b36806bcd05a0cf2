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
  if (window.roomHooks && window.roomHooks.receive(msg)) return;  // the classroom's own (room.js)
  if (msg.type === "error") { error(msg.message); graphView.refused(msg); return; }
  error("");
  if (msg.type === "graph") graphView.load(msg);
  else if (msg.type === "graph.values") graphView.update(msg);
  else if (msg.type === "train") drawTrain(msg);
  else if (msg.type === "playing") { state.playing = msg.playing; $("t-play").textContent = msg.playing ? "pause" : "play"; }
  else if (msg.type === "neuron") TrainView.neuron(msg);
}

// ---- Graph view (graph.js): the picture drawn once by the server, each step computed
// here by the same player core as the replay page (autograd_core/viz/player.js).
const graphView = ChainruleGraphView.create(document, msg => send(msg), state);
const num = ChainrulePlayer.num;

// ---- Train view (train.js): the server trains; the page draws network, boundary, loss, gradients.

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
TrainView.wire();
connect();
