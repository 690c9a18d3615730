/**
 * The ledger `schema_version`: one row per applied migration, written in the same transaction
 * as the migration itself, so there is no "dirty" state to recover from.
 */
import type { DatabaseSync } from "node:sqlite";

/** DDL of the ledger: the design guide's columns plus what verification and audits need. */
export const LEDGER_DDL = `CREATE TABLE schema_version (
    version INTEGER PRIMARY KEY,
    description TEXT NOT NULL,
    applied_at TEXT NOT NULL,
    checksum TEXT,
    execution_ms INTEGER,
    adopted INTEGER NOT NULL DEFAULT 0,
    app_version TEXT
)`;

/** A ledger row. */
export interface LedgerRow {
  version: number;
  description: string;
  /** UTC ISO-8601, system clock. */
  appliedAt: string;
  checksum: string | null;
  executionMs: number | null;
  /** 1 when the row was written by adopting a database made without a ledger. */
  adopted: boolean;
  appVersion: string | null;
}

/** Whether `db` has a ledger table. */
export function hasLedger(db: DatabaseSync): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'")
    .get() !== undefined;
}

/** The ledger's rows by ascending version; empty when there is no ledger. */
export function readLedger(db: DatabaseSync): LedgerRow[] {
  if (!hasLedger(db)) return [];
  const rows = db.prepare("SELECT * FROM schema_version ORDER BY version").all() as Record<
    string,
    unknown
  >[];
  return rows.map((r) => ({
    version: Number(r.version),
    description: String(r.description),
    appliedAt: String(r.applied_at),
    checksum: r.checksum == null ? null : String(r.checksum),
    executionMs: r.execution_ms == null ? null : Number(r.execution_ms),
    adopted: Number(r.adopted ?? 0) === 1,
    appVersion: r.app_version == null ? null : String(r.app_version),
  }));
}

/** Writes one ledger row (inside the caller's transaction). */
export function insertLedgerRow(db: DatabaseSync, row: LedgerRow): void {
  db.prepare(
    `INSERT INTO schema_version (version, description, applied_at, checksum, execution_ms, adopted, app_version)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    row.version,
    row.description,
    row.appliedAt,
    row.checksum,
    row.executionMs,
    row.adopted ? 1 : 0,
    row.appVersion,
  );
}
