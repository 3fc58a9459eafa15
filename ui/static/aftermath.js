// Aftermath's small progressive enhancement. Every page works without it:
// each button here is a form button that, without a script, posts the form
// and gets the same result as a new page. With it, rows are added and
// removed in place, markdown is previewed and similar incidents are looked
// up without leaving the form. Served by the binary; nothing inline.
"use strict";

(function () {
  // A spare row's ids carry this index; a copy gets its own.
  var SPARE = "999";

  function post(url, body) {
    return fetch(url, { method: "POST", body: body, credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) {
        if (!r.ok) { throw new Error(r.status + " " + r.statusText); }
        return r.text();
      });
  }

  // The HTML fetched below comes from our own server, rendered by the same
  // templates (and the same safe markdown renderer) as the pages; parsing
  // it into a detached document keeps any script in it from running.
  function setHTML(el, html) {
    var doc = new DOMParser().parseFromString("<div>" + html + "</div>", "text/html");
    el.replaceChildren.apply(el, Array.prototype.slice.call(doc.body.firstChild.childNodes));
  }

  function renumber(list) {
    list.querySelectorAll("[data-row]").forEach(function (row, i) {
      var n = row.querySelector("[data-row-number]");
      if (n) { n.textContent = String(i + 1); }
    });
  }

  function addRemoveButton(row) {
    var head = row.querySelector(".row-head") || row;
    if (head.querySelector("[data-remove-row]")) { return; }
    var b = document.createElement("button");
    b.type = "button";
    b.className = "button button-small button-quiet";
    b.setAttribute("data-remove-row", "");
    var what = row.querySelector(".row-title");
    b.textContent = "Remove";
    b.setAttribute("aria-label", "Remove " + (what ? what.textContent.trim().toLowerCase() : "this row"));
    b.addEventListener("click", function () {
      var list = row.parentElement;
      row.remove();
      renumber(list);
      refreshAddresses(list.closest("form"));
    });
    if (head === row) { row.appendChild(b); } else { head.appendChild(b); }
  }

  // An action item's "addresses" lists the cause and the factor and gap
  // rows as they are now.
  function refreshAddresses(form) {
    if (!form) { return; }
    var options = [["", "—"], ["primary_cause", "The primary cause"]];
    [["contributing_factors", "Contributing factor"], ["detection_gaps", "Detection gap"]].forEach(function (kind) {
      var list = form.querySelector('[data-rows="' + kind[0] + '"]');
      if (!list) { return; }
      list.querySelectorAll("[data-row]").forEach(function (row, i) {
        var cat = row.querySelector("select");
        var label = kind[1] + " " + (i + 1) + (cat && cat.value ? ": " + cat.value : "");
        options.push([kind[0] + "[" + i + "]", label]);
      });
    });
    form.querySelectorAll("select[data-addresses]").forEach(function (sel) {
      var chosen = sel.value;
      sel.replaceChildren();
      options.forEach(function (o) {
        var opt = document.createElement("option");
        opt.value = o[0];
        opt.textContent = o[1];
        if (o[0] === chosen) { opt.selected = true; }
        sel.appendChild(opt);
      });
    });
  }

  function addRow(form, name) {
    var spare = document.getElementById("spare-" + name);
    var list = form.querySelector('[data-rows="' + name + '"]');
    if (!spare || !list) { return; }
    var index = String(Date.now() % 1000000) + String(list.children.length);
    var row = spare.content.firstElementChild.cloneNode(true);
    row.querySelectorAll("[id], [for], [aria-describedby]").forEach(function (el) {
      ["id", "for", "aria-describedby"].forEach(function (attr) {
        var v = el.getAttribute(attr);
        if (v) { el.setAttribute(attr, v.split("-" + SPARE + "-").join("-n" + index + "-")); }
      });
    });
    list.appendChild(row);
    addRemoveButton(row);
    renumber(list);
    refreshAddresses(form);
    var first = row.querySelector("input:not([type=hidden]), select, textarea");
    if (first) { first.focus(); }
  }

  function preview(button) {
    var id = button.getAttribute("data-preview-for");
    var area = document.getElementById(id);
    var out = document.getElementById(id + "-preview");
    if (!area || !out) { return; }
    if (out.childNodes.length && button.getAttribute("aria-expanded") === "true") {
      out.replaceChildren();
      button.textContent = "Preview";
      button.setAttribute("aria-expanded", "false");
      return;
    }
    var body = new FormData();
    body.append("markdown", area.value);
    post("/preview", body).then(function (html) {
      setHTML(out, html);
      button.textContent = "Hide preview";
      button.setAttribute("aria-expanded", "true");
    }).catch(function (e) { out.textContent = "The preview failed: " + e.message; });
  }

  var similarTimer = null;
  function similar(form) {
    var out = document.getElementById("similar-results");
    if (!out) { return; }
    var body = new FormData(form);
    body.delete("_action");
    var exclude = form.getAttribute("data-exclude");
    if (exclude) { body.append("exclude", exclude); }
    out.setAttribute("aria-busy", "true");
    post("/incidents/similar", body).then(function (html) {
      setHTML(out, html);
    }).catch(function (e) {
      out.textContent = "The search failed: " + e.message;
    }).finally(function () { out.removeAttribute("aria-busy"); });
  }

  // The failure modes offered follow the service typed: its own, then its
  // dependencies'. Those already checked stay checked.
  function modes(form) {
    var out = document.getElementById("mode-choices");
    if (!out) { return; }
    var body = new FormData();
    body.append("service", form.elements["service"].value);
    form.querySelectorAll('input[name="failure_modes"]:checked').forEach(function (box) {
      body.append("failure_modes", box.value);
    });
    out.setAttribute("aria-busy", "true");
    post("/incidents/failure-modes", body).then(function (html) {
      setHTML(out, html);
    }).catch(function (e) {
      out.textContent = "The failure modes could not be fetched: " + e.message;
    }).finally(function () { out.removeAttribute("aria-busy"); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-rows] > [data-row]").forEach(addRemoveButton);

    document.addEventListener("click", function (ev) {
      var t = ev.target.closest ? ev.target.closest("button") : null;
      if (!t) { return; }
      if (t.hasAttribute("data-add-row")) {
        ev.preventDefault();
        addRow(t.form, t.getAttribute("data-add-row"));
      } else if (t.hasAttribute("data-preview-for")) {
        ev.preventDefault();
        preview(t);
      } else if (t.hasAttribute("data-similar-button")) {
        ev.preventDefault();
        similar(t.form);
      } else if (t.hasAttribute("data-modes-button")) {
        ev.preventDefault();
        modes(t.form);
      }
    });

    // Similar incidents come up once a cause or factor has been written:
    // when the person leaves the field, not at every key.
    document.querySelectorAll("form[data-similar-form]").forEach(function (form) {
      form.addEventListener("change", function (ev) {
        var name = ev.target.name || "";
        if (name === "primary_cause.description" || name === "contributing_factors.description") {
          clearTimeout(similarTimer);
          similarTimer = setTimeout(function () { similar(form); }, 150);
        }
        if (name === "contributing_factors.category" || name === "detection_gaps.category") {
          refreshAddresses(form);
        }
        if (name === "service") {
          modes(form);
        }
      });
    });

    var summary = document.getElementById("error-summary") || document.getElementById("conflict");
    if (summary) {
      summary.setAttribute("tabindex", "-1");
      summary.focus();
    }
  });
})();
