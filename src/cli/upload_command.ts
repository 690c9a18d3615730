/**
 * `piwardrive upload`: sends the sightings not uploaded yet to WiGLE (see src/upload/). Runs in
 * a worker whose only network permission is WiGLE's host (network.ts).
 */
import { Command, InvalidArgumentError } from "@commander-js/extra-typings";
import type { DatabaseSync } from "node:sqlite";
import { UsageError } from "../errors.ts";
import { unsentCount } from "../upload/batches.ts";
import { wigleBaseUrl, WigleClient } from "../upload/client.ts";
import { wigleAccount } from "../upload/credentials.ts";
import { writeWigleCsv } from "../upload/file.ts";
import { runUpload } from "../upload/run.ts";
import { statusLines, uploadStatus } from "../upload/status.ts";
import { acquireUploadLock } from "../db/lock.ts";
import { type GlobalOptions, type Io, resolveDbPath } from "./context.ts";
import { wigleDevice } from "./export_command.ts";
import { forceOption, jsonOption, outputOption, sinceOption } from "./options.ts";
import { type ByteWriter, type OutputPlan, planOutputOption, writeOutput } from "./output_file.ts";
import { openCurrentDatabase } from "./open_for_writing.ts";

/** Sightings per file by default: about 10 MB of CSV, 2 MB gzipped. */
export const DEFAULT_MAX_ROWS = 100_000;

function positiveInt(max: number) {
  return (text: string): number => {
    if (!/^\d{1,9}$/.test(text) || Number(text) < 1 || Number(text) > max) {
      throw new InvalidArgumentError(`Expected a whole number from 1 to ${max}`);
    }
    return Number(text);
  };
}

/**
 * The `upload` command: sightings not uploaded yet to WiGLE, or its queue's status.
 * `io` takes its output, `globals()` gives the program's global options (`--db`, `--debug`,
 * `--migrations-dir`) when the action runs.
 *
 * @example
 * ```ts
 * program.addCommand(uploadCommand(io, () => program.opts()));
 * ```
 */
export function uploadCommand(io: Io, globals: () => GlobalOptions) {
  return new Command("upload")
    .description("Send the sightings not uploaded yet to WiGLE, as gzipped WiGLE CSV")
    .option("--donate", "let WiGLE use the data commercially (donate=on)")
    .option("--dry-run", "send nothing: say what would be sent (and write it with -o)")
    .addOption(outputOption("with --dry-run: write the would-be WiGLE CSV to this file"))
    .addOption(forceOption("with -o: replace an existing file"))
    .addOption(sinceOption("only sightings from this ISO-8601 date or time on"))
    .option("--status", "list the batches (sent, pending, failed) and WiGLE's status of each")
    .option("--token-file <path>", "file holding the API token (mode 0600, yours)")
    .option(
      "--max-rows <n>",
      `sightings per file at most (default ${DEFAULT_MAX_ROWS})`,
      positiveInt(1_000_000),
    )
    .option("--retries <n>", "attempts after the first when WiGLE is unreachable (default 4)", (
      text,
    ) => text === "0" ? 0 : positiveInt(20)(text))
    .option(
      "--timeout <seconds>",
      "give up a request after this long (default 120)",
      positiveInt(3600),
    )
    .addOption(jsonOption("print the result as JSON"))
    .action(async (options) => {
      if (options.output !== undefined && !options.dryRun) {
        throw new UsageError("-o/--output writes the would-be file: use it with --dry-run");
      }
      if (options.status && (options.dryRun || options.since || options.donate)) {
        throw new UsageError(
          "--status lists batches: use it without --dry-run, --since or --donate",
        );
      }
      const base = wigleBaseUrl();
      const dbPath = resolveDbPath(globals());
      // Unlike export's, the dry run's CSV goes nowhere without -o: "-" names stdout.
      const plan: OutputPlan | null = options.output === "-"
        ? { kind: "stdio", path: "-", fd: 1 }
        : planOutputOption(options.output, options.force, dbPath);
      const quiet = options.json ?? false;
      const { db, close } = await openCurrentDatabase(globals(), io, { quiet });
      try {
        if (options.dryRun) return await dryRun(io, db, options.since ?? null, plan, options.json);
        const timeoutMs = (options.timeout ?? 120) * 1000;
        if (options.status) {
          let client: WigleClient | null = null;
          let reason = "";
          try {
            client = new WigleClient(base, wigleAccount(db, options.tokenFile), timeoutMs);
          } catch (error) {
            reason = error instanceof Error ? error.message : String(error);
          }
          const status = await uploadStatus(db, client, reason);
          if (options.json) io.out(JSON.stringify(status));
          else for (const line of statusLines(status)) io.out(line);
          return;
        }
        const since = options.since ?? null;
        const client = new WigleClient(base, wigleAccount(db, options.tokenFile), timeoutMs);
        const lock = await acquireUploadLock(dbPath, (line) => quiet || io.err(line));
        try {
          if (unsentCount(db, since) === 0 && !hasPending(db)) {
            if (options.json) io.out(JSON.stringify({ sent: [], recovered: [], sightings: 0 }));
            else io.err("nothing to upload: no sighting with a position that was not sent yet");
            return;
          }
          const report = await runUpload(db, client, {
            since,
            donate: options.donate ?? false,
            maxRows: options.maxRows ?? DEFAULT_MAX_ROWS,
            retries: options.retries ?? 4,
            backoffMs: backoffMs(),
            device: wigleDevice(),
            log: (line) => quiet || io.err(line),
          });
          const sightings = [...report.sent, ...report.recovered]
            .reduce((n, b) => n + b.sightings, 0);
          if (options.json) io.out(JSON.stringify({ ...report, sightings }));
          else {
            io.out(
              `uploaded ${sightings} sightings in ${
                report.sent.length + report.recovered.length
              } file(s) to WiGLE`,
            );
          }
        } finally {
          lock.release();
        }
      } finally {
        close();
      }
    });
}

function hasPending(db: DatabaseSync): boolean {
  return db.prepare("SELECT 1 FROM upload_batches WHERE state = 'pending' LIMIT 1").get() !==
    undefined;
}

/** The first wait between attempts: `PIWARDRIVE_UPLOAD_BACKOFF_MS` (tests), else 2 s. */
function backoffMs(): number {
  const text = Deno.env.get("PIWARDRIVE_UPLOAD_BACKOFF_MS");
  if (text === undefined || text === "") return 2000;
  if (!/^\d{1,7}$/.test(text)) {
    throw new UsageError(
      `PIWARDRIVE_UPLOAD_BACKOFF_MS ${JSON.stringify(text)} must be a whole number of milliseconds`,
    );
  }
  return Number(text);
}

const encoder = new TextEncoder();

async function dryRun(
  io: Io,
  db: DatabaseSync,
  since: string | null,
  plan: OutputPlan | null,
  json: boolean | undefined,
): Promise<void> {
  const count = unsentCount(db, since);
  if (plan !== null) {
    const write = async (writer: ByteWriter) => {
      await writeWigleCsv(db, { since, exclusions: [], uploadBatch: null }, wigleDevice(), async (
        chunk,
      ) => {
        let bytes = encoder.encode(chunk);
        while (bytes.length > 0) bytes = bytes.subarray(await writer.write(bytes));
      });
    };
    await writeOutput(plan, write, { stdout: Deno.stdout, stderr: Deno.stderr });
  }
  // With the CSV on stdout, the summary goes to stderr.
  const say = plan?.kind === "stdio" && plan.fd === 1 ? io.err : io.out;
  if (json) say(JSON.stringify({ dryRun: true, sightings: count, output: plan?.path ?? null }));
  else {
    const where = plan === null
      ? ""
      : plan.path === "-"
      ? ", written to stdout"
      : `, written to "${plan.path}"`;
    say(`would upload ${count} sightings${where}; nothing sent`);
  }
}
