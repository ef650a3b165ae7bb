// Sign-up: pre-select the country/region and time zone the browser reports (the person can
// change both). Only fills a select that is still empty; a static file, so the CSP holds.
(function () {
  "use strict";

  function regionOf(tag) {
    try {
      return new Intl.Locale(tag).maximize().region || "";
    } catch (error) {
      return "";
    }
  }

  function choose(select, value) {
    if (!select || !value || select.value) {
      return;
    }
    if (Array.prototype.some.call(select.options, function (o) { return o.value === value; })) {
      select.value = value;
    }
  }

  function detect() {
    const languages = navigator.languages && navigator.languages.length
      ? navigator.languages : [navigator.language];
    const region = languages.map(regionOf).find(Boolean);
    choose(document.querySelector("[data-detect=country]"), region);
    choose(document.querySelector("[data-detect=time-zone]"),
      Intl.DateTimeFormat().resolvedOptions().timeZone);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", detect);
  } else {
    detect();
  }
})();
