// The report's behaviour: draw the charts, open a trajectory from its task row, sort tables.
// Everything here is optional comfort: without it the trajectories still open as <details>.
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("report-data").textContent);
  var plotConfig = {
    displaylogo: false,
    responsive: true,
    modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d", "toggleSpikelines"],
  };

  function drawCharts() {
    if (typeof Plotly === "undefined") {
      return;
    }
    Object.keys(data.charts).forEach(function (id) {
      var element = document.getElementById(id);
      if (element) {
        var figure = data.charts[id];
        Plotly.newPlot(element, figure.data, figure.layout, plotConfig);
      }
    });
  }

  function openEpisode(id, scroll) {
    var episode = document.getElementById(id);
    if (!episode || episode.tagName !== "DETAILS") {
      return;
    }
    episode.open = true;
    episode.classList.add("flash");
    window.setTimeout(function () {
      episode.classList.remove("flash");
    }, 1600);
    if (scroll) {
      episode.scrollIntoView({ block: "start" });
    }
  }

  function openFromHash() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    if (!id) {
      return;
    }
    // A step anchor (ep-R-E-sN) lives inside its episode: open that first.
    var step = /^(ep-\d+-\d+)-s\d+$/.exec(id);
    openEpisode(step ? step[1] : id, false);
    var target = document.getElementById(id);
    if (target) {
      target.scrollIntoView({ block: "start" });
    }
  }

  function wireTaskRows() {
    document.querySelectorAll("tr[data-episode]").forEach(function (row) {
      var go = function (event) {
        event.preventDefault();
        var id = row.getAttribute("data-episode");
        history.replaceState(null, "", "#" + id);
        openEpisode(id, true);
      };
      row.addEventListener("click", go);
      row.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") {
          go(event);
        }
      });
    });
  }

  function cellValue(row, column, numeric) {
    var cell = row.children[column];
    var text = cell.getAttribute("data-value") || cell.textContent.trim();
    return numeric ? parseFloat(text) || 0 : text.toLowerCase();
  }

  function wireSorting() {
    document.querySelectorAll("table.sortable").forEach(function (table) {
      var headers = table.querySelectorAll("th[data-sort]");
      headers.forEach(function (header) {
        header.addEventListener("click", function () {
          var column = Array.prototype.indexOf.call(header.parentNode.children, header);
          var numeric = header.getAttribute("data-sort") === "number";
          var ascending = !header.classList.contains("sorted-asc");
          headers.forEach(function (h) {
            h.classList.remove("sorted-asc", "sorted-desc");
          });
          header.classList.add(ascending ? "sorted-asc" : "sorted-desc");
          var body = table.tBodies[0];
          var rows = Array.prototype.slice.call(body.rows);
          rows.sort(function (a, b) {
            var x = cellValue(a, column, numeric);
            var y = cellValue(b, column, numeric);
            var order = x < y ? -1 : x > y ? 1 : 0;
            return ascending ? order : -order;
          });
          rows.forEach(function (row) {
            body.appendChild(row);
          });
        });
      });
    });
  }

  drawCharts();
  wireTaskRows();
  wireSorting();
  window.addEventListener("hashchange", openFromHash);
  openFromHash();
})();
