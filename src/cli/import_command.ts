/** `piwardrive import SOURCE`: renders what `src/import` does. */
import { Command, Option } from "@commander-js/extra-typings";
import { type ImportReport, runImport, SOURCE_KINDS, type SourceKind } from "../import/mod.ts";
import { type GlobalOptions, type Io, resolveDbPath } from "./context.ts";
import { jsonOption } from "./options.ts";
import { openCurrentDatabase } from "./open_for_writing.ts";

const PROGRESS_MS = 250;

/**
 * The `import` command: other loggers' files into the database.
 * `io` takes its output, `globals()` gives the program's global options (`--db`, `--debug`,
 * `--migrations-dir`) when the action runs.
 *
 * @example
 * ```ts
 * program.addCommand(importCommand(io, () => program.opts()));
 * ```
 */
export function importCommand(io: Io, globals: () => GlobalOptions) {
  return new Command("import")
    .description(
      "Bring the observations of another piwardrive database, PiWardrive's app.db or a Kismet log into the database",
    )
    .argument("<source>", "the file to import (read-only: never changed)")
    .addOption(
      new Option("--from <kind>", "what SOURCE is (auto: decided by its content)")
        .choices(["auto", ...SOURCE_KINDS] as const).default("auto" as const),
    )
    .option(
      "--source-tz <zone>",
      "IANA time zone of an app.db's local health times (default: this machine's)",
    )
    .option("--dry-run", "report what would be imported, write nothing")
    .addOption(jsonOption("machine-readable summary"))
    .action(async (sourcePath, options) => {
      const g = globals();
      const dbPath = resolveDbPath(g);
      const live = io.isTerminal && !options.json && io.status !== undefined;
      let shown = 0;
      const report = await runImport({
        sourcePath,
        dbPath,
        from: options.from as SourceKind | "auto",
        dryRun: options.dryRun,
        sourceTimeZone: options.sourceTz,
        openTarget: () => openCurrentDatabase(g, io, { quiet: options.json }),
        progress: (fraction) => {
          if (!live || Date.now() - shown < PROGRESS_MS) return;
          shown = Date.now();
          io.status!(`importing ${sourcePath}: ${Math.floor(fraction * 100)} %`);
        },
      });
      if (live) io.status!("");
      if (options.json) return io.out(JSON.stringify(report, null, 2));
      for (const line of summary(report)) io.out(line);
    });
}

/** The summary: what the source is, rows imported per table, rows skipped by reason. */
export function summary(r: ImportReport): string[] {
  const c = r.counts;
  const verb = r.dryRun ? "Would import" : "Imported";
  const lines = [
    `${verb} "${r.source}" (${r.describe}) into "${r.database}":`,
    ...r.notes.map((n) => `  note: ${n}`),
    `  networks: ${c.networks.new} new, ${c.networks.merged} merged`,
    `  bluetooth devices: ${c.devices.new} new, ${c.devices.merged} merged`,
  ];
  for (const [table, n] of Object.entries(c.imported)) lines.push(`  ${table}: ${n} rows`);
  const skipped = Object.entries(c.skipped).sort(([a], [b]) => a.localeCompare(b));
  if (skipped.length > 0) {
    lines.push(`  skipped: ${skipped.reduce((sum, [, n]) => sum + n, 0)} rows`);
    for (const [reason, n] of skipped) lines.push(`    ${reason}: ${n}`);
  }
  if (r.dryRun) lines.push("Dry run: nothing was written");
  return lines;
}
