// Live updates: the Runs page's rows and a Run page's progress follow /api/stream (server-sent
// events; see fixloop/ui/live.py). Store data is untrusted: it reaches the page only through
// textContent and attribute setters, never as markup. The page works without this script;
// it then shows the store as it was when loaded.
(function () {
  "use strict";

  var SIMULATED_NOTE = "simulated — not a real model's performance";
  var table = document.getElementById("runs-table");
  var progress = document.getElementById("run-progress");
  var status = document.getElementById("live-status");
  if ((!table && !progress) || typeof EventSource === "undefined") {
    return;
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function percent(value) {
    return value === null ? "\u2013" : Math.round(100 * value) + "%";
  }

  function share(run) {
    return run.planned ? run.finished / run.planned : 0;
  }

  function badge() {
    var node = element("span", "badge badge-simulated", "simulated");
    node.title = SIMULATED_NOTE;
    return node;
  }

  function progressCell(run) {
    var cell = element("td", "c-progress");
    cell.setAttribute("data-value", String(share(run)));
    var bar = element("span", "progress");
    var fill = element("span");
    fill.style.width = Math.round(100 * share(run)) + "%";
    bar.appendChild(fill);
    cell.appendChild(bar);
    cell.appendChild(document.createTextNode(" "));
    cell.appendChild(element("span", "progress-text", run.finished + "/" + run.planned));
    if (run.infra_errors) {
      cell.appendChild(element("span", "muted small", " (" + run.infra_errors + " infra)"));
    }
    return cell;
  }

  function fillRow(row, run) {
    row.textContent = "";
    var name = element("td", "c-name");
    var link = element("a");
    link.href = "/runs/" + encodeURIComponent(run.name);
    link.appendChild(element("span", "run-name", run.name));
    name.appendChild(link);
    if (run.simulated) {
      name.appendChild(document.createTextNode(" "));
      name.appendChild(badge());
    }
    row.appendChild(name);
    var agent = element("td", "c-agent");
    agent.appendChild(element("code", "", run.agent));
    row.appendChild(agent);
    var model = element("td", "c-model");
    model.appendChild(element("code", "", run.model));
    row.appendChild(model);
    row.appendChild(progressCell(run));
    var rate = element("td", "c-rate num", percent(run.resolve_rate));
    rate.setAttribute("data-value", String(run.resolve_rate === null ? -1 : run.resolve_rate));
    row.appendChild(rate);
    var cost = element("td", "c-cost num", "$" + run.cost.toFixed(4));
    cost.setAttribute("data-value", String(run.cost));
    row.appendChild(cost);
    row.appendChild(element("td", "c-status", run.status));
  }

  function findRow(name) {
    var rows = table.tBodies[0].rows;
    for (var i = 0; i < rows.length; i++) {
      if (rows[i].getAttribute("data-run") === name) {
        return rows[i];
      }
    }
    return null;
  }

  function showSimulated(run) {
    var banner = document.getElementById("simulated-banner");
    var names = document.getElementById("simulated-names");
    if (!banner || !names || !run.simulated) {
      return;
    }
    var known = Array.prototype.map.call(names.querySelectorAll("code"), function (code) {
      return code.textContent;
    });
    if (known.indexOf(run.name) < 0) {
      if (known.length) {
        names.appendChild(document.createTextNode(", "));
      }
      names.appendChild(element("code", "", run.name));
    }
    banner.hidden = false;
  }

  function updateTable(runs) {
    runs.forEach(function (run) {
      var row = findRow(run.name);
      var changed = !row || row.querySelector(".progress-text").textContent !== run.finished + "/" + run.planned ||
        row.querySelector(".c-status").textContent !== run.status;
      if (!row) {
        row = element("tr", "run-row");
        row.setAttribute("data-run", run.name);
        table.tBodies[0].insertBefore(row, table.tBodies[0].firstChild);
      }
      fillRow(row, run);
      if (changed) {
        row.classList.remove("updated");
        void row.offsetWidth; // restart the highlight
        row.classList.add("updated");
      }
      showSimulated(run);
    });
    var empty = document.getElementById("no-runs");
    if (empty) {
      empty.hidden = table.tBodies[0].rows.length > 0;
    }
  }

  function updateProgress(runs) {
    var name = progress.getAttribute("data-run");
    runs.forEach(function (run) {
      if (run.name !== name) {
        return;
      }
      progress.querySelector(".progress-text").textContent = run.finished + "/" + run.planned;
      progress.querySelector(".run-status").textContent = run.status;
      var shown = parseInt(progress.getAttribute("data-finished"), 10);
      var notice = document.getElementById("new-episodes");
      if (notice && run.finished > shown) {
        var more = run.finished - shown;
        notice.querySelector(".new-episodes-text").textContent =
          more + " new episode" + (more === 1 ? "" : "s") + " since this page was loaded.";
        notice.hidden = false;
      }
    });
  }

  function setState(state) {
    if (status) {
      status.setAttribute("data-state", state);
      status.textContent = state === "open" ? "live" : state === "error" ? "reconnecting" : "connecting";
    }
  }

  var stream = new EventSource("/api/stream");
  stream.onopen = function () {
    setState("open");
  };
  stream.onerror = function () {
    setState("error");
  };
  stream.addEventListener("problem", function () {
    setState("error");
  });
  stream.addEventListener("runs", function (event) {
    var runs = JSON.parse(event.data);
    if (table) {
      updateTable(runs);
    }
    if (progress) {
      updateProgress(runs);
    }
  });
  window.addEventListener("pagehide", function () {
    stream.close();
  });
})();
