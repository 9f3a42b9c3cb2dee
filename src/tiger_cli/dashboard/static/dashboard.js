// Tiger dashboard: refreshes the overview's counts and the charts; confirms
// destructive forms. Plain browser JavaScript, no build step, no dependencies.
"use strict";

(function () {
  function refreshCharts() {
    document.querySelectorAll("img[data-chart]").forEach(function (img) {
      var url = new URL(img.src, window.location.href);
      url.searchParams.set("t", Date.now().toString());
      img.src = url.toString();
    });
  }

  function applyOverview(data) {
    var rows = document.querySelectorAll("#queues tbody tr[data-queue]");
    var known = {};
    rows.forEach(function (row) { known[row.dataset.queue] = row; });
    var sameQueues = data.queues.length === rows.length &&
      data.queues.every(function (q) { return known[q.name]; });
    if (!sameQueues) { window.location.reload(); return; }
    data.queues.forEach(function (queue) {
      known[queue.name].querySelectorAll("[data-count]").forEach(function (cell) {
        var value = queue[cell.dataset.count];
        cell.textContent = value;
        cell.classList.toggle("zero", value === 0);
      });
    });
    Object.keys(data.totals).forEach(function (state) {
      var card = document.querySelector('[data-total="' + state + '"]');
      if (card) { card.textContent = data.totals[state]; }
    });
  }

  function startOverviewRefresh(status) {
    var seconds = parseInt(status.dataset.refresh, 10) || 5;
    var ticks = 0;
    window.setInterval(function () {
      fetch(status.dataset.api, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.json();
        })
        .then(function (data) {
          applyOverview(data);
          status.textContent = "Updated " + new Date().toLocaleTimeString();
          status.classList.remove("stale");
        })
        .catch(function (error) {
          status.textContent = "Refresh failed (" + error.message + ")";
          status.classList.add("stale");
        });
      ticks += 1;
      if (ticks % 2 === 0) { refreshCharts(); }
    }, seconds * 1000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
      });
    });
    var status = document.getElementById("refresh-status");
    if (status) { startOverviewRefresh(status); }
  });
})();
