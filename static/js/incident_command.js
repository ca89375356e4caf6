/* The commander's decisions on the incident page (指挥决策): start the response at a level with
 * its basis, change the level, terminate — the termination conditions are shown from the data and
 * an override needs a reason. The decision log is append-only and shown to everyone.
 * Text nodes only; talks to /api/incidents/<id>/decisions. */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("inc-config").textContent);
  var T = cfg.t, EN = cfg.lang === "en";
  var $ = function (id) { return document.getElementById(id); };
  var ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"};
  var view = null;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = text; }
    return e;
  }
  function fill(text, values) {
    return String(text).replace(/\{(\w+)\}/g, function (m, k) { return values[k] !== undefined ? values[k] : m; });
  }
  function pick(obj, base) { return EN ? (obj[base + "_en"] || obj[base + "_zh"]) : obj[base + "_zh"]; }
  function levelText(n) { return n ? T["tier_short_" + n] : T.cmd_level_none; }

  function load() {
    return EEC.fetch(cfg.urls.decisions).then(function (r) { return r.ok ? r.json() : null; }).then(function (body) {
      if (!body) { return; }
      view = body;
      render();
    });
  }

  function render() {
    var now = $("cmd-level-now");
    now.textContent = "";
    now.appendChild(el("b", "", view.response_level ? fill(T.cmd_level_now, {level: levelText(view.response_level)})
                                                       : T.cmd_level_none));
    var ol = $("cmd-log");
    ol.textContent = "";
    if (!view.decisions.length) { ol.appendChild(el("li", "eec-muted", T.cmd_log_empty)); }
    view.decisions.slice().reverse().forEach(function (d) {
      var li = el("li", "k-user cmd-" + d.kind);
      li.appendChild(el("time", "", EEC.time.short(d.at)));
      var box = el("div");
      box.appendChild(el("span", "actor", d.actor));
      box.appendChild(el("b", "", (EN ? d.kind_en : d.kind_zh) + (d.level_roman && d.kind !== "terminate" ? " · " + levelText(d.level) : "")));
      if (d.basis) { box.appendChild(el("div", "", T.cmd_basis + ":" + d.basis)); }
      if (d.override_reason) { box.appendChild(el("div", "cmd-override", T.cmd_override_logged + ":" + d.override_reason)); }
      if (d.unmet && d.unmet.length) {
        var ul = el("ul", "cmd-unmet");
        ul.appendChild(el("li", "eec-muted", T.cmd_unmet_at_time));
        d.unmet.forEach(function (c) { ul.appendChild(el("li", "", pick(c, "text"))); });
        box.appendChild(ul);
      }
      li.appendChild(box);
      ol.appendChild(li);
    });
  }

  function state() { return window.EEC_INCIDENT ? window.EEC_INCIDENT.state() : null; }

  function openForm(kind) {
    var form = $("cmd-form");
    if (!form) { return; }
    var tab = document.querySelector("#inc-tabs button[data-tab=command]");
    if (tab) { tab.click(); }
    form.hidden = false;
    $("cmd-kind").value = kind;
    $("cmd-form-title").textContent = T["cmd_title_" + kind];
    form.querySelectorAll(".field-error").forEach(function (n) { n.textContent = ""; });
    $("cmd-msg").textContent = "";
    var s = state();
    var tier = s && s.pkg.tier.level;
    $("cmd-level-field").hidden = kind === "terminate";
    $("cmd-basis-field").hidden = kind === "terminate";
    if (tier) { $("cmd-level").value = String(kind === "change_level" && view && view.response_level ? view.response_level : tier); }
    $("cmd-computed").textContent = tier ? fill(T.cmd_computed, {tier: levelText(tier)}) : "";
    if (kind !== "terminate" && s && !$("cmd-basis").value) {
      $("cmd-basis").value = s.pkg.tier.reasons.filter(function (r) { return !r.advisory; })
        .map(function (r) { return pick(r, "text"); }).join(";");
    }
    var ul = $("cmd-conditions");
    ul.textContent = "";
    if (kind === "terminate") {
      load().then(function () {
        ul.appendChild(el("li", "eec-muted", T.cmd_conditions));
        view.termination.conditions.forEach(function (c) {
          ul.appendChild(el("li", c.met ? "ok-mark" : "no-mark", (c.met ? "✓ " : "✗ ") + pick(c, "text")));
        });
      });
    }
    $("cmd-override").focus();
  }

  function submit(e) {
    e.preventDefault();
    var kind = $("cmd-kind").value;
    var body = {kind: kind, override_reason: $("cmd-override").value || null};
    if (kind !== "terminate") { body.level = Number($("cmd-level").value); body.basis = $("cmd-basis").value; }
    $("cmd-form").querySelectorAll(".field-error").forEach(function (n) { n.textContent = ""; });
    $("cmd-msg").textContent = "";
    $("cmd-submit").disabled = true;
    EEC.fetch(cfg.urls.decisions, {method: "POST", headers: {"Content-Type": "application/json"},
                                   body: JSON.stringify(body)}).then(function (resp) {
      return resp.json().catch(function () { return {}; }).then(function (b) { return {ok: resp.ok, body: b}; });
    }).then(function (r) {
      $("cmd-submit").disabled = false;
      if (r.ok) {
        $("cmd-form").hidden = true;
        $("cmd-override").value = "";
        $("cmd-msg").textContent = "";
        load();
        if (window.EEC_INCIDENT) { window.EEC_INCIDENT.poll(); }
        return;
      }
      var err = r.body.error || {};
      var shown = false;
      (err.problems || []).forEach(function (p) {
        var slot = $("cmd-form").querySelector(".field-error[data-for=" + p.field + "]");
        if (slot) { slot.textContent = EN ? p.message_en : p.message_zh; shown = true; }
      });
      if (!shown) { $("cmd-msg").appendChild(el("div", "eec-msg error", EN ? err.message_en : err.message_zh)); }
    });
  }

  if ($("cmd-form")) {
    $("cmd-form").addEventListener("submit", submit);
    $("cmd-cancel").addEventListener("click", function () { $("cmd-form").hidden = true; });
    [["btn-start", "start"], ["btn-level", "change_level"], ["btn-terminate", "terminate"]].forEach(function (p) {
      if ($(p[0])) { $(p[0]).addEventListener("click", function () { openForm(p[1]); }); }
    });
  }
  document.addEventListener("eec:incident-events", function (e) {
    if ((e.detail || []).some(function (ev) { return /^status_|level_changed/.test(ev.kind); })) { load(); }
  });
  load();
  window.EEC_COMMAND = {open: openForm, reload: load};
})();
