// The phone page: swap in the server-rendered status panel whenever the ticket changes.
// A WebSocket pushes each change; while it is down the page polls every 2 s.
(function () {
  "use strict";
  var app = document.getElementById("app");
  var panel = document.getElementById("panel");
  var conn = document.getElementById("conn");
  var connText = document.getElementById("conn-text");
  var text = JSON.parse(document.getElementById("phone-text").textContent);
  var token = app.getAttribute("data-token");
  var lang = app.getAttribute("data-lang");
  var base = "/api/v1/tickets/" + encodeURIComponent(token);
  var current = panel.innerHTML;
  var lastState = stateOf();
  var lastRecalls = -1;
  var socket = null;
  var retryMs = 500;
  var pollTimer = null;

  function stateOf() {
    var section = panel.querySelector("[data-state]");
    return section ? section.getAttribute("data-state") : "";
  }

  // this script checks the survey itself, naming what is missing; without it the browser's "required" does
  function takeOverForms() {
    var forms = panel.querySelectorAll("form");
    for (var i = 0; i < forms.length; i++) { forms[i].noValidate = true; }
  }

  function buzz() {
    if (navigator.vibrate) {
      try { navigator.vibrate([400, 200, 400, 200, 400]); } catch (e) { /* not allowed: no matter */ }
    }
  }

  function show(message) {
    var status = message.status || {};
    var called = status.state === "called";
    if (called && (lastState !== "called" || (status.recalls || 0) > lastRecalls)) {
      buzz();
    }
    lastRecalls = called ? (status.recalls || 0) : -1;
    if (message.html !== current) {
      // keep a half-filled survey: the panel of a finished ticket only changes once it is sent
      current = message.html;
      panel.innerHTML = message.html;
      takeOverForms();
    }
    lastState = stateOf();
    if (status.code) {
      document.title = status.state === "called" && status.counter_number
        ? status.code + " → " + status.counter_number : status.code;
    }
  }

  function online(ok) {
    conn.classList.toggle("offline", !ok);
    connText.textContent = ok ? text.live : text.offline;
  }

  function refresh() {
    return fetch("/t/" + encodeURIComponent(token) + "/panel?lang=" + lang, {cache: "no-store"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (message) { if (message) { show(message); } return message; });
  }

  function startPolling() {
    if (pollTimer === null) {
      pollTimer = setInterval(function () {
        refresh().then(function (m) { online(!!m); }, function () { online(false); });
      }, 2000);
    }
  }

  function stopPolling() {
    if (pollTimer !== null) { clearInterval(pollTimer); pollTimer = null; }
  }

  function connect() {
    if (!("WebSocket" in window)) { startPolling(); return; }
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + base + "/events?lang=" + lang);
    socket.onopen = function () { retryMs = 500; online(true); stopPolling(); };
    socket.onmessage = function (e) {
      var message;
      try { message = JSON.parse(e.data); } catch (err) { return; }
      if (message.type === "status") { show(message); }
    };
    socket.onclose = function (e) {
      socket = null;
      if (e.code === 4404) { location.reload(); return; }
      online(false);
      startPolling();
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 10000);
    };
  }

  function post(path, body) {
    return fetch(base + path + "?lang=" + lang, {
      method: "POST",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify(body || {})
    }).then(function (r) {
      return r.json().then(function (data) { return {status: r.status, data: data}; },
                           function () { return {status: r.status, data: {}}; });
    });
  }

  function formError(message) {
    var box = document.getElementById("survey-error");
    if (box) { box.textContent = message; box.hidden = false; }
  }

  panel.addEventListener("submit", function (e) {
    var form = e.target;
    var kind = form.getAttribute("data-form");
    if (!kind) { return; }
    e.preventDefault();
    var button = form.querySelector("button[type=submit]");
    if (button) { button.disabled = true; }
    var request;
    if (kind === "rejoin") {
      request = post("/rejoin");
    } else {
      var scores = [];
      var firstMissing = null;
      for (var i = 1; i <= 9; i++) {
        var checked = form.querySelector("input[name=u" + i + "]:checked");
        if (!checked) {
          var question = document.getElementById("u" + i);
          question.classList.add("missing");
          firstMissing = firstMissing || question;
        } else {
          scores.push(parseInt(checked.value, 10));
        }
      }
      if (firstMissing) {
        formError(text.survey_incomplete);
        firstMissing.scrollIntoView({block: "center"});
        if (button) { button.disabled = false; }
        return;
      }
      // the page's one-time survey token: the server takes a survey only with it
      var surveyToken = form.elements.survey_token ? form.elements.survey_token.value : "";
      request = post("/survey", {scores: scores, comment: form.elements.comment.value, survey_token: surveyToken});
    }
    request.then(function (answer) {
      // 409: taken already, or closed for this ticket: the fresh panel says so in plain words
      if (answer.status >= 200 && answer.status < 300 || answer.status === 409) {
        return refresh();
      }
      if (button) { button.disabled = false; }
      formError(answer.data.message || text.try_again);
    }, function () {
      if (button) { button.disabled = false; }
      formError(text.try_again);
    });
  });

  panel.addEventListener("change", function (e) {
    var question = e.target.closest && e.target.closest("fieldset.q");
    if (question) {
      question.classList.remove("missing");
      var box = document.getElementById("survey-error");
      if (box && !panel.querySelector("fieldset.q.missing")) { box.hidden = true; }
    }
  });

  takeOverForms();
  connect();
})();
