/* The A3 一图: the published plan's river, sites, risk sources and the boundaries, on one sheet.
 * Names are drawn as text nodes (permanent tooltips built with textContent). */
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("plan-a3-data").textContent);
  document.addEventListener("DOMContentLoaded", function () {
    var map = EEC.maps.create("plan-a3-map", {zoomControl: false});
    var ready = EEC.maps.context(map, D.context, D.lang);
    map.createPane("river").style.zIndex = 420;
    var river = L.geoJSON(D.river, {pane: "river", style: {color: "#0d47a1", weight: 5, opacity: 0.9}}).addTo(map);
    var side = 0;  // labels alternate right / left along the river, so neighbours do not overlap
    D.sites.slice().sort(function (a, b) { return (a.km || 0) - (b.km || 0); }).forEach(function (s) {
      var risk = s.kind === "risk_source";
      var m = L.circleMarker([s.lat, s.lon], {radius: risk ? 4.5 : 7, color: risk ? "#3e2723" : "#fff",
        weight: risk ? 1.2 : 2, fillColor: s.colour, fillOpacity: 1, pane: "markerPane"});
      m.addTo(map);
      if (!risk) {
        var label = EEC.text(s.name + (s.km !== null ? " (km " + s.km.toFixed(1) + ")" : ""));
        var dir = side++ % 2 ? "left" : "right";
        m.bindTooltip(label, {permanent: true, direction: dir, offset: [dir === "left" ? -6 : 6, 0],
                              className: "eec-place-label"});
      }
    });
    map.fitBounds(river.getBounds(), {padding: [30, 30]});
    window.EEC_A3_READY = ready;
    document.getElementById("plan-a3-print").addEventListener("click", function () { window.print(); });
    window.addEventListener("beforeprint", function () { map.invalidateSize(); map.fitBounds(river.getBounds(), {padding: [30, 30]}); });
  });
})();
