/**
 * The runner of the central schema's migrations, with the Pi's ledger rules: the ledger
 * `schema_version` (same columns) is written in the same transaction as the migrations it
 * records, one transaction per run; an applied migration whose checksum differs is refused, and
 * so is a server holding versions this binary does not know. Every run holds a transaction-level
 * advisory lock, so two Pis migrating at once apply each migration once.
 */
import { ExitCode, PiwardriveError, UsageError } from "../errors.ts";
import type { Migration } from "../migrate/parse.ts";
import type { Sql, TransactionSql } from "./connect.ts";
import { compareLedger, type LedgerComparison, versionsWith } from "../db/ledger_compare.ts";

/** Key of the advisory lock held while the central schema is migrated ("piwardrive" in ASCII). */
export const MIGRATION_LOCK_KEY = 0x70697764;

const LEDGER_DDL = `CREATE TABLE IF NOT EXISTS schema_version (
    version integer PRIMARY KEY,
    description text NOT NULL,
    applied_at text NOT NULL,
    checksum text,
    execution_ms integer,
    adopted integer NOT NULL DEFAULT 0,
    app_version text
)`;

/** A ledger row as the runner reads it. */
export interface CentralLedgerRow {
  version: number;
  description: string;
  checksum: string | null;
}

/** One check of `--verify-server`, in the order they run. */
export interface CentralCheck {
  name: string;
  ok: boolean;
  detail: string;
}

/** The central schema is not the one this binary expects: exit 8. */
export class CentralSchemaError extends PiwardriveError {
  constructor(message: string) {
    super(message, ExitCode.syncSchema);
    this.name = "CentralSchemaError";
  }
}

/** The client or a transaction of it: both run queries. */
type Tx = TransactionSql;

export class CentralMigrator {
  constructor(
    private readonly sql: Sql,
    private readonly migrations: Migration[],
    private readonly appVersion: string,
    private readonly where: string,
  ) {}

  /** The latest version this binary knows. */
  get latest(): number {
    return this.migrations.length;
  }

  /** The ledger's rows, or null when the server has no ledger yet (never synced). */
  async readLedger(sql: Sql | Tx = this.sql): Promise<CentralLedgerRow[] | null> {
    const [exists] = await sql`SELECT to_regclass('schema_version') IS NOT NULL AS present`;
    if (!exists.present) return null;
    const rows =
      await sql`SELECT version, description, checksum FROM schema_version ORDER BY version`;
    return rows.map((r) => ({
      version: Number(r.version),
      description: String(r.description),
      checksum: r.checksum == null ? null : String(r.checksum),
    }));
  }

  /** Applies every pending migration in one transaction; returns the versions applied. */
  async migrateToLatest(): Promise<number[]> {
    return await this.sql.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`;
      await tx.unsafe(LEDGER_DDL);
      const ledger = (await this.readLedger(tx)) ?? [];
      this.ensureMatches(ledger);
      const applied = new Set(ledger.map((r) => r.version));
      const done: number[] = [];
      for (const migration of this.migrations) {
        if (applied.has(migration.version)) continue;
        const started = performance.now();
        for (const step of migration.up) {
          await tx.unsafe(step.kind === "sql" ? step.sql : step.createSql);
        }
        await this.ensureVerified(tx, migration);
        await tx`INSERT INTO schema_version
          (version, description, applied_at, checksum, execution_ms, adopted, app_version)
          VALUES (${migration.version}, ${migration.description}, ${new Date().toISOString()},
                  ${migration.checksum}, ${Math.round(performance.now() - started)}, 0,
                  ${this.appVersion})`;
        done.push(migration.version);
      }
      return done;
    });
  }

  /**
   * Reverts to `version` (down sections, newest first) in one transaction under the lock. Refused
   * while a table the down sections drop holds rows: the server's rows are the only copy of what
   * Pis have since deleted.
   */
  async migrateDown(version: number): Promise<number[]> {
    return await this.sql.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`;
      const ledger = (await this.readLedger(tx)) ?? [];
      this.ensureMatches(ledger);
      const reverted: number[] = [];
      for (const row of [...ledger].reverse()) {
        if (row.version <= version) break;
        const migration = this.migrations[row.version - 1];
        for (const step of migration.down) {
          const sqlText = step.kind === "sql" ? step.sql : step.createSql;
          const dropped = /^\s*DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?([A-Za-z_][A-Za-z0-9_]*)/im
            .exec(sqlText.replace(/^--.*$/gm, ""));
          if (dropped) {
            const [{ n }] = await tx.unsafe(`SELECT count(*) AS n FROM ${dropped[1]}`);
            if (Number(n) > 0) {
              throw new UsageError(
                `Refusing to revert ${migration.fileName} at ${this.where}: table ${
                  dropped[1]
                } holds ${n} rows, which it would delete; nothing was changed`,
              );
            }
          }
          await tx.unsafe(sqlText);
        }
        await tx`DELETE FROM schema_version WHERE version = ${row.version}`;
        reverted.push(row.version);
      }
      return reverted;
    });
  }

  /**
   * Before a sync: migrates a server that has never been synced to (no ledger, or an empty one),
   * and refuses one whose schema is older, newer or modified.
   */
  async ensureReady(): Promise<number[]> {
    const ledger = await this.readLedger();
    if (ledger === null || ledger.length === 0) return await this.migrateToLatest();
    const { current } = this.ensureMatches(ledger);
    if (current < this.latest) {
      throw new CentralSchemaError(
        `Central schema at ${this.where} is at version ${current}, this binary needs ${this.latest}: ` +
          "run `piwardrive sync --migrate-server` (it migrates the server for every Pi)",
      );
    }
    return [];
  }

  /** The checks of `--verify-server`: ledger present, no unknown version, checksums, verify queries. */
  async verify(): Promise<CentralCheck[]> {
    const checks: CentralCheck[] = [];
    const ledger = await this.readLedger();
    checks.push({
      name: "ledger",
      ok: ledger !== null && ledger.length > 0,
      detail: ledger === null
        ? "no schema_version table: never migrated"
        : `${ledger.length} row(s)`,
    });
    if (ledger === null) return checks;
    const comparison = compareLedger(ledger, this.migrations);
    const unknown = versionsWith(comparison, "newer");
    checks.push({
      name: "versions",
      ok: unknown.length === 0 && ledger.length === this.latest,
      detail: unknown.length > 0
        ? `unknown version(s) ${unknown.join(", ")}: newer than this binary (${this.latest})`
        : `${ledger.length} of ${this.latest} applied`,
    });
    const modified = this.modified(comparison);
    checks.push({
      name: "checksums",
      ok: modified.length === 0,
      detail: modified.length === 0 ? "all match" : `modified: ${modified.join(", ")}`,
    });
    for (const row of ledger) {
      const migration = this.migrations[row.version - 1];
      if (!migration) continue;
      const failed = await this.failedVerifyQueries(this.sql, migration);
      checks.push({
        name: `verify ${migration.fileName}`,
        ok: failed.length === 0,
        detail: failed.length === 0 ? "ok" : `failed at line(s) ${failed.join(", ")}`,
      });
    }
    return checks;
  }

  /** The Pi's ledger rules (src/db/ledger_compare.ts): refuses a newer or a modified server. */
  private ensureMatches(ledger: CentralLedgerRow[]): LedgerComparison {
    const comparison = compareLedger(ledger, this.migrations);
    const unknown = versionsWith(comparison, "newer");
    if (unknown.length > 0) {
      throw new CentralSchemaError(
        `Central schema at ${this.where} is newer than this binary: it has version(s) ${
          unknown.join(", ")
        }, this binary knows up to ${this.latest}; use a newer piwardrive`,
      );
    }
    const modified = this.modified(comparison);
    if (modified.length > 0) {
      throw new CentralSchemaError(
        `Central schema at ${this.where} was migrated with different file(s): ${
          modified.join(", ")
        } (checksum mismatch); run \`piwardrive sync --verify-server\` and fix the server`,
      );
    }
    return comparison;
  }

  private modified(comparison: LedgerComparison): string[] {
    return versionsWith(comparison, "checksum").map((v) =>
      this.migrations.find((m) => m.version === v)!.fileName
    );
  }

  private async ensureVerified(tx: Tx, migration: Migration): Promise<void> {
    const failed = await this.failedVerifyQueries(tx, migration);
    if (failed.length > 0) {
      throw new CentralSchemaError(
        `Central migration ${migration.fileName} did not take effect: verify query at line(s) ${
          failed.join(", ")
        } failed; nothing was changed`,
      );
    }
  }

  private async failedVerifyQueries(sql: Sql | Tx, migration: Migration): Promise<number[]> {
    const failed: number[] = [];
    for (const query of migration.verify) {
      const rows = await sql.unsafe(query.sql, [], { prepare: false }).values();
      const value = rows[0]?.[0];
      if (!(value === true || value === 1 || value === "1")) failed.push(query.line);
    }
    return failed;
  }
}
