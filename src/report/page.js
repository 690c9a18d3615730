// The report page's script (also the live page of `piwardrive serve`). It reads the data from
// the JSON elements and builds every element with createElement and textContent: no value read
// from the data is ever parsed as markup. Leaflet (`L`) is inlined before it.
"use strict";
(() => {
  const CLASSES = ["WPA3", "WPA2", "WPA", "WEP", "Open", "Unknown", "Bluetooth"];
  const COLORS = ["#1b7837", "#2c7bb6", "#fdae61", "#d7191c", "#e7298a", "#888888", "#6a3d9a"];
  const CELL_PX = 64;
  const SVG = "http://www.w3.org/2000/svg";
  const byId = (id) => document.getElementById(id);
  const read = (id) => JSON.parse(byId(id).textContent);

  /** An element with attributes and text, never markup. */
  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function svg(tag, attrs, text) {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = String(text);
    return e;
  }
  function entries(list, pairs) {
    list.replaceChildren();
    for (const [label, value] of pairs) {
      const d = el("div");
      d.append(el("dt", {}, label), el("dd", {}, value));
      list.append(d);
    }
  }

  const points = read("pw-points");
  const track = read("pw-track");
  const figures = read("pw-figures");
  const options = read("pw-options");

  function duration(s) {
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    return h > 0 ? `${h} h ${m} min` : m > 0 ? `${m} min ${sec} s` : `${sec} s`;
  }
  function showSummary(s) {
    const share = s.gpsReports > 0 ? `${Math.round((100 * s.gpsFixes) / s.gpsReports)} %` : "—";
    entries(byId("pw-summary-list"), [
      ["From", s.from === null ? "—" : `${s.from.slice(0, 10)} ${s.from.slice(11, 19)}`],
      ["To", s.to === null ? "—" : `${s.to.slice(0, 10)} ${s.to.slice(11, 19)}`],
      ["Duration", duration(s.durationS)],
      ["Distance", `${(s.distanceM / 1000).toFixed(2)} km`],
      ["Networks", s.networks],
      ["New networks", s.networksNew],
      ["Bluetooth devices", s.devices],
      ["GPS fix share", share],
      ["Without position", s.noPosition],
      ["In privacy zones", s.excluded],
    ]);
  }

  // ---- map ----
  const map = L.map("map", { zoomControl: true, maxZoom: 19 });
  L.control.scale().addTo(map);
  const legend = byId("pw-legend");
  CLASSES.forEach((c, i) => {
    const s = el("span", { style: `--c: ${COLORS[i]}` }, c);
    legend.append(s);
  });
  const grid = L.layerGroup().addTo(map);
  const trackLayer = L.layerGroup().addTo(map);
  const markers = L.layerGroup().addTo(map);

  /** A plain coordinate grid, so the map means something without tiles. */
  function drawGrid() {
    grid.clearLayers();
    const b = map.getBounds();
    const span = Math.max(b.getNorth() - b.getSouth(), b.getEast() - b.getWest(), 1e-6);
    let step = Math.pow(10, Math.floor(Math.log10(span / 2)));
    // At most a dozen lines each way, so their labels do not run into each other.
    while (span / step > 12) step *= 2;
    const digits = Math.max(0, -Math.floor(Math.log10(step)) + 1);
    const style = { color: "#b8c4cf", weight: 1, interactive: false };
    for (let lat = Math.ceil(b.getSouth() / step) * step; lat <= b.getNorth(); lat += step) {
      grid.addLayer(L.polyline([[lat, b.getWest()], [lat, b.getEast()]], style));
    }
    for (let lon = Math.ceil(b.getWest() / step) * step; lon <= b.getEast(); lon += step) {
      grid.addLayer(L.polyline([[b.getSouth(), lon], [b.getNorth(), lon]], style));
      const label = el("span", {}, `${lon.toFixed(digits)}°`);
      grid.addLayer(L.marker([b.getSouth(), lon], {
        interactive: false,
        icon: L.divIcon({
          className: "pw-grid-label",
          html: label,
          iconSize: null,
          iconAnchor: [-2, 14],
        }),
      }));
    }
  }

  const segments = [];
  function addTrack(rows) {
    for (const [lat, lon, start] of rows) {
      if (start === 1 || segments.length === 0) segments.push([]);
      segments.at(-1).push([lat, lon]);
    }
    trackLayer.clearLayers();
    trackLayer.addLayer(
      L.polyline(segments, { color: "#444", weight: 2, opacity: 0.7, interactive: false }),
    );
  }

  function popup(i) {
    const p = points[i];
    const box = el("div", { class: "pw-popup" });
    box.append(el("strong", {}, p[3] === null || p[3] === "" ? "(hidden)" : p[3]));
    const dl = el("dl");
    const rows = p[2] === 6
      ? [
        ["Address", p[4]],
        ["Class", p[10]],
        ["Manufacturer", p[5]],
        ["Best signal", p[7] === null ? null : `${p[7]} dBm`],
        ["First seen", p[8]],
        ["Last seen", p[9]],
      ]
      : [
        ["BSSID", p[4]],
        ["Encryption", CLASSES[p[2]]],
        ["Vendor", p[5]],
        ["Channel", p[6]],
        ["Best signal", p[7] === null ? null : `${p[7]} dBm`],
        ["First seen", p[8]],
        ["Last seen", p[9]],
      ];
    entries(dl, rows.map(([k, v]) => [k, v ?? "—"]));
    box.append(dl);
    return box;
  }

  /** Grid clustering: one marker per occupied cell of CELL_PX pixels at the current zoom. */
  function drawMarkers() {
    markers.clearLayers();
    const zoom = map.getZoom();
    const view = map.getBounds().pad(0.1);
    const cells = new Map();
    for (let i = 0; i < points.length; i++) {
      const p = points[i];
      if (!view.contains([p[0], p[1]])) continue;
      const xy = map.project([p[0], p[1]], zoom);
      const key = `${Math.floor(xy.x / CELL_PX)}:${Math.floor(xy.y / CELL_PX)}`;
      const cell = cells.get(key);
      if (cell) cell.push(i);
      else cells.set(key, [i]);
    }
    let single = 0, clusters = 0, clustered = 0;
    const lastZoom = zoom >= map.getMaxZoom();
    const single1 = (i, at) => {
      const p = points[i];
      const m = L.circleMarker(at, {
        radius: 6,
        color: "#fff",
        weight: 1,
        fillColor: COLORS[p[2]],
        fillOpacity: 0.9,
        className: "pw-marker",
      });
      // No auto-pan: a pan redraws the markers, and the one clicked would go with them.
      m.bindPopup(() => popup(i), { autoPan: false });
      markers.addLayer(m);
      single++;
    };
    for (const members of cells.values()) {
      if (members.length === 1) {
        single1(members[0], [points[members[0]][0], points[members[0]][1]]);
        continue;
      }
      if (lastZoom) {
        // No zoom left to part them (networks of one place): spread on a circle around it.
        const centre = map.project([points[members[0]][0], points[members[0]][1]], zoom);
        const r = 10 + 3 * members.length;
        members.forEach((i, k) => {
          const a = (2 * Math.PI * k) / members.length;
          single1(i, map.unproject(centre.add([r * Math.cos(a), r * Math.sin(a)]), zoom));
        });
        continue;
      }
      let lat = 0, lon = 0;
      const bounds = L.latLngBounds([]);
      for (const i of members) {
        lat += points[i][0];
        lon += points[i][1];
        bounds.extend([points[i][0], points[i][1]]);
      }
      const size = members.length < 100 ? 30 : members.length < 10000 ? 38 : 46;
      const label = el("div", { "data-count": members.length }, members.length);
      const c = L.marker([lat / members.length, lon / members.length], {
        icon: L.divIcon({ className: "pw-cluster", html: label, iconSize: [size, size] }),
        title: `${members.length} networks and devices`,
      });
      c.on("click", () => map.fitBounds(bounds.pad(0.1)));
      markers.addLayer(c);
      clusters++;
      clustered += members.length;
    }
    const stats = document.body.dataset;
    stats.markers = String(single);
    stats.clusters = String(clusters);
    stats.clustered = String(clustered);
  }

  function fitAll() {
    const b = L.latLngBounds([]);
    for (const p of points) b.extend([p[0], p[1]]);
    for (const s of segments) for (const q of s) b.extend(q);
    if (b.isValid()) map.fitBounds(b.pad(0.05), { maxZoom: 17 });
    else map.setView([0, 0], 2);
  }

  let pending = false;
  function redraw() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      drawGrid();
      drawMarkers();
    });
  }
  map.on("moveend", redraw);

  byId("pw-tiles").addEventListener("click", () => {
    L.tileLayer(options.tiles, {
      maxZoom: 19,
      attribution: "© OpenStreetMap contributors",
    }).addTo(map);
    byId("pw-tiles").disabled = true;
  });

  // ---- charts ----
  function barChart(id, title, bars, opts = {}) {
    const fig = el("figure", { id: `chart-${id}` });
    fig.append(el("figcaption", {}, title));
    const W = 400, H = 170, left = 34, bottom = opts.rotate ? 70 : 24, top = 8;
    const s = svg("svg", { viewBox: `0 0 ${W} ${H + bottom}`, width: "100%", role: "img" });
    const max = Math.max(1, ...bars.map((b) => b[1]));
    // Slanted labels run right of their bar: room for the last one.
    const bw = bars.length > 0 ? (W - left - (opts.rotate ? 50 : 4)) / bars.length : 0;
    s.append(
      svg("line", { x1: left, y1: top + H - top, x2: W, y2: top + H - top, stroke: "#999" }),
    );
    s.append(svg("text", { x: left - 4, y: top + 8, "text-anchor": "end" }, max));
    s.append(svg("text", { x: left - 4, y: H, "text-anchor": "end" }, 0));
    bars.forEach(([label, count], i) => {
      const h = ((H - top) * count) / max;
      const x = left + i * bw;
      const r = svg("rect", {
        x: x + bw * 0.1,
        y: H - h,
        width: Math.max(bw * 0.8, 0.5),
        height: h,
        fill: opts.color ? opts.color(label, i) : "#2c7bb6",
        class: "pw-bar",
        "data-label": label,
        "data-count": count,
      });
      r.append(svg("title", {}, `${label}: ${count}`));
      s.append(r);
      // A label at most every 36 px (14 px when slanted), so labels never run into each other.
      const every = Math.max(1, Math.ceil((opts.rotate ? 14 : 36) / bw));
      if (i % every === 0) {
        const tx = x + bw / 2, ty = H + 12;
        s.append(
          svg(
            "text",
            opts.rotate
              ? { x: tx, y: ty, transform: `rotate(40 ${tx} ${ty})` }
              : { x: tx, y: ty, "text-anchor": "middle" },
            opts.rotate && label.length > 22 ? `${label.slice(0, 21)}…` : label,
          ),
        );
      }
    });
    if (bars.length === 0) {
      s.append(svg("text", { x: W / 2, y: H / 2, "text-anchor": "middle" }, "no data"));
    }
    fig.append(s);
    byId("pw-charts").append(fig);
  }

  function lineChart(id, title, rows) {
    const fig = el("figure", { id: `chart-${id}` });
    fig.append(el("figcaption", {}, title));
    const W = 400, H = 170, left = 34;
    const s = svg("svg", { viewBox: `0 0 ${W} ${H + 30}`, width: "100%", role: "img" });
    const series = [["CPU °C", 1, "#d7191c"], ["memory %", 2, "#2c7bb6"], ["disk %", 3, "#1b7837"]];
    const x = (i) => left + (rows.length > 1 ? (i * (W - left - 4)) / (rows.length - 1) : 0);
    const y = (v) => H - (H - 8) * (v / 100);
    s.append(svg("line", { x1: left, y1: H, x2: W, y2: H, stroke: "#999" }));
    s.append(svg("text", { x: left - 4, y: 14, "text-anchor": "end" }, 100));
    s.append(svg("text", { x: left - 4, y: H, "text-anchor": "end" }, 0));
    series.forEach(([name, col, color], k) => {
      const pts = [];
      rows.forEach((r, i) => {
        if (r[col] !== null) {
          pts.push(`${x(i).toFixed(1)},${y(Math.min(100, Math.max(0, r[col]))).toFixed(1)}`);
        }
      });
      if (pts.length > 0) {
        s.append(
          svg("polyline", {
            points: pts.join(" "),
            fill: "none",
            stroke: color,
            "stroke-width": 1.5,
            class: "pw-line",
            "data-points": pts.length,
          }),
        );
      }
      s.append(svg("text", { x: left + 10 + k * 90, y: H + 24, fill: color }, name));
    });
    if (rows.length > 0) {
      s.append(svg("text", { x: left, y: H + 12 }, rows[0][0].slice(11, 19)));
      s.append(
        svg("text", { x: W, y: H + 12, "text-anchor": "end" }, rows.at(-1)[0].slice(11, 19)),
      );
    } else {
      s.append(svg("text", { x: W / 2, y: H / 2, "text-anchor": "middle" }, "no health records"));
    }
    fig.append(s);
    byId("pw-charts").append(fig);
  }

  function showCharts(f) {
    byId("pw-charts").querySelectorAll("figure").forEach((e) => e.remove());
    for (const band of f.channels === null ? [] : ["2.4 GHz", "5 GHz", "6 GHz"]) {
      barChart(
        `channels-${band.replace(/\W/g, "")}`,
        `Networks per channel, ${band}`,
        f.channels[band],
      );
    }
    barChart("encryption", "Encryption", f.encryption, {
      color: (label) => COLORS[CLASSES.indexOf(label)],
    });
    barChart("signal", "Best signal (dBm)", f.signal);
    barChart("new-per-minute", "New networks per minute (UTC)", f.newPerMinute);
    barChart("bluetooth", "Bluetooth device classes", f.bluetoothClasses, {
      rotate: true,
      color: () => COLORS[6],
    });
    barChart("vendors", "Top vendors", f.vendors, { rotate: true });
    lineChart("health", "Health: CPU temperature, memory, disk", f.health);
  }

  /** The charts of the points the live page holds (a point carries no band: no channel charts). */
  function liveFigures() {
    const bump = (m, k) => m.set(k, (m.get(k) || 0) + 1);
    const enc = new Map(), minutes = new Map(), bt = new Map(), vendors = new Map();
    const edges = [-100, -90, -80, -70, -60, -50, -40, -30];
    const signal = edges.map(() => 0);
    for (const p of points) {
      bump(enc, CLASSES[p[2]]);
      if (p[2] === 6) {
        bump(bt, p[10] ?? "unknown");
        continue;
      }
      if (p[5] !== null) bump(vendors, p[5]);
      if (p[8] !== null) bump(minutes, p[8].slice(0, 16));
      if (p[7] !== null) {
        let bin = 0;
        while (bin + 1 < edges.length && p[7] >= edges[bin + 1]) bin++;
        signal[bin]++;
      }
    }
    const top = (m) => [...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    return {
      channels: null,
      encryption: CLASSES.map((c) => [c, enc.get(c) || 0]).filter((b) => b[1] > 0),
      signal: edges.map((e, i) => [`${e}`, signal[i]]),
      newPerMinute: [...minutes].sort().map(([k, v]) => [k.slice(11), v]),
      bluetoothClasses: top(bt),
      vendors: top(vendors).slice(0, 10),
      health: [],
    };
  }

  // ---- live view (serve) ----
  function live(events) {
    byId("pw-live").hidden = false;
    byId("pw-summary").hidden = true;
    const token = new URLSearchParams(location.search).get("token");
    const source = new EventSource(token ? `${events}?token=${encodeURIComponent(token)}` : events);
    let fitted = false;
    source.addEventListener("tick", (event) => {
      const t = JSON.parse(event.data);
      for (const p of t.points) points.push(p);
      if (t.track.length > 0) addTrack(t.track);
      entries(byId("pw-counters"), [
        ["Networks", t.counters.networks],
        ["Bluetooth devices", t.counters.devices],
        ["Sightings", t.counters.sightings],
        ["GPS reports", t.counters.gpsReports],
        ["Updates", t.counters.updates],
      ]);
      const c = byId("pw-counters").dataset;
      for (const [k, v] of Object.entries(t.counters)) c[k] = String(v);
      byId("pw-fix").textContent = t.fix === null
        ? "GPS: no report yet"
        : `GPS: ${
          t.fix.mode >= 3 ? "3D fix" : t.fix.mode === 2 ? "2D fix" : "no fix"
        } (${t.fix.time})`;
      byId("pw-warnings").replaceChildren(...t.warnings.map((w) => el("li", {}, w)));
      if (t.lastTick !== null) {
        byId("pw-last-tick").replaceChildren(
          ...t.lastTick.networks.map((n) =>
            el(
              "li",
              {},
              `${n[0] === null || n[0] === "" ? "(hidden)" : n[0]} ${n[1]} ${
                n[2] === null ? "" : `${n[2]} dBm`
              }`,
            )
          ),
        );
        byId("pw-last-tick").dataset.time = t.lastTick.time;
      }
      if (t.points.length > 0) showCharts(liveFigures());
      if (!fitted && (points.length > 0 || segments.length > 0)) {
        fitted = true;
        fitAll();
      } else if (t.points.length > 0) redraw();
    });
  }

  showSummary(figures.summary);
  showCharts(figures);
  addTrack(track);
  fitAll();
  drawGrid();
  drawMarkers();
  if (options.live) live(options.live.events);
  document.body.dataset.ready = "1";
})();
