/* The park page's map (一园一策一图): enterprises, accident pools (sized by volume), valves,
 * gates, public pools and the outfalls with their way to the river. Labels are text nodes. */
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var data = JSON.parse(document.getElementById("park-data").textContent);
  var ctx = document.getElementById("park-map-context");
  var map = EEC.maps.create("park-map");
  EEC.maps.context(map, ctx.dataset.url, ctx.dataset.lang);
  var STYLE = {
    enterprise: {colour: "#6d4c41", radius: 7},
    valve: {colour: "#ef6c00", radius: 5},
    pool: {colour: "#1565c0", radius: 7},
    gate: {colour: "#c62828", radius: 6},
    outfall: {colour: "#4a148c", radius: 6}
  };
  function label(f) {
    var box = document.createElement("div");
    box.appendChild(EEC.text(f.name, "b"));
    box.appendChild(EEC.text(f.detail, "div"));
    return box;
  }
  L.circle(data.centre, {radius: data.radius_m, color: "#546e7a", weight: 1, dashArray: "4 4",
                         fill: false, interactive: false}).addTo(map);
  var bounds = L.latLngBounds([data.centre]);
  (data.rivers || []).forEach(function (line) {  // the receiving river at each outfall
    L.polyline(line, {color: "#0d47a1", weight: 5, opacity: 0.8, interactive: false}).addTo(map);
  });
  data.paths.forEach(function (p) {
    L.polyline(p, {color: "#4a148c", weight: 3, dashArray: "6 4"}).addTo(map);
    bounds.extend(p[1]);
  });
  data.features.forEach(function (f) {
    var s = STYLE[f.kind] || {colour: "#455a64", radius: 5};
    // pools sized by volume: 5 px for 500 m³ up to 16 px for 10,000 m³ and more
    var r = f.volume_m3 ? Math.max(5, Math.min(16, 5 + 11 * Math.sqrt(f.volume_m3 / 10000))) : s.radius;
    var m = L.circleMarker([f.lat, f.lon], {radius: r, color: "#fff", weight: 2,
                                            fillColor: s.colour, fillOpacity: 0.95});
    m.bindPopup(label(f)).bindTooltip(EEC.text(f.name)).addTo(map);
    bounds.extend([f.lat, f.lon]);
  });
  var legend = L.control({position: "bottomleft"});
  legend.onAdd = function () {
    var div = L.DomUtil.create("div", "inc-legend");
    var names = data.legend;
    Object.keys(STYLE).forEach(function (k) {
      var row = document.createElement("div"), i = document.createElement("i");
      i.style.background = STYLE[k].colour; row.appendChild(i);
      row.appendChild(document.createTextNode(names[k] || k)); div.appendChild(row);
    });
    return div;
  };
  legend.addTo(map);
  map.fitBounds(bounds.pad(0.15));
  window.EEC_PARK_MAP = map;
});
