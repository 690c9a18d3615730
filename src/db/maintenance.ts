/**
 * The guide's maintenance and monitoring: integrity checks, vacuum, analyze, statistics, the
 * index analysis, and backup/restore by hand.
 */
import { DatabaseSync } from "node:sqlite";
import { basename, dirname, join } from "node:path";
import {
  errorMessage,
  ExitCode,
  PiwardriveError,
  SchemaNewerError,
  VerificationError,
} from "../errors.ts";
import { openDatabase } from "./open.ts";
import { integrityProblems } from "./damage.ts";
import { backupDatabase, databaseBytes, ensureFreeSpace, quickCheckFile } from "./backup.ts";
import { APP_QUERIES } from "./queries.ts";
import { readLedger } from "../migrate/ledger.ts";
import { quoteName } from "../migrate/rebuild.ts";

export interface IntegrityReport {
  integrity: string[];
  foreignKeys: string[];
}

/** integrity_check (whole file) and foreign_key_check; empty lists mean clean. */
export function checkIntegrity(dbPath: string): IntegrityReport {
  const db = openDatabase(dbPath, { readOnly: true, failureExitCode: ExitCode.verificationFailed });
  try {
    const integrity = integrityProblems(db, "integrity_check", 100);
    // foreign_key_check reads the child tables: damage there must not hide what integrity found.
    let foreignKeys: string[];
    try {
      const fk = db.prepare("PRAGMA foreign_key_check").all() as Record<string, unknown>[];
      foreignKeys = fk.map((v) =>
        `table ${v.table} rowid ${v.rowid} references a missing row in ${v.parent}`
      );
    } catch (error) {
      foreignKeys = [`cannot read the database: ${errorMessage(error)}`];
    }
    return { integrity, foreignKeys };
  } finally {
    db.close();
  }
}

export interface DatabaseStats {
  database: string;
  fileBytes: number;
  walBytes: number;
  pageSize: number;
  pageCount: number;
  freelistCount: number;
  journalMode: string;
  schemaVersion: number;
  tables: { name: string; rows: number; indexes: string[] }[];
}

/** Size, pages, free pages, rows and indexes per table. */
export function databaseStats(dbPath: string): DatabaseStats {
  const db = openDatabase(dbPath, { readOnly: true });
  try {
    const pragma = (name: string) => Object.values(db.prepare(`PRAGMA ${name}`).get()!)[0];
    const tables = (db.prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
    ).all() as { name: string }[]).map(({ name }) => ({
      name,
      rows: Number(Object.values(db.prepare(`SELECT count(*) FROM ${quoteName(name)}`).get()!)[0]),
      indexes: (db.prepare("SELECT name FROM pragma_index_list(?) ORDER BY name").all(name) as {
        name: string;
      }[]).map((i) => i.name),
    }));
    const ledger = readLedger(db);
    return {
      database: dbPath,
      fileBytes: Deno.statSync(dbPath).size,
      walBytes: databaseBytes(dbPath) - Deno.statSync(dbPath).size,
      pageSize: Number(pragma("page_size")),
      pageCount: Number(pragma("page_count")),
      freelistCount: Number(pragma("freelist_count")),
      journalMode: String(pragma("journal_mode")),
      schemaVersion: ledger.length === 0 ? 0 : ledger[ledger.length - 1].version,
      tables,
    };
  } finally {
    db.close();
  }
}

/** For each application query, the index that serves it (EXPLAIN QUERY PLAN). */
export function indexUsage(
  dbPath: string,
): { name: string; sql: string; plan: string[]; index: string | null }[] {
  const db = openDatabase(dbPath, { readOnly: true });
  try {
    return APP_QUERIES.map(({ name, sql }) => {
      let plan: string[];
      try {
        plan = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) =>
          r.detail
        );
      } catch (error) {
        plan = [`cannot plan: ${errorMessage(error)}`];
      }
      const index = plan.map((d) => /USING (?:COVERING )?INDEX (\S+)/.exec(d)?.[1]).find(Boolean) ??
        null;
      return { name, sql, plan, index };
    });
  } finally {
    db.close();
  }
}

/** ANALYZE + optimize: fresh statistics for the query planner. */
export function analyzeDatabase(dbPath: string): void {
  const db = openDatabase(dbPath);
  try {
    db.exec("ANALYZE");
    db.exec("PRAGMA optimize");
  } finally {
    db.close();
  }
}

/** `db backup <path>`: an online, checked copy. */
export async function backupTo(dbPath: string, destination: string): Promise<number> {
  const db = openDatabase(dbPath, { readOnly: true });
  try {
    ensureFreeSpace(
      dirname(destination) || ".",
      Math.ceil(databaseBytes(dbPath) * 1.1),
      "the backup",
    );
    await backupDatabase(db, destination);
    return Deno.statSync(destination).size;
  } finally {
    db.close();
  }
}

/**
 * `db restore <path>`: checks the backup (quick_check, ledger no newer than `latestVersion`),
 * keeps a copy of the file it replaces, then puts the backup in place atomically (rename).
 * The caller holds the migration lock; collect must not be running.
 */
export function restoreFrom(
  dbPath: string,
  backupPath: string,
  latestVersion: number,
  now = new Date(),
): { keptCopy: string | null; version: number } {
  const problem = quickCheckFile(backupPath);
  if (problem) {
    throw new VerificationError(`Backup "${backupPath}" is not a sound database: ${problem}`);
  }
  const probe = new DatabaseSync(backupPath, { readOnly: true });
  let version: number;
  try {
    const versions = readLedger(probe).map((r) => r.version);
    const newer = versions.filter((v) => v > latestVersion);
    if (newer.length > 0) throw new SchemaNewerError(newer, latestVersion);
    version = versions.length === 0 ? 0 : Math.max(...versions);
  } finally {
    probe.close();
  }
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  let keptCopy: string | null = null;
  const dir = dirname(dbPath);
  const staging = join(dir, `.${basename(dbPath)}.restoring`);
  try {
    ensureFreeSpace(
      dir,
      Deno.statSync(backupPath).size + databaseBytes(dbPath) + 1048576,
      "the restore",
    );
    if (exists(dbPath)) {
      keptCopy = `${dbPath}.replaced-${stamp}`;
      Deno.copyFileSync(dbPath, keptCopy);
      if (exists(`${dbPath}-wal`)) Deno.copyFileSync(`${dbPath}-wal`, `${keptCopy}-wal`);
    }
    Deno.copyFileSync(backupPath, staging);
    Deno.chmodSync(staging, 0o600);
    for (const suffix of ["-wal", "-shm"]) {
      if (exists(dbPath + suffix)) Deno.removeSync(dbPath + suffix);
    }
    Deno.renameSync(staging, dbPath);
  } catch (error) {
    if (exists(staging)) Deno.removeSync(staging);
    if (error instanceof PiwardriveError) throw error;
    throw new PiwardriveError(
      `Cannot restore "${dbPath}" from "${backupPath}": ${errorMessage(error)}`,
    );
  }
  return { keptCopy, version };
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}
