/* The duty page (/duty): roster grid, checks, fairness, swaps and replacements, publishing,
   withdrawing, calendar addresses, the duty log and the handover. Drawn from the JSON API
   with text nodes only (no innerHTML); words from the #duty-i18n JSON block. */
(function () {
  "use strict";
  var root = document.getElementById("duty");
  var T = JSON.parse(document.getElementById("duty-i18n").textContent);
  var EN = (window.EEC && EEC.lang === "en");
  var api = (window.EEC && EEC.fetch) || function (u, o) { return fetch(u, o); };
  var month = root.dataset.month, canManage = root.dataset.canManage === "1";
  var state = {data: null, selected: [], busy: false};
  var $ = function (id) { return document.getElementById(id); };

  function el(tag, attrs, kids) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "cls") node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (kids || []).forEach(function (c) { if (c) node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return node;
  }
  function msg(o, zhKey) { return EN ? (o[zhKey.replace("_zh", "_en")] || o[zhKey]) : o[zhKey]; }
  function post(url, body) {
    return api(url, {method: "POST", headers: {"Content-Type": "application/json"},
                     body: JSON.stringify(body || {})})
      .then(function (r) { return r.json().then(function (j) { return {ok: r.ok, status: r.status, body: j}; }); });
  }
  function say(kind, text, reasons) {
    var box = $("duty-message");
    box.hidden = false;
    box.className = "duty-message " + kind;
    box.replaceChildren(el("strong", {text: text}));
    if (reasons && reasons.length) {
      box.appendChild(el("ul", {}, reasons.map(function (r) { return el("li", {text: msg(r, "message_zh")}); })));
    }
  }
  // One action at a time: the next one waits until the page shows the last one's result.
  function guarded(action) {
    return function () {
      if (state.busy) return;
      state.busy = true;
      root.classList.add("busy");
      var args = arguments;
      Promise.resolve().then(function () { return action.apply(null, args); })
        .catch(function (err) { say("error", String(err)); })
        .then(function () { state.busy = false; root.classList.remove("busy"); });
    };
  }
  function failed(res) {
    var e = (res.body && res.body.error) || {};
    var reasons = (e.details && (e.details.reasons || e.details.problems)) || [];
    say("error", T.refused + ":" + (msg(e, "message_zh") || res.status), reasons);
    if (res.status === 409) return load();
  }

  // ------------------------------------------------------------------ roster
  function rosterById(id) {
    return (state.data.rosters || []).filter(function (r) { return r.id === id; })[0];
  }
  function badKeys() {
    var bad = {};
    (state.data.rosters || []).forEach(function (r) {
      r.hard_violations.forEach(function (v) {
        v.dates.forEach(function (d) {
          (v.staff_ids.length ? v.staff_ids : ["*"]).forEach(function (s) { bad[d + "|" + s] = true; });
        });
      });
    });
    return bad;
  }
  function renderGrid() {
    var tbody = $("duty-grid").tBodies[0];
    var positions = state.data.positions, bad = badKeys();
    var today = new Intl.DateTimeFormat("en-CA", {timeZone: "Asia/Shanghai"}).format(new Date());
    tbody.replaceChildren();
    state.data.days.forEach(function (day) {
      var label = day.label;
      var tr = el("tr", {cls: (label.kind !== "workday" ? "rest " : "") + (label.main_flood ? "main " : "") +
                               (day.date === today ? "today" : ""), "data-date": day.date});
      tr.appendChild(el("td", {cls: "d", text: day.date.slice(5) + " " + (EN ? label.weekday_en : label.weekday_zh)}));
      tr.appendChild(el("td", {cls: "k", text: EN ? label.en : label.zh}));
      positions.forEach(function (p) {
        var td = el("td", {"data-position": p.id});
        var items = day.assignments.filter(function (a) { return a.position === p.id; });
        if (!items.length) td.appendChild(el("span", {cls: "duty-empty", text: "—"}));
        items.forEach(function (a) {
          var roster = rosterById(a.roster_id);
          var editable = canManage && roster && roster.status !== "discarded";
          var chip = el("span", {cls: "duty-chip" + (editable ? " can" : "") +
                                      (bad[a.date + "|" + a.staff_id] || bad[a.date + "|*"] ? " bad" : "") +
                                      (state.selected.indexOf(a.id) >= 0 ? " sel" : ""),
                                 "data-id": a.id, "data-staff": a.staff_id, "title": a.phone,
                                 "role": editable ? "button" : "text", "tabindex": editable ? "0" : "-1",
                                 text: a.name});
          if (editable) {
            chip.addEventListener("click", function () { toggle(a); });
            chip.addEventListener("keydown", function (ev) { if (ev.key === "Enter") toggle(a); });
          }
          td.appendChild(chip);
        });
        tr.appendChild(td);
      });
      tbody.appendChild(tr);
    });
  }
  function assignment(id) {
    for (var i = 0; i < state.data.days.length; i++) {
      var found = state.data.days[i].assignments.filter(function (a) { return a.id === id; })[0];
      if (found) return found;
    }
    return null;
  }
  function toggle(a) {
    var at = state.selected.indexOf(a.id);
    if (at >= 0) state.selected.splice(at, 1);
    else {
      if (state.selected.length === 2) state.selected.shift();
      state.selected.push(a.id);
    }
    renderSelection();
    renderGrid();
  }
  function renderSelection() {
    var sel = state.selected.map(assignment).filter(Boolean);
    var box = $("duty-selection");
    box.hidden = !sel.length;
    if (!sel.length) return;
    $("duty-selection-text").textContent = sel.map(function (a) {
      return a.date.slice(5) + " " + a.name;
    }).join(" ⇄ ");
    $("duty-swap").hidden = sel.length !== 2;
    $("duty-replace-box").hidden = sel.length !== 1;
    var published = sel.some(function (a) { var r = rosterById(a.roster_id); return r && r.status === "published"; });
    $("duty-change-reason").hidden = !published;
    $("duty-change-reason").required = published;
    if (sel.length === 1) {
      var select = $("duty-replace-with");
      select.replaceChildren();
      state.data.staff.filter(function (s) {
        var role = sel[0].position;
        return s.id !== sel[0].staff_id && s.roles.indexOf(role) >= 0;
      }).forEach(function (s) { select.appendChild(el("option", {value: s.id, text: s.name})); });
    }
  }
  function renderStatus() {
    var box = $("duty-status");
    box.replaceChildren();
    var rosters = state.data.rosters;
    if (!rosters.length) { box.appendChild(el("span", {text: T.no_roster})); }
    rosters.forEach(function (r) {
      box.appendChild(el("span", {}, [el("b", {text: r.label}), " ",
        el("span", {cls: r.status, text: EN ? r.status_en : r.status_zh}),
        r.version && r.status === "published" ? " · " + T.version + " " + r.version : "",
        r.generated_in_s != null ? " · " + r.generated_in_s + " s" : "", " "]));
    });
    var draft = rosters.filter(function (r) { return r.status === "draft"; })[0];
    if ($("duty-publish")) {
      $("duty-publish").disabled = !draft;
      $("duty-discard").disabled = !draft;
      $("duty-withdraw").disabled = !publishedRosters().length;
    }
  }
  function renderChecks() {
    var body = $("duty-checks").querySelector(".body");
    body.replaceChildren();
    var hard = [], soft = [];
    state.data.rosters.forEach(function (r) { hard = hard.concat(r.hard_violations); soft = soft.concat(r.soft_violations); });
    if (!state.data.rosters.length) { body.appendChild(el("p", {cls: "duty-empty", text: T.no_roster})); return; }
    body.appendChild(hard.length
      ? el("ul", {cls: "duty-list"}, hard.map(function (v) { return el("li", {cls: "hard", text: msg(v, "message_zh")}); }))
      : el("p", {cls: "duty-ok", id: "duty-all-met", text: "✓ " + T.all_met}));
    if (soft.length) {
      body.appendChild(el("details", {}, [el("summary", {text: T.soft + " (" + soft.length + ")"}),
        el("ul", {cls: "duty-list"}, soft.map(function (v) { return el("li", {cls: "soft", text: msg(v, "message_zh")}); }))]));
    }
  }
  function renderFairness() {
    var body = $("duty-fairness").querySelector(".body");
    body.replaceChildren();
    state.data.rosters.forEach(function (r) {
      var cats = ["shifts", "nights", "weekends", "holidays"];
      var head = el("tr", {}, [el("th", {text: T.spread + " (" + T.target + " ≤ " + r.fairness.target_spread + ")"})]
        .concat(cats.map(function (c) { return el("th", {text: T[c]}); })));
      var rows = Object.keys(r.fairness.spread).map(function (group) {
        var names = (r.fairness.groups || {})[group];
        return el("tr", {"data-group": group}, [el("td", {text: names ? (EN ? names.en : names.zh) : group})].concat(cats.map(function (c) {
          var v = r.fairness.spread[group][c];
          return el("td", {text: String(v), cls: v > r.fairness.target_spread ? "duty-overdue" : ""});
        })));
      });
      body.appendChild(el("table", {cls: "duty-small"}, [el("thead", {}, [head]), el("tbody", {}, rows)]));
      var stats = r.stats.filter(function (s) { return s.period.shifts > 0 || s.cumulative.shifts > 0; });
      var shead = el("tr", {}, [el("th", {text: T.name})].concat(cats.map(function (c) { return el("th", {text: T[c]}); }))
        .concat([el("th", {text: T.cumulative})]));
      var srows = stats.map(function (s) {
        return el("tr", {}, [el("td", {text: s.name})].concat(cats.map(function (c) { return el("td", {text: String(s.period[c])}); }))
          .concat([el("td", {text: String(s.cumulative.shifts)})]));
      });
      body.appendChild(el("details", {}, [el("summary", {text: T.stats + " (" + stats.length + ")"}),
        el("table", {cls: "duty-small"}, [el("thead", {}, [shead]), el("tbody", {}, srows)])]));
    });
  }
  function renderHistory() {
    var body = $("duty-history").querySelector(".body");
    body.replaceChildren();
    state.data.rosters.forEach(function (r) {
      Promise.all([api("/api/rosters/" + r.id + "/versions").then(function (x) { return x.json(); }),
                   api("/api/rosters/" + r.id + "/changes").then(function (x) { return x.json(); })])
        .then(function (res) {
          var versions = res[0].versions || [], changes = res[1].changes || [];
          body.appendChild(el("ul", {cls: "duty-list", id: "duty-versions-" + r.id}, versions.map(function (v) {
            var link = el("a", {href: "/api/rosters/" + r.id + "/versions/" + v.version, target: "_blank",
                                text: T.version + " " + v.version});
            return el("li", {}, [link, " · " + (v.created_at || "").replace("T", " ").slice(0, 16) + " · " +
                                 v.created_by + " · " + (EN ? v.note_en : v.note_zh)]);
          })));
          body.appendChild(el("details", {}, [el("summary", {text: T.changes + " (" + changes.length + ")"}),
            el("ul", {cls: "duty-list"}, changes.slice().reverse().map(function (c) {
              return el("li", {text: (c.at || "").replace("T", " ").slice(5, 16) + " " + c.actor + ":" +
                                     (EN ? c.text_en : c.text_zh)});
            }))]));
        });
    });
  }
  function load() {
    state.selected = [];
    return api("/api/rosters/" + month).then(function (r) { return r.json(); }).then(function (data) {
      state.data = data;
      renderStatus(); renderGrid(); renderSelection(); renderChecks(); renderFairness(); renderHistory();
      renderFeedPeople();
    });
  }

  // ------------------------------------------------------------------ actions
  function current(roster) { return {revision: roster.revision}; }
  if ($("duty-month")) $("duty-month").addEventListener("change", function (ev) {
    if (/^\d{4}-\d{2}$/.test(ev.target.value)) location.href = "/duty?month=" + ev.target.value;
  });
  function generate(body) {
    say("", T.generating);
    return post("/api/rosters", body).then(function (res) {
      if (!res.ok) return failed(res);
      say("ok", T.generated + ":" + res.body.label + "(" + res.body.seconds + " s)");
      return load();
    });
  }
  function draftRoster() {
    return state.data && state.data.rosters.filter(function (r) { return r.status === "draft"; })[0];
  }
  if ($("duty-generate-month")) {
    $("duty-generate-month").addEventListener("click", guarded(function () { return generate({month: month}); }));
    $("duty-generate-season").addEventListener("click", guarded(function () {
      return generate({season: Number(root.dataset.season)});
    }));
    $("duty-publish").addEventListener("click", guarded(function () {
      var draft = draftRoster();
      if (!draft) return;
      if (state.selected.length && !window.confirm(T.confirm_unconfirmed)) return;
      if (!window.confirm(T.confirm_publish)) return;
      return post("/api/rosters/" + draft.id + "/publish", current(draft)).then(function (res) {
        if (!res.ok) return failed(res);
        location.reload();  // the header shows the new "on duty now"
        return new Promise(function () {});  // stay busy until the page reloads
      });
    }));
    $("duty-discard").addEventListener("click", guarded(function () {
      var draft = draftRoster();
      if (!draft || !window.confirm(T.confirm_discard)) return;
      return post("/api/rosters/" + draft.id + "/discard", current(draft)).then(function (res) {
        if (!res.ok) return failed(res);
        return load();
      });
    }));
  }
  // ------------------------------------------------------------------ withdraw (撤回)
  function publishedRosters() {
    return state.data ? state.data.rosters.filter(function (r) { return r.status === "published"; }) : [];
  }
  function dutyText(d) {
    return d.date.slice(5) + " " + (EN ? d.position_en : d.position_zh);
  }
  function showWithdrawn(body) {
    say("ok", T.done + ":" + msg(body, "message_zh"));
    var box = $("duty-message");
    box.appendChild(el("div", {text: T.affected + " (" + body.affected.length + ")"}));
    box.appendChild(el("ul", {cls: "duty-affected", id: "duty-affected"}, body.affected.map(function (p) {
      return el("li", {"data-staff": p.staff_id, text: p.name + (p.phone ? " ☎ " + p.phone : "") + ":" +
                       p.duties.map(dutyText).join("、")});
    })));
  }
  if ($("duty-withdraw")) {
    $("duty-withdraw").addEventListener("click", function () {
      var select = $("duty-withdraw-roster");
      select.replaceChildren();
      publishedRosters().forEach(function (r) {
        select.appendChild(el("option", {value: r.id, text: r.label + "(" + r.period.start + " — " + r.period.end +
                                         ", " + T.version + " " + r.version + ")"}));
      });
      select.hidden = publishedRosters().length < 2;
      var today = new Intl.DateTimeFormat("en-CA", {timeZone: "Asia/Shanghai"}).format(new Date());
      var started = publishedRosters().some(function (r) { return r.period.start <= today; });
      $("duty-withdraw-force-box").hidden = !started;
      $("duty-withdraw-force").checked = false;
      $("duty-withdraw-form").hidden = false;
      $("duty-withdraw-reason").focus();
    });
    $("duty-withdraw-cancel").addEventListener("click", function () { $("duty-withdraw-form").hidden = true; });
    $("duty-withdraw-form").addEventListener("submit", function (ev) {
      ev.preventDefault();
      guarded(function () {
        var reason = $("duty-withdraw-reason").value.trim();
        if (!reason) { say("error", T.withdraw_need_reason); return; }
        var roster = rosterById(Number($("duty-withdraw-roster").value));
        if (!roster || !window.confirm(T.withdraw_confirm)) return;
        return post("/api/rosters/" + roster.id + "/withdraw",
                    {reason: reason, force: $("duty-withdraw-force").checked, revision: roster.revision})
          .then(function (res) {
            if (!res.ok) {
              var e = (res.body && res.body.error) || {};
              if (e.details && e.details.force_required) $("duty-withdraw-force-box").hidden = false;
              return failed(res);
            }
            // The header ("今日值班") is drawn by the server: reload, then list who to tell.
            sessionStorage.setItem("duty-withdrawn", JSON.stringify(res.body));
            location.reload();
            return new Promise(function () {});
          });
      })();
    });
  }

  // ------------------------------------------------------------------ calendar feeds (日历订阅)
  function renderFeedPeople() {
    var select = $("duty-feed-person");
    if (!select || select.options.length) return;
    state.data.staff.forEach(function (s) { select.appendChild(el("option", {value: s.id, text: s.name})); });
    feedStatus();
  }
  function staffById(id) {
    return state.data.staff.filter(function (s) { return String(s.id) === String(id); })[0];
  }
  function feedStatus() {
    var id = $("duty-feed-person").value;
    if (!id) return Promise.resolve();
    var person = staffById(id);
    $("duty-staff-username").value = (person && person.username) || "";
    return api("/api/staff/" + id + "/feed").then(function (r) { return r.json(); }).then(function (f) {
      $("duty-feed-status").textContent = f.active
        ? T.feed_live + " " + (f.created_at || "").replace("T", " ").slice(0, 16) + " · " + f.created_by +
          (f.last_used_at ? " · " + T.feed_last_used + " " + f.last_used_at.replace("T", " ").slice(0, 16) : "")
        : T.feed_none;
      $("duty-feed-make").textContent = f.active ? T.feed_rotate : T.feed_make;
      $("duty-feed-make").dataset.active = f.active ? "1" : "0";
      $("duty-feed-revoke").disabled = !f.active;
    });
  }
  function feedCall(method) {
    var id = $("duty-feed-person").value;
    return api("/api/staff/" + id + "/feed", {method: method})
      .then(function (r) { return r.json().then(function (j) { return {ok: r.ok, status: r.status, body: j}; }); });
  }
  if ($("duty-feed-person")) {
    $("duty-feed-person").addEventListener("change", function () { $("duty-feed-result").hidden = true; feedStatus(); });
    $("duty-feed-make").addEventListener("click", guarded(function () {
      if ($("duty-feed-make").dataset.active === "1" && !window.confirm(T.feed_confirm_rotate)) return;
      return feedCall("POST").then(function (res) {
        if (!res.ok) return failed(res);
        $("duty-feed-url").value = res.body.url;
        $("duty-feed-result").hidden = false;
        $("duty-feed-url").select();
        return feedStatus();
      });
    }));
    $("duty-feed-revoke").addEventListener("click", guarded(function () {
      if (!window.confirm(T.feed_confirm_revoke)) return;
      return feedCall("DELETE").then(function (res) {
        if (!res.ok) return failed(res);
        $("duty-feed-result").hidden = true;
        $("duty-feed-url").value = "";
        say("ok", msg(res.body, "message_zh"));
        return feedStatus();
      });
    }));
    $("duty-staff-username-save").addEventListener("click", guarded(function () {
      var id = $("duty-feed-person").value, person = staffById(id);
      return api("/api/staff/" + id, {method: "PATCH", headers: {"Content-Type": "application/json"},
                                      body: JSON.stringify({username: $("duty-staff-username").value.trim(),
                                                            version: person ? person.version : undefined})})
        .then(function (r) { return r.json().then(function (j) { return {ok: r.ok, status: r.status, body: j}; }); })
        .then(function (res) {
          if (!res.ok) return failed(res);
          if (person) { person.username = res.body.username; person.version = res.body.version; }
          say("ok", T.username_saved + ":" + res.body.name + (res.body.username ? " → " + res.body.username : ""));
        });
    }));
    $("duty-feed-copy").addEventListener("click", function () {
      var input = $("duty-feed-url");
      var done = function () { $("duty-feed-copy").textContent = T.feed_copied; };
      if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(input.value).then(done);
      else { input.select(); document.execCommand("copy"); done(); }
    });
  }

  function edited(res) {
    if (!res.ok) return failed(res);
    say("ok", T.done + ":" + (EN ? res.body.change.text_en : res.body.change.text_zh));
    return load();
  }
  // A change of a published roster needs a reason: it is sent to both people and logged.
  function reasonFor(roster) {
    var reason = $("duty-change-reason").value.trim();
    if (roster && roster.status === "published" && !reason) {
      say("error", T.reason_needed);
      $("duty-change-reason").focus();
      return null;
    }
    return reason;
  }
  function editedAndCleared(res) {
    if (res.ok) $("duty-change-reason").value = "";
    return edited(res);
  }
  if ($("duty-swap")) {
    $("duty-swap").addEventListener("click", guarded(function () {
      var a = assignment(state.selected[0]), b = assignment(state.selected[1]);
      if (a.roster_id !== b.roster_id) { say("error", T.refused); return; }
      var roster = rosterById(a.roster_id), reason = reasonFor(roster);
      if (reason === null) return;
      return post("/api/rosters/" + a.roster_id + "/swap",
                  Object.assign({a: a.id, b: b.id, reason: reason}, current(roster))).then(editedAndCleared);
    }));
    $("duty-replace").addEventListener("click", guarded(function () {
      var a = assignment(state.selected[0]);
      var roster = rosterById(a.roster_id), reason = reasonFor(roster);
      if (reason === null) return;
      return post("/api/rosters/" + a.roster_id + "/replace",
                  Object.assign({assignment: a.id, staff_id: Number($("duty-replace-with").value), reason: reason},
                                current(roster))).then(editedAndCleared);
    }));
    $("duty-clear").addEventListener("click", function () { state.selected = []; renderSelection(); renderGrid(); });
  }

  // ------------------------------------------------------------------ log and handover
  var correcting = null;  // the id of the entry the next one corrects (never an edit)
  function hm(iso) { return (iso || "").slice(11, 16); }
  function when(iso) { return (iso || "").slice(5, 16).replace("T", " "); }
  function logEntry(e) {
    var head = hm(e.occurred_at) + " " + (EN ? e.kind_en : e.kind_zh);
    if (e.occurred_at && e.at && e.occurred_at !== e.at) head += "(" + T.typed + " " + hm(e.at) + ")";
    head += " · " + (e.author_name || e.author);
    var kids = [el("small", {text: head})];
    var who = [e.caller, e.caller_unit, e.caller_phone ? "☎ " + e.caller_phone : ""].filter(Boolean).join(" · ");
    if (who) kids.push(el("div", {cls: "who", text: T.caller + ":" + who}));
    kids.push(el("div", {text: (e.corrects ? "[" + T.corrects + " #" + e.corrects + "] " : "") + e.text +
                               (e.incident_id ? " (" + T.incident.split("(")[0] + " #" + e.incident_id + ")" : "")}));
    if ($("duty-log-form") && ["handover", "roster"].indexOf(e.kind) < 0) {
      var fix = el("button", {type: "button", cls: "fix", text: T.correct, "data-entry": e.id});
      fix.addEventListener("click", function () {
        correcting = e.id;
        $("duty-log-correcting").hidden = false;
        $("duty-log-correcting").textContent = T.correcting + " #" + e.id;
        $("duty-log-kind").value = e.kind;
        $("duty-log-text").focus();
      });
      kids[0].appendChild(fix);
    }
    return el("div", {cls: "duty-log-entry k-" + e.kind, "data-entry": e.id}, kids);
  }
  function personNames(people) { return people.map(function (p) { return p.name; }).join("、") || "—"; }
  function itemLine(o) {
    return "#" + o.incident_id + " " + (EN ? (o.text_en || o.text_zh) : o.text_zh) +
      (o.due_at ? " · " + T.due + " " + when(o.due_at) : "");
  }
  function handoverLine(h, mine) {
    var text = when(h.at) + " " + (h.handed_over_name || h.handed_over_by) + " " + T.handed_to + " " +
      h.received_by + " · " + (h.acknowledged ? T.acked + " " + when(h.acknowledged_at) : T.pending) +
      (h.note ? " · " + h.note : "");
    var row = el("div", {cls: "duty-handover-item" + (h.acknowledged ? "" : " pending"), "data-handover": h.id}, [text]);
    if (!h.acknowledged && mine != null && h.received_staff_id === mine) {
      var ack = el("button", {type: "button", cls: "primary duty-ack", text: T.ack, "data-handover": h.id});
      ack.addEventListener("click", function () {
        ack.disabled = true;
        post("/api/duty/handover/" + h.id + "/ack", {}).then(function (res) {
          if (!res.ok) { ack.disabled = false; return failed(res); }
          say("ok", T.acked + ":" + res.body.acknowledged_name + " " + when(res.body.acknowledged_at));
          loadHandover();
        });
      });
      row.appendChild(ack);
    }
    return row;
  }
  function loadHandover() {
    return api("/api/duty/handover").then(function (r) { return r.json(); }).then(function (h) {
      var shift = h.shift;
      var label = shift.duty_date + " " + (EN ? shift.en : shift.zh) + " " + hm(shift.start) + "—" + when(shift.end);
      $("duty-log-shift").textContent = label;
      $("duty-handover-shift").textContent = label;
      var log = $("duty-log");
      log.replaceChildren();
      if (!h.log.length) log.appendChild(el("p", {cls: "duty-empty", text: T.log_empty}));
      h.log.slice().reverse().forEach(function (e) { log.appendChild(logEntry(e)); });

      // Above the fold: the summary, the receiver, the form; the full list below.
      var sum = h.summary, box = $("duty-handover-summary");
      box.replaceChildren(
        el("span", {cls: "pill" + (sum.open_incidents ? " warn" : ""), text: T.open_incidents + " " + sum.open_incidents}),
        el("span", {cls: "pill" + (sum.overdue.length ? " bad" : ""), text: T.overdue + " " + sum.overdue.length}),
        el("span", {cls: "pill" + (sum.immediate.length ? " warn" : ""), text: T.immediate + " " + sum.immediate.length}),
        el("span", {cls: "pill" + (sum.unacknowledged ? " warn" : ""), text: T.unacknowledged + " " + sum.unacknowledged}),
        el("span", {cls: "pill" + (sum.alarms.length ? " bad" : ""), id: "duty-alarms-open",
                    text: T.alarms + " " + sum.alarms.length}),
        el("span", {cls: "pill" + (sum.injects.length ? " warn" : ""), id: "duty-injects-pending",
                    text: T.injects + " " + sum.injects.length}));
      var urgent = sum.overdue.concat(sum.immediate).slice(0, 5);
      var lines = urgent.map(function (o) { return el("li", {cls: o.overdue ? "duty-overdue" : "", text: itemLine(o)}); });
      sum.alarms.slice(0, 3).forEach(function (a) {
        lines.push(el("li", {cls: "duty-overdue", text: a.station + " · " + a.parameter + " " + a.value_mg_l +
                                                        " mg/L > " + a.threshold_mg_l + " · " + when(a.observed_at)}));
      });
      sum.injects.slice(0, 3).forEach(function (i) {
        lines.push(el("li", {text: "【" + T.drill + "】" + i.run_title + " · " + i.inject_id + " " +
                                   (i.recipient ? "→ " + i.recipient + " " : "") + i.message.slice(0, 60)}));
      });
      if (lines.length) box.appendChild(el("ul", {}, lines));
      var incoming = h.incoming, select = $("duty-receiver");
      if (select) {
        var chosen = select.value;
        select.replaceChildren(el("option", {value: "", text: T.receiver_choose}));
        var seen = {};
        incoming.positions.forEach(function (p) {
          p.people.forEach(function (x) {
            if (seen[x.staff_id]) return;
            seen[x.staff_id] = true;
            select.appendChild(el("option", {value: x.staff_id, text: (EN ? p.en : p.zh) + " " + x.name}));
          });
        });
        if (!incoming.roster) select.appendChild(el("option", {value: "", disabled: "disabled", text: T.no_incoming}));
        select.value = chosen;
      }
      var mine = h.me;
      var pending = $("duty-unacknowledged");
      pending.replaceChildren();
      var others = h.unacknowledged.filter(function (u) { return !h.handovers.some(function (x) { return x.id === u.id; }); });
      if (others.length) {
        pending.appendChild(el("strong", {text: T.unacknowledged + " (" + others.length + ")"}));
        others.forEach(function (u) { pending.appendChild(handoverLine(u, mine)); });
      }
      var done = $("duty-handovers");
      done.replaceChildren();
      h.handovers.forEach(function (x) { done.appendChild(handoverLine(x, mine)); });

      $("duty-handover-all").textContent = T.all_items + " (" + h.open_items + ") · " + T.incoming + ":" +
        (incoming.roster ? personNames(incoming.leader) + ";" + personNames(incoming.duty_officers) : T.no_incoming);
      var full = $("duty-handover");
      full.replaceChildren();
      var duty = h.on_duty;
      full.appendChild(el("p", {text: duty.roster ? T.leader + ":" + personNames(duty.leader) + ";" + T.officers + ":" +
                                      personNames(duty.duty_officers) : T.now_none}));
      full.appendChild(el("h2", {text: T.open_incidents + " (" + h.open_incidents.length + ")"}));
      if (!h.open_incidents.length) full.appendChild(el("p", {cls: "duty-ok", text: T.no_open}));
      h.open_incidents.forEach(function (i) {
        full.appendChild(el("div", {cls: "duty-incident", "data-incident": i.id}, [
          el("strong", {text: "#" + i.id + " " + (i.title || "") + (i.river_name_zh ? "(" + i.river_name_zh + ")" : "")}),
          el("ul", {}, i.open_items.map(function (o) {
            return el("li", {cls: o.overdue ? "duty-overdue" : ""}, [(EN ? (o.text_en || o.text_zh) : o.text_zh) +
              (o.due_at ? " · " + T.due + " " + when(o.due_at) : "") +
              (o.overdue ? "(" + T.overdue + ")" : "")]);
          }))]));
      });
    });
  }
  if ($("duty-log-form")) $("duty-log-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var body = {kind: $("duty-log-kind").value, text: $("duty-log-text").value,
                caller: $("duty-log-caller").value, caller_unit: $("duty-log-unit").value,
                caller_phone: $("duty-log-phone").value};
    if ($("duty-log-occurred").value) body.occurred_at = $("duty-log-occurred").value;
    if ($("duty-log-incident").value.trim()) body.incident_id = $("duty-log-incident").value.trim();
    if (correcting) body.corrects = correcting;
    post("/api/duty/log", body).then(function (res) {
      if (!res.ok) return failed(res);
      ["duty-log-text", "duty-log-caller", "duty-log-unit", "duty-log-phone", "duty-log-occurred", "duty-log-incident"]
        .forEach(function (id) { $(id).value = ""; });
      correcting = null;
      $("duty-log-correcting").hidden = true;
      loadHandover();
    });
  });
  if ($("duty-handover-form")) $("duty-handover-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var receiver = $("duty-receiver").value;
    if (!receiver) { say("error", T.receiver_choose); $("duty-receiver").focus(); return; }
    post("/api/duty/handover", {received_staff_id: Number(receiver), note: $("duty-handover-note").value})
      .then(function (res) {
        if (!res.ok) return failed(res);
        $("duty-handover-note").value = "";
        say("ok", T.done + ":" + T.handed_to + " " + res.body.received_by + "(" + T.pending + ")");
        loadHandover();
      });
  });

  load().then(function () {
    var withdrawn = sessionStorage.getItem("duty-withdrawn");
    if (withdrawn) { sessionStorage.removeItem("duty-withdrawn"); showWithdrawn(JSON.parse(withdrawn)); }
  });
  loadHandover();
})();
