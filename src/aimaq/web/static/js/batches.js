/* The ministry's approval list (/batches): log in, see each pending batch beside the current values, approve or
   reject it. Texts come from the server's message catalogue (#batch-data); numbers in the page's locale. */
(function () {
  "use strict";
  var DATA = JSON.parse(document.getElementById("batch-data").textContent);
  var M = DATA.messages;
  var LOCALE = {ru: "ru-RU", kk: "ru-RU", en: "en-US"}[DATA.lang] || "ru-RU";  // kk as ru: «56,9», «19 766 807» (Chromium's own kk-KZ data gives «56.9»)
  var csrf = null;

  function T(id, params) {
    var text = M[id] || id;
    if (params) Object.keys(params).forEach(function (k) { text = text.split("{" + k + "}").join(params[k]); });
    return text;
  }
  function esc(v) {
    return String(v === null || v === undefined ? "" : v).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
  }
  function num(v) {
    if (v === null || v === undefined || v === "") return "—";
    return typeof v === "number" ? v.toLocaleString(LOCALE, {maximumFractionDigits: 6}) : esc(v);
  }
  var ACTION = {added: T("new"), revised: T("changed"), unchanged: T("unchanged")};
  function when(iso) {
    var d = new Date(iso);
    return isNaN(d) ? esc(iso) : d.toLocaleString(LOCALE, {dateStyle: "short", timeStyle: "short"});
  }
  function indicator(code) {   // the catalogue's name, the code beside it for whoever checks the file
    var name = (DATA.indicators || {})[code];
    return name ? esc(name) + ' <small class="code">' + esc(code) + "</small>" : esc(code);
  }

  function batchHTML(b) {
    return '<section class="card batch" id="batch-' + b.batch + '"><h2>' +
      esc(T("Batch {n}: {file}", {n: b.batch, file: b.file})) + "</h2><p>" +
      esc(T("Uploaded by {user} on {when}", {user: b.loaded_by, when: when(b.loaded_at)})) + " · " +
      esc(T("new {added}, changed {revised}, unchanged {unchanged}",
            {added: b.rows_added, revised: b.rows_revised, unchanged: b.rows_unchanged})) + "</p>" +
      '<div class="scroll"><table class="data"><thead><tr><th>' + esc(T("Territory")) + "</th><th>" +
      esc(T("Indicator")) + "</th><th>" + esc(T("Period")) + '</th><th class="num">' + esc(T("Was")) +
      '</th><th class="num">' + esc(T("Will be")) + "</th><th></th></tr></thead><tbody>" +
      b.changes.map(function (c) {
        return '<tr class="' + esc(c.action) + '"><td>' + esc(c.territory) + " (" + esc(c.kato) + ")</td><td>" +
          indicator(c.indicator) + "</td><td>" + esc(c.period) + '</td><td class="num">' + num(c.old_value) +
          '</td><td class="num">' + num(c.new_value) + "</td><td>" + esc(ACTION[c.action] || c.action) + "</td></tr>";
      }).join("") + "</tbody></table></div>" +
      '<p class="actions"><button data-approve="' + b.batch + '">' + esc(T("Approve")) + "</button> " +
      '<input id="reason-' + b.batch + '" placeholder="' + esc(T("Reason for rejection")) + '" aria-label="' +
      esc(T("Reason for rejection")) + '"> <button data-reject="' + b.batch + '">' + esc(T("Reject")) +
      "</button></p></section>";
  }

  function load() {
    var box = document.getElementById("pending");
    return fetch("/api/batches?status=pending").then(function (r) {
      return r.json().then(function (data) {
        if (!r.ok) { box.textContent = data.detail; return; }
        box.innerHTML = data.rows.length ? data.rows.map(batchHTML).join("") :
          "<p>" + esc(T("No batches wait for approval.")) + "</p>";
        document.body.setAttribute("data-loaded", String(data.rows.length));
      });
    });
  }
  function post(url, body) {
    return fetch(url, {method: "POST", headers: {"X-CSRF-Token": csrf, "Content-Type": "application/json"},
                       body: body ? JSON.stringify(body) : null}).then(function (r) {
      return r.json().then(function (data) {
        document.getElementById("who").textContent = r.ok ? "" : data.detail;
        return load();
      });
    });
  }
  document.getElementById("pending").addEventListener("click", function (e) {
    var a = e.target.getAttribute("data-approve"), j = e.target.getAttribute("data-reject");
    if (a) post("/api/batches/" + a + "/approve");
    if (j) post("/api/batches/" + j + "/reject", {reason: document.getElementById("reason-" + j).value});
  });
  document.getElementById("login").addEventListener("submit", function (e) {
    e.preventDefault();
    fetch("/api/login", {method: "POST", body: new FormData(e.target)}).then(function (r) {
      return r.json().then(function (data) {
        var who = document.getElementById("who");
        if (!r.ok) { who.textContent = data.detail; return; }
        csrf = data.csrf_token;
        who.textContent = T("Logged in as {user} ({role})", {user: data.user, role: data.role});
        return load();
      });
    });
  });
})();
