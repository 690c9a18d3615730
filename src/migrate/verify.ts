/**
 * `migrate --verify`: proves, read-only, that a database is exactly what this binary expects.
 * The checks run in this fixed order and every finding is reported, not only the first:
 *
 *  1. open         the file opens as a SQLite database (`--deep`: and passes quick_check)
 *  2. ledger       the schema_version ledger exists
 *  3. newer        no applied version is newer than this binary            (exit 4)
 *  4. missing      no applied version is missing from this binary
 *  5. checksums    every applied checksum equals the embedded file's
 *  6. pending      nothing is pending (and no version is skipped)
 *  7. verify       every applied migration's verify queries pass
 *  8. schema       the live schema equals the expected schema of the applied version (drift)
 *  9. foreign_keys foreign_key_check is clean
 */
import type { DatabaseSync } from "node:sqlite";
import { errorMessage, ExitCode } from "../errors.ts";
import { openDatabase } from "../db/open.ts";
import { diffSchema, readSchema, type SchemaSnapshot } from "../db/schema.ts";
import { integrityProblems } from "../db/damage.ts";
import { expectedSchemas, matchLegacySchema, pad, verifyQueryFailures } from "./migrator.ts";
import { guideAdoption } from "./adopt_guide.ts";
import type { Migration } from "./parse.ts";
import { hasLedger, readLedger } from "../db/ledger.ts";
import { compareLedger, versionsWith } from "../db/ledger_compare.ts";
import { precomputedSchema } from "./manifest.ts";

export const VERIFY_CHECKS = [
  "open",
  "ledger",
  "newer",
  "missing",
  "checksums",
  "pending",
  "verify",
  "schema",
  "foreign_keys",
] as const;
export type VerifyCheck = typeof VERIFY_CHECKS[number];

export interface CheckResult {
  check: VerifyCheck;
  status: "pass" | "fail" | "skipped";
  findings: string[];
}

export interface VerifyReport {
  database: string;
  ok: boolean;
  exitCode: ExitCode;
  appliedVersion: number | null;
  latestVersion: number;
  checks: CheckResult[];
}

export interface VerifyOptions {
  /**
   * Also run quick_check, and derive the expected schema by replaying every migration instead
   * of taking the build-time manifest's (pair it with `embeddedMigrations({ precomputed: false })`
   * so the checksums are recomputed too).
   */
  deep?: boolean;
  expectedSchema?: (version: number) => SchemaSnapshot;
}

/**
 * Verifies the database at `path` against `migrations`, read-only.
 *
 * @example
 * ```ts
 * const report = verifyDatabase("piwardrive.db", migrations);
 * report.exitCode; // 0, 3 or 4
 * ```
 */
export function verifyDatabase(
  path: string,
  migrations: Migration[],
  options: VerifyOptions = {},
): VerifyReport {
  const results = new Map<VerifyCheck, CheckResult>(
    VERIFY_CHECKS.map((check) => [check, { check, status: "skipped", findings: [] }]),
  );
  const record = (check: VerifyCheck, findings: string[]) => {
    results.set(check, { check, status: findings.length === 0 ? "pass" : "fail", findings });
  };
  // Set when the file could not be read half-way: that is damage (3), whichever check met it.
  let unreadable = false;
  const report = (appliedVersion: number | null): VerifyReport => {
    const checks = [...results.values()];
    // A damaged file is damaged first: what its ledger seems to say is not believed.
    const newer = results.get("newer")!.status === "fail" && !unreadable &&
      results.get("open")!.status === "pass";
    const ok = checks.every((c) => c.status === "pass");
    return {
      database: path,
      ok,
      exitCode: ok ? ExitCode.ok : newer ? ExitCode.schemaNewer : ExitCode.verificationFailed,
      appliedVersion,
      latestVersion: migrations.length,
      checks,
    };
  };

  let db: DatabaseSync | undefined;
  try {
    db = openDatabase(path, { readOnly: true });
    const findings: string[] = [];
    if (options.deep) {
      findings.push(...integrityProblems(db, "quick_check").map((l) => `quick_check: ${l}`));
    }
    record("open", findings);
  } catch (error) {
    // Not openable (openDatabase says why in one line): a finding, never a crash.
    record("open", [errorMessage(error)]);
    db?.close();
    return report(null);
  }

  try {
    return runChecks(db!, migrations, options, record, report);
  } catch (error) {
    // A damaged page met half-way through: report it as a failed check, never a stack trace.
    unreadable = true;
    const failed = VERIFY_CHECKS.find((c) => results.get(c)!.status === "skipped") ?? "open";
    record(failed, [`cannot read the database: ${errorMessage(error)}`]);
    return report(null);
  } finally {
    db!.close();
  }
}

function runChecks(
  db: DatabaseSync,
  migrations: Migration[],
  options: VerifyOptions,
  record: (check: VerifyCheck, findings: string[]) => void,
  report: (applied: number | null) => VerifyReport,
): VerifyReport {
  const expected = options.expectedSchema ??
    expectedSchemas(migrations, options.deep ? undefined : precomputedSchema());
  if (!hasLedger(db)) {
    record("ledger", [ledgerlessFinding(db, migrations.length, expected)]);
    return report(null);
  }
  record("ledger", []);
  const ledger = readLedger(db);
  const comparison = compareLedger(ledger, migrations);
  const { latest, current, findings } = comparison;
  const byVersion = new Map(migrations.map((m) => [m.version, m]));
  const named = (version: number) =>
    `version ${pad(version)} (${byVersion.get(version)!.description})`;

  const newer = versionsWith(comparison, "newer");
  record(
    "newer",
    newer.length === 0 ? [] : [
      `version(s) ${
        newer.join(", ")
      } are newer than this binary (it knows up to ${latest}); use a newer piwardrive`,
    ],
  );
  const missing = versionsWith(comparison, "missing");
  record("missing", missing.map((v) => `version ${v} is applied but not part of this binary`));
  record(
    "checksums",
    findings.flatMap((f) =>
      f.kind === "checksum"
        ? [
          `${named(f.version)} was applied with checksum ${f.applied}, ` +
          `the binary's file ${byVersion.get(f.version)!.fileName} has ${f.expected}`,
        ]
        : []
    ),
  );
  record(
    "pending",
    findings.flatMap((f) =>
      f.kind === "gap"
        ? [`${named(f.version)} is not applied but later version ${current} is`]
        : f.kind === "pending"
        ? [`${named(f.version)} is pending: run \`piwardrive migrate\``]
        : []
    ),
  );

  const appliedSet = new Set(ledger.map((r) => r.version));
  record(
    "verify",
    migrations.filter((m) => appliedSet.has(m.version)).flatMap((m) =>
      verifyQueryFailures(db, m).map((f) => `version ${pad(m.version)}: ${f}`)
    ),
  );

  if (newer.length === 0 && missing.length === 0) {
    record("schema", diffSchema(readSchema(db), expected(current)));
  }

  const violations = db.prepare("PRAGMA foreign_key_check").all() as Record<string, unknown>[];
  record(
    "foreign_keys",
    violations.slice(0, 10).map((v) =>
      `table ${v.table} rowid ${v.rowid} references a missing row in ${v.parent}`
    ),
  );
  return report(current);
}

/** What a ledger-less database is: empty, exactly a known version (adoptable), or neither. */
function ledgerlessFinding(
  db: DatabaseSync,
  latest: number,
  expected: (version: number) => SchemaSnapshot,
): string {
  try {
    const adoption = guideAdoption(db, expected) ?? matchLegacySchema(db, latest, expected);
    return adoption === null
      ? "no schema_version ledger: the database is empty; run `piwardrive migrate`"
      : `no schema_version ledger, but the schema is exactly version ${adoption.version}: run \`piwardrive migrate\` to adopt it`;
  } catch (error) {
    // No match (SchemaMismatchError), or the replay itself failed: either way the finding.
    return errorMessage(error);
  }
}
