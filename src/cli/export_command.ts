/**
 * `piwardrive export`: the database as WiGLE CSV, KML, GeoJSON, GPX or plain CSV, streamed to
 * stdout or to `-o PATH` (see output_file.ts for what each kind of path gets). Progress on a
 * terminal and the summary go to stderr, so stdout carries nothing but the export. A reader that
 * closes early (`| head`) is a normal end: exit 0, nothing said.
 */
import { Command, InvalidArgumentError, Option } from "@commander-js/extra-typings";
import type { DatabaseSync } from "node:sqlite";
import { openDatabase } from "../db/open.ts";
import {
  type DeviceKind,
  ensureExportSchema,
  EXPORT_FORMATS,
  type ExportCounts,
  type ExportFormat,
  type ExportResult,
  ExportSource,
  exportText,
  WIGLE_UNKNOWN_ACCURACY_M,
  type WigleDevice,
} from "../export/mod.ts";
import { type GlobalOptions, type Io, resolveDbPath, VERSION } from "./context.ts";
import { ensureSinceBeforeUntil, excludeOption } from "./filter_options.ts";
import { forceOption, jsonOption, outputOption, sinceOption, untilOption } from "./options.ts";
import { BufferedWriter, ReaderClosed } from "./buffered_writer.ts";
import { type ByteWriter, planOutputOption, writeOutput } from "./output_file.ts";

export type { ByteWriter } from "./output_file.ts";

const PROGRESS_MS = 250;

function parseKinds(text: string): DeviceKind[] {
  const kinds = text.split(",").map((k) => k.trim().toLowerCase());
  const bad = kinds.find((k) => k !== "wifi" && k !== "bluetooth");
  if (bad !== undefined) {
    throw new InvalidArgumentError(
      `Expected wifi, bluetooth or wifi,bluetooth, got ${JSON.stringify(bad)}`,
    );
  }
  return [...new Set(kinds)] as DeviceKind[];
}

/** The logger for WiGLE's pre-header: the board's device-tree model (a Pi's), else OS/arch. */
export function wigleDevice(): WigleDevice {
  let model = `${Deno.build.os} ${Deno.build.arch}`;
  try {
    model = Deno.readTextFileSync("/proc/device-tree/model").replace(/\0/g, "").trim() || model;
  } catch {
    // Not a device-tree board (a PC, CI): OS and architecture say enough.
  }
  let release = "";
  try {
    release = Deno.osRelease();
  } catch {
    // No --allow-sys: leave it empty.
  }
  return { appVersion: VERSION, model, release };
}

/**
 * The `export` command. `outputs.stdout` replaces `Deno.stdout` (tests).
 *
 * @example
 * ```ts
 * program.addCommand(exportCommand(io, () => program.opts()));
 * ```
 */
export function exportCommand(
  io: Io,
  globals: () => GlobalOptions,
  outputs: { stdout?: ByteWriter; stderr?: ByteWriter } = {},
) {
  return new Command("export")
    .description(
      "Write networks, devices and the GPS track as WiGLE CSV 1.6, KML, GeoJSON, GPX or CSV",
    )
    .addOption(
      new Option("--format <format>", "output format").choices(EXPORT_FORMATS)
        .makeOptionMandatory(),
    )
    .addOption(
      new Option("--type <kinds>", "wifi, bluetooth, or both comma-separated")
        .argParser(parseKinds).default(["wifi", "bluetooth"] as DeviceKind[], "both"),
    )
    .addOption(sinceOption())
    .addOption(
      untilOption(
        "before this ISO-8601 date or time (exclusive: --until 2024-06-02 ends with June 1)",
      ),
    )
    .addOption(excludeOption())
    .option("--best", "wigle/csv: one row per network/device at its best position")
    .option("--no-track", "kml/gpx/geojson: leave out the GPS track")
    .addOption(outputOption())
    .addOption(forceOption())
    .addOption(jsonOption("print the summary as JSON (on stderr)"))
    .option("--quiet", "no progress and no summary")
    .action(async (options) => {
      ensureSinceBeforeUntil(options, "export");
      const dbPath = resolveDbPath(globals());
      // Decided before the database is opened: nothing is written to a target that is refused.
      const plan = planOutputOption(options.output, options.force, dbPath);
      const target = plan?.path ?? null;
      const db = openDatabase(dbPath, { readOnly: true });
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
      for (const s of signals) Deno.addSignalListener(s, onSignal);
      const progress = progressReporter(io, options.quiet ?? false);
      try {
        ensureExportSchema(db, dbPath);
        const source = new ExportSource(db, {
          kinds: options.type,
          since: options.since ?? null,
          until: options.until ?? null,
          exclusions: options.exclude,
        }, progress.update);
        const chunks = exportText(options.format, source, {
          best: options.best ?? false,
          track: options.track,
          device: wigleDevice(),
        });
        const name = target === null ? "the export" : `"${target}"`;
        const run = (writer: ByteWriter) => drain(db, chunks, writer, stop.signal, name);
        let result: ExportResult;
        try {
          result = plan === null
            ? await run(outputs.stdout ?? Deno.stdout)
            : await writeOutput(plan, run, {
              stdout: outputs.stdout ?? Deno.stdout,
              stderr: outputs.stderr ?? Deno.stderr,
            });
        } catch (error) {
          if (error instanceof ReaderClosed) return;
          throw error;
        }
        progress.clear();
        if (!options.quiet) {
          report(io, options.format, target ?? "-", source.counts, result, options.json ?? false);
        }
      } finally {
        progress.clear();
        for (const s of signals) Deno.removeSignalListener(s, onSignal);
        db.close();
      }
    });
}

/**
 * Drains `chunks` into `writer` in one read transaction (one snapshot while collect goes on),
 * awaiting only when a block is full: an await per row would double the export's time.
 */
async function drain(
  db: DatabaseSync,
  chunks: Generator<string, ExportResult>,
  writer: ByteWriter,
  signal: AbortSignal,
  name: string,
): Promise<ExportResult> {
  const out = new BufferedWriter(writer, signal, name);
  db.exec("BEGIN");
  try {
    let next = chunks.next();
    for (; !next.done; next = chunks.next()) if (out.push(next.value)) await out.flush();
    await out.end();
    return next.value;
  } finally {
    db.exec("COMMIT");
  }
}

function progressReporter(io: Io, quiet: boolean) {
  const live = io.isTerminal && !quiet && io.status !== undefined;
  let last = 0;
  let shown = false;
  return {
    update: (c: ExportCounts) => {
      if (!live || Date.now() - last < PROGRESS_MS) return;
      last = Date.now();
      shown = true;
      io.status?.(
        `exporting: ${c.written} written, ${c.noPosition} without position, ${c.excluded} excluded, ${c.trackPoints} track points`,
      );
    },
    clear: () => {
      if (shown) io.status?.("");
      shown = false;
    },
  };
}

function report(
  io: Io,
  format: ExportFormat,
  output: string,
  c: ExportCounts,
  result: ExportResult,
  json: boolean,
): void {
  const hasTrack = format === "kml" || format === "gpx" || format === "geojson";
  if (json) {
    io.err(JSON.stringify({
      format,
      output,
      rowsWritten: c.written,
      skippedNoPosition: c.noPosition,
      skippedExcluded: c.excluded,
      ...(hasTrack
        ? { trackPointsWritten: c.trackPoints, trackPointsExcluded: c.trackExcluded }
        : {}),
      ...(format === "wigle" ? { accuracyDefaulted: result.accuracyDefaulted } : {}),
    }));
    return;
  }
  const where = output === "-" ? "stdout" : `"${output}"`;
  const parts = [
    `${c.noPosition} skipped without position`,
    `${c.excluded} inside exclusion zones`,
  ];
  if (hasTrack) parts.push(`track: ${c.trackPoints} points, ${c.trackExcluded} excluded`);
  if (format === "wigle" && result.accuracyDefaulted > 0) {
    parts.push(
      `${result.accuracyDefaulted} with unknown accuracy written as ${WIGLE_UNKNOWN_ACCURACY_M} m`,
    );
  }
  io.err(`exported ${c.written} rows as ${format} to ${where}; ${parts.join(", ")}`);
}
