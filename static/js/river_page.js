/* The key-river page (一河一策一图): the river, its sites and risk sources on a map (text-only
 * tooltips and popups), a legend, and the cards opened for printing. Data: #river-data. */
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var data = JSON.parse(document.getElementById("river-data").textContent);
  var holder = document.getElementById("river-map");
  var map = EEC.maps.create("river-map");
  EEC.maps.context(map, holder.dataset.context, holder.dataset.lang);
  map.createPane("river").style.zIndex = 420;
  var river = L.geoJSON(data.river, {pane: "river", style: {color: "#0d47a1", weight: 5, opacity: 0.85}}).addTo(map);
  data.sites.forEach(function (s) {
    var risk = s.kind === "risk_source";  // drawn smaller, outlined dark: off-river facilities
    var m = L.circleMarker([s.lat, s.lon], {radius: risk ? 5.5 : 6.5, color: risk ? "#3e2723" : "#fff",
                                           weight: risk ? 1.5 : 2, fillColor: s.colour,
                                           fillOpacity: 1, pane: "markerPane"});
    var box = document.createElement("div");
    var b = document.createElement("b"); b.textContent = s.name; box.appendChild(b);
    var p = document.createElement("div");
    p.textContent = s.kind_label + (s.km !== null ? " · km " + s.km.toFixed(1) : "") + (s.details ? " · " + s.details : "");
    box.appendChild(p);
    m.bindPopup(box).bindTooltip(EEC.text(s.name)).addTo(map);
  });
  var legend = L.control({position: "bottomleft"});
  legend.onAdd = function () {
    var div = L.DomUtil.create("div", "inc-legend");
    data.kinds.forEach(function (k) {
      var row = document.createElement("div"), i = document.createElement("i");
      i.style.background = k.colour; row.appendChild(i);
      row.appendChild(document.createTextNode(k.label)); div.appendChild(row);
    });
    return div;
  };
  legend.addTo(map);
  map.fitBounds(river.getBounds(), {padding: [20, 20]});
  window.EEC_RIVER_MAP = map;
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("#river-cards details").forEach(function (d) { d.open = true; });
  });
});
