/**
 * `db salvage OUT`: every row that can still be read from a damaged database, copied into a fresh
 * one at the same schema version. SQLite never opens the damaged file: its bytes (and its -wal or
 * -journal, if any) are copied into a working copy beside OUT, which is read and then removed, so
 * nothing is written to or beside the damaged file. (An `immutable=1` URI would do it in place,
 * but Deno honours SQLite URIs only for programs run with every permission.) Each table is read in rowid order; where a
 * page cannot be read, the reader jumps forward by growing rowid steps until it lands on a page
 * that can, and counts the rowids it stepped over as lost.
 */
import { DatabaseSync } from "node:sqlite";
import { basename, dirname, join } from "node:path";
import { statfsSync } from "node:fs";
import { databaseBytes } from "../db/backup.ts";
import { errorMessage, PiwardriveError, SchemaNewerError } from "../errors.ts";
import { diffSchema, readSchema } from "../db/schema.ts";
import { expectedSchemas, Migrator } from "./migrator.ts";
import type { Migration } from "./parse.ts";

/** What came back of one table. */
export interface SalvagedTable {
  table: string;
  recovered: number;
  /** Rowids stepped over around unreadable pages (rows of a dense table lost). */
  lost: number;
  /** Rows read but refused by the fresh table (a constraint they break). */
  rejected: number;
  /** The first read error met, if any. */
  error: string | null;
}

export interface SalvageOutcome {
  source: string;
  output: string;
  version: number;
  tables: SalvagedTable[];
  /** foreign_key_check violations in the output: rows whose parent row was lost. */
  orphans: number;
}

/**
 * Copies what can be read of `dbPath` into a new database `outPath` at the same version.
 *
 * @example
 * ```ts
 * const outcome = salvageDatabase("damaged.db", "rescued.db", migrations);
 * outcome.tables.find((t) => t.table === "wifi_networks")?.lost; // 41
 * ```
 */
export function salvageDatabase(
  dbPath: string,
  outPath: string,
  migrations: Migration[],
): SalvageOutcome {
  const scratch = workingCopy(dbPath, outPath);
  let source: DatabaseSync;
  try {
    source = new DatabaseSync(scratch);
  } catch (error) {
    removeWorkingCopy(scratch);
    throw new PiwardriveError(`Cannot open "${dbPath}" to salvage it: ${errorMessage(error)}`);
  }
  try {
    const version = versionOf(source, migrations, dbPath);
    createNew(outPath);
    const out = new DatabaseSync(outPath);
    let made = false;
    try {
      new Migrator(out, migrations).migrateTo(version);
      out.exec("PRAGMA foreign_keys = OFF");
      const freshLedger = out.prepare("SELECT * FROM schema_version").all();
      out.exec("DELETE FROM schema_version");
      const tables: SalvagedTable[] = [];
      out.exec("BEGIN");
      for (const table of userTables(out)) tables.push(copyTable(source, out, table));
      // Ledger rows that could not be read come from the fresh run: the version stays provable.
      const ledgerColumns = Object.keys(freshLedger[0] ?? {});
      if (ledgerColumns.length > 0) {
        const insert = out.prepare(
          `INSERT OR IGNORE INTO schema_version (${ledgerColumns.join(", ")}) VALUES (${
            ledgerColumns.map(() => "?").join(", ")
          })`,
        );
        for (const row of freshLedger) {
          insert.run(...(Object.values(row) as (string | number | null)[]));
        }
      }
      out.exec("COMMIT");
      const orphans = (out.prepare("PRAGMA foreign_key_check").all()).length;
      made = true;
      return { source: dbPath, output: outPath, version, tables, orphans };
    } finally {
      out.close();
      if (!made) Deno.removeSync(outPath); // no half-made copy is left to be mistaken for one
    }
  } finally {
    source.close();
    removeWorkingCopy(scratch);
  }
}

const COMPANIONS = ["-wal", "-journal"];

/** A copy of the damaged file and its companions beside OUT, after checking there is room. */
function workingCopy(dbPath: string, outPath: string): string {
  try {
    if (!Deno.statSync(dbPath).isFile) throw new Error("not a file");
  } catch (error) {
    throw new PiwardriveError(`Cannot open "${dbPath}" to salvage it: ${errorMessage(error)}`);
  }
  try {
    Deno.statSync(outPath);
    throw new PiwardriveError(
      `Cannot salvage into "${outPath}": the file already exists; give a new path`,
    );
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  const dir = dirname(outPath) || ".";
  // The working copy, then OUT itself: room for the file twice over.
  const needed = databaseBytes(dbPath) * 2 + 1048576;
  const free = Number(statfsSync(dir).bavail) * Number(statfsSync(dir).bsize);
  if (free < needed) {
    throw new PiwardriveError(
      `Not enough free disk space to salvage into "${dir}": ${
        Math.floor(free / 1048576)
      } MiB free, ` +
        `${
          Math.ceil(needed / 1048576)
        } MiB needed (a working copy and OUT); give OUT on a larger disk`,
    );
  }
  const scratch = join(dir, `.${basename(outPath)}.salvage-source`);
  removeWorkingCopy(scratch);
  try {
    Deno.copyFileSync(dbPath, scratch);
    for (const suffix of COMPANIONS) {
      try {
        Deno.copyFileSync(dbPath + suffix, scratch + suffix);
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      }
    }
  } catch (error) {
    removeWorkingCopy(scratch);
    throw new PiwardriveError(`Cannot copy "${dbPath}" to salvage it: ${errorMessage(error)}`);
  }
  return scratch;
}

function removeWorkingCopy(scratch: string): void {
  for (const suffix of ["", "-wal", "-shm", "-journal"]) {
    try {
      Deno.removeSync(scratch + suffix);
    } catch { /* not there */ }
  }
}

function createNew(outPath: string): void {
  try {
    Deno.openSync(outPath, { createNew: true, write: true, mode: 0o600 }).close();
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) {
      throw new PiwardriveError(
        `Cannot salvage into "${outPath}": the file already exists; give a new path`,
      );
    }
    throw new PiwardriveError(`Cannot create "${outPath}": ${errorMessage(error)}`);
  }
}

/** The version the damaged file was at: its ledger, else the known version its schema matches. */
function versionOf(db: DatabaseSync, migrations: Migration[], dbPath: string): number {
  let newer: number | null = null;
  try {
    const row = db.prepare("SELECT max(version) AS v FROM schema_version").get() as { v: number };
    if (row.v >= 1 && row.v <= migrations.length) return row.v;
    newer = row.v > migrations.length ? row.v : null;
  } catch { /* the ledger is damaged or missing: try the schema */ }
  if (newer !== null) throw new SchemaNewerError([newer], migrations.length);
  try {
    const live = readSchema(db);
    delete live.tables.schema_version;
    const expected = expectedSchemas(migrations);
    for (let v = migrations.length; v >= 1; v--) {
      const want = expected(v);
      const tables = { ...want.tables };
      delete tables.schema_version;
      if (diffSchema(live, { ...want, tables }).length === 0) return v;
    }
  } catch { /* the schema itself cannot be read */ }
  throw new PiwardriveError(
    `Cannot salvage "${dbPath}": its schema cannot be read, so no table can be found in it; ` +
      "restore a backup with `piwardrive db restore`",
  );
}

function userTables(db: DatabaseSync): string[] {
  return (db.prepare(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
  ).all() as { name: string }[]).map((r) => r.name);
}

interface TableShape {
  columns: string[];
  /** Whether the rowid must be copied explicitly (no INTEGER PRIMARY KEY column carries it). */
  explicitRowid: boolean;
  withoutRowid: boolean;
}

function shapeOf(db: DatabaseSync, table: string): TableShape {
  const columns = db.prepare(
    "SELECT name, type, pk, hidden FROM pragma_table_xinfo(?) ORDER BY cid",
  ).all(table) as { name: string; type: string; pk: number; hidden: number }[];
  const stored = columns.filter((c) => c.hidden === 0);
  const pks = stored.filter((c) => c.pk > 0);
  const sql = (db.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?")
    .get(table) as { sql: string }).sql;
  const withoutRowid = /\)\s*WITHOUT\s+ROWID\s*;?\s*$/i.test(sql);
  const alias = pks.length === 1 && pks[0].type.toUpperCase() === "INTEGER";
  return {
    columns: stored.map((c) => c.name),
    explicitRowid: !withoutRowid && !alias,
    withoutRowid,
  };
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** Copies `table` row by row, skipping forward over what cannot be read. */
function copyTable(source: DatabaseSync, out: DatabaseSync, table: string): SalvagedTable {
  const result: SalvagedTable = { table, recovered: 0, lost: 0, rejected: 0, error: null };
  let shape: TableShape;
  let readable: string[];
  try {
    shape = shapeOf(out, table);
    const there = new Set(shapeOf(source, table).columns);
    readable = shape.columns.filter((c) => there.has(c));
  } catch (error) {
    result.error = `the table cannot be read: ${errorMessage(error)}`;
    return result;
  }
  const targets = [...(shape.explicitRowid ? ["rowid"] : []), ...readable];
  const insert = out.prepare(
    `INSERT INTO ${quote(table)} (${targets.map(quote).join(", ")}) VALUES (${
      targets.map(() => "?").join(", ")
    })`,
  );
  const put = (row: Record<string, unknown>) => {
    try {
      insert.run(...(Object.values(row) as (string | number | bigint | null | Uint8Array)[]));
      result.recovered++;
    } catch {
      result.rejected++;
    }
  };
  const list = readable.map(quote).join(", ");
  if (shape.withoutRowid) {
    // No rowid to skip by: what comes before the first unreadable page is what there is.
    try {
      for (const row of source.prepare(`SELECT ${list} FROM ${quote(table)}`).all()) put(row);
    } catch (error) {
      result.error = errorMessage(error);
    }
    return result;
  }
  // Batches read with all(), which reports a damaged page; iterate() in Deno 2.9.5's node:sqlite
  // ends silently at one, as if the table ended there.
  const read = source.prepare(
    `SELECT rowid AS "__rowid", ${list} FROM ${
      quote(table)
    } WHERE rowid > ? ORDER BY rowid LIMIT ?`,
  );
  const next = source.prepare(
    `SELECT rowid AS r FROM ${quote(table)} WHERE rowid > ? ORDER BY rowid LIMIT 1`,
  );
  const upper = highestRowid(source, table);
  let last: bigint | null = null; // the last rowid read or stepped over
  let landed = false; // `last` is just before a rowid reached by stepping over damage
  let limit = BATCH;
  for (;;) {
    let rows: Record<string, unknown>[];
    try {
      rows = read.all(last ?? -(2n ** 63n), limit) as Record<string, unknown>[];
    } catch (error) {
      // Narrow down to the first row that cannot be read, keeping every row before it.
      if (limit > 1) {
        limit = Math.max(1, Math.floor(limit / 8));
        continue;
      }
      result.error ??= errorMessage(error);
      if (landed && last !== null) {
        last++; // the row stepped to cannot be read either
        result.lost++;
      }
      const from = last ?? 0n; // rowids start at 1
      const reached = skipForward(next, from);
      // Past the highest rowid the table ever had, a "row" is damage read as data.
      if (reached === null || (upper !== null && reached > upper)) {
        if (upper !== null && upper > from) result.lost += Number(upper - from);
        return result;
      }
      result.lost += Number(reached - from - 1n);
      last = reached - 1n;
      landed = true;
      limit = BATCH;
      continue;
    }
    for (const row of rows) {
      const { __rowid, ...values } = row;
      last = BigInt(__rowid as number);
      put(shape.explicitRowid ? { rowid: __rowid, ...values } : values);
    }
    landed = false;
    if (rows.length < limit) {
      if (limit === BATCH) return result;
      limit = BATCH; // a short batch after narrowing: read on at full size
    }
  }
}

const BATCH = 512;

/**
 * The highest rowid `table` has had: its AUTOINCREMENT counter, else max(rowid); null when
 * neither can be read. It bounds the rows counted as lost.
 */
function highestRowid(db: DatabaseSync, table: string): bigint | null {
  const found: bigint[] = [];
  for (
    const sql of [
      "SELECT seq AS r FROM sqlite_sequence WHERE name = ?",
      `SELECT max(rowid) AS r FROM ${quote(table)} WHERE ? IS NOT NULL`,
    ]
  ) {
    try {
      const row = db.prepare(sql).get(table) as { r: number | bigint | null } | undefined;
      if (row?.r !== undefined && row.r !== null) found.push(BigInt(row.r));
    } catch { /* unreadable: try the other */ }
  }
  return found.length === 0 ? null : found.reduce((a, b) => (a > b ? a : b));
}

/**
 * The first rowid after `last` that can be reached past the unreadable page: growing steps until
 * a seek succeeds, then a binary search back to the first seek that does, so the rows of the
 * next readable page are not stepped over.
 */
function skipForward(next: ReturnType<DatabaseSync["prepare"]>, last: bigint): bigint | null {
  const seek = (from: bigint): { ok: boolean; rowid: bigint | null } => {
    try {
      const row = next.get(from) as { r: number | bigint } | undefined;
      return { ok: true, rowid: row === undefined ? null : BigInt(row.r) };
    } catch {
      return { ok: false, rowid: null };
    }
  };
  let lo = last;
  let hi = -1n;
  for (let step = 1n; step < 2n ** 62n; step *= 2n) {
    if (seek(last + step).ok) {
      hi = last + step;
      break;
    }
    lo = last + step;
  }
  if (hi < 0n) return null;
  while (hi - lo > 1n) {
    const mid: bigint = (lo + hi) / 2n;
    if (seek(mid).ok) hi = mid;
    else lo = mid;
  }
  return seek(hi).rowid;
}
