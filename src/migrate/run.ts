/**
 * `piwardrive migrate` as a service: the lock, adoption of a ledger-less database, the plan,
 * the checked backup, and the run. The CLI only renders what this returns.
 */
import { backup, DatabaseSync } from "node:sqlite";
import { dirname, join } from "node:path";
import { ensureSound, openDatabase } from "../db/open.ts";
import { readSchema } from "../db/schema.ts";
import {
  backupDatabase,
  backupPathFor,
  backupSpaceNeeded,
  databaseBytes,
  ensureFreeSpace,
  keptBackupPath,
  pruneBackups,
} from "../db/backup.ts";
import { acquireMigrationLock, acquireSharedLock, LOCK_WAIT_MS } from "../db/lock.ts";
import { expectedSchemas, Migrator, type StepResult } from "./migrator.ts";
import {
  DataLossError,
  type DataLossPermission,
  type DeletedData,
  rowCounts,
  totalDeleted,
  unpermitted,
} from "./data_loss.ts";
import type { Migration } from "./parse.ts";
import { precomputedSchema } from "./manifest.ts";
import { loadOuiTable } from "../oui/mod.ts";
import { DatabaseMissingError, errorMessage, PiwardriveError } from "../errors.ts";
import { guideAdoption, hasGuideLedger } from "./adopt_guide.ts";
import { readLedger } from "../db/ledger.ts";
import { compareLedger } from "../db/ledger_compare.ts";
import { ledgerAt, planSteps } from "./plan.ts";

export interface MigrateOptions {
  dbPath: string;
  migrations: Migration[];
  /** Version to reach; latest when absent. */
  target?: number;
  dryRun?: boolean;
  /** Take a checked backup before changing a database that holds tables (default true). */
  backup?: boolean;
  lockWaitMs?: number;
  /**
   * What the run may delete (default `none`): `migrate` passes `all` with --allow-data-loss;
   * `collect` and `config set` pass `archived` (see DataLossPermission).
   */
  allowDataLoss?: DataLossPermission;
  appVersion?: string;
  /** Clock for backup names, replaceable in tests. */
  now?: () => Date;
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
  /** The backup taken before the run; it ends in `-keep` when the run deleted rows. */
  backupPath: string | null;
  steps: (StepResult & { sql?: string[] })[];
  /** What the run deleted (on a dry run: would delete), summed per table, largest first. */
  deleted: DeletedData[];
  /** On a dry run: false when the real run would be refused for deleting without permission. */
  permitted: boolean;
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
    let backupPath = guide ? await backUp(db, options, guide.version) : null;
    const adopted = migrator.adoptLegacySchema(expected);
    const adoptedVersion = migrator.adopted && adopted > 0 ? adopted : null;
    if (migrator.adopted) log(`adopted at version ${adopted}: ${migrator.adopted.reason}`);
    const fromVersion = migrator.currentVersion();
    const plan = migrator.plan(options.target);
    if (plan.length > 0 && !backupPath && options.backup !== false && hasTables(db)) {
      backupPath = await backUp(db, options, fromVersion);
    }
    if (plan.length > 0) await loadOuiTable(); // version 9 (up and down) calls oui_vendor()
    let deleted: DeletedData[] = [];
    let steps: StepResult[];
    try {
      steps = migrator.migrateTo(options.target, {
        allowDataLoss: options.allowDataLoss,
        beforeCommit: (runDeleted) => {
          deleted = runDeleted;
          // Renamed before COMMIT: a power cut in between leaves a kept backup of a database that
          // lost nothing, never a rotating backup of rows the run deleted.
          if (runDeleted.length > 0 && backupPath) backupPath = keep(backupPath);
        },
      });
    } catch (error) {
      if (error instanceof DataLossError) {
        // Nothing changed, so the copy just taken holds nothing the database does not; the
        // refusal stays the one line it is.
        if (backupPath) Deno.removeSync(backupPath);
        throw new DataLossError(error.deleted, error.direction, error.target, {
          dbPath: options.dbPath,
          remedy: refusalRemedy(options),
        });
      }
      if (backupPath) log(`backup written and checked: ${backupPath}`);
      throw error;
    }
    if (backupPath && deleted.length > 0) {
      log(`backup kept (this run deleted rows; never pruned automatically): ${backupPath}`);
    } else if (backupPath) log(`backup written and checked: ${backupPath}`);
    // After the run, so that a refused or failed run costs no older backup.
    if (backupPath) {
      for (const removed of pruneBackups(options.dbPath)) log(`old backup removed: ${removed}`);
    }
    return {
      database: options.dbPath,
      dryRun: false,
      fromVersion,
      toVersion: migrator.currentVersion(),
      adoptedVersion,
      adoptedReason: migrator.adopted?.reason ?? null,
      backupPath,
      steps,
      deleted,
      permitted: true,
    };
  } finally {
    db?.close();
    lock.release();
  }
}

function nowDate(): Date {
  return new Date();
}

/** Gives the backup its kept name, or aborts the run. */
function keep(backupPath: string): string {
  const kept = keptBackupPath(backupPath);
  try {
    Deno.renameSync(backupPath, kept);
  } catch (error) {
    throw new PiwardriveError(
      `Cannot keep the backup "${backupPath}" as "${kept}": ${
        errorMessage(error)
      }; nothing was changed`,
      1,
      { cause: error },
    );
  }
  return kept;
}

/** What to do instead, said by the refusal: plain `migrate` has the flag, collect has not. */
function refusalRemedy(options: MigrateOptions): string {
  if (options.allowDataLoss === "archived") {
    return "export what you need, then run `piwardrive migrate --allow-data-loss` (a backup is kept)";
  }
  return options.backup === false
    ? "rerun with --allow-data-loss (and without --no-backup to keep a backup) or export first"
    : "rerun with --allow-data-loss (a backup is kept) or export first";
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
    // Read and planned without the write engine: only a run with work builds a Migrator.
    const ledger = readLedger(db);
    if (ledger.length === 0 && hasTables(db)) return null; // adoption writes
    if (hasGuideLedger(db)) return null;
    if (planSteps(ledger, options.migrations, options.target).length > 0) return null;
    const version = compareLedger(ledger, options.migrations).current;
    return {
      database: options.dbPath,
      dryRun: false,
      fromVersion: version,
      toVersion: version,
      adoptedVersion: null,
      adoptedReason: null,
      backupPath: null,
      steps: [],
      deleted: [],
      permitted: true,
    };
  } finally {
    db?.close();
    lock.release();
  }
}

async function dryRun(options: MigrateOptions): Promise<MigrateOutcome> {
  let db: DatabaseSync;
  try {
    db = openDatabase(options.dbPath, { readOnly: true });
  } catch (error) {
    // A database that does not exist yet plans from version 0.
    if (!(error instanceof DatabaseMissingError)) throw error;
    db = new DatabaseSync(":memory:");
  }
  try {
    const migrator = new Migrator(db, options.migrations);
    const adopted = migrator.adoptLegacySchema(
      expectedSchemas(options.migrations, precomputedSchema()),
      true,
    );
    const hadLedger = !migrator.adopted && migrator.ledger().length > 0;
    const fromVersion = hadLedger ? migrator.currentVersion() : adopted;
    const target = options.target ?? options.migrations.length;
    // Plan from the adopted version as if its ledger were written (the dry run writes nothing).
    const plan = planSteps(
      hadLedger ? migrator.ledger() : ledgerAt(options.migrations, fromVersion),
      options.migrations,
      target,
    );
    const holdsRows = plan.length > 0 && [...rowCounts(db).values()].some((n) => n > 0);
    const rehearsed = holdsRows ? await rehearse(db, options) : [];
    const steps = plan.map(({ migration, direction }, i) => ({
      version: migration.version,
      description: migration.description,
      direction,
      status: "not_executed" as const,
      ...(rehearsed[i]?.deleted ? { deleted: rehearsed[i].deleted } : {}),
      sql: (direction === "up" ? migration.up : migration.down).map((s) =>
        s.kind === "sql" ? s.sql : `-- migrate:rebuild ${s.table}\n${s.createSql}`
      ),
    }));
    const deleted = totalDeleted(steps.flatMap((s) => s.deleted ?? []));
    return {
      database: options.dbPath,
      dryRun: true,
      fromVersion,
      toVersion: target,
      adoptedVersion: migrator.adopted && adopted > 0 ? adopted : null,
      adoptedReason: migrator.adopted?.reason ?? null,
      backupPath: null,
      steps,
      deleted,
      permitted: unpermitted(deleted, options.allowDataLoss ?? "none").length === 0,
    };
  } finally {
    db.close();
  }
}

/**
 * The real run, on a copy: what each step deletes, exactly. Counting from the plan alone would
 * be exact for dropped tables only; a merge's deletions, and the values a dropped column holds
 * after earlier steps of the same run have changed them, are known only by running it. The copy
 * (SQLite's online backup into a temporary folder, removed afterwards) leaves the database and
 * its folder untouched; only databases that hold rows need it.
 */
async function rehearse(db: DatabaseSync, options: MigrateOptions): Promise<StepResult[]> {
  let dir: string | null = null;
  try {
    let copy: DatabaseSync;
    try {
      dir = Deno.makeTempDirSync({ prefix: "piwardrive-dry-run-" });
      await backup(db, join(dir, "copy.db"));
      copy = new DatabaseSync(join(dir, "copy.db"));
    } catch (error) {
      throw new PiwardriveError(
        `Cannot copy "${options.dbPath}" into ${
          dir ? `"${dir}"` : "a temporary folder"
        } to count what the migration would delete: ${
          errorMessage(error)
        }; set TMPDIR to a folder with room for a copy`,
        1,
        { cause: error },
      );
    }
    try {
      await loadOuiTable(); // version 9 (up and down) calls oui_vendor()
      const expected = expectedSchemas(options.migrations, precomputedSchema());
      const migrator = new Migrator(copy, options.migrations, { expectedSchema: expected });
      migrator.adoptLegacySchema(expected);
      return migrator.migrateTo(options.target, { allowDataLoss: "all" });
    } finally {
      copy.close();
    }
  } finally {
    if (dir) Deno.removeSync(dir, { recursive: true });
  }
}

/**
 * A checked backup beside the database, before a change, named for `version`. Logged and pruned
 * by the caller once the run is over, so a refused or failed run costs no older backup.
 */
async function backUp(
  db: DatabaseSync,
  options: MigrateOptions,
  version: number,
): Promise<string> {
  const bytes = databaseBytes(options.dbPath);
  ensureFreeSpace(dirname(options.dbPath), backupSpaceNeeded(bytes), "a backup");
  const path = backupPathFor(options.dbPath, version, (options.now ?? nowDate)());
  await backupDatabase(db, path);
  return path;
}

function hasTables(db: DatabaseSync): boolean {
  return Object.keys(readSchema(db).tables).length > 0;
}
