// Dashboard charts: each <canvas class="js-chart"> names the JSON data (json_script) it draws.
// Drawn on load and again after htmx swaps in fresh figures.
function drawCharts(root) {
  if (typeof Chart === "undefined") return;
  root.querySelectorAll("canvas.js-chart").forEach((canvas) => {
    if (canvas.dataset.drawn) return;
    const source = document.getElementById(canvas.dataset.chart);
    if (!source) return;
    const data = JSON.parse(source.textContent);
    const stacked = canvas.dataset.stacked === "1";
    new Chart(canvas, {
      type: canvas.dataset.type,
      data: data,
      options: {
        animation: false,
        responsive: true,
        scales: { x: { stacked: stacked }, y: { stacked: stacked, beginAtZero: true, ticks: { precision: 0 } } },
      },
    });
    canvas.dataset.drawn = "1";
  });
}
document.addEventListener("DOMContentLoaded", () => drawCharts(document));
document.addEventListener("htmx:afterSwap", () => drawCharts(document));
