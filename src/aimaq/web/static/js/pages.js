/* Dashboard and territory pages: sortable tables and the ECharts figures (data embedded by the server). */
(function () {
  "use strict";
  var lang = document.documentElement.lang || "ru";
  var LOCALE = {ru: "ru-RU", kk: "ru-RU", en: "en-US"}[lang] || "ru-RU";  // kk as ru: «56,9», «19 766 807» (Chromium's own kk-KZ data gives «56.9»)
  function fmt(x, digits) {
    if (x === null || x === undefined || isNaN(x)) return "—";
    return Number(x).toLocaleString(LOCALE, {minimumFractionDigits: digits || 0, maximumFractionDigits: digits || 0});
  }
  window.aimaqCharts = {};

  // --- sortable tables: click a header; numbers sort as numbers (data-sort holds the raw value) ---
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, col) {
      th.tabIndex = 0;
      th.setAttribute("aria-sort", "none");
      function sort() {
        var asc = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(heads, function (h) { h.setAttribute("aria-sort", "none"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[col].getAttribute("data-sort"), y = b.cells[col].getAttribute("data-sort");
          var nx = parseFloat(x), ny = parseFloat(y);
          var c = (!isNaN(nx) && !isNaN(ny) && String(nx) === x.trim() && String(ny) === y.trim()) ? nx - ny
            : x.localeCompare(y, LOCALE);
          return asc ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); } });
    });
  });

  var dataNode = document.getElementById("page-data");
  if (!dataNode || !window.echarts) return;
  var page = JSON.parse(dataNode.textContent);
  var charts = page.charts || {}, labels = page.labels || {};
  var axisNumber = {axisLabel: {formatter: function (v) { return fmt(v, 0); }}};

  function make(id, option) {
    var node = document.getElementById(id);
    if (!node) return null;
    var chart = echarts.init(node, null, {renderer: "svg"});
    chart.setOption(option);
    window.aimaqCharts[id] = chart;
    window.addEventListener("resize", function () { chart.resize(); });
    return chart;
  }
  function colorOf(value) {
    var bins = page.bins || [];
    if (value === null || value === undefined) return bins.length ? bins[bins.length - 1].color : "#bdbdbd";
    for (var i = 0; i < bins.length; i++) if (bins[i].min !== null && value >= bins[i].min) return bins[i].color;
    return "#bdbdbd";
  }

  if (charts.coverage) {
    var rows = charts.coverage.filter(function (r) { return r.value !== null; }).reverse();
    make("chart-coverage-bar", {
      grid: {left: 8, right: 40, top: 8, bottom: 8, containLabel: true},
      tooltip: {trigger: "item", formatter: function (p) { return p.name + ": " + fmt(p.value, 1) + " %"; }},
      xAxis: {type: "value", max: 100, axisLabel: {formatter: function (v) { return fmt(v, 0); }}},
      yAxis: {type: "category", data: rows.map(function (r) { return r.name; }), axisLabel: {fontSize: 11}},
      series: [{type: "bar", data: rows.map(function (r) { return {value: r.value, itemStyle: {color: colorOf(r.value)}}; }),
                label: {show: true, position: "right", fontSize: 10, formatter: function (p) { return fmt(p.value, 1); }}}]
    });
    fetch("/api/pages/regions.geojson").then(function (r) { return r.json(); }).then(function (geo) {
      var byKato = {};
      charts.coverage.forEach(function (r) { byKato[r.kato] = r; });
      geo.features.forEach(function (f) { f.properties.name = f.properties.kato; });
      echarts.registerMap("kz-regions", geo);
      make("chart-coverage-map", {
        tooltip: {trigger: "item", formatter: function (p) {
          var r = byKato[p.name];
          return r ? r.name + ": " + (r.value === null ? labels.no_data : fmt(r.value, 1) + " %") : p.name;
        }},
        series: [{type: "map", map: "kz-regions", roam: false, aspectScale: 0.65, selectedMode: false,
                  label: {show: false}, emphasis: {label: {show: false}, itemStyle: {areaColor: "#4a6a8a"}},
                  itemStyle: {borderColor: "#fff", borderWidth: 0.8},
                  data: geo.features.map(function (f) {
                    var r = byKato[f.properties.kato] || {value: null};
                    return {name: f.properties.kato, value: r.value, itemStyle: {areaColor: colorOf(r.value)}};
                  })}]
      });
      var chart = window.aimaqCharts["chart-coverage-map"];
      if (chart) chart.on("click", function (p) { window.location.href = "/region/" + p.name; });
      document.body.setAttribute("data-map-ready", "1");
    });
  }

  if (charts.forecast) {
    var f = charts.forecast;
    make("chart-forecast", {
      grid: {left: 8, right: 16, top: 28, bottom: 8, containLabel: true},
      legend: {data: [labels.population, labels.band], top: 0},
      tooltip: {trigger: "axis", formatter: function (ps) {
        var i = ps[0].dataIndex;
        return f.years[i] + "<br>" + labels.population + ": " + fmt(f.population[i]) + "<br>" + labels.band + ": " +
          fmt(f.lower[i]) + " – " + fmt(f.upper[i]);
      }},
      xAxis: {type: "category", data: f.years, boundaryGap: false},
      yAxis: Object.assign({type: "value", scale: true}, axisNumber),
      series: [
        {name: "lower", type: "line", data: f.lower, stack: "band", symbol: "none", lineStyle: {opacity: 0}},
        {name: labels.band, type: "line", data: f.upper.map(function (u, i) { return u - f.lower[i]; }), stack: "band",
         symbol: "none", lineStyle: {opacity: 0}, areaStyle: {color: "rgba(31,78,121,.2)"}, color: "rgba(31,78,121,.35)"},
        {name: labels.population, type: "line", data: f.population, symbol: "none", color: "#1f4e79", lineStyle: {width: 2}}
      ]
    });
  }

  if (charts.population) {
    make("chart-population", {
      grid: {left: 8, right: 16, top: 12, bottom: 8, containLabel: true},
      tooltip: {trigger: "axis", valueFormatter: function (v) { return fmt(v); }},
      xAxis: {type: "category", data: charts.population.years},
      yAxis: Object.assign({type: "value", scale: true}, axisNumber),
      series: [{type: "line", data: charts.population.values, color: "#1f4e79", symbolSize: 4}]
    });
  }

  if (charts.directions) {
    var d = charts.directions.slice().reverse();
    make("chart-directions", {
      grid: {left: 8, right: 40, top: 8, bottom: 8, containLabel: true},
      tooltip: {trigger: "item", formatter: function (p) { return p.name + ": " + fmt(p.value, 1) + " %"; }},
      xAxis: {type: "value", max: 100},
      yAxis: {type: "category", data: d.map(function (r) { return r.name; }), axisLabel: {fontSize: 11}},
      series: [{type: "bar", data: d.map(function (r) { return {value: r.value, itemStyle: {color: colorOf(r.value)}}; }),
                label: {show: true, position: "right", fontSize: 10, formatter: function (p) { return fmt(p.value, 1); }}}]
    });
  }
  document.body.setAttribute("data-charts-ready", "1");
})();
