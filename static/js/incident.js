/* The incident page (事件工作台): header clocks, the situation map, the arrival table, the
 * checklist, measures, reports, monitoring, timeline and 初报 — kept live by polling
 * /api/incidents/<id>/changes. Saves carry versions: a 409 is shown, never overwritten. */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("inc-config").textContent);
  var S = JSON.parse(document.getElementById("inc-state").textContent);
  var T = cfg.t, EN = cfg.lang === "en";
  var inc = S.incident, pkg = S.package, events = S.events, observations = S.observations;
  var lastEvent = S.last_event_id;
  var skew = Date.parse(cfg.server_now) - Date.now();
  var $ = function (id) { return document.getElementById(id); };
  var RECEPTORS = ["intake", "water_source", "section", "irrigation_intake", "monitoring"];
  var LEFT_COLOURS = {passed: "#78909c", "6": "#d32f2f", "24": "#f57c00", later: "#2e7d32"};

  function now() { return Date.now() + skew; }
  function terminated() { return inc.status === "terminated"; }
  function ms(iso) { return iso ? Date.parse(iso) : NaN; }
  var el = EEC.el, fill = EEC.fill;
  function pick(obj, base) {
    if (!obj) { return ""; }
    return EN ? (obj[base + "_en"] || obj[base + "_zh"] || "") : (obj[base + "_zh"] || "");
  }
  function nameOf(item) { return EN ? (item.name_en || item.name_zh) : item.name_zh; }
  function sig(v) {
    if (v === null || v === undefined) { return "—"; }
    return Math.abs(v) >= 100 ? v.toFixed(0) : Number(v.toPrecision(3)).toString();
  }
  function span(ms_) { return EEC.time.span(ms_); }
  function toast(text, isError) {
    var box = $("inc-toast");
    var d = el("div", isError ? "error" : "", text);
    box.appendChild(d);
    setTimeout(function () { d.remove(); }, isError ? 9000 : 5000);
  }
  function api(url, options) {
    options = options || {};
    if (options.body && typeof options.body !== "string") {
      options.body = JSON.stringify(options.body);
      options.headers = {"Content-Type": "application/json"};
    }
    return EEC.fetch(url, options).then(function (resp) {
      return resp.json().catch(function () { return {}; }).then(function (body) {
        return {status: resp.status, ok: resp.ok, body: body};
      });
    });
  }
  function errorText(body) {
    var e = body && body.error;
    if (!e) { return EN ? "request failed" : "请求失败"; }
    var problems = (e.problems || []).map(function (p) { return EN ? p.message_en : p.message_zh; });
    return problems.length ? problems.join(";") : (EN ? e.message_en : e.message_zh);
  }

  /* time left until an item's earliest front: class and text */
  function leftOf(item, t) {
    var h = (ms(item.front_at_earliest) - t) / 3.6e6;
    if (h <= 0) { return {cls: "passed", hours: h}; }
    return {cls: h < 6 ? "6" : h < 24 ? "24" : "later", hours: h};
  }
  function leftText(item, t) {
    var front = ms(item.front_at_earliest), tail = ms(item.tail_at);
    if (t < front) { return span(front - t); }
    if (t < tail) { return EN ? "plume passing" : "污染团过境中"; }
    return EN ? "passed" : "已过境";
  }

  /* ================================================================== header */
  function renderHeader() {
    var tier = pkg.tier.level || 0;
    var warn = pkg.warning.level || "none";
    var tierBox = $("inc-tier");
    tierBox.className = "t" + tier;
    var sum = tierBox.querySelector("summary");
    sum.querySelector("big").textContent = tier ? fill(T.tier_big, {roman: pkg.tier.roman}) : "—";
    sum.querySelector("small").textContent = T["tier_name_" + tier];
    var ol = tierBox.querySelector("ol");
    ol.textContent = "";
    pkg.tier.reasons.forEach(function (r) {
      var li = el("li", r.advisory ? "advisory" : "", pick(r, "text") +
                  (r.advisory ? " " + T.inc_advisory : ""));
      ol.appendChild(li);
    });
    var warnBox = $("inc-warning");
    warnBox.className = warn;
    warnBox.querySelector("big").textContent = T["warning_" + warn] || warn;
    ol = warnBox.querySelector("ol");
    ol.textContent = "";
    pkg.warning.reasons.forEach(function (r) { ol.appendChild(el("li", "", pick(r, "text"))); });
    var status = $("inc-status");
    status.className = "badge-status " + inc.status;
    status.textContent = T["status_" + inc.status];
    if ($("btn-start")) { $("btn-start").hidden = inc.status !== "reported"; }
    if ($("btn-terminate")) { $("btn-terminate").hidden = inc.status === "terminated"; }
    if ($("btn-level")) { $("btn-level").hidden = inc.status !== "responding"; }
    $("inc").classList.toggle("is-terminated", inc.status === "terminated");
  }

  function setClock(id, value, note, cls) {
    var box = $(id);
    box.className = "inc-clock" + (cls ? " " + cls : "");
    box.querySelector("b").textContent = value;
    var s = box.querySelector("span");
    s.textContent = note || "";
    s.title = note || "";
  }

  /* urgency order (as emergency/incidents/checklist.urgency_key): open first; 立即 actions first,
   * intake closure before intercepts, notifications and sampling, each by the plume's arrival;
   * then by due time; undated last */
  var URGENCY_RANK = {close_intake: 0, activate_intercept: 1, notify: 2, international: 3, sample: 4};
  function byUrgency(a, b) {
    var ra = URGENCY_RANK[a.kind] !== undefined ? URGENCY_RANK[a.kind] : 9;
    var rb = URGENCY_RANK[b.kind] !== undefined ? URGENCY_RANK[b.kind] : 9;
    var ka = [a.status !== "open" ? 1 : 0, a.immediate ? 0 : 1, a.immediate ? ra : 0,
              a.immediate ? ms(a.arrival_at || a.due_at) : (a.due_at ? ms(a.due_at) : Infinity), ra];
    var kb = [b.status !== "open" ? 1 : 0, b.immediate ? 0 : 1, b.immediate ? rb : 0,
              b.immediate ? ms(b.arrival_at || b.due_at) : (b.due_at ? ms(b.due_at) : Infinity), rb];
    for (var k = 0; k < ka.length; k++) {
      var x = isNaN(ka[k]) ? Infinity : ka[k], y = isNaN(kb[k]) ? Infinity : kb[k];
      if (x !== y) { return x < y ? -1 : 1; }
    }
    return a.id - b.id;
  }
  function isOverdue(i, t) { return i.status === "open" && !i.immediate && i.due_at && ms(i.due_at) < t; }
  function nextDeadline(t) {
    var open = checklist.filter(function (i) { return i.status === "open" && (i.due_at || i.immediate); });
    open.sort(byUrgency);
    if (!open.length) { return null; }
    var overdue = open.filter(function (i) { return isOverdue(i, t); }).length;
    return {item: open[0], overdue: overdue};
  }
  function immediateText(i) {
    return T.inc_immediate + (i.arrival_at ? " · " + T.inc_predicted_arrival + " " + EEC.time.short(i.arrival_at) : "");
  }

  var stoppedRendered = false;
  function tickClocks() {
    var t = now();
    if (terminated()) {  /* a terminated response: every countdown stops, once */
      if (stoppedRendered) { return; }
      stoppedRendered = true;
      setClock("clock-since", T.status_terminated, T.inc_clocks_stopped);
      setClock("clock-next", "—", T.inc_clocks_stopped);
      setClock("clock-arrival", "—", T.inc_clocks_stopped);
      document.querySelectorAll("#arr-table .left-cell").forEach(function (c) { c.textContent = "—"; c.className = "num t left-cell"; });
      updateDueCells(t);
      return;
    }
    setClock("clock-since", span(t - ms(inc.discovered_at)) + T.inc_ago,
             T.inc_occurred_short + " " + EEC.time.brief(inc.occurred_at, t) + " · " +
             T.inc_discovered_short + " " + EEC.time.brief(inc.discovered_at, t));
    var next = terminated() ? null : nextDeadline(t);
    if (!next) {
      setClock("clock-next", "—", terminated() ? T.inc_clocks_stopped : T.inc_no_deadline);
    } else if (next.item.immediate) {
      var itext = EN ? (next.item.text_en || next.item.text_zh) : next.item.text_zh;
      setClock("clock-next", T.inc_immediate_short, immediateText(next.item) + " · " + itext, "immediate");
    } else {
      var left = ms(next.item.due_at) - t;
      var text = EN ? (next.item.text_en || next.item.text_zh) : next.item.text_zh;
      var note = EEC.time.brief(next.item.due_at, t) + " " + text;
      if (left < 0) {
        var more = next.overdue > 1 ? "(" + fill(T.inc_overdue_n, {n: next.overdue - 1}) + ")" : "";
        setClock("clock-next", (EN ? "overdue " : "超时 ") + span(-left), more + note, "overdue");
      } else {
        setClock("clock-next", span(left), note, left < 3.6e6 ? "critical" : left < 4 * 3.6e6 ? "urgent" : "");
      }
    }
    var coming = pkg.downstream.filter(function (d) {
      return d.kind !== "boundary" && d.kind !== "point" && ms(d.front_at_earliest) > t;
    }).sort(function (a, b) { return ms(a.front_at_earliest) - ms(b.front_at_earliest); });
    if (coming.length) {
      var d = coming[0], l = ms(d.front_at_earliest) - t;
      setClock("clock-arrival", span(l), nameOf(d) + " · km " + d.km.toFixed(1),
               l < 6 * 3.6e6 ? "critical" : l < 24 * 3.6e6 ? "urgent" : "");
    } else {
      setClock("clock-arrival", "—", "");
    }
    updateLeftCells(t);
    updateDueCells(t);
  }

  /* 启动响应 / 调整级别 / 终止: the commander's decisions live in incident_command.js */
  function applyIncident(body) {
    Object.keys(inc).forEach(function (k) { if (body[k] !== undefined) { inc[k] = body[k]; } });
  }

  /* ================================================================== map */
  var map = EEC.maps.create("inc-map");
  EEC.maps.context(map, cfg.urls.context, cfg.lang, {faint: true});
  map.createPane("inc-path").style.zIndex = 420;
  map.createPane("inc-points").style.zIndex = 640;
  var path = null;            /* {latlngs, km} */
  var pathLayer = L.layerGroup().addTo(map);
  var plumeLayer = L.layerGroup().addTo(map);
  var itemLayer = L.layerGroup().addTo(map);
  var incidentLayer = L.layerGroup().addTo(map);
  var itemMarkers = {};
  var fitted = false;


  function loadPath() {
    return EEC.fetch(cfg.urls.path).then(function (resp) { return resp.ok ? resp.json() : null; })
      .then(function (body) {
        if (!body) { return; }
        var line = body.features.filter(function (f) { return f.id === "path"; })[0];
        var entry = body.features.filter(function (f) { return f.id === "entry"; })[0];
        var reported = body.features.filter(function (f) { return f.id === "reported"; })[0];
        path = {latlngs: line.geometry.coordinates.map(function (c) { return [c[1], c[0]]; }),
                km: line.properties.km, length: line.properties.length_km};
        pathLayer.clearLayers();
        L.polyline(path.latlngs, {color: "#fff", weight: 8, opacity: 0.8, pane: "inc-path",
                                  interactive: false}).addTo(pathLayer);
        L.polyline(path.latlngs, {color: "#6a1b9a", weight: 4.5, opacity: 0.75, pane: "inc-path",
                                  interactive: false}).addTo(pathLayer);
        incidentLayer.clearLayers();
        var q = [reported.geometry.coordinates[1], reported.geometry.coordinates[0]];
        var e = [entry.geometry.coordinates[1], entry.geometry.coordinates[0]];
        if (entry.properties.distance_m > 50) {
          L.polyline([q, e], {color: "#b71c1c", weight: 2, dashArray: "4 4", pane: "inc-path"})
            .addTo(incidentLayer);
        }
        L.marker(q, {pane: "inc-points", icon: L.divIcon({className: "inc-incident-icon", iconSize: [22, 22],
                                                          html: "<div><span>!</span></div>"}),
                     zIndexOffset: 1000})
          .bindTooltip(EEC.text(T.legend_incident + ":" + inc.title)).addTo(incidentLayer);
        if (!fitted) { fitMap(); fitted = true; }
        drawPlume();
      });
  }

  function fitMap() {
    if (!path || !path.latlngs.length) { return; }
    var items = pkg.downstream.filter(function (d) { return d.kind !== "boundary" && d.kind !== "point"; });
    var focus = 60;
    if (items.length) { focus = Math.max(focus, items[Math.min(2, items.length - 1)].km + 10); }
    focus = Math.min(focus, 400, path.length);
    var pts = path.latlngs.filter(function (ll, i) { return path.km[i] <= focus; });
    if (pts.length < 2) { pts = path.latlngs.slice(0, 2); }
    map.fitBounds(L.latLngBounds(pts), {padding: [30, 30], maxZoom: 12});
  }

  function pointAt(km) {
    var k = path.km, n = k.length;
    if (!n) { return null; }
    if (km <= k[0]) { return path.latlngs[0]; }
    if (km >= k[n - 1]) { return path.latlngs[n - 1]; }
    var lo = 0, hi = n - 1;
    while (hi - lo > 1) { var mid = (lo + hi) >> 1; if (k[mid] <= km) { lo = mid; } else { hi = mid; } }
    var f = (km - k[lo]) / ((k[hi] - k[lo]) || 1);
    var a = path.latlngs[lo], b = path.latlngs[hi];
    return [a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1])];
  }
  function slice(km0, km1) {
    var out = [pointAt(km0)];
    path.km.forEach(function (k, i) { if (k > km0 && k < km1) { out.push(path.latlngs[i]); } });
    out.push(pointAt(km1));
    return out;
  }

  /* Where the predicted front (or tail) is at time t: km interpolated between the listed items'
   * times (most probable), from the release at km 0. null before the release. */
  function kmAt(t, key) {
    var seq = [{km: 0, t: ms(inc.occurred_at) + (key === "tail_at" ? (inc.release_hours || 0) * 3.6e6 : 0)}];
    pkg.downstream.forEach(function (d) {
      var v = ms(d[key]);
      if (!isNaN(v) && v >= seq[seq.length - 1].t && d.km >= seq[seq.length - 1].km) { seq.push({km: d.km, t: v}); }
    });
    if (t < seq[0].t) { return null; }
    for (var i = 1; i < seq.length; i++) {
      if (t <= seq[i].t) {
        var a = seq[i - 1], b = seq[i];
        return a.km + (b.km - a.km) * ((t - a.t) / ((b.t - a.t) || 1));
      }
    }
    return seq[seq.length - 1].km;  /* beyond the last listed point: shown at the last one */
  }

  function drawPlume() {
    plumeLayer.clearLayers();
    if (!path) { return; }
    var t = now();
    var front = kmAt(t, "front_at");
    if (front === null) { return; }
    var tail = kmAt(t, "tail_at") || 0;
    if (front - tail > 0.05) {
      L.polyline(slice(Math.max(0, tail), front), {color: "#d32f2f", weight: 6, opacity: 0.85,
                                                    pane: "inc-path", interactive: false}).addTo(plumeLayer);
    }
    var at = pointAt(front);
    L.marker(at, {pane: "inc-points", zIndexOffset: 900,
                  icon: L.divIcon({className: "inc-front-icon", iconSize: [18, 18], html: "<div></div>"})})
      .bindTooltip(EEC.text(T.legend_front + " · km " + front.toFixed(1))).addTo(plumeLayer);
  }

  function drawItems() {
    itemLayer.clearLayers();
    itemMarkers = {};
    var t = now();
    pkg.downstream.forEach(function (d, idx) {
      if (d.kind === "point") { return; }
      var ll = [d.lat, d.lon], marker;
      var popup = popupFor(d);
      if (d.kind === "boundary") {
        marker = L.marker(ll, {pane: "inc-points", icon: L.divIcon({className: "inc-crossing-icon",
                                                                    iconSize: [14, 14], html: "<div></div>"})});
      } else {
        var left = leftOf(d, t);
        marker = L.circleMarker(ll, {pane: "inc-points", radius: d.kind === "intercept" ? 6 : 7.5,
                                     color: "#fff", weight: 2, fillColor: LEFT_COLOURS[left.cls],
                                     fillOpacity: 1});
        marker.bindTooltip(EEC.text(nameOf(d)));
      }
      marker.bindPopup(popup, {minWidth: 220});
      marker.addTo(itemLayer);
      itemMarkers[idx] = marker;
    });
  }

  function popupFor(d) {
    var box = el("div", "inc-popup");
    box.appendChild(el("b", "", nameOf(d)));
    var table = el("table");
    var rows = [[T.inc_col_kind, pick(d, "kind")], [T.inc_col_km, d.km.toFixed(1)],
                [T.inc_col_earliest, EEC.time.short(d.front_at_earliest)],
                [T.inc_col_front, EEC.time.short(d.front_at)],
                [T.inc_col_peak_at, EEC.time.short(d.peak_at)],
                [T.inc_col_peak, sig(d.peak_mg_l) + " / " + sig(d.limit_mg_l)],
                [T.inc_col_left, leftText(d, now())]];
    rows.forEach(function (r) {
      var tr = el("tr");
      tr.appendChild(el("td", "eec-muted", r[0]));
      tr.appendChild(el("td", "", r[1]));
      table.appendChild(tr);
    });
    box.appendChild(table);
    return box;
  }

  /* ================================================================== arrival table */
  var arrFilter = "main";
  function passes(d) {
    if (d.kind === "point") { return false; }
    if (arrFilter === "main") { return d.kind !== "boundary" || (d.attrs && d.attrs.level !== "county"); }
    if (arrFilter === "receptors") { return RECEPTORS.indexOf(d.kind) >= 0; }
    if (arrFilter === "intercepts") { return d.kind === "intercept"; }
    if (arrFilter === "boundaries") { return d.kind === "boundary"; }
    return true;
  }
  function renderArrivals() {
    var tbody = $("arr-table").querySelector("tbody");
    tbody.textContent = "";
    var t = now();
    pkg.downstream.forEach(function (d, idx) {
      if (!passes(d)) { return; }
      var tr = el("tr");
      tr.dataset.idx = idx;
      var left = leftOf(d, t);
      if (t > ms(d.tail_at)) { tr.className = "passed"; }
      var kind = el("td");
      var dot = el("span", "kind");
      dot.style.background = d.kind === "boundary" ? "#fff" : LEFT_COLOURS[left.cls];
      if (d.kind === "boundary") { dot.style.borderColor = "#4a148c"; dot.style.borderRadius = "0"; }
      kind.appendChild(dot);
      kind.appendChild(document.createTextNode(pick(d, "kind")));
      tr.appendChild(kind);
      var name = el("td", "name", nameOf(d));
      if (d.behind_reservoir) { name.title = EN ? "below a reservoir: uncertain" : "位于水库下游:不确定性大"; }
      tr.appendChild(name);
      tr.appendChild(el("td", "num", d.km.toFixed(1)));
      tr.appendChild(el("td", "t", EEC.time.short(d.front_at_earliest)));
      tr.appendChild(banded(el("td", "t", EEC.time.short(d.front_at)), d.front_at_p05, d.front_at_p95, true));
      tr.appendChild(banded(el("td", "t", EEC.time.short(d.peak_at)), d.peak_at_p05, d.peak_at_p95, true));
      var peak = el("td", "num" + (d.exceeds ? " exceeds" : ""), sig(d.peak_mg_l) + " / " + sig(d.limit_mg_l));
      if (d.exceeds && d.limit_mg_l) { peak.title = (d.peak_mg_l / d.limit_mg_l).toFixed(1) + " ×"; }
      tr.appendChild(banded(peak, d.peak_mg_l_p05, d.peak_mg_l_p95, false));
      var pex = d.p_exceed === null || d.p_exceed === undefined ? "—" : Math.round(d.p_exceed * 100) + "%";
      tr.appendChild(el("td", "num" + (d.p_exceed >= 0.5 ? " exceeds" : ""), pex));
      var lc = terminated() ? el("td", "num t left-cell", "—") : el("td", "num t left-cell left-" + left.cls, leftText(d, t));
      tr.appendChild(lc);
      tr.addEventListener("click", function () { focusItem(idx, tr); });
      tbody.appendChild(tr);
    });
  }
  /* the ensemble's P5–P95 under a value, as a second small line */
  function banded(td, lo, hi, isTime) {
    if (lo === null || lo === undefined || hi === null || hi === undefined) { return td; }
    var text = isTime ? EEC.time.short(lo) + "–" + EEC.time.short(hi) : sig(lo) + "–" + sig(hi);
    td.appendChild(el("div", "band", "P5–P95 " + text));
    return td;
  }
  function updateLeftCells(t) {
    document.querySelectorAll("#arr-table tbody tr").forEach(function (tr) {
      var d = pkg.downstream[Number(tr.dataset.idx)];
      if (!d) { return; }
      var cell = tr.querySelector(".left-cell");
      var left = leftOf(d, t);
      cell.className = "num t left-cell left-" + left.cls;
      cell.textContent = leftText(d, t);
    });
  }
  function focusItem(idx, tr) {
    document.querySelectorAll("#arr-table tr.sel").forEach(function (r) { r.classList.remove("sel"); });
    tr.classList.add("sel");
    var m = itemMarkers[idx];
    if (m) {
      map.setView(m.getLatLng(), Math.max(map.getZoom(), 10));
      m.openPopup();
    }
  }
  document.querySelectorAll("#arr-filter button").forEach(function (b) {
    b.addEventListener("click", function () {
      arrFilter = b.dataset.f;
      document.querySelectorAll("#arr-filter button").forEach(function (x) { x.classList.toggle("on", x === b); });
      renderArrivals();
    });
  });

  function renderNotes() {
    var ul = $("inc-notes");
    ul.textContent = "";
    var sub = pkg.substance;
    ul.appendChild(el("li", "", (EN ? sub.name_en : sub.name_zh) + (sub.cas ? " (CAS " + sub.cas + ")" : "") +
                      ":" + (sub.limit_mg_l !== null ? (EN ? "limit " : "限值 ") + sub.limit_mg_l + " mg/L — " +
                                                        sub.limit_source : T.inc_notes)));
    (EN ? pkg.notes_en : pkg.notes_zh).forEach(function (n) { ul.appendChild(el("li", "", n)); });
  }

  /* ================================================================== checklist */
  var checklist = pkg.checklist || [];
  var ckSort = "urgency", ckHideDone = false, ckErrors = {}, ckFlash = {};
  var groupNames = {};
  cfg.groups.forEach(function (g) { groupNames[g.id] = EN ? g.name_en : g.name_zh; });

  function renderChecklist() {
    var root = $("checklist");
    root.textContent = "";
    var t = now();
    var shown = checklist.filter(function (i) { return !(ckHideDone && i.status !== "open"); });
    var byDue = function (a, b) {
      var x = a.due_at ? ms(a.due_at) : Infinity, y = b.due_at ? ms(b.due_at) : Infinity;
      return (a.status !== "open") - (b.status !== "open") || x - y || a.id - b.id;
    };
    if (ckSort === "due" || ckSort === "urgency") {
      var ul = el("ul", "ck-list");
      shown.slice().sort(ckSort === "urgency" ? byUrgency : byDue).forEach(function (i) { ul.appendChild(renderItem(i, t)); });
      root.appendChild(ul);
    } else {
      cfg.groups.forEach(function (g) {
        var items = shown.filter(function (i) { return i.group === g.id; });
        var all = checklist.filter(function (i) { return i.group === g.id; });
        if (!all.length) { return; }
        var box = el("section", "ck-group");
        box.dataset.group = g.id;
        var h = el("h3", "", groupNames[g.id]);
        var done = all.filter(function (i) { return i.status !== "open"; }).length;
        h.appendChild(el("small", "", done + "/" + all.length));
        box.appendChild(h);
        var ul2 = el("ul", "ck-list");
        items.sort(byDue).forEach(function (i) { ul2.appendChild(renderItem(i, t)); });
        box.appendChild(ul2);
        root.appendChild(box);
      });
    }
    var open = checklist.filter(function (i) { return i.status === "open"; });
    var overdue = terminated() ? 0 : open.filter(function (i) { return isOverdue(i, t); }).length;
    var immediate = terminated() ? 0 : open.filter(function (i) { return i.immediate; }).length;
    var c = $("count-checklist");
    c.textContent = overdue + immediate ? (overdue + immediate) + "!" : String(open.length);
    c.className = "count" + (overdue + immediate ? " alert" : "");
    c.title = overdue ? fill(T.inc_overdue_n, {n: overdue}) : "";
  }

  function dueText(i, t) {
    if (i.immediate && i.status === "open" && !terminated()) { return immediateText(i); }
    if (!i.due_at) { return ""; }
    var left = ms(i.due_at) - t;
    var base = T.inc_due + " " + EEC.time.short(i.due_at);
    if (i.status !== "open" || terminated()) { return base; }
    return base + " · " + (left < 0 ? (EN ? "overdue " : "超时 ") + span(-left) : (EN ? "in " : "剩 ") + span(left));
  }
  function itemClass(i, t) {
    var cls = "ck-item " + i.status;
    if (i.status === "open" && i.immediate && !terminated()) {
      cls += " immediate";
    } else if (i.status === "open" && i.due_at && !terminated()) {
      var left = ms(i.due_at) - t;
      if (left < 0) { cls += " overdue"; } else if (left < 3.6e6) { cls += " soon"; }
    }
    if (ckFlash[i.id]) { cls += " flash"; delete ckFlash[i.id]; }
    return cls;
  }
  function updateDueCells(t) {
    document.querySelectorAll(".ck-item").forEach(function (li) {
      var i = checklistById(Number(li.dataset.id));
      if (!i) { return; }
      var due = li.querySelector(".due");
      if (due) {
        due.textContent = dueText(i, t);
        due.classList.toggle("overdue-text", !terminated() && isOverdue(i, t));
        due.classList.toggle("immediate-text", !terminated() && i.status === "open" && !!i.immediate);
      }
      li.className = itemClass(i, t).replace(" flash", "") + (li.classList.contains("flash") ? " flash" : "");
    });
  }
  function checklistById(id) {
    for (var k = 0; k < checklist.length; k++) { if (checklist[k].id === id) { return checklist[k]; } }
    return null;
  }

  function renderItem(i, t) {
    var li = el("li", itemClass(i, t));
    li.dataset.id = i.id;
    li.id = "ck-" + i.id;
    var label = el("label", "ck-main");
    var box = el("input");
    box.type = "checkbox";
    box.checked = i.status === "done";
    box.disabled = !cfg.can_write || i.status === "not_applicable" || terminated();
    box.setAttribute("aria-label", i.text_zh.slice(0, 40));
    box.addEventListener("change", function () {
      patchItem(i, {status: box.checked ? "done" : "open"}, li);
    });
    label.appendChild(box);
    label.appendChild(el("span", "ck-text", EN ? (i.text_en || i.text_zh) : i.text_zh));
    li.appendChild(label);
    var meta = el("div", "ck-meta");
    if (i.due_at || i.immediate) {
      var due = el("span", "due" + (!terminated() && isOverdue(i, t) ? " overdue-text" : "") +
                   (!terminated() && i.status === "open" && i.immediate ? " immediate-text" : ""), dueText(i, t));
      meta.appendChild(due);
    }
    if (i.responsible_zh) { meta.appendChild(el("span", "", T.inc_responsible + ":" + i.responsible_zh)); }
    if (i.status === "done" && i.done_by) {
      meta.appendChild(el("span", "who", "✓ " + i.done_by + " " + EEC.time.short(i.done_at)));
    }
    if (i.status === "not_applicable") { meta.appendChild(el("span", "", T.inc_item_na)); }
    if (cfg.can_write && !terminated()) {
      var actions = el("span", "ck-actions");
      if (i.status === "open") {
        var na = el("button", "eec-btn small", T.inc_item_na);
        na.type = "button";
        na.addEventListener("click", function () { patchItem(i, {status: "not_applicable"}, li); });
        actions.appendChild(na);
      } else if (i.status === "not_applicable") {
        var re = el("button", "eec-btn small", T.inc_item_reopen);
        re.type = "button";
        re.addEventListener("click", function () { patchItem(i, {status: "open"}, li); });
        actions.appendChild(re);
      }
      var nb = el("button", "eec-btn small", T.inc_item_note);
      nb.type = "button";
      nb.addEventListener("click", function () { editNote(i, li); });
      actions.appendChild(nb);
      meta.appendChild(actions);
    }
    li.appendChild(meta);
    if (i.note) { li.appendChild(el("div", "ck-note-text", i.note)); }
    if (i.basis_zh) { li.appendChild(el("div", "ck-basis", T.inc_basis + ":" + i.basis_zh)); }
    if (ckErrors[i.id]) { li.appendChild(el("div", "ck-error", ckErrors[i.id])); }
    return li;
  }

  function editNote(i, li) {
    if (li.querySelector(".ck-note")) { return; }
    var row = el("div", "ck-note");
    var input = el("input");
    input.value = i.note || "";
    var save = el("button", "eec-btn small primary", T.inc_saved === "已保存" ? "保存" : "Save");
    save.type = "button";
    save.addEventListener("click", function () { patchItem(i, {note: input.value}, li); });
    input.addEventListener("keydown", function (e) { if (e.key === "Enter") { save.click(); } });
    row.appendChild(input);
    row.appendChild(save);
    li.appendChild(row);
    input.focus();
  }

  function patchItem(i, changes, li) {
    li.querySelectorAll("input, button").forEach(function (x) { x.disabled = true; });
    var body = Object.assign({version: i.version}, changes);
    api(cfg.urls.api + "/checklist/" + i.id, {method: "PATCH", body: body}).then(function (r) {
      if (r.ok) {
        delete ckErrors[i.id];
        replaceItem(r.body, false);
        renderChecklist();
        tickClocks();
        poll();
      } else if (r.status === 409) {
        ckErrors[i.id] = T.inc_conflict;
        reloadChecklist(i.id);
      } else {
        ckErrors[i.id] = errorText(r.body);
        renderChecklist();
      }
    }).catch(function () {
      ckErrors[i.id] = EN ? "network error" : "网络错误";
      renderChecklist();
    });
  }
  function replaceItem(item, flash) {
    for (var k = 0; k < checklist.length; k++) {
      if (checklist[k].id === item.id) {
        checklist[k] = item;
        if (flash) { ckFlash[item.id] = true; }
        return;
      }
    }
    checklist.push(item);
  }
  /* after a conflict: the item as it is now (someone else's change), from the server */
  function reloadChecklist(id) {
    api(cfg.urls.api + "/response").then(function (r) {
      if (!r.ok) { renderChecklist(); return; }
      pkg = r.body;
      checklist = pkg.checklist;
      ckFlash[id] = true;
      renderAll();
      poll();
    });
  }
  document.querySelectorAll("#ck-sort button").forEach(function (b) {
    b.addEventListener("click", function () {
      ckSort = b.dataset.sort;
      document.querySelectorAll("#ck-sort button").forEach(function (x) { x.classList.toggle("on", x === b); });
      renderChecklist();
    });
  });
  $("ck-hide-done").addEventListener("change", function () { ckHideDone = this.checked; renderChecklist(); });

  /* ================================================================== measures */
  function renderMeasures() {
    var root = $("intercepts");
    root.textContent = "";
    pkg.intercept_options.forEach(function (o) {
      var box = el("div", "opt " + (o.feasible ? "ok" : "no"));
      var h = el("h4", "", "#" + o.rank + " " + o.name_zh);
      h.appendChild(el("span", "verdict", o.feasible ? T.inc_feasible : T.inc_infeasible));
      h.appendChild(el("small", "eec-muted", "km " + o.km.toFixed(1)));
      box.appendChild(h);
      var facts = el("div", "facts");
      facts.appendChild(el("span", "", T.inc_available + " " + o.available_hours.toFixed(1) + " h / " +
                           T.inc_needed + " " + o.needed_hours.toFixed(1) + " h"));
      facts.appendChild(el("span", "", T.inc_ready_by + " " + EEC.time.short(o.ready_by)));
      if (o.storage_m3 !== null) {
        facts.appendChild(el("span", "", (EN ? "storage " : "库容 ") + (o.storage_m3 / 1e4).toFixed(1) + (EN ? "×10⁴ m³" : " 万m³")));
      }
      box.appendChild(facts);
      if (o.techniques.length) {
        var chips = el("div");
        o.techniques.forEach(function (x) { chips.appendChild(el("span", "chip", x)); });
        box.appendChild(chips);
      }
      var ul = el("ul");
      (EN ? o.reasons_en : o.reasons_zh).forEach(function (r) { ul.appendChild(el("li", "", r)); });
      box.appendChild(ul);
      root.appendChild(box);
    });
    if (!pkg.intercept_options.length) { root.appendChild(el("p", "eec-muted", "—")); }

    var res = $("resources");
    res.textContent = "";
    if (!pkg.resources.length) { res.appendChild(el("p", "eec-muted", T.inc_resources_none)); }
    pkg.resources.forEach(function (r) {
      var box = el("div", "opt");
      box.appendChild(el("h4", "", r.site_name_zh));
      if (r.needed.length) {
        box.appendChild(el("div", "facts", (EN ? "needed: " : "需要:") + r.needed.map(function (n) {
          return n.item + " " + n.quantity + " " + n.unit;
        }).join("、")));
      }
      [["depots", EN ? "Depots" : "物资库"], ["teams", EN ? "Teams" : "队伍"]].forEach(function (pair) {
        var list = r[pair[0]];
        if (!list.length) { return; }
        var table = el("table", "eec-table");
        var head = el("tr");
        [pair[1], "km", EN ? "travel" : "车程", EN ? "arrives" : "到达", EN ? "in time" : "是否及时",
         EN ? "holds / needed" : "储备/需要"].forEach(function (x) { head.appendChild(el("th", "", x)); });
        var thead = el("thead"); thead.appendChild(head); table.appendChild(thead);
        var tbody = el("tbody");
        list.forEach(function (o) {
          var tr = el("tr");
          var nm = el("td", "", o.name_zh);
          if (o.sample) { nm.appendChild(document.createTextNode(" ")); nm.appendChild(el("span", "eec-sample-badge", T.sample_mark)); }
          if (o.phone) { nm.appendChild(el("div", "eec-muted", (o.contact_zh || "") + " " + o.phone)); }
          tr.appendChild(nm);
          tr.appendChild(el("td", "num", o.distance_km.toFixed(0)));
          tr.appendChild(el("td", "num", o.travel_hours.toFixed(1) + " h"));
          tr.appendChild(el("td", "t", EEC.time.short(o.arrives_at)));
          tr.appendChild(el("td", o.in_time ? "ok-mark" : "no-mark", o.in_time ? "✓ " + T.inc_in_time : "✗ " + T.inc_too_late));
          tr.appendChild(el("td", "", (o.items || []).map(function (it) {
            return it.item + " " + it.quantity + it.unit + (it.needed !== null && it.needed !== undefined ? "/" + it.needed : "");
          }).join("、")));
          tbody.appendChild(tr);
        });
        table.appendChild(tbody);
        box.appendChild(table);
      });
      res.appendChild(box);
    });
  }

  /* ================================================================== reports & notices */
  function renderReports() {
    var t = now();
    var root = $("deadlines");
    root.textContent = "";
    pkg.report_deadlines.forEach(function (d) {
      var box = el("div", "opt" + (d.due_at && ms(d.due_at) < t ? " no" : ""));
      var h = el("h4", "", pick(d, "text").split(/[:\uff1a]/)[0]);
      var left = ms(d.due_at) - t;
      h.appendChild(el("span", "verdict " + (left < 0 ? "overdue-text" : ""), !d.due_at ? T.inc_no_legal_deadline :
                       EEC.time.short(d.due_at) + " · " + (left < 0 ? (EN ? "overdue " : "超时 ") + span(-left)
                                                                     : (EN ? "in " : "剩 ") + span(left))));
      box.appendChild(h);
      box.appendChild(el("div", "", pick(d, "text")));
      var facts = el("div", "facts");
      facts.appendChild(el("span", "", T.inc_reporter + ":" + d.reporter_zh));
      facts.appendChild(el("span", "", T.inc_recipient + ":" + d.recipients_zh.join("、")));
      facts.appendChild(el("span", "", T.inc_legal_basis + ":" + d.legal_basis));
      box.appendChild(facts);
      root.appendChild(box);
    });
    var art = $("art4");
    art.textContent = "";
    var names = {drinking_water_source: ["饮用水水源保护区受影响或可能受影响", "drinking-water source affected"],
                 residential_school_hospital: ["涉及居民聚居区、学校、医院", "residential area, school, hospital"],
                 heavy_metal: ["重金属或类金属污染", "heavy metals or metalloids"],
                 cross_provincial_or_national: ["可能产生跨省或跨国影响", "possible cross-provincial/national impact"],
                 mass_incident: ["群体性事件", "mass incident"], other: ["其他", "other"]};
    var on = Object.keys(pkg.art4).filter(function (k) { return pkg.art4[k]; });
    art.appendChild(el("p", on.length ? "" : "eec-muted", on.length ? on.map(function (k) {
      return (names[k] || [k, k])[EN ? 1 : 0];
    }).join(";") : "—"));
    var nroot = $("notifications");
    nroot.textContent = "";
    if (!pkg.notifications.length) { nroot.appendChild(el("p", "eec-muted", T.inc_notifications_none)); }
    pkg.notifications.forEach(function (n) {
      var box = el("div", "opt");
      var h = el("h4", "", n.recipient_zh);
      var left = ms(n.due_at) - t;
      h.appendChild(el("span", "verdict", EEC.time.short(n.due_at) + (left < 0 ? (EN ? " (due now)" : "(立即)") : "")));
      box.appendChild(h);
      box.appendChild(el("div", "", pick(n, "text")));
      var facts = el("div", "facts");
      facts.appendChild(el("span", "", T.inc_reporter + ":" + n.notifier_zh));
      facts.appendChild(el("span", "", (EN ? "front arrives " : "污染团到达 ") + EEC.time.short(n.front_arrives_at)));
      facts.appendChild(el("span", "", T.inc_legal_basis + ":" + n.legal_basis));
      box.appendChild(facts);
      nroot.appendChild(box);
    });
    $("count-reports").textContent = String(pkg.report_deadlines.length + pkg.notifications.length);
  }

  /* ================================================================== monitoring */
  function renderObsSites() {
    var sel = $("obs-site");
    if (!sel) { return; }
    var keep = sel.value;
    sel.textContent = "";
    pkg.downstream.forEach(function (d) {
      if (d.kind === "point" || d.kind === "boundary") { return; }
      var o = el("option", "", pick(d, "kind") + " · " + nameOf(d) + " · km " + d.km.toFixed(1));
      o.value = d.id;
      sel.appendChild(o);
    });
    var other = el("option", "", T.inc_obs_other_point);
    other.value = "__point";
    sel.appendChild(other);
    if (keep) { sel.value = keep; }
    $("obs-point-fields").hidden = sel.value !== "__point";
  }
  function renderObservations() {
    var root = $("observations");
    root.textContent = "";
    $("count-monitoring").textContent = observations.length ? String(observations.length) : "";
    if (!observations.length) { root.appendChild(el("p", "eec-muted", T.inc_obs_none)); return; }
    var table = el("table", "eec-table");
    var head = el("tr");
    [T.inc_obs_time, T.inc_obs_site, "km", T.inc_obs_conc, ""].forEach(function (x) { head.appendChild(el("th", "", x)); });
    var thead = el("thead"); thead.appendChild(head); table.appendChild(thead);
    var tbody = el("tbody");
    var limit = pkg.substance.limit_mg_l;
    observations.slice().sort(function (a, b) { return ms(b.observed_at) - ms(a.observed_at); }).forEach(function (o) {
      var tr = el("tr", o.void ? "obs-void" : "");
      tr.appendChild(el("td", "t", EEC.time.short(o.observed_at)));
      tr.appendChild(el("td", "", o.name_zh));
      tr.appendChild(el("td", "num", o.km === null || o.km === undefined ? "—" : o.km.toFixed(1)));
      tr.appendChild(el("td", "num" + (!o.not_detected && limit !== null && o.concentration_mg_l > limit ? " overdue-text" : ""),
                        o.not_detected ? fill(T.inc_obs_nd_value, {dl: sig(o.detection_limit_mg_l)}) : sig(o.concentration_mg_l)));
      var who = el("td", "", (o.front_detected ? "▲ " : "") + (o.recorded_by || "") + (o.note ? " · " + o.note : ""));
      if (o.doubts && o.doubts.length) {
        var dn = el("div", "obs-doubt", fill(T.inc_obs_doubted, {by: o.confirmed_by || ""}));
        dn.title = o.doubts.map(function (d) { return EN ? d.message_en : d.message_zh; }).join("\n");
        who.appendChild(dn);
      }
      if (o.void) {
        who.appendChild(el("div", "obs-void-reason", fill(T.inc_obs_voided, {reason: o.void_reason || "", by: o.voided_by || ""})));
      } else if (cfg.can_write && !terminated()) {
        var vb = el("button", "eec-btn small obs-void-btn", T.inc_obs_void);
        vb.type = "button";
        vb.addEventListener("click", function () { voidObservation(o); });
        who.appendChild(vb);
      }
      tr.appendChild(who);
      tbody.appendChild(tr);
    });
    table.appendChild(tbody);
    root.appendChild(table);
  }
  if ($("obs-form")) {
    $("obs-time").value = EEC.time.localInput(new Date(now()));
    $("obs-site").addEventListener("change", function () { $("obs-point-fields").hidden = this.value !== "__point"; });
    $("obs-form").addEventListener("submit", function (e) {
      e.preventDefault();
      document.querySelectorAll("#obs-form .field-error").forEach(function (n) { n.textContent = ""; });
      $("obs-msg").textContent = "";
      var body = {observed_at: EEC.time.fromInput($("obs-time").value),
                  concentration_mg_l: $("obs-conc").value === "" ? null : Number($("obs-conc").value),
                  front_detected: $("obs-front").checked, note: $("obs-note").value,
                  not_detected: $("obs-nd").checked,
                  detection_limit_mg_l: $("obs-dl").value === "" ? null : Number($("obs-dl").value)};
      var ready = Promise.resolve(true);
      if ($("obs-site").value === "__point") {
        body.name_zh = $("obs-name").value;
        ready = EEC.fetch(cfg.urls.coords + "?q=" + encodeURIComponent($("obs-lonlat").value)).then(function (resp) {
          return resp.json().then(function (b) {
            if (!resp.ok) { obsError("location", EN ? b.error.message_en : b.error.message_zh); return false; }
            body.lon = b.lon; body.lat = b.lat;
            return true;
          });
        });
      } else {
        body.site_id = $("obs-site").value;
      }
      ready.then(function (ok) { if (ok) { send(body); } });
      function send(body) {
        $("obs-submit").disabled = true;
        api(cfg.urls.api + "/observations", {method: "POST", body: body}).then(function (r) {
          $("obs-submit").disabled = false;
          if (r.status === 201) {
            observations.push(r.body.observation);
            pkg = r.body.response;
            checklist = pkg.checklist || checklist;
            $("obs-msg").textContent = "";
            $("obs-msg").appendChild(el("div", r.body.fit && r.body.fit.n_observations ? "eec-msg warn" : "eec-msg ok",
                                        refitText(r.body.fit)));
            $("obs-conc").value = "";
            $("obs-note").value = "";
            $("obs-front").checked = false;
            $("obs-nd").checked = false;
            renderAll();
            poll();
          } else if (r.body.error && r.body.error.code === "implausible_observation") {
            showDoubts(r.body, function () { send(Object.assign({}, body, {confirm_implausible: true})); });
          } else {
            var problems = (r.body.error && r.body.error.problems) || [];
            if (!problems.length) { obsError("location", errorText(r.body)); }
            problems.forEach(function (p) { obsError(p.field, EN ? p.message_en : p.message_zh); });
          }
        });
      }
    });
  }
  function voidObservation(o) {
    var reason = window.prompt(T.inc_obs_void_prompt);
    if (reason === null) { return; }
    api(cfg.urls.api + "/observations/" + o.id + "/void", {method: "POST", body: {reason: reason}}).then(function (r) {
      if (!r.ok) { toast(errorText(r.body), true); return; }
      observations = observations.map(function (x) { return x.id === o.id ? r.body.observation : x; });
      pkg = r.body.response;
      checklist = pkg.checklist || checklist;
      renderAll();
      poll();
    });
  }
  function refitText(fit) {
    if (!fit || !fit.n_observations) { return T.inc_obs_saved; }
    var factors = fit.sites.map(function (s) { return "km " + s.km.toFixed(1) + " ×" + s.reach_factor.toFixed(2); }).join(", ");
    return fill(T.inc_obs_refit, {n: fit.n_observations, factors: factors || "—", mass: fit.mass_factor.toFixed(2)});
  }
  function showDoubts(body, retry) {
    var box = el("div", "eec-msg warn");
    box.appendChild(el("div", "", T.inc_obs_doubt_title));
    var ul = el("ul");
    (body.error.doubts || []).forEach(function (d) { ul.appendChild(el("li", "", EN ? d.message_en : d.message_zh)); });
    box.appendChild(ul);
    var b = el("button", "eec-btn", T.inc_obs_confirm);
    b.type = "button";
    b.id = "obs-confirm";
    b.addEventListener("click", function () { b.disabled = true; retry(); });
    box.appendChild(b);
    $("obs-msg").appendChild(box);
  }
  function obsError(field, text) {
    var hit = false;
    document.querySelectorAll("#obs-form .field-error").forEach(function (n) {
      if ((" " + n.dataset.for + " ").indexOf(" " + field + " ") >= 0) { n.textContent = text; hit = true; }
    });
    if (!hit) { $("obs-msg").appendChild(el("div", "eec-msg error", text)); }
  }

  /* ================================================================== timeline */
  function renderTimeline(fresh) {
    var ol = $("timeline");
    ol.textContent = "";
    if (!events.length) { ol.appendChild(el("li", "eec-muted", T.inc_timeline_empty)); return; }
    events.slice().reverse().forEach(function (e) {
      var li = el("li", "k-" + (e.actor === "system" ? "system" : "user") + (fresh && fresh[e.id] ? " new" : ""));
      li.appendChild(el("time", "", EEC.time.short(e.at)));
      var text = el("div");
      text.appendChild(el("span", "actor", e.actor));
      text.appendChild(document.createTextNode(EN ? (e.summary_en || e.summary_zh) : e.summary_zh));
      li.appendChild(text);
      ol.appendChild(li);
    });
  }

  /* ================================================================== first report (初报) */
  function loadFirstReport() {
    api(cfg.urls.api + "/first-report").then(function (r) {
      if (r.ok) { $("fr-text").value = r.body.text; }
    });
  }
  $("fr-copy").addEventListener("click", function () {
    var area = $("fr-text");
    var done = function () { toast(T.inc_copied); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(area.value).then(done, function () { area.select(); document.execCommand("copy"); done(); });
    } else {
      area.select();
      document.execCommand("copy");
      done();
    }
  });

  /* ================================================================== tabs */
  document.querySelectorAll("#inc-tabs button").forEach(function (b) {
    b.addEventListener("click", function () {
      document.querySelectorAll("#inc-tabs button").forEach(function (x) {
        x.setAttribute("aria-selected", x === b ? "true" : "false");
      });
      document.querySelectorAll(".inc-panel").forEach(function (p) { p.hidden = p.id !== "panel-" + b.dataset.tab; });
      if (b.dataset.tab === "first-report") { loadFirstReport(); }
    });
  });

  /* ================================================================== live updates */
  var polling = null, pollBusy = false, paused = false;
  function poll() {
    if (pollBusy || paused) { return; }
    pollBusy = true;
    clearTimeout(polling);
    api(cfg.urls.changes + "?since=" + lastEvent).then(function (r) {
      pollBusy = false;
      if (!r.ok) { throw new Error("poll " + r.status); }
      $("inc-sync").className = "inc-sync";
      $("inc-sync").textContent = T.inc_live;
      var body = r.body;
      skew = Date.parse(body.server_now) - Date.now();
      inc.version = body.incident.version;
      inc.status = body.incident.status;
      if (!body.events.length) { return null; }
      var fresh = {};
      body.events.forEach(function (e) {
        if (e.id > lastEvent) {
          events.push(e);
          fresh[e.id] = true;
          if (e.actor !== cfg.me && e.actor !== "system") {
            toast(e.actor + ":" + (EN ? (e.summary_en || e.summary_zh) : e.summary_zh));
          }
        }
      });
      lastEvent = body.last_event_id;
      document.dispatchEvent(new CustomEvent("eec:incident-events", {detail: body.events}));
      body.checklist.forEach(function (item) {
        var mine = checklistById(item.id);
        if (!mine || mine.version !== item.version) { replaceItem(item, true); }
      });
      renderTimeline(fresh);
      if (body.refresh_package) { return refreshAll(); }
      renderChecklist();
      renderHeader();
      return null;
    }).catch(function () {
      pollBusy = false;
      $("inc-sync").className = "inc-sync lost";
      $("inc-sync").textContent = T.inc_offline;
    }).then(function () {
      clearTimeout(polling);
      polling = setTimeout(poll, cfg.poll_ms);
    });
  }
  function refreshAll() {
    return Promise.all([api(cfg.urls.api + "/response"), api(cfg.urls.api)]).then(function (rs) {
      if (rs[0].ok) { pkg = rs[0].body; checklist = pkg.checklist || checklist; }
      if (rs[1].ok) { applyIncident(rs[1].body); observations = rs[1].body.observations || observations; }
      renderAll();
      loadPath();
    });
  }

  function renderAll() {
    renderHeader();
    drawItems();
    drawPlume();
    renderArrivals();
    renderNotes();
    renderChecklist();
    renderMeasures();
    renderReports();
    renderObsSites();
    renderObservations();
    renderTimeline();
    tickClocks();
    // monitoring.js (the fit and the chart) follows the package
    document.dispatchEvent(new CustomEvent("eec:package", {detail: {package: pkg, observations: observations}}));
  }
  document.addEventListener("eec:reload", function () { window.location.reload(); });

  renderAll();
  loadPath();
  setInterval(tickClocks, 1000);
  setInterval(function () { drawPlume(); drawItems(); }, 60000);
  polling = setTimeout(poll, cfg.poll_ms);
  /* for people at the console and for the browser tests */
  window.EEC_INCIDENT = {
    map: map, poll: poll,
    pause: function (on) { paused = !!on; if (!on) { poll(); } },
    state: function () { return {inc: inc, pkg: pkg, checklist: checklist, lastEvent: lastEvent}; },
    refresh: function () { return refreshAll(); }
  };
})();
