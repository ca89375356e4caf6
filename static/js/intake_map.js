/* Province map: a click offers "report an incident here" → the intake with the point.
 * Only for users who may report (incident.write); a click on a river or lake adds the link to
 * that feature's own popup instead of replacing it. Runs after folium's script (defer). */
(function () {
  "use strict";
  var handles = window.EEC_MAP, spec = window.EEC_REPORT_HERE;
  if (!handles || !spec || !window.EEC) { return; }
  var map = handles.map;
  var allowed = false;
  var layerPopupAt = 0;

  window.EEC.fetch("/api/auth/me").then(function (resp) {
    return resp.ok ? resp.json() : null;
  }).then(function (me) {
    allowed = !!(me && (me.permissions || []).indexOf("incident.write") >= 0);
  }).catch(function () { allowed = false; });

  function link(latlng) {
    var box = document.createElement("div");
    box.className = "eec-report-box";
    var coords = document.createElement("div");
    coords.className = "eec-report-coords";
    coords.textContent = latlng.lng.toFixed(5) + "°E, " + latlng.lat.toFixed(5) + "°N";
    var a = document.createElement("a");
    a.className = "eec-report-here";
    a.href = spec.url + "?lon=" + latlng.lng.toFixed(6) + "&lat=" + latlng.lat.toFixed(6);
    a.textContent = spec.label;
    box.appendChild(coords);
    box.appendChild(a);
    return box;
  }

  map.on("popupopen", function (e) {
    var popup = e.popup;
    if (!allowed || popup.options.className === "eec-report-popup" || !popup.getElement()) { return; }
    var content = popup.getElement().querySelector(".leaflet-popup-content");
    if (!content || content.querySelector(".eec-report-here")) { return; }
    layerPopupAt = Date.now();
    content.appendChild(link(popup.getLatLng()));
    popup.update();
  });

  map.on("click", function (e) {
    if (!allowed || Date.now() - layerPopupAt < 400) { return; }
    L.popup({className: "eec-report-popup", minWidth: 180})
      .setLatLng(e.latlng).setContent(link(e.latlng)).openOn(map);
  });
})();
