/**
 * Correctness of the `export` and `oui-backfill` benchmark inputs and peers — never timings: the
 * `sqlite3 -csv` peer must print the rows the export writes, in its order, and the backfill
 * fixture must be what the section says it is.
 */
import assert from "node:assert/strict";
import { embeddedMigrations } from "../../src/migrate/mod.ts";
import { openDatabase } from "../../src/db/open.ts";
import { isRandomizedMac, ouiVendor } from "../../src/oui/mod.ts";
import { wigleTime } from "../../src/export/mod.ts";
import { closeForCopy, openAtVersion } from "./fixtures.ts";
import {
  countLines,
  exportArgv,
  fillSightings,
  peerArgv,
  PER_TICK,
  WIGLE_HEADER_LINES,
} from "./export.ts";
import {
  BACKFILL_SQL,
  CONSTANT_SQL,
  fillBackfillNetworks,
  samplePrefixes,
  timedUpdate,
} from "./oui_backfill.ts";
import { type Context, which, withTemp } from "./lib.ts";
import { peerMissingOutsideCi } from "./peer.ts";

const SQLITE3 = which("sqlite3");

/** RFC 4180 records (quoted fields with "" escapes, CRLF or LF line ends). */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      record.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      record.push(field);
      records.push(record);
      record = [];
      field = "";
    } else field += c;
  }
  if (field !== "" || record.length > 0) records.push([...record, field]);
  return records;
}

function sightingsFixture(ctx: Context, sightings: number, networks: number): string {
  const path = ctx.path("sightings.db");
  const db = openAtVersion(path, embeddedMigrations().length);
  fillSightings(db, sightings, networks);
  closeForCopy(db);
  return path;
}

Deno.test(
  "export fixture: every sighting has a position, ms UTC times, realistic fields",
  withTemp((ctx) => {
    const n = 3 * PER_TICK + 17;
    const db = openDatabase(sightingsFixture(ctx, n, 300), { readOnly: true });
    try {
      const one = <T>(sql: string) => db.prepare(sql).get() as T;
      assert.equal(one<{ n: number }>("SELECT count(*) AS n FROM wifi_sightings").n, n);
      assert.equal(one<{ n: number }>("SELECT count(*) AS n FROM wifi_networks").n, 300);
      const s = one<Record<string, number>>(
        `SELECT min(gps_lat) AS lat0, max(gps_lat) AS lat1, min(gps_lon) AS lon0,
          max(gps_lon) AS lon1, min(gps_accuracy) AS a0, max(gps_accuracy) AS a1,
          count(*) FILTER (WHERE gps_lat IS NULL OR gps_lon IS NULL) AS nopos,
          count(*) FILTER (WHERE seen_at NOT GLOB
            '2026-11-01T[0-2][0-9]:[0-5][0-9]:[0-5][0-9].[0-9][0-9][0-9]Z') AS badtime
         FROM wifi_sightings`,
      );
      assert.equal(s.nopos, 0);
      assert.equal(s.badtime, 0);
      assert(s.lat0 >= 52.2 && s.lat1 < 52.25 && s.lon0 >= 0.12 && s.lon1 < 0.2);
      assert(s.a0 >= 3 && s.a1 <= 20);
      const first = one<{ t: string }>("SELECT min(seen_at) AS t FROM wifi_sightings").t;
      assert.equal(first, "2026-11-01T10:00:00.000Z");
      const labels = db.prepare("SELECT DISTINCT encryption AS e FROM wifi_networks").all()
        .map((r) => r.e);
      for (const e of ["WPA2-PSK", "WPA3-SAE/WPA2-PSK", "Open"]) assert(labels.includes(e));
      // Ids follow time, so the export's ORDER BY seen_at, id is the insertion order.
      assert.equal(
        one<{ n: number }>(
          `SELECT count(*) AS n FROM wifi_sightings AS a JOIN wifi_sightings AS b
           ON b.id = a.id + 1 WHERE b.seen_at < a.seen_at`,
        ).n,
        0,
      );
    } finally {
      db.close();
    }
  }),
);

Deno.test({
  name: "sqlite3 -csv peer and export --format wigle: same rows, MACs, SSIDs, times, positions",
  // Under CI=true a missing sqlite3 fails the test rather than ignoring it.
  ignore: peerMissingOutsideCi(SQLITE3),
  fn: withTemp(async (ctx) => {
    const n = 2 * PER_TICK + 41;
    const db = sightingsFixture(ctx, n, 120);
    const wigleFile = ctx.path("out.wigle.csv");
    const peerFile = ctx.path("out.peer.csv");
    await ctx.run(exportArgv(db, wigleFile));
    await ctx.run(peerArgv(SQLITE3!, db, peerFile));
    const wigle = parseCsv(Deno.readTextFileSync(wigleFile)).slice(WIGLE_HEADER_LINES);
    const peer = parseCsv(Deno.readTextFileSync(peerFile));
    assert.equal(wigle.length, n);
    assert.equal(peer.length, n);
    // What the section counts: lines, minus the two header lines for the WiGLE file.
    assert.equal(await countLines(wigleFile) - WIGLE_HEADER_LINES, n);
    assert.equal(await countLines(peerFile), n);
    assert.deepEqual(wigle.map((r) => r[0]), peer.map((r) => r[0]));
    assert.deepEqual(wigle.map((r) => r[1]), peer.map((r) => r[1]));
    assert(peer.some((r) => r[1].includes('"') && r[1].includes(",")), "quoting exercised");
    assert.deepEqual(wigle.map((r) => r[3]), peer.map((r) => wigleTime(r[5])));
    // sqlite3 prints REAL with 15 significant digits, JavaScript the shortest exact form.
    wigle.forEach((r, i) => {
      const p = peer[i];
      for (const [w, q] of [[7, 11], [8, 12], [10, 14]]) {
        assert(Math.abs(Number(r[w]) - Number(p[q])) < 1e-9, `row ${i}: ${r[w]} vs ${p[q]}`);
      }
    });
    assert.equal(new Set(peer.map((r) => r[0])).size, 120);
  }),
});

Deno.test(
  "countLines counts line feeds across read buffers",
  withTemp(async (ctx) => {
    const path = ctx.path("lines.txt");
    Deno.writeTextFileSync(path, "a,b\r\n".repeat(300_000));
    assert.equal(await countLines(path), 300_000);
  }),
);

Deno.test("samplePrefixes: registered prefixes have a vendor, the others none", () => {
  const prefixes = samplePrefixes(20, 5);
  assert.equal(prefixes.length, 25);
  assert.equal(new Set(prefixes).size, 25);
  prefixes.forEach((p, i) => {
    const mac = `${p}:12:34:56`;
    assert(!isRandomizedMac(mac));
    assert.equal(ouiVendor(mac) !== null, i < 20, mac);
  });
});

Deno.test(
  "oui-backfill fixture and UPDATEs: vendors as ouiVendor says, ~30 % randomised",
  withTemp((ctx) => {
    const rows = 5000;
    const path = ctx.path("backfill.db");
    const db = openAtVersion(path, embeddedMigrations().length);
    fillBackfillNetworks(db, rows);
    closeForCopy(db);
    const check = openDatabase(path, { readOnly: true });
    const bssids = check.prepare("SELECT bssid, vendor FROM wifi_networks ORDER BY id").all() as {
      bssid: string;
      vendor: string | null;
    }[];
    check.close();
    assert.equal(bssids.length, rows);
    assert(bssids.every((r) => r.vendor === null));
    assert(bssids.every((r) => /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(r.bssid)));
    assert.equal(new Set(bssids.map((r) => r.bssid)).size, rows);
    const randomised = bssids.filter((r) => isRandomizedMac(r.bssid)).length;
    assert.equal(randomised, rows * 0.3);
    const expected = bssids.filter((r) => ouiVendor(r.bssid) !== null).length;
    assert(expected >= rows * 0.55 && expected <= rows * 0.7, `${expected} with a vendor`);

    // Row by row, the SQL function gives what ouiVendor gives.
    const copy = ctx.path("backfill-check.db");
    Deno.copyFileSync(path, copy);
    const updated = openDatabase(copy);
    updated.exec(BACKFILL_SQL);
    const after = updated.prepare("SELECT bssid, vendor FROM wifi_networks ORDER BY id").all();
    updated.close();
    assert.deepEqual(after.map((r) => r.vendor), bssids.map((r) => ouiVendor(r.bssid)));

    const backfill = timedUpdate(ctx, path, BACKFILL_SQL);
    assert.equal(backfill.changed, rows);
    assert.equal(backfill.withVendor, expected);
    const constant = timedUpdate(ctx, path, CONSTANT_SQL);
    assert.equal(constant.changed, rows);
    assert.equal(constant.withVendor, rows);
    // The copies were removed: only the fixture is left.
    assert.deepEqual(
      [...Deno.readDirSync(ctx.tmp)].map((e) => e.name).filter((n) =>
        n.includes("oui-backfill-copy")
      ),
      [],
    );
  }),
);
