// homelake dashboard: fetch each chart's JSON and draw it with the locally served Plotly.
"use strict";

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
      box.dataset.state = "empty";
      return;
    }
    box.replaceChildren();
    const layout = Object.assign({ autosize: true, height: 300, font: { size: 12 } }, figure.layout);
    await Plotly.newPlot(box, figure.data, layout, { responsive: true, displaylogo: false });
    box.dataset.state = "drawn";
    box.dataset.rows = String(figure.rows);
  } catch (error) {
    showMessage(box, "could not load the chart: " + error, "empty");
    box.dataset.state = "error";
  }
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll(".chart[data-src]").forEach((box) => drawChart(box));
});
