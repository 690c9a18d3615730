/**
 * VACUUM without ATTACH. Deno allows SQLite's ATTACH (which VACUUM uses inside) only to programs
 * run with every permission, and piwardrive runs with narrow ones; so the file is rebuilt the
 * same way by hand: a fresh file receives the schema and every row, is checked (quick_check,
 * same schema, same row counts), and replaces the old file atomically. The caller holds the
 * exclusive lock, so no other piwardrive process has the database open. The new file keeps the
 * old one's identity (a symlink's target is replaced; owner, group and mode are kept) and the
 * planner's statistics (sqlite_stat1, sqlite_stat4).
 */
import { DatabaseSync } from "node:sqlite";
import { basename, dirname, join } from "node:path";
import { errorMessage, PiwardriveError } from "../errors.ts";
import { databaseBytes, ensureFreeSpace, quickCheckFile } from "./backup.ts";
import { openDatabase } from "./open.ts";
import { copyIdentity, realTarget } from "./files.ts";
import { diffSchema, readSchema } from "./schema.ts";
import { quoteName } from "./rebuild.ts";

/**
 * Rebuilds `dbPath` compactly; returns its size before and after.
 *
 * @example
 * ```ts
 * vacuumDatabase("piwardrive.db"); // { beforeBytes: 104857600, afterBytes: 52428800 }
 * ```
 */
export function vacuumDatabase(dbPath: string): { beforeBytes: number; afterBytes: number } {
  // A symlinked database is rebuilt beside its target, which is what is replaced.
  const file = realTarget(dbPath);
  const beforeBytes = databaseBytes(file);
  const dir = dirname(file);
  ensureFreeSpace(dir, Math.ceil(beforeBytes * 1.1) + 1048576, "VACUUM", "free some space first");
  const staging = join(dir, `.${basename(file)}.vacuum`);
  const source = openDatabase(dbPath);
  let created = false;
  let target: DatabaseSync | null = null;
  try {
    const checkpoint = source.prepare("PRAGMA wal_checkpoint(TRUNCATE)").get() as { busy: number };
    if (checkpoint.busy !== 0) throw new Error("another connection is reading it; try again");
    source.exec("BEGIN IMMEDIATE"); // no writer may slip in while the copy is made
    try {
      // Only a staging file of an earlier vacuum that died (a plain file by that name) is ours.
      if (Deno.lstatSync(staging).isFile) Deno.removeSync(staging);
    } catch { /* none left over */ }
    Deno.openSync(staging, { createNew: true, write: true, mode: 0o600 }).close();
    created = true;
    target = new DatabaseSync(staging);
    copyDatabase(source, target);
    target.close();
    target = null;
    const problem = quickCheckFile(staging);
    if (problem) throw new Error(`the rebuilt file fails quick_check: ${problem}`);
    // An ordinary connection: its close removes the -wal and -shm it makes (a read-only one
    // would leave them, under the staging name, beside the database).
    const check = new DatabaseSync(staging);
    check.exec("PRAGMA query_only = ON");
    try {
      const drift = diffSchema(readSchema(check), readSchema(source));
      if (drift.length > 0) throw new Error(`the rebuilt schema differs: ${drift.join("; ")}`);
      for (const table of [...dataTables(source), ...statTables(source)]) {
        if (countRows(check, table) !== countRows(source, table)) {
          throw new Error(`table ${table} lost rows in the copy`);
        }
      }
    } finally {
      check.close();
    }
    copyIdentity(Deno.statSync(file), staging);
    source.exec("ROLLBACK");
    source.close(); // checkpoints and removes its WAL: nothing of the old file may remain beside the new
    for (const suffix of ["-wal", "-shm"]) {
      try {
        Deno.removeSync(file + suffix);
      } catch { /* already gone */ }
    }
    Deno.renameSync(staging, file);
  } catch (error) {
    target?.close();
    if (created) {
      try {
        Deno.removeSync(staging);
      } catch { /* nothing to clean */ }
    }
    throw new PiwardriveError(
      `Cannot vacuum "${dbPath}": ${errorMessage(error)}; the database is unchanged`,
    );
  } finally {
    if (source.isOpen) source.close();
  }
  return { beforeBytes, afterBytes: databaseBytes(file) };
}

function copyDatabase(source: DatabaseSync, target: DatabaseSync): void {
  const pageSize = Object.values(source.prepare("PRAGMA page_size").get()!)[0];
  target.exec(`PRAGMA page_size = ${Number(pageSize)}`);
  target.exec("PRAGMA journal_mode = OFF");
  target.exec("BEGIN");
  const objects = source.prepare(
    "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 ELSE 2 END, rowid",
  ).all() as { type: string; name: string; sql: string }[];
  for (const o of objects.filter((o) => o.type === "table")) target.exec(o.sql);
  for (const table of dataTables(source)) copyRows(source, target, table);
  if (source.prepare("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'").get()) {
    const insert = target.prepare("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)");
    for (const row of source.prepare("SELECT name, seq FROM sqlite_sequence").iterate()) {
      insert.run(row.name as string, row.seq as number);
    }
  }
  for (const o of objects.filter((o) => o.type !== "table")) target.exec(o.sql);
  copyStatistics(source, target);
  for (const pragma of ["user_version", "application_id"]) {
    const value = Object.values(source.prepare(`PRAGMA ${pragma}`).get()!)[0];
    target.exec(`PRAGMA ${pragma} = ${Number(value)}`);
  }
  target.exec("COMMIT");
  target.exec("PRAGMA journal_mode = WAL");
}

/**
 * ANALYZE's tables cannot be created by hand: `ANALYZE sqlite_schema` makes them (empty of the
 * application's rows), then the source's rows are copied so the planner keeps its statistics.
 */
function copyStatistics(source: DatabaseSync, target: DatabaseSync): void {
  const tables = statTables(source);
  if (tables.length === 0) return;
  target.exec("ANALYZE sqlite_schema");
  for (const table of tables) {
    if (!target.prepare("SELECT 1 FROM sqlite_master WHERE name = ?").get(table)) {
      throw new Error(`this SQLite cannot hold ${table}`);
    }
    target.exec(`DELETE FROM ${table}`);
    copyRows(source, target, table);
  }
}

function statTables(db: DatabaseSync): string[] {
  return (db.prepare(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('sqlite_stat1', 'sqlite_stat4') ORDER BY name",
  ).all() as { name: string }[]).map((t) => t.name);
}

function copyRows(source: DatabaseSync, target: DatabaseSync, table: string): void {
  const columns = (source.prepare(
    "SELECT name FROM pragma_table_xinfo(?) WHERE hidden IN (0, 1) ORDER BY cid",
  ).all(table) as { name: string }[]).map((c) => quoteName(c.name));
  const list = columns.join(", ");
  const insert = target.prepare(
    `INSERT INTO ${quoteName(table)} (${list}) VALUES (${columns.map(() => "?").join(", ")})`,
  );
  const select = source.prepare(`SELECT ${list} FROM ${quoteName(table)}`);
  select.setReadBigInts(true); // 64-bit integers must survive the copy exactly
  for (const row of select.iterate()) {
    insert.run(...(Object.values(row) as (string | number | bigint | null | Uint8Array)[]));
  }
}

function dataTables(db: DatabaseSync): string[] {
  return (db.prepare(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid",
  ).all() as { name: string }[]).map((t) => t.name);
}

function countRows(db: DatabaseSync, table: string): number {
  return Number(Object.values(db.prepare(`SELECT count(*) FROM ${quoteName(table)}`).get()!)[0]);
}
