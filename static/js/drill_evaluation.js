/* The evaluator's form on the drill console (score an objective, with inject and time) and the
   submission, and the evaluators of the after-action summary. drill_console.js draws everything
   else. Text nodes only. */
(function () {
  "use strict";
  var EEC = window.EEC, root = document.getElementById("drill");
  if (!root) { return; }
  var M = JSON.parse(document.getElementById("drill-i18n").textContent);
  var api = root.dataset.api;
  var el = EEC.drillEl;

  function say(text, bad) {
    var n = document.getElementById("drill-msg");
    n.hidden = !text; n.textContent = text || ""; n.style.background = bad ? "#fdecea" : "";
  }
  function send(url, body) {
    return EEC.fetch(url, {method: "POST", headers: {"Content-Type": "application/json"},
                           body: JSON.stringify(body || {})}).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (b) {
        if (r.ok) { return b; }
        var e = b.error, msg = e ? (EEC.lang === "en" ? e.message_en : e.message_zh) : "HTTP " + r.status;
        ((e && e.problems) || []).forEach(function (p) {
          msg += "; " + (p.field || p.path || "") + " " + (EEC.lang === "en" ? p.message_en : p.message_zh);
        });
        throw new Error(msg);
      });
    });
  }
  function evaluatorItem(e, li) {
    li.className = "drill-evaluator";
    li.appendChild(el("b", "", e.evaluator));
    if (e.recorded_by && e.recorded_by !== e.evaluator) {
      li.appendChild(document.createTextNode(" "));
      li.appendChild(el("span", "eec-muted", "(" + e.recorded_by + ")"));
    }
    li.appendChild(document.createTextNode(" · " + e.observations + " " + M.drill_eval_count + " · " +
                                           (e.objectives || []).join(" ") + " · "));
    if (e.submitted_at) {
      li.appendChild(document.createTextNode(M.drill_eval_submitted_at + " " +
                                             e.submitted_at.slice(0, 16).replace("T", " ")));
    } else {
      li.appendChild(el("span", "st open", M.drill_eval_not_submitted));
    }
  }
  function fill(id, evaluators) { EEC.drillList(id, evaluators, evaluatorItem); }
  function refresh() {
    return EEC.drillRefresh().then(function (s) { fill("drill-evaluators", s.evaluators || []); });
  }
  var form = document.getElementById("evaluation-form");
  if (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var body = {objective_id: form.objective_id.value, rating: form.rating.value, note: form.note.value};
      if (form.inject_id.value) { body.inject_id = form.inject_id.value; }
      if (form.observed_t.value.trim()) { body.observed_t = form.observed_t.value.trim(); }
      send(form.dataset.api, body).then(function () {
        form.note.value = ""; form.observed_t.value = "";
        say(M.drill_saved);
        return refresh();
      }).catch(function (err) { say(err.message, true); });
    });
    document.getElementById("eval-submit").addEventListener("click", function () {
      if (!window.confirm(M.drill_eval_submit_confirm)) { return; }
      send(form.dataset.submit).then(function (b) {
        say(M.drill_eval_submitted + " (" + b.submitted.length + ")");
        fill("drill-evaluators", b.run.evaluators || []);
      }).catch(function (err) { say(err.message, true); });
    });
  }
  var report = document.getElementById("drill-report"), filled = false;
  setInterval(function () {
    if (filled || report.hidden) { return; }
    filled = true;
    EEC.fetch(api + "/report").then(function (r) { return r.json(); })
      .then(function (rep) { fill("drill-report-evaluators", rep.evaluators || []); })
      .catch(function () { filled = false; });
  }, 1000);
})();
