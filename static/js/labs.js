// Panel entry form: remove a result row in place. Without JavaScript the same button
// submits the form and the server re-renders it without the row.
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
    row.remove();
  });
})();
