// mergepilot workbench: a little progressive enhancement; every page works without it.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // A running simulation: poll its status, reload when it is done.
  const bar = document.getElementById("progress");
  if (bar) {
    const fill = bar.querySelector(".fill");
    const text = document.getElementById("progress-text");
    const poll = () => fetch(bar.dataset.status, {credentials: "same-origin"})
      .then(r => r.json()).then(s => {
        if (s.total) {
          fill.style.width = (100 * s.done / s.total).toFixed(1) + "%";
          if (text) text.textContent = text.textContent.replace(/^[\d.,]+(\D+)[\d.,]+/,
            (m, mid) => s.done.toLocaleString(document.documentElement.lang) + mid +
                        s.total.toLocaleString(document.documentElement.lang));
        }
        if (s.status === "running") setTimeout(poll, 400); else location.reload();
      }).catch(() => setTimeout(poll, 1500));
    poll();
  }
  // Chart legend: show or hide one scenario's lines in every chart.
  document.querySelectorAll(".series-toggle").forEach(btn => btn.addEventListener("click", () => {
    const on = btn.getAttribute("aria-pressed") !== "true";
    btn.setAttribute("aria-pressed", String(on));
    document.querySelectorAll(`svg.chart:not(.coverage) [data-series="${btn.dataset.series}"]`)
      .forEach(el => el.classList.toggle("off", !on));
  }));
  // "Edit a copy" of the shipped plan picked.
  const edit = document.getElementById("edit-plan");
  if (edit) edit.addEventListener("click", ev => {
    ev.preventDefault();
    location.href = edit.dataset.edit + encodeURIComponent(document.getElementById("plan").value);
  });
});
