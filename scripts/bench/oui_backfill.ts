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
import { closeForCopy, insertNetworksSql, openAtVersion, withoutIndexes } from "./fixtures.ts";
import { Rng } from "../lib/random.ts";
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
  db.exec("CREATE TEMP TABLE bench_prefix (k INTEGER PRIMARY KEY, prefix TEXT NOT NULL)");
  const insert = db.prepare("INSERT INTO bench_prefix (k, prefix) VALUES (?, ?)");
  prefixes.forEach((p, k) => insert.run(k, p));
  const sampled = (k: string) => `(SELECT prefix FROM bench_prefix WHERE k = ${k})`;
  try {
    withoutIndexes(
      db,
      "wifi_networks",
      insertNetworksSql(rows, {
        prefix: `CASE WHEN i % 10 < 6 THEN ${sampled(`(i * 7919) % ${REGISTERED}`)}
          WHEN i % 10 = 6 THEN ${sampled(`${REGISTERED} + (i * 31) % ${UNREGISTERED}`)}
          ELSE printf('%02x:%02x:%02x', ((i * 131) & 240) | (2 + 4 * (i % 4)),
            (i * 2654435761 >> 8) & 255, (i * 40503 >> 4) & 255) END`,
        encryption5: "'WPA3-SAE'",
        vendor: "NULL",
      }),
    );
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
