/**
 * `piwardrive migrate lint`: rules for writing migrations, checked before they ship. Pure checks,
 * one file per family, run in a fixed order: structure, released, SQLite, destructive,
 * data-dependent, replay (up, down and verify run in memory). A finding is accepted on purpose by
 * `-- lint:ignore CODE reason` in a new file, or, for a released file (which must never change),
 * by an entry with its reason in the baseline beside the migrations.
 */
import { dataDependentChecks } from "./data_dependent.ts";
import { destructiveChecks } from "./destructive.ts";
import { baselineChecks, releasedChecks } from "./released.ts";
import { replayMigrations } from "./replay.ts";
import { readLintSource } from "./source.ts";
import { sqliteChecks } from "./sqlite_rules.ts";
import { sequenceChecks, structureChecks } from "./structure.ts";
import type { AcceptedFinding, Finding, LintBaseline, LintFile } from "./types.ts";

export type { AcceptedFinding, Finding, LintBaseline, LintFile, Severity } from "./types.ts";

/** Every check code, in the order the checks run. */
export const LINT_CODES: readonly string[] = [
  "up-missing",
  "down-missing",
  "verify-missing",
  "parse-error",
  "ignore-invalid",
  "ignore-unused",
  "released-edited",
  "baseline-invalid",
  "alter-unsupported",
  "stored-generated-alter",
  "rename-old-table",
  "not-in-transaction",
  "index-not-idempotent",
  "drop-table",
  "drop-column",
  "unique-index-existing",
  "not-null-no-default",
  "made-not-null",
  "check-added",
  "up-fails",
  "down-fails",
  "down-not-inverse",
  "verify-scans",
];

export interface LintOptions {
  baseline?: LintBaseline;
  /** How findings on the baseline itself name it. */
  baselineName?: string;
  /** Report on these files only (the others are context: the schema they build). */
  only?: string[];
}

export interface LintReport {
  files: string[];
  findings: Finding[];
  accepted: AcceptedFinding[];
  errors: number;
  warnings: number;
}

/**
 * Lints `files`, a whole migrations directory (every version from 1, so the replay can build the
 * schema each one starts from).
 *
 * @example
 * ```ts
 * const report = lintMigrations([...embeddedMigrationFiles], { baseline });
 * report.errors; // 0
 * ```
 */
export function lintMigrations(files: LintFile[], options: LintOptions = {}): LintReport {
  const baseline = options.baseline ?? { released: {}, accepted: [] };
  const sorted = [...files].sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  const only = new Set(options.only ?? sorted.map((f) => f.name));
  const sources = new Map(sorted.map((f) => [f.name, readLintSource(f.name, f.text)]));
  const replay = replayMigrations(sorted, sources, only);
  const codes = new Set(LINT_CODES);

  const raw: Finding[] = sequenceChecks([...sources.values()]).filter((f) => only.has(f.file));
  for (const file of sorted.filter((f) => only.has(f.name))) {
    const source = sources.get(file.name)!;
    const before = replay.before.get(file.name);
    raw.push(
      ...structureChecks(file, source, codes),
      ...releasedChecks(file, baseline),
      ...sqliteChecks(source),
      ...(before ? destructiveChecks(source, before) : []),
      ...(before ? dataDependentChecks(source, before) : []),
      ...replay.findings.filter((f) => f.file === file.name),
    );
  }
  if (options.only === undefined) {
    raw.push(...baselineChecks(baseline, options.baselineName ?? "lint-baseline.json"));
  }

  const findings: Finding[] = [];
  const accepted: AcceptedFinding[] = [];
  const usedIgnores = new Set<string>();
  for (const finding of raw) {
    const ignore = sources.get(finding.file)?.ignores
      .find((i) => i.code === finding.code && i.reason !== "");
    const entry = baseline.released[finding.file] !== undefined
      ? baseline.accepted.find((a) =>
        a.file === finding.file && a.code === finding.code && (a.reason ?? "").trim() !== ""
      )
      : undefined;
    // A released file's text is fixed, so only the baseline can accept a finding on it, and
    // nothing accepts an edit of a released file.
    if (finding.code !== "released-edited" && ignore && !baseline.released[finding.file]) {
      usedIgnores.add(`${finding.file}:${ignore.line}`);
      accepted.push({ ...finding, acceptedBy: "ignore", reason: ignore.reason });
    } else if (finding.code !== "released-edited" && entry) {
      accepted.push({ ...finding, acceptedBy: "baseline", reason: entry.reason });
    } else findings.push(finding);
  }
  for (const [name, source] of sources) {
    if (!only.has(name)) continue;
    for (const i of source.ignores) {
      if (i.reason === "" || !codes.has(i.code) || usedIgnores.has(`${name}:${i.line}`)) continue;
      findings.push({
        code: "ignore-unused",
        severity: "warning",
        file: name,
        line: i.line,
        message: `"-- lint:ignore ${i.code}" accepts nothing: the check finds no ${i.code} here`,
        fix: "remove the line",
      });
    }
  }
  return {
    files: sorted.filter((f) => only.has(f.name)).map((f) => f.name),
    findings,
    accepted,
    errors: findings.filter((f) => f.severity === "error").length,
    warnings: findings.filter((f) => f.severity === "warning").length,
  };
}
