// Atrium console, usage page: stacked bar charts of credits per day, from the figures in the page.
// The same figures are in the tables below the charts; without JavaScript the page still works.
(function () {
  "use strict";
  var holder = document.getElementById("usage-charts");
  if (!holder || typeof echarts === "undefined") return;
  var data = JSON.parse(holder.getAttribute("data-usage"));
  // Okabe-Ito: distinguishable with the common colour-vision deficiencies.
  var palette = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000", "#999999"];
  var charts = [];
  function draw(id, groups) {
    var el = document.getElementById(id);
    if (!el) return;
    var names = Object.keys(groups);
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption({
      animation: !window.matchMedia("(prefers-reduced-motion: reduce)").matches,
      color: palette,
      // Drawn in the canvas: the content security policy forbids the inline styles of HTML tooltips.
      tooltip: { trigger: "axis", renderMode: "richText", axisPointer: { type: "shadow" } },
      legend: { type: "scroll", top: 0 },
      grid: { left: 48, right: 16, top: 40, bottom: 32, containLabel: true },
      xAxis: { type: "category", data: data.days },
      yAxis: { type: "value", name: "credits" },
      series: names.map(function (name) {
        return { name: name, type: "bar", stack: "total", emphasis: { focus: "series" },
                 data: groups[name].map(function (v) { return parseFloat(v); }) };
      })
    });
    // Tells tests (and screenshots) when every chart has finished drawing, animations included.
    chart.on("finished", function () {
      el.setAttribute("data-drawn", "true");
      if (charts.every(function (c) { return c.getDom().getAttribute("data-drawn") === "true"; })) {
        holder.setAttribute("data-drawn", "true");
      }
    });
    charts.push(chart);
  }
  draw("chart-category", data.category);
  draw("chart-model", data.model);
  draw("chart-workspace", data.workspace);
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
