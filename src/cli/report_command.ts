/**
 * `piwardrive report`: one self-contained HTML file of a drive (map, charts, summary), streamed
 * from a read-only snapshot of the database through the safe output writer (a new file appears
 * only complete; an existing one only with --force).
 */
import { Command } from "@commander-js/extra-typings";
import { openDatabase } from "../db/open.ts";
import { PiwardriveError } from "../errors.ts";
import { ensureReportSchema, reportPage, ReportReader } from "../report/mod.ts";
import { type GlobalOptions, type Io, resolveDbPath } from "./context.ts";
import { ensureSinceBeforeUntil, excludeOption } from "./filter_options.ts";
import { forceOption, outputOption, sinceOption, untilOption } from "./options.ts";
import { type ByteWriter, osReason, planOutputOption, writeOutput } from "./output_file.ts";

/** Characters gathered before one write: a write per point would cost more than the page. */
const BLOCK_CHARS = 64 * 1024;

/** The `report` command. `outputs.stdout` replaces `Deno.stdout` (tests). */
export function reportCommand(
  io: Io,
  globals: () => GlobalOptions,
  outputs: { stdout?: ByteWriter; stderr?: ByteWriter } = {},
) {
  return new Command("report")
    .description("Write one self-contained HTML page of a drive: map, charts and summary")
    .addOption(outputOption())
    .addOption(forceOption())
    .addOption(sinceOption())
    .addOption(untilOption())
    .addOption(excludeOption())
    .option("--title <text>", "the page's title", "piwardrive drive")
    .option("--quiet", "no summary")
    .action(async (options) => {
      ensureSinceBeforeUntil(options, "show");
      const dbPath = resolveDbPath(globals());
      const plan = planOutputOption(options.output, options.force, dbPath);
      const target = plan?.path ?? null;
      const started = performance.now();
      const db = openDatabase(dbPath, { readOnly: true });
      try {
        ensureReportSchema(db, dbPath);
        const reader = new ReportReader(db, {
          kinds: ["wifi", "bluetooth"],
          since: options.since ?? null,
          until: options.until ?? null,
          exclusions: options.exclude,
        });
        let figures: ReturnType<ReportReader["figures"]> | null = null;
        const chunks = reportPage(
          { title: options.title },
          reader.points(),
          reader.track(),
          () => (figures = reader.figures()),
        );
        const name = target === null ? "the report" : `"${target}"`;
        const run = (writer: ByteWriter) => drain(db, chunks, writer, name);
        const bytes = plan === null
          ? await run(outputs.stdout ?? Deno.stdout)
          : await writeOutput(plan, run, {
            stdout: outputs.stdout ?? Deno.stdout,
            stderr: outputs.stderr ?? Deno.stderr,
          });
        if (!options.quiet && figures !== null) {
          const s = (figures as ReturnType<ReportReader["figures"]>).summary;
          io.err(
            `report of ${s.networks} networks and ${s.devices} Bluetooth devices written to ${
              target === null ? "stdout" : `"${target}"`
            } (${bytes} bytes in ${
              Math.round(performance.now() - started)
            } ms); ${s.noPosition} without position, ${s.excluded} inside exclusion zones`,
          );
        }
      } finally {
        db.close();
      }
    });
}

/** Writes `chunks` in blocks inside one read transaction (one snapshot while collect goes on). */
async function drain(
  db: { exec(sql: string): void },
  chunks: Iterable<string>,
  writer: ByteWriter,
  name: string,
): Promise<number> {
  const encoder = new TextEncoder();
  let total = 0;
  let block: string[] = [];
  let size = 0;
  const write = async () => {
    let bytes = encoder.encode(block.join(""));
    block = [];
    size = 0;
    total += bytes.length;
    try {
      while (bytes.length > 0) bytes = bytes.subarray(await writer.write(bytes));
    } catch (error) {
      throw new PiwardriveError(`Cannot write ${name}: ${osReason(error)}`, undefined, {
        cause: error,
      });
    }
  };
  db.exec("BEGIN");
  try {
    for (const chunk of chunks) {
      block.push(chunk);
      size += chunk.length;
      if (size >= BLOCK_CHARS) await write();
    }
    await write();
    return total;
  } finally {
    db.exec("COMMIT");
  }
}
