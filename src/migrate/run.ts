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
import { guideAdoption, hasGuideLedger } from "./adopt_guide.ts";

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
  /** What the adopted ledger rows record as the reason (the state the database was found in). */
  adoptedReason: string | null;
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
    // Adopting a design-guide database rewrites it (rebuild, index, ledger): back it up first.
    const guide = options.backup !== false ? guideAdoption(db, expected) : null;
    let backupPath = guide ? await backUp(db, options.dbPath, guide.version, log) : null;
    const adopted = migrator.adoptLegacySchema(expected);
    const adoptedVersion = migrator.adopted && adopted > 0 ? adopted : null;
    if (migrator.adopted) log(`adopted at version ${adopted}: ${migrator.adopted.reason}`);
    const fromVersion = migrator.currentVersion();
    const plan = migrator.plan(options.target);
    if (plan.length > 0 && !backupPath && options.backup !== false && hasTables(db)) {
      backupPath = await backUp(db, options.dbPath, fromVersion, log);
    }
    if (plan.length > 0) await loadOuiTable(); // version 9 (up and down) calls oui_vendor()
    const steps = migrator.migrateTo(options.target);
    return {
      database: options.dbPath,
      dryRun: false,
      fromVersion,
      toVersion: migrator.currentVersion(),
      adoptedVersion,
      adoptedReason: migrator.adopted?.reason ?? null,
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
    if (hasGuideLedger(db)) return null;
    if (migrator.plan(options.target).length > 0) return null;
    const version = migrator.currentVersion();
    return {
      database: options.dbPath,
      dryRun: false,
      fromVersion: version,
      toVersion: version,
      adoptedVersion: null,
      adoptedReason: null,
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
    const hadLedger = !migrator.adopted && migrator.ledger().length > 0;
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
      adoptedVersion: migrator.adopted && adopted > 0 ? adopted : null,
      adoptedReason: migrator.adopted?.reason ?? null,
      backupPath: null,
      steps,
    };
  } finally {
    db.close();
  }
}

/** A checked backup beside the database, before a change; the oldest beyond three pruned. */
async function backUp(
  db: DatabaseSync,
  dbPath: string,
  version: number,
  log: (line: string) => void,
): Promise<string> {
  const bytes = databaseBytes(dbPath);
  ensureFreeSpace(dirname(dbPath), Math.ceil(bytes * 1.1) + 1048576, "a backup");
  const path = backupPathFor(dbPath, version, new Date());
  await backupDatabase(db, path);
  log(`backup written and checked: ${path}`);
  for (const removed of pruneBackups(dbPath)) log(`old backup removed: ${removed}`);
  return path;
}

function hasTables(db: DatabaseSync): boolean {
  return Object.keys(readSchema(db).tables).length > 0;
}
