// Panel entry form: remove a result row in place, and after "+ Add a result" move the
// keyboard focus to the new row's first field. Without JavaScript the same buttons submit
// the form and the server re-renders it (with the new row focused by autofocus).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    const button = event.target.closest(".js-remove-row");
    if (!button) {
      return;
    }
    const row = button.closest(".result-row");
    if (!row) {
      return;
    }
    event.preventDefault();
    const add = document.querySelector("[data-testid=add-row]");
    row.remove();
    if (add) {
      add.focus(); // the removed row's button is gone: keep focus in the form
    }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    const trigger = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (!trigger || !trigger.matches("[data-testid=add-row]")) {
      return;
    }
    const rows = document.querySelectorAll("#result-rows .result-row");
    const last = rows[rows.length - 1];
    const field = last && last.querySelector("select, input:not([type=hidden])");
    if (field) {
      field.focus();
    }
  });
})();
