/* The players' view of a drill on its incident page: the latest inject as a banner, the list of
   every inject delivered so far, and the acknowledgement (签收). Polls every 4 s. A new inject
   makes the banner flash (a visual cue; never a sound). Text nodes only. */
(function () {
  "use strict";
  var EEC = window.EEC, root = document.getElementById("drill-player");
  if (!root) { return; }
  var M = JSON.parse(document.getElementById("drill-player-i18n").textContent);
  var EN = M.lang === "en";
  var canAck = root.dataset.canAck === "1";
  var seen = null, runId = null, current = null, busy = false, ended = false;
  var baseTitle = document.title;

  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var n = document.createElement(tag);
    if (cls) { n.className = cls; }
    if (text != null) { n.textContent = text; }
    return n;
  }
  function meta(i) {
    return i.delivered_t + " · " + (EN ? i.mode_en : i.mode_zh) + " · " + i.from + " → " + i.to;
  }

  function render(body) {
    runId = body.run_id;
    ended = body.status === "ended";
    var injects = body.injects || [];
    root.hidden = false;
    var unacked = injects.filter(function (i) { return !i.acknowledged_at; });
    var fresh = seen !== null && injects.some(function (i) { return !seen[i.inject_id]; });
    seen = {};
    injects.forEach(function (i) { seen[i.inject_id] = true; });

    current = unacked.length ? unacked[unacked.length - 1] : injects[injects.length - 1] || null;
    var banner = $("drill-banner");
    banner.classList.toggle("acked", !unacked.length);
    $("drill-banner-meta").textContent = current ? current.inject_id + " · " + meta(current) : "";
    $("drill-banner-text").textContent = current ? current.message : M.none;
    $("drill-ack").hidden = !(canAck && !ended && current && !current.acknowledged_at);
    $("drill-banner-count").textContent = unacked.length ? M.unacked.replace("{n}", unacked.length) : "";
    document.title = (unacked.length ? "(" + unacked.length + ") " : "") + baseTitle;
    if (fresh) {
      banner.classList.remove("flash");
      void banner.offsetWidth;  // restart the animation
      banner.classList.add("flash");
    }

    var list = $("drill-inject-list");
    list.textContent = "";
    injects.slice().reverse().forEach(function (i) {
      var li = el("li", i.acknowledged_at ? "acked" : "unacked");
      li.dataset.inject = i.inject_id;
      li.appendChild(el("span", "meta", i.inject_id + " · " + meta(i)));
      li.appendChild(document.createTextNode(i.message));
      if (i.acknowledged_at) {
        li.appendChild(el("span", "meta", " (" + M.acked + " " + i.acknowledged_t + " " +
                                           (i.acknowledged_by || "") + ")"));
      }
      list.appendChild(li);
    });
    $("drill-inject-n").textContent = String(injects.length);
  }

  function load() {
    if (busy || document.hidden) { return Promise.resolve(); }
    busy = true;
    return EEC.fetch(root.dataset.api).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) { busy = false; if (body) { render(body); } })
      .catch(function () { busy = false; });
  }

  $("drill-ack").addEventListener("click", function () {
    if (!current || runId === null) { return; }
    var url = root.dataset.ack.replace("/runs/0/", "/runs/" + runId + "/")
      .replace("/INJECT/", "/" + encodeURIComponent(current.inject_id) + "/");
    $("drill-ack").disabled = true;
    EEC.fetch(url, {method: "POST", headers: {"Content-Type": "application/json"}, body: "{}"})
      .then(function () { $("drill-ack").disabled = false; return load(); })
      .catch(function () { $("drill-ack").disabled = false; });
  });

  load();
  setInterval(load, 4000);
})();
