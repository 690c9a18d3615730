/**
 * Online backups with SQLite's backup API (consistent while other connections write), checked
 * with quick_check before they count, and pruned to the newest few.
 */
import { backup, DatabaseSync } from "node:sqlite";
import { statfsSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { errorMessage, PiwardriveError } from "../errors.ts";
import { integrityProblems } from "./damage.ts";

/** How many automatic pre-migration backups are kept beside the database. */
export const KEEP_BACKUPS = 3;

/** `<db>.bak-<UTC timestamp>-v<version>`: sorts by time, says what it holds. */
export function backupPathFor(dbPath: string, version: number, now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  return `${dbPath}.bak-${stamp}-v${version}`;
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

/** Refuses when the file system holding `dir` has less than `neededBytes` free. */
export function ensureFreeSpace(dir: string, neededBytes: number, purpose: string): void {
  const fs = statfsSync(dir);
  const free = Number(fs.bavail) * Number(fs.bsize);
  if (free < neededBytes) {
    throw new PiwardriveError(
      `Not enough free disk space for ${purpose} in "${dir}": ${mib(free)} free, ${
        mib(neededBytes)
      } needed; free some space or use --no-backup`,
    );
  }
}

/**
 * Copies the open database `db` to `destination` (created 0600), then proves the copy with
 * quick_check. A failed copy is removed.
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
    if (created) Deno.removeSync(destination);
    if (error instanceof Deno.errors.AlreadyExists) {
      throw new PiwardriveError(`Cannot back up to "${destination}": the file already exists`);
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
    db = new DatabaseSync(path, { readOnly: true });
    // One line naming the damaged object (quick_check's own answer is many lines in one row).
    return integrityProblems(db, "quick_check", 1)[0] ?? null;
  } catch (error) {
    return errorMessage(error);
  } finally {
    db?.close();
  }
}

/** Deletes all but the newest `keep` automatic backups of `dbPath`; returns what it removed. */
export function pruneBackups(dbPath: string, keep = KEEP_BACKUPS): string[] {
  const dir = dirname(dbPath);
  const prefix = `${basename(dbPath)}.bak-`;
  const backups = [...Deno.readDirSync(dir)]
    .filter((e) => e.isFile && e.name.startsWith(prefix) && /-v\d+$/.test(e.name))
    .map((e) => e.name)
    .sort();
  const removed = backups.slice(0, Math.max(0, backups.length - keep)).map((n) => join(dir, n));
  for (const path of removed) Deno.removeSync(path);
  return removed;
}

function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}
