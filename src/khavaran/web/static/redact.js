// Drawing redaction boxes: drag over a page (mouse, pen or finger) and a line
// "pPAGE:LEFT,TOP,WIDTH,HEIGHT" (percent of the page) is added to the boxes
// field, which is what the server reads.  Boxes of this page are drawn from
// that field, so a line typed or deleted by hand shows at once.  Without
// JavaScript the field is typed by hand.
(function () {
  "use strict";
  var LINE = /^p(\d+):([\d.]+),([\d.]+),([\d.]+),([\d.]+)$/;

  // Rounded outwards to 0.01%: the box saved is never smaller than the one drawn.
  function down(v) { return Math.max(0, Math.floor(v * 100) / 100); }
  function up(v) { return Math.min(100, Math.ceil(v * 100) / 100); }

  function setUp(surface) {
    var field = document.getElementById(surface.dataset.boxes);
    var page = surface.dataset.page;
    var start = null;
    var ghost = null;

    function box(l, t, w, h, cls) {
      var el = document.createElement("div");
      el.className = cls;
      el.style.left = l + "%";
      el.style.top = t + "%";
      el.style.width = w + "%";
      el.style.height = h + "%";
      surface.appendChild(el);
      return el;
    }
    function redraw() {
      surface.querySelectorAll(".box").forEach(function (el) { el.remove(); });
      field.value.split("\n").forEach(function (raw) {
        var m = LINE.exec(raw.trim().replace(/\s+/g, ""));
        if (m && m[1] === page) box(+m[2], +m[3], +m[4], +m[5], "box");
      });
    }
    function at(event) {
      var r = surface.getBoundingClientRect();
      return {x: Math.min(Math.max((event.clientX - r.left) / r.width * 100, 0), 100),
              y: Math.min(Math.max((event.clientY - r.top) / r.height * 100, 0), 100)};
    }
    surface.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      surface.setPointerCapture(event.pointerId);
      start = at(event);
      ghost = box(start.x, start.y, 0, 0, "box drawing");
    });
    surface.addEventListener("pointermove", function (event) {
      if (!start) return;
      var p = at(event);
      ghost.style.left = Math.min(p.x, start.x) + "%";
      ghost.style.top = Math.min(p.y, start.y) + "%";
      ghost.style.width = Math.abs(p.x - start.x) + "%";
      ghost.style.height = Math.abs(p.y - start.y) + "%";
    });
    surface.addEventListener("pointerup", function (event) {
      if (!start) return;
      var p = at(event);
      var l = down(Math.min(p.x, start.x)), t = down(Math.min(p.y, start.y));
      var w = up(Math.max(p.x, start.x)) - l, h = up(Math.max(p.y, start.y)) - t;
      start = null;
      ghost.remove();
      if (w < 0.2 || h < 0.2) return;  // a click, not a box
      w = Math.round(w * 100) / 100;
      h = Math.round(h * 100) / 100;
      var text = field.value.replace(/\s+$/, "");
      field.value = (text ? text + "\n" : "") + "p" + page + ":" + l + "," + t + "," + w + "," + h;
      redraw();
    });
    field.addEventListener("input", redraw);
    redraw();
  }

  function addSelection(button) {
    var field = document.getElementById(button.dataset.addSelection);
    button.hidden = false;
    button.addEventListener("click", function () {
      var chosen = String(window.getSelection() || "").trim();
      if (!chosen) return;
      var text = field.value.replace(/\s+$/, "");
      field.value = (text ? text + "\n" : "") + chosen.replace(/\s*\n\s*/g, " ");
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-redact-surface]").forEach(setUp);
    document.querySelectorAll("[data-add-selection]").forEach(addSelection);
  });
})();
