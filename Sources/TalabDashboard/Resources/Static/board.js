// The live board: Server-Sent Events say an order was placed or moved; the columns are fetched
// again as HTML. A visible warning while the connection is lost; the browser's EventSource
// reconnects by itself and sends Last-Event-ID. A sound repeats while an order waits in New.
(function () {
  "use strict";
  var board = document.querySelector(".board");
  if (!board) { return; }
  var columns = document.getElementById("columns");
  var connection = document.getElementById("connection");
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var known = {};
  var audio = null;

  function beep() {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var oscillator = audio.createOscillator();
      var gain = audio.createGain();
      oscillator.frequency.value = 880;
      gain.gain.setValueAtTime(0.25, audio.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.6);
      oscillator.connect(gain);
      gain.connect(audio.destination);
      oscillator.start();
      oscillator.stop(audio.currentTime + 0.6);
    } catch (e) { /* no audio: the flashing ticket still shows it */ }
  }
  document.getElementById("test-sound").addEventListener("click", beep);

  function pad(n) { return n < 10 ? "0" + n : String(n); }
  function tick() {
    var now = Date.now();
    columns.querySelectorAll(".ticket").forEach(function (ticket) {
      var since = Date.parse(ticket.dataset.since);
      var prep = Number(ticket.dataset.prep) * 1000;
      if (isNaN(since)) { return; }
      var age = Math.max(0, now - since);
      var minutes = Math.floor(age / 60000);
      ticket.querySelector(".timer").textContent = minutes + ":" + pad(Math.floor(age / 1000) % 60);
      ticket.classList.toggle("red", prep > 0 && age > prep);
      ticket.classList.toggle("amber", prep > 0 && age > prep * 0.75 && age <= prep);
    });
  }

  function remember(fresh) {
    columns.querySelectorAll(".ticket").forEach(function (ticket) {
      var id = ticket.dataset.order;
      if (fresh && !known[id]) { ticket.classList.add("fresh"); }
      known[id] = true;
    });
  }

  function refresh(fresh) {
    return fetch(board.dataset.columns, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (response.status === 401) { window.location = "/dashboard/sign-in"; return null; }
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (html === null) { return; }
        columns.innerHTML = html;
        remember(fresh);
        tick();
      });
  }

  columns.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList.contains("move")) { return; }
    event.preventDefault();
    var body = {};
    new FormData(form).forEach(function (value, key) { if (key !== "_csrf" && value !== "") { body[key] = value; } });
    if (body.preparation_minutes) { body.preparation_minutes = Number(body.preparation_minutes); }
    var id = form.closest(".ticket").dataset.order;
    form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    fetch("/api/v1/orders/" + id + "/status", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body)
    }).then(function () { return refresh(false); });
  });

  function connect() {
    var source = new EventSource(board.dataset.events);
    source.onopen = function () {
      connection.textContent = connection.dataset.live;
      connection.classList.remove("lost");
      connection.classList.add("live");
    };
    source.onerror = function () {
      connection.textContent = connection.dataset.lost;
      connection.classList.add("lost");
      connection.classList.remove("live");
    };
    source.addEventListener("reset", function () { refresh(true); });
    source.addEventListener("order", function (event) {
      var data = JSON.parse(event.data);
      if (data.status === "pending") { beep(); }
      refresh(true);
    });
  }

  // The sound repeats every 20 s while an order waits in New, until someone acts.
  setInterval(function () {
    if (columns.querySelector('.ticket[data-status="pending"]')) { beep(); }
  }, 20000);
  remember(false);
  tick();
  setInterval(tick, 1000);
  connect();
})();
