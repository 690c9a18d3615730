/**
 * Opening the store. A new file is created with mode 0600 (it holds a location history); an
 * existing file is proved to be a readable SQLite database before anything is written to it.
 */
import { DatabaseSync } from "node:sqlite";
import { parentDir } from "../paths.ts";
import { errorMessage, ExitCode, PiwardriveError } from "../errors.ts";
import { registerFunctions } from "./functions.ts";

/** How a command opens the database. */
export interface OpenOptions {
  /** Open read-only: never creates, never writes (verify, stats, export). */
  readOnly?: boolean;
  /** Create the file (and its folder) when it does not exist. Ignored when readOnly. */
  create?: boolean;
  /** Exit code for "cannot open": 1 by default, 3 for verify/check. */
  failureExitCode?: ExitCode;
  /** Milliseconds to wait for a lock held by another process. */
  busyTimeoutMs?: number;
}

/** Default wait for another writer (collect and migrate share the file). */
export const BUSY_TIMEOUT_MS = 10_000;

/**
 * Opens `path` with the store's settings: WAL, synchronous=NORMAL, a busy timeout, foreign keys on.
 *
 * @example
 * ```ts
 * const db = openDatabase("/var/lib/piwardrive/piwardrive.db", { create: true });
 * ```
 */
export function openDatabase(path: string, options: OpenOptions = {}): DatabaseSync {
  const failure = options.failureExitCode ?? ExitCode.runtime;
  const fail = (detail: string, cause?: unknown) =>
    new PiwardriveError(`Cannot open database "${path}": ${detail}`, failure, { cause });

  let exists = true;
  try {
    const info = Deno.statSync(path);
    if (info.isDirectory) throw fail("it is a directory; give a file path with --db");
  } catch (error) {
    if (error instanceof PiwardriveError) throw error;
    if (!(error instanceof Deno.errors.NotFound)) throw fail(errorMessage(error), error);
    exists = false;
  }
  if (!exists) {
    if (options.readOnly || !options.create) {
      throw fail("no such file; run `piwardrive migrate` to create it");
    }
    createPrivateFile(path, fail);
  }

  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path, { readOnly: options.readOnly ?? false });
  } catch (error) {
    throw fail(errorMessage(error), error);
  }
  try {
    // Reading the schema proves the header is a SQLite database before any pragma writes.
    db.prepare("SELECT count(*) FROM sqlite_master").get();
    db.exec(`PRAGMA busy_timeout = ${options.busyTimeoutMs ?? BUSY_TIMEOUT_MS}`);
    if (!options.readOnly) {
      const mode = db.prepare("PRAGMA journal_mode = WAL").get() as { journal_mode: string };
      if (mode.journal_mode !== "wal") throw new Error(`journal mode stays "${mode.journal_mode}"`);
      db.exec("PRAGMA synchronous = NORMAL");
    }
    db.exec("PRAGMA foreign_keys = ON");
    registerFunctions(db);
  } catch (error) {
    db.close();
    throw fail(describeSqliteError(error), error);
  }
  return db;
}

function createPrivateFile(path: string, fail: (detail: string, cause?: unknown) => Error): void {
  try {
    Deno.mkdirSync(parentDir(path), { recursive: true, mode: 0o700 });
    Deno.openSync(path, { createNew: true, write: true, mode: 0o600 }).close();
    // The umask may have narrowed the mode further, never widened it; set it exactly.
    Deno.chmodSync(path, 0o600);
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) return; // another process was first
    throw fail(errorMessage(error), error);
  }
}

/** SQLite's own words, with a hint for the two a user meets most. */
export function describeSqliteError(error: unknown): string {
  const message = errorMessage(error);
  if (/file is not a database/i.test(message)) return "file is not a SQLite database";
  if (/malformed|corrupt/i.test(message)) {
    return `${message}; the file is damaged: run \`piwardrive db check\`, or \`piwardrive db restore\` from a backup`;
  }
  return message;
}

/**
 * Refuses to write to a damaged database: `quick_check` must pass (a full read of the file,
 * about a second per 250 MB here). Exit 1, like a damaged file found while opening.
 */
export function ensureSound(db: DatabaseSync, path: string): void {
  let problems: string[];
  try {
    problems = (db.prepare("PRAGMA quick_check(5)").all() as { quick_check: string }[])
      .flatMap((r) => r.quick_check.split("\n"))
      .filter((r) => r !== "ok" && !r.startsWith("***"));
  } catch (error) {
    problems = [errorMessage(error)];
  }
  if (problems.length > 0) {
    throw new PiwardriveError(
      `Database "${path}" is damaged (quick_check: ${problems[0]}); nothing was written: ` +
        "run `piwardrive db check`, and `piwardrive db restore <backup>` from its last good backup",
    );
  }
}
