/**
 * Who may use the database file at once, with flocks on `<db>.lock` (the kernel drops them when a
 * process dies, even by kill -9, so a crash never leaves a stale lock):
 * - shared: a process that writes rows through SQLite while it runs (collect, config). Any
 *   number at once; SQLite orders their writes.
 * - exclusive: work that must be alone with the file (applying migrations, vacuum, restore, which
 *   replace or restructure it). It waits, bounded, for the shared holders to finish.
 */
import { dirname } from "node:path";
import { errorMessage, PiwardriveError } from "../errors.ts";
import { ensureDatabaseFile } from "./open.ts";
import { copyIdentity, ensureWritableDatabase } from "./files.ts";

/** Default bounded wait for the lock. */
export const LOCK_WAIT_MS = 30_000;

/** A held lock; `release()` is idempotent. */
export interface HeldLock {
  release(): void;
}

/**
 * Takes the exclusive lock of `dbPath`, polling until `waitMs` has passed.
 *
 * @example
 * ```ts
 * const lock = await acquireMigrationLock("piwardrive.db");
 * try { … } finally { lock.release(); }
 * ```
 */
export function acquireMigrationLock(
  dbPath: string,
  waitMs = LOCK_WAIT_MS,
  onWait?: (holder: string) => void,
): Promise<HeldLock> {
  return acquireLock(dbPath, true, waitMs, onWait);
}

/** Takes a shared lock of `dbPath` (while collecting or writing settings). */
export function acquireSharedLock(
  dbPath: string,
  waitMs = LOCK_WAIT_MS,
  onWait?: (holder: string) => void,
): Promise<HeldLock> {
  return acquireLock(dbPath, false, waitMs, onWait);
}

/**
 * Takes the collector lock of `dbPath` at once or refuses: one collect per database, because two
 * would store every sighting and track point twice. It is held beside the shared lock (which
 * vacuum and restore wait on) in its own file, `<db>.collect.lock`, which names the holder's pid.
 */
export function acquireCollectorLock(dbPath: string): HeldLock {
  const path = `${dbPath}.collect.lock`;
  const { file, created } = openLockFile(dbPath, path);
  if (!file.tryLockSync(true)) {
    file.close();
    const holder = holderOf(path).replace(/,.*$/, "");
    throw new PiwardriveError(
      `Another piwardrive collect (${holder}) is already writing "${dbPath}"; stop it first (systemctl stop piwardrive)`,
    );
  }
  file.truncateSync(0);
  file.writeSync(new TextEncoder().encode(`pid ${Deno.pid}, collecting\n`));
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      file.truncateSync(0);
      // As for the shared lock: a run that left no database takes its lock file away too.
      if (created && !isFile(dbPath) && sameInode(file, path)) {
        try {
          Deno.removeSync(path);
        } catch { /* already gone */ }
      }
      file.close();
    },
  };
}

async function acquireLock(
  dbPath: string,
  exclusive: boolean,
  waitMs: number,
  onWait?: (holder: string) => void,
): Promise<HeldLock> {
  const path = `${dbPath}.lock`;
  const deadline = Date.now() + waitMs;
  let announced = false;
  let opened = openLockFile(dbPath, path);
  for (;;) {
    if (await opened.file.tryLock(exclusive)) {
      // A lock file removed and made again meanwhile (by the clean-up below) is not ours to hold.
      if (sameInode(opened.file, path)) break;
      opened.file.close();
      opened = openLockFile(dbPath, path);
      continue;
    }
    const holder = holderOf(path);
    if (Date.now() >= deadline) {
      opened.file.close();
      throw new PiwardriveError(
        `Another piwardrive (${holder}) is using "${dbPath}"; waited ${
          Math.round(waitMs / 1000)
        } s: try again when it has finished${exclusive ? " (stop a running collect first)" : ""}`,
      );
    }
    if (!announced) onWait?.(holder);
    announced = true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const { file, created } = opened;
  // The lock file names its holder for the message a waiter prints; shared holders sign only an
  // empty file, so the name is one of them.
  const purpose = exclusive ? "migrating or maintaining" : "collecting or writing";
  if (exclusive || (await file.stat()).size === 0) {
    await file.truncate(0);
    await file.write(new TextEncoder().encode(`pid ${Deno.pid}, ${purpose}\n`));
  }
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      if (exclusive) file.truncateSync(0);
      // A run that made the lock but left no database (its command failed) takes the lock away
      // too; only while holding it alone, so no other process is waiting on this file.
      if (created && !isFile(dbPath) && file.tryLockSync(true) && sameInode(file, path)) {
        try {
          Deno.removeSync(path);
        } catch { /* already gone */ }
      }
      file.close(); // closing the descriptor releases the flock
    },
  };
}

/**
 * One upload at a time per database (a timer's run and a manual one): two runs resuming the same
 * pending batch could both send it. Waits for the other to finish (`onWait` hears once after half
 * a second); `<db>.upload.lock` takes the database's owner like every lock file here.
 */
export async function acquireUploadLock(
  dbPath: string,
  onWait: (line: string) => void,
): Promise<HeldLock> {
  const { file } = openLockFile(dbPath, `${dbPath}.upload.lock`);
  const waiting = setTimeout(() => onWait("waiting for another piwardrive upload to finish…"), 500);
  try {
    await file.lock(true);
  } finally {
    clearTimeout(waiting);
  }
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      file.close(); // closing the descriptor releases the flock
    },
  };
}

/**
 * Opens (creating if needed) the lock file `path` of `dbPath`, after refusing a path that is not
 * a database or cannot be written: nothing is made beside a folder, a FIFO, a text file or in a
 * read-only folder. A new lock file gets the database's owner and mode, so that a lock made by
 * `sudo piwardrive migrate` never shuts the database's owner out.
 */
function openLockFile(dbPath: string, path: string): { file: Deno.FsFile; created: boolean } {
  ensureDatabaseFile(dbPath);
  ensureWritableDatabase(dbPath);
  let file: Deno.FsFile;
  let created = false;
  try {
    Deno.mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    try {
      file = Deno.openSync(path, { createNew: true, read: true, write: true, mode: 0o600 });
      created = true;
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
      file = Deno.openSync(path, { read: true, write: true });
    }
  } catch (error) {
    throw new PiwardriveError(`Cannot open database "${dbPath}": ${errorMessage(error)}`, 1, {
      cause: error,
    });
  }
  try {
    const db = Deno.statSync(dbPath);
    const lock = file.statSync();
    // Root repairs a lock file that an older run left owned by root beside someone else's database.
    if (created || (Deno.uid() === 0 && (lock.uid !== db.uid || lock.gid !== db.gid))) {
      copyIdentity({ ...db, mode: db.mode! & 0o666 }, path);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) {
      file.close();
      throw new PiwardriveError(`Cannot open database "${dbPath}": ${errorMessage(error)}`);
    }
  }
  return { file, created };
}

function sameInode(file: Deno.FsFile, path: string): boolean {
  try {
    const a = file.statSync();
    const b = Deno.statSync(path);
    return a.ino === b.ino && a.dev === b.dev;
  } catch {
    return false;
  }
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

function holderOf(path: string): string {
  try {
    return Deno.readTextFileSync(path).trim() || "another process";
  } catch {
    return "another process";
  }
}
