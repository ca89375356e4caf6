/* Shared page helpers: the clock in Beijing time, fetch with the CSRF header, text for map
 * tooltips and popups, an element with text and a message with values (EEC.el, EEC.fill), and
 * the page behaviours that would otherwise be inline handlers (the Content-Security-Policy
 * allows no inline script): print buttons. (Confirmed forms, data-confirm, are refresh.js's.) */
(function () {
  "use strict";
  var EEC = window.EEC = window.EEC || {};
  var meta = document.querySelector('meta[name="csrf-token"]');
  EEC.lang = document.documentElement.lang === "en" ? "en" : "zh";

  /* fetch() for the app's own API: same-origin cookies, JSON, and X-CSRFToken on writes. */
  EEC.fetch = function (url, options) {
    options = Object.assign({credentials: "same-origin"}, options || {});
    var headers = new Headers(options.headers || {});
    headers.set("Accept", "application/json");
    var method = (options.method || "GET").toUpperCase();
    if (["GET", "HEAD", "OPTIONS"].indexOf(method) < 0 && meta) {
      headers.set("X-CSRFToken", meta.content);
    }
    options.headers = headers;
    return fetch(url, options);
  };

  /* A node showing ``value`` as text, never as markup: what map tooltips and popups are given
   * (Leaflet's bindTooltip/bindPopup read a string as HTML). */
  EEC.text = function (value, tag) {
    var node = document.createElement(tag || "span");
    node.textContent = value === null || value === undefined ? "" : String(value);
    return node;
  };

  /* An element with an optional class and text (never markup): EEC.el("td", "num", "3"). */
  EEC.el = function (tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = text; }
    return e;
  };

  /* A message with its {name} placeholders filled from ``values`` (unknown ones left as they are). */
  EEC.fill = function (text, values) {
    return String(text).replace(/\{(\w+)\}/g, function (m, k) { return values[k] !== undefined ? values[k] : m; });
  };

  /* <button data-print>: prints the page. */
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-print]");
    if (button) { window.print(); }
  });

  var clock = document.getElementById("eec-clock");
  if (clock && window.Intl) {
    var fmt = new Intl.DateTimeFormat(EEC.lang === "en" ? "en-GB" : "zh-CN", {
      timeZone: clock.dataset.tz || "Asia/Shanghai", year: "numeric", month: "2-digit",
      day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false
    });
    var tick = function () { clock.textContent = fmt.format(new Date()); };
    tick();
    setInterval(tick, 15000);
  }
})();
