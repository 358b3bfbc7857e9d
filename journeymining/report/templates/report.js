// journeymining report: tabs, sortable and searchable tables, process-map sliders.
// Runs offline: no request leaves the page. Without script the page shows every section,
// every embedded row and the default map, so nothing depends on this file.
(function () {
  "use strict";
  var doc = document;
  doc.documentElement.classList.add("js");

  // ------------------------------------------------------------------ tabs per section
  var sections = Array.prototype.slice.call(doc.querySelectorAll("main > section"));
  var tabs = Array.prototype.slice.call(doc.querySelectorAll("nav a[data-tab]"));
  function show(id) {
    var all = id === "all";
    if (!all && !sections.some(function (s) { return s.id === id; })) { id = sections[0] && sections[0].id; }
    sections.forEach(function (s) { s.hidden = !(all || s.id === id); });
    tabs.forEach(function (t) {
      var on = t.getAttribute("data-tab") === (all ? "all" : id);
      t.classList.toggle("active", on);
      t.setAttribute("aria-selected", on ? "true" : "false");
    });
  }
  tabs.forEach(function (t) {
    t.setAttribute("role", "tab");
    t.addEventListener("click", function (e) {
      e.preventDefault();
      var id = t.getAttribute("data-tab");
      show(id);
      if (window.history && history.replaceState) { history.replaceState(null, "", "#" + id); }
    });
  });
  show((location.hash || "").slice(1) || (sections[0] && sections[0].id));

  // ------------------------------------------------------------------ tables
  function cellValue(td) {
    var v = td.getAttribute("data-v");
    if (v !== null && v !== "") { return parseFloat(v); }
    return td.textContent.trim().toLowerCase();
  }
  function compare(a, b) {
    var na = typeof a === "number" && !isNaN(a), nb = typeof b === "number" && !isNaN(b);
    if (na && nb) { return a - b; }
    if (na) { return -1; }
    if (nb) { return 1; }
    if (a === "" && b !== "") { return 1; }
    if (b === "" && a !== "") { return -1; }
    return a < b ? -1 : (a > b ? 1 : 0);
  }
  Array.prototype.slice.call(doc.querySelectorAll(".tbl")).forEach(function (box) {
    var PAGE = parseInt(box.getAttribute("data-page"), 10) || 25;
    var table = box.querySelector("table");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var search = box.querySelector("input.search");
    var info = box.querySelector(".pager .info");
    var prev = box.querySelector(".pager .prev");
    var next = box.querySelector(".pager .next");
    var matching = rows, page = 0;
    function draw() {
      var pages = Math.max(1, Math.ceil(matching.length / PAGE));
      page = Math.min(Math.max(page, 0), pages - 1);
      var from = page * PAGE, to = Math.min(matching.length, from + PAGE);
      rows.forEach(function (r) { r.hidden = true; });
      for (var i = from; i < to; i++) { matching[i].hidden = false; }
      info.textContent = matching.length === 0 ? "no row matches"
        : "rows " + (from + 1).toLocaleString("en") + "\u2013" + to.toLocaleString("en") + " of " +
          matching.length.toLocaleString("en") + (matching.length < rows.length
            ? " matching (" + rows.length.toLocaleString("en") + " in all)" : "");
      prev.disabled = page === 0;
      next.disabled = page >= pages - 1;
    }
    search.addEventListener("input", function () {
      var q = search.value.trim().toLowerCase();
      matching = q === "" ? rows : rows.filter(function (r) {
        return r.textContent.toLowerCase().indexOf(q) >= 0;
      });
      page = 0;
      draw();
    });
    prev.addEventListener("click", function () { page -= 1; draw(); });
    next.addEventListener("click", function () { page += 1; draw(); });
    Array.prototype.slice.call(table.tHead.rows[0].cells).forEach(function (th, col) {
      th.classList.add("sortable");
      th.setAttribute("title", "sort by this column");
      th.addEventListener("click", function () {
        var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
        Array.prototype.slice.call(table.tHead.rows[0].cells).forEach(function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
        var keyed = rows.map(function (r, i) { return [cellValue(r.cells[col]), i, r]; });
        keyed.sort(function (x, y) { return dir * compare(x[0], y[0]) || x[1] - y[1]; });
        rows = keyed.map(function (k) { return k[2]; });
        rows.forEach(function (r) { body.appendChild(r); });
        search.dispatchEvent(new Event("input"));
      });
    });
    box.classList.add("live");
    draw();
  });

  // ------------------------------------------------------------------ process maps
  function gunzip(b64) {
    var bytes = Uint8Array.from(atob(b64), function (c) { return c.charCodeAt(0); });
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).text().then(JSON.parse);
  }
  Array.prototype.slice.call(doc.querySelectorAll(".pmap")).forEach(function (box) {
    var data = JSON.parse(box.querySelector("script.pmap-data").textContent);
    var canvas = box.querySelector(".pmap-canvas");
    var caption = box.querySelector(".pmap-caption");
    var act = box.querySelector("input.activities");
    var path = box.querySelector("input.paths");
    var actOut = box.querySelector("output.activities");
    var pathOut = box.querySelector("output.paths");
    var views = Array.prototype.slice.call(box.querySelectorAll("button.view"));
    var svgs = null, loading = null, measure = data.default[2], shown = null;
    function pct(x) { return Math.round(x * 100) + " %"; }
    function key() {
      return data.activities[+act.value] + "|" + data.paths[+path.value] + "|" + measure;
    }
    function draw() {
      var k = key(), idx = data.index[k];
      actOut.textContent = pct(data.activities[+act.value]);
      pathOut.textContent = pct(data.paths[+path.value]);
      views.forEach(function (b) { b.setAttribute("aria-pressed", b.value === measure ? "true" : "false"); });
      caption.textContent = data.captions[k] + " (" + measure + " view)";
      if (idx === shown) { return Promise.resolve(); }
      if (!svgs) { loading = loading || gunzip(data.svgs).then(function (s) { svgs = s; }); }
      return loading.then(function () {
        if (key() !== k) { return; }         // a later move wins
        canvas.innerHTML = svgs[idx];
        shown = idx;
        box.setAttribute("data-state", k);
      });
    }
    act.addEventListener("input", draw);
    path.addEventListener("input", draw);
    views.forEach(function (b) {
      b.addEventListener("click", function () { measure = b.value; draw(); });
    });
    shown = data.index[key()];
    box.setAttribute("data-state", key());
    box.classList.add("live");
    draw();
  });
})();
