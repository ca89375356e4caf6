/* The park plan editor (园区预案编制): upload an edited YAML/XLSX file as one's draft, start a
 * draft from the version in force (or 在线编辑: the same, then the tables of park_plan_form.js),
 * submit it with a change note, or discard it. Every message and problem is written as text (no
 * innerHTML); the URLs and words come from the page's JSON. EEC.parkPlan is what this script
 * shares with park_plan_form.js: the draft (its revision moves on with each save) and whether
 * the tables hold unsaved changes. */
(function () {
  "use strict";
  var holder = document.getElementById("park-plan-data");
  if (!holder) { return; }
  var data = JSON.parse(holder.textContent);
  var EN = EEC.lang === "en";
  var T = data.t;
  var box = document.getElementById("plan-message");
  var list = document.getElementById("park-plan-problems");
  var shared = EEC.parkPlan = {draft: data.draft, dirty: false};

  function say(text, bad) {
    if (!box) { return; }
    box.textContent = text;
    box.classList.toggle("bad", !!bad);
  }

  function where(p) {
    var parts = [];
    if (p.sheet) { parts.push(p.sheet); }
    if (p.row) { parts.push((EN ? "row " : "第 ") + p.row + (EN ? "" : " 行")); }
    if (p.column) { parts.push(p.column); }
    if (!parts.length && p.path) { parts.push(p.path); }
    return parts.join(" · ");
  }

  function showError(body) {
    var err = (body && body.error) || {};
    say((EN ? err.message_en : err.message_zh) || T.plan_js_error, true);
    if (!list) { return; }
    list.replaceChildren();
    ((err.details && err.details.problems) || []).forEach(function (p) {
      var li = document.createElement("li");
      var at = where(p);
      li.textContent = (at ? at + ":" : "") + (EN ? p.message_en : p.message_zh);
      list.appendChild(li);
    });
  }

  function send(url, method, body) {
    var options = {method: method};
    if (body instanceof FormData) {
      options.body = body;
    } else if (body !== undefined) {
      options.headers = {"Content-Type": "application/json"};
      options.body = JSON.stringify(body);
    }
    return EEC.fetch(url, options).then(function (resp) {
      return resp.json().catch(function () { return {}; }).then(function (json) {
        return {ok: resp.ok, body: json};
      });
    });
  }

  function then(done) {
    return function (r) {
      if (!r.ok) { showError(r.body); return; }
      say(done, false);
      window.location.reload();
    };
  }

  var importButton = document.getElementById("park-plan-import-button");
  if (importButton) {
    importButton.addEventListener("click", function () {
      var input = document.getElementById("park-plan-file");
      if (!input.files.length) { input.focus(); return; }
      var form = new FormData();
      form.append("file", input.files[0]);
      importButton.disabled = true;
      if (list) { list.replaceChildren(); }
      send(data.urls["import"], "POST", form).then(function (r) {
        importButton.disabled = false;
        then(T.plan_js_imported.replace("{n}", r.ok ? r.body.changes.length : 0))(r);
      });
    });
  }

  ["park-plan-start", "park-plan-edit-online"].forEach(function (id) {
    var start = document.getElementById(id);
    if (!start) { return; }
    start.addEventListener("click", function () {
      start.disabled = true;
      send(data.urls.drafts, "POST").then(function (r) {
        start.disabled = false;
        then("")(r);
      });
    });
  });

  var submit = document.getElementById("park-plan-submit");
  if (submit && data.draft) {
    submit.addEventListener("click", function () {
      var note = document.getElementById("park-plan-note").value.trim();
      if (shared.dirty) { say(T.park_form_save_first, true); return; }
      if (!note) { say(T.plan_js_note_needed, true); return; }
      send(data.urls.draft + data.draft.id + "/submit", "POST",
           {note: note, revision: shared.draft.revision}).then(then(T.plan_js_submitted));
    });
  }

  var discard = document.getElementById("park-plan-discard");
  if (discard && data.draft) {
    discard.addEventListener("click", function () {
      if (!window.confirm(T.plan_js_confirm_discard)) { return; }
      shared.dirty = false;  // the draft goes, and its unsaved edits with it
      send(data.urls.draft + data.draft.id, "DELETE").then(then(T.plan_js_discarded));
    });
  }
})();
