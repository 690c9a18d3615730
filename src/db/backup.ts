/**
 * Online backups with SQLite's backup API (consistent while other connections write), checked
 * with quick_check before they count, and pruned to the newest few.
 */
import { backup, DatabaseSync } from "node:sqlite";
import { statfsSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { errorMessage, PiwardriveError } from "../errors.ts";
import { parentDir } from "../paths.ts";
import { kindAt, sameFile } from "./files.ts";
import { openReadOnly } from "./open.ts";
import { integrityProblems } from "./damage.ts";

/** How many automatic pre-migration backups are kept beside the database. */
export const KEEP_BACKUPS = 3;

/**
 * `<db>.bak-<UTC time to the millisecond>-v<version>` (e.g. `p.db.bak-20261202T115620.123Z-v3`):
 * sorts by time, says what it holds. Two runs in one millisecond, or a clock set back (the Pi has
 * no RTC), still get a new name: the stamp is `now` or one millisecond after the newest backup
 * already there, whichever is later, so names never collide and the newest is always last.
 * Unique because only the holder of the migration lock writes these names.
 */
export function backupPathFor(dbPath: string, version: number, now: Date): string {
  const newest = listBackups(dbPath).reduce((max, b) => Math.max(max, b.timeMs), -Infinity);
  const stamp = new Date(Math.max(now.getTime(), newest + 1)).toISOString()
    .replace(/[-:]/g, "");
  return `${dbPath}.bak-${stamp}-v${version}`;
}

/**
 * The name a backup gets when the run after it deletes rows: never pruned automatically.
 *
 * @example
 * ```ts
 * keptBackupPath("p.db.bak-20261202T115620.123Z-v10"); // "p.db.bak-20261202T115620.123Z-v10-keep"
 * ```
 */
export function keptBackupPath(backupPath: string): string {
  return `${backupPath}-keep`;
}

/** An automatic pre-migration backup beside the database. */
export interface BackupFile {
  path: string;
  /** The version the database had when it was copied. */
  version: number;
  /** When it was taken (from its name), UTC ISO-8601. */
  time: string;
  timeMs: number;
  bytes: number;
  /** Taken before a run that deleted rows: never pruned automatically. */
  kept: boolean;
}

// Both the current stamp (milliseconds) and the one before it (seconds), so pruning still sees
// backups made by older versions.
const BACKUP_NAME = /^\.bak-(\d{8})T(\d{6})(?:\.(\d{3}))?Z-v(\d+)(-keep)?$/;

/**
 * The automatic backups of `dbPath`, oldest first.
 *
 * @example
 * ```ts
 * listBackups("/var/lib/piwardrive/piwardrive.db").filter((b) => b.kept);
 * ```
 */
export function listBackups(dbPath: string): BackupFile[] {
  const dir = dirname(dbPath);
  const base = basename(dbPath);
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(dir)];
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  const backups: BackupFile[] = [];
  for (const entry of entries) {
    if (!entry.isFile || !entry.name.startsWith(base)) continue;
    const m = BACKUP_NAME.exec(entry.name.slice(base.length));
    if (!m) continue;
    const [, day, time, ms, version, kept] = m;
    const timeMs = Date.UTC(
      Number(day.slice(0, 4)),
      Number(day.slice(4, 6)) - 1,
      Number(day.slice(6, 8)),
      Number(time.slice(0, 2)),
      Number(time.slice(2, 4)),
      Number(time.slice(4, 6)),
      Number(ms ?? 0),
    );
    if (Number.isNaN(timeMs)) continue;
    const path = join(dir, entry.name);
    let bytes: number;
    try {
      bytes = Deno.statSync(path).size;
    } catch {
      continue; // removed meanwhile
    }
    backups.push({
      path,
      version: Number(version),
      time: new Date(timeMs).toISOString(),
      timeMs,
      bytes,
      kept: kept !== undefined,
    });
  }
  return backups.sort((a, b) => a.timeMs - b.timeMs || (a.path < b.path ? -1 : 1));
}

/** Bytes the database occupies, WAL included. */
export function databaseBytes(dbPath: string): number {
  let total = 0;
  for (const suffix of ["", "-wal"]) {
    try {
      total += Deno.statSync(dbPath + suffix).size;
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  return total;
}

/**
 * Free space a backup of a database of `bytes` needs: the copy, 10 % for its growth while it
 * leaves WAL mode (its journal), and 1 MiB, without which a small database's copy can pass the
 * check and still fail with "disk I/O error" half-way.
 */
export function backupSpaceNeeded(bytes: number): number {
  return Math.ceil(bytes * 1.1) + 1048576;
}

/** Refuses when the file system holding `dir` has less than `neededBytes` free. */
export function ensureFreeSpace(
  dir: string,
  neededBytes: number,
  purpose: string,
  hint = "free some space or use --no-backup",
): void {
  const fs = statfsSync(dir);
  const free = Number(fs.bavail) * Number(fs.bsize);
  if (free < neededBytes) {
    throw new PiwardriveError(
      `Not enough free disk space for ${purpose} in "${dir}": ${mib(free)} free, ${
        mib(neededBytes)
      } needed; ${hint}`,
    );
  }
}

/**
 * Refuses a backup destination before any byte is written: whatever already exists at it (the
 * live database, an earlier backup, a folder, a symlink even dangling, a FIFO, a device) is never
 * touched, and a missing folder is named.
 */
export function ensureNewBackupPath(destination: string, dbPath: string): void {
  const fail = (why: string) => new PiwardriveError(`Cannot back up to "${destination}": ${why}`);
  if (sameFile(destination, dbPath)) {
    throw fail(`it is the database itself; give a new file name`);
  }
  const kind = kindAt(destination);
  if (kind !== null) {
    throw fail(`${kind} already exists there; give a new file name (nothing was changed)`);
  }
  const dir = parentDir(destination);
  const folder = kindAt(dir);
  if (folder === null) throw fail(`the folder "${dir}" does not exist; create it first`);
  if (!Deno.statSync(dir).isDirectory) throw fail(`"${dir}" is not a folder`);
}

/**
 * Copies the open database `db` to `destination`, which must not exist (created 0600, never
 * replaced), then proves the copy with quick_check. Only a file this call created is removed
 * when something fails.
 *
 * @example
 * ```ts
 * await backupDatabase(db, "/var/lib/piwardrive/piwardrive.db.bak-20261124T010203Z-v3");
 * ```
 */
export async function backupDatabase(db: DatabaseSync, destination: string): Promise<void> {
  // Only a file this call created may be removed: an existing one is someone else's.
  let created = false;
  try {
    // O_EXCL: a file, folder or symlink (dangling too) that appeared meanwhile fails here.
    Deno.openSync(destination, { createNew: true, write: true, mode: 0o600 }).close();
    created = true;
    await backup(db, destination);
    // The copy inherits WAL mode; a backup is a single self-contained file.
    const copy = new DatabaseSync(destination);
    try {
      copy.exec("PRAGMA journal_mode = DELETE");
    } finally {
      copy.close();
    }
    const problem = quickCheckFile(destination);
    if (problem) throw new Error(`the copy fails quick_check: ${problem}`);
  } catch (error) {
    if (created) {
      for (const suffix of ["", "-journal", "-wal", "-shm"]) {
        try {
          Deno.removeSync(destination + suffix);
        } catch { /* not made */ }
      }
    }
    if (error instanceof Deno.errors.AlreadyExists) {
      throw new PiwardriveError(
        `Cannot back up to "${destination}": something already exists there; give a new file name (nothing was changed)`,
      );
    }
    throw new PiwardriveError(`Cannot back up to "${destination}": ${errorMessage(error)}`, 1, {
      cause: error,
    });
  }
}

/** Null when the SQLite file at `path` passes quick_check, else the first problem. */
export function quickCheckFile(path: string): string | null {
  let db: DatabaseSync | null = null;
  try {
    db = openReadOnly(path);
    // One line naming the damaged object (quick_check's own answer is many lines in one row).
    return integrityProblems(db, "quick_check", 1)[0] ?? null;
  } catch (error) {
    return errorMessage(error);
  } finally {
    db?.close();
  }
}

/**
 * Deletes all but the newest `keep` automatic backups of `dbPath` (old and new names alike);
 * kept backups (`-keep`, taken before a run that deleted rows) are never touched. Returns what
 * it removed.
 */
export function pruneBackups(dbPath: string, keep = KEEP_BACKUPS): string[] {
  const rotating = listBackups(dbPath).filter((b) => !b.kept);
  const removed = rotating.slice(0, Math.max(0, rotating.length - keep)).map((b) => b.path);
  for (const path of removed) Deno.removeSync(path);
  return removed;
}

function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}
