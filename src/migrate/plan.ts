/**
 * The plan of a run: which steps take a ledger to a target version, after the ledger rules
 * (src/db/ledger_compare.ts) have refused a newer, a missing or a modified migration. Pure: the
 * migrator plans from its database's ledger, a dry run and the no-work check from a ledger they
 * read or imagine, without building the write engine.
 */
import { LedgerMismatchError, PiwardriveError, SchemaNewerError } from "../errors.ts";
import {
  compareLedger,
  type LedgerComparison,
  type LedgerEntry,
  versionsWith,
} from "../db/ledger_compare.ts";
import type { Migration } from "./parse.ts";

/** One step of a plan. */
export interface PlannedStep {
  migration: Migration;
  direction: "up" | "down";
}

/**
 * The steps from `ledger`'s version to `target` (latest by default). Throws a usage error (2)
 * for a target this binary does not know, SchemaNewerError (4) or LedgerMismatchError (3).
 */
export function planSteps(
  ledger: readonly LedgerEntry[],
  migrations: Migration[],
  target = migrations.length,
): PlannedStep[] {
  ensureTargetExists(target, migrations.length);
  const comparison = compareLedger(ledger, migrations);
  ensureNoNewerVersions(comparison);
  ensureLedgerAgrees(comparison, "missing");
  ensureLedgerAgrees(comparison, "checksum");
  const applied = new Set(ledger.map((r) => r.version));
  if (target >= comparison.current) {
    return migrations
      .filter((m) => m.version <= target && !applied.has(m.version))
      .map((migration) => ({ migration, direction: "up" as const }));
  }
  return migrations
    .filter((m) => m.version > target && applied.has(m.version))
    .reverse()
    .map((migration) => ({ migration, direction: "down" as const }));
}

/** The ledger of a database migrated exactly to `version` by `migrations` (a dry run's start). */
export function ledgerAt(migrations: Migration[], version: number): LedgerEntry[] {
  return migrations.slice(0, version).map((m) => ({ version: m.version, checksum: m.checksum }));
}

function ensureTargetExists(target: number, latest: number): void {
  if (!Number.isInteger(target) || target < 0 || target > latest) {
    throw new PiwardriveError(
      `Cannot migrate to version ${target}: this binary knows versions 0 to ${latest}`,
      2,
    );
  }
}

function ensureNoNewerVersions(comparison: LedgerComparison): void {
  const newer = versionsWith(comparison, "newer");
  if (newer.length > 0) throw new SchemaNewerError(newer, comparison.latest);
}

function ensureLedgerAgrees(comparison: LedgerComparison, kind: "missing" | "checksum"): void {
  const versions = versionsWith(comparison, kind);
  if (versions.length > 0) throw new LedgerMismatchError(kind, versions);
}

/** `0004` for 4. */
export function pad(version: number): string {
  return String(version).padStart(4, "0");
}
