/**
 * `piwardrive migrate` as a service: the lock, adoption of a ledger-less database, the plan,
 * the checked backup, and the run. The CLI only renders what this returns.
 */
import { DatabaseSync } from "node:sqlite";
import { dirname } from "node:path";
import { ensureSound, openDatabase } from "../db/open.ts";
import { readSchema } from "../db/schema.ts";
import {
  backupDatabase,
  backupPathFor,
  databaseBytes,
  ensureFreeSpace,
  pruneBackups,
} from "../db/backup.ts";
import { acquireMigrationLock, acquireSharedLock, LOCK_WAIT_MS } from "../db/lock.ts";
import { expectedSchemas, Migrator, type StepResult } from "./migrator.ts";
import type { Migration } from "./parse.ts";
import { precomputedSchema } from "./manifest.ts";
import { loadOuiTable } from "../oui/mod.ts";

export interface MigrateOptions {
  dbPath: string;
  migrations: Migration[];
  /** Version to reach; latest when absent. */
  target?: number;
  dryRun?: boolean;
  /** Take a checked backup before changing a database that holds tables (default true). */
  backup?: boolean;
  lockWaitMs?: number;
  appVersion?: string;
  /** Progress lines (waiting for a lock, backup written, adopted). */
  log?: (line: string) => void;
}

export interface MigrateOutcome {
  database: string;
  dryRun: boolean;
  fromVersion: number;
  toVersion: number;
  /** Set when a ledger-less database was (or, on a dry run, would be) adopted at this version. */
  adoptedVersion: number | null;
  backupPath: string | null;
  steps: (StepResult & { sql?: string[] })[];
}

/**
 * Brings the database at `dbPath` to the target version.
 *
 * @example
 * ```ts
 * const outcome = await runMigrate({ dbPath: "piwardrive.db", migrations });
 * outcome.toVersion; // 4
 * ```
 */
export async function runMigrate(options: MigrateOptions): Promise<MigrateOutcome> {
  const log = options.log ?? (() => {});
  if (options.dryRun) return dryRun(options);
  const waitMs = options.lockWaitMs ?? LOCK_WAIT_MS;
  const current = await upToDate(options, waitMs);
  if (current !== null) return current;
  const lock = await acquireMigrationLock(
    options.dbPath,
    waitMs,
    (holder) => log(`waiting for another piwardrive (${holder}) to finish…`),
  );
  let db: DatabaseSync | null = null;
  try {
    db = openDatabase(options.dbPath, { create: true });
    ensureSound(db, options.dbPath);
    const expected = expectedSchemas(options.migrations, precomputedSchema());
    const migrator = new Migrator(db, options.migrations, {
      appVersion: options.appVersion,
      expectedSchema: expected,
    });
    const wasLedgerless = migrator.ledger().length === 0;
    const adopted = migrator.adoptLegacySchema(expected);
    const adoptedVersion = wasLedgerless && adopted > 0 ? adopted : null;
    if (adoptedVersion) {
      log(`adopted a database without a ledger: its schema is exactly version ${adoptedVersion}`);
    }
    const fromVersion = migrator.currentVersion();
    const plan = migrator.plan(options.target);
    let backupPath: string | null = null;
    if (plan.length > 0 && options.backup !== false && hasTables(db)) {
      const bytes = databaseBytes(options.dbPath);
      ensureFreeSpace(dirname(options.dbPath), Math.ceil(bytes * 1.1) + 1048576, "a backup");
      backupPath = backupPathFor(options.dbPath, fromVersion, new Date());
      await backupDatabase(db, backupPath);
      log(`backup written and checked: ${backupPath}`);
      for (const removed of pruneBackups(options.dbPath)) log(`old backup removed: ${removed}`);
    }
    if (plan.length > 0) await loadOuiTable(); // version 9 (up and down) calls oui_vendor()
    const steps = migrator.migrateTo(options.target);
    return {
      database: options.dbPath,
      dryRun: false,
      fromVersion,
      toVersion: migrator.currentVersion(),
      adoptedVersion,
      backupPath,
      steps,
    };
  } finally {
    db?.close();
    lock.release();
  }
}

/**
 * The outcome of a run with nothing to do, found under a shared lock so that a running collect
 * does not block it; null when there is work (or no database yet), which takes the exclusive lock.
 * The database must pass quick_check either way: nothing writes to a damaged file.
 */
async function upToDate(options: MigrateOptions, waitMs: number): Promise<MigrateOutcome | null> {
  try {
    if (!Deno.statSync(options.dbPath).isFile) return null;
  } catch {
    return null; // no database yet, or a bad path: the full run creates it or says what is wrong
  }
  const lock = await acquireSharedLock(options.dbPath, waitMs);
  let db: DatabaseSync | null = null;
  try {
    db = openDatabase(options.dbPath, { readOnly: true });
    ensureSound(db, options.dbPath);
    const migrator = new Migrator(db, options.migrations);
    if (migrator.ledger().length === 0 && hasTables(db)) return null; // adoption writes
    if (migrator.plan(options.target).length > 0) return null;
    const version = migrator.currentVersion();
    return {
      database: options.dbPath,
      dryRun: false,
      fromVersion: version,
      toVersion: version,
      adoptedVersion: null,
      backupPath: null,
      steps: [],
    };
  } finally {
    db?.close();
    lock.release();
  }
}

function dryRun(options: MigrateOptions): MigrateOutcome {
  let db: DatabaseSync;
  try {
    db = openDatabase(options.dbPath, { readOnly: true });
  } catch (error) {
    // A database that does not exist yet plans from version 0.
    if (!(error instanceof Error) || !/no such file/.test(error.message)) throw error;
    db = new DatabaseSync(":memory:");
  }
  try {
    const migrator = new Migrator(db, options.migrations);
    const adopted = migrator.adoptLegacySchema(
      expectedSchemas(options.migrations, precomputedSchema()),
      true,
    );
    const hadLedger = migrator.ledger().length > 0;
    // Plan from the adopted version without writing its ledger: replay the decision in memory.
    const fromVersion = hadLedger ? migrator.currentVersion() : adopted;
    const target = options.target ?? options.migrations.length;
    const scratch = hadLedger ? null : new DatabaseSync(":memory:");
    const planner = scratch ? new Migrator(scratch, options.migrations) : migrator;
    if (scratch) planner.migrateTo(fromVersion);
    const plan = planner.plan(target);
    scratch?.close();
    const steps = plan.map(({ migration, direction }) => ({
      version: migration.version,
      description: migration.description,
      direction,
      status: "not_executed" as const,
      sql: (direction === "up" ? migration.up : migration.down).map((s) =>
        s.kind === "sql" ? s.sql : `-- migrate:rebuild ${s.table}\n${s.createSql}`
      ),
    }));
    return {
      database: options.dbPath,
      dryRun: true,
      fromVersion,
      toVersion: target,
      adoptedVersion: !hadLedger && adopted > 0 ? adopted : null,
      backupPath: null,
      steps,
    };
  } finally {
    db.close();
  }
}

function hasTables(db: DatabaseSync): boolean {
  return Object.keys(readSchema(db).tables).length > 0;
}
