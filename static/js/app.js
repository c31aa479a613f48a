// Modal and polling glue: everything else is htmx attributes in the templates.
(function () {
  "use strict";
  function modal() { return document.getElementById("modal"); }
  function confirmDialog() { return document.getElementById("confirm"); }

  // A fragment swapped into the modal body opens the dialog once htmx has settled it: its
  // hx-* attributes are bound only then, so a control used at once (the type picker) answers.
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.detail.target && event.detail.target.id === "modal-body") {
      var dialog = modal();
      if (!dialog.open) { dialog.showModal(); }
      var first = dialog.querySelector("input:not([type=hidden]), select, textarea");
      if (first) { first.focus(); }
    }
  });

  // Servers close the modal with an HX-Trigger "modal:close" event.
  document.body.addEventListener("modal:close", function () { modal().close(); });

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-modal-close]")) { modal().close(); }
  });

  // A key shown once is selected whole when focused, ready to copy (no inline handler: CSP).
  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("[data-select-on-focus]")) { event.target.select(); }
  });

  // A control marked data-toggles="<name>" enables the fields marked data-toggled-by="<name>" only
  // while it is on (a select: any value but "" and "0"; a checkbox: ticked), e.g. the schedule's parts.
  document.addEventListener("change", function (event) {
    var control = event.target;
    var name = control.getAttribute && control.getAttribute("data-toggles");
    if (!name || !control.form) { return; }
    var on = control.type === "checkbox" ? control.checked : (control.value !== "" && control.value !== "0");
    control.form.querySelectorAll('[data-toggled-by="' + name + '"]').forEach(function (field) {
      field.disabled = !on;
    });
  });

  // make run's "Use the local sandbox": fills the inputs its data-fill (JSON) names, in its own form.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-fill]");
    if (!button || !button.form) { return; }
    var values = JSON.parse(button.getAttribute("data-fill"));
    Object.keys(values).forEach(function (name) {
      var input = button.form.elements.namedItem(name);
      if (input) { input.value = values[name]; }
    });
  });

  // hx-confirm asks in the product's own dialog: the request goes only when its button is pressed.
  var confirmed = null;
  document.addEventListener("htmx:confirm", function (event) {
    if (!event.detail.question) { return; }
    event.preventDefault();
    var elt = event.detail.elt;
    var dialog = confirmDialog();
    document.getElementById("confirm-title").textContent = elt.getAttribute("data-confirm-title") || "Please confirm";
    document.getElementById("confirm-question").textContent = event.detail.question;
    document.getElementById("confirm-ok").textContent = elt.getAttribute("data-confirm-action") || "Confirm";
    document.getElementById("confirm-dismiss").textContent = elt.getAttribute("data-confirm-dismiss") || "Cancel";
    confirmed = event.detail.issueRequest;
    dialog.returnValue = "";
    dialog.showModal();
  });

  // A poller (data-poll) waits while a dialog is open: replacing the page under an open question
  // would detach the element the answer belongs to.
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (event.detail.elt.hasAttribute("data-poll") && document.querySelector("dialog[open]")) {
      event.preventDefault();
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    // Clear the content on close so a stale form never flashes on the next open.
    modal().addEventListener("close", function () {
      document.getElementById("modal-body").innerHTML = "";
    });
    confirmDialog().addEventListener("close", function () {
      var go = confirmed;
      confirmed = null;
      if (go && confirmDialog().returnValue === "ok") { go(true); }
    });
  });

  // Keep a live log scrolled to its end while the user has not scrolled up.
  document.addEventListener("htmx:beforeSwap", function () {
    var log = document.getElementById("run-log");
    if (log) { log.dataset.stick = (log.scrollTop + log.clientHeight >= log.scrollHeight - 30) ? "1" : "0"; }
  });
  document.addEventListener("htmx:afterSettle", function () {
    var log = document.getElementById("run-log");
    if (log && log.dataset.stick !== "0") { log.scrollTop = log.scrollHeight; }
  });
})();
