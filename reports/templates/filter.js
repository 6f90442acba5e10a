(function () {
  "use strict";
  // Client-side filter of the problem-link tables. Without JS the controls stay hidden and every row shows.
  var box = document.getElementById("failure-filter");
  if (!box || !document.querySelectorAll) { return; }
  var boxes = box.querySelectorAll("input[type=checkbox]");
  var search = box.querySelector("input[type=search]");
  var out = document.getElementById("failure-filter-count");
  var groups = document.querySelectorAll(".page-group");
  var timer = null;

  function apply() {
    var on = {};
    var i, j;
    for (i = 0; i < boxes.length; i++) { on[boxes[i].value] = boxes[i].checked; }
    var q = search ? search.value.trim().toLowerCase() : "";
    var shown = 0;
    for (i = 0; i < groups.length; i++) {
      var g = groups[i];
      var head = q ? g.querySelector("caption").textContent.toLowerCase() : "";
      var rows = g.querySelectorAll("tbody tr[data-status]");
      var any = false;
      for (j = 0; j < rows.length; j++) {
        var r = rows[j];
        var keep = on[r.getAttribute("data-status")] !== false &&
          (!q || head.indexOf(q) !== -1 || r.textContent.toLowerCase().indexOf(q) !== -1);
        r.classList.toggle("filtered-out", !keep);
        if (keep) { any = true; shown++; }
      }
      g.classList.toggle("filtered-out", !any);
    }
    if (out) { out.textContent = out.getAttribute("data-template").replace("{n}", String(shown)); }
  }

  // Enter in the search box must not submit (and CSP form-action 'none' would block it anyway)
  box.addEventListener("submit", function (e) { e.preventDefault(); });
  for (var k = 0; k < boxes.length; k++) { boxes[k].addEventListener("change", apply); }
  if (search) {
    search.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(apply, 150);
    });
  }
  box.hidden = false;
  apply();
})();
