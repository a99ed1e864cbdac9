/* Цифровая карта села: region boundaries as the basemap (no tiles), settlements coloured by standards coverage,
   village class or any settlement indicator. The URL keeps region, settlement, layer, year and the view, so a link
   reopens the same map. Texts come from the server's message catalogue (#map-data). */
(function () {
  "use strict";

  var DATA = JSON.parse(document.getElementById("map-data").textContent);
  var M = DATA.messages, LANG = DATA.lang || "ru";
  var LOCALE = {ru: "ru-RU", kk: "ru-RU", en: "en-US"}[LANG] || "ru-RU";  // kk as ru: «56,9», «19 766 807» (Chromium's own kk-KZ data gives «56.9»)
  var BINS = DATA.bins.filter(function (b) { return b.min !== null; });
  var NO_DATA = DATA.bins[DATA.bins.length - 1].color;
  var ROLE_COLORS = {support: "#1f78b4", satellite: "#a6cee3", other: "#b2df8a"};
  var RAMP = ["#f0f9e8", "#bae4bc", "#7bccc4", "#43a2ca", "#0868ac"];
  var KIND = {city_republican: "city of republican significance", city_oblast: "city of regional significance",
              city_district: "city of district significance", rural_district_centre: "rural district centre",
              village: "village", settlement: "settlement"};

  function T(id, params) {
    var text = M[id] || id;
    if (params) Object.keys(params).forEach(function (k) { text = text.split("{" + k + "}").join(params[k]); });
    return text;
  }
  var $ = function (id) { return document.getElementById(id); };
  function fmt(x, digits) {
    if (x === null || x === undefined) return T("no data");
    return Number(x).toLocaleString(LOCALE, {minimumFractionDigits: digits || 0, maximumFractionDigits: digits || 0});
  }
  function esc(s) {
    return String(s === null || s === undefined ? "" : s).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
  }
  function localName(p) {
    if (LANG === "kk" && p.name_kk) return p.name_kk;
    if (LANG === "en" && p.name_en) return p.name_en;
    return p.name_ru;
  }
  function binColor(bins, cov) {
    if (cov === null || cov === undefined) return NO_DATA;
    for (var i = 0; i < bins.length; i++) if (bins[i].min !== null && cov >= bins[i].min) return bins[i].color;
    return NO_DATA;
  }
  function coverageColor(cov) { return binColor(BINS, cov); }
  function regionColor(cov) { return binColor(DATA.region_bins, cov); }
  function getJSON(url) {
    return fetch(url).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) throw new Error(body.detail || ("HTTP " + r.status));
        return body;
      });
    });
  }
  function status(text) { $("status").textContent = text || ""; $("status").title = text || ""; }

  // --- state, kept in the URL -----------------------------------------------------------------------------
  var query = new URLSearchParams(window.location.search);
  var YEARS = DATA.years.map(String), LATEST = YEARS[0];   // years with a coverage run, newest first
  var state = {region: query.get("region") || "", settlement: query.get("settlement") || "",
               layer: query.get("layer") || "coverage", year: query.get("year") || LATEST};
  if (YEARS.indexOf(state.year) < 0) state.year = LATEST;
  var initialView = query.get("zoom") && query.get("lat") && query.get("lon") ?
    {zoom: +query.get("zoom"), lat: +query.get("lat"), lon: +query.get("lon")} : null;
  if ($("layer").querySelector('option[value="' + state.layer + '"]')) $("layer").value = state.layer;
  else state.layer = "coverage";
  $("year").value = state.year;

  function writeURL() {
    var q = new URLSearchParams();
    if (LANG !== "ru") q.set("lang", LANG);
    if (state.region) q.set("region", state.region);
    if (state.settlement) q.set("settlement", state.settlement);
    if (state.layer !== "coverage") q.set("layer", state.layer);
    if (state.year !== LATEST) q.set("year", state.year);
    var c = map.getCenter();
    q.set("zoom", String(Math.round(map.getZoom() * 4) / 4));
    q.set("lat", c.lat.toFixed(4));
    q.set("lon", c.lng.toFixed(4));
    var url = window.location.pathname + "?" + q.toString();
    window.history.replaceState(null, "", url);
    // the language switch keeps the whole view
    Array.prototype.forEach.call(document.querySelectorAll(".langs a"), function (a) {
      var lq = new URLSearchParams(q);
      lq.set("lang", a.getAttribute("data-lang"));
      a.href = window.location.pathname + "?" + lq.toString();
    });
  }

  // --- the map ---------------------------------------------------------------------------------------------
  // one canvas for boundaries and markers: hundreds of markers draw far faster than as SVG, clicks reach the
  // topmost shape (a marker over its region), and no focusable SVG path gets a focus rectangle when clicked
  var map = L.map("map", {zoomControl: true, attributionControl: true, zoomSnap: 0.25, preferCanvas: true,
                          renderer: L.canvas({padding: 0.3, tolerance: 3})});
  map.attributionControl.setPrefix("Leaflet");
  map.attributionControl.addAttribution("geokz (CC BY 4.0)");
  map.setView([48.0, 67.0], 4.5);
  window.aimaqMap = map;  // for the browser tests and the console
  // where a settlement's marker is on the screen (page coordinates), for the browser tests to click it
  window.aimaqMarkerPoint = function (kato) {
    var f = settlementFeatures[kato];
    if (!f) return null;
    var pt = map.latLngToContainerPoint([f.geometry.coordinates[1], f.geometry.coordinates[0]]);
    var box = map.getContainer().getBoundingClientRect();
    return {x: box.left + pt.x, y: box.top + pt.y};
  };

  var regionsLayer = null, settlementsLayer = null, regionFeatures = {}, regionLayers = {};
  var settlementFeatures = {}, indicatorValues = null, indicatorBins = null, ready = false;
  var synthetic = {settlements: false, values: false};

  function setSynthetic(part, flag) {
    synthetic[part] = !!flag;
    $("synthetic-banner").hidden = !(synthetic.settlements || synthetic.values);
  }

  // --- legend ----------------------------------------------------------------------------------------------
  var legend = L.control({position: "bottomleft"});
  legend.onAdd = function () { this._div = L.DomUtil.create("div", "legend"); return this._div; };
  legend.addTo(map);
  function legendItem(color, label) { return '<span><i style="background:' + color + '"></i>' + esc(label) + "</span>"; }
  function drawLegend() {
    var html;
    if (state.layer === "role") {
      html = "<b>" + esc(T("Village class")) + "</b>" + legendItem(ROLE_COLORS.support, T("support village")) +
        legendItem(ROLE_COLORS.satellite, T("satellite village")) + legendItem(ROLE_COLORS.other, T("other village")) +
        legendItem(NO_DATA, T("not classified"));
    } else if (state.layer.indexOf("indicator:") === 0) {
      var opt = $("layer").options[$("layer").selectedIndex];
      html = "<b>" + esc(opt ? opt.textContent : T("Settlement indicator")) + "</b>";
      (indicatorBins || []).forEach(function (b) {
        html += legendItem(b.color, fmt(b.from, b.digits) + " – " + fmt(b.to, b.digits));
      });
      html += legendItem(NO_DATA, T("no data"));
    } else if (!state.region) {   // the country view: the regions' published coverage
      html = "<b>" + esc(T("Published coverage of the regions")) + "</b>";
      DATA.region_bins.forEach(function (b) { html += legendItem(b.color, b.label); });
    } else {
      html = "<b>" + esc(T("Coverage by the regional standards")) + "</b>";
      DATA.bins.forEach(function (b) { html += legendItem(b.color, b.label); });
    }
    legend._div.innerHTML = html;
  }

  // --- colours of settlements by the chosen layer ------------------------------------------------------------
  function settlementColor(p) {
    if (state.layer === "role") return p.role ? ROLE_COLORS[p.role] || NO_DATA : NO_DATA;
    if (state.layer.indexOf("indicator:") === 0) {
      var v = indicatorValues ? indicatorValues[p.kato] : null;
      if (v === null || v === undefined || !indicatorBins) return NO_DATA;
      for (var i = indicatorBins.length - 1; i >= 0; i--) if (v >= indicatorBins[i].from) return indicatorBins[i].color;
      return indicatorBins[0].color;
    }
    return coverageColor(p.coverage_pct);
  }
  function quantileBins(values) {
    var xs = values.filter(function (v) { return v !== null && v !== undefined; }).sort(function (a, b) { return a - b; });
    if (!xs.length) return [];
    var span = xs[xs.length - 1] - xs[0];
    var digits = span >= 50 ? 0 : span >= 5 ? 1 : 2;
    var cuts = [];
    for (var k = 0; k < RAMP.length; k++) cuts.push(xs[Math.floor(k * (xs.length - 1) / RAMP.length)]);
    cuts = cuts.filter(function (c, i) { return i === 0 || c > cuts[i - 1]; });
    return cuts.map(function (from, i) {
      return {from: from, to: i + 1 < cuts.length ? cuts[i + 1] : xs[xs.length - 1], digits: digits,
              color: RAMP[Math.round(i * (RAMP.length - 1) / Math.max(1, cuts.length - 1))]};
    });
  }
  function recolour() {
    if (settlementsLayer) settlementsLayer.eachLayer(function (layer) {
      layer.setStyle({fillColor: settlementColor(layer.feature.properties)});
    });
    drawLegend();
  }
  function loadLayerValues() {
    indicatorValues = null; indicatorBins = null; setSynthetic("values", false);
    drawLegend();   // never the previous region's classes while this one's values load
    if (state.layer.indexOf("indicator:") !== 0 || !state.region) { recolour(); return Promise.resolve(); }
    var code = state.layer.slice("indicator:".length);
    return getJSON("/api/pages/settlement-values?region=" + state.region + "&indicator=" + encodeURIComponent(code) +
                   "&year=" + state.year).then(function (body) {
      indicatorValues = body.values;
      indicatorBins = quantileBins(Object.keys(body.values).map(function (k) { return body.values[k]; }));
      setSynthetic("values", body.synthetic);
      recolour();
    }).catch(function (e) { status(T("Error: {message}", {message: e.message})); });
  }

  // --- regions ----------------------------------------------------------------------------------------------
  function regionStyle(f) {
    var selected = f.properties.kato === state.region;
    return {color: selected ? "#102a43" : "#4a6a8a", weight: selected ? 3 : 1,
            fillColor: regionColor(f.properties.coverage_pct),
            fillOpacity: state.region ? (selected ? 0.12 : 0.35) : 0.7};
  }
  function loadRegions() {
    status(T("Loading region boundaries…"));
    return getJSON("/api/pages/regions.geojson").then(function (fc) {
      regionsLayer = L.geoJSON(fc, {
        style: regionStyle,
        onEachFeature: function (f, layer) {
          var p = f.properties;
          regionFeatures[p.kato] = f;
          regionLayers[p.kato] = layer;
          layer.bindTooltip(esc(localName(p)) + (p.coverage_pct !== null ? " — " + fmt(p.coverage_pct, 1) + " % (" +
            esc(T("published, {period}", {period: p.coverage_period})) + ")" : ""), {sticky: true});
          layer.on("click", function () { if (p.kato !== state.region) selectRegion(p.kato); });
        }
      }).addTo(map);
      if (!initialView) map.fitBounds(regionsLayer.getBounds(), {animate: false});
      status("");
    });
  }

  function showRegionPanel(kato) {
    var f = regionFeatures[kato];
    if (!f) return;
    var p = f.properties;
    $("panel").innerHTML = '<p class="kind">' + esc(T("Region")) + "</p>" +
      '<h2 id="selection-name">' + esc(localName(p)) + "</h2>" +
      (p.name_kk && p.name_kk !== localName(p) ? '<p class="kk" lang="kk">' + esc(p.name_kk) + "</p>" : "") +
      '<table class="facts"><tr><th>' + esc(T("Coverage by the regional standards")) + "</th><td>" +
      (p.coverage_pct === null ? esc(T("no data")) : fmt(p.coverage_pct, 1) + " % (" +
        esc(T("published, {period}", {period: p.coverage_period})) + ")") + "</td></tr></table>" +
      '<p><a id="region-link" href="/region/' + kato + '">' + esc(T("Open the region page")) + "</a></p>" +
      '<p class="hint">' + esc(T("Click a settlement on the map.")) + "</p>";
    document.body.setAttribute("data-selected", kato);
  }

  function selectRegion(kato, opts) {
    opts = opts || {};
    state.region = kato || "";
    state.settlement = opts.settlement || "";
    $("region").value = state.region;
    if (settlementsLayer) { map.removeLayer(settlementsLayer); settlementsLayer = null; }
    settlementFeatures = {}; selectedMarker = null;
    setSynthetic("settlements", false);
    document.body.removeAttribute("data-settlements");
    if (regionsLayer) regionsLayer.setStyle(regionStyle);
    if (!kato) {
      $("panel").innerHTML = '<p class="hint">' + esc(T("Click a settlement on the map.")) + "</p>";
      document.body.removeAttribute("data-selected");
      if (!opts.keepView && regionsLayer) map.fitBounds(regionsLayer.getBounds(), {animate: false});
      drawLegend(); writeURL();
      return Promise.resolve();
    }
    if (regionLayers[kato]) regionLayers[kato].bringToFront();
    if (!opts.keepView && regionLayers[kato]) map.fitBounds(regionLayers[kato].getBounds(), {padding: [20, 20], animate: false});
    showRegionPanel(kato);   // the panel follows the selection at once: never the previous settlement
    writeURL();
    status(T("Loading settlements…"));
    var year = state.year;
    var started = performance.now();
    return getJSON("/api/pages/settlements.geojson?region=" + encodeURIComponent(kato) + "&year=" + year).then(function (fc) {
      if (state.region !== kato) return;  // another region was chosen meanwhile
      setSynthetic("settlements", fc.synthetic);
      settlementsLayer = L.geoJSON(fc, {
        pointToLayer: function (feat, latlng) {
          var p = feat.properties;
          var r = p.population ? Math.max(3, Math.min(14, 1.6 * Math.log10(p.population + 1) + 1)) : 3;
          return L.circleMarker(latlng, {radius: r, color: "#333", weight: 0.6, fillColor: settlementColor(p),
                                         fillOpacity: 0.9});
        },
        onEachFeature: function (feat, layer) {
          settlementFeatures[feat.properties.kato] = feat;
          layer.bindTooltip(esc(localName(feat.properties)));
          layer.on("click", function () { selectSettlement(feat.properties.kato); });
        }
      }).addTo(map);
      var n = fc.features.length;
      status(T("{n} settlements", {n: fmt(n)}) + (fc.without_coordinates ?
        " (" + T("{n} without coordinates are not shown", {n: fmt(fc.without_coordinates)}) + ")" : ""));
      return loadLayerValues().then(function () {
        document.body.setAttribute("data-settlements", String(n));
        document.body.setAttribute("data-settlements-ms", String(Math.round(performance.now() - started)));
        if (state.settlement && settlementFeatures[state.settlement]) selectSettlement(state.settlement, true);
      });
    }).catch(function (e) { status(T("Error: {message}", {message: e.message})); });
  }

  var selectedMarker = null;
  function selectSettlement(kato, keepView) {
    var feat = settlementFeatures[kato];
    if (!feat) return;
    state.settlement = kato;
    if (selectedMarker) selectedMarker.setStyle({color: "#333", weight: 0.6});
    selectedMarker = null;
    settlementsLayer.eachLayer(function (layer) { if (layer.feature.properties.kato === kato) selectedMarker = layer; });
    if (selectedMarker) { selectedMarker.setStyle({color: "#000", weight: 3}); selectedMarker.bringToFront(); }
    var p = feat.properties, year = state.year;
    if (!keepView && map.getZoom() < 9) {
      map.setView([feat.geometry.coordinates[1], feat.geometry.coordinates[0]], 9, {animate: false});
    }
    var rows = [
      [T("KATO code"), esc(p.kato)],
      [T("Type"), esc(KIND[p.kind] ? T(KIND[p.kind]) : p.kind)],
      [T("Population"), fmt(p.population)],
      [T("Standard category"), esc(p.category || "—")],
      [T("Coverage ({year})", {year: year}), '<span class="coverage">' +
        (p.coverage_pct === null ? esc(T("no data")) : fmt(p.coverage_pct, 1) + " %") + "</span>" +
        (p.n_applicable ? " (" + esc(T("{met} of {applicable}", {met: p.n_met, applicable: p.n_applicable})) + ")" : "")]
    ];
    if (p.role) rows.push([T("Village role"), esc(T(p.role + " village"))]);
    if (p.potential) rows.push([T("Development potential"), esc(T(p.potential))]);
    if (state.layer.indexOf("indicator:") === 0 && indicatorValues) {
      var opt = $("layer").options[$("layer").selectedIndex];
      rows.push([opt.textContent, fmt(indicatorValues[kato], 1)]);
    }
    var name = localName(p);
    var region = regionFeatures[state.region];
    $("panel").innerHTML = '<p class="kind">' + esc(T("Settlement")) + (region ? " · " + esc(localName(region.properties)) : "") +
      "</p>" + '<h2 id="settlement-name">' + esc(name) + "</h2>" +
      (p.name_kk && p.name_kk !== name && p.name_kk !== p.name_ru ? '<p class="kk" lang="kk">' + esc(p.name_kk) + "</p>" : "") +
      (p.synthetic ? '<p class="synthetic">' + esc(T("Synthetic data")) + "</p>" : "") +
      '<table id="settlement-facts" class="facts">' + rows.map(function (r) {
        return "<tr><th>" + esc(r[0]) + "</th><td>" + r[1] + "</td></tr>";
      }).join("") + "</table>" +
      '<p><a id="settlement-link" href="/settlement/' + p.kato + "?year=" + year + '">' + esc(T("Open the settlement page")) +
      "</a></p>" + "<h3>" + esc(T("What is missing by the standard")) + '</h3><div id="gaps">' + esc(T("Loading…")) + "</div>";
    document.body.setAttribute("data-selected", kato);
    writeURL();
    getJSON("/api/standards/gaps/" + encodeURIComponent(p.kato) + "?year=" + year).then(function (g) {
      if (state.settlement !== kato) return;
      var box = $("gaps");
      if (!g.rows.length) { box.textContent = T("All applicable items are present."); return; }
      box.innerHTML = "<table><tr><th>" + esc(T("Item / service")) + "</th><th>" + esc(T("Nearest place that has it")) +
        "</th><th>" + esc(T("km")) + "</th></tr>" + g.rows.map(function (r) {
          return "<tr><td>" + esc(r.name_ru) + "</td><td>" + esc(r.nearest_name_ru || "—") +
            '</td><td class="num">' + (r.nearest_km === null ? "—" : fmt(r.nearest_km, 1)) + "</td></tr>";
        }).join("") + "</table>";
    }).catch(function (e) { var box = $("gaps"); if (box) box.textContent = T("Error: {message}", {message: e.message}); });
  }

  // --- search: the registry resolves any spelling -------------------------------------------------------------
  function goTo(row) {
    if (row.level === "region") return selectRegion(row.kato);
    if (row.level === "country") return selectRegion("");
    var after = selectRegion(row.region_kato, {settlement: row.level === "settlement" ? row.kato : ""});
    return after.then(function () {
      if (row.level !== "settlement" && row.lat !== null && row.lon !== null) map.setView([row.lat, row.lon], 9, {animate: false});
    });
  }
  $("search-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var q = $("search").value.trim();
    if (!q) return;
    getJSON("/api/pages/search?q=" + encodeURIComponent(q)).then(function (body) {
      if (body.count === 1) { status(""); return goTo(body.rows[0]); }
      if (!body.count) { status(T("Nothing found for «{query}»", {query: q})); return; }
      $("panel").innerHTML = "<p>" + esc(T("Several places match; choose one:")) + '</p><ul id="search-results">' +
        body.rows.map(function (r, i) {
          var reg = regionFeatures[r.region_kato];
          return '<li><a href="#" data-i="' + i + '">' + esc(localName(r)) + "</a> <small>" +
            esc((reg && r.level !== "region" ? localName(reg.properties) + ", " : "") + r.kato) + "</small></li>";
        }).join("") + "</ul>";
      Array.prototype.forEach.call(document.querySelectorAll("#search-results a"), function (a) {
        a.addEventListener("click", function (ev) { ev.preventDefault(); goTo(body.rows[+a.getAttribute("data-i")]); });
      });
    }).catch(function (err) { status(T("Error: {message}", {message: err.message})); });
  });

  $("region").addEventListener("change", function () { selectRegion(this.value); });
  $("year").addEventListener("change", function () {
    state.year = this.value;   // the same view and selection, the chosen year's figures
    selectRegion(state.region, {keepView: true, settlement: state.settlement});
  });
  $("layer").addEventListener("change", function () { state.layer = this.value; writeURL(); loadLayerValues(); });
  map.on("moveend", function () { if (ready) writeURL(); });

  drawLegend();
  loadRegions().then(function () {
    if (initialView) map.setView([initialView.lat, initialView.lon], initialView.zoom, {animate: false});
    ready = true;
    document.body.setAttribute("data-ready", "1");
    document.body.setAttribute("data-ready-ms", String(Math.round(performance.now())));  // since navigation began
    if (state.region) return selectRegion(state.region, {keepView: !!initialView, settlement: state.settlement});
    writeURL();
  }).catch(function (e) { status(T("Error: {message}", {message: e.message})); });
})();
