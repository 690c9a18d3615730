/**
 * The ledger rules, written once: what the applied ledger says against the migrations a binary
 * embeds. Every reader of a ledger (the migrator's refusals, `migrate --verify`, `--status`, the
 * writers' open, restore, the central server's runner) takes its answer from `compareLedger` and
 * words it for its user. Pure: no database, no I/O, so it works for SQLite and PostgreSQL rows.
 */

/** What the comparison needs of a ledger row. */
export interface LedgerEntry {
  readonly version: number;
  readonly checksum: string | null;
}

/** What the comparison needs of a migration the binary embeds. */
export interface KnownMigration {
  readonly version: number;
  readonly checksum: string;
}

/**
 * One disagreement between ledger and binary:
 *  - `no_ledger`: there is no ledger at all (a database made by older code, or an empty one):
 *    whether it can be adopted is decided by comparing its schema, not by the ledger
 *  - `newer`: an applied version above the binary's latest (the database is newer: exit 4)
 *  - `missing`: an applied version at or below the latest that the binary does not embed
 *  - `checksum`: an applied version whose recorded checksum differs from the embedded file's
 *  - `gap`: an embedded version not applied while a later one is
 *  - `pending`: an embedded version above the highest applied one, not applied yet
 */
export type LedgerFinding =
  | { kind: "no_ledger" }
  | { kind: "newer"; version: number }
  | { kind: "missing"; version: number }
  | { kind: "checksum"; version: number; applied: string | null; expected: string }
  | { kind: "gap"; version: number }
  | { kind: "pending"; version: number };

export type LedgerFindingKind = LedgerFinding["kind"];

export interface LedgerComparison {
  /** The binary's newest version. */
  latest: number;
  /** The highest applied version (newer ones included), 0 for none. */
  current: number;
  /** Every finding: ledger rows by ascending version, then embedded versions not applied. */
  findings: LedgerFinding[];
}

/**
 * Compares `ledger` (null: no ledger table) with `migrations` (versions 1…N).
 *
 * @example
 * ```ts
 * const { findings } = compareLedger([{ version: 1, checksum: "a" }], [{ version: 1, checksum: "a" }]);
 * findings; // []
 * ```
 */
export function compareLedger(
  ledger: readonly LedgerEntry[] | null,
  migrations: readonly KnownMigration[],
): LedgerComparison {
  const latest = migrations.reduce((max, m) => Math.max(max, m.version), 0);
  if (ledger === null) return { latest, current: 0, findings: [{ kind: "no_ledger" }] };
  const rows = [...ledger].sort((a, b) => a.version - b.version);
  const current = rows.reduce((max, r) => Math.max(max, r.version), 0);
  const known = new Map(migrations.map((m) => [m.version, m]));
  const findings: LedgerFinding[] = [];
  for (const row of rows) {
    const migration = known.get(row.version);
    if (row.version > latest) findings.push({ kind: "newer", version: row.version });
    else if (!migration) findings.push({ kind: "missing", version: row.version });
    else if (row.checksum !== migration.checksum) {
      findings.push({
        kind: "checksum",
        version: row.version,
        applied: row.checksum,
        expected: migration.checksum,
      });
    }
  }
  const applied = new Set(rows.map((r) => r.version));
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (applied.has(m.version)) continue;
    findings.push({ kind: m.version < current ? "gap" : "pending", version: m.version });
  }
  return { latest, current, findings };
}

/** The versions of the findings of `kind`, ascending. */
export function versionsWith(comparison: LedgerComparison, kind: LedgerFindingKind): number[] {
  return comparison.findings.flatMap((f) => f.kind === kind && "version" in f ? [f.version] : []);
}
