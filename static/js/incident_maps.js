/* Small Leaflet maps of the incident and river pages: the map itself and its background
 * (rivers, prefecture lines, lakes, cities from /api/map/context.geojson), no tiles needed. */
(function () {
  "use strict";
  var EEC = window.EEC = window.EEC || {};
  var JILIN = [[40.85, 121.6], [46.3, 131.3]];

  function create(element, options) {
    var map = L.map(element, Object.assign({
      zoomSnap: 0.25, zoomDelta: 0.5, minZoom: 5, maxZoom: 15, preferCanvas: false,
      attributionControl: false
    }, options || {}));
    map.fitBounds(JILIN);
    L.control.scale({imperial: false}).addTo(map);
    map.createPane("eec-ctx").style.zIndex = 350;
    map.createPane("eec-ctx-labels").style.zIndex = 360;
    return map;
  }

  var STYLE = {
    province: {color: "#b71c1c", weight: 2.2, opacity: 0.8, fill: false},
    prefecture: {color: "#78909c", weight: 1, opacity: 0.8, dashArray: "5 3", fill: false},
    lake: {color: "#4a90c2", weight: 0.8, fillColor: "#a9d3f0", fillOpacity: 0.9}
  };

  /* The background, drawn under everything else; resolves with the layer group. */
  function context(map, url, lang, opts) {
    var faint = opts && opts.faint ? 0.55 : 1;
    url = url || "/api/map/context.geojson";
    return EEC.fetch(url).then(function (resp) {
      return resp.ok ? resp.json() : null;
    }).then(function (body) {
      if (!body) { return null; }
      var group = L.layerGroup();
      var cities = [];
      var names = opts && opts.riverNames;
      var named = map.eecNamed = [];
      L.geoJSON(body, {
        pane: "eec-ctx", interactive: !!names,
        filter: function (f) { return f.properties.k !== "city"; },
        onEachFeature: function (f, layer) {
          var n = lang === "en" ? (f.properties.ne || f.properties.n) : f.properties.n;
          if (!n || (f.properties.k !== "river" && f.properties.k !== "lake")) { return; }
          named.push({name: n, alt: f.properties.n, layer: layer});
          if (names) {  /* hover names (a text node, never HTML); clicks still reach the map */
            layer.bindTooltip(EEC.text(n), {sticky: true, className: "eec-river-label"});
          }
        },
        style: function (f) {
          var p = f.properties;
          if (p.k === "river") {
            return {color: p.c, weight: p.j ? 2.2 : 1.4, opacity: (p.j ? 0.75 : 0.4) * faint};
          }
          if (p.k === "minor") { return {color: p.c, weight: 0.8, opacity: 0.5 * faint}; }
          return STYLE[p.k] || {color: "#90a4ae", weight: 1};
        }
      }).addTo(group);
      body.features.forEach(function (f) {
        if (f.properties.k !== "city") { return; }
        var ll = [f.geometry.coordinates[1], f.geometry.coordinates[0]];
        var m = L.circleMarker(ll, {radius: 3.5, color: "#263238", weight: 1.5, fillColor: "#ffeb3b",
                                    fillOpacity: 1, pane: "eec-ctx-labels", interactive: false});
        var label = EEC.text(lang === "en" ? (f.properties.ne || f.properties.n) : f.properties.n);
        m.bindTooltip(label, {permanent: true, direction: "right", offset: [5, 0],
                              className: "eec-place-label", pane: "eec-ctx-labels"});
        cities.push(m);
        named.push({name: label.textContent, alt: f.properties.n, layer: m});
      });
      cities.forEach(function (m) { m.addTo(group); });
      group.addTo(map);
      return group;
    }).catch(function (err) {
      if (window.console) { console.warn("map background not loaded:", err); }
      return null;
    });
  }

  /* Times: everything is shown in Beijing time, whatever the PC's own zone. */
  var TZ = "Asia/Shanghai";
  function fmt(opts) {
    return new Intl.DateTimeFormat(EEC.lang === "en" ? "en-GB" : "zh-CN",
                                   Object.assign({timeZone: TZ, hour12: false}, opts));
  }
  var F_SHORT = fmt({month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit"});
  var F_FULL = fmt({year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit",
                    minute: "2-digit"});
  var F_PARTS = fmt({year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit",
                     minute: "2-digit", second: "2-digit"});

  function parts(date) {
    var out = {};
    F_PARTS.formatToParts(date).forEach(function (p) { out[p.type] = p.value; });
    if (out.hour === "24") { out.hour = "00"; }
    return out;
  }

  EEC.time = {
    short: function (iso) { return iso ? F_SHORT.format(new Date(iso)).replace(",", "") : "—"; },
    /* "HH:MM" today (Beijing), else "MM/DD HH:MM" */
    brief: function (iso, nowMs) {
      if (!iso) { return "—"; }
      var a = parts(new Date(iso)), b = parts(new Date(nowMs || Date.now()));
      var same = a.year === b.year && a.month === b.month && a.day === b.day;
      return same ? a.hour + ":" + a.minute : EEC.time.short(iso);
    },
    full: function (iso) { return iso ? F_FULL.format(new Date(iso)).replace(",", "") : "—"; },
    /* "YYYY-MM-DDTHH:MM" in Beijing time, for <input type=datetime-local> */
    localInput: function (date) {
      var p = parts(date || new Date());
      return p.year + "-" + p.month + "-" + p.day + "T" + p.hour + ":" + p.minute;
    },
    /* <input type=datetime-local> value (Beijing time) -> ISO with +08:00 */
    fromInput: function (value) { return value ? value + "+08:00" : null; },
    /* a duration in ms -> "3小时12分" / "12分05秒" (zh), "3 h 12 min" / "12 min 05 s" (en) */
    span: function (ms) {
      var s = Math.floor(Math.abs(ms) / 1000);
      var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600);
      var m = Math.floor((s % 3600) / 60), sec = s % 60;
      var pad = function (n) { return (n < 10 ? "0" : "") + n; };
      if (EEC.lang === "en") {
        if (d) { return d + " d " + h + " h"; }
        if (h) { return h + " h " + pad(m) + " min"; }
        return m + " min " + pad(sec) + " s";
      }
      if (d) { return d + "天" + h + "小时"; }
      if (h) { return h + "小时" + pad(m) + "分"; }
      return m + "分" + pad(sec) + "秒";
    }
  };

  /* A search box over the background's named rivers, lakes and cities (as on the province map):
   * typing lists matches, choosing one zooms to it. Text nodes only. */
  function search(map, input, list) {
    function matches(q) {
      q = q.trim().toLowerCase();
      if (!q) { return []; }
      var seen = {}, out = [];
      (map.eecNamed || []).forEach(function (e) {
        if ((e.name.toLowerCase().indexOf(q) >= 0 || (e.alt || "").indexOf(q) >= 0) && !seen[e.name]) {
          seen[e.name] = true;
          out.push(e);
        }
      });
      return out.slice(0, 12);
    }
    function go(entry) {
      var bounds = L.latLngBounds([]);
      (map.eecNamed || []).forEach(function (e) {
        if (e.name !== entry.name) { return; }
        if (e.layer.getBounds) { bounds.extend(e.layer.getBounds()); } else { bounds.extend(e.layer.getLatLng()); }
      });
      if (bounds.isValid()) { map.fitBounds(bounds, {maxZoom: 11, padding: [20, 20]}); }
      list.textContent = "";
      list.hidden = true;
    }
    input.addEventListener("input", function () {
      list.textContent = "";
      var found = matches(input.value);
      list.hidden = !found.length;
      found.forEach(function (e) {
        var li = document.createElement("li");
        li.textContent = e.name;
        li.tabIndex = 0;
        li.addEventListener("click", function () { input.value = e.name; go(e); });
        li.addEventListener("keydown", function (ev) { if (ev.key === "Enter") { ev.preventDefault(); input.value = e.name; go(e); } });
        list.appendChild(li);
      });
    });
    input.addEventListener("keydown", function (ev) {
      if (ev.key !== "Enter") { return; }
      ev.preventDefault();
      var found = matches(input.value);
      if (found.length) { input.value = found[0].name; go(found[0]); }
    });
  }

  EEC.maps = {create: create, context: context, search: search};
})();
