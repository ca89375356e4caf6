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

  var el = EEC.el, fill = EEC.fill;
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
    if (view.status === "terminated") { now.appendChild(el("span", "cmd-ended", " · " + T.status_terminated)); }
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

/* Dispatch (调度): request a team or materials for a site from the package's ranked resources,
 * move it along requested → dispatched → en route → arrived → released, the shortfall per site,
 * the dispatch lines on the incident map. A stale move (409) reloads the list. */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("inc-config").textContent);
  var T = cfg.t, EN = cfg.lang === "en";
  var $ = function (id) { return document.getElementById(id); };
  var board = null, layer = null;

  var el = EEC.el, fill = EEC.fill;
  function pkg() { return window.EEC_INCIDENT ? window.EEC_INCIDENT.state().pkg : null; }
  function num(v) { return Number(Number(v).toPrecision(4)).toString(); }
  function send(url, method, body) {
    return EEC.fetch(url, {method: method, headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)})
      .then(function (resp) {
        return resp.json().catch(function () { return {}; }).then(function (b) { return {status: resp.status, ok: resp.ok, body: b}; });
      });
  }
  function errText(b) { var e = (b && b.error) || {}; return EN ? e.message_en : e.message_zh; }

  function load() {
    return EEC.fetch(cfg.urls.dispatches).then(function (r) { return r.ok ? r.json() : null; }).then(function (b) {
      if (!b) { return; }
      board = b;
      render();
    });
  }

  function render() {
    var root = $("dsp-shortfalls");
    root.textContent = "";
    board.shortfalls.forEach(function (s) {
      var box = el("div", "opt");
      box.appendChild(el("h4", "", s.site_name_zh));
      box.appendChild(el("div", "facts", fill(T.dsp_teams, {sent: s.teams_sent, arrived: s.teams_arrived})));
      if (s.items.length) {
        var table = el("table", "eec-table dsp-short");
        var head = el("tr");
        ["", T.dsp_needed, T.dsp_sent, T.dsp_arrived, T.dsp_short].forEach(function (x) { head.appendChild(el("th", "", x)); });
        table.appendChild(head);
        s.items.forEach(function (i) {
          var tr = el("tr");
          tr.appendChild(el("td", "", i.item + " (" + i.unit + ")"));
          tr.appendChild(el("td", "num", num(i.needed)));
          tr.appendChild(el("td", "num", num(i.sent)));
          tr.appendChild(el("td", "num", num(i.arrived)));
          tr.appendChild(el("td", "num" + (i.short > 0 ? " overdue-text" : " ok-mark"), i.short > 0 ? num(i.short) : "✓"));
          table.appendChild(tr);
        });
        box.appendChild(table);
      }
      root.appendChild(box);
    });
    var list = $("dsp-list");
    list.textContent = "";
    if (!board.dispatches.length) { list.appendChild(el("p", "eec-muted", T.dsp_none)); }
    board.dispatches.slice().reverse().forEach(function (d) {
      var box = el("div", "opt dsp-item dsp-" + d.status);
      box.id = "dsp-" + d.id;
      var h = el("h4", "", (EN ? d.kind_en : d.kind_zh) + " · " + d.resource_name_zh);
      if (d.sample) { h.appendChild(document.createTextNode(" ")); h.appendChild(el("span", "eec-sample-badge", T.sample_mark)); }
      h.appendChild(el("span", "verdict dsp-status", EN ? d.status_en : d.status_zh));
      box.appendChild(h);
      var facts = el("div", "facts");
      facts.appendChild(el("span", "", "→ " + d.site_name_zh));
      if (d.items.length) {
        facts.appendChild(el("span", "", d.items.map(function (i) { return i.item + " " + num(i.quantity) + " " + i.unit; }).join("、")));
      }
      facts.appendChild(el("span", d.in_time === false ? "overdue-text" : "", T.dsp_eta + " " + EEC.time.short(d.eta) +
                           (d.ready_by ? " / " + T.dsp_ready_by + " " + EEC.time.short(d.ready_by) : "") +
                           (d.in_time === false ? " · " + T.dsp_late : "")));
      box.appendChild(facts);
      var hist = el("div", "eec-muted dsp-history", d.history.map(function (x) {
        return EEC.time.short(x.at) + " " + (EN ? x.status_en : x.status_zh) + " " + x.by;
      }).join(" → "));
      box.appendChild(hist);
      var actions = el("div", "ck-actions");
      if (cfg.can_write) {
        d.next.forEach(function (status) {
          var b = el("button", "eec-btn small" + (status === "cancelled" ? "" : " primary"), T["dsp_to_" + status]);
          b.type = "button";
          b.dataset.status = status;
          b.addEventListener("click", function () { move(d, status, box); });
          actions.appendChild(b);
        });
      }
      var a = el("a", "eec-btn small", T.dsp_print);
      a.href = cfg.urls.dispatch_print + d.id + "/print";
      a.target = "_blank";
      actions.appendChild(a);
      box.appendChild(actions);
      list.appendChild(box);
    });
    drawMap();
  }

  function move(d, status, box) {
    box.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    send(cfg.urls.dispatches + "/" + d.id, "PATCH", {status: status, version: d.version}).then(function (r) {
      if (!r.ok) { box.appendChild(el("div", "eec-msg error", errText(r.body))); setTimeout(load, r.status === 409 ? 1500 : 4000); return; }
      load();
      if (window.EEC_INCIDENT) { window.EEC_INCIDENT.poll(); }
    });
  }

  function drawMap() {
    var inc = window.EEC_INCIDENT;
    if (!inc || !inc.map || !window.L) { return; }
    if (!layer) { layer = L.layerGroup().addTo(inc.map); }
    layer.clearLayers();
    board.dispatches.forEach(function (d) {
      if (d.resource_lat === null || d.site_lat === null || d.status === "cancelled" || d.status === "released") { return; }
      var colour = d.status === "arrived" ? "#2e7d32" : "#1565c0";
      L.polyline([[d.resource_lat, d.resource_lon], [d.site_lat, d.site_lon]],
                 {color: colour, weight: 2.5, dashArray: d.status === "arrived" ? null : "6 5", interactive: false}).addTo(layer);
      var tip = el("span", "", d.resource_name_zh + " · " + (EN ? d.status_en : d.status_zh));
      L.circleMarker([d.resource_lat, d.resource_lon], {radius: 5, color: "#fff", weight: 1.5, fillColor: colour, fillOpacity: 1})
        .bindTooltip(tip).addTo(layer);
    });
  }

  /* the request form: site → its ranked teams and depots → items with quantities */
  function fillSites() {
    var p = pkg(), sel = $("dsp-site");
    if (!sel || !p) { return; }
    var keep = sel.value;
    sel.textContent = "";
    p.resources.forEach(function (r) { var o = el("option", "", r.site_name_zh); o.value = r.site_id; sel.appendChild(o); });
    if (keep) { sel.value = keep; }
    fillResources();
  }
  function site() {
    var p = pkg(), id = $("dsp-site").value;
    return p ? p.resources.filter(function (r) { return r.site_id === id; })[0] : null;
  }
  function fillResources() {
    var s = site(), sel = $("dsp-resource");
    sel.textContent = "";
    if (!s) { return; }
    s.teams.forEach(function (o) {
      var opt = el("option", "", (EN ? "Team: " : "队伍:") + o.name_zh + " · " + o.travel_hours.toFixed(1) + " h" + (o.in_time ? "" : " ✗"));
      opt.value = "team:" + o.id; sel.appendChild(opt);
    });
    s.depots.forEach(function (o) {
      var opt = el("option", "", (EN ? "Depot: " : "物资库:") + o.name_zh + " · " + o.travel_hours.toFixed(1) + " h" + (o.in_time ? "" : " ✗"));
      opt.value = "depot:" + o.id; sel.appendChild(opt);
    });
    fillItems();
  }
  function reservedOf(depotId, item) {
    var hit = (board ? board.reserved : []).filter(function (r) { return r.depot_id === depotId && r.item === item; })[0];
    return hit ? hit.quantity : 0;
  }
  function fillItems() {
    var root = $("dsp-items");
    root.textContent = "";
    var s = site(), v = $("dsp-resource").value;
    if (!s || v.indexOf("depot:") !== 0) { return; }
    var id = Number(v.split(":")[1]);
    var depot = s.depots.filter(function (o) { return o.id === id; })[0];
    var shortBy = {};
    (board ? board.shortfalls : []).forEach(function (sf) {
      if (sf.site_id === s.site_id) { sf.items.forEach(function (i) { shortBy[i.item] = i.short; }); }
    });
    (depot ? depot.items : []).forEach(function (it) {
      var left = Math.max(it.quantity - reservedOf(id, it.item), 0);
      var row = el("div", "dsp-item-row");
      var label = el("label", "", it.item + " (" + T.dsp_available + " " + num(left) + " " + it.unit + ")");
      var input = el("input", "form-control");
      input.type = "number"; input.min = "0"; input.step = "any";
      input.dataset.item = it.item;
      var want = shortBy[it.item] !== undefined ? shortBy[it.item] : (it.needed || 0);
      input.value = String(num(Math.min(want, left)));
      input.setAttribute("aria-label", it.item + " " + T.dsp_quantity);
      row.appendChild(label); row.appendChild(input);
      root.appendChild(row);
    });
  }
  function submit(e) {
    e.preventDefault();
    var v = $("dsp-resource").value.split(":"), s = site();
    if (!s || v.length !== 2) { return; }
    var body = {site_id: s.site_id, kind: v[0], resource_id: Number(v[1]), note: $("dsp-note").value};
    if (v[0] === "depot") {
      body.items = [];
      $("dsp-items").querySelectorAll("input").forEach(function (i) {
        if (Number(i.value) > 0) { body.items.push({item: i.dataset.item, quantity: Number(i.value)}); }
      });
    }
    $("dsp-msg").textContent = "";
    $("dsp-submit").disabled = true;
    send(cfg.urls.dispatches, "POST", body).then(function (r) {
      $("dsp-submit").disabled = false;
      if (!r.ok) { $("dsp-msg").appendChild(el("div", "eec-msg error", errText(r.body))); return; }
      $("dsp-note").value = "";
      load().then(fillItems);
      if (window.EEC_INCIDENT) { window.EEC_INCIDENT.poll(); }
    });
  }
  if ($("dsp-form")) {
    $("dsp-site").addEventListener("change", fillResources);
    $("dsp-resource").addEventListener("change", fillItems);
    $("dsp-form").addEventListener("submit", submit);
  }
  document.addEventListener("eec:incident-events", function (e) {
    if ((e.detail || []).some(function (ev) { return ev.kind === "dispatch"; })) { load(); }
  });
  load().then(fillSites);
  window.EEC_DISPATCH = {reload: load};
})();

/* Reports (信息报告): draft 初报 / 续报 / 处理结果报告 from the incident, edit while unsent (with
 * version; 409 reloads), download .docx, record the sending (to whom, when) against the clock. */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("inc-config").textContent);
  var T = cfg.t, EN = cfg.lang === "en";
  var $ = function (id) { return document.getElementById(id); };
  if (!$("rpt-list")) { return; }

  var el = EEC.el, fill = EEC.fill;
  function send(url, method, body) {
    return EEC.fetch(url, {method: method, headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)})
      .then(function (resp) {
        return resp.json().catch(function () { return {}; }).then(function (b) { return {status: resp.status, ok: resp.ok, body: b}; });
      });
  }
  function errText(b) {
    var e = (b && b.error) || {};
    var p = (e.problems || []).map(function (x) { return EN ? x.message_en : x.message_zh; });
    return p.length ? p.join(";") : (EN ? e.message_en : e.message_zh);
  }

  function load() {
    return EEC.fetch(cfg.urls.reports).then(function (r) { return r.ok ? r.json() : null; }).then(function (b) {
      if (b) { render(b.reports); }
    });
  }

  function render(reports) {
    var root = $("rpt-list");
    root.textContent = "";
    if (!reports.length) { root.appendChild(el("p", "eec-muted", T.rpt_none)); }
    reports.slice().reverse().forEach(function (r) {
      var box = el("div", "opt rpt-item" + (r.sent_at ? " ok" : ""));
      box.id = "rpt-" + r.id;
      var h = el("h4", "", r.title);
      box.appendChild(h);
      var facts = el("div", "facts");
      facts.appendChild(el("span", "rpt-state", r.sent_at ? fill(T.rpt_sent, {at: EEC.time.short(r.sent_at), to: r.sent_to}) : T.rpt_draft));
      if (r.due_at) {
        facts.appendChild(el("span", r.on_time === false ? "overdue-text" : "", fill(T.rpt_due, {at: EEC.time.short(r.due_at)}) +
                             (r.on_time === null ? "" : " · " + (r.on_time ? T.rpt_on_time : T.rpt_late))));
      }
      var a = el("a", "eec-btn small primary rpt-docx", T.rpt_download);
      a.href = r.docx;
      facts.appendChild(a);
      box.appendChild(facts);
      var area = el("textarea", "fr-text rpt-text");
      area.value = r.text;
      area.readOnly = !cfg.can_write || !!r.sent_at;
      area.setAttribute("aria-label", r.title);
      box.appendChild(area);
      var msg = el("div");
      if (cfg.can_write && !r.sent_at) {
        var row = el("div", "inc-row");
        var save = el("button", "eec-btn small", T.rpt_save);
        save.type = "button";
        save.addEventListener("click", function () {
          send(cfg.urls.reports + "/" + r.id, "PATCH", {text: area.value, version: r.version}).then(function (res) {
            if (res.ok) { load(); } else { msg.appendChild(el("div", "eec-msg error", errText(res.body))); if (res.status === 409) { setTimeout(load, 1500); } }
          });
        });
        row.appendChild(save);
        var to = el("input", "form-control rpt-to");
        to.placeholder = T.rpt_sent_to;
        to.setAttribute("aria-label", T.rpt_sent_to);
        row.appendChild(to);
        var mark = el("button", "eec-btn small primary rpt-mark", T.rpt_mark_sent);
        mark.type = "button";
        mark.addEventListener("click", function () {
          send(cfg.urls.reports + "/" + r.id + "/sent", "POST", {sent_to: to.value, version: r.version}).then(function (res) {
            if (res.ok) { load(); if (window.EEC_INCIDENT) { window.EEC_INCIDENT.poll(); } }
            else { msg.appendChild(el("div", "eec-msg error", errText(res.body))); }
          });
        });
        row.appendChild(mark);
        box.appendChild(row);
      }
      box.appendChild(msg);
      root.appendChild(box);
    });
  }

  if ($("rpt-form")) {
    ["first", "follow_up", "final"].forEach(function (kind) {
      $("rpt-new-" + kind).addEventListener("click", function () {
        $("rpt-msg").textContent = "";
        send(cfg.urls.reports, "POST", {kind: kind, reporting_unit: $("rpt-unit").value, signer: $("rpt-signer").value,
                                        contact: $("rpt-contact").value, phone: $("rpt-phone").value,
                                        info_source: $("rpt-source").value}).then(function (res) {
          if (res.ok) { load(); if (window.EEC_INCIDENT) { window.EEC_INCIDENT.poll(); } }
          else { $("rpt-msg").appendChild(el("div", "eec-msg error", errText(res.body))); }
        });
      });
    });
  }
  load();
  window.EEC_REPORTS = {reload: load};
})();
