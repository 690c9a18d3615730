/**
 * The migration runner: one class, public verbs over one private engine, one private method per
 * safety rule. A run (all the steps needed to reach a target) is one transaction holding each
 * migration and its ledger row, so a failure or a power cut leaves the database exactly at the
 * version it had before the run.
 */
import { DatabaseSync } from "node:sqlite";
import { errorMessage, PiwardriveError, SchemaMismatchError } from "../errors.ts";
import { diffSchema, readSchema, type SchemaSnapshot } from "../db/schema.ts";
import type { Migration, MigrationStep } from "./parse.ts";
import type { PrecomputedSchema } from "./manifest.ts";
import {
  hasLedger,
  insertLedgerRow,
  LEDGER_DDL,
  type LedgerRow,
  readLedger,
} from "../db/ledger.ts";
import { rebuildTable } from "../db/rebuild.ts";
import { pad, type PlannedStep, planSteps } from "./plan.ts";
import { type Adoption, EXACT_MATCH, guideAdoption } from "./adopt_guide.ts";
import { registerFunctions } from "../db/functions.ts";
import {
  DataLossError,
  type DataLossPermission,
  type DeletedData,
  deletedRows,
  droppedValues,
  rowCounts,
  totalDeleted,
  unpermitted,
} from "./data_loss.ts";

export { pad, type PlannedStep } from "./plan.ts";

/** What happened to one planned step (kysely's Success | Error | NotExecuted). */
export interface StepResult {
  version: number;
  description: string;
  direction: "up" | "down";
  status: "success" | "error" | "not_executed" | "rolled_back";
  executionMs?: number;
  error?: string;
  /** What the step deleted (rows per table, values of dropped columns); absent when nothing. */
  deleted?: DeletedData[];
}

/** How one run may go. */
export interface RunOptions {
  /** What the run may delete (default `none`: a run that would delete anything is refused). */
  allowDataLoss?: DataLossPermission;
  /**
   * Called inside the run's transaction once every step has succeeded, before COMMIT, with what
   * the run deletes (empty when nothing); throwing rolls the whole run back.
   */
  beforeCommit?: (deleted: DeletedData[]) => void;
}

/** A migration that failed: names the version, the statement and SQLite's cause. */
export class MigrationFailedError extends PiwardriveError {
  readonly results: StepResult[];
  constructor(message: string, results: StepResult[], options?: ErrorOptions) {
    super(message, 1, options);
    this.name = "MigrationFailedError";
    this.results = results;
  }
}

export interface MigratorOptions {
  /** Stamped into the ledger. */
  appVersion?: string;
  /** System clock, replaceable in tests. */
  now?: () => Date;
  /**
   * The expected schema of each version: when given, every step must leave exactly that schema
   * (the only proof a down step has), checked before its commit.
   */
  expectedSchema?: (version: number) => SchemaSnapshot;
}

/** Runs the migrations `migrations` (versions 1…N, from a provider) against `db`. */
export class Migrator {
  readonly #db: DatabaseSync;
  readonly #migrations: Migration[];
  readonly #options: MigratorOptions;

  constructor(db: DatabaseSync, migrations: Migration[], options: MigratorOptions = {}) {
    // Migrations may call the application's SQL functions (oui_vendor), whoever opened the db.
    registerFunctions(db);
    this.#db = db;
    this.#migrations = migrations;
    this.#options = options;
  }

  /** The newest version this binary knows. */
  get latestVersion(): number {
    return this.#migrations.length;
  }

  get migrations(): readonly Migration[] {
    return this.#migrations;
  }

  /** The ledger rows. */
  ledger(): LedgerRow[] {
    return readLedger(this.#db);
  }

  /** The highest applied version, 0 for none. */
  currentVersion(): number {
    const rows = this.ledger();
    return rows.length === 0 ? 0 : rows[rows.length - 1].version;
  }

  /** The steps that take the database from its current version to `target` (latest by default). */
  plan(target = this.latestVersion): PlannedStep[] {
    return planSteps(this.ledger(), this.#migrations, target);
  }

  /**
   * Applies the plan to `target` in one transaction; throws MigrationFailedError on failure and
   * DataLossError (nothing changed) when it would delete what `run.allowDataLoss` does not allow.
   */
  migrateTo(target = this.latestVersion, run: RunOptions = {}): StepResult[] {
    return this.#run(this.plan(target), target, run);
  }

  /** Applies every pending migration. */
  migrateToLatest(run: RunOptions = {}): StepResult[] {
    return this.migrateTo(this.latestVersion, run);
  }

  /**
   * Writes the ledger for a database built without one (by older code), when its schema equals
   * the expected schema of a known version. Returns that version, or 0 for an empty database.
   * Throws SchemaMismatchError with the differences otherwise.
   */
  adoptLegacySchema(expected: (version: number) => SchemaSnapshot, dryRun = false): number {
    const guide = guideAdoption(this.#db, expected);
    if (guide) return this.#adopt(guide, dryRun);
    if (hasLedger(this.#db)) return this.currentVersion();
    const match = matchLegacySchema(this.#db, this.latestVersion, expected);
    return match ? this.#adopt(match, dryRun) : 0;
  }

  /** What the last adoption recorded (or, on a dry run, would record); null for none. */
  adopted: Adoption | null = null;

  #adopt(adoption: Adoption, dryRun: boolean): number {
    this.adopted = adoption;
    if (dryRun) return adoption.version;
    const appliedAt = this.#now().toISOString();
    this.#transaction(() => {
      adoption.apply?.(this.#db);
      this.#db.exec(LEDGER_DDL);
      for (const m of this.#migrations.slice(0, adoption.version)) {
        insertLedgerRow(this.#db, {
          version: m.version,
          description: `${m.description} (adopted: ${adoption.reason})`,
          appliedAt,
          checksum: m.checksum,
          executionMs: null,
          adopted: true,
          appVersion: this.#options.appVersion ?? null,
        });
      }
    });
    return adoption.version;
  }

  #run(plan: PlannedStep[], target: number, run: RunOptions): StepResult[] {
    const results: StepResult[] = plan.map(({ migration, direction }) => ({
      version: migration.version,
      description: migration.description,
      direction,
      status: "not_executed",
    }));
    if (plan.length === 0) return results;
    let index = 0;
    try {
      this.#transaction(() => {
        let counts = rowCounts(this.#db);
        for (; index < plan.length; index++) {
          const started = performance.now();
          const deleted = droppedValues(this.#db, () => this.#applyStep(plan[index]));
          const after = rowCounts(this.#db);
          deleted.unshift(
            ...deletedRows(counts, after, plan[index].migration, plan[index].direction),
          );
          counts = after;
          results[index].status = "success";
          results[index].executionMs = Math.round(performance.now() - started);
          if (deleted.length > 0) results[index].deleted = deleted;
        }
        // A dropped column's values in a table the run then drops are counted with its rows.
        const deleted = totalDeleted(results.flatMap((r) => r.deleted ?? []))
          .filter((d) => d.column === null || counts.has(d.table));
        const refused = unpermitted(deleted, run.allowDataLoss ?? "none");
        if (refused.length > 0) throw new DataLossError(refused, plan[0].direction, target);
        run.beforeCommit?.(deleted);
      });
    } catch (error) {
      for (let k = 0; k < index; k++) results[k].status = "rolled_back";
      const failed = plan[index];
      if (!failed) throw error;
      results[index].status = "error";
      results[index].error = errorMessage(error);
      const before = this.currentVersion();
      const what = `Migration ${pad(failed.migration.version)} (${failed.migration.description})`;
      throw new MigrationFailedError(
        `${what} ${failed.direction === "up" ? "failed" : "could not be rolled back"}: ${
          errorMessage(error)
        }; nothing was changed: the database is still at version ${before}`,
        results,
        { cause: error },
      );
    }
    return results;
  }

  #applyStep({ migration, direction }: PlannedStep): void {
    const started = performance.now();
    if (direction === "up" && !hasLedger(this.#db)) this.#db.exec(LEDGER_DDL);
    for (const step of direction === "up" ? migration.up : migration.down) this.#execute(step);
    if (direction === "up") {
      this.#ensureVerifyPasses(migration);
      insertLedgerRow(this.#db, {
        version: migration.version,
        description: migration.description,
        appliedAt: this.#now().toISOString(),
        checksum: migration.checksum,
        executionMs: Math.round(performance.now() - started),
        adopted: false,
        appVersion: this.#options.appVersion ?? null,
      });
    } else {
      this.#db.prepare("DELETE FROM schema_version WHERE version = ?").run(migration.version);
    }
    this.#ensureSchemaIs(direction === "up" ? migration.version : migration.version - 1);
    this.#ensureForeignKeysHold();
  }

  #execute(step: MigrationStep): void {
    try {
      if (step.kind === "sql") this.#db.exec(step.sql);
      else rebuildTable(this.#db, step.table, step.createSql);
    } catch (error) {
      const text = step.kind === "sql" ? step.sql : `rebuild of table ${step.table}`;
      throw new Error(`at line ${step.line} (${excerpt(text)}): ${errorMessage(error)}`, {
        cause: error,
      });
    }
  }

  /** Every verify query of `migration` returns 1; used after applying it and by `--verify`. */
  verifyFailures(migration: Migration): string[] {
    return verifyQueryFailures(this.#db, migration);
  }

  #ensureVerifyPasses(migration: Migration): void {
    const failures = this.verifyFailures(migration);
    if (failures.length > 0) throw new Error(failures.join("; "));
  }

  #ensureSchemaIs(version: number): void {
    if (!this.#options.expectedSchema) return;
    const drift = diffSchema(
      withoutLedger(readSchema(this.#db)),
      withoutLedger(this.#options.expectedSchema(version)),
    );
    if (drift.length > 0) {
      throw new Error(`left a schema that differs from version ${version}: ${drift.join("; ")}`);
    }
  }

  #ensureForeignKeysHold(): void {
    const problems = this.#db.prepare("PRAGMA foreign_key_check").all() as Record<
      string,
      unknown
    >[];
    if (problems.length > 0) {
      throw new Error(
        `foreign_key_check found ${problems.length} violation(s), first in table ${
          problems[0].table
        } rowid ${problems[0].rowid}`,
      );
    }
  }

  /**
   * Runs `fn` in one IMMEDIATE transaction with foreign keys off (they can only be switched
   * outside a transaction); `foreign_key_check` inside each step keeps them honest.
   */
  #transaction(fn: () => void): void {
    this.#db.exec("PRAGMA foreign_keys = OFF");
    try {
      this.#db.exec("BEGIN IMMEDIATE");
      try {
        fn();
        this.#db.exec("COMMIT");
      } catch (error) {
        if (this.#db.isTransaction) this.#db.exec("ROLLBACK");
        throw error;
      }
    } finally {
      this.#db.exec("PRAGMA foreign_keys = ON");
    }
  }

  #now(): Date {
    return this.#options.now?.() ?? new Date();
  }
}

/**
 * The expected schema of each version, built by replaying the migrations in memory. One
 * in-memory database walks up or down to each version asked for, so only the versions needed
 * are built (verify asks for one). A `precomputed` schema (the build-time manifest) answers for
 * its version without a replay when the migrations up to it have exactly its checksums.
 */
export function expectedSchemas(
  migrations: Migration[],
  precomputed?: PrecomputedSchema,
): (version: number) => SchemaSnapshot {
  const cache = new Map<number, SchemaSnapshot>();
  if (
    precomputed && precomputed.version >= 1 && precomputed.version <= migrations.length &&
    precomputed.checksums.length === precomputed.version &&
    precomputed.checksums.every((checksum, i) => migrations[i].checksum === checksum)
  ) {
    cache.set(precomputed.version, precomputed.snapshot);
  }
  let migrator: Migrator | null = null;
  let db: DatabaseSync | null = null;
  return (version: number) => {
    const hit = cache.get(version);
    if (hit) return hit;
    if (!db) {
      db = new DatabaseSync(":memory:");
      db.exec(LEDGER_DDL); // a database migrated down to 0 keeps its ledger
      migrator = new Migrator(db, migrations);
    }
    migrator!.migrateTo(version);
    const snapshot = readSchema(db);
    cache.set(version, snapshot);
    return snapshot;
  };
}

/**
 * The version a database without any ledger is exactly (its schema equals that version's), or
 * null when it holds no table (version 0, nothing to adopt). Read-only: verify asks it without
 * building a Migrator. Throws SchemaMismatchError naming the closest version's differences.
 */
export function matchLegacySchema(
  db: DatabaseSync,
  latest: number,
  expected: (version: number) => SchemaSnapshot,
): Adoption | null {
  const live = readSchema(db);
  if (Object.keys(live.tables).length === 0) return null;
  let closest: { version: number; diff: string[] } | null = null;
  for (let version = latest; version >= 1; version--) {
    const diff = diffSchema(live, withoutLedger(expected(version)));
    if (diff.length === 0) return { version, reason: EXACT_MATCH };
    if (!closest || diff.length < closest.diff.length) closest = { version, diff };
  }
  throw new SchemaMismatchError(
    closest!.version,
    closest!.diff,
    `Database has tables but no schema_version ledger, and its schema matches no known version ` +
      `(closest: version ${closest!.version}): ${closest!.diff.join("; ")}`,
  );
}

/** What fails among `migration`'s verify queries on `db` (each must return 1); read-only. */
export function verifyQueryFailures(db: DatabaseSync, migration: Migration): string[] {
  const failures: string[] = [];
  for (const query of migration.verify) {
    try {
      const row = db.prepare(query.sql).get();
      const value = row === undefined ? undefined : Object.values(row)[0];
      if (value !== 1 && value !== 1n) {
        failures.push(
          `verify query at line ${query.line} (${excerpt(query.sql)}) returned ${
            row === undefined ? "no row" : JSON.stringify(value)
          }, expected 1`,
        );
      }
    } catch (error) {
      failures.push(`verify query at line ${query.line} failed: ${errorMessage(error)}`);
    }
  }
  return failures;
}

function withoutLedger(schema: SchemaSnapshot): SchemaSnapshot {
  const tables = { ...schema.tables };
  delete tables.schema_version;
  return { ...schema, tables };
}

function excerpt(sql: string): string {
  const text = sql.replace(/--[^\n]*\n/g, " ").replace(/\s+/g, " ").trim();
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}
