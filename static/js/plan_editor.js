/* The plan editor (预案编制): the plan's sections as editable tables, sites typed (decimal or
 * 度分秒) or picked on the map and snapped live onto their own river, inline validation with the
 * file validator's rules (POST …/check), save / submit / discard through the drafts API.
 * Every value is written as text (textContent, input.value): no data string becomes HTML. */
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("plan-editor-data").textContent);
  var T = D.t, V = D.vocab, EN = D.lang === "en";
  var API = D.urls.api;
  var doc = JSON.parse(JSON.stringify(D.document));
  var draft = D.draft;
  var editable = D.can_edit && (!draft || draft.status === "editing" || draft.status === "returned");
  var dirty = false, problems = [], checkTimer = null, picking = null;
  var placements = {};  // "receptors[0]" → placement answer
  var map, siteLayer;

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "class") { e.className = attrs[k]; } else { e.setAttribute(k, attrs[k]); }
    });
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function fmt(s, values) {
    return String(s).replace(/\{(\w+)\}/g, function (_, k) { return values[k] !== undefined ? values[k] : ""; });
  }
  function listText(v) { return Array.isArray(v) ? v.join("；") : (v || ""); }
  function listValue(s) {
    return String(s).split(/[；;\n]/).map(function (x) { return x.trim(); }).filter(Boolean);
  }

  /* ---------------------------------------------------------------- field definitions */
  var SITE_COMMON = ["id", "name_zh"];
  var KIND_FIELDS = {
    intake: ["place_level", "serves_zh", "population_served", "backup_source_zh", "capacity_m3_per_day"],
    water_source: ["place_level", "serves_zh", "population_served", "backup_source_zh", "capacity_m3_per_day"],
    section: ["section_level", "cross_boundary", "boundary_zh"],
    irrigation_intake: ["serves_zh", "irrigated_area_mu"]
  };
  var FIELD_TYPE = {
    population_served: "int", capacity_m3_per_day: "num", irrigated_area_mu: "num",
    storage_m3: "num", deploy_hours: "num", deadline_h: "num",
    cross_boundary: "bool", sample: "bool",
    place_level: "place_levels", section_level: "section_levels", kind: "receptor_kinds",
    facility_type: "facility_types", group: "measure_groups",
    techniques: "list", parameters_zh: "list", prefectures: "list", counties: "list",
    upstream: "list", downstream: "list"
  };
  var SECTIONS = {
    receptors: {kind: null, fields: ["kind"].concat(SITE_COMMON), more: function (s) {
      return (KIND_FIELDS[s.kind] || []).concat(["name_en", "note_zh"]); }},
    facilities: {kind: "intercept", fields: SITE_COMMON.concat(["facility_type"]), more: function () {
      return ["storage_m3", "techniques", "operator_zh", "contact_zh", "phone", "deploy_hours",
              "name_en", "note_zh"]; }},
    monitoring: {kind: "monitoring", fields: SITE_COMMON, more: function () {
      return ["parameters_zh", "frequency_zh", "name_en", "note_zh"]; }}
  };

  /* An input bound to obj[key]; path names it for validation messages. */
  function input(obj, key, path) {
    var type = FIELD_TYPE[key], e;
    if (type === "bool") {
      e = el("input", {type: "checkbox"});
      e.checked = !!obj[key];
      e.addEventListener("change", function () { obj[key] = e.checked; changed(); });
    } else if (type && V[type]) {
      e = el("select");
      e.appendChild(el("option", {value: ""}, "—"));
      Object.keys(V[type]).forEach(function (code) {
        var o = el("option", {value: code}, V[type][code]);
        if (obj[key] === code) { o.selected = true; }
        e.appendChild(o);
      });
      e.addEventListener("change", function () {
        if (e.value) { obj[key] = e.value; } else { delete obj[key]; }
        changed(key === "kind");
      });
    } else {
      e = el("input", {type: "text"});
      e.value = type === "list" ? listText(obj[key]) : (obj[key] === undefined || obj[key] === null ? "" : obj[key]);
      if (type === "list") { e.title = T.list_hint; }
      e.addEventListener("change", function () {
        var v = e.value.trim();
        if (v === "") { delete obj[key]; }
        else if (type === "list") { obj[key] = listValue(v); }
        else if (type === "int" || type === "num") {
          var n = Number(v.replace(/,/g, ""));
          obj[key] = isFinite(n) && v !== "" ? (type === "int" && Number.isInteger(n) ? n : n) : v;
        } else { obj[key] = v; }
        changed();
      });
    }
    e.dataset.path = path ? path + "." + key : key;
    e.setAttribute("aria-label", T[key] || key);
    e.disabled = !editable;
    return e;
  }

  /* ---------------------------------------------------------------- rendering */
  var tables = document.getElementById("plan-tables");

  function render() {
    tables.textContent = "";
    renderPlan();
    Object.keys(SECTIONS).forEach(renderSites);
    renderCards();
    renderContacts();
    markProblems();
    drawSites();
  }

  function section(key, count) {
    var box = el("section", {"class": "plan-section", id: "plan-" + key});
    var h = el("h2", {}, (D.t["sec_" + key] || sectionTitle(key)) + (count !== undefined ? "(" + count + ")" : ""));
    box.appendChild(h);
    tables.appendChild(box);
    return box;
  }
  function sectionTitle(key) {
    var zh = {plan: "基本信息", receptors: "敏感目标", facilities: "应急空间与设施",
              monitoring: "监测点位", cards: "应急处置卡", contacts: "联系人"};
    var en = {plan: "Plan", receptors: "Receptors", facilities: "Emergency spaces and facilities",
              monitoring: "Monitoring points", cards: "Response cards", contacts: "Contacts"};
    return (EN ? en : zh)[key];
  }

  function renderPlan() {
    var box = section("plan");
    var t = el("table", {"class": "eec-table plan-kv"});
    ["name_zh", "name_en", "basin", "sample", "sample_note_zh", "prefectures", "counties",
     "upstream", "downstream"].forEach(function (k) {
      var tr = el("tr");
      tr.appendChild(el("th", {}, T[k] || k));
      var td = el("td");
      td.appendChild(input(doc, k, ""));
      tr.appendChild(td);
      t.appendChild(tr);
    });
    box.appendChild(t);
  }

  function renderSites(key) {
    var spec = SECTIONS[key];
    var list = doc[key] = doc[key] || [];
    var box = section(key, list.length);
    var t = el("table", {"class": "eec-table plan-grid", id: "plan-table-" + key});
    var head = el("tr");
    spec.fields.concat(["location"]).forEach(function (f) {
      head.appendChild(el("th", {}, f === "location" ? T.coords : (T[f] || f)));
    });
    head.appendChild(el("th", {}, T.placed));
    head.appendChild(el("th", {}, ""));
    var thead = el("thead"); thead.appendChild(head); t.appendChild(thead);
    var body = el("tbody");
    list.forEach(function (site, i) {
      var path = key + "[" + i + "]";
      var tr = el("tr", {"data-path": path, "data-site": site.id || ""});
      spec.fields.forEach(function (f) {
        var td = el("td"); td.appendChild(input(site, f, path)); tr.appendChild(td);
      });
      var loc = el("td", {"class": "plan-loc"});
      var coords = el("input", {type: "text", "class": "plan-coords", title: T.coords_hint,
                                placeholder: "125.7671, 44.1422"});
      coords.value = site.lon !== undefined && site.lat !== undefined ? site.lon + ", " + site.lat : "";
      coords.dataset.path = path;
      coords.disabled = !editable;
      coords.addEventListener("change", function () { place(site, path, {at: coords.value}); });
      loc.appendChild(coords);
      if (editable) {
        var pick = el("button", {type: "button", "class": "eec-btn plan-pick", title: T.pick_hint}, T.pick);
        pick.addEventListener("click", function () { startPick(site, path, pick); });
        loc.appendChild(pick);
      }
      tr.appendChild(loc);
      var info = el("td", {"class": "plan-placed", id: "placed-" + key + "-" + i});
      showPlacement(info, placements[path]);
      tr.appendChild(info);
      var actions = el("td", {"class": "plan-actions"});
      var more = el("button", {type: "button", "class": "eec-btn"}, T.details);
      actions.appendChild(more);
      if (editable) { actions.appendChild(removeButton(list, i)); }
      tr.appendChild(actions);
      body.appendChild(tr);
      var extra = el("tr", {"class": "plan-extra", hidden: ""});
      var cell = el("td", {colspan: String(spec.fields.length + 3)});
      spec.more(site).forEach(function (f) {
        var lab = el("label", {"class": "plan-field"});
        lab.appendChild(el("span", {}, T[f] || f));
        lab.appendChild(input(site, f, path));
        cell.appendChild(lab);
      });
      extra.appendChild(cell);
      body.appendChild(extra);
      more.addEventListener("click", function () { extra.hidden = !extra.hidden; });
      if (placements[path] === undefined && site.lon !== undefined) {
        placements[path] = null;
        place(site, path, {lon: site.lon, lat: site.lat}, true);
      }
    });
    t.appendChild(body);
    box.appendChild(t);
    if (editable) {
      var add = el("button", {type: "button", "class": "eec-btn plan-add", id: "plan-add-" + key}, T.add_row);
      add.addEventListener("click", function () {
        var prefix = {receptors: "intake", facilities: "intercept", monitoring: "monitoring"}[key];
        var n = list.length + 1;
        while (list.some(function (s) { return s.id === prefix + "-" + n; })) { n += 1; }
        var fresh = {id: prefix + "-" + n, name_zh: ""};
        if (key === "receptors") { fresh.kind = "intake"; }
        list.push(fresh);
        changed(true);
      });
      box.appendChild(add);
    }
  }

  function removeButton(list, i) {
    var b = el("button", {type: "button", "class": "eec-btn danger"}, T.delete);
    b.addEventListener("click", function () { list.splice(i, 1); placements = {}; changed(true); });
    return b;
  }

  function renderCards() {
    var cards = doc.response_cards = doc.response_cards || {};
    var box = section("cards", Object.keys(cards).length);
    Object.keys(cards).forEach(function (cls) {
      var det = el("details", {"class": "plan-card", open: ""});
      det.appendChild(el("summary", {}, (V.pollutant_classes[cls] || cls) + "(" + cards[cls].length + ")"));
      var t = el("table", {"class": "eec-table plan-grid"});
      var head = el("tr");
      ["#", T.measure, T.responsible, T.group, T.deadline, ""].forEach(function (h) { head.appendChild(el("th", {}, h)); });
      t.appendChild(head);
      cards[cls].forEach(function (m, i) {
        var path = "response_cards." + cls + "[" + i + "]";
        var tr = el("tr", {"data-path": path});
        tr.appendChild(el("td", {}, i + 1));
        ["text_zh", "responsible_zh", "group", "deadline_h"].forEach(function (f) {
          var td = el("td"); var inp = input(m, f, path);
          if (f === "text_zh") { inp.classList.add("plan-wide"); }
          td.appendChild(inp); tr.appendChild(td);
        });
        var actions = el("td", {"class": "plan-actions"});
        if (editable) {
          [["up", -1], ["down", 1]].forEach(function (p) {
            var b = el("button", {type: "button", "class": "eec-btn"}, T[p[0]]);
            b.addEventListener("click", function () {
              var j = i + p[1];
              if (j < 0 || j >= cards[cls].length) { return; }
              var x = cards[cls][i]; cards[cls][i] = cards[cls][j]; cards[cls][j] = x;
              changed(true);
            });
            actions.appendChild(b);
          });
          actions.appendChild(removeButton(cards[cls], i));
        }
        tr.appendChild(actions);
        t.appendChild(tr);
      });
      det.appendChild(t);
      if (editable) {
        var add = el("button", {type: "button", "class": "eec-btn plan-add"}, T.add_row);
        add.addEventListener("click", function () {
          cards[cls].push({text_zh: "", responsible_zh: "", group: "现场污染处置"});
          changed(true);
        });
        det.appendChild(add);
      }
      box.appendChild(det);
    });
    if (editable) {
      var sel = el("select", {"aria-label": T.add_card});
      Object.keys(V.pollutant_classes).forEach(function (c) {
        if (!cards[c]) { sel.appendChild(el("option", {value: c}, V.pollutant_classes[c])); }
      });
      if (sel.options.length) {
        var b = el("button", {type: "button", "class": "eec-btn"}, T.add_card);
        b.addEventListener("click", function () {
          cards[sel.value] = [{text_zh: "", responsible_zh: "", group: "现场污染处置"}];
          changed(true);
        });
        box.appendChild(sel); box.appendChild(b);
      }
    }
  }

  function renderContacts() {
    var list = doc.contacts = doc.contacts || [];
    var box = section("contacts", list.length);
    var t = el("table", {"class": "eec-table plan-grid"});
    var head = el("tr");
    [T.unit, T.role, T.phone, ""].forEach(function (h) { head.appendChild(el("th", {}, h)); });
    t.appendChild(head);
    list.forEach(function (c, i) {
      var path = "contacts[" + i + "]";
      var tr = el("tr", {"data-path": path});
      ["unit_zh", "role_zh", "phone"].forEach(function (f) {
        var td = el("td"); td.appendChild(input(c, f, path)); tr.appendChild(td);
      });
      var actions = el("td");
      if (editable) { actions.appendChild(removeButton(list, i)); }
      tr.appendChild(actions);
      t.appendChild(tr);
    });
    box.appendChild(t);
    if (editable) {
      var add = el("button", {type: "button", "class": "eec-btn plan-add"}, T.add_row);
      add.addEventListener("click", function () { list.push({unit_zh: "", role_zh: "", phone: ""}); changed(true); });
      box.appendChild(add);
    }
  }

  /* ---------------------------------------------------------------- placing sites */
  function showPlacement(cell, p) {
    cell.textContent = "";
    cell.classList.remove("bad");
    if (!p) { return; }
    if (p.ok) {
      cell.textContent = fmt(T.km, {km: p.km.toFixed(1), d: Math.round(p.distance_m)});
    } else {
      cell.classList.add("bad");
      cell.textContent = EN ? p.message_en : p.message_zh;
    }
  }

  function place(site, path, query, quiet) {
    var q = query.at !== undefined ? "at=" + encodeURIComponent(query.at)
      : "lon=" + encodeURIComponent(query.lon) + "&lat=" + encodeURIComponent(query.lat);
    EEC.fetch(API + "/place?" + q).then(function (r) { return r.json(); }).then(function (p) {
      placements[path] = p;
      if (p.lon !== null && p.lat !== null && !quiet) {
        site.lon = Math.round(p.lon * 1e6) / 1e6;
        site.lat = Math.round(p.lat * 1e6) / 1e6;
        changed(true);
        return;
      }
      var row = document.querySelector('tr[data-path="' + path + '"] .plan-placed');
      if (row) { showPlacement(row, p); }
      drawSites();
    });
  }

  function startPick(site, path, button) {
    picking = {site: site, path: path};
    document.getElementById("plan-map").classList.add("picking");
    setStatus(T.pick_hint);
    button.classList.add("active");
    document.getElementById("plan-map").scrollIntoView({block: "nearest"});
  }

  /* ---------------------------------------------------------------- the map (preview) */
  function initMap() {
    map = EEC.maps.create("plan-map");
    EEC.maps.context(map, D.urls.context, D.lang, {faint: true});
    map.createPane("river").style.zIndex = 420;
    var river = L.geoJSON(D.river, {pane: "river", style: {color: "#0d47a1", weight: 5, opacity: 0.85}}).addTo(map);
    siteLayer = L.layerGroup().addTo(map);
    map.fitBounds(river.getBounds(), {padding: [16, 16]});
    map.on("click", function (e) {
      if (!picking) { return; }
      var p = picking; picking = null;
      document.getElementById("plan-map").classList.remove("picking");
      place(p.site, p.path, {lon: e.latlng.lng.toFixed(6), lat: e.latlng.lat.toFixed(6)});
    });
    drawSites();
  }

  function drawSites() {
    if (!siteLayer) { return; }
    siteLayer.clearLayers();
    Object.keys(SECTIONS).forEach(function (key) {
      (doc[key] || []).forEach(function (s, i) {
        if (typeof s.lon !== "number" || typeof s.lat !== "number") { return; }
        var kind = SECTIONS[key].kind || s.kind;
        var p = placements[key + "[" + i + "]"];
        var m = L.circleMarker([s.lat, s.lon], {radius: 6.5, color: p && !p.ok ? "#b71c1c" : "#fff",
          weight: 2, fillColor: V.kind_colours[kind] || "#455a64", fillOpacity: 1});
        var label = el("span", {}, (s.name_zh || s.id) + (p && p.ok ? " · km " + p.km.toFixed(1) : ""));
        m.bindTooltip(label).addTo(siteLayer);
        if (p && p.ok && p.snapped_lon !== null) {
          L.polyline([[s.lat, s.lon], [p.snapped_lat, p.snapped_lon]], {color: "#37474f", weight: 1,
            dashArray: "3 3", interactive: false}).addTo(siteLayer);
        }
      });
    });
  }

  /* ---------------------------------------------------------------- validation */
  function changed(rerender) {
    dirty = true;
    if (rerender) { render(); } else { drawSites(); }
    toolbar();
    clearTimeout(checkTimer);
    checkTimer = setTimeout(check, 500);
  }

  function check() {
    var box = document.getElementById("plan-problems");
    box.textContent = T.checking;
    return EEC.fetch(API + "/check", {method: "POST", headers: {"Content-Type": "application/json"},
                                      body: JSON.stringify({document: doc})})
      .then(function (r) { return r.json(); })
      .then(function (body) { showProblems(body.problems || []); });
  }

  function showProblems(list) {
    problems = list;
    var box = document.getElementById("plan-problems");
    box.textContent = "";
    box.classList.toggle("ok", !list.length);
    if (!list.length) { box.appendChild(el("p", {}, T.no_problems)); markProblems(); return; }
    box.appendChild(el("h3", {}, fmt(T.problems, {n: list.length})));
    var ul = el("ul");
    list.forEach(function (p) {
      var li = el("li");
      li.appendChild(el("code", {}, p.path || p.sheet || ""));
      li.appendChild(document.createTextNode(" " + (EN ? p.message_en : p.message_zh)));
      if (p.sheet) { li.appendChild(document.createTextNode(" (" + p.sheet + " " + (p.row || "") + " " + (p.column || "") + ")")); }
      ul.appendChild(li);
    });
    box.appendChild(ul);
    markProblems();
  }

  function markProblems() {
    document.querySelectorAll(".plan-bad").forEach(function (e) { e.classList.remove("plan-bad"); e.removeAttribute("title"); });
    problems.forEach(function (p) {
      if (!p.path) { return; }
      var exact = document.querySelector('[data-path="' + CSS.escape(p.path) + '"]:not(tr)');
      var row = document.querySelector('tr[data-path="' + CSS.escape(p.path.replace(/\.[a-z_]+$/, "")) + '"]');
      var target = exact || row;
      if (target) {
        target.classList.add("plan-bad");
        target.setAttribute("title", EN ? p.message_en : p.message_zh);
      }
    });
  }

  /* ---------------------------------------------------------------- drafts */
  var bar = document.getElementById("plan-toolbar");
  var statusLine = el("span", {"class": "plan-status", id: "plan-status"});

  function setStatus(text, bad) {
    statusLine.textContent = text;
    statusLine.classList.toggle("bad", !!bad);
  }

  function toolbar() {
    bar.textContent = "";
    var info = el("span", {"class": "plan-draft-info", id: "plan-draft-info"});
    info.textContent = draft ? fmt(T.draft_status, {id: draft.id, r: draft.revision, status: T["status_" + draft.status]})
      : T.none;
    bar.appendChild(info);
    if (draft && draft.status === "returned" && draft.comment) {
      bar.appendChild(el("span", {"class": "plan-returned"}, T.returned_comment + draft.comment));
    }
    if (D.can_edit && !draft) {
      bar.appendChild(button(T.start, "plan-start", startDraft));
    }
    if (editable && draft) {
      bar.appendChild(button(T.save, "plan-save", save, dirty ? "primary" : ""));
      var note = el("input", {type: "text", id: "plan-note", placeholder: T.note, "class": "plan-note"});
      note.value = draft.note || "";
      bar.appendChild(note);
      bar.appendChild(button(T.submit, "plan-submit", function () { submit(note.value); }, "primary"));
      bar.appendChild(button(T.discard, "plan-discard", discard, "danger"));
      var file = el("input", {type: "file", accept: ".xlsx,.yaml,.yml", id: "plan-import-file", "class": "plan-file"});
      file.addEventListener("change", function () { if (file.files.length) { importFile(file.files[0]); } });
      var lab = el("label", {"class": "eec-btn", "for": "plan-import-file"}, T.import);
      bar.appendChild(lab); bar.appendChild(file);
    }
    if (draft && draft.status === "submitted") {
      var a = el("a", {"class": "eec-btn", href: D.urls.review + draft.id, id: "plan-review-link"}, T.review);
      bar.appendChild(a);
    }
    if (dirty) { bar.appendChild(el("span", {"class": "plan-dirty"}, T.unsaved)); }
    bar.appendChild(statusLine);
  }

  function button(text, id, handler, cls) {
    var b = el("button", {type: "button", id: id, "class": "eec-btn " + (cls || "")}, text);
    b.addEventListener("click", handler);
    return b;
  }

  function failed(resp, body) {
    var err = (body && body.error) || {};
    var msg = (EN ? err.message_en : err.message_zh) || (T.error + " (" + resp.status + ")");
    setStatus((resp.status === 409 ? T.conflict + ": " : "") + msg, true);
    if (err.details && err.details.problems) { showProblems(err.details.problems); }
  }

  function call(url, method, payload) {
    var opts = {method: method, headers: {"Content-Type": "application/json"}};
    if (payload !== undefined) { opts.body = JSON.stringify(payload); }
    return EEC.fetch(url, opts).then(function (resp) {
      return resp.json().catch(function () { return {}; }).then(function (body) {
        if (!resp.ok) { failed(resp, body); throw new Error(String(resp.status)); }
        return body;
      });
    });
  }

  function startDraft() {
    return call(API + "/drafts", "POST").then(function (body) {
      draft = body; doc = JSON.parse(JSON.stringify(body.document));
      editable = true; dirty = false; placements = {};
      render(); toolbar(); check();
    });
  }

  function save() {
    return call(API + "/drafts/" + draft.id, "PUT", {document: doc, revision: draft.revision})
      .then(function (body) {
        draft = body; dirty = false; toolbar();
        setStatus(fmt(T.saved, {r: body.revision}));
        showProblems([]);
      });
  }

  function submit(note) {
    if (!note.trim()) { setStatus(T.note_needed, true); return; }
    var go = dirty ? save() : Promise.resolve();
    go.then(function () {
      return call(API + "/drafts/" + draft.id + "/submit", "POST", {note: note, revision: draft.revision});
    }).then(function (body) {
      window.location.assign(D.urls.review + body.id);
    }).catch(function () {});
  }

  function discard() {
    if (!window.confirm(T.confirm_discard)) { return; }
    call(API + "/drafts/" + draft.id, "DELETE").then(function () {
      window.location.reload();
    }).catch(function () {});
  }

  function importFile(file) {
    var form = new FormData();
    form.append("file", file);
    EEC.fetch(API + "/import", {method: "POST", body: form}).then(function (resp) {
      return resp.json().then(function (body) {
        if (!resp.ok) { failed(resp, body); return; }
        draft = body; doc = JSON.parse(JSON.stringify(body.document));
        dirty = false; placements = {};
        render(); toolbar();
        setStatus(fmt(T.imported, {n: body.changes.length}));
      });
    });
  }

  window.addEventListener("beforeunload", function (e) {
    if (dirty) { e.preventDefault(); e.returnValue = ""; }
  });

  document.addEventListener("DOMContentLoaded", function () {
    render();
    toolbar();
    initMap();
    if (editable && draft) { check(); }
    window.EEC_PLAN_EDITOR = {doc: function () { return doc; }, problems: function () { return problems; }};
  });
})();
