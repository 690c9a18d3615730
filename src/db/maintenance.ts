/**
 * The guide's maintenance and monitoring: integrity checks, vacuum, analyze, statistics, the
 * index analysis, and backup/restore by hand.
 */
import { basename, dirname, join } from "node:path";
import {
  DamagedDatabaseError,
  errorMessage,
  PiwardriveError,
  SchemaNewerError,
} from "../errors.ts";
import { openDatabase, openReadOnly } from "./open.ts";
import { copyIdentity, describeKind, realTarget, sameFile } from "./files.ts";
import {
  backupDatabase,
  backupSpaceNeeded,
  databaseBytes,
  ensureFreeSpace,
  ensureNewBackupPath,
  quickCheckFile,
} from "./backup.ts";
import { parentDir } from "../paths.ts";
import { integrityProblems } from "./damage.ts";
import { APP_QUERIES } from "./queries.ts";
import { deviceId } from "./config.ts";
import { readLedger } from "./ledger.ts";
import { compareLedger, type KnownMigration, versionsWith } from "./ledger_compare.ts";
import { quoteName } from "./rebuild.ts";

export interface IntegrityReport {
  integrity: string[];
  foreignKeys: string[];
}

/** integrity_check (whole file) and foreign_key_check; empty lists mean clean. */
export function checkIntegrity(dbPath: string): IntegrityReport {
  const db = openDatabase(dbPath, { readOnly: true });
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
  /** The Pi's device id for sync (made by the first sync), or null before it. */
  deviceId: string | null;
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
      deviceId: tables.some((t) => t.name === "configuration") ? deviceId(db, false) : null,
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

/** `db backup <path>`: an online, checked copy to a path that must not exist yet. */
export async function backupTo(dbPath: string, destination: string): Promise<number> {
  ensureNewBackupPath(destination, dbPath);
  const db = openDatabase(dbPath, { readOnly: true });
  try {
    ensureFreeSpace(
      parentDir(destination),
      backupSpaceNeeded(databaseBytes(dbPath)),
      "the backup",
      "free some space or back up to another disk",
    );
    await backupDatabase(db, destination);
    return Deno.statSync(destination).size;
  } finally {
    db.close();
  }
}

/**
 * `db restore <path>`: checks the backup (quick_check, ledger no newer than `migrations`),
 * keeps a copy of the file it replaces, then puts the backup in place atomically (rename).
 * The caller holds the migration lock; collect must not be running.
 */
export function restoreFrom(
  dbPath: string,
  backupPath: string,
  migrations: readonly KnownMigration[],
  now = new Date(),
): { keptCopy: string | null; version: number } {
  ensureRestorable(dbPath, backupPath);
  const problem = quickCheckFile(backupPath);
  if (problem) {
    throw new DamagedDatabaseError(
      backupPath,
      `Backup "${backupPath}" is not a sound database: ${problem}`,
    );
  }
  const probe = openReadOnly(backupPath);
  let version: number;
  try {
    const comparison = compareLedger(readLedger(probe), migrations);
    const newer = versionsWith(comparison, "newer");
    if (newer.length > 0) throw new SchemaNewerError(newer, comparison.latest);
    version = comparison.current;
  } finally {
    probe.close();
  }
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  // A symlinked database has its target replaced; the link stays a link.
  const file = realTarget(dbPath);
  const original = exists(file) ? Deno.statSync(file) : null;
  let keptCopy: string | null = null;
  const dir = dirname(file);
  const staging = join(dir, `.${basename(file)}.restoring`);
  let created = false;
  try {
    if (!exists(dir)) throw new Error(`the folder "${dir}" does not exist; create it first`);
    ensureFreeSpace(
      dir,
      Deno.statSync(backupPath).size + databaseBytes(file) + 1048576,
      "the restore",
      "free some space first",
    );
    if (original) {
      keptCopy = newCopy(file, `${file}.replaced-${stamp}`, original);
      if (exists(`${file}-wal`)) newCopy(`${file}-wal`, `${keptCopy}-wal`, original);
    }
    if (exists(staging) && Deno.lstatSync(staging).isFile) Deno.removeSync(staging); // a dead run's
    // Created (and so ours to remove) from the moment it exists, even if the copy fails half-way.
    copyNew(backupPath, staging, () => created = true);
    if (original) copyIdentity(original, staging);
    else Deno.chmodSync(staging, 0o600);
    for (const suffix of ["-wal", "-shm"]) {
      if (exists(file + suffix)) Deno.removeSync(file + suffix);
    }
    Deno.renameSync(staging, file);
  } catch (error) {
    if (created && exists(staging)) Deno.removeSync(staging);
    if (error instanceof PiwardriveError) throw error;
    throw new PiwardriveError(
      `Cannot restore "${dbPath}" from "${backupPath}": ${errorMessage(error)}`,
    );
  }
  return { keptCopy, version };
}

/** The backup must be a file that is not the database itself; said before anything is read. */
function ensureRestorable(dbPath: string, backupPath: string): void {
  const fail = (why: string) => new PiwardriveError(`Cannot restore from "${backupPath}": ${why}`);
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(backupPath);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw fail("the file does not exist; give the path of a backup file");
    }
    throw fail(errorMessage(error));
  }
  if (info.isDirectory) throw fail("it is a folder; give the path of a backup file");
  if (!info.isFile) throw fail(`it is ${describeKind(info)}; give the path of a backup file`);
  if (sameFile(backupPath, dbPath)) throw fail("it is the database itself; give a backup file");
}

/**
 * Copies `from` to a new file at `wanted` (or `wanted-2`, `-3`… when taken: an earlier copy is
 * never overwritten) with `identity`'s owner and mode; returns the path written.
 */
function newCopy(from: string, wanted: string, identity: Deno.FileInfo): string {
  for (let n = 1;; n++) {
    const path = n === 1 ? wanted : `${wanted}-${n}`;
    if (exists(path) || exists(`${path}-wal`)) continue;
    copyNew(from, path);
    copyIdentity(identity, path);
    return path;
  }
}

/**
 * Copies bytes into a file that must not exist yet (O_EXCL), so nothing is replaced; `onCreated`
 * runs as soon as the file exists.
 */
function copyNew(from: string, to: string, onCreated?: () => void): void {
  using source = Deno.openSync(from, { read: true });
  using target = Deno.openSync(to, { createNew: true, write: true, mode: 0o600 });
  onCreated?.();
  const buffer = new Uint8Array(1 << 20);
  for (;;) {
    const n = source.readSync(buffer);
    if (n === null) break;
    let written = 0;
    while (written < n) written += target.writeSync(buffer.subarray(written, n));
  }
  target.syncSync();
}

function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}
