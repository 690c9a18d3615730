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

async function acquireLock(
  dbPath: string,
  exclusive: boolean,
  waitMs: number,
  onWait?: (holder: string) => void,
): Promise<HeldLock> {
  const path = `${dbPath}.lock`;
  let file: Deno.FsFile;
  try {
    // A folder given as the database must not get a lock file beside it.
    if (Deno.statSync(dbPath).isDirectory) {
      throw new PiwardriveError(
        `Cannot open database "${dbPath}": it is a directory; give a file path with --db`,
      );
    }
  } catch (error) {
    if (error instanceof PiwardriveError) throw error;
  }
  try {
    await Deno.mkdir(dirname(path), { recursive: true, mode: 0o700 });
    file = await Deno.open(path, { create: true, read: true, write: true, mode: 0o600 });
  } catch (error) {
    throw new PiwardriveError(`Cannot open database "${dbPath}": ${errorMessage(error)}`, 1, {
      cause: error,
    });
  }
  const deadline = Date.now() + waitMs;
  let announced = false;
  while (!(await file.tryLock(exclusive))) {
    const holder = holderOf(path);
    if (Date.now() >= deadline) {
      file.close();
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
      file.close(); // closing the descriptor releases the flock
    },
  };
}

function holderOf(path: string): string {
  try {
    return Deno.readTextFileSync(path).trim() || "another process";
  } catch {
    return "another process";
  }
}
