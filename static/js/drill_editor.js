/* The drill scenario editor: the scenario as a JSON document, edited in forms (no YAML, no typed
   ids for places), checked live on the server (the existing rules, zh/en) and dry-run on the
   engine: each inject's predicted time and warnings. Text nodes only. */
(function () {
  "use strict";
  var EEC = window.EEC;
  var cfgNode = document.getElementById("ed-config");
  if (!cfgNode) { return; }
  var C = JSON.parse(cfgNode.textContent);
  var T = C.t, EN = C.lang === "en";
  var doc = C.document;
  var preview = null;          // the last dry run: targets, checklist, inject times
  var refreshers = [];         // selects whose options come from the dry run
  var timer = null, seq = 0;

  /* ---------------------------------------------------------------- helpers */
  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var n = document.createElement(tag);
    if (cls) { n.className = cls; }
    if (text != null) { n.textContent = String(text); }
    return n;
  }
  function field(label, input, cls) {
    var box = el("div", cls || "");
    var l = el("label", "", label);
    box.appendChild(l);
    box.appendChild(input);
    return box;
  }
  function input(value, onInput, attrs) {
    var n = el("input");
    n.value = value == null ? "" : value;
    Object.keys(attrs || {}).forEach(function (k) { n.setAttribute(k, attrs[k]); });
    n.addEventListener("input", function () { onInput(n.value); changed(); });
    return n;
  }
  function textarea(value, onInput) {
    var n = el("textarea");
    n.rows = 2;
    n.value = value || "";
    n.addEventListener("input", function () { onInput(n.value); changed(); });
    return n;
  }
  function select(options, value, onChange, extra) {
    var n = el("select");
    fill(n, options, value);
    n.addEventListener("change", function () { onChange(n.value); changed(); if (extra) { extra(n.value); } });
    return n;
  }
  function fill(sel, options, value) {
    sel.textContent = "";
    var seen = false;
    options.forEach(function (o) {
      var label = String(o.label == null ? "" : o.label);
      var opt = el("option", "", label.length > 46 ? label.slice(0, 45) + "…" : label);
      opt.title = label;
      opt.value = o.id;
      if (o.id === value) { opt.selected = true; seen = true; }
      sel.appendChild(opt);
    });
    if (!seen && value != null && value !== "") {
      var keep = el("option", "", value);
      keep.value = value; keep.selected = true;
      sel.appendChild(keep);
    }
  }
  function button(label, onClick, cls) {
    var b = el("button", "eec-btn tiny " + (cls || ""), label);
    b.type = "button";
    b.addEventListener("click", onClick);
    return b;
  }
  function list(key) { if (!Array.isArray(doc[key])) { doc[key] = []; } return doc[key]; }
  function nextId(items, prefix) {
    var n = items.length + 1;
    var ids = items.map(function (x) { return x.id; });
    while (ids.indexOf(prefix + n) >= 0) { n += 1; }
    return prefix + n;
  }
  function clear(section) {
    var box = $(section);
    while (box.children.length > 1) { box.removeChild(box.lastChild); }  // keep the <h2>
    return box;
  }
  function parties() {
    return list("participants").map(function (p) { return {id: p.id, label: p.name || p.id}; })
      .concat(C.reserved);
  }
  function objectives() {
    return list("objectives").map(function (o) { return {id: o.id, label: o.id + " " + (o.text || "")}; });
  }

  /* ---------------------------------------------------------------- basics */
  function renderBasics() {
    var box = clear("ed-basics");
    var f = el("div", "ed-fields");
    f.appendChild(field(T.ed_name, input(doc.title, function (v) { doc.title = v; }, {id: "ed-name"}), "wide"));
    f.appendChild(field(T.ed_type, select([{id: "桌面", label: T.ed_type_tabletop}, {id: "实战", label: T.ed_type_live}],
      doc.type, function (v) { doc.type = v; })));
    f.appendChild(field(T.ed_duration, input(doc.duration, function (v) { doc.duration = v; }, {id: "ed-duration"})));
    f.appendChild(field(T.ed_description, textarea(doc.description, function (v) { doc.description = v; }), "wide"));
    box.appendChild(f);
  }

  /* ---------------------------------------------------------------- incident */
  var marker = null, map = null;
  function report() { return list("incidents")[0].report; }
  function renderIncident() {
    var box = $("ed-incident-fields");
    box.textContent = "";
    var r = report();
    var f = el("div", "ed-fields");
    f.appendChild(field(T.ed_incident_title, input(r.title, function (v) { r.title = v; }), "wide"));
    var rs = el("select");
    rs.id = "ed-risk-source";
    fill(rs, [{id: "", label: T.ed_none}], "");
    f.appendChild(field(T.ed_risk_source, rs, "wide"));
    var hz = el("select");
    hz.id = "ed-hazard-source";
    fill(hz, [{id: "", label: T.ed_none}], "");
    f.appendChild(field(T.ed_hazard_source, hz, "wide"));
    var lon = input(r.lon, function (v) { r.lon = v === "" ? null : Number(v); place(); }, {id: "ed-lon", inputmode: "decimal"});
    var lat = input(r.lat, function (v) { r.lat = v === "" ? null : Number(v); place(); }, {id: "ed-lat", inputmode: "decimal"});
    f.appendChild(field(T.ed_lon, lon));
    f.appendChild(field(T.ed_lat, lat));
    f.appendChild(field(T.ed_substance, select([{id: "", label: "—"}].concat(C.substances), r.substance,
      function (v) { r.substance = v; })));
    f.appendChild(field(T.ed_mass, input(r.mass_kg, function (v) { r.mass_kg = v === "" ? null : Number(v); }, {inputmode: "decimal"})));
    f.appendChild(field(T.ed_release_hours, input(r.release_hours, function (v) { r.release_hours = v === "" ? null : Number(v); }, {inputmode: "decimal"})));
    f.appendChild(field(T.ed_flow, select(C.flows, r.flow_condition, function (v) { r.flow_condition = v; })));
    f.appendChild(field(T.ed_occurred, input(r.occurred_at, function (v) { r.occurred_at = v; })));
    f.appendChild(field(T.ed_discovered, input(r.discovered_at, function (v) { r.discovered_at = v; })));
    box.appendChild(f);
    EEC.fetch(C.urls.hazard_sources).then(function (resp) { return resp.ok ? resp.json() : null; }).then(function (body) {
      var found = (body && body.risk_sources) || [];
      fill(hz, [{id: "", label: T.ed_none}].concat(found.map(function (s) {
        return {id: String(s.id), label: s.name_zh + " · " + (EN ? s.kind_en : s.kind_zh) +
                (s.county_zh ? " · " + s.county_zh : "") + (s.sample ? " (示例)" : "")};
      })), "");
      hz.addEventListener("change", function () {
        var s = found.filter(function (x) { return String(x.id) === hz.value; })[0];
        if (!s) { return; }
        r.lon = s.lon; r.lat = s.lat;
        if (!r.title) { r.title = s.name_zh; }
        var h = (s.open_hazards || [])[0];
        if (h && !doc.description) { doc.description = "隐患未销号:" + h.description; renderBasics(); }
        lon.value = r.lon; lat.value = r.lat;
        place(); changed();
      });
    });
    EEC.fetch(C.urls.risk_sources).then(function (resp) { return resp.ok ? resp.json() : null; }).then(function (body) {
      var sources = (body && body.risk_sources) || [];
      var options = [{id: "", label: T.ed_none}];
      sources.forEach(function (s) {
        var e = s.discharge && s.discharge.entry;
        if (e && e.lon != null) {
          options.push({id: String(s.id), label: (s.kind_zh ? "[" + s.kind_zh + "] " : "") + s.name_zh +
                        (s.county_zh ? " · " + s.county_zh : "") + (s.sample ? " (示例)" : "")});
        }
      });
      fill(rs, options, "");
      rs.addEventListener("change", function () {
        var s = sources.filter(function (x) { return String(x.id) === rs.value; })[0];
        if (!s) { return; }
        r.lon = s.discharge.entry.lon; r.lat = s.discharge.entry.lat;
        if (!r.title) { r.title = s.name_zh; }
        lon.value = r.lon; lat.value = r.lat;
        place(); changed();
      });
    });
  }
  function initMap() {
    if (!window.L || !EEC.maps) { return; }
    map = EEC.maps.create($("ed-map"));
    EEC.maps.context(map, C.urls.context, C.lang, {faint: false});
    map.on("click", function (e) {
      var r = report();
      r.lon = Number(e.latlng.lng.toFixed(5)); r.lat = Number(e.latlng.lat.toFixed(5));
      $("ed-lon").value = r.lon; $("ed-lat").value = r.lat;
      place(); changed();
    });
    place();
  }
  function place() {
    var r = report();
    if (!map || r.lon == null || r.lat == null || isNaN(r.lon) || isNaN(r.lat)) { return; }
    if (!marker) { marker = L.circleMarker([r.lat, r.lon], {radius: 7, color: "#b71c1c", fillOpacity: 0.8}).addTo(map); }
    marker.setLatLng([r.lat, r.lon]);
  }

  /* ---------------------------------------------------------------- simple tables */
  function table(section, key, columns, make, prefix) {
    var box = clear(section);
    var items = list(key);
    var tbl = el("table", "ed-table");
    var head = el("tr");
    columns.forEach(function (c) { head.appendChild(el("th", "", c)); });
    head.appendChild(el("th"));
    tbl.appendChild(head);
    items.forEach(function (item, k) {
      var tr = el("tr");
      make(item).forEach(function (n) { var td = el("td"); td.appendChild(n); tr.appendChild(td); });
      var td = el("td");
      td.appendChild(button(T.ed_remove, function () { items.splice(k, 1); renderAll(); changed(); }));
      tr.appendChild(td);
      tbl.appendChild(tr);
    });
    box.appendChild(tbl);
    box.appendChild(button(T.ed_add, function () { items.push(prefix(items)); renderAll(); changed(); }, "add-" + key));
  }
  function renderObjectives() {
    table("ed-objectives", "objectives", ["ID", T.ed_text, T.ed_weight, T.ed_owner], function (o) {
      return [input(o.id, function (v) { o.id = v; }, {size: 4}),
              input(o.text, function (v) { o.text = v; }),
              input(o.weight == null ? 1 : o.weight, function (v) { o.weight = Number(v); }, {size: 3}),
              select([{id: "", label: "—"}].concat(parties()), o.owner || "", function (v) {
                if (v) { o.owner = v; } else { delete o.owner; } })];
    }, function (items) { return {id: nextId(items, "O"), text: "", weight: 1}; });
  }
  function renderParticipants() {
    table("ed-participants", "participants", ["ID", T.ed_name, T.ed_level, T.ed_roles], function (p) {
      return [input(p.id, function (v) { p.id = v; }, {size: 10}),
              input(p.name, function (v) { p.name = v; }),
              select(C.levels, p.level, function (v) { p.level = v; }),
              input((p.roles || []).join(","), function (v) {
                p.roles = v.split(/[,,、]/).map(function (x) { return x.trim(); }).filter(Boolean); })];
    }, function (items) { return {id: nextId(items, "unit"), name: "", level: "city", roles: []}; });
  }
  function renderPhases() {
    table("ed-phases", "phases", ["ID", T.ed_name, T.ed_trigger], function (p) {
      return [input(p.id, function (v) { p.id = v; }, {size: 10}),
              input(p.name, function (v) { p.name = v; }),
              triggerEditor(p.trigger, function (v) { p.trigger = v; })];
    }, function (items) { return {id: nextId(items, "phase"), name: "", trigger: "T+01:00"}; });
  }

  /* ---------------------------------------------------------------- the trigger builder */
  var KINDS = ["at", "plume", "checklist", "phase", "inject", "all", "any"];
  var KEYS = {plume: "plume_front_reaches", checklist: "checklist_done", phase: "phase_starts", inject: "inject_fired"};
  function kindOf(v) {
    if (typeof v === "string" || v == null) { return "at"; }
    if (v.all) { return "all"; }
    if (v.any) { return "any"; }
    for (var k in KEYS) { if (Object.prototype.hasOwnProperty.call(v, KEYS[k])) { return k; } }
    return "at";
  }
  function blankTrigger(kind) {
    if (kind === "at") { return "T+01:00"; }
    if (kind === "all" || kind === "any") { var o = {}; o[kind] = ["T+01:00"]; return o; }
    var x = {}; x[KEYS[kind]] = ""; return x;
  }
  function plumeOptions() {
    var out = C.boundary_levels.map(function (b) { return {id: b.id, label: T.ed_first + b.label}; });
    (doc.points || []).forEach(function (p) { out.push({id: p.id, label: p.name + " (" + T.ed_point + ")"}); });
    var points = (doc.points || []).map(function (p) { return p.id; });
    ((preview && preview.targets) || []).forEach(function (d) {
      if (d.kind === "point" || points.indexOf(d.id) >= 0) { return; }  // named above
      out.push({id: d.id, label: (EN ? d.name_en : d.name_zh) + " · " + d.km + " km · " + T.ed_predicted + " " + d.front_t});
    });
    return out;
  }
  function checklistOptions() {
    var out = (doc.tasks || []).map(function (t) { return {id: "drill:" + t.key, label: t.text}; });
    ((preview && preview.checklist) || []).forEach(function (c) {
      out.push({id: c.key, label: EN ? c.text_en : c.text_zh});
    });
    C.kinds.forEach(function (k) { out.push({id: k, label: "(" + k + ")"}); });
    return out;
  }
  function refreshable(sel, options, getValue) {
    refreshers.push(function () { if (document.body.contains(sel)) { fill(sel, options(), getValue()); } });
  }
  function triggerEditor(value, onChange) {
    var box = el("div", "ed-trigger");
    function draw() {
      box.textContent = "";
      var kind = kindOf(value);
      var kindSel = el("select", "ed-kind");
      fill(kindSel, KINDS.map(function (k) { return {id: k, label: T["ed_k_" + k]}; }), kind);
      kindSel.addEventListener("change", function () {
        value = blankTrigger(kindSel.value); onChange(value); draw(); changed();
      });
      box.appendChild(kindSel);
      if (kind === "at") {
        box.appendChild(input(value, function (v) { value = v; onChange(value); }, {size: 8, "class": "ed-at"}));
        return;
      }
      if (kind === "all" || kind === "any") {
        var kids = el("div", "ed-children");
        value[kind].forEach(function (child, k) {
          var row = el("div", "ed-child");
          row.appendChild(triggerEditor(child, function (v) { value[kind][k] = v; onChange(value); }));
          row.appendChild(button(T.ed_remove, function () {
            if (value[kind].length > 1) { value[kind].splice(k, 1); onChange(value); draw(); changed(); }
          }));
          kids.appendChild(row);
        });
        kids.appendChild(button(T.ed_add_condition, function () {
          value[kind].push("T+01:00"); onChange(value); draw(); changed();
        }));
        box.appendChild(kids);
        return;
      }
      var key = KEYS[kind];
      var options = kind === "plume" ? plumeOptions : kind === "checklist" ? checklistOptions :
        kind === "phase" ? function () { return list("phases").map(function (p) { return {id: p.id, label: p.name || p.id}; }); } :
        function () { return list("injects").map(function (i) { return {id: i.id, label: i.id}; }); };
      var target = el("select", "ed-target ed-target-" + kind);
      fill(target, [{id: "", label: "—"}].concat(options()), value[key]);
      target.addEventListener("change", function () { value[key] = target.value; onChange(value); changed(); });
      refreshable(target, function () { return [{id: "", label: "—"}].concat(options()); },
                  function () { return value[key]; });
      box.appendChild(target);
      var off = input(value.offset || "", function (v) {
        if (v) { value.offset = v; } else { delete value.offset; } onChange(value);
      }, {size: 6, placeholder: T.ed_offset, "class": "ed-offset", title: T.ed_offset});
      box.appendChild(off);
    }
    draw();
    return box;
  }

  /* ---------------------------------------------------------------- the MSEL */
  function injectCard(inj, k, items, contingency) {
    var card = el("div", "ed-inject");
    card.dataset.inject = inj.id;
    var row = el("div", "ed-row");
    row.appendChild(field("ID", input(inj.id, function (v) { inj.id = v; })));
    if (!contingency) {
      row.appendChild(field(T.ed_trigger, triggerEditor(inj.trigger, function (v) { inj.trigger = v; })));
    } else {
      row.appendChild(el("div"));
    }
    row.appendChild(field(T.ed_mode, select(C.modes, inj.mode, function (v) { inj.mode = v; })));
    row.appendChild(field(T.ed_from, select(parties(), inj.from, function (v) { inj.from = v; })));
    row.appendChild(field(T.ed_to, select(parties(), inj.to, function (v) { inj.to = v; })));
    var dry = el("div");
    dry.appendChild(el("label", "", T.ed_dry_run));
    dry.appendChild(el("span", "ed-dry", "…"));
    if (!contingency) { row.appendChild(dry); } else { row.appendChild(el("div")); }
    row.appendChild(field(T.ed_objective, select(objectives(), inj.objective, function (v) { inj.objective = v; })));
    var msg = field(T.ed_message, textarea(inj.message, function (v) { inj.message = v; }), "msg");
    row.appendChild(msg);
    card.appendChild(row);
    card.appendChild(el("div", "ed-warn"));
    if (!contingency) {
      var acts = el("div", "ed-actions");
      acts.appendChild(el("b", "", T.ed_expected));
      if (!Array.isArray(inj.expected_actions)) { inj.expected_actions = []; }
      inj.expected_actions.forEach(function (a, n) {
        var line = el("div", "ed-act");
        line.dataset.action = a.id;
        line.appendChild(input(a.text, function (v) { a.text = v; }, {placeholder: T.ed_text}));
        var pick = el("select", "ed-check");
        fill(pick, [{id: "", label: T.ed_checklist}].concat(checklistOptions()), a.checklist);
        pick.addEventListener("change", function () {
          a.checklist = pick.value;
          if (!a.text) { a.text = pick.options[pick.selectedIndex].textContent; line.firstChild.value = a.text; }
          changed();
        });
        refreshable(pick, function () { return [{id: "", label: T.ed_checklist}].concat(checklistOptions()); },
                    function () { return a.checklist; });
        line.appendChild(pick);
        line.appendChild(input(a.within || "", function (v) { a.within = v; }, {placeholder: T.ed_within, title: T.ed_within, "class": "ed-within"}));
        line.appendChild(select([{id: "", label: T.ed_by}].concat(parties()), a.by || "", function (v) {
          if (v) { a.by = v; } else { delete a.by; } }));
        line.appendChild(select([{id: "", label: T.ed_if_late}].concat(list("contingency").map(function (c) {
          return {id: c.id, label: c.id}; })), a.if_late || "", function (v) { if (v) { a.if_late = v; } else { delete a.if_late; } }));
        line.appendChild(button(T.ed_remove, function () { inj.expected_actions.splice(n, 1); renderAll(); changed(); }));
        acts.appendChild(line);
      });
      acts.appendChild(button(T.ed_add_action, function () {
        inj.expected_actions.push({id: "A" + (inj.expected_actions.length + 1), text: "", checklist: "", within: "01:00"});
        renderAll(); changed();
      }, "add-action"));
      card.appendChild(acts);
    }
    card.appendChild(button(T.ed_remove, function () { items.splice(k, 1); renderAll(); changed(); }));
    return card;
  }
  function renderInjects() {
    var box = clear("ed-injects");
    var items = list("injects");
    items.forEach(function (inj, k) { box.appendChild(injectCard(inj, k, items, false)); });
    box.appendChild(button(T.ed_add, function () {
      items.push({id: nextId(items, "I"), trigger: "T+01:00", mode: "phone", from: "controller",
                  to: "all", message: "", objective: (list("objectives")[0] || {}).id || "", expected_actions: []});
      renderAll(); changed();
    }, "add-inject"));
    var cbox = clear("ed-contingency");
    var citems = list("contingency");
    citems.forEach(function (inj, k) { cbox.appendChild(injectCard(inj, k, citems, true)); });
    cbox.appendChild(button(T.ed_add, function () {
      citems.push({id: nextId(citems, "C"), mode: "phone", from: "controller", to: "all", message: "",
                   objective: (list("objectives")[0] || {}).id || ""});
      renderAll(); changed();
    }, "add-contingency"));
  }

  function renderAll() {
    refreshers = [];
    renderBasics(); renderObjectives(); renderParticipants(); renderPhases(); renderInjects();
    showPreview();
  }

  /* ---------------------------------------------------------------- live validation and dry run */
  function changed() {
    clearTimeout(timer);
    $("ed-status").textContent = T.ed_checking;
    timer = setTimeout(check, 700);
  }
  function problemItem(level, where, zh, en) {
    var li = el("li", level);
    li.appendChild(el("b", "", (where || "") + " "));
    li.appendChild(document.createTextNode(EN ? en : zh));
    return li;
  }
  function check() {
    var mine = ++seq;
    EEC.fetch(C.urls.preview, {method: "POST", headers: {"Content-Type": "application/json"},
                               body: JSON.stringify({scenario: doc})}).then(function (r) {
      return r.json().then(function (b) { return {ok: r.ok, body: b}; });
    }).then(function (res) {
      if (mine !== seq) { return; }
      var ul = $("ed-problems");
      ul.textContent = "";
      if (!res.ok) {
        var e = res.body.error || {};
        var problems = e.problems || [];
        $("ed-status").textContent = problems.length + " " + T.ed_problems;
        $("ed-status").className = "ed-bad";
        problems.forEach(function (p) { ul.appendChild(problemItem("error", p.path || p.field, p.message_zh, p.message_en)); });
        if (!problems.length) { ul.appendChild(problemItem("error", "", e.message_zh, e.message_en)); }
        return;
      }
      preview = res.body;
      var errors = preview.findings.filter(function (f) { return f.level === "error"; }).length;
      $("ed-status").textContent = errors ? errors + " " + T.ed_problems : T.ed_valid;
      $("ed-status").className = errors ? "ed-bad" : "ed-good";
      preview.findings.forEach(function (f) { ul.appendChild(problemItem(f.level, f.where, f.message_zh, f.message_en)); });
      refreshers.forEach(function (fn) { fn(); });
      showPreview();
    }).catch(function () { /* offline: try again on the next change */ });
  }
  function showPreview() {
    if (!preview) { return; }
    var times = {};
    (preview.injects || []).forEach(function (i) { times[i.id] = i; });
    document.querySelectorAll("#ed-injects .ed-inject").forEach(function (card) {
      var p = times[card.dataset.inject];
      card.querySelector(".ed-dry").textContent = p ? (p.fires_t || T.ed_never) : "—";
      card.querySelector(".ed-warn").textContent = p && p.warning_zh ? (EN ? p.warning_en : p.warning_zh) : "";
      card.classList.toggle("warn", !!(p && p.warning_zh));
    });
    var ol = $("ed-timeline");
    ol.textContent = "";
    var rows = [];
    var phaseNames = {};
    list("phases").forEach(function (p) { phaseNames[p.id] = p.name || p.id; });
    (preview.phases || []).forEach(function (ph) { rows.push([ph.t, "▶ " + (phaseNames[ph.id] || ph.id)]); });
    (preview.injects || []).forEach(function (i) {
      rows.push([i.fires_t || "—", i.id + (i.fires_t ? "" : " " + T.ed_never)]);
    });
    (preview.expected || []).forEach(function (a) { rows.push([a.due_t, a.inject_id + "/" + a.action_id + " " + T.ed_due]); });
    if (preview.ended_t) { rows.push([preview.ended_t, "■ " + T.ed_ends]); }
    function minutes(t) { if (!t || t === "—") { return 1e9; } var m = /T([+-])(\d+):(\d+)/.exec(t); return (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])); }
    rows.sort(function (a, b) { return minutes(a[0]) - minutes(b[0]); });
    rows.forEach(function (r) {
      var li = el("li");
      li.appendChild(el("span", "t", r[0]));
      li.appendChild(document.createTextNode(r[1]));
      ol.appendChild(li);
    });
  }

  /* ---------------------------------------------------------------- save and run */
  var savedId = C.id, revision = C.revision;
  function say(text, bad) {
    var m = $("ed-msg");
    m.hidden = !text; m.textContent = text || ""; m.style.background = bad ? "#fdecea" : "";
  }
  function save(draft) {
    var body = {scenario: doc, note: $("ed-note").value, draft: draft};
    var url = C.urls.create, method = "POST";
    if (savedId) { url = C.urls.update.replace(/\/0$/, "/" + savedId); method = "PUT"; body.revision = revision; }
    else if (C.copied_from) { body.copied_from = C.copied_from; }
    EEC.fetch(url, {method: method, headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)})
      .then(function (r) { return r.json().then(function (b) { return {ok: r.ok, body: b}; }); })
      .then(function (res) {
        if (!res.ok) {
          var e = res.body.error || {};
          var msg = EN ? e.message_en : e.message_zh;
          (e.problems || []).forEach(function (p) { msg += "; " + (p.path || "") + " " + (EN ? p.message_en : p.message_zh); });
          say(msg, true);
          return;
        }
        savedId = res.body.id; revision = res.body.revision;
        say(T.ed_saved.replace("{v}", res.body.version));
        $("ed-run").hidden = draft;
        if (window.history && window.history.replaceState) {
          window.history.replaceState(null, "", C.urls.edit.replace("/0/", "/" + savedId + "/"));
        }
      }).catch(function (err) { say(String(err), true); });
  }
  $("ed-save").addEventListener("click", function () { save(false); });
  $("ed-save-draft").addEventListener("click", function () { save(true); });
  $("ed-start").addEventListener("click", function () {
    EEC.fetch(C.urls.runs, {method: "POST", headers: {"Content-Type": "application/json"},
                            body: JSON.stringify({scenario_id: savedId, speed: $("ed-speed").value})})
      .then(function (r) { return r.json().then(function (b) { return {ok: r.ok, body: b}; }); })
      .then(function (res) {
        if (!res.ok) { say(EN ? res.body.error.message_en : res.body.error.message_zh, true); return; }
        window.location.href = C.urls.console.replace(/\/0$/, "/" + res.body.id);
      });
  });

  renderAll();
  renderIncident();
  initMap();
  check();
  window.EEC_EDITOR = {doc: function () { return doc; }, preview: function () { return preview; }};
})();
