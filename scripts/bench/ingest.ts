/**
 * Section `ingest`: parsed scans into the database. piwardrive's `TickWriter.write` (the path
 * `collect` takes) against (a) the sqlite3 CLI executing the same upsert and sighting statements
 * with literal values, one transaction per tick, and (b) Python's aiosqlite running the same SQL
 * with parameters, one transaction per tick.
 *
 * @module
 */
import { parseIwScan } from "../../src/parsers/iw_scan.ts";
import { wifiObservations } from "../../src/collect/observe.ts";
import { TickWriter } from "../../src/collect/store.ts";
import type { Tick } from "../../src/collect/tick.ts";
import { openDatabase } from "../../src/db/open.ts";
import { emptyLatest } from "./fixtures.ts";
import { accessPoints, poolSizeFor, scanText, windowAt } from "./iw_gen.ts";
import { Rng } from "../lib/random.ts";
import { CLOCK_SQL, markerMs } from "./rebuild.ts";
import {
  type Captured,
  captureWrites,
  inlineCall,
  readSlot,
  type Slot,
  sqlLiteral,
  wifiStatements,
} from "./tick_sql.ts";
import {
  type Context,
  fmtInt,
  median,
  onFreshCopies,
  PYTHON,
  removeDatabase,
  type Row,
  type Section,
  which,
} from "./lib.ts";

/** Networks heard per scan, and how far the window moves per tick (each BSSID recurs ~10×). */
export const PER_SCAN = 300;
export const ADVANCE = 30;

/** Start of the synthetic drive, and where it goes (Cambridge, UK, heading north-east). */
const T0 = Date.UTC(2026, 10, 1, 10, 0, 0);

/**
 * `count` ticks as `collect` builds them: each scan generated as iw text, parsed by parseIwScan,
 * turned into observations by wifiObservations; a 3D fix moving along the drive.
 */
export function buildTicks(count: number, perScan = PER_SCAN, advance = ADVANCE): Tick[] {
  const pool = accessPoints(poolSizeFor(count, perScan, advance), 11);
  const rng = new Rng(12);
  const ticks: Tick[] = [];
  for (let t = 0; t < count; t++) {
    const text = scanText(windowAt(pool, t, perScan, advance), rng, 1500 + 5 * t);
    const parsed = parseIwScan(text);
    if (parsed.warnings.length > 0) throw new Error(`tick ${t}: ${parsed.warnings[0]}`);
    ticks.push({
      seenAt: new Date(T0 + t * 5000).toISOString(),
      clock: "system",
      position: {
        lat: Number((52.2053 + t * 0.00031).toFixed(7)),
        lon: Number((0.1218 + t * 0.00022).toFixed(7)),
        altM: 12.5 + (t % 7) * 0.5,
        accuracyM: 3.5 + (t % 5),
      },
      wifi: wifiObservations(parsed.records),
      bluetooth: [],
      track: [],
      health: null,
    });
  }
  return ticks;
}

/**
 * The sqlite3 peer's script: the store's connection settings, then per tick BEGIN IMMEDIATE,
 * TickWriter's upsert and sighting statements for each observation with their captured values as
 * literals (the upsert without RETURNING: the sighting finds the network id by a sub-select on
 * the BSSID instead), COMMIT; between two clock markers.
 */
export function literalIngestSql(captured: Captured): string {
  const w = wifiStatements(captured);
  const upsert = captured.statements[w.upsert];
  const sighting = captured.statements[w.sighting];
  const parts = [
    "PRAGMA busy_timeout = 10000;",
    "PRAGMA synchronous = NORMAL;",
    "PRAGMA foreign_keys = ON;",
    CLOCK_SQL("start"),
  ];
  for (const tick of captured.ticks) {
    parts.push("BEGIN IMMEDIATE;");
    let bssid = "NULL";
    for (const call of tick) {
      if (call.s === w.upsert) {
        bssid = sqlLiteral(readSlot(call, w.bssid));
        parts.push(`${inlineCall(upsert, call)};`);
      } else {
        const id = `(SELECT id FROM wifi_networks WHERE bssid = ${bssid})`;
        parts.push(
          `${inlineCall(sighting, call, (slot) => sameSlot(slot, w.networkId) ? id : null)};`,
        );
      }
    }
    parts.push("COMMIT;");
  }
  parts.push(CLOCK_SQL("end"));
  return parts.join("\n") + "\n";
}

function sameSlot(a: Slot, b: Slot): boolean {
  return a.kind === "named" && b.kind === "named"
    ? a.name === b.name
    : a.kind === "positional" && b.kind === "positional" && a.index === b.index;
}

/** Input of the aiosqlite peer: TickWriter's statements and captured values. */
export function aiosqlitePayload(db: string, captured: Captured): string {
  const w = wifiStatements(captured);
  const upsert = captured.statements[w.upsert];
  const returning = /\bRETURNING\s+([^;']*)$/i.exec(upsert)![1].split(",").map((c) => c.trim());
  const link = w.networkId.kind === "named" ? w.networkId.name : w.networkId.index;
  return JSON.stringify({
    db,
    statements: captured.statements,
    upsert: w.upsert,
    idColumn: returning.indexOf("id"),
    ticks: captured.ticks.map((tick) =>
      tick.map((call) => {
        if (call.named && call.positional.length > 0) throw new Error("mixed parameters");
        return [call.s, call.named ?? call.positional, call.s === w.sighting ? link : null];
      })
    ),
  });
}

/**
 * The aiosqlite peer: one transaction per tick; TickWriter's upsert with RETURNING, its id bound
 * into the sighting that follows.
 */
export const AIOSQLITE_SCRIPT = `
import asyncio, json, sys, time
import aiosqlite

async def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        spec = json.load(f)
    statements, upsert, id_column = spec["statements"], spec["upsert"], spec["idColumn"]
    async with aiosqlite.connect(spec["db"], isolation_level=None) as db:
        await db.execute("PRAGMA busy_timeout = 10000")
        await db.execute("PRAGMA synchronous = NORMAL")
        await db.execute("PRAGMA foreign_keys = ON")
        rows = 0
        network_id = None
        started = time.perf_counter()
        for tick in spec["ticks"]:
            await db.execute("BEGIN IMMEDIATE")
            try:
                for s, params, link in tick:
                    if s == upsert:
                        (row,) = await db.execute_fetchall(statements[s], params)
                        network_id = row[id_column]
                    else:
                        params[link] = network_id
                        await db.execute(statements[s], params)
                        rows += 1
                await db.execute("COMMIT")
            except BaseException:
                await db.execute("ROLLBACK")
                raise
        ms = (time.perf_counter() - started) * 1000
    print(json.dumps({"rows": rows, "ms": ms}))

asyncio.run(main())
`;

/** piwardrive: TickWriter over `ticks` on the database at `path`; ms for the writes. */
export function writeTicks(path: string, ticks: Tick[]): number {
  const db = openDatabase(path);
  try {
    const started = performance.now();
    const writer = new TickWriter(db);
    for (const tick of ticks) writer.write(tick);
    return performance.now() - started;
  } finally {
    db.close();
  }
}

/** The sqlite3 peer on `path`; ms between the markers. */
export async function sqlite3Ingest(
  ctx: Context,
  sqlite3: string,
  path: string,
  sqlFile: string,
): Promise<number> {
  const out = await ctx.run([sqlite3, "-batch", "-bail", path, `.read '${sqlFile}'`]);
  return markerMs(out.stdout);
}

/** The aiosqlite peer on the database named in `payloadFile`; its own ms for the writes. */
export async function aiosqliteIngest(ctx: Context, payloadFile: string): Promise<number> {
  const out = await ctx.run([PYTHON, "-c", AIOSQLITE_SCRIPT, payloadFile]);
  return (JSON.parse(out.stdout) as { ms: number }).ms;
}

/** Whether /usr/bin/python3 can import aiosqlite. */
export async function hasAiosqlite(ctx: Context): Promise<boolean> {
  if (!which(PYTHON)) return false;
  try {
    await ctx.run([PYTHON, "-c", "import aiosqlite"]);
    return true;
  } catch {
    return false;
  }
}

export const ingestSection: Section = {
  name: "ingest",
  description: "TickWriter.write of ticks × 300 parsed networks vs sqlite3 CLI and aiosqlite",
  async run(ctx: Context): Promise<Row[]> {
    const count = ctx.size(200, 20);
    const runs = 3;
    const ticks = buildTicks(count);
    const observations = ticks.reduce((n, t) => n + t.wifi.length, 0);
    const distinct = new Set(ticks.flatMap((t) => t.wifi.map((w) => w.bssid))).size;
    const base = await emptyLatest(ctx);
    const sqlite3 = which("sqlite3");
    const aio = await hasAiosqlite(ctx);
    // TickWriter's statements and values, captured on a scratch copy, for the peers to replay.
    const scratch = ctx.path("ingest-capture.db");
    Deno.copyFileSync(base, scratch);
    const captured = captureWrites(scratch, ticks);
    removeDatabase(scratch);
    const sqlFile = ctx.path("ingest.sql");
    if (sqlite3) Deno.writeTextFileSync(sqlFile, literalIngestSql(captured));

    const times = {
      piwardrive: [] as number[],
      sqlite3: [] as number[],
      aiosqlite: [] as number[],
    };
    for (let run = 0; run < runs; run++) {
      await onFreshCopies(ctx, base, run, [
        {
          copy: "ingest-pw.db",
          run: (copy) => {
            times.piwardrive.push(writeTicks(copy, ticks));
          },
        },
        sqlite3
          ? {
            copy: "ingest-sqlite3.db",
            run: async (copy) => {
              times.sqlite3.push(await sqlite3Ingest(ctx, sqlite3, copy, sqlFile));
            },
          }
          : null,
        aio
          ? {
            copy: "ingest-aiosqlite.db",
            run: async (copy) => {
              const payload = ctx.path("ingest-aiosqlite.json");
              Deno.writeTextFileSync(payload, aiosqlitePayload(copy, captured));
              times.aiosqlite.push(await aiosqliteIngest(ctx, payload));
              Deno.removeSync(payload);
            },
          }
          : null,
      ]);
      const rate = (list: number[]) =>
        list.length ? fmtInt(observations / list.at(-1)! * 1000) : "n/a";
      ctx.log(
        `ingest run ${run + 1}/${runs}: piwardrive ${rate(times.piwardrive)}, sqlite3 ${
          rate(times.sqlite3)
        }, aiosqlite ${rate(times.aiosqlite)} rows/s`,
      );
    }
    const rate = (list: number[]) => observations / median(list) * 1000;
    const pw = rate(times.piwardrive);
    const cli = sqlite3 ? rate(times.sqlite3) : NaN;
    const py = aio ? rate(times.aiosqlite) : NaN;
    const label = `ingest ${count}×${PER_SCAN}`;
    const rows = (r: number) => `${fmtInt(r)} rows/s`;
    return [
      {
        benchmark: `${label}: TickWriter vs sqlite3 CLI literal SQL`,
        piwardrive: rows(pw),
        peer: sqlite3 ? rows(cli) : "sqlite3 missing",
        ratio: sqlite3 ? pw / cli : null,
        target: { kind: "min", value: 0.6, label: "≥ 0.6×" },
        note:
          `ingest: ${fmtInt(observations)} observations (${
            fmtInt(distinct)
          } distinct BSSIDs), a row = one upsert + one sighting; median of ${runs} runs on fresh ` +
          `copies of an empty latest-version database; sqlite3 timed between clock markers, ` +
          `aiosqlite by its own perf_counter (startup and JSON load excluded)`,
      },
      {
        benchmark: `${label}: TickWriter vs Python aiosqlite`,
        piwardrive: rows(pw),
        peer: aio ? rows(py) : "aiosqlite missing",
        ratio: aio ? pw / py : null,
        target: { kind: "min", value: 5, label: "≥ 5×" },
      },
    ];
  },
};
