/** Rendering a `migrate --verify` report, for the command and for its fast path. */
import type { VerifyReport } from "../migrate/verify.ts";
import type { Io } from "./context.ts";

export function printVerifyReport(report: VerifyReport, io: Io, json: boolean): void {
  if (json) {
    io.out(JSON.stringify(verifyJson(report), null, 2));
    return;
  }
  io.out(
    `Verifying "${report.database}" (applied version ${
      report.appliedVersion ?? "?"
    }, this binary knows up to ${report.latestVersion})`,
  );
  for (const c of report.checks) {
    const mark = c.status === "pass" ? "ok  " : c.status === "fail" ? "FAIL" : "skip";
    io.out(`  ${mark}  ${c.check}`);
    for (const f of c.findings) io.out(`          ${f}`);
  }
  const failed = report.checks.filter((c) => c.status === "fail").length;
  io.out(
    report.ok
      ? `Verification passed: all ${report.checks.length} checks`
      : `Verification failed: ${failed} check(s) failed`,
  );
}

/** One problem, for alerting: which check found it and what it says. */
export interface MonitoringFinding {
  check: string;
  message: string;
}

/**
 * The stable `--json` object of `migrate --verify`: `status` and every finding of a failed check
 * first (what an alert needs), then the report's own fields, unchanged.
 */
export function verifyJson(
  report: VerifyReport,
): { status: "ok" | "failed"; findings: MonitoringFinding[] } & VerifyReport {
  const findings = report.checks.filter((c) => c.status === "fail")
    .flatMap((c) => c.findings.map((message) => ({ check: c.check, message })));
  return { status: report.ok ? "ok" : "failed", findings, ...report };
}
