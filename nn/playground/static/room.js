// The classroom (nn/playground/rooms.py): /teach leads a room, /join/<code> follows it.
// Loaded after app.js, whose ws, send, state, graphView and $ it uses; app.js hands it
// every message first (roomHooks.receive returns true for the room's own). On any other
// address this script does nothing.
//   teacher: room.open; then room.step (the Graph view's step, read off body[data-step])
//            and room.ask; gets room.opened and room.class (the students, the answers).
//   student: room.join, room.follow {on}, room.answer; gets room.joined, room.state (the
//            teacher's step and projector: its own session loads the teacher's graph),
//            room.question, room.verdict (its own answer only) and room.ended.
"use strict";
window.roomHooks = (() => {
  const joining = location.pathname.match(/^\/join\/([^/]+)$/);
  const teacher = location.pathname === "/teach";
  if (!teacher && !joining) return null;
  const body = document.body;
  const R = { open: false, joined: false, following: false, want: null, sent: null, timer: null, qid: null };
  const link = document.createElement("link");
  Object.assign(link, { rel: "stylesheet", href: "/static/room.css" });
  document.head.appendChild(link);
  const bar = document.createElement("div");
  bar.id = "room";
  bar.innerHTML = teacher
    ? '<span class="room-line"><span>room <b id="room-code">...</b></span>' +
      '<span>students open <b id="room-address"></b></span><span id="room-students">0 students</span>' +
      '<span class="gap"></span><select id="room-exercise" aria-label="exercise"></select>' +
      '<button id="room-ask">ask the room</button></span>' +
      '<span class="room-line" id="room-results" hidden><span id="room-question"></span>' +
      '<span class="room-counts"><b id="room-count">0</b> <span id="room-count-word">answers</span>, ' +
      '<b id="room-right">0</b> right</span>' +
      '<span id="room-histogram"></span><span id="room-named"></span></span>'
    : '<span class="room-line"><span>class <b id="room-code">...</b></span><span id="room-mode">joining...</span>' +
      '<button id="room-explore" hidden>explore on my own</button><button id="room-follow" hidden>follow the teacher</button>' +
      '<span id="room-retry" hidden><input id="room-join-code" size="8" aria-label="room code" placeholder="code">' +
      '<button id="room-join">join</button></span></span>' +
      '<span class="room-line" id="room-quiz" hidden><span id="room-question"></span>' +
      '<input id="room-answer" size="10" inputmode="decimal" placeholder="your answer" aria-label="your answer">' +
      '<input id="room-name" size="12" placeholder="name (optional)" aria-label="your name (optional)">' +
      '<button id="room-send">answer</button><span id="room-verdict"></span></span>';
  document.querySelector("header").after(bar);
  const code = teacher ? "" : decodeURIComponent(joining[1]);
  const hello = () => send(teacher ? { type: "room.open" } : { type: "room.join", code });
  if (ws.readyState === WebSocket.OPEN) hello(); else ws.addEventListener("open", hello);  // open before this loaded?

  // ---- the teacher: the step goes to the room as the Graph view shows it
  function stepped() {  // at most one room.step every 60 ms (a dragged slider moves faster)
    if (R.timer) return;
    R.timer = setTimeout(() => {
      R.timer = null;
      const step = Number(body.dataset.step);
      if (R.open && Number.isInteger(step) && step !== R.sent) { R.sent = step; send({ type: "room.step", step }); }
    }, 60);
  }
  function opened(msg) {
    R.open = true; body.dataset.room = "teacher";
    $("room-code").textContent = msg.code;
    $("room-address").textContent = msg.join.join(" or ");
    const select = $("room-exercise"); select.textContent = "";
    for (const e of msg.exercises) {
      const o = document.createElement("option"); o.value = e.id; o.textContent = e.id; o.title = e.question; select.appendChild(o);
    }
    R.sent = null; stepped();
  }
  function tally(msg) {
    const n = msg.students;
    $("room-students").textContent = n + (n === 1 ? " student" : " students") + (n ? ", " + msg.following + " following" : "");
    $("room-results").hidden = !msg.question;
    if (!msg.question) return;
    $("room-question").textContent = msg.question.exercise + ": " + msg.question.question;
    $("room-question").title = msg.question.question;
    $("room-count").textContent = msg.answers; $("room-right").textContent = msg.right;
    $("room-count-word").textContent = msg.answers === 1 ? "answer" : "answers";
    body.dataset.answers = msg.answers; body.dataset.right = msg.right;
    const most = Math.max(1, ...msg.bins.map(b => b.count)), hist = $("room-histogram");
    hist.textContent = "";
    for (const b of msg.bins) {
      const bar = document.createElement("span"); bar.className = "room-bar";
      bar.title = b.label + ": " + b.count + " (" + b.right + " right)";
      const fill = document.createElement("span"); fill.className = "room-fill" + (b.right ? " right" : "");
      fill.style.height = (100 * b.count / most) + "%"; fill.textContent = b.count;
      const label = document.createElement("span"); label.className = "room-label"; label.textContent = b.label;
      bar.append(fill, label); hist.appendChild(bar);
    }
    $("room-named").textContent = msg.named.map(a => a.name + " " + (a.ok ? "✓" : "✗")).join(", ");
  }
  if (teacher) {
    new MutationObserver(stepped).observe(body, { attributes: true, attributeFilter: ["data-step"] });
    $("room-ask").onclick = () => send({ type: "room.ask", exercise: $("room-exercise").value });
  }

  // ---- a student: follow the teacher, or explore alone
  const CONTROLS = ["preset", "expr", "draw", "g-prev", "g-play", "g-next", "g-slider", "projector"];
  function lock() {  // while following, the Graph view's controls are the teacher's
    for (const id of CONTROLS) $(id).disabled = R.following;
    document.querySelectorAll("#leaves input").forEach(f => { f.disabled = R.following; });
  }
  function apply() {  // show the teacher's step in the graph this page has now
    lock();
    if (!R.following || R.want === null || !state.graph) return;
    if (state.timer) { clearInterval(state.timer); state.timer = null; $("g-play").textContent = "play"; }
    if (state.step !== R.want) graphView.show(R.want);
  }
  function mode(text, following) {
    R.following = following;
    body.dataset.room = text === "ended" ? "ended" : following ? "following" : "exploring";
    $("room-mode").textContent = text === "ended" ? "the class has ended: you explore on your own"
      : following ? "following the teacher" : "exploring on your own";
    $("room-explore").hidden = !R.joined || !following; $("room-follow").hidden = !R.joined || following;
    lock();
  }
  function followed(msg) {
    if (msg.following) {
      R.want = msg.step;
      if ($("projector").checked !== msg.projector) { $("projector").checked = msg.projector; body.classList.toggle("projector", msg.projector); }
      if (msg.preset) $("preset").value = msg.preset;
      else graphView.yours();  // the teacher typed it: the menu says so, not the last preset
    }
    mode("", msg.following);
    apply();
  }
  function question(q) {
    R.qid = q ? q.qid : null;
    $("room-quiz").hidden = !q;
    if (!q) return;
    $("room-question").textContent = q.question;
    $("room-answer").value = ""; $("room-verdict").textContent = ""; $("room-verdict").className = "";
  }
  function answer() {
    const value = Number($("room-answer").value.trim().replace(",", "."));
    const say = text => { $("room-verdict").textContent = text; $("room-verdict").className = ""; };
    if (!$("room-answer").value.trim() || !isFinite(value)) return say("type one number");
    if (Math.abs(value) > 1e12) return say("type a number no larger than 1e12");  // the server's bound
    say("");  // the verdict comes back from the server
    send({ type: "room.answer", value, name: $("room-name").value.trim() });
  }
  if (!teacher) {
    $("room-code").textContent = code;
    $("room-explore").onclick = () => send({ type: "room.follow", on: false });
    $("room-follow").onclick = () => send({ type: "room.follow", on: true });
    $("room-send").onclick = answer;
    $("room-answer").onkeydown = e => { if (e.key === "Enter") answer(); };
    $("room-join").onclick = () => send({ type: "room.join", code: $("room-join-code").value });
    window.addEventListener("keydown", e => {  // the arrow keys and space step the teacher's graph, not this one
      const typing = ChainruleGraphView.typesKeys(e.target);
      const presses = e.key === " " && e.target.tagName === "INPUT";  // space ticks a checkbox
      if (R.following && ["ArrowLeft", "ArrowRight", " "].includes(e.key) && !typing && !presses) {
        e.stopImmediatePropagation(); e.preventDefault();
      }
    }, true);
  }

  function receive(msg) {
    const t = msg.type;
    if (t === "graph" || t === "graph.values") { if (R.following) queueMicrotask(apply); return false; }
    if (t === "error") {
      if (!teacher && !R.joined && /code|room/.test(msg.message)) { $("room-mode").textContent = msg.message; $("room-retry").hidden = false; }
      return false;
    }
    if (!t.startsWith("room.")) return false;
    if (t === "room.opened") opened(msg);
    else if (t === "room.class") tally(msg);
    else if (t === "room.joined") {
      R.joined = true; $("room-retry").hidden = true; $("room-code").textContent = msg.code; question(msg.question);
    }
    else if (t === "room.state") followed(msg);
    else if (t === "room.question") question(msg.question);
    else if (t === "room.verdict" && msg.qid === R.qid) {
      $("room-verdict").textContent = msg.message; $("room-verdict").className = msg.ok ? "right" : "wrong";
    }
    else if (t === "room.ended") {
      if (teacher) { R.open = false; $("room-code").textContent = "closed"; }
      else { R.joined = false; mode("ended", false); $("room-explore").hidden = $("room-follow").hidden = true; }
    }
    error("");
    return true;
  }
  return { receive };
})();
