/* Station alarms (水质自动站报警): acknowledge, trace the source (溯源) and report the incident
 * from a candidate in one click. Text nodes only. */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("alarm-config").textContent);
  var T = cfg.t, EN = cfg.lang === "en";
  var $ = function (id) { return document.getElementById(id); };
  var el = EEC.el;
  function api(url, body) {
    var opts = body === undefined ? {} : {method: "POST", headers: {"Content-Type": "application/json"},
                                          body: JSON.stringify(body)};
    return EEC.fetch(url, opts).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (b) { return {ok: r.ok, status: r.status, body: b}; });
    });
  }
  function short(iso) {
    if (!iso) { return "—"; }
    var d = new Date(iso), p = function (n) { return String(n).padStart(2, "0"); };
    return p(d.getMonth() + 1) + "-" + p(d.getDate()) + " " + p(d.getHours()) + ":" + p(d.getMinutes());
  }
  function message(body) {
    var e = body && body.error;
    return e ? (EN ? e.message_en : e.message_zh) : (EN ? "request failed" : "请求失败");
  }
  function load() {
    api("/api/alarms").then(function (r) {
      var tbody = $("alarm-list").querySelector("tbody");
      tbody.textContent = "";
      if (!r.body.alarms || !r.body.alarms.length) {
        var tr = el("tr"); var td = el("td", "eec-muted", T.st_none); td.colSpan = 6; tr.appendChild(td);
        tbody.appendChild(tr);
        return;
      }
      r.body.alarms.forEach(function (a) {
        var tr = el("tr", a.acknowledged ? "passed" : "");
        tr.appendChild(el("td", "", a.station_name_zh));
        tr.appendChild(el("td", "", a.parameter));
        tr.appendChild(el("td", "num exceeds", a.value_mg_l + " / " + a.threshold_mg_l));
        tr.appendChild(el("td", "t", short(a.observed_at)));
        tr.appendChild(el("td", "", a.acknowledged ? T.st_acked + " · " + (a.acknowledged_by || "") : T.st_open));
        var act = el("td");
        var tb = el("button", "eec-btn small", T.st_trace);
        tb.type = "button";
        tb.addEventListener("click", function () { trace(a); });
        act.appendChild(tb);
        if (cfg.can_write && !a.acknowledged) {
          var ab = el("button", "eec-btn small ack", T.st_ack);
          ab.type = "button";
          ab.addEventListener("click", function () {
            api("/api/alarms/" + a.id + "/acknowledge", {}).then(function (x) {
              if (!x.ok) { window.alert(message(x.body)); return; }
              window.location.reload();
            });
          });
          act.appendChild(ab);
        }
        tr.appendChild(act);
        tbody.appendChild(tr);
      });
    });
  }
  function trace(a) {
    var out = $("trace-result");
    out.textContent = "";
    out.appendChild(el("p", "eec-muted", T.st_tracing));
    api("/api/trace-source", {station_id: a.station_id, substance: a.parameter,
                              concentration_mg_l: a.value_mg_l, observed_at: a.observed_at}).then(function (r) {
      out.textContent = "";
      if (!r.ok) { out.appendChild(el("div", "eec-msg error", message(r.body))); return; }
      out.appendChild(el("h2", "", T.st_candidates + " · " + a.station_name_zh));
      var ol = el("ol", "trace-candidates");
      r.body.candidates.forEach(function (c) {
        var li = el("li", c.ruled_out ? "passed" : "");
        li.appendChild(el("strong", "", c.name_zh + (c.sample && c.name_zh.indexOf("示例") < 0 ? "(示例)" : "")));
        li.appendChild(el("div", "", T.st_window + " " + short(c.release_window[0]) + " – "
                                     + short(c.release_window[1]) + " · " + T.st_mass + " ≈ "
                                     + c.mass_kg + " kg · " + c.distance_km + " km"));
        li.appendChild(el("div", "eec-muted", (EN ? c.reasons_en : c.reasons_zh).join(EN ? "; " : ";")));
        if (c.incident && cfg.can_write) {
          var b = el("button", "eec-btn small primary make-incident", T.st_make_incident);
          b.type = "button";
          b.addEventListener("click", function () {
            b.disabled = true;
            api("/api/incidents", c.incident).then(function (x) {
              if (!x.ok) { b.disabled = false; window.alert(message(x.body)); return; }
              window.location.href = cfg.incident_url + x.body.id;
            });
          });
          li.appendChild(b);
        }
        ol.appendChild(li);
      });
      out.appendChild(ol);
    });
  }
  load();
})();
