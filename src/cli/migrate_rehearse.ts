/** Rendering `migrate --rehearse [--keep]`: per step the time, rows and size, then the verify. */
import { ExitCode, UsageError } from "../errors.ts";
import type { Migration } from "../migrate/parse.ts";
import { pad } from "../migrate/migrator.ts";
import { rehearseMigrate } from "../migrate/rehearse.ts";
import type { Io } from "./context.ts";
import { printVerifyReport } from "./verify_output.ts";

export interface RehearseFlags {
  rehearse?: boolean;
  keep?: boolean;
  status?: boolean;
  verify?: boolean;
  dryRun?: boolean;
  to?: number;
  json?: boolean;
}

/** Runs a rehearsal for `migrate --rehearse`; exit 0 when it would succeed, 3 when not. */
export async function rehearseCommand(
  io: Io,
  dbPath: string,
  migrations: Migration[],
  flags: RehearseFlags,
  exit: (code: number) => void,
): Promise<void> {
  if (!flags.rehearse) throw new UsageError("--keep only goes with --rehearse");
  if (flags.status || flags.verify || flags.dryRun) {
    throw new UsageError("--rehearse does not go with --status, --verify or --dry-run");
  }
  const outcome = await rehearseMigrate({ dbPath, migrations, target: flags.to, keep: flags.keep });
  exit(outcome.ok ? ExitCode.ok : ExitCode.verificationFailed);
  if (flags.json) {
    io.out(JSON.stringify({ status: outcome.ok ? "ok" : "failed", ...outcome }, null, 2));
    return;
  }
  io.out(
    `Rehearsal of "${dbPath}" from version ${outcome.fromVersion} on a copy ${
      outcome.copyLocation === "beside" ? "beside the database" : "in the temporary directory"
    }: ${outcome.copyPath}`,
  );
  if (outcome.steps.length === 0) io.out("  nothing to do: the database is up to date");
  for (const s of outcome.steps) {
    const head = `  ${s.direction === "up" ? "up  " : "down"} ${pad(s.version)} ${s.description}`;
    if (s.status !== "success") {
      io.out(`${head}: ${s.status === "error" ? `FAILED: ${s.error}` : "not run"}`);
      continue;
    }
    io.out(
      `${head}: ${s.executionMs} ms, file ${s.fileBytesBefore} → ${s.fileBytesAfter} bytes`,
    );
    const names = [...new Set([...Object.keys(s.rowsBefore), ...Object.keys(s.rowsAfter ?? {})])]
      .sort();
    const width = Math.max(...names.map((n) => n.length));
    for (const name of names) {
      const before = s.rowsBefore[name] ?? "-";
      const after = s.rowsAfter?.[name] ?? "-";
      io.out(`        ${name.padEnd(width)}  ${before} → ${after} rows`);
    }
  }
  if (outcome.verify) {
    printVerifyReport(outcome.verify, io, false);
    if (outcome.ok && !outcome.verify.ok) {
      io.out("(versions above the target are pending by design)");
    }
  }
  io.out(
    outcome.kept
      ? `The migrated copy is kept: ${outcome.copyPath}`
      : "The copy was removed; the database itself was only read",
  );
  io.out(
    outcome.ok
      ? `Rehearsal passed: migrate would take "${dbPath}" to version ${outcome.toVersion}`
      : `Rehearsal failed: migrate would not succeed on "${dbPath}" as it is`,
  );
}
