/* The province map page: search box, and the inventory layers loaded from the JSON API.
 * Runs after folium's script (defer), which publishes window.EEC_MAP and EEC_API_LAYERS; the
 * static layers it fetches itself arrive later (EEC_MAP.loaded: a promise per layer). */
(function () {
  "use strict";
  var handles = window.EEC_MAP;
  if (!handles) { return; }
  var map = handles.map;
  var i18n = JSON.parse(document.getElementById("eec-map-i18n").textContent);

  /* ------------------------------------------------------------------ search */
  var entries = JSON.parse(document.getElementById("eec-search-index").textContent);
  var input = document.getElementById("eec-search-input");
  var list = document.getElementById("eec-search-results");
  var shown = [];
  var selected = -1;
  var highlight = null;

  function matches(query) {
    var q = query.trim().toLowerCase();
    if (!q) { return []; }
    var starts = [], contains = [];
    entries.forEach(function (e) {
      var a = (e.label || "").toLowerCase(), b = (e.alt || "").toLowerCase();
      if (a.indexOf(q) === 0 || b.indexOf(q) === 0) { starts.push(e); }
      else if (a.indexOf(q) >= 0 || b.indexOf(q) >= 0) { contains.push(e); }
    });
    return starts.concat(contains).slice(0, 12);
  }

  function render() {
    list.textContent = "";
    if (!input.value.trim()) { list.hidden = true; return; }
    if (!shown.length) {
      var none = document.createElement("li");
      none.textContent = i18n.none;
      none.setAttribute("aria-disabled", "true");
      list.appendChild(none);
    }
    shown.forEach(function (e, i) {
      var li = document.createElement("li");
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", i === selected ? "true" : "false");
      var name = document.createElement("span");
      name.textContent = e.label;
      if (e.alt && e.alt !== e.label) {
        var alt = document.createElement("span");
        alt.className = "alt";
        alt.textContent = e.alt;
        name.appendChild(alt);
      }
      var kind = document.createElement("span");
      kind.className = "kind";
      kind.textContent = i18n[e.kind] || e.kind;
      li.appendChild(name);
      li.appendChild(kind);
      li.addEventListener("mousedown", function (ev) { ev.preventDefault(); choose(e); });
      list.appendChild(li);
    });
    list.hidden = false;
  }

  function choose(e) {
    input.value = e.label;
    list.hidden = true;
    if (highlight) { map.removeLayer(highlight); highlight = null; }
    if (e.bounds) {
      map.flyToBounds(e.bounds, {padding: [40, 40], maxZoom: 11, duration: 0.6});
    } else if (e.latlng) {
      map.flyTo(e.latlng, Math.max(map.getZoom(), 10), {duration: 0.6});
      highlight = L.circleMarker(e.latlng, {radius: 14, color: "#ff6f00", weight: 3, fill: false})
        .addTo(map);
    }
    if (e.kind === "river" && handles.layers.rivers_key) {
      var moved = afterMove();
      /* the key rivers may still be on their way (fetched after the first paint) */
      Promise.all([whenLoaded("rivers_key"), moved]).then(function (got) {
        if (!got[0]) { return; }
        got[0].eachLayer(function (layer) {
          var p = layer.feature && layer.feature.properties;
          if (p && p.rid === e.id && p.in_jilin) { openRiverPopup(layer); }
        });
      });
    }
  }

  /* The layer once its features are on the map (inline layers are at once). */
  function whenLoaded(key) {
    return (handles.loaded && handles.loaded[key]) || Promise.resolve(handles.layers[key] || null);
  }

  function afterMove() {
    return new Promise(function (resolve) {
      var done = false;
      var once = function () { if (!done) { done = true; resolve(); } };
      map.once("moveend", once);
      setTimeout(once, 1200);
    });
  }

  /* The popup is bound to the whole GeoJSON layer: click the river's own line, mid-course. */
  function openRiverPopup(layer) {
    var parts = layer.getLatLngs();
    if (!Array.isArray(parts[0])) { parts = [parts]; }
    var longest = parts.reduce(function (a, b) { return b.length > a.length ? b : a; });
    var mid = longest[Math.floor(longest.length / 2)];
    layer.fire("click", {latlng: mid, layer: layer}, true);
    layer.setStyle({weight: 7, opacity: 1});  /* show the whole river until the popup closes */
    layer.bringToFront();
    map.once("popupclose", function () { handles.layers.rivers_key.resetStyle(layer); });
  }

  input.addEventListener("input", function () {
    shown = matches(input.value);
    selected = shown.length ? 0 : -1;
    render();
  });
  input.addEventListener("keydown", function (ev) {
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      if (!shown.length) { return; }
      selected = (selected + (ev.key === "ArrowDown" ? 1 : shown.length - 1)) % shown.length;
      render();
      ev.preventDefault();
    } else if (ev.key === "Enter" && selected >= 0) {
      choose(shown[selected]);
      ev.preventDefault();
    } else if (ev.key === "Escape") {
      list.hidden = true;
    }
  });
  input.addEventListener("blur", function () { list.hidden = true; });
  L.DomEvent.disableClickPropagation(input.parentNode);
  L.DomEvent.disableScrollPropagation(input.parentNode);

  /* ------------------------------------------------- inventory layers (API) */
  /* Items from GeoJSON, a bare list, or the first list in an object ({"risk_sources": [...]}). */
  function items(body) {
    if (!body) { return []; }
    if (Array.isArray(body)) { return body; }
    if (body.type === "FeatureCollection" && Array.isArray(body.features)) { return body.features; }
    for (var k in body) {
      if (Object.prototype.hasOwnProperty.call(body, k) && Array.isArray(body[k])) { return body[k]; }
    }
    return [];
  }

  function num(v) { var n = typeof v === "string" ? parseFloat(v) : v; return isFinite(n) ? n : null; }

  function latlng(item) {
    var g = item.geometry;
    if (g && g.type === "Point" && g.coordinates) { return [num(g.coordinates[1]), num(g.coordinates[0])]; }
    var p = item.properties || item;
    var loc = p.location || p.position || p;
    var lon = num(loc.lon !== undefined ? loc.lon : loc.lng !== undefined ? loc.lng : loc.longitude);
    var lat = num(loc.lat !== undefined ? loc.lat : loc.latitude);
    return lon === null || lat === null ? [null, null] : [lat, lon];
  }

  /* Popup rows: [label zh, label en, property names tried in order]; lists are joined. */
  var lang = handles.lang;
  var ROWS = [
    ["类别", "Type", ["kind_" + lang, "kind_zh", "type_" + lang, "type_zh", "type", "level"]],
    ["单位", "Operator", ["operator_" + lang, "operator_zh", "holder_" + lang, "holder_zh",
                         "unit_" + lang, "unit_zh"]],
    ["行业", "Industry", ["industry_" + lang, "industry_zh"]],
    ["所在地", "Location", ["location_label"]],
    ["主要物质", "Substances", ["substances"]],
    ["物资类别", "Categories", ["categories"]],
    ["专长", "Specialties", ["specialties"]],
    ["人数", "Members", ["members"]],
    ["联系人", "Contact", ["contact_" + lang, "contact_zh", "leader_" + lang, "leader_zh"]],
    ["电话", "Phone", ["phone"]]
  ];

  function text(v) {
    if (v === undefined || v === null || v === "") { return ""; }
    if (Array.isArray(v)) {
      var names = v.slice(0, 5).map(function (x) {
        return typeof x === "object" && x ? (x["name_" + lang] || x.name_zh || x.name || "") : String(x);
      }).filter(Boolean);
      return names.join("、") + (v.length > 5 ? " …" : "");
    }
    return typeof v === "object" ? "" : String(v);
  }

  function popupFor(p) {
    var box = document.createElement("div");
    box.className = "eec-popup";
    var h = document.createElement("h6");
    h.textContent = p["name_" + lang] || p.name_zh || p.name || p.name_en || p.title || "";
    box.appendChild(h);
    var where = [p.prefecture_zh, p.county_zh].filter(Boolean).join(" ");
    var dl = document.createElement("dl");
    ROWS.forEach(function (row) {
      var value = "";
      if (row[2][0] === "location_label") { value = where; }
      for (var i = 0; !value && i < row[2].length; i++) { value = text(p[row[2][i]]); }
      if (!value) { return; }
      var dt = document.createElement("dt"), dd = document.createElement("dd");
      dt.textContent = lang === "en" ? row[1] : row[0];
      dd.textContent = value;
      dl.appendChild(dt);
      dl.appendChild(dd);
    });
    box.appendChild(dl);
    if (p.sample || p.is_sample) {
      var s = document.createElement("small");
      s.className = "eec-sample";
      s.textContent = i18n.sample;
      box.appendChild(s);
    }
    var link = p.detail_url || p.url;
    if (typeof link === "string" && link.charAt(0) === "/" && link.charAt(1) !== "/") {
      var a = document.createElement("a");
      a.href = link;
      a.textContent = i18n.details;
      box.appendChild(a);
    }
    return box;
  }

  var pane = map.getPane("eec-inventory") ? "eec-inventory" : "overlayPane";

  function loadApiLayer(spec) {
    if (typeof L.markerClusterGroup !== "function") { return Promise.resolve(null); }
    return window.EEC.fetch(spec.url).then(function (resp) {
      if (!resp.ok) { return null; }        /* 404 until that API exists: skip quietly */
      return resp.json().catch(function () { return null; });
    }).then(function (body) {
      if (!body) { return null; }
      var list = items(body);
      var group = L.markerClusterGroup({
        showCoverageOnHover: false, maxClusterRadius: 45,
        iconCreateFunction: function (cluster) {
          var count = document.createElement("div");
          count.className = "eec-cluster";
          count.style.background = spec.colour;
          count.textContent = String(cluster.getChildCount());
          return L.divIcon({html: count, className: "eec-cluster-icon", iconSize: [34, 34]});
        }
      });
      list.forEach(function (item) {
        var ll = latlng(item);
        if (ll[0] === null) { return; }
        var marker = L.circleMarker(ll, {radius: 6, color: "#fff", weight: 1.5, pane: pane,
                                         fillColor: spec.colour, fillOpacity: 0.95});
        marker.bindPopup(popupFor(item.properties || item), {minWidth: 220, maxWidth: 340});
        group.addLayer(marker);
      });
      return {spec: spec, group: group, count: list.length};
    }).catch(function (err) {  /* the layer is simply absent; say why in the console */
      if (window.console) { console.warn("layer " + spec.key + " not loaded:", err); }
      return null;
    });
  }

  /* All requests at once; overlays are added in the declared order once all have answered. */
  var inventory = Promise.all((window.EEC_API_LAYERS || []).map(loadApiLayer)).then(function (loaded) {
    loaded.forEach(function (layer) {
      if (!layer) { return; }
      if (layer.spec.show) { layer.group.addTo(map); }
      handles.control.addOverlay(layer.group, layer.spec.name + " (" + layer.count + ")");
      handles.layers[layer.spec.key] = layer.group;
    });
    document.dispatchEvent(new CustomEvent("eec:layers-loaded"));
  });

  /* Every layer in (or given up): EEC_MAP.settled, and an event, for tests and benchmarks. */
  var fetched = Object.keys(handles.loaded || {}).map(whenLoaded);
  Promise.all(fetched.concat([inventory])).then(function () {
    handles.settled = true;
    document.dispatchEvent(new CustomEvent("eec:map-settled"));
  });
})();
