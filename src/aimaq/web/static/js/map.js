/* Цифровая карта села: region boundaries as the basemap (no tiles), settlements coloured by standards coverage. */
(function () {
  "use strict";

  var BINS = [  // coverage of the regional standards, % of applicable items
    {min: 85, color: "#1a9850", label: "85–100 %"},
    {min: 70, color: "#91cf60", label: "70–85 %"},
    {min: 50, color: "#fee08b", label: "50–70 %"},
    {min: 0, color: "#d73027", label: "менее 50 %"}
  ];
  var NO_DATA = "#9e9e9e";
  var ROLE = {support: "опорное село", satellite: "село-спутник", other: "прочее село"};
  var POTENTIAL = {high: "высокий", medium: "средний", low: "низкий"};
  var KIND = {
    city_republican: "город республиканского значения", city_oblast: "город областного значения",
    city_district: "город районного значения", rural_district_centre: "центр сельского округа",
    village: "село", settlement: "посёлок"
  };

  var map = L.map("map", {zoomControl: true, attributionControl: true, zoomSnap: 0.25});
  map.attributionControl.setPrefix("Leaflet");
  map.attributionControl.addAttribution("Границы: Aimaq (упрощённые, не юридические)");
  map.setView([48.0, 67.0], 4.5);
  window.aimaqMap = map;  // for the browser tests and the console

  var regionsLayer = null, selectedOutline = null, settlementsLayer = null;
  var regionFeatures = {};
  var syntheticParts = {regions: false, settlements: false, gaps: false};
  var $ = function (id) { return document.getElementById(id); };

  function color(cov) {
    if (cov === null || cov === undefined) return NO_DATA;
    for (var i = 0; i < BINS.length; i++) if (cov >= BINS[i].min) return BINS[i].color;
    return BINS[BINS.length - 1].color;
  }
  function fmt(x, digits) {
    if (x === null || x === undefined) return "нет данных";
    return Number(x).toLocaleString("ru-RU", {minimumFractionDigits: digits || 0, maximumFractionDigits: digits || 0});
  }
  function esc(s) {
    return String(s === null || s === undefined ? "" : s).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
  }
  function status(text) { $("status").textContent = text; }
  function setSynthetic(part, flag) {
    syntheticParts[part] = !!flag;
    $("synthetic-banner").hidden = !(syntheticParts.regions || syntheticParts.settlements || syntheticParts.gaps);
  }
  function getJSON(url) {
    return fetch(url).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) throw new Error(body.detail || ("HTTP " + r.status));
        return body;
      });
    });
  }

  var legend = L.control({position: "bottomleft"});
  legend.onAdd = function () {
    var div = L.DomUtil.create("div", "legend");
    var html = "<b>Обеспеченность по СРС</b><br>";
    BINS.forEach(function (b) { html += '<i style="background:' + b.color + '"></i>' + b.label + "<br>"; });
    html += '<i style="background:' + NO_DATA + '"></i>нет данных';
    div.innerHTML = html;
    return div;
  };
  legend.addTo(map);

  function loadRegions() {
    status("Загрузка границ регионов…");
    return getJSON("/api/regions.geojson").then(function (fc) {
      setSynthetic("regions", fc.synthetic);
      regionsLayer = L.geoJSON(fc, {
        style: function (f) {
          return {color: "#4a6a8a", weight: 1, fillColor: color(f.properties.coverage_pct), fillOpacity: 0.15};
        },
        onEachFeature: function (f, layer) {
          regionFeatures[f.properties.kato] = f;
          var p = f.properties;
          layer.bindTooltip(esc(p.name_ru) + (p.coverage_pct !== null ? " — " + fmt(p.coverage_pct, 1) +
            " % (опубл., " + esc(p.coverage_period) + ")" : ""), {sticky: true});
          layer.on("click", function () { $("region").value = p.kato; selectRegion(p.kato); });
        }
      }).addTo(map);
      map.fitBounds(regionsLayer.getBounds(), {animate: false});
      var select = $("region");
      fc.features.slice().sort(function (a, b) {
        return a.properties.name_ru.localeCompare(b.properties.name_ru, "ru");
      }).forEach(function (f) {
        var o = document.createElement("option");
        o.value = f.properties.kato;
        o.textContent = f.properties.name_ru + (f.properties.name_kk ? " / " + f.properties.name_kk : "");
        select.appendChild(o);
      });
      status("");
    }).catch(function (e) { status("Ошибка: " + e.message); });
  }

  function selectRegion(kato) {
    if (settlementsLayer) { map.removeLayer(settlementsLayer); settlementsLayer = null; }
    if (selectedOutline) { map.removeLayer(selectedOutline); selectedOutline = null; }
    document.body.removeAttribute("data-settlements");
    if (!kato) return;
    var f = regionFeatures[kato];
    if (f) {
      selectedOutline = L.geoJSON(f, {style: {color: "#1f4e79", weight: 3, fill: false}, interactive: false})
        .addTo(map);
      map.fitBounds(selectedOutline.getBounds(), {padding: [20, 20], animate: false});
    }
    var year = $("year").value;
    status("Загрузка населённых пунктов…");
    getJSON("/api/settlements.geojson?region=" + encodeURIComponent(kato) + "&year=" + year).then(function (fc) {
      setSynthetic("settlements", fc.synthetic);
      settlementsLayer = L.geoJSON(fc, {
        pointToLayer: function (feat, latlng) {
          var p = feat.properties;
          var r = p.population ? Math.max(3, Math.min(14, 1.6 * Math.log10(p.population + 1) + 1)) : 3;
          return L.circleMarker(latlng, {radius: r, color: "#333", weight: 0.6, fillColor: color(p.coverage_pct),
                                         fillOpacity: 0.9, className: "settlement settlement-" + p.kato});
        },
        onEachFeature: function (feat, layer) {
          layer.bindTooltip(esc(feat.properties.name_ru));
          layer.on("click", function () { showSettlement(feat.properties, year); });
        }
      }).addTo(map);
      document.body.setAttribute("data-settlements", String(fc.features.length));
      status(fc.features.length + " населённых пунктов" + (fc.without_coordinates ?
        " (" + fc.without_coordinates + " без координат не показаны)" : ""));
    }).catch(function (e) { status("Ошибка: " + e.message); });
  }

  function showSettlement(p, year) {
    var panel = $("panel");
    var rows = [
      ["Код КАТО", esc(p.kato)],
      ["Тип", esc(KIND[p.kind] || p.kind)],
      ["Население", fmt(p.population)],
      ["Категория стандарта", esc(p.category || "—")],
      ["Обеспеченность (" + esc(year) + ")", '<span class="coverage">' +
        (p.coverage_pct === null ? "нет данных" : fmt(p.coverage_pct, 1) + " %") + "</span>" +
        (p.n_applicable ? " (" + p.n_met + " из " + p.n_applicable + ")" : "")]
    ];
    if (p.role) rows.push(["Роль села", esc(ROLE[p.role] || p.role)]);
    if (p.potential) rows.push(["Потенциал развития", esc(POTENTIAL[p.potential] || p.potential)]);
    var html = '<h2 id="settlement-name">' + esc(p.name_ru) + "</h2>" +
      '<p class="kk" lang="kk">' + esc(p.name_kk && p.name_kk !== p.name_ru ? p.name_kk : (p.name_kk || "")) + "</p>" +
      (p.synthetic ? '<p class="synthetic">Синтетические данные</p>' : "") +
      '<table id="settlement-facts">' + rows.map(function (r) {
        return "<tr><th>" + r[0] + "</th><td>" + r[1] + "</td></tr>";
      }).join("") + "</table>" +
      '<h3>Чего не хватает по стандарту</h3><div id="gaps">Загрузка…</div>';
    panel.innerHTML = html;
    getJSON("/api/standards/gaps/" + encodeURIComponent(p.kato) + "?year=" + year).then(function (g) {
      setSynthetic("gaps", g.synthetic);
      var box = $("gaps");
      if (!g.rows.length) { box.textContent = "Все применимые объекты и услуги есть."; return; }
      box.innerHTML = '<table><tr><th>Объект / услуга</th><th>Ближайшее место, где есть</th><th>км</th></tr>' +
        g.rows.map(function (r) {
          return "<tr><td>" + esc(r.name_ru) + "</td><td>" + esc(r.nearest_name_ru || "—") +
            '</td><td class="num">' + (r.nearest_km === null ? "—" : fmt(r.nearest_km, 1)) + "</td></tr>";
        }).join("") + "</table>";
    }).catch(function (e) { $("gaps").textContent = "Ошибка: " + e.message; });
  }

  $("region").addEventListener("change", function () { selectRegion(this.value); });
  $("year").addEventListener("change", function () { selectRegion($("region").value); });
  loadRegions();
})();
