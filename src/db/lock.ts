/**
 * One migrator at a time: an exclusive flock on `<db>.lock`. The kernel drops it when the
 * process dies (even by kill -9), so a crash never leaves a stale lock behind.
 */
import { dirname } from "node:path";
import { errorMessage, PiwardriveError } from "../errors.ts";

/** Default bounded wait for another migrator to finish. */
export const LOCK_WAIT_MS = 30_000;

/** A held lock; `release()` is idempotent. */
export interface HeldLock {
  release(): void;
}

/**
 * Takes the migration lock of `dbPath`, polling until `waitMs` has passed.
 *
 * @example
 * ```ts
 * const lock = await acquireMigrationLock("piwardrive.db");
 * try { … } finally { lock.release(); }
 * ```
 */
export async function acquireMigrationLock(
  dbPath: string,
  waitMs = LOCK_WAIT_MS,
  onWait?: (holder: string) => void,
): Promise<HeldLock> {
  const path = `${dbPath}.lock`;
  let file: Deno.FsFile;
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
  while (!(await file.tryLock(true))) {
    const holder = holderOf(path);
    if (Date.now() >= deadline) {
      file.close();
      throw new PiwardriveError(
        `Another piwardrive (${holder}) is migrating "${dbPath}"; waited ${
          Math.round(waitMs / 1000)
        } s, try again when it has finished`,
      );
    }
    if (!announced) onWait?.(holder);
    announced = true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await file.truncate(0);
  await file.write(new TextEncoder().encode(`pid ${Deno.pid}\n`));
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
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
