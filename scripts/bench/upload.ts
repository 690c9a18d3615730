/**
 * Section `upload`: `piwardrive upload` of 1M sightings (read, written as WiGLE CSV, gzipped,
 * sent in files of 100,000) to a local WiGLE stand-in (`wigle_sink.ts`, its own process: the
 * bench holds no net permission), as a real process with the start task's permissions; its rows
 * per second, and its peak RSS at 100k and 1M, which must stay flat: a batch, not the database,
 * bounds what it holds.
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { fileURLToPath } from "node:url";
import { flatSizes, sightingsDb } from "./export.ts";
import { type Context, fmtInt, productArgv, type Row, type Section } from "./lib.ts";
import { flatRssRow, fmtMb, measureProcess, requireUsageWrapper, type Usage } from "./usage.ts";

const SINK = fileURLToPath(new URL("./wigle_sink.ts", import.meta.url));
const TOKEN = "bench-token";

/** Starts the stand-in; resolves to its base URL and a reader of the rows it took. */
async function startSink(ctx: Context) {
  const countFile = ctx.path("sink-count.txt");
  Deno.writeTextFileSync(countFile, "0 0");
  const child = ctx.spawn(
    [
      Deno.execPath(),
      "run",
      "--quiet",
      "--allow-net=127.0.0.1",
      `--allow-write=${countFile}`,
      SINK,
      countFile,
    ],
    { stdout: "piped", stderr: "inherit", stdin: "null" },
  );
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("the WiGLE stand-in exited before listening");
    text += value;
  }
  reader.releaseLock();
  return {
    url: `http://127.0.0.1:${text.trim()}`,
    taken: () => Deno.readTextFileSync(countFile).split(" ").map(Number) as [number, number],
    stop: async () => {
      child.kill("SIGTERM");
      await child.status;
      await child.stdout.cancel().catch(() => {});
    },
  };
}

/** A copy of the shared fixture (upload marks its rows) with the API name set. */
function copyForUpload(ctx: Context, source: string): string {
  const path = ctx.path("upload.db");
  Deno.copyFileSync(source, path);
  const db = new DatabaseSync(path);
  db.prepare(
    "INSERT INTO configuration (key, value, type, updated_at) VALUES ('wigle.api_name', 'bench', 'string', '2026-01-01T00:00:00.000Z')",
  ).run();
  db.close();
  return path;
}

export const uploadSection: Section = {
  name: "upload",
  description: "upload of 1M sightings to a local WiGLE stand-in: rows/s; peak RSS at 100k and 1M",
  async run(ctx: Context): Promise<Row[]> {
    requireUsageWrapper();
    const { big, small } = flatSizes(ctx);
    const sink = await startSink(ctx);
    // The measured child inherits the environment: the stand-in's URL and a token.
    Deno.env.set("PIWARDRIVE_WIGLE_URL", sink.url);
    Deno.env.set("PIWARDRIVE_WIGLE_TOKEN", TOKEN);
    try {
      let before = 0;
      const upload = async (sightings: number): Promise<Usage> => {
        const db = copyForUpload(ctx, await sightingsDb(ctx, sightings));
        const usage = await measureProcess(ctx, productArgv(["--db", db, "upload"]));
        const [rows] = sink.taken();
        // Honesty: the stand-in got every sighting, once.
        if (rows - before !== sightings) {
          throw new Error(`the stand-in took ${rows - before} rows, expected ${sightings}`);
        }
        before = rows;
        Deno.removeSync(db);
        return usage;
      };
      const smallRun = await upload(small);
      const bigRun = await upload(big);
      const [, files] = sink.taken();
      ctx.log(
        `upload: ${fmtInt(big)} sightings in ${bigRun.wall_s.toFixed(2)} s, peak RSS ${
          fmtMb(smallRun.maxrss_kb)
        } at ${fmtInt(small)}, ${fmtMb(bigRun.maxrss_kb)} at ${fmtInt(big)}`,
      );
      return [
        {
          benchmark: `upload ${fmtInt(big)} sightings: rows/s (process wall time)`,
          piwardrive: `${fmtInt(Math.round(big / bigRun.wall_s))} rows/s`,
          peer: "—",
          ratio: null,
          target: null,
          note: `upload: read, WiGLE CSV, gzip (CompressionStream) and multipart POST to a local ` +
            `stand-in, in files of 100,000, ${files} files over both runs; wall ${
              bigRun.wall_s.toFixed(2)
            } s, CPU ${bigRun.cpu_s.toFixed(2)} s for ${fmtInt(big)} sightings (process start, ` +
            `claims and records included)`,
        },
        flatRssRow(
          `upload: peak RSS at ${fmtInt(big)} (peer: at ${fmtInt(small)})`,
          bigRun,
          smallRun,
          `upload RSS: ru_maxrss of the reaped process; wall ${smallRun.wall_s.toFixed(2)} / ${
            bigRun.wall_s.toFixed(2)
          } s at ${fmtInt(small)} / ${fmtInt(big)} sightings`,
        ),
      ];
    } finally {
      Deno.env.delete("PIWARDRIVE_WIGLE_URL");
      Deno.env.delete("PIWARDRIVE_WIGLE_TOKEN");
      await sink.stop();
    }
  },
};
