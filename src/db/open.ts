/**
 * Opening the store. A new file is created with mode 0600 (it holds a location history); an
 * existing file is proved to be a readable SQLite database before anything is written to it.
 */
import { DatabaseSync } from "node:sqlite";
import { existsNow, parentDir } from "../paths.ts";
import { DatabaseMissingError, errorMessage, ExitCode, PiwardriveError } from "../errors.ts";
import { registerFunctions } from "./functions.ts";
import { canWriteFile, describeKind, ensureWritableDatabase } from "./files.ts";

/** How a command opens the database. */
export interface OpenOptions {
  /** Open read-only: never creates, never writes (verify, stats, export). */
  readOnly?: boolean;
  /** Create the file (and its folder) when it does not exist. Ignored when readOnly. */
  create?: boolean;
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
  const fail = (detail: string, cause?: unknown) =>
    new PiwardriveError(`Cannot open database "${path}": ${detail}`, ExitCode.runtime, { cause });

  const exists = ensureDatabaseFile(path);
  if (!exists && (options.readOnly || !options.create)) throw new DatabaseMissingError(path);
  if (!options.readOnly) ensureWritableDatabase(path);
  if (!exists) createPrivateFile(path, fail);

  let db: DatabaseSync;
  try {
    db = options.readOnly ? openReadOnly(path) : new DatabaseSync(path);
  } catch (error) {
    if (error instanceof PiwardriveError) throw error;
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

/**
 * Whether a database file is at `path` (false when nothing is), refusing what cannot be one: a
 * folder, a FIFO or a device (opening those would block or read forever), or a file whose first
 * bytes are not SQLite's header. Nothing is created or written.
 */
export function ensureDatabaseFile(path: string): boolean {
  const fail = (detail: string, cause?: unknown) =>
    new PiwardriveError(`Cannot open database "${path}": ${detail}`, ExitCode.runtime, { cause });
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw fail(errorMessage(error), error);
  }
  if (info.isDirectory) throw fail("it is a directory; give a file path with --db");
  if (!info.isFile) {
    throw fail(`it is ${describeKind(info)}, not a database file; give a file path with --db`);
  }
  if (info.size > 0) {
    const header = new Uint8Array(16);
    try {
      using file = Deno.openSync(path, { read: true });
      const read = file.readSync(header) ?? 0;
      if (read === 16 && new TextDecoder().decode(header) === SQLITE_HEADER) return true;
    } catch (error) {
      throw fail(errorMessage(error), error);
    }
    throw fail("file is not a SQLite database");
  }
  return true;
}

const SQLITE_HEADER = "SQLite format 3\0";

/**
 * A connection that reads and leaves the files beside the database as it found them:
 * 1. where a -wal and -shm already exist (a collect is running, or left them), a read-only
 *    connection sharing them: an ordinary one, closing last, would checkpoint and delete them;
 * 2. else, where this process can write the file, an ordinary connection with query_only, because
 *    SQLite's own close then removes the -wal and -shm it made (a read-only connection never
 *    removes them);
 * 3. else (a read-only folder, another user's read-only file) SQLite cannot make the -shm a reader
 *    of a WAL database needs, and Deno honours `file:…?immutable=1` only with every permission:
 *    the file (and its -wal) is copied into a private temporary folder and read there; the copy
 *    goes when the connection closes.
 */
export function openReadOnly(path: string): DatabaseSync {
  if (existsNow(`${path}-wal`) && existsNow(`${path}-shm`)) {
    const db = tryRead(() => new DatabaseSync(path, { readOnly: true }), false);
    if (db) return db;
  }
  if (canWriteFile(path)) {
    const db = tryRead(() => new DatabaseSync(path), true);
    if (db) return db;
  }
  return openPrivateCopy(path);
}

/** The connection if it can read the schema; null when SQLite cannot make what it needs. */
function tryRead(open: () => DatabaseSync, queryOnly: boolean): DatabaseSync | null {
  const db = open();
  try {
    if (queryOnly) db.exec("PRAGMA query_only = ON");
    db.prepare("SELECT count(*) FROM sqlite_master").get();
    return db;
  } catch (error) {
    db.close();
    if (/unable to open|readonly|read-only/i.test(errorMessage(error))) return null;
    throw error;
  }
}

function openPrivateCopy(path: string): DatabaseSync {
  return openCopy(path, "piwardrive-read-", (dir, error) =>
    new PiwardriveError(
      `Cannot read database "${path}": it cannot be read in place (a read-only folder or file) and copying it to "${dir}" failed: ${
        errorMessage(error)
      }`,
    ));
}

/**
 * A query-only connection to a private copy of `path` (with its -wal and -journal, which SQLite
 * then applies or rolls back on the copy, never on the original) in a new temporary folder that
 * goes when the connection closes. `fail` makes the error when copying or opening fails.
 *
 * @example
 * ```ts
 * const db = openCopy("/media/usb/kismet.db", "piwardrive-import-", (_dir, e) => e as Error);
 * ```
 */
export function openCopy(
  path: string,
  prefix: string,
  fail: (dir: string, error: unknown) => Error,
): DatabaseSync {
  const dir = Deno.makeTempDirSync({ prefix });
  const remove = () => Deno.removeSync(dir, { recursive: true });
  let db: DatabaseSync;
  try {
    Deno.copyFileSync(path, `${dir}/copy.db`);
    for (const suffix of ["-wal", "-journal"]) {
      if (existsNow(path + suffix)) Deno.copyFileSync(path + suffix, `${dir}/copy.db${suffix}`);
    }
    db = new DatabaseSync(`${dir}/copy.db`);
    db.exec("PRAGMA query_only = ON");
    db.prepare("SELECT count(*) FROM sqlite_master").get();
  } catch (error) {
    remove();
    throw fail(dir, error);
  }
  const close = db.close.bind(db);
  db.close = () => {
    if (!db.isOpen) return;
    try {
      close();
    } finally {
      remove();
    }
  };
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
