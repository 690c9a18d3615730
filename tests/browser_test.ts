/**
 * The report and the live view in a real browser (Debian's Chromium, headless, over the DevTools
 * protocol): the DOM against the database's own counts, hostile names shown as text and never
 * run, no request to anything. Screenshots go to test-output/ for a person to look at. Without
 * Chromium the tests skip with a message outside CI and fail under CI=true.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { Browser, chromiumMissing } from "./helpers/browser.ts";
import { cli, spawnCli, tempDir } from "./helpers/cli.ts";
import { writeReplay } from "./helpers/replay.ts";

const missing = chromiumMissing();
const HOSTILE = JSON.parse(
  Deno.readTextFileSync(new URL("./fixtures/export/hostile_names.json", import.meta.url)),
) as string[];
/** Names that would run script if the page ever parsed data as markup: each sets a global. */
const SCRIPTED = [
  `<img src=x onerror="window.__pwned='img'">`,
  `</script><script>window.__pwned='script'</script>`,
  `"><svg onload="window.__pwned='svg'">`,
  `<iframe srcdoc="<script>parent.__pwned='iframe'</script>">`,
  "\u2028line\u2029separators",
];

/** Positioned rows the report must show: what ExportSource keeps (a fix, not (0,0)). */
const POSITIONED =
  "gps_lat IS NOT NULL AND gps_lon IS NOT NULL AND NOT (gps_lat = 0 AND gps_lon = 0)";

function counts(path: string, sql: string): Record<string, number> {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const rows = db.prepare(sql).all() as { k: unknown; n: number }[];
    return Object.fromEntries(rows.map((r) => [String(r.k), r.n]));
  } finally {
    db.close();
  }
}

/** What the page drew: single markers, clusters, and the networks inside the clusters. */
const MAP_STATE = `(() => {
  const clusters = [...document.querySelectorAll(".pw-cluster [data-count]")];
  return {
    markers: document.querySelectorAll("path.pw-marker").length,
    clusters: clusters.length,
    clustered: clusters.reduce((s, e) => s + Number(e.dataset.count), 0),
  };
})()`;

/** The bars of one chart as { label: count }. */
const bars = (id: string) =>
  `Object.fromEntries([...document.querySelectorAll("#chart-${id} rect.pw-bar")].map((r) => [r.dataset.label, Number(r.dataset.count)]))`;

async function report(db: string, out: string, ...args: string[]): Promise<void> {
  const r = await cli("--db", db, "report", "-o", out, ...args);
  assert.equal(r.code, 0, r.stderr);
}

Deno.test({
  name:
    "the report of the sample drive, offline in Chromium: map, charts and summary equal the database",
  ignore: missing !== null,
  async fn() {
    using dir = tempDir();
    const db = `${dir.path}/drive.db`;
    const demo = await cli("--db", db, "collect", "--demo", "--quiet");
    assert.equal(demo.code, 0, demo.stderr);
    const html = `${dir.path}/drive.html`;
    await report(db, html);
    const browser = await Browser.launch({ offline: true, height: 1000 });
    try {
      const url = `file://${html}`;
      await browser.goto(url);
      await browser.waitFor("document.body.dataset.ready === '1'");
      const positioned = counts(
        db,
        `SELECT 'all' AS k, (SELECT count(*) FROM wifi_networks WHERE ${POSITIONED}) +
           (SELECT count(*) FROM bluetooth_devices WHERE ${POSITIONED}) AS n`,
      ).all;
      const state = await browser.evaluate<Record<string, number>>(MAP_STATE);
      assert.ok(state.clusters > 0, "a drive this dense is clustered at the first view");
      assert.equal(state.markers + state.clustered, positioned, JSON.stringify(state));

      // Charts: each bar is the database's own count.
      const enc = counts(
        db,
        `SELECT coalesce(encryption_type, 'Unknown') AS k, count(*) AS n FROM wifi_networks
           WHERE ${POSITIONED} GROUP BY 1`,
      );
      enc.Bluetooth = counts(
        db,
        `SELECT 'b' AS k, count(*) AS n FROM bluetooth_devices WHERE ${POSITIONED}`,
      ).b;
      assert.deepEqual(await browser.evaluate(bars("encryption")), enc);
      assert.deepEqual(
        await browser.evaluate(bars("channels-24GHz")),
        counts(
          db,
          `SELECT channel AS k, count(*) AS n FROM wifi_networks
             WHERE ${POSITIONED} AND frequency BETWEEN 2400 AND 2499 GROUP BY 1`,
        ),
      );
      assert.deepEqual(
        await browser.evaluate(bars("channels-5GHz")),
        counts(
          db,
          `SELECT channel AS k, count(*) AS n FROM wifi_networks
             WHERE ${POSITIONED} AND frequency BETWEEN 5150 AND 5924 GROUP BY 1`,
        ),
      );
      const perMinute = await browser.evaluate<Record<string, number>>(bars("new-per-minute"));
      assert.deepEqual(
        perMinute,
        counts(
          db,
          `SELECT substr(first_seen, 12, 5) AS k, count(*) AS n FROM wifi_networks
             WHERE ${POSITIONED} GROUP BY 1`,
        ),
      );
      const summary = await browser.evaluate<Record<string, string>>(
        `Object.fromEntries([...document.querySelectorAll("#pw-summary-list div")].map((d) => [d.firstChild.textContent, d.lastChild.textContent]))`,
      );
      assert.equal(
        Number(summary.Networks),
        counts(db, `SELECT 'n' AS k, count(*) AS n FROM wifi_networks WHERE ${POSITIONED}`).n,
      );
      assert.equal(summary.Duration, "3 min 15 s");
      await browser.screenshot("report-sample-drive");

      // A click on a cluster zooms in; down to single markers, whose popup names the network.
      for (
        let i = 0;
        i < 8 &&
        (await browser.evaluate<number>(`document.querySelectorAll("path.pw-marker").length`)) ===
          0;
        i++
      ) {
        await browser.evaluate(`document.querySelector(".pw-cluster").click()`);
        await new Promise((r) => setTimeout(r, 400));
      }
      await browser.evaluate(
        `document.querySelector("path.pw-marker").dispatchEvent(new MouseEvent("click", { bubbles: true }))`,
      );
      await browser.waitFor(`document.querySelector(".leaflet-popup-content .pw-popup")`);
      const popup = await browser.evaluate<string>(
        `document.querySelector(".leaflet-popup-content").textContent`,
      );
      const ids = Object.keys(
        counts(
          db,
          "SELECT bssid AS k, 1 AS n FROM wifi_networks UNION ALL SELECT address, 1 FROM bluetooth_devices",
        ),
      );
      assert.ok(ids.some((id) => popup.includes(id)), popup);
      assert.match(popup, /First seen.*Last seen/s);
      await new Promise((r) => setTimeout(r, 400)); // the popup's fade-in
      await browser.screenshot("report-sample-drive-popup");

      assert.deepEqual(browser.requests, [url], "the page requests nothing but itself");
      assert.deepEqual(browser.errors, []);
      // Tiles come only when asked for, from the one host the CSP names (offline here: they fail).
      await browser.evaluate(`document.getElementById("pw-tiles").click()`);
      await browser.waitFor(`document.querySelector(".leaflet-tile")`);
      await new Promise((r) => setTimeout(r, 300));
      const later = browser.requests.slice(1);
      assert.ok(later.length > 0);
      for (const u of later) {
        assert.match(u, /^https:\/\/tile\.openstreetmap\.org\/\d+\/\d+\/\d+\.png$/);
      }
    } finally {
      await browser.close();
    }
  },
});

Deno.test({
  name:
    "hostile names in the report are shown as text: no script from data runs, no request is made",
  ignore: missing !== null,
  async fn() {
    using dir = tempDir();
    const db = `${dir.path}/hostile.db`;
    const migrated = await cli("--db", db, "migrate");
    assert.equal(migrated.code, 0, migrated.stderr);
    const names = [...HOSTILE, ...SCRIPTED];
    const w = new DatabaseSync(db);
    const net = w.prepare(
      `INSERT INTO wifi_networks (bssid, ssid, frequency, channel, signal_strength, encryption,
         vendor, first_seen, last_seen, gps_lat, gps_lon) VALUES (?, ?, 2412, 1, -60, ?, ?, ?, ?, ?, ?)`,
    );
    const dev = w.prepare(
      `INSERT INTO bluetooth_devices (address, name, device_type, manufacturer, first_seen,
         last_seen, gps_lat, gps_lon) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    names.forEach((name, i) => {
      const hex = i.toString(16).padStart(2, "0");
      const t = `2024-06-01T10:${String(i).padStart(2, "0")}:00.000Z`;
      // A grid 0.03° apart (87 px or more at the first view): every point its own marker.
      const at = (k: number) => [52 + Math.floor(k / 6) * 0.03, 0.1 + (k % 6) * 0.03];
      net.run(`02:00:00:00:00:${hex}`, name, name, name, t, t, ...at(2 * i));
      dev.run(`AA:BB:CC:00:00:${hex}`, name, name, name, t, t, ...at(2 * i + 1));
    });
    w.close();
    const html = `${dir.path}/hostile.html`;
    await report(db, html, "--title", SCRIPTED[0]);
    const browser = await Browser.launch({ offline: true, width: 1400, height: 1400 });
    try {
      const url = `file://${html}`;
      await browser.goto(url);
      await browser.waitFor("document.body.dataset.ready === '1'");
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(await browser.evaluate("typeof window.__pwned"), "undefined");
      assert.equal(
        await browser.evaluate(
          "document.querySelectorAll('img, iframe, script:not([type])').length",
        ),
        2,
        "only the page's two scripts",
      );
      assert.equal(await browser.evaluate("document.title"), SCRIPTED[0]);
      const state = await browser.evaluate<Record<string, number>>(MAP_STATE);
      assert.equal(state.markers + state.clustered, names.length * 2);
      // Every popup's title is a name exactly as stored.
      const titles = await browser.evaluate<string[]>(`(async () => {
        const out = [];
        for (const m of document.querySelectorAll("path.pw-marker")) {
          m.dispatchEvent(new MouseEvent("click", { bubbles: true }));
          await new Promise((r) => setTimeout(r, 20));
          // The newest popup: the one closed a moment ago may still be fading out before it.
          const t = [...document.querySelectorAll(".leaflet-popup-content strong")].at(-1);
          if (t) out.push(t.textContent);
        }
        return out;
      })()`);
      assert.equal(titles.length, names.length * 2, "a popup for every network and device");
      for (const t of titles) assert.ok(names.includes(t), JSON.stringify(t));
      for (const s of SCRIPTED) assert.ok(titles.includes(s), `${JSON.stringify(s)} shown as text`);
      const vendors = await browser.evaluate<Record<string, number>>(bars("vendors"));
      assert.ok(
        SCRIPTED.slice(0, 3).every((s) => vendors[s] === 1 || Object.keys(vendors).length === 10),
      );
      await browser.screenshot("report-hostile-names");
      assert.equal(await browser.evaluate("typeof window.__pwned"), "undefined");
      assert.deepEqual(browser.requests, [url]);
      assert.deepEqual(browser.errors, []);
      // And were markup ever injected, the CSP would stop its handler: an inline handler added
      // now is refused (a violation is reported) and does not run.
      const violation = await browser.evaluate<string>(`new Promise((resolve) => {
        document.addEventListener("securitypolicyviolation", (e) => resolve(e.violatedDirective));
        const img = document.createElement("img");
        img.setAttribute("onerror", "window.__pwned = 'csp'");
        img.src = "data:,not-an-image";
        document.body.append(img);
        setTimeout(() => resolve("none"), 2000);
      })`);
      assert.match(violation, /^script-src/);
      assert.equal(await browser.evaluate("typeof window.__pwned"), "undefined");
    } finally {
      await browser.close();
    }
  },
});

/** A free loopback port (taken and given back). */
function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = l.addr as Deno.NetAddr;
  l.close();
  return port;
}

/** Reads a child's stderr into `into` until `pattern` is seen (the rest keeps being read). */
async function waitForLine(
  stream: ReadableStream<Uint8Array>,
  into: string[],
  pattern: RegExp,
): Promise<void> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  const seen = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      into.push(value);
    }
  })();
  const end = Date.now() + 30_000;
  while (!pattern.test(into.join(""))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${pattern}: ${into.join("")}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  void seen;
}

Deno.test({
  name:
    "serve beside collect --replay: the page's counters grow tick by tick, and both end cleanly",
  ignore: missing !== null,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    using dir = tempDir();
    const db = `${dir.path}/live.db`;
    const migrated = await cli("--db", db, "migrate");
    assert.equal(migrated.code, 0, migrated.stderr);
    writeReplay(`${dir.path}/replay`, 8);
    const port = freePort();
    const serve = spawnCli([
      "--db",
      db,
      "serve",
      "--listen",
      `127.0.0.1:${port}`,
      "--interval",
      "0.25",
    ]);
    const serveErr: string[] = [];
    await waitForLine(serve.stderr, serveErr, /serving .* on http:\/\/127\.0\.0\.1:\d+\//);
    const browser = await Browser.launch({ offline: true });
    let collect: Deno.ChildProcess | null = null;
    try {
      const url = `http://127.0.0.1:${port}/`;
      await browser.goto(url);
      await browser.waitFor("document.body.dataset.ready === '1'");
      await browser.waitFor("document.getElementById('pw-counters').dataset.updates >= 1");
      collect = spawnCli([
        "--db",
        db,
        "collect",
        "--replay",
        `${dir.path}/replay`,
        "--interval",
        "1s",
      ]);
      const seen: number[] = [];
      const collectDone = collect.output();
      let done = false;
      collectDone.then(() => done = true);
      while (!done) {
        const n = Number(
          await browser.evaluate<string>(
            "document.getElementById('pw-counters').dataset.sightings ?? '0'",
          ),
        );
        if (seen.at(-1) !== n) seen.push(n);
        await new Promise((r) => setTimeout(r, 200));
      }
      const out = await collectDone;
      assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
      // Eight ticks of the same capture: the sightings count rises at least five times.
      assert.ok(seen.length >= 6, `sightings seen by the page: ${seen.join(" ")}`);
      for (let i = 1; i < seen.length; i++) assert.ok(seen[i] > seen[i - 1], seen.join(" "));
      // After the last push the page holds the database's own counts.
      const total = (sql: string) => counts(db, `SELECT 'n' AS k, (${sql}) AS n`).n;
      const want = {
        networks: total("SELECT count(*) FROM wifi_networks"),
        devices: total("SELECT count(*) FROM bluetooth_devices"),
        sightings: total("SELECT count(*) FROM wifi_sightings"),
        gpsReports: total("SELECT count(*) FROM gps_track"),
      };
      await browser.waitFor(
        `document.getElementById('pw-counters').dataset.gpsReports === '${want.gpsReports}' &&
         document.getElementById('pw-counters').dataset.sightings === '${want.sightings}'`,
      );
      const got = await browser.evaluate<Record<string, string>>(
        "({ ...document.getElementById('pw-counters').dataset })",
      );
      assert.deepEqual(
        {
          networks: Number(got.networks),
          devices: Number(got.devices),
          sightings: Number(got.sightings),
          gpsReports: Number(got.gpsReports),
        },
        want,
      );
      await new Promise((r) => setTimeout(r, 500));
      const state = await browser.evaluate<Record<string, number>>(MAP_STATE);
      assert.equal(
        state.markers + state.clustered,
        total(
          `SELECT (SELECT count(*) FROM wifi_networks WHERE ${POSITIONED}) +
             (SELECT count(*) FROM bluetooth_devices WHERE ${POSITIONED})`,
        ),
      );
      const lastTick = await browser.evaluate<number>(
        "document.querySelectorAll('#pw-last-tick li').length",
      );
      assert.equal(
        lastTick,
        total(
          "SELECT count(*) FROM wifi_sightings WHERE seen_at = (SELECT max(seen_at) FROM wifi_sightings)",
        ),
      );
      assert.match(
        await browser.evaluate<string>("document.getElementById('pw-fix').textContent"),
        /^GPS: (3D|2D) fix/,
      );
      await browser.screenshot("serve-after-collect");
      assert.ok(browser.requests.every((u) => u.startsWith(url)), browser.requests.join(" "));
      assert.deepEqual(browser.errors, []);
    } finally {
      await browser.close();
      serve.kill("SIGTERM");
      const status = await serve.status;
      assert.equal(status.code, 0, serveErr.join(""));
      assert.match(serveErr.join(""), /serve stopped\n$/);
    }
  },
});
