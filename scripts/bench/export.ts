/**
 * Section `export`: `piwardrive export --format wigle` of 1M sightings as a real process with the
 * start task's permissions, against `sqlite3 -csv` running the export's own SELECT (same columns,
 * same join, same order) into a file; and the export's peak RSS at two sizes, which should be
 * flat since the export streams.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { embeddedMigrations } from "../../src/migrate/mod.ts";
import { closeForCopy, openAtVersion, ssidSql, withoutIndexes } from "./fixtures.ts";
import {
  type Context,
  fmtInt,
  fmtMs,
  median,
  productArgv,
  type Row,
  type Section,
  START_PERMISSIONS,
  which,
} from "./lib.ts";
import { flatRssRow, fmtMb, mb, measureProcess, requireUsageWrapper, type Usage } from "./usage.ts";
import { shellQuote } from "./verify.ts";

/** Networks the sightings are spread over. */
export const EXPORT_NETWORKS = 20_000;
/** Sightings per 5 s tick: a window of networks that slides `SLIDE` networks per tick. */
export const PER_TICK = 250;
const SLIDE = 5;
/** 2026-11-01T10:00:00.000Z, the first tick. */
export const T0_MS = Date.UTC(2026, 10, 1, 10, 0, 0);
/** WiGLE's pre-header and column header precede the data rows. */
export const WIGLE_HEADER_LINES = 2;

/**
 * What the export reads for WiFi sightings (`src/export/columns.ts`, `SQL.wifi`, no filter), as one
 * SELECT: each sighting joined to its network, the 15 values a point carries, in the export's
 * order. (The export itself reads a network's own fields once, not per sighting.) The peer prints
 * it with `sqlite3 -csv`.
 */
export const PEER_SQL =
  `SELECT n.bssid, CASE WHEN instr(coalesce(s.ssid, n.ssid), char(0)) THEN CAST(coalesce(s.ssid, n.ssid) AS BLOB) ELSE coalesce(s.ssid, n.ssid) END, ` +
  `n.encryption, NULL, NULL, s.seen_at, n.first_seen, n.last_seen, s.signal_dbm, ` +
  `coalesce(s.channel, n.channel), coalesce(s.frequency, n.frequency), s.gps_lat, s.gps_lon, ` +
  `s.gps_alt, s.gps_accuracy FROM wifi_sightings AS s JOIN wifi_networks AS n ON n.id = s.network_id ` +
  `ORDER BY s.seen_at, s.id`;

/**
 * Fills an empty latest-version database with `networks` networks and `sightings` sightings, all
 * with a position, by two recursive CTEs. A drive: each 5 s tick sees `PER_TICK` networks of a
 * window sliding `SLIDE` networks per tick (so a network recurs in 50 ticks); every sighting of a
 * tick shares its time (`2026-11-01T10:00:05.137Z`, the id breaks the tie in the export's order),
 * position (moving north-east from 52.2, 0.12) and altitude; accuracy 3–20 m; SSIDs include
 * hidden ones, UTF-8, and one with a comma and quotes (RFC 4180 quoting).
 */
export function fillSightings(db: DatabaseSync, sightings: number, networks: number): void {
  const t0 = T0_MS / 1000;
  withoutIndexes(
    db,
    "wifi_networks",
    `
    INSERT INTO wifi_networks (bssid, ssid, frequency, signal_strength, encryption, channel,
      vendor, first_seen, last_seen, gps_lat, gps_lon, gps_accuracy, created_at)
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${networks}),
    g AS (
      SELECT i, (i * 10368889) & 16777215 AS low,
        CASE WHEN i % 5 < 3 THEN 1 + (i * 7) % 13 ELSE 36 + 4 * ((i * 3) % 8) END AS ch
      FROM n
    )
    SELECT
      printf('%s:%02x:%02x:%02x',
        CASE i % 8 WHEN 0 THEN '3c:84:6a' WHEN 1 THEN 'f4:f2:6d' WHEN 2 THEN 'a0:b5:49'
          WHEN 3 THEN 'dc:a6:32' WHEN 4 THEN '88:03:55' WHEN 5 THEN 'b0:be:76'
          WHEN 6 THEN 'da:a1:19' ELSE '02:5c:1f' END,
        low >> 16, (low >> 8) & 255, low & 255),
      ${ssidSql(true)},
      CASE WHEN ch <= 14 THEN 2407 + 5 * ch ELSE 5000 + 5 * ch END,
      -30 - (i * 37) % 65,
      CASE i % 10 WHEN 0 THEN 'WPA3-SAE/WPA2-PSK' WHEN 1 THEN 'Open' WHEN 2 THEN 'WPA2-EAP'
        WHEN 3 THEN 'WPA2-PSK/WPA-PSK' WHEN 4 THEN 'WEP' WHEN 5 THEN 'WPA3-SAE'
        ELSE 'WPA2-PSK' END,
      ch,
      CASE i % 4 WHEN 0 THEN 'AVM GmbH' WHEN 1 THEN 'TP-LINK TECHNOLOGIES CO.,LTD.'
        WHEN 2 THEN NULL ELSE 'Raspberry Pi Trading Ltd' END,
      strftime('%Y-%m-%dT%H:%M:%S.000Z', ${t0}, 'unixepoch'),
      strftime('%Y-%m-%dT%H:%M:%S.000Z', ${t0} + 20000, 'unixepoch'),
      52.2 + ((i * 7) % 1000) * 0.00002,
      0.12 + ((i * 11) % 1000) * 0.00003,
      3 + (i % 35) * 0.5,
      strftime('%Y-%m-%d %H:%M:%S', ${t0}, 'unixepoch')
    FROM g`,
  );
  withoutIndexes(
    db,
    "wifi_sightings",
    `
    INSERT INTO wifi_sightings (network_id, seen_at, clock, ssid, frequency, channel, signal_dbm,
      gps_lat, gps_lon, gps_alt, gps_accuracy)
    WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < ${sightings - 1}),
    s AS (SELECT i, i / ${PER_TICK} AS tick, i % ${PER_TICK} AS j FROM k)
    SELECT n.id,
      strftime('%Y-%m-%dT%H:%M:%S', ${t0} + tick * 5, 'unixepoch')
        || printf('.%03dZ', (tick * 137) % 1000),
      'system', n.ssid, n.frequency, n.channel,
      -30 - (i * 37) % 60,
      round(52.2 + tick * 0.0000041, 7),
      round(0.12 + tick * 0.0000063, 7),
      12.5 + (tick % 40) * 0.25,
      3 + ((i * 7) % 171) / 10.0
    FROM s JOIN wifi_networks AS n ON n.id = (tick * ${SLIDE} + j) % ${networks} + 1
    ORDER BY i`,
  );
}

/**
 * The two sizes of the sightings database a streaming command (export, upload) runs on: its
 * figures are the big one's, and its peak RSS there must stay flat against the small one's.
 */
export function flatSizes(ctx: Context): { big: number; small: number } {
  return { big: ctx.size(1_000_000, 100_000), small: ctx.size(100_000, 10_000) };
}

/** A latest-version database (real migrations) with `sightings` sightings, shared per run. */
export function sightingsDb(ctx: Context, sightings: number): Promise<string> {
  return ctx.fixture(`export-sightings-${sightings}`, () => {
    const path = ctx.path(`sightings-${sightings}.db`);
    const started = performance.now();
    const db = openAtVersion(path, embeddedMigrations().length);
    fillSightings(db, sightings, EXPORT_NETWORKS);
    closeForCopy(db);
    ctx.log(
      `export: built ${fmtInt(sightings)} sightings over ${fmtInt(EXPORT_NETWORKS)} networks in ${
        ((performance.now() - started) / 1000).toFixed(1)
      } s (${(Deno.statSync(path).size / 1048576).toFixed(0)} MB)`,
    );
    return Promise.resolve(path);
  });
}

/** Line feeds in a file (CSV records: no field here holds a line break), streamed. */
export async function countLines(path: string): Promise<number> {
  using file = await Deno.open(path);
  const buffer = new Uint8Array(1 << 20);
  let lines = 0;
  for (;;) {
    const n = await file.read(buffer);
    if (n === null) break;
    for (let i = 0; i < n; i++) if (buffer[i] === 10) lines++;
  }
  return lines;
}

/** piwardrive's argv: the WiGLE export of `db` into `out`, quiet. */
export function exportArgv(db: string, out: string): string[] {
  return productArgv(["--db", db, "export", "--format", "wigle", "-o", out, "--quiet"]);
}

/** The peer's argv: `sqlite3 -csv DB "SELECT …" > FILE` through sh (no .sqliterc, no header). */
export function peerArgv(sqlite3: string, db: string, out: string): string[] {
  const command = [sqlite3, "-init", "/dev/null", "-batch", "-csv", "-noheader", db, PEER_SQL]
    .map(shellQuote).join(" ");
  return ["/bin/sh", "-c", `${command} > ${shellQuote(out)}`];
}

/** Removes a file if present. */
function remove(path: string): void {
  try {
    Deno.removeSync(path);
  } catch { /* absent */ }
}

export const exportSection: Section = {
  name: "export",
  description: "export --format wigle of 1M sightings vs sqlite3 -csv; peak RSS at 100k and 1M",
  async run(ctx: Context): Promise<Row[]> {
    requireUsageWrapper();
    const { big, small } = flatSizes(ctx);
    const bigDb = await sightingsDb(ctx, big);
    const smallDb = await sightingsDb(ctx, small);

    // Peak RSS first: the small run also warms deno's module cache for the timed runs.
    const rss = async (db: string, sightings: number): Promise<Usage> => {
      const out = ctx.path("rss.wigle.csv");
      const usage = await measureProcess(ctx, exportArgv(db, out));
      const rows = await countLines(out) - WIGLE_HEADER_LINES;
      remove(out);
      if (rows !== sightings) throw new Error(`export wrote ${rows} rows, expected ${sightings}`);
      return usage;
    };
    const rssSmall = await rss(smallDb, small);
    const rssBig = await rss(bigDb, big);
    ctx.log(
      `export: peak RSS ${fmtMb(rssSmall.maxrss_kb)} at ${fmtInt(small)}, ${
        fmtMb(rssBig.maxrss_kb)
      } at ${fmtInt(big)}`,
    );

    const sqlite3 = which("sqlite3");
    const runs = 3;
    const times: { piwardrive: number[]; sqlite3: number[] } = { piwardrive: [], sqlite3: [] };
    const sizes: { piwardrive: number; sqlite3: number } = { piwardrive: 0, sqlite3: 0 };
    for (let run = 0; run < runs; run++) {
      const order = run % 2 === 0
        ? ["piwardrive", "sqlite3"] as const
        : ["sqlite3", "piwardrive"] as const;
      for (const who of order) {
        if (who === "sqlite3" && !sqlite3) continue;
        const out = ctx.path(`${who}.csv`);
        const argv = who === "piwardrive" ? exportArgv(bigDb, out) : peerArgv(sqlite3!, bigDb, out);
        const { ms } = await ctx.run(argv);
        times[who].push(ms);
        // Honesty: both wrote every sighting (the WiGLE file has two header lines more).
        const lines = await countLines(out);
        const rows = who === "piwardrive" ? lines - WIGLE_HEADER_LINES : lines;
        sizes[who] = Deno.statSync(out).size;
        remove(out);
        if (rows !== big) throw new Error(`${who} wrote ${rows} data rows, expected ${big}`);
      }
      ctx.log(
        `export run ${run + 1}/${runs}: piwardrive ${fmtMs(times.piwardrive.at(-1)!)}, sqlite3 ${
          sqlite3 ? fmtMs(times.sqlite3.at(-1)!) : "n/a"
        }`,
      );
    }
    const p = median(times.piwardrive);
    const s = sqlite3 ? median(times.sqlite3) : NaN;
    const label = `export wigle ${fmtInt(big)} sightings`;
    return [
      {
        benchmark: `${label}: wall vs sqlite3 -csv`,
        piwardrive: fmtMs(p),
        peer: sqlite3 ? fmtMs(s) : "—",
        ratio: sqlite3 ? p / s : null,
        target: { kind: "max", value: 1.5, label: "≤ 1.5×" },
        note: `export: process wall times, median of ${runs} (order alternating): piwardrive ` +
          `[${times.piwardrive.map(fmtMs).join(", ")}] (start perms: ${
            START_PERMISSIONS.join(" ")
          }), sqlite3 -csv [${times.sqlite3.map(fmtMs).join(", ")}]; both wrote ${
            fmtInt(big)
          } data rows (${(sizes.piwardrive / 1048576).toFixed(0)} MB vs ${
            (sizes.sqlite3 / 1048576).toFixed(0)
          } MB); the peer prints the export's SELECT raw (no WiGLE formatting)`,
      },
      flatRssRow(
        `export wigle: peak RSS at ${fmtInt(big)} (peer: at ${fmtInt(small)})`,
        rssBig,
        rssSmall,
        `export RSS: ru_maxrss of the reaped process (sampled VmHWM ${
          mb(rssSmall.sampled_hwm_kb).toFixed(1)
        } / ${fmtMb(rssBig.sampled_hwm_kb)}); wall ${rssSmall.wall_s.toFixed(2)} / ${
          rssBig.wall_s.toFixed(2)
        } s, CPU ${rssSmall.cpu_s.toFixed(2)} / ${rssBig.cpu_s.toFixed(2)} s at ${
          fmtInt(small)
        } / ${fmtInt(big)} sightings`,
      ),
    ];
  },
};
