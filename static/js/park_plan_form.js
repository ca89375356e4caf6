/* 在线编辑: the park plan's seasonal numbers as editable tables, for one's open draft.
 *
 * Level 1 per enterprise (accident pool volume and in use, bund, each outfall valve: normally
 * closed, who closes it, minutes to close), level 2 (public pools, gates, pumping, ditches), the
 * readiness dates and the contacts. Every input is bound to its field path in the document
 * ("park.pools[0].volume_m3"); "Save draft" PUTs the whole document with the draft's revision.
 * A 422 puts each problem next to its field (the path, or the nearest enclosing row); a 409 says
 * who saved in between and leaves every typed value where it is. The numbers are checked here
 * only as a hint: what is sent is what was typed, and the server decides.
 * All text is set as text nodes (no innerHTML); the words come from the page's JSON. */
(function () {
  "use strict";
  var holder = document.getElementById("park-plan-data");
  var root = document.getElementById("park-form-tables");
  if (!holder || !root) { return; }
  var data = JSON.parse(holder.textContent);
  if (!data.document || !data.draft) { return; }
  var EN = EEC.lang === "en";
  var T = data.t;
  var doc = JSON.parse(JSON.stringify(data.document));
  var shared = EEC.parkPlan || (EEC.parkPlan = {draft: data.draft, dirty: false});
  var message = document.getElementById("park-form-message");
  var list = document.getElementById("park-form-problems");
  var saveButton = document.getElementById("park-form-save");
  var saveOver = document.getElementById("park-form-save-over");
  var slots = {};        // field path → {slot: the element its problem is written in, input}
  var newerRevision = null;
  var theirs = document.getElementById("park-form-theirs");
  var NUMBER = /^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;

  var fmt = EEC.fill;  // a message with its {name} placeholders filled

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "className") { node.className = attrs[k]; } else { node.setAttribute(k, attrs[k]); }
    });
    (children || []).forEach(function (c) {
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }

  // ------------------------------------------------------------------ the document by path
  function keys(path) {
    var out = [];
    path.replace(/([^.[\]]+)|\[(\d+)\]/g, function (m, name, index) {
      out.push(index !== undefined ? Number(index) : name);
    });
    return out;
  }

  function getAt(path) {
    return keys(path).reduce(function (v, k) { return v == null ? undefined : v[k]; }, doc);
  }

  function setAt(path, value) {
    var ks = keys(path), node = doc;
    for (var i = 0; i < ks.length - 1; i++) {
      if (node[ks[i]] == null || typeof node[ks[i]] !== "object") {
        node[ks[i]] = typeof ks[i + 1] === "number" ? [] : {};
      }
      node = node[ks[i]];
    }
    node[ks[ks.length - 1]] = value;
  }

  function parent(path) {
    var m = /^(.*?)(\.[^.[\]]+|\[\d+\])$/.exec(path);
    return m ? m[1] : null;
  }

  // ------------------------------------------------------------------ inputs
  function changed() {
    shared.dirty = true;
    say(T.park_form_unsaved, false);
    message.classList.add("plan-dirty");
  }

  function hint(path, text) {
    var entry = slots[path];
    if (!entry) { return; }
    entry.slot.textContent = text || "";
    entry.slot.classList.toggle("hint", !!text);
    if (entry.input) { entry.input.classList.toggle("plan-bad", !!text); }
    var row = entry.slot.closest("tr");
    if (row && !text) {  // the row stays marked while another of its fields has a problem
      var left = Array.prototype.some.call(row.querySelectorAll(".park-field-problem"),
                                           function (s) { return s.textContent !== ""; });
      if (!left) { row.classList.remove("park-row-bad"); }
    }
  }

  function problemSlot(path, input) {
    var slot = el("span", {className: "park-field-problem", "data-problem-for": path});
    slots[path] = {slot: slot, input: input || null};
    return slot;
  }

  /* A number field: what was typed is sent (a number when it reads as one), so the server's
   * check is the one that counts; this only hints. ``nullable``: empty means none (null). */
  function numberInput(path, label, nullable) {
    var value = getAt(path);
    var input = el("input", {type: "text", inputmode: "decimal", "data-path": path,
                             "aria-label": label, className: "park-num"});
    input.value = value === null || value === undefined ? "" : String(value);
    input.addEventListener("input", function () {
      var raw = input.value.trim();
      var bad = "";
      if (raw === "") {
        setAt(path, null);
        if (!nullable) { bad = T.park_form_not_number; }
      } else if (NUMBER.test(raw)) {
        setAt(path, Number(raw));
        if (Number(raw) < 0) { bad = T.park_form_negative; }
      } else {
        setAt(path, raw);
        bad = T.park_form_not_number;
      }
      hint(path, bad);
      changed();
    });
    return el("td", {className: "num"}, [input, problemSlot(path, input)]);
  }

  function textInput(path, label, wide) {
    var input = el("input", {type: "text", "data-path": path, "aria-label": label,
                             className: wide ? "park-text wide" : "park-text"});
    input.value = getAt(path) == null ? "" : String(getAt(path));
    input.addEventListener("input", function () {
      setAt(path, input.value);
      hint(path, "");
      changed();
    });
    return el("td", {}, [input, problemSlot(path, input)]);
  }

  function dateInput(path, label) {
    var input = el("input", {type: "date", "data-path": path, "aria-label": label});
    input.value = getAt(path) || "";
    input.addEventListener("input", function () {
      setAt(path, input.value || null);
      hint(path, "");
      changed();
    });
    return el("td", {}, [input, problemSlot(path, input)]);
  }

  function checkInput(path, label) {
    var input = el("input", {type: "checkbox", "data-path": path, "aria-label": label});
    input.checked = !!getAt(path);
    input.addEventListener("change", function () {
      setAt(path, input.checked);
      hint(path, "");
      changed();
    });
    return el("td", {className: "center"}, [input, problemSlot(path, input)]);
  }

  /* The name cell of a row: the item's name as text and the slot for the row's own problems
   * (in use above the volume, a repeated id …). */
  function nameCell(path, text, extra) {
    return el("td", extra || {}, [el("span", {className: "park-name"}, [String(text || "")]),
                                   problemSlot(path)]);
  }

  function head(labels) {
    return el("thead", {}, [el("tr", {}, labels.map(function (l) { return el("th", {}, [l]); }))]);
  }

  function table(id, labels, rows) {
    return el("table", {className: "eec-table park-form-table", id: id},
              [head(labels), el("tbody", {}, rows)]);
  }

  // ------------------------------------------------------------------ the sections
  function enterprises() {
    var rows = [];
    (doc.enterprises || []).forEach(function (e, i) {
      var base = "enterprises[" + i + "]";
      var outfalls = e.outfalls || [];
      var span = String(Math.max(outfalls.length, 1));
      outfalls.forEach(function (o, j) {
        var at = base + ".outfalls[" + j + "]";
        var cells = [];
        if (j === 0) {
          cells.push(nameCell(base, e.name_zh, {rowspan: span}));
          [numberInput(base + ".accident_pool.volume_m3", e.name_zh + " " + T.park_form_col_pool_volume),
           numberInput(base + ".accident_pool.in_use_m3", e.name_zh + " " + T.park_form_col_pool_in_use),
           numberInput(base + ".bund_m3", e.name_zh + " " + T.park_form_col_bund)
          ].forEach(function (td) { td.setAttribute("rowspan", span); cells.push(td); });
        }
        var kind = o.kind === "rain" ? T.park_form_rain : o.kind === "sewage" ? T.park_form_sewage : "";
        cells.push(nameCell(at, o.name_zh + (kind ? (EN ? " (" + kind + ")" : "(" + kind + ")") : "")));
        cells.push(el("td", {className: "park-valve"}, [String(o.valve_type_zh || "")]));
        cells.push(checkInput(at + ".normally_closed", o.name_zh + " " + T.park_form_col_normally_closed));
        cells.push(textInput(at + ".closer_zh", o.name_zh + " " + T.park_form_col_closer, true));
        cells.push(numberInput(at + ".close_minutes", o.name_zh + " " + T.park_form_col_close_minutes));
        rows.push(el("tr", {"data-path": at}, cells));
      });
      // an enterprise's pool as a whole (in use above the volume) is told at its in-use field
      slots[base + ".accident_pool"] = slots[base + ".accident_pool.in_use_m3"];
    });
    return table("park-form-enterprises", [T.park_form_col_enterprise,
      T.park_form_col_pool_volume, T.park_form_col_pool_in_use, T.park_form_col_bund,
      T.park_form_col_outfall, T.park_form_col_valve, T.park_form_col_normally_closed,
      T.park_form_col_closer, T.park_form_col_close_minutes], rows);
  }

  function parkLevel() {
    var park = doc.park || {};
    var pools = (park.pools || []).map(function (p, i) {
      var at = "park.pools[" + i + "]";
      return el("tr", {"data-path": at}, [nameCell(at, p.name_zh),
        numberInput(at + ".volume_m3", p.name_zh + " " + T.park_form_col_volume),
        numberInput(at + ".in_use_m3", p.name_zh + " " + T.park_form_col_in_use)]);
    });
    var gates = (park.gates || []).map(function (g, i) {
      var at = "park.gates[" + i + "]";
      return el("tr", {"data-path": at}, [nameCell(at, g.name_zh),
        checkInput(at + ".normally_closed", g.name_zh + " " + T.park_form_col_normally_closed),
        textInput(at + ".closer_zh", g.name_zh + " " + T.park_form_col_closer, true),
        numberInput(at + ".close_minutes", g.name_zh + " " + T.park_form_col_close_minutes)]);
    });
    var ditches = (park.ditches || []).map(function (d, i) {
      var at = "park.ditches[" + i + "]";
      return el("tr", {"data-path": at}, [nameCell(at, d.name_zh),
        numberInput(at + ".capacity_m3", d.name_zh + " " + T.park_form_col_capacity),
        textInput(at + ".note_zh", d.name_zh + " " + T.park_form_col_note, true)]);
    });
    var pumping = el("table", {className: "eec-table park-form-table park-form-kv"}, [
      el("tbody", {}, [el("tr", {"data-path": "park"}, [
        el("th", {}, [T.park_form_pumping]),
        numberInput("park.pumping_m3_per_h", T.park_form_pumping, true)])])]);
    var out = [];
    if (pools.length) {
      out.push(el("h4", {}, [T.park_form_pools]),
               table("park-form-pools", [T.park_form_col_name, T.park_form_col_volume,
                                         T.park_form_col_in_use], pools));
    }
    if (gates.length) {
      out.push(el("h4", {}, [T.park_form_gates]),
               table("park-form-gates", [T.park_form_col_name, T.park_form_col_normally_closed,
                                         T.park_form_col_closer, T.park_form_col_close_minutes],
                     gates));
    }
    out.push(pumping);
    if (ditches.length) {
      out.push(el("h4", {}, [T.park_form_ditches]),
               table("park-form-ditches", [T.park_form_col_name, T.park_form_col_capacity,
                                           T.park_form_col_note], ditches));
    }
    return out;
  }

  function readiness() {
    if (!doc.readiness || typeof doc.readiness !== "object") { doc.readiness = {}; }
    return el("table", {className: "eec-table park-form-table park-form-kv",
                        id: "park-form-readiness"}, [el("tbody", {}, [
      el("tr", {}, [el("th", {}, [T.park_form_pools_confirmed]),
                    dateInput("readiness.pools_confirmed_on", T.park_form_pools_confirmed)]),
      el("tr", {}, [el("th", {}, [T.park_form_valves_tested]),
                    dateInput("readiness.valves_tested_on", T.park_form_valves_tested)])])]);
  }

  var contactsBox = el("div", {id: "park-form-contacts"});

  function contacts() {
    Object.keys(slots).forEach(function (k) { if (/^contacts\[/.test(k)) { delete slots[k]; } });
    if (!Array.isArray(doc.contacts)) { doc.contacts = []; }
    var rows = doc.contacts.map(function (c, i) {
      var at = "contacts[" + i + "]";
      var remove = el("button", {type: "button", className: "eec-btn danger park-form-remove"},
                      [T.park_form_remove]);
      remove.addEventListener("click", function () {
        doc.contacts.splice(i, 1);
        changed();
        contacts();
      });
      var first = textInput(at + ".unit_zh", T.park_form_col_unit + " " + (i + 1), true);
      first.appendChild(problemSlot(at));
      return el("tr", {"data-path": at}, [first,
        textInput(at + ".role_zh", T.park_form_col_role + " " + (i + 1), true),
        textInput(at + ".phone", T.park_form_col_phone + " " + (i + 1)),
        el("td", {}, [remove])]);
    });
    var add = el("button", {type: "button", className: "eec-btn", id: "park-form-add-contact"},
                 [T.park_form_add_contact]);
    add.addEventListener("click", function () {
      doc.contacts.push({unit_zh: "", role_zh: "", phone: ""});
      changed();
      contacts();
      var inputs = contactsBox.querySelectorAll("input");
      if (inputs.length) { inputs[inputs.length - 3].focus(); }
    });
    contactsBox.replaceChildren(
      table("park-form-contact-table", [T.park_form_col_unit, T.park_form_col_role,
                                        T.park_form_col_phone, ""], rows), add);
  }

  function render() {
    slots = {};
    contacts();
    root.replaceChildren(
      el("h3", {}, [T.park_form_level_enterprise]), enterprises(),
      el("h3", {}, [T.park_form_level_park])
    );
    parkLevel().forEach(function (n) { root.appendChild(n); });
    root.appendChild(el("h3", {}, [T.park_form_readiness]));
    root.appendChild(readiness());
    root.appendChild(el("h3", {}, [T.park_form_contacts]));
    root.appendChild(contactsBox);
  }

  // ------------------------------------------------------------------ messages and problems
  function say(text, bad) {
    message.textContent = text || "";
    message.classList.toggle("bad", !!bad);
    message.classList.remove("plan-dirty");
  }

  function clearProblems() {
    Object.keys(slots).forEach(function (k) { hint(k, ""); });
    root.querySelectorAll(".park-field-problem").forEach(function (s) {
      s.textContent = "";
      s.classList.remove("hint");
    });
    root.querySelectorAll(".plan-bad, .park-row-bad").forEach(function (n) {
      n.classList.remove("plan-bad", "park-row-bad");
    });
    list.replaceChildren();
    list.hidden = true;
  }

  function slotFor(path) {
    for (var p = path; p; p = parent(p)) {
      if (slots[p]) { return slots[p]; }
    }
    return null;
  }

  function showProblems(problems) {
    clearProblems();
    var first = null;
    problems.forEach(function (p) {
      var text = EN ? p.message_en : p.message_zh;
      var entry = slotFor(p.path || "");
      if (entry) {
        var line = el("span", {className: "park-problem-line"}, [text]);
        entry.slot.appendChild(line);
        entry.slot.classList.remove("hint");
        if (entry.input) {
          entry.input.classList.add("plan-bad");
        } else if (entry.slot.closest("tr")) {  // the item as a whole (in use above volume …)
          entry.slot.closest("tr").classList.add("park-row-bad");
        }
        first = first || entry.input || entry.slot;
      }
      list.appendChild(el("li", {}, [el("code", {}, [p.path || "—"]), text]));
    });
    list.hidden = !problems.length;
    if (first && first.focus) { first.focus(); }
  }

  // ------------------------------------------------------------------ saving
  function send(url, method, body) {
    var options = {method: method};
    if (body !== undefined) {
      options.headers = {"Content-Type": "application/json"};
      options.body = JSON.stringify(body);
    }
    return EEC.fetch(url, options).then(function (resp) {
      return resp.json().catch(function () { return {}; }).then(function (json) {
        return {ok: resp.ok, status: resp.status, body: json};
      });
    });
  }

  function showValue(v) {
    if (v === null || v === undefined || v === "" || (Array.isArray(v) && !v.length)) {
      return "—";
    }
    if (typeof v === "boolean") { return v ? T.park_form_yes : T.park_form_no; }
    if (Array.isArray(v)) { return v.map(showValue).join("、"); }
    if (typeof v === "object") {
      return String(v.name_zh || v.text_zh || v.unit_zh || JSON.stringify(v));
    }
    return String(v);
  }

  function showChanges(changes) {
    var table = document.getElementById("plan-diff");
    var title = document.getElementById("park-plan-changes-title");
    if (title) { title.textContent = fmt(T.park_form_changes, {n: changes.length}); }
    if (!table) { return; }
    var rows = changes.map(function (c) {
      var old = ["changed", "moved", "removed"].indexOf(c.op) >= 0 ? showValue(c.old) : "";
      var neu = ["changed", "moved", "added"].indexOf(c.op) >= 0 ? showValue(c["new"]) : "";
      return el("tr", {"data-op": c.op, "data-key": c.key}, [
        el("td", {}, [T["plan_section_" + c.section] || c.section]),
        el("td", {}, [el("span", {className: "op " + c.op}, [EN ? c.message_en : c.message_zh])]),
        el("td", {className: "old"}, [old]), el("td", {className: "new"}, [neu])]);
    });
    if (!rows.length) {
      rows = [el("tr", {}, [el("td", {colspan: "4", className: "eec-muted"}, [T.plan_no_changes])])];
    }
    table.tBodies[0].replaceChildren.apply(table.tBodies[0], rows);
  }

  /* The server gives the other save's time in the configured zone ("2026-12-08T01:53+08:00"):
   * shown as written, to the minute. */
  function when(value) {
    return value ? String(value).slice(0, 16).replace("T", " ") : "";
  }

  /* Every leaf of a document by its field path ("park.pools[0].volume_m3" → 5000). */
  function leaves(value, path, out) {
    if (Array.isArray(value)) {
      value.forEach(function (v, i) { leaves(v, path + "[" + i + "]", out); });
      if (!value.length) { out[path] = "—"; }
    } else if (value && typeof value === "object") {
      Object.keys(value).forEach(function (k) { leaves(value[k], path ? path + "." + k : k, out); });
    } else {
      out[path] = value;
    }
    return out;
  }

  /* After a 409: what the newer revision holds where it differs from what is typed here, so
   * that saving over it is a choice made knowing what it replaces (nothing lost unseen). */
  function showTheirs(newer) {
    if (!theirs) { return; }
    var mine = leaves(doc, "", {});
    var other = leaves(newer, "", {});
    var rows = [];
    Object.keys(other).concat(Object.keys(mine).filter(function (k) { return !(k in other); }))
      .forEach(function (k) {
        if (String(other[k]) !== String(mine[k])) {
          rows.push(el("li", {"data-path": k}, [el("code", {}, [k]), " " + fmt(
            T.park_form_theirs_row, {theirs: showValue(other[k]), mine: showValue(mine[k])})]));
        }
      });
    theirs.replaceChildren.apply(theirs, [el("li", {className: "eec-muted"},
      [fmt(T.park_form_theirs, {n: rows.length})])].concat(rows));
    theirs.hidden = false;
  }

  function save(revision) {
    var url = data.urls.draft + shared.draft.id;
    saveButton.disabled = true;
    saveOver.hidden = true;
    if (theirs) { theirs.hidden = true; }
    say(T.park_form_saving, false);
    send(url, "PUT", {document: doc, revision: revision}).then(function (r) {
      saveButton.disabled = false;
      if (r.ok) {
        shared.draft.revision = r.body.revision;
        shared.dirty = false;
        newerRevision = null;
        clearProblems();
        say(fmt(T.park_form_saved, {n: r.body.revision}), false);
        return send(url, "GET").then(function (g) {
          if (g.ok) { showChanges(g.body.changes || []); }
        });
      }
      var err = (r.body && r.body.error) || {};
      var text = (EN ? err.message_en : err.message_zh) || T.plan_js_error;
      var details = err.details || {};
      if (err.code === "stale_draft" && details.updated_by) {
        text = fmt(T.park_form_stale, {who: details.updated_by, at: when(details.updated_at),
                                       n: details.revision});
      }
      if (r.status === 409) {
        // who saved in between; the typed values stay in the inputs and in ``doc`` (the
        // problems of an earlier refusal no longer hold: this save was not checked)
        clearProblems();
        say(fmt(T.park_form_conflict, {message: text}), true);
        if (err.code === "stale_draft" && details.revision) {
          newerRevision = details.revision;
          saveOver.hidden = false;
          return send(url, "GET").then(function (g) {
            if (g.ok && g.body.document) { showTheirs(g.body.document); }
          });
        }
        return;
      }
      if (r.status === 422 && err.details && err.details.problems) {
        say(fmt(T.park_form_invalid, {n: err.details.problems.length}), true);
        showProblems(err.details.problems);
        return;
      }
      say(text, true);
    }, function () {
      saveButton.disabled = false;
      say(T.plan_js_error, true);
    });
  }

  saveButton.addEventListener("click", function () { save(shared.draft.revision); });
  saveOver.addEventListener("click", function () {
    if (newerRevision !== null) { save(newerRevision); }
  });
  window.addEventListener("beforeunload", function (event) {
    if (shared.dirty) { event.preventDefault(); event.returnValue = ""; }
  });

  render();
})();
