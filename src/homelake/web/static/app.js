// homelake dashboard: fetch each chart's JSON and draw it with the locally served Plotly; auto-refresh.
"use strict";

const REFRESH_KEY = "homelake.autoRefresh";
const REFRESH_S = 60;

function showMessage(box, text, cls) {
  box.replaceChildren();
  const p = document.createElement("p");
  p.className = cls;
  p.textContent = text;
  box.appendChild(p);
}

async function drawChart(box) {
  try {
    const response = await fetch(box.dataset.src, { credentials: "same-origin" });
    const figure = await response.json();
    if (!response.ok) {
      showMessage(box, figure.error || "could not load the chart", "empty");
      return;
    }
    if (figure.empty) {
      showMessage(box, figure.message, "empty");
      box.dataset.state = figure.none ? "none" : "empty";
      return;
    }
    box.replaceChildren();
    const layout = Object.assign({ autosize: true, height: 300, font: { size: 12 } }, figure.layout);
    // on a narrow screen a long legend wraps onto several lines above the plot: grow rather than squash it
    const named = figure.data.filter((t) => t.name).length;
    if (box.clientWidth < 560 && named > 3 && !figure.layout.height) {
      layout.height = 300 + 20 * Math.ceil(named / 2);
    }
    const config = {
      responsive: true,
      displaylogo: false,
      displayModeBar: "hover",
      modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d"],
    };
    await Plotly.newPlot(box, figure.data, layout, config);
    box.dataset.state = "drawn";
    box.dataset.rows = String(figure.rows);
  } catch (error) {
    showMessage(box, "could not load the chart: " + error, "empty");
    box.dataset.state = "error";
  }
}

// Off by default; ?refresh=N (seconds) turns it on for that page, the checkbox remembers it per browser.
function setUpAutoRefresh() {
  const toggle = document.getElementById("auto-refresh");
  if (!toggle) return;
  const param = new URLSearchParams(location.search).get("refresh");
  const fromParam = param !== null && Number(param) > 0;
  let stored = null;
  try { stored = localStorage.getItem(REFRESH_KEY); } catch (e) { /* storage may be blocked */ }
  toggle.checked = fromParam || stored === "on";
  const seconds = fromParam ? Number(param) : REFRESH_S;
  let timer = null;
  const arm = () => {
    clearTimeout(timer);
    timer = toggle.checked ? setTimeout(() => location.reload(), seconds * 1000) : null;
    document.documentElement.dataset.autoRefresh = toggle.checked ? "on" : "off";
  };
  toggle.addEventListener("change", () => {
    try { localStorage.setItem(REFRESH_KEY, toggle.checked ? "on" : "off"); } catch (e) { /* ignore */ }
    arm();
  });
  arm();
}

document.addEventListener("DOMContentLoaded", () => {
  setUpAutoRefresh();
  document.querySelectorAll(".chart[data-src]").forEach((box) => drawChart(box));
});
