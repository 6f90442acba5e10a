(function () {
  "use strict";
  // The report's only script (allowed by its hash in the CSP). It filters and sorts tables in place;
  // it fetches nothing and works from file://. Without JS the controls stay hidden, every row shows
  // in document order, and the print stylesheet ignores whatever was filtered on screen.
  if (!document.querySelectorAll || !document.documentElement.classList) { return; }
  var lang = document.documentElement.lang || "zh-Hant-TW";

  function text(el) { return (el.textContent || "").replace(/\s+/g, " ").trim(); }

  // -- filters: <form class="filters" data-filter-for="K"> drives every [data-filter-group="K"] table.
  // A checkbox name=X value=V keeps rows whose data-X is a checked value; a select name=X keeps rows
  // whose data-X equals its value ("" = all); the search box matches the row's text (and its caption).
  function setUpFilter(form) {
    var key = form.getAttribute("data-filter-for");
    var groups = document.querySelectorAll('[data-filter-group="' + key + '"]');
    var boxes = form.querySelectorAll("input[type=checkbox]");
    var selects = form.querySelectorAll("select");
    var search = form.querySelector("input[type=search]");
    var out = form.querySelector("output");
    var timer = null;

    function apply() {
      var on = {}, i, j, k;
      for (i = 0; i < boxes.length; i++) {
        var name = boxes[i].name;
        on[name] = on[name] || {};
        on[name][boxes[i].value] = boxes[i].checked;
      }
      var q = search ? search.value.trim().toLowerCase() : "";
      var shown = 0;
      for (i = 0; i < groups.length; i++) {
        var g = groups[i];
        var caption = g.querySelector("caption");
        var head = q && caption ? text(caption).toLowerCase() : "";
        var rows = g.querySelectorAll("tbody tr");
        var any = false;
        for (j = 0; j < rows.length; j++) {
          var r = rows[j];
          var keep = true;
          for (var name2 in on) {
            if (Object.prototype.hasOwnProperty.call(on, name2) && on[name2][r.getAttribute("data-" + name2)] === false) {
              keep = false;
            }
          }
          for (k = 0; keep && k < selects.length; k++) {
            var want = selects[k].value;
            if (want && r.getAttribute("data-" + selects[k].name) !== want) { keep = false; }
          }
          if (keep && q && head.indexOf(q) === -1 && text(r).toLowerCase().indexOf(q) === -1) { keep = false; }
          r.classList.toggle("filtered-out", !keep);
          if (keep) { any = true; shown++; }
        }
        if (g.hasAttribute("data-filter-hide-empty")) { g.classList.toggle("filtered-out", !any); }
      }
      if (out) { out.textContent = out.getAttribute("data-template").replace("{n}", String(shown)); }
    }

    // Enter in the search box must not submit (and CSP form-action 'none' would block it anyway)
    form.addEventListener("submit", function (e) { e.preventDefault(); });
    for (var b = 0; b < boxes.length; b++) { boxes[b].addEventListener("change", apply); }
    for (var s = 0; s < selects.length; s++) { selects[s].addEventListener("change", apply); }
    if (search) {
      search.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(apply, 150);
      });
    }
    form.hidden = false;
    apply();
  }

  // -- sorting: every <table class="sortable">; each column heading becomes a button (keyboard and
  // screen readers: the heading carries aria-sort). Cells sort by data-sort when given, else their text;
  // columns marked class="num" sort as numbers. Ties keep document order.
  function key(cell, numeric) {
    var raw = cell ? (cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : text(cell)) : "";
    if (!numeric) { return raw.toLowerCase(); }
    var n = parseFloat(raw.replace(/[,%+\s]/g, "").replace("\u2212", "-"));
    return isNaN(n) ? null : n;
  }

  function setUpSort(table) {
    var heads = table.querySelectorAll("thead th");
    var body = table.tBodies[0];
    if (!body) { return; }
    var rows = Array.prototype.slice.call(body.rows);
    for (var i = 0; i < rows.length; i++) { rows[i].setAttribute("data-order", String(i)); }

    function sortBy(th, index) {
      var ascending = th.getAttribute("aria-sort") !== "ascending";
      var numeric = th.classList.contains("num");
      for (var h = 0; h < heads.length; h++) {
        if (heads[h] !== th) { heads[h].removeAttribute("aria-sort"); }
      }
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      var list = Array.prototype.slice.call(body.rows);
      var keyed = list.map(function (r) {
        return { row: r, key: key(r.cells[index], numeric), order: +r.getAttribute("data-order") };
      });
      keyed.sort(function (a, b) {
        var c;
        if (a.key === null || b.key === null) {
          c = (a.key === null) - (b.key === null);  // missing values last, both ways
          return c || a.order - b.order;
        }
        if (numeric) { c = a.key - b.key; } else { c = a.key.localeCompare(b.key, lang, { numeric: true }); }
        if (!ascending) { c = -c; }
        return c || a.order - b.order;
      });
      for (var k = 0; k < keyed.length; k++) { body.appendChild(keyed[k].row); }
    }

    Array.prototype.forEach.call(heads, function (th, index) {
      if (th.hasAttribute("data-nosort")) { return; }
      var button = document.createElement("button");
      var copy = document.createElement("span");
      button.type = "button";
      button.className = "sort";
      // Chromium paints no form control in a table heading it repeats on a new printed page: print
      // shows this copy of the label instead of the button (hidden from screen readers: the button names it)
      copy.className = "print-label";
      copy.setAttribute("aria-hidden", "true");
      copy.textContent = text(th);
      while (th.firstChild) { button.appendChild(th.firstChild); }
      th.appendChild(button);
      th.appendChild(copy);
      button.addEventListener("click", function () { sortBy(th, index); });
    });
    table.classList.add("sort-ready");
  }

  // -- narrow screens: each table scrolls inside its own box (focusable, named by its caption) instead
  // of squeezing its columns to a character each.
  // Landmark names must be unique: a repeated caption gets a number.
  var named = {};
  Array.prototype.forEach.call(document.querySelectorAll("[aria-labelledby]"), function (el) {
    var head = document.getElementById(el.getAttribute("aria-labelledby"));
    if (head) { named[text(head)] = true; }
  });
  Array.prototype.forEach.call(document.querySelectorAll("main table"), function (table) {
    var box = document.createElement("div");
    var caption = table.querySelector("caption");
    var label = caption ? text(caption) : (document.title || "table");
    var name = label, n = 1;
    while (named[name]) { n += 1; name = label + " (" + n + ")"; }
    named[name] = true;
    box.className = "table-scroll";
    box.tabIndex = 0;
    box.setAttribute("role", "region");
    box.setAttribute("aria-label", name);
    table.parentNode.insertBefore(box, table);
    box.appendChild(table);
  });

  Array.prototype.forEach.call(document.querySelectorAll("form.filters[data-filter-for]"), setUpFilter);
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), setUpSort);
})();
