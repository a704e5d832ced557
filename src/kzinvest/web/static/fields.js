// kzinvest project page: pointing at a row of the fields table (mouse hover or keyboard
// focus) highlights, in the text of every source article, the characters that support the
// field (<span class="fs" data-field="amount ...">, rendered by the server), opens the first
// article that holds them when none is open and scrolls that article's own box to them
// (the page itself stays put, so the row stays under the pointer). A click, or Enter on a
// focused row, brings the highlighted words into view. The page works without this file;
// it is a separate file because the Content-Security-Policy allows no inline script.
(function () {
  "use strict";
  var table = document.getElementById("fields");
  if (!table) { return; }
  var ON = "fs-on", ROW_ON = "row-on";
  var current = null;

  function spansOf(key) {
    // keys come from the server's own list of field names ([a-z_]+), never from the text
    if (!/^[a-z_]+$/.test(key)) { return []; }
    return Array.prototype.slice.call(
      document.querySelectorAll('.article .fs[data-field~="' + key + '"]'));
  }

  function clear() {
    Array.prototype.forEach.call(document.querySelectorAll("." + ON), function (el) {
      el.classList.remove(ON);
    });
    if (current) { current.classList.remove(ROW_ON); }
    current = null;
  }

  // The span to show: the first one in an article already open, else the first of all
  // (its article is opened).
  function target(spans) {
    for (var i = 0; i < spans.length; i++) {
      var d = spans[i].closest("details");
      if (!d || d.open) { return spans[i]; }
    }
    var first = spans[0], box = first.closest("details");
    if (box) { box.open = true; }
    return first;
  }

  function scrollBox(span) {
    var box = span.closest(".article");
    if (!box) { return; }
    var delta = span.getBoundingClientRect().top - box.getBoundingClientRect().top;
    box.scrollTop += delta - box.clientHeight / 3;
  }

  function show(row) {
    if (row === current) { return null; }
    clear();
    var spans = spansOf(row.getAttribute("data-span") || "");
    if (!spans.length) { return null; }
    current = row;
    row.classList.add(ROW_ON);
    spans.forEach(function (el) { el.classList.add(ON); });
    var t = target(spans);
    scrollBox(t);
    return t;
  }

  function reveal(row) {
    show(row);
    var spans = spansOf(row.getAttribute("data-span") || "");
    if (spans.length) {
      var t = target(spans);
      scrollBox(t);
      t.scrollIntoView({block: "center", behavior: "smooth"});
    }
  }

  Array.prototype.forEach.call(table.querySelectorAll("tr[data-span]"), function (row) {
    row.addEventListener("mouseenter", function () { show(row); });
    row.addEventListener("focus", function () { show(row); });
    row.addEventListener("click", function (e) {
      if (e.target.closest("a")) { return; }     // links in the row keep their meaning
      reveal(row);
    });
    row.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); reveal(row); }
      if (e.key === "Escape") { clear(); }
    });
  });
})();
