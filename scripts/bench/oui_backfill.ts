/**
 * Section `oui-backfill`: migration 9's backfill, `UPDATE wifi_networks SET vendor =
 * oui_vendor(bssid) WHERE vendor IS NULL`, on 1M networks in-process through node:sqlite with
 * the application's SQL functions registered, against the same UPDATE setting a constant on an
 * identical copy: the difference is the cost of calling the JavaScript function once per row.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { openDatabase } from "../../src/db/open.ts";
import { embeddedMigrations } from "../../src/migrate/mod.ts";
import { ouiVendor } from "../../src/oui/mod.ts";
import { closeForCopy, openAtVersion } from "./fixtures.ts";
import { Rng } from "./iw_gen.ts";
import {
  type Context,
  fmtInt,
  fmtMs,
  fmtRatio,
  median,
  removeDatabase,
  type Row,
  type Section,
} from "./lib.ts";

export const BACKFILL_SQL =
  "UPDATE wifi_networks SET vendor = oui_vendor(bssid) WHERE vendor IS NULL";
export const CONSTANT_SQL = "UPDATE wifi_networks SET vendor = 'x' WHERE vendor IS NULL";

/** How many registered and unregistered (universal) 24-bit prefixes the BSSIDs draw from. */
const REGISTERED = 512;
const UNREGISTERED = 64;

/**
 * Seeded 24-bit prefixes with the multicast and locally-administered bits clear: `registered`
 * ones the vendor table knows (found by looking random prefixes up with `ouiVendor`), then
 * `unregistered` ones it does not.
 */
export function samplePrefixes(registered: number, unregistered: number, seed = 9): string[] {
  const rng = new Rng(seed);
  const known: string[] = [];
  const unknown: string[] = [];
  const seen = new Set<number>();
  while (known.length < registered || unknown.length < unregistered) {
    const p = rng.int(0x1000000) & 0xfcffff; // clear bits 0x01 and 0x02 of the first octet
    if (seen.has(p)) continue;
    seen.add(p);
    const hex = p.toString(16).padStart(6, "0").replace(/(..)(..)(..)/, "$1:$2:$3");
    if (ouiVendor(`${hex}:00:00:00`) !== null) {
      if (known.length < registered) known.push(hex);
    } else if (unknown.length < unregistered) unknown.push(hex);
  }
  return [...known, ...unknown];
}

/**
 * Fills `wifi_networks` (latest version) with `rows` networks whose vendor is NULL, by one
 * recursive CTE. BSSIDs, unique, lower case: 60 % under registered prefixes, 10 % under
 * unregistered universal ones, 30 % randomised (first octet x2/x6/xa/xe, the rest random);
 * realistic SSIDs, channels, encryption labels, times and positions.
 */
export function fillBackfillNetworks(db: DatabaseSync, rows: number): void {
  const prefixes = samplePrefixes(REGISTERED, UNREGISTERED);
  const indexes = db.prepare(
    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'wifi_networks' AND sql IS NOT NULL",
  ).all() as { name: string; sql: string }[];
  db.exec("CREATE TEMP TABLE bench_prefix (k INTEGER PRIMARY KEY, prefix TEXT NOT NULL)");
  const insert = db.prepare("INSERT INTO bench_prefix (k, prefix) VALUES (?, ?)");
  prefixes.forEach((p, k) => insert.run(k, p));
  db.exec("BEGIN IMMEDIATE");
  try {
    for (const { name } of indexes) db.exec(`DROP INDEX "${name}"`);
    db.exec(`
      INSERT INTO wifi_networks (bssid, ssid, frequency, signal_strength, encryption, channel,
        vendor, first_seen, last_seen, gps_lat, gps_lon, gps_accuracy, created_at)
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${rows}),
      g AS (
        SELECT i,
          (i * 10368889) & 16777215 AS low,
          CASE WHEN i % 10 < 6 THEN (i * 7919) % ${REGISTERED}
            WHEN i % 10 = 6 THEN ${REGISTERED} + (i * 31) % ${UNREGISTERED}
            ELSE -1 END AS k,
          CASE WHEN i % 5 < 3 THEN 1 + (i * 7) % 13 ELSE 36 + 4 * ((i * 3) % 8) END AS ch,
          1767225600 + (i * 7919) % 7776000 AS t0
        FROM n
      )
      SELECT
        printf('%s:%02x:%02x:%02x',
          CASE WHEN k >= 0 THEN (SELECT prefix FROM bench_prefix WHERE bench_prefix.k = g.k)
            ELSE printf('%02x:%02x:%02x', ((i * 131) & 240) | (2 + 4 * (i % 4)),
              (i * 2654435761 >> 8) & 255, (i * 40503 >> 4) & 255) END,
          low >> 16, (low >> 8) & 255, low & 255),
        CASE WHEN i % 20 = 0 THEN NULL
          WHEN i % 7 = 0 THEN printf('Vodafone-%04X', i % 65536)
          WHEN i % 7 = 1 THEN printf('FRITZ!Box 7590 %s', char(65 + i % 26, 65 + (i / 26) % 26))
          WHEN i % 7 = 2 THEN printf('TP-Link_%04X', (i * 31) % 65536)
          WHEN i % 7 = 3 THEN 'eduroam'
          WHEN i % 7 = 4 THEN printf('Café ☕ %d', i % 100)
          ELSE printf('HomeNet-%d', i) END,
        CASE WHEN ch <= 14 THEN 2407 + 5 * ch ELSE 5000 + 5 * ch END,
        -30 - (i * 37) % 65,
        CASE i % 10 WHEN 0 THEN 'WPA3-SAE/WPA2-PSK' WHEN 1 THEN 'Open' WHEN 2 THEN 'WPA2-EAP'
          WHEN 3 THEN 'WPA2-PSK/WPA-PSK' WHEN 4 THEN 'WEP' WHEN 5 THEN 'WPA3-SAE'
          ELSE 'WPA2-PSK' END,
        ch,
        NULL,
        strftime('%Y-%m-%dT%H:%M:%fZ', t0, 'unixepoch'),
        strftime('%Y-%m-%dT%H:%M:%fZ', t0 + (i * 13) % 86400, 'unixepoch'),
        CASE WHEN i % 50 = 0 THEN NULL ELSE 52.15 + ((i * 7) % 10000) * 0.00001 END,
        CASE WHEN i % 50 = 0 THEN NULL ELSE 0.08 + ((i * 11) % 10000) * 0.00001 END,
        CASE WHEN i % 50 = 0 THEN NULL ELSE 2.5 + (i % 40) * 0.5 END,
        strftime('%Y-%m-%d %H:%M:%S', t0, 'unixepoch')
      FROM g`);
    for (const { sql } of indexes) db.exec(sql);
    db.exec("COMMIT");
  } catch (error) {
    if (db.isTransaction) db.exec("ROLLBACK");
    throw error;
  } finally {
    db.exec("DROP TABLE temp.bench_prefix");
  }
}

/** A latest-version database with `rows` vendor-less networks, shared per run. */
export function backfillDb(ctx: Context, rows: number): Promise<string> {
  return ctx.fixture(`oui-backfill-${rows}`, () => {
    const path = ctx.path(`oui-backfill-${rows}.db`);
    const started = performance.now();
    const db = openAtVersion(path, embeddedMigrations().length);
    fillBackfillNetworks(db, rows);
    closeForCopy(db);
    ctx.log(
      `oui-backfill: built ${fmtInt(rows)} networks in ${
        ((performance.now() - started) / 1000).toFixed(1)
      } s (${(Deno.statSync(path).size / 1048576).toFixed(0)} MB)`,
    );
    return Promise.resolve(path);
  });
}

/**
 * Runs `sql` once on a fresh copy of `fixture` opened as the store opens it (WAL,
 * synchronous=NORMAL, functions registered); its time, the rows it changed and the rows left
 * with a vendor.
 */
export function timedUpdate(
  ctx: Context,
  fixture: string,
  sql: string,
): { ms: number; changed: number; withVendor: number } {
  const path = ctx.path("oui-backfill-copy.db");
  Deno.copyFileSync(fixture, path);
  const db = openDatabase(path);
  try {
    // The first lookup reads the table header (~2 ms): not part of the per-row cost.
    db.prepare("SELECT oui_vendor('dc:a6:32:00:00:01')").get();
    const started = performance.now();
    const { changes } = db.prepare(sql).run();
    const ms = performance.now() - started;
    const { n } = db.prepare("SELECT count(*) AS n FROM wifi_networks WHERE vendor IS NOT NULL")
      .get() as { n: number };
    return { ms, changed: Number(changes), withVendor: n };
  } finally {
    db.close();
    removeDatabase(path);
  }
}

export const ouiBackfillSection: Section = {
  name: "oui-backfill",
  description: "UPDATE of 1M networks through oui_vendor(bssid) vs the same UPDATE with a constant",
  async run(ctx: Context): Promise<Row[]> {
    const rows = ctx.size(1_000_000, 100_000);
    const fixture = await backfillDb(ctx, rows);
    const runs = 3;
    const fn: number[] = [];
    const constant: number[] = [];
    let withVendor = -1;
    for (let run = 0; run < runs; run++) {
      const order = run % 2 === 0 ? ["fn", "constant"] : ["constant", "fn"];
      for (const who of order) {
        const r = timedUpdate(ctx, fixture, who === "fn" ? BACKFILL_SQL : CONSTANT_SQL);
        if (r.changed !== rows) {
          throw new Error(`${who} UPDATE changed ${r.changed} of ${rows} rows`);
        }
        if (who === "fn") {
          if (withVendor >= 0 && r.withVendor !== withVendor) {
            throw new Error(`backfill gave ${r.withVendor} vendors, earlier ${withVendor}`);
          }
          withVendor = r.withVendor;
          fn.push(r.ms);
        } else {
          if (r.withVendor !== rows) throw new Error(`constant UPDATE left ${r.withVendor} rows`);
          constant.push(r.ms);
        }
      }
      ctx.log(
        `oui-backfill run ${run + 1}/${runs}: oui_vendor ${fmtMs(fn.at(-1)!)}, constant ${
          fmtMs(constant.at(-1)!)
        }`,
      );
    }
    const f = median(fn);
    const c = median(constant);
    const perRowUs = (f - c) * 1000 / rows;
    return [{
      benchmark: `oui-backfill ${fmtInt(rows)} rows: SET vendor = oui_vendor(bssid) vs = 'x'`,
      piwardrive: fmtMs(f),
      peer: fmtMs(c),
      ratio: f / c,
      target: null,
      note: `oui-backfill: in-process node:sqlite, store settings, one autocommit UPDATE … WHERE ` +
        `vendor IS NULL on a fresh copy each, median of ${runs} (order alternating): ` +
        `oui_vendor [${fn.map(fmtMs).join(", ")}], constant [${constant.map(fmtMs).join(", ")}] (${
          fmtRatio(f / c)
        }, ${perRowUs.toFixed(2)} µs per row for the function); ${fmtInt(withVendor)} of ${
          fmtInt(rows)
        } rows got a vendor (${(withVendor / rows * 100).toFixed(1)} %)`,
    }];
  },
};
