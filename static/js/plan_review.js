/* Review and restore (预案审核、版本恢复): the decision buttons call the drafts API; messages are
 * written as text. No inline scripts: the URLs come from data- attributes. */
(function () {
  "use strict";
  var EN = EEC.lang === "en";

  function say(box, body, ok) {
    var err = body && body.error;
    box.textContent = err ? (EN ? err.message_en : err.message_zh) : ok;
    box.classList.toggle("bad", !!err);
  }

  function post(url, payload) {
    return EEC.fetch(url, {method: "POST", headers: {"Content-Type": "application/json"},
                           body: JSON.stringify(payload || {})})
      .then(function (resp) {
        return resp.json().catch(function () { return {}; }).then(function (body) {
          return {ok: resp.ok, body: body};
        });
      });
  }

  var form = document.getElementById("plan-decision");
  if (form) {
    var box = document.getElementById("plan-message");
    form.querySelectorAll("button[data-action]").forEach(function (b) {
      b.addEventListener("click", function () {
        var action = b.dataset.action;
        var comment = document.getElementById("plan-comment").value;
        b.disabled = true;
        post(form.dataset[action], {comment: comment}).then(function (r) {
          b.disabled = false;
          if (!r.ok) { say(box, r.body); return; }
          say(box, null, action === "approve" ? "v" + r.body.version : r.body.status);
          window.location.assign(action === "approve" ? form.dataset.done : window.location.href);
        });
      });
    });
  }

  document.querySelectorAll("button[data-restore]").forEach(function (b) {
    b.addEventListener("click", function () {
      var box = document.getElementById("plan-message");
      if (!window.confirm(b.dataset.confirm)) { return; }
      b.disabled = true;
      post(b.dataset.restore, {}).then(function (r) {
        b.disabled = false;
        if (!r.ok) { say(box, r.body); return; }
        window.location.reload();
      });
    });
  });
})();
