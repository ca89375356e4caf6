/* Drill pages: start a run from the library; the controller console (polls every 3 s). */
(function () {
  "use strict";
  var EEC = window.EEC;

  function el(tag, cls, text) {
    var n = document.createElement(tag);
    if (cls) { n.className = cls; }
    if (text != null) { n.textContent = String(text); }
    return n;
  }
  EEC.drillEl = el;
  function errorText(body, status) {
    var e = body && body.error;
    if (!e) { return "HTTP " + status; }
    var msg = EEC.lang === "en" ? e.message_en : e.message_zh;
    (e.problems || []).forEach(function (p) {
      msg += "; " + (p.path || p.field || "") + " " + (EEC.lang === "en" ? p.message_en : p.message_zh);
    });
    return msg;
  }
  function showMsg(text, bad) {
    var el = document.getElementById("drill-msg");
    if (!el) { return; }
    el.hidden = !text;
    el.textContent = text || "";
    el.style.background = bad ? "#fdecea" : "";
  }
  function post(url, body) {
    return EEC.fetch(url, {method: "POST", headers: {"Content-Type": "application/json"},
                           body: JSON.stringify(body || {})})
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (b) {
          if (!r.ok) { throw new Error(errorText(b, r.status)); }
          return b;
        });
      });
  }

  /* ---------------------------------------------------------------- /drills */
  var lib = document.getElementById("drills");
  if (lib) {
    lib.querySelectorAll(".drill-start-form").forEach(function (form) {
      form.addEventListener("submit", function (ev) {
        ev.preventDefault();
        var btn = form.querySelector("button");
        btn.disabled = true;
        post(lib.dataset.api, {scenario_id: form.dataset.scenario, speed: form.speed.value})
          .then(function (state) {
            window.location.href = lib.dataset.console.replace(/\/0$/, "/" + state.id);
          })
          .catch(function (err) { btn.disabled = false; showMsg(err.message, true); });
      });
    });
    return;
  }

  /* ---------------------------------------------------------------- console */
  var root = document.getElementById("drill");
  if (!root) { return; }
  var api = root.dataset.api;
  var canRun = root.dataset.canRun === "1";
  var M = JSON.parse(document.getElementById("drill-i18n").textContent);
  var state = JSON.parse(document.getElementById("drill-state").textContent);
  var reportShown = false;
  var busy = false;

  function m(key, fallback) { return M[key] || fallback || key; }
  function setText(id, text) { var el = document.getElementById(id); if (el) { el.textContent = text; } }
  /* items → <li> children of #id, each built by render(x, li) with text nodes */
  function list(id, items, render) {
    var ul = document.getElementById(id);
    if (!ul) { return; }
    ul.textContent = "";
    if (!items.length) { ul.appendChild(el("li", "eec-muted", m("drill_none"))); return; }
    items.forEach(function (x) {
      var li = el("li");
      render(x, li);
      ul.appendChild(li);
    });
  }
  EEC.drillList = list;
  function render(s) {
    state = s;
    root.dataset.status = s.status;
    setText("drill-clock", s.clock.t);
    setText("drill-speed", s.clock.speed_zh);
    setText("drill-phase", s.current_phase || "—");
    setText("drill-now", String(s.clock.now).replace("T", " "));
    var st = document.getElementById("drill-status");
    st.textContent = m("drill_status_" + s.status, s.status);
    st.className = "st " + (s.status === "running" ? "on_time" : s.status === "paused" ? "open" : "");
    var ended = s.status === "ended";
    ["btn-pause", "btn-resume", "btn-step", "btn-end"].forEach(function (id) {
      var b = document.getElementById(id);
      if (b) { b.disabled = ended; }
    });
    var pause = document.getElementById("btn-pause"), resume = document.getElementById("btn-resume");
    if (pause) { pause.hidden = s.status !== "running"; resume.hidden = s.status !== "paused"; }

    var body = document.getElementById("msel-body");
    body.textContent = "";
    s.msel.forEach(function (r) {
      var tr = el("tr", r.status);
      tr.dataset.inject = r.id;
      var id = el("td");
      id.appendChild(el("b", "", r.id));
      if (r.kind !== "scheduled") { id.appendChild(el("br")); id.appendChild(el("small", "", r.kind)); }
      tr.appendChild(id);
      var st = el("td");
      st.appendChild(el("span", "st " + r.status, m("drill_inj_" + r.status, r.status)));
      tr.appendChild(st);
      tr.appendChild(el("td", "", EEC.lang === "en" ? r.trigger_en : r.trigger_zh));
      tr.appendChild(el("td", "t", r.delivered_t || (r.predicted_t ? "≈" + r.predicted_t : "—")));
      tr.appendChild(el("td", "", r.mode_zh));
      tr.appendChild(el("td", "", r.from + " → " + r.to));
      var msg = el("td", "msg", r.message);
      var acts = r.expected_actions || [];  // not sent to players
      if (acts.length) {
        var ul = el("ul", "drill-acts");
        acts.forEach(function (a) {
          var li = el("li");
          li.appendChild(el("span", "st " + a.status, m("drill_act_" + a.status, a.status)));
          li.appendChild(document.createTextNode(" " + a.text));
          if (a.deadline_t) { li.appendChild(el("span", "eec-muted", " ≤ " + a.deadline_t)); }
          ul.appendChild(li);
        });
        msg.appendChild(ul);
      }
      tr.appendChild(msg);
      body.appendChild(tr);
    });

    list("drill-next", s.expected_next, function (u, li) {
      li.appendChild(el("b", "", u.t));
      li.appendChild(document.createTextNode(" " + u.text));
    });
    list("drill-late", s.late_actions, function (a, li) {
      li.appendChild(el("span", "st " + a.status, m("drill_act_" + a.status, a.status)));
      li.appendChild(document.createTextNode(" " + a.inject_id + "/" + a.id + " " + a.text));
    });
    list("drill-observations", s.observations, function (o, li) {
      li.appendChild(el("b", "", o.observed_t));
      li.appendChild(document.createTextNode(" " + o.objective_id + " "));
      li.appendChild(el("span", "st", o.rating));
      li.appendChild(document.createTextNode(" " + o.note + " "));
      li.appendChild(el("span", "eec-muted", "(" + o.evaluator + (o.status === "draft" ? ", " + m("drill_eval_draft") : "") + ")"));
    });
    list("drill-warnings", s.warnings, function (w, li) {
      li.textContent = typeof w === "string" ? w : (EEC.lang === "en" ? (w.message_en || w.message_zh) : w.message_zh);
    });
    var sel = document.getElementById("inject-id");
    if (sel) {
      var pending = s.msel.filter(function (r) { return r.status === "pending"; });
      var keep = sel.value;
      sel.textContent = "";
      pending.forEach(function (r) {
        var o = el("option", "", r.id + " " + r.message.slice(0, 40));
        o.value = r.id;
        sel.appendChild(o);
      });
      if (keep) { sel.value = keep; }
    }
    if (ended && !reportShown) { loadReport(); }
  }

  function loadReport() {
    reportShown = true;
    EEC.fetch(api + "/report").then(function (r) { return r.json(); }).then(function (rep) {
      document.getElementById("drill-report").hidden = false;
      setText("drill-score", rep.score == null ? "—" : rep.score.toFixed(1));
      setText("drill-grade", EEC.lang === "en" ? (rep.grade_en || "") : (rep.grade_zh || ""));
      var c = rep.counts || {};
      setText("drill-counts", (EEC.lang === "en" ? "on time / late / missed: " : "按时 / 迟到 / 未完成:") +
        c.on_time + " / " + c.late + " / " + c.missed);
      var txt = function (x, li) { li.textContent = typeof x === "string" ? x : (x.text_zh || x.text || x.item || ""); };
      var cov = rep.coverage, box = document.getElementById("drill-incomplete");
      if (box && cov) {
        box.hidden = cov.complete;
        setText("drill-coverage", m("drill_coverage", "").replace("{i}", cov.injects_delivered + "/" + cov.injects_planned)
          .replace("{a}", cov.actions_assessed + "/" + cov.actions_planned)
          .replace("{o}", cov.objectives_observed + "/" + cov.objectives_total));
        var ul = document.getElementById("drill-incomplete-reasons");
        while (ul.firstChild) { ul.removeChild(ul.firstChild); }
        cov.reasons.forEach(function (r) {
          var li = document.createElement("li");
          li.textContent = EEC.lang === "en" ? r.en : r.zh;
          ul.appendChild(li);
        });
      }
      list("drill-strengths", rep.strengths || [], txt);
      list("drill-afi", rep.areas_for_improvement || [], txt);
    }).catch(function () { reportShown = false; });
  }

  function control(action, body) {
    busy = true;
    return post(api + "/" + action, body).then(function (s) { render(s.run || s); showMsg(""); return s; })
      .catch(function (err) { showMsg(err.message, true); })
      .then(function (s) { busy = false; return s; });
  }

  function poll() {
    if (busy || document.hidden) { return; }
    if (state.status === "ended" && reportShown) { return; }
    var live = canRun && state.status === "running";
    (live ? post(api + "/advance") : EEC.fetch(api).then(function (r) { return r.json(); }))
      .then(render).catch(function () { /* next tick */ });
  }

  root.querySelectorAll("[data-action]").forEach(function (btn) {
    btn.addEventListener("click", function () {
      var action = btn.dataset.action;
      if (action === "end" && !window.confirm(m("drill_end_confirm"))) { return; }
      var body = action === "step" ? {minutes: Number(document.getElementById("step-minutes").value) || 15} : {};
      control(action, body);
    });
  });

  var scripted = document.getElementById("inject-scripted-form");
  if (scripted) {
    scripted.addEventListener("submit", function (ev) {
      ev.preventDefault();
      if (scripted.inject_id.value) { control("injects", {inject_id: scripted.inject_id.value}); }
    });
  }
  var adhoc = document.getElementById("inject-adhoc-form");
  if (adhoc) {
    adhoc.addEventListener("submit", function (ev) {
      ev.preventDefault();
      control("injects", {mode: adhoc.mode.value, from: adhoc.from.value, to: adhoc.to.value,
                          objective: adhoc.objective.value, message: adhoc.message.value})
        .then(function (s) { if (s) { adhoc.message.value = ""; } });
    });
  }

  render(state);
  setInterval(poll, 3000);
  /* for the evaluator's form (drill_evaluation.js) */
  EEC.drillRefresh = function () {
    return EEC.fetch(api).then(function (r) { return r.json(); }).then(function (s) { render(s); return s; });
  };
})();
