/** Opening the database for commands that write: migrate it to the latest version first. */
import type { DatabaseSync } from "node:sqlite";
import { ensureDatabaseFile, ensureSound, openDatabase } from "../db/open.ts";
import {
  acquireCollectorLock,
  acquireSharedLock,
  type HeldLock,
  LOCK_WAIT_MS,
} from "../db/lock.ts";
import { DatabaseMissingError, PiwardriveError, SchemaNewerError } from "../errors.ts";
import { readLedger } from "../db/ledger.ts";
import { compareLedger, type KnownMigration, versionsWith } from "../db/ledger_compare.ts";
import { runMigrate } from "../migrate/mod.ts";
import { type GlobalOptions, type Io, resolveDbPath, VERSION } from "./context.ts";
import { migrationsFor } from "./migrations_source.ts";

/**
 * Brings the database to the latest version (backup, lock, adoption, exit 4 on a newer one)
 * unless `migrate` is false, then opens it for writing.
 */
export async function openCurrentDatabase(
  globals: GlobalOptions,
  io: Io,
  options: OpenCurrentOptions = {},
): Promise<{ db: DatabaseSync; dbPath: string; close(): void }> {
  const dbPath = resolveDbPath(globals);
  if (options.create === false && !ensureDatabaseFile(dbPath)) {
    throw new DatabaseMissingError(dbPath);
  }
  // Taken first and without waiting: a second collect refuses before it migrates or waits.
  const collector = options.collector ? acquireCollectorLock(dbPath) : null;
  try {
    return await openLocked(dbPath, globals, io, options, collector);
  } catch (error) {
    collector?.release();
    throw error;
  }
}

/** How a writing command opens the database. */
export interface OpenCurrentOptions {
  /** Migrate to the latest version first (default); false refuses a database that is not current. */
  migrate?: boolean;
  quiet?: boolean;
  /** Create a missing database (default true; `config set` gives false: a mistyped --db fails). */
  create?: boolean;
  /** This is a collector: refuse at once while another collect writes the same database. */
  collector?: boolean;
}

async function openLocked(
  dbPath: string,
  globals: GlobalOptions,
  io: Io,
  options: OpenCurrentOptions,
  collector: HeldLock | null,
): Promise<{ db: DatabaseSync; dbPath: string; close(): void }> {
  if (options.migrate !== false) {
    const outcome = await runMigrate({
      dbPath,
      migrations: migrationsFor(globals),
      // Merges archived by the migration go ahead (backup kept); anything else needs `migrate`.
      allowDataLoss: "archived",
      appVersion: VERSION,
      log: (line) => options.quiet || io.err(line),
    });
    if (outcome.steps.length > 0 && !options.quiet) {
      io.err(`migrated "${dbPath}" from version ${outcome.fromVersion} to ${outcome.toVersion}`);
    }
  }
  // Held while the database is open: vacuum and restore, which replace the file, wait for it.
  const lock = await acquireSharedLock(
    dbPath,
    LOCK_WAIT_MS,
    (holder) => options.quiet || io.err(`waiting for another piwardrive (${holder}) to finish…`),
  );
  let db: DatabaseSync;
  try {
    db = openDatabase(dbPath, { create: options.migrate !== false });
  } catch (error) {
    lock.release();
    throw error;
  }
  if (options.migrate === false) {
    try {
      ensureSound(db, dbPath);
      ensureCurrent(db, migrationsFor(globals));
    } catch (error) {
      db.close();
      lock.release();
      throw error;
    }
  }
  return {
    db,
    dbPath,
    close() {
      if (db.isOpen) db.close();
      lock.release();
      collector?.release();
    },
  };
}

/** Without migrating, the database must be exactly at this binary's latest version. */
function ensureCurrent(db: DatabaseSync, migrations: readonly KnownMigration[]): void {
  const comparison = compareLedger(readLedger(db), migrations);
  const newer = versionsWith(comparison, "newer");
  if (newer.length > 0) throw new SchemaNewerError(newer, comparison.latest);
  if (comparison.current < comparison.latest) {
    throw new PiwardriveError(
      `Database is at version ${comparison.current}, this binary needs ${comparison.latest}: run \`piwardrive migrate\` or drop --no-migrate`,
    );
  }
}

/** For maintenance that writes (vacuum, analyze): refuse a database newer than this binary. */
export function ensureNotNewer(dbPath: string, globals: GlobalOptions): void {
  const db = openDatabase(dbPath, { readOnly: true });
  try {
    const comparison = compareLedger(readLedger(db), migrationsFor(globals));
    const newer = versionsWith(comparison, "newer");
    if (newer.length > 0) throw new SchemaNewerError(newer, comparison.latest);
  } finally {
    db.close();
  }
}
