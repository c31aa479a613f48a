// Modal and polling glue: everything else is htmx attributes in the templates.
(function () {
  "use strict";
  function modal() { return document.getElementById("modal"); }

  // A fragment swapped into the modal body opens the dialog.
  document.addEventListener("htmx:afterSwap", function (event) {
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

  // Clear the content on close so a stale form never flashes on the next open.
  document.addEventListener("DOMContentLoaded", function () {
    modal().addEventListener("close", function () {
      document.getElementById("modal-body").innerHTML = "";
    });
  });

  // Keep a live log scrolled to its end while the user has not scrolled up.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var log = document.getElementById("run-log");
    if (log) { log.dataset.stick = (log.scrollTop + log.clientHeight >= log.scrollHeight - 30) ? "1" : "0"; }
  });
  document.addEventListener("htmx:afterSettle", function () {
    var log = document.getElementById("run-log");
    if (log && log.dataset.stick !== "0") { log.scrollTop = log.scrollHeight; }
  });
})();
