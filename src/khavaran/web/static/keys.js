// Keyboard shortcuts for buttons that carry data-key (the review queue: s, d, u).
// A static file, not an inline script: the pages' CSP allows scripts from 'self' only.
// The key is matched by its place on the keyboard (event.code), so that the
// same keys work with a Persian layout (س, ی, ع sit where s, d, u are).
(function () {
  "use strict";
  function typing(el) {
    if (!el) return false;
    var tag = el.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable;
  }
  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.repeat || event.ctrlKey || event.metaKey ||
        event.altKey || typing(event.target)) {
      return;
    }
    var key = "";
    if (/^Key[A-Z]$/.test(event.code || "")) {
      key = event.code.slice(3).toLowerCase();
    } else if (event.key && event.key.length === 1) {
      key = event.key.toLowerCase();
    }
    if (!key) return;
    var button = document.querySelector('button[data-key="' + key + '"]');
    if (button && !button.disabled) {
      event.preventDefault();
      button.click();
    }
  });
})();
