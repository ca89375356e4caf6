/* Monitoring on the incident page (issue 16): how the forecast was fitted, the chart of observed
 * results against the forecast with its P5–P95 band at a chosen site (Apache ECharts, served
 * from static/vendor), and the bulk import of results. Text only: every string from the data
 * goes into text nodes or the canvas, never into HTML (the chart's tooltip renders as rich text
 * on the canvas). incident.js announces a new package with the "eec:package" event. */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("inc-config").textContent);
  var S = JSON.parse(document.getElementById("inc-state").textContent);
  var T = cfg.t, EN = cfg.lang === "en";
  var pkg = S.package;
  var $ = function (id) { return document.getElementById(id); };
  var CHART_KINDS = ["intake", "water_source", "section", "irrigation_intake", "monitoring"];
  var chart = null;

  var el = EEC.el, fill = EEC.fill;
  function nameOf(d) { return EN ? (d.name_en || d.name_zh) : d.name_zh; }
  function sig(v) {
    if (v === null || v === undefined) { return "—"; }
    return Math.abs(v) >= 100 ? v.toFixed(0) : Number(v.toPrecision(3)).toString();
  }

  /* ------------------------------------------------------------ the fit */
  function renderFit() {
    var root = $("fit-summary");
    if (!root) { return; }
    root.textContent = "";
    var fit = pkg.fit || {n_observations: 0, sites: []};
    if (!fit.n_observations) {
      root.appendChild(el("p", "eec-muted", fill(T.inc_fit_none, {members: fit.members || 0})));
      return;
    }
    root.appendChild(el("p", "fit-head", fill(T.inc_fit_head, {
      n: fit.n_observations, mass: fit.mass_factor.toFixed(2),
      disp: fit.dispersion_fitted ? fit.dispersion_factor.toFixed(2) : "—",
      members: fit.members})));
    var table = el("table", "eec-table fit-table");
    var head = el("tr");
    [T.inc_fit_km, T.inc_fit_n, T.inc_fit_reach, T.inc_fit_front_res, T.inc_fit_conc_ratio]
      .forEach(function (x) { head.appendChild(el("th", "", x)); });
    var thead = el("thead"); thead.appendChild(head); table.appendChild(thead);
    var tbody = el("tbody");
    fit.sites.forEach(function (s) {
      var tr = el("tr");
      tr.appendChild(el("td", "num", s.km.toFixed(1)));
      tr.appendChild(el("td", "num", String(s.n)));
      tr.appendChild(el("td", "num", "×" + s.reach_factor.toFixed(2)));
      tr.appendChild(el("td", "num", s.front_residual_h === null ? "—" : s.front_residual_h.toFixed(1) + " h"));
      tr.appendChild(el("td", "num", s.conc_ratio === null ? "—" : "×" + s.conc_ratio.toFixed(2)));
      tbody.appendChild(tr);
    });
    table.appendChild(tbody);
    root.appendChild(table);
    root.appendChild(el("p", "eec-muted", T.inc_fit_below));
  }

  /* ------------------------------------------------------------ the chart */
  function renderSiteChoice() {
    var sel = $("series-site");
    if (!sel) { return; }
    var keep = sel.value;
    sel.textContent = "";
    var sites = pkg.downstream.filter(function (d) { return CHART_KINDS.indexOf(d.kind) >= 0; });
    sites.forEach(function (d) {
      var o = el("option", "", (EN ? d.kind_en : d.kind_zh) + " · " + nameOf(d) + " · km " + d.km.toFixed(1));
      o.value = d.id;
      sel.appendChild(o);
    });
    if (keep && sites.some(function (d) { return d.id === keep; })) { sel.value = keep; }
    else if (sites.length) {
      // the first site that has results, else the first intake, else the first site
      var observed = (S.observations || []).map(function (o) { return o.site_id; });
      var first = sites.filter(function (d) { return observed.indexOf(d.id) >= 0; })[0]
        || sites.filter(function (d) { return d.kind === "intake" || d.kind === "water_source"; })[0]
        || sites[0];
      sel.value = first.id;
    }
  }
  function loadSeries() {
    var sel = $("series-site"), box = $("series-chart");
    if (!sel || !box || !sel.value || !window.echarts) { return; }
    EEC.fetch(cfg.urls.api + "/series?site=" + encodeURIComponent(sel.value)).then(function (resp) {
      return resp.json().then(function (body) { return {ok: resp.ok, body: body}; });
    }).then(function (r) {
      if (!r.ok) { $("series-msg").textContent = EN ? r.body.error.message_en : r.body.error.message_zh; return; }
      $("series-msg").textContent = "";
      drawSeries(r.body);
    });
  }
  function drawSeries(s) {
    var box = $("series-chart");
    if (!chart) { chart = window.echarts.init(box, null, {renderer: "canvas"}); }
    var t = s.times.map(function (x) { return Date.parse(x); });
    var lower = t.map(function (x, i) { return [x, s.p05[i]]; });
    var width = t.map(function (x, i) { return [x, Math.max(s.p95[i] - s.p05[i], 0)]; });
    var mid = t.map(function (x, i) { return [x, s.p50[i]]; });
    var seen = [], nd = [], voided = [];
    s.observations.forEach(function (o) {
      var p = [Date.parse(o.observed_at), o.not_detected ? (o.detection_limit_mg_l || 0) : o.concentration_mg_l];
      (o.void ? voided : o.not_detected ? nd : seen).push(p);
    });
    var series = [
      {name: "P5", type: "line", data: lower, stack: "band", symbol: "none", lineStyle: {opacity: 0},
       silent: true},
      {name: T.inc_chart_band, type: "line", data: width, stack: "band", symbol: "none",
       lineStyle: {opacity: 0}, areaStyle: {color: "rgba(25,118,210,0.18)"},
       itemStyle: {color: "rgba(25,118,210,0.35)"}, silent: true},
      {name: T.inc_chart_forecast, type: "line", data: mid, symbol: "none",
       lineStyle: {color: "#1565c0", width: 2}, itemStyle: {color: "#1565c0"}},
      {name: T.inc_chart_observed, type: "scatter", data: seen, symbolSize: 9,
       itemStyle: {color: "#d32f2f"}},
      {name: T.inc_chart_nd, type: "scatter", data: nd, symbol: "triangle", symbolRotate: 180,
       symbolSize: 9, itemStyle: {color: "#fff", borderColor: "#d32f2f", borderWidth: 1.5}},
      {name: T.inc_chart_void, type: "scatter", data: voided, symbol: "emptyCircle", symbolSize: 8,
       itemStyle: {color: "#9e9e9e"}}
    ];
    if (s.limit_mg_l !== null && s.limit_mg_l !== undefined) {
      series[2].markLine = {symbol: "none", silent: true, label: {formatter: T.inc_chart_limit + " " + sig(s.limit_mg_l)},
                            lineStyle: {color: "#e65100", type: "dashed"}, data: [{yAxis: s.limit_mg_l}]};
    }
    chart.setOption({
      animation: false,
      grid: {left: 56, right: 16, top: 36, bottom: 40},
      legend: {top: 0, data: [T.inc_chart_band, T.inc_chart_forecast, T.inc_chart_observed, T.inc_chart_nd]},
      tooltip: {trigger: "axis", renderMode: "richText",
                valueFormatter: function (v) { return sig(v) + " mg/L"; }},
      xAxis: {type: "time", axisLabel: {hideOverlap: true}},
      yAxis: {type: "value", name: "mg/L", min: 0},
      series: series
    }, true);
    $("series-caption").textContent = fill(T.inc_chart_caption, {
      name: nameOf(s.site), km: s.site.km.toFixed(1), members: s.members,
      p: s.site.p_exceed === null || s.site.p_exceed === undefined ? "—" : Math.round(s.site.p_exceed * 100) + "%"});
  }

  /* ------------------------------------------------------------ bulk import */
  function setupImport() {
    var form = $("obs-import");
    if (!form) { return; }
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var out = $("obs-import-msg");
      out.textContent = "";
      var file = $("obs-import-file").files[0];
      if (!file) { out.appendChild(el("div", "eec-msg error", T.inc_import_choose)); return; }
      var data = new FormData();
      data.append("file", file);
      if ($("obs-import-confirm").checked) { data.append("confirm_implausible", "1"); }
      $("obs-import-submit").disabled = true;
      EEC.fetch(cfg.urls.api + "/observations/import", {method: "POST", body: data}).then(function (resp) {
        return resp.json().catch(function () { return {}; }).then(function (body) { return {status: resp.status, body: body}; });
      }).then(function (r) {
        $("obs-import-submit").disabled = false;
        if (r.status === 201) {
          out.appendChild(el("div", "eec-msg ok", fill(T.inc_import_done, {n: r.body.imported})));
          document.dispatchEvent(new CustomEvent("eec:reload"));
          return;
        }
        var err = r.body.error || {};
        out.appendChild(el("div", "eec-msg error", EN ? (err.message_en || "failed") : (err.message_zh || "失败")));
        var ul = el("ul", "import-problems");
        (err.problems || []).forEach(function (p) {
          ul.appendChild(el("li", "", (p.row ? fill(T.inc_import_row, {row: p.row}) + " · " : "")
                                     + (p.column || "") + ":" + (EN ? p.message_en : p.message_zh)));
        });
        out.appendChild(ul);
      });
    });
  }

  function renderAll() {
    renderFit();
    renderSiteChoice();
    loadSeries();
  }
  document.addEventListener("eec:package", function (e) {
    pkg = e.detail.package || pkg;
    if (e.detail.observations) { S.observations = e.detail.observations; }
    renderAll();
  });
  if ($("series-site")) { $("series-site").addEventListener("change", loadSeries); }
  window.addEventListener("resize", function () { if (chart) { chart.resize(); } });
  // the chart lives in a tab: draw it again at its real size when the tab is shown
  document.querySelectorAll("#inc-tabs [data-tab='monitoring']").forEach(function (b) {
    b.addEventListener("click", function () { setTimeout(function () { if (chart) { chart.resize(); } else { loadSeries(); } }, 0); });
  });
  setupImport();
  renderAll();
})();
