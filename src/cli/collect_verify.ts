/**
 * The read-only checks of `migrate --verify` when collect starts (the guide's drift detection):
 * drift or a modified migration is one warning line (a `verify` event with `--json`) and collect
 * goes on; with `--strict` it refuses (exit 3).
 */
import { VerificationError } from "../errors.ts";
import type { Migration } from "../migrate/parse.ts";
import { verifyDatabase } from "../migrate/verify.ts";
import type { Io } from "./context.ts";
import { verifyJson } from "./verify_output.ts";

export function verifyAtStart(
  io: Io,
  dbPath: string,
  migrations: Migration[],
  options: { json?: boolean; quiet?: boolean; strict?: boolean },
): void {
  const report = verifyJson(verifyDatabase(dbPath, migrations));
  if (report.status === "ok") return;
  const summary = report.findings.map((f) => `${f.check}: ${f.message}`).join("; ");
  if (options.strict) {
    throw new VerificationError(
      `Database "${dbPath}" fails migrate --verify (${summary}); run \`piwardrive migrate --verify\` for details, or drop --strict`,
    );
  }
  if (options.json) {
    io.out(JSON.stringify({ event: "verify", status: report.status, findings: report.findings }));
  } else if (!options.quiet) {
    io.err(`warning: migrate --verify found problems (${summary}); collect goes on`);
  }
}
