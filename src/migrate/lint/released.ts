/**
 * Released migrations are history: every database that applied one recorded its checksum, so the
 * file must never change again (the runner refuses a database whose applied file differs). The
 * baseline lists them, and the findings on them accepted on purpose, each with its reason.
 */
import { migrationChecksum } from "../checksum.ts";
import type { Finding, LintBaseline, LintFile } from "./types.ts";

/** A released file whose text no longer has its released checksum. */
export function releasedChecks(file: LintFile, baseline: LintBaseline): Finding[] {
  const recorded = baseline.released[file.name];
  if (recorded === undefined || recorded === migrationChecksum(file.text)) return [];
  return [{
    code: "released-edited",
    severity: "error",
    file: file.name,
    line: 1,
    message:
      `The released migration was edited: its checksum is ${migrationChecksum(file.text)}, ` +
      `databases that applied it recorded ${recorded}`,
    fix: "restore the released text (git checkout) and put the change in a new migration",
  }];
}

/** Baseline entries that cannot stand: no reason, or on a file that is not released. */
export function baselineChecks(baseline: LintBaseline, baselineName: string): Finding[] {
  const findings: Finding[] = [];
  for (const entry of baseline.accepted) {
    const problem = !baseline.released[entry.file]
      ? `accepts ${entry.code} on "${entry.file}", which is not released`
      : (entry.reason ?? "").trim() === ""
      ? `accepts ${entry.code} on "${entry.file}" without a reason`
      : null;
    if (problem) {
      findings.push({
        code: "baseline-invalid",
        severity: "error",
        file: baselineName,
        line: 1,
        message: `The baseline ${problem}`,
        fix:
          'give every entry a "reason"; a new file accepts a finding with "-- lint:ignore CODE reason"',
      });
    }
  }
  return findings;
}
