/* 隐患排查 pages: the inspection form, campaigns and task assignment, hazard steps.
   Sends JSON to /api (EEC.fetch adds the CSRF header); every text shown is a text node. */
(function () {
  "use strict";
  var EEC = window.EEC || {};
  var en = EEC.lang === "en";
  var i18nEl = document.getElementById("insp-i18n");
  var T = i18nEl ? JSON.parse(i18nEl.textContent || "{}") : {};
  var flash = document.getElementById("insp-flash");

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function say(text, kind, problems) {
    if (!flash) { return; }
    while (flash.firstChild) { flash.removeChild(flash.firstChild); }
    flash.className = "insp-flash " + (kind || "");
    flash.appendChild(el("div", null, text));
    if (problems && problems.length) {
      var ul = el("ul");
      problems.forEach(function (p) {
        ul.appendChild(el("li", null, (en ? p.message_en : p.message_zh) + " (" + p.where + ")"));
      });
      flash.appendChild(ul);
    }
    flash.hidden = false;
    flash.scrollIntoView({block: "nearest"});
  }

  function fail(body) {
    var err = (body && body.error) || {};
    var msg = (en ? err.message_en : err.message_zh) || T.network || "error";
    say((T.failed || "") + msg, "error", err.details && err.details.problems);
  }

  function send(url, data) {
    return EEC.fetch(url, {method: "POST", headers: {"Content-Type": "application/json"},
                           body: JSON.stringify(data)})
      .then(function (resp) {
        return resp.json().catch(function () { return {}; }).then(function (body) {
          return {ok: resp.ok, status: resp.status, body: body};
        });
      });
  }

  /* ------------------------------------------------------------------ photos */
  function addThumb(list, id, thumbUrl) {
    var li = el("li");
    li.dataset.photoId = String(id);
    var img = el("img");
    img.src = thumbUrl;
    img.alt = "#" + id;
    li.appendChild(img);
    var rm = el("button", "insp-rm", "×");
    rm.type = "button";
    rm.title = T.remove || "remove";
    rm.addEventListener("click", function () { li.parentNode.removeChild(li); });
    li.appendChild(rm);
    list.appendChild(li);
  }

  function wirePhotos(box) {
    var list = box.querySelector(".insp-thumbs");
    var input = box.querySelector("input[type=file]");
    if (!list || !input) { return; }
    try {
      JSON.parse(list.dataset.photos || "[]").forEach(function (id) {
        if (typeof id === "number") {
          addThumb(list, id, "/api/inspection-photos/" + id + "/thumb");
        }
      });
    } catch (e) { /* no draft photos */ }
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      if (!file) { return; }
      var fd = new FormData();
      fd.append("file", file);
      say(T.uploading, "");
      EEC.fetch("/api/inspection-photos", {method: "POST", body: fd}).then(function (resp) {
        return resp.json().catch(function () { return {}; }).then(function (body) {
          if (!resp.ok) { fail(body); return; }
          addThumb(list, body.id, body.thumb_url);
          say(T.uploaded, "ok");
        });
      }).catch(function () { say(T.network, "error"); }).then(function () { input.value = ""; });
    });
  }

  function photoIds(box) {
    return Array.prototype.map.call(box.querySelectorAll(".insp-thumbs li[data-photo-id]"),
      function (li) { return parseInt(li.dataset.photoId, 10); });
  }

  /* ------------------------------------------------------------------ the inspection form */
  var form = document.getElementById("insp-form");
  if (form && form.dataset.editable === "1") {
    var today = form.dataset.today;
    var days = {major: parseInt(form.dataset.majorDays, 10), minor: parseInt(form.dataset.minorDays, 10)};

    var addDays = function (iso, n) {
      var d = new Date(iso + "T00:00:00Z");
      d.setUTCDate(d.getUTCDate() + n);
      return d.toISOString().slice(0, 10);
    };

    var value = function (scope, name) {
      var checked = scope.querySelector("input[name='" + name + "']:checked");
      return checked ? checked.value : "";
    };

    var sync = function (item) {
      var id = item.dataset.itemId;
      var result = value(item, "r-" + id);
      var hz = item.querySelector(".insp-hazard");
      hz.hidden = result !== "hazard";
      item.classList.toggle("has-hazard", result === "hazard");
      var grade = value(item, "g-" + id);
      item.querySelector(".insp-plan").hidden = grade !== "major";
      item.querySelectorAll(".insp-grade-def").forEach(function (p) {
        p.hidden = p.dataset.for !== grade;
      });
    };

    form.querySelectorAll(".insp-item").forEach(function (item) {
      var id = item.dataset.itemId;
      item.addEventListener("change", function (ev) {
        var t = ev.target;
        if (t.name === "g-" + id) {
          /* a short deadline for an ordinary hazard, a longer one for a major one */
          var deadline = item.querySelector("input[name=deadline]");
          deadline.value = addDays(today, days[t.value] || 15);
        }
        sync(item);
      });
      wirePhotos(item.querySelector(".insp-photos"));
      sync(item);
    });

    var collect = function () {
      var items = [];
      form.querySelectorAll(".insp-item").forEach(function (item) {
        var id = item.dataset.itemId;
        var result = value(item, "r-" + id);
        if (!result) { return; }
        var entry = {item_id: id, result: result,
                     note: item.querySelector("input[name=note]").value};
        if (result === "hazard") {
          var hz = item.querySelector(".insp-hazard");
          var grade = value(item, "g-" + id);
          var h = {grade: grade, description: hz.querySelector("[name=description]").value,
                   responsible_unit: hz.querySelector("[name=responsible_unit]").value,
                   deadline: hz.querySelector("[name=deadline]").value,
                   photo_ids: photoIds(hz)};
          if (grade === "major") {
            h.plan = {};
            hz.querySelectorAll(".insp-plan textarea").forEach(function (ta) {
              h.plan[ta.name.replace("plan_", "")] = ta.value;
            });
          }
          entry.hazard = h;
        }
        items.push(entry);
      });
      return items;
    };

    var save = function (submit) {
      var data = {items: collect(), version: parseInt(form.dataset.version, 10), submit: submit,
                  signed_name: (document.getElementById("insp-signed-name") || {}).value || ""};
      send("/api/inspection-tasks/" + form.dataset.taskId + "/results", data).then(function (r) {
        if (!r.ok) { fail(r.body); return; }
        form.dataset.version = String(r.body.version);
        if (submit) {
          say(T.submitted, "ok");
          window.location.reload();
        } else {
          say(T.saved, "ok");
        }
      }).catch(function () { say(T.network, "error"); });
    };

    document.getElementById("insp-save").addEventListener("click", function () { save(false); });
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      if (window.confirm(T.confirm_submit)) { save(true); }
    });
  }

  /* ------------------------------------------------------------------ campaigns */
  var newCampaign = document.getElementById("insp-new-campaign");
  if (newCampaign) {
    newCampaign.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var f = newCampaign;
      var checked = function (name) {
        return Array.prototype.map.call(f.querySelectorAll("input[name=" + name + "]:checked"),
          function (i) { return i.value; });
      };
      send("/api/inspections", {name: f.elements.name.value, kinds: checked("kinds"),
                                prefectures: checked("prefectures"),
                                risk_levels: checked("risk_levels"),
                                due_date: f.elements.due_date.value, note: f.elements.note.value})
        .then(function (r) {
          if (!r.ok) { fail(r.body); return; }
          say(T.created, "ok");
          window.location.reload();
        }).catch(function () { say(T.network, "error"); });
    });
  }
  document.querySelectorAll("form.insp-assign").forEach(function (f) {
    f.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var data = {inspector: f.elements.inspector.value.trim()};
      if (f.elements.prefecture.value) { data.prefecture = f.elements.prefecture.value; }
      send("/api/inspections/" + f.dataset.campaignId + "/tasks", data).then(function (r) {
        if (!r.ok) { fail(r.body); return; }
        say((T.assigned || "").replace("{n}", r.body.count), "ok");
        window.location.reload();
      }).catch(function () { say(T.network, "error"); });
    });
  });

  /* ------------------------------------------------------------------ hazard steps */
  var hazard = document.getElementById("insp-hazard");
  if (hazard) {
    document.querySelectorAll("form.insp-step").forEach(function (f) {
      var photos = f.querySelector(".insp-photos");
      if (photos) { wirePhotos(photos); }
      f.addEventListener("submit", function (ev) {
        ev.preventDefault();
        var data = {version: parseInt(hazard.dataset.version, 10),
                    note: f.elements.note.value,
                    photo_ids: photos ? photoIds(photos) : []};
        if (f.dataset.step === "rectify") { data.complete = f.elements.complete.checked; }
        send("/api/hazards/" + hazard.dataset.hazardId + "/" + f.dataset.step, data)
          .then(function (r) {
            if (!r.ok) { fail(r.body); return; }
            say(T.done, "ok");
            window.location.reload();
          }).catch(function () { say(T.network, "error"); });
      });
    });
  }
})();
