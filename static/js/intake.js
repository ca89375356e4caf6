/* Incident intake (接报): where (map click, typed coordinates or a risk source), what, when;
 * the snapped river, the nearby channels and any pathway warning are shown before submitting. */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("intake-config").textContent);
  var T = cfg.t, EN = cfg.lang === "en";
  var $ = function (id) { return document.getElementById(id); };
  var state = {lon: null, lat: null, segmentId: null, riskSource: null, substance: null,
               snap: null, snapSeq: 0};

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    if (attrs) { Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); }); }
    if (text !== undefined && text !== null) { e.textContent = text; }
    return e;
  }
  function msg(obj) { return obj ? (EN ? obj.message_en : obj.message_zh) || obj.message_zh : ""; }

  /* ------------------------------------------------------------------ the map */
  var map = EEC.maps.create("intake-map");
  EEC.maps.context(map, cfg.urls.context, cfg.lang, {riverNames: true});
  if (document.getElementById("intake-search")) {
    EEC.maps.search(map, document.getElementById("intake-search"), document.getElementById("intake-search-list"));
  }
  var marks = L.layerGroup().addTo(map);

  map.on("click", function (e) {
    setPoint(e.latlng.lng, e.latlng.lat, {fromMap: true});
  });

  function drawPoint() {
    marks.clearLayers();
    if (state.lon === null) { return; }
    var query = [state.lat, state.lon];
    L.marker(query, {icon: L.divIcon({className: "inc-incident-icon", iconSize: [22, 22],
                                      html: "<div><span>!</span></div>"})})
      .bindTooltip(EEC.text(T.legend_incident)).addTo(marks);
    if (state.snap) {
      var s = [state.snap.snapped.lat, state.snap.snapped.lon];
      L.polyline([query, s], {color: "#b71c1c", weight: 2, dashArray: "4 4"}).addTo(marks);
      L.circleMarker(s, {radius: 6, color: "#fff", weight: 2, fillColor: "#1565c0", fillOpacity: 1})
        .bindTooltip(EEC.text(state.snap[EN ? "river_name_en" : "river_name_zh"])).addTo(marks);
    }
  }

  /* ------------------------------------------------------------------ where */
  function setPoint(lon, lat, opts) {
    opts = opts || {};
    state.lon = lon; state.lat = lat; state.segmentId = null;
    if (!opts.keepRiskSource) { clearRiskSource(); }
    $("coords").value = lon.toFixed(5) + ", " + lat.toFixed(5);
    fieldError("coords", "");
    if (!opts.fromMap) { map.setView([lat, lon], Math.max(map.getZoom(), 10)); }
    snap();
  }

  function locateTyped() {
    var q = $("coords").value.trim();
    if (!q) { return; }
    EEC.fetch(cfg.urls.coords + "?q=" + encodeURIComponent(q)).then(function (resp) {
      return resp.json().then(function (body) { return {ok: resp.ok, body: body}; });
    }).then(function (r) {
      if (!r.ok) { fieldError("coords", msg(r.body.error)); return; }
      setPoint(r.body.lon, r.body.lat);
    });
  }
  $("coords-go").addEventListener("click", locateTyped);
  $("coords").addEventListener("keydown", function (e) {
    if (e.key === "Enter") { e.preventDefault(); locateTyped(); }
  });

  function snap() {
    var box = $("snap-box");
    var seq = ++state.snapSeq;
    var url = cfg.urls.snap + "?lon=" + state.lon + "&lat=" + state.lat;
    if (state.segmentId !== null) { url += "&segment_id=" + state.segmentId; }
    box.className = "snap-box";
    box.textContent = "…";
    EEC.fetch(url).then(function (resp) {
      return resp.json().then(function (body) { return {ok: resp.ok, body: body}; });
    }).then(function (r) {
      if (seq !== state.snapSeq) { return; }
      if (!r.ok) {
        state.snap = null;
        box.className = "snap-box error";
        box.textContent = msg(r.body.error);
        drawPoint();
        return;
      }
      state.snap = r.body;
      renderSnap(r.body);
      drawPoint();
    }).catch(function () {
      box.className = "snap-box error";
      box.textContent = "—";
    });
  }

  function renderSnap(s) {
    var box = $("snap-box");
    box.textContent = "";
    box.className = "snap-box " + (s.warning ? "warn" : "ok");
    var dl = el("dl");
    function row(label, value, cls) {
      dl.appendChild(el("dt", null, label));
      var dd = el("dd", cls ? {"class": cls} : null, value);
      dl.appendChild(dd);
    }
    row(T.river, EN ? s.river_name_en : s.river_name_zh, "river");
    row(T.distance, s.distance_m >= 1000 ? (s.distance_m / 1000).toFixed(1) + " km"
                                          : Math.round(s.distance_m) + " m");
    if (s.km !== null && s.km !== undefined) { row(T.river_km, "km " + s.km.toFixed(1)); }
    row(T.to_outlet, s.km_to_outlet.toFixed(0) + " km");
    box.appendChild(dl);
    box.dataset.river = s.river_name_zh;
    if (s.warning) {
      box.appendChild(el("div", {"class": "pathway", id: "snap-warning"},
                         "⚠ " + T.pathway + ":" + msg(s.warning)));
    }
    if (s.candidates && s.candidates.length > 1 && !state.riskSource) {
      box.appendChild(el("div", {"class": "eec-muted", style: "margin-top:4px"}, T.candidates));
      var ul = el("ul", {"class": "cand-list", id: "snap-candidates"});
      s.candidates.forEach(function (c) {
        var li = el("li"), label = el("label");
        var radio = el("input", {type: "radio", name: "segment", value: String(c.segment_id)});
        radio.checked = c.segment_id === s.segment_id;
        radio.addEventListener("change", function () {
          state.segmentId = c.segment_id;
          snap();
        });
        var name = EN ? c.river_name_en : c.river_name_zh;
        if (!c.named && c.joins_zh) {
          name += "(" + T.joins + " " + (EN ? c.joins_en || c.joins_zh : c.joins_zh) + ")";
        }
        label.appendChild(radio);
        label.appendChild(el("span", null, name));
        label.appendChild(el("small", {"class": "eec-muted"},
                             (c.distance_m / 1000).toFixed(1) + " km" +
                             (c.km !== null && c.km !== undefined ? " · km " + c.km.toFixed(1) : "")));
        li.appendChild(label);
        ul.appendChild(li);
      });
      box.appendChild(ul);
    }
  }

  /* ------------------------------------------------------------------ risk sources (optional) */
  var sources = [];
  function clearRiskSource() {
    state.riskSource = null;
    $("rs-chosen").textContent = "";
  }
  EEC.fetch(cfg.urls.risk_sources).then(function (resp) {
    return resp.ok ? resp.json() : null;
  }).then(function (body) {
    sources = (body && (body.risk_sources || body.features || [])) || [];
    if (sources.length) { $("rs-box").hidden = false; } else { $("rs-none").hidden = false; }
  }).catch(function () { $("rs-none").hidden = false; });

  function sourceName(s) { var p = s.properties || s; return p.name_zh || p.name || ""; }
  $("rs-q").addEventListener("input", function () {
    var q = this.value.trim().toLowerCase();
    var list = $("rs-list");
    list.textContent = "";
    if (!q) { return; }
    sources.filter(function (s) {
      var p = s.properties || s;
      return [p.name_zh, p.operator_zh, p.county_zh, p.prefecture_zh].some(function (v) {
        return v && String(v).toLowerCase().indexOf(q) >= 0;
      });
    }).slice(0, 12).forEach(function (s) {
      var p = s.properties || s;
      var li = el("li", {role: "option"});
      li.appendChild(el("span", null, sourceName(s)));
      li.appendChild(el("small", null, [p.kind_zh, p.county_zh].filter(Boolean).join(" · ")));
      li.addEventListener("click", function () { chooseSource(s); });
      list.appendChild(li);
    });
  });
  function chooseSource(s) {
    var p = s.properties || s;
    var entry = p.discharge && p.discharge.entry;
    $("rs-list").textContent = "";
    $("rs-q").value = sourceName(s);
    if (!entry || entry.lon === undefined) { return; }
    setPoint(entry.lon, entry.lat, {keepRiskSource: true});
    state.riskSource = p.id;
    state.segmentId = entry.segment_id;
    $("rs-chosen").textContent = sourceName(s) + (p.discharge.receiving_river_zh ?
      " → " + p.discharge.receiving_river_zh : "");
    snap();
  }

  /* ------------------------------------------------------------------ substance */
  var subs = cfg.substances;
  function subLabel(s) { return EN ? s.en + " (" + s.zh + ")" : s.zh; }
  function renderSubs() {
    var q = $("sub-q").value.trim().toLowerCase();
    var list = $("sub-list");
    list.textContent = "";
    if (!q || (state.substance && q === subLabel(state.substance).toLowerCase())) { return; }
    var starts = [], contains = [];
    subs.forEach(function (s) {
      var keys = [s.zh, s.en, s.cas || ""].concat(s.aliases).map(function (k) {
        return String(k).toLowerCase();
      });
      if (keys.some(function (k) { return k.indexOf(q) === 0; })) { starts.push(s); }
      else if (keys.some(function (k) { return k.indexOf(q) >= 0; })) { contains.push(s); }
    });
    starts.concat(contains).slice(0, 10).forEach(function (s, i) {
      var li = el("li", {role: "option", "data-id": s.id});
      if (i === 0) { li.className = "sel"; }
      li.appendChild(el("span", null, subLabel(s)));
      li.appendChild(el("small", null, [s.cas, s.cls].filter(Boolean).join(" · ")));
      li.addEventListener("mousedown", function (e) { e.preventDefault(); chooseSub(s); });
      list.appendChild(li);
    });
  }
  function chooseSub(s) {
    state.substance = s;
    $("sub-q").value = subLabel(s);
    $("sub-list").textContent = "";
    fieldError("substance", "");
    $("sub-chosen").textContent = s.cls + " · " + T.limit + " " +
      (s.limit !== null ? s.limit + " mg/L(" + s.limit_source + ")" : T.no_limit);
  }
  $("sub-q").addEventListener("input", function () { state.substance = null; renderSubs(); });
  $("sub-q").addEventListener("keydown", function (e) {
    if (e.key === "Enter") {
      e.preventDefault();
      var first = $("sub-list").querySelector("li");
      if (first) { chooseSub(subs.filter(function (s) { return s.id === first.dataset.id; })[0]); }
    }
  });
  $("sub-q").addEventListener("blur", function () { setTimeout(function () { $("sub-list").textContent = ""; }, 150); });

  /* ------------------------------------------------------------------ times: now, Beijing */
  var nowValue = EEC.time.localInput(new Date());
  $("occurred_at").value = nowValue;
  $("discovered_at").value = nowValue;

  /* ------------------------------------------------------------------ errors next to fields */
  function fieldError(field, text) {
    document.querySelectorAll(".field-error").forEach(function (node) {
      if ((" " + node.dataset.for + " ").indexOf(" " + field + " ") >= 0) { node.textContent = text; }
    });
  }
  function clearErrors() {
    document.querySelectorAll(".field-error").forEach(function (n) { n.textContent = ""; });
    $("intake-errors").hidden = true;
  }
  function showProblems(error) {
    var box = $("intake-errors");
    box.textContent = "";
    box.appendChild(el("div", null, T.fix));
    var ul = el("ul");
    var problems = error.problems || [{field: "location", message_zh: error.message_zh,
                                       message_en: error.message_en}];
    problems.forEach(function (p) {
      var text = EN ? p.message_en : p.message_zh;
      fieldError(p.field, text);
      var label = (cfg.fields[p.field] || "").split(/[(\uff08]/)[0].trim();
      ul.appendChild(el("li", null, label ? label + (EN ? ": " : ":") + text : text));
    });
    box.appendChild(ul);
    box.hidden = false;
    box.scrollIntoView({block: "nearest"});
  }

  /* ------------------------------------------------------------------ submit */
  function num(id) { var v = $(id).value; return v === "" ? null : Number(v); }

  $("intake-form").addEventListener("submit", function (e) {
    e.preventDefault();
    clearErrors();
    var body = {};
    if (state.riskSource !== null) {
      body.risk_source_id = state.riskSource;
    } else if (state.lon !== null) {
      body.lon = state.lon; body.lat = state.lat;
      if (state.segmentId !== null) { body.segment_id = state.segmentId; }
    }
    if (state.substance) { body.substance = state.substance.id; }
    else if ($("sub-q").value.trim()) { body.substance = $("sub-q").value.trim(); }
    var amount = num("amount");
    if (amount !== null) { body.mass_kg = $("amount-unit").value === "t" ? amount * 1000 : amount; }
    body.release_hours = num("release_hours") || 0;
    // 三级防控: only what the officer knows; the engine estimates the rest
    ["released_volume_m3", "firewater_m3_per_h", "firewater_hours"].forEach(function (k) {
      if (num(k) !== null) { body[k] = num(k); }
    });
    body.occurred_at = EEC.time.fromInput($("occurred_at").value);
    body.discovered_at = EEC.time.fromInput($("discovered_at").value);
    if ($("flow_condition").value) { body.flow_condition = $("flow_condition").value; }
    if (num("discharge_m3s") !== null) { body.discharge_m3s = num("discharge_m3s"); }
    ["deaths", "injured", "evacuated"].forEach(function (k) { body[k] = num(k) || 0; });
    body.economic_loss_cny = (num("loss_wan") || 0) * 10000;
    document.querySelectorAll("[data-flag]").forEach(function (box) {
      body[box.dataset.flag] = box.checked;
    });
    if ($("title").value.trim()) { body.title = $("title").value.trim(); }
    if ($("description").value.trim()) { body.description = $("description").value.trim(); }
    if (body.lon === undefined && body.risk_source_id === undefined) {
      fieldError("location", T.need_location);
    }
    var button = $("intake-submit");
    button.disabled = true;
    button.textContent = T.submitting;
    EEC.fetch(cfg.urls.create, {method: "POST", body: JSON.stringify(body),
                                headers: {"Content-Type": "application/json"}})
      .then(function (resp) {
        return resp.json().then(function (data) { return {status: resp.status, body: data}; });
      }).then(function (r) {
        if (r.status === 201) {
          window.location.href = cfg.urls.incident + r.body.id;
          return;
        }
        showProblems((r.body && r.body.error) || {message_zh: "提交失败", message_en: "failed"});
        button.disabled = false;
        button.textContent = T.submit;
      }).catch(function () {
        showProblems({message_zh: "网络错误,请重试", message_en: "network error, try again"});
        button.disabled = false;
        button.textContent = T.submit;
      });
  });

  /* ------------------------------------------------------------------ start */
  if (cfg.point) {
    map.setView([cfg.point.lat, cfg.point.lon], 10);
    setPoint(cfg.point.lon, cfg.point.lat, {fromMap: true});
  }
})();
