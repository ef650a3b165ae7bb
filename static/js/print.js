// A "Print" button (data-print) opens the browser's print dialog; a file, not an inline
// handler, because the Content Security Policy allows scripts from our own static/ only.
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});
