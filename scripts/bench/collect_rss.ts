/**
 * Section `collect-rss`: `collect --replay DIR --interval 5s` as a real process with the start
 * task's permissions, 300 networks per scan; its peak RSS and CPU time, measured by the
 * /usr/bin/python3 wrapper of `usage.ts` (sampled VmRSS/VmHWM, exact ru_maxrss and CPU time).
 *
 * The same replay runs a second time with V8's `--jitless` added: what `MemoryDenyWriteExecute=yes`
 * in the service's unit would cost, since V8 cannot generate machine code without W+X memory.
 *
 * @module
 */
import { openDatabase } from "../../src/db/open.ts";
import { emptyLatest } from "./fixtures.ts";
import { accessPoints, poolSizeFor, scanText, windowAt } from "./iw_gen.ts";
import { Rng } from "../lib/random.ts";
import { ADVANCE, PER_SCAN } from "./ingest.ts";
import {
  type Context,
  EMPTY_SCRIPT,
  productArgv,
  type Row,
  type Section,
  START_PERMISSIONS,
} from "./lib.ts";
import { fmtMb, mb, measureProcess, requireUsageWrapper } from "./usage.ts";

/**
 * A replay folder of `ticks` ticks (`0001/iw.txt`, `0001/gpspipe.jsonl`, …): `perScan` networks
 * per scan along a drive, and a moving 3D fix from gpsd.
 */
export function writeReplay(dir: string, ticks: number, perScan = PER_SCAN): void {
  const pool = accessPoints(poolSizeFor(ticks, perScan, ADVANCE), 21);
  const rng = new Rng(22);
  const t0 = Date.UTC(2026, 10, 1, 10, 0, 0);
  for (let t = 0; t < ticks; t++) {
    const folder = `${dir}/${String(t + 1).padStart(4, "0")}`;
    Deno.mkdirSync(folder, { recursive: true });
    Deno.writeTextFileSync(
      `${folder}/iw.txt`,
      scanText(windowAt(pool, t, perScan, ADVANCE), rng, 1500 + 5 * t),
    );
    const lines: unknown[] = t === 0
      ? [
        { class: "VERSION", release: "3.22", rev: "3.22", proto_major: 3, proto_minor: 14 },
        {
          class: "DEVICES",
          devices: [{ class: "DEVICE", path: "/dev/ttyACM0", driver: "u-blox" }],
        },
        { class: "WATCH", enable: true, json: true, nmea: false, raw: 0, scaled: false },
      ]
      : [];
    lines.push({
      class: "TPV",
      device: "/dev/ttyACM0",
      mode: 3,
      time: new Date(t0 + t * 5000).toISOString(),
      lat: 52.2053 + t * 0.00031,
      lon: 0.1218 + t * 0.00022,
      altMSL: 12.5,
      eph: 4.2,
      speed: 8.1,
      track: 42.0,
    });
    Deno.writeTextFileSync(
      `${folder}/gpspipe.jsonl`,
      lines.map((l) => JSON.stringify(l)).join("\n") + "\n",
    );
  }
}

/** One `collect --replay` of the folder into a copy of the empty database, `v8Extra` added to V8's flags. */
async function measureCollect(
  ctx: Context,
  dir: string,
  emptyDb: string,
  ticks: number,
  v8Extra: string[],
): Promise<{ peakMb: number; cpuPercent: number; note: string }> {
  const name = v8Extra.length ? `collect-rss ${v8Extra.join(" ")}` : "collect-rss";
  const db = ctx.path(`collect${v8Extra.join("")}.db`);
  Deno.copyFileSync(emptyDb, db);
  ctx.log(`${name}: ${ticks} ticks × ${PER_SCAN} networks at 5 s (about ${ticks * 5} s)…`);
  const argv = withV8Flags(replayCollectArgv(db, dir), v8Extra);
  const usage = await measureProcess(ctx, argv);
  const check = openDatabase(db, { readOnly: true });
  const stored = (check.prepare("SELECT count(*) AS n FROM wifi_sightings").get() as { n: number })
    .n;
  check.close();
  if (stored !== ticks * PER_SCAN) {
    throw new Error(`${name} stored ${stored} sightings, expected ${ticks * PER_SCAN}`);
  }
  const peakMb = mb(usage.maxrss_kb);
  const cpuPercent = usage.cpu_s / usage.wall_s * 100;
  ctx.log(
    `${name}: peak ${peakMb.toFixed(1)} MB (sampled VmRSS max ${
      fmtMb(usage.sampled_rss_kb)
    }, VmHWM ${fmtMb(usage.sampled_hwm_kb)}), CPU ${usage.cpu_s.toFixed(2)} s over ${
      usage.wall_s.toFixed(1)
    } s`,
  );
  const note = `${name}: peak = ru_maxrss of the reaped process (sampled every 200 ms: ` +
    `VmRSS max ${fmtMb(usage.sampled_rss_kb)}, VmHWM ${
      fmtMb(usage.sampled_hwm_kb)
    }, ${usage.samples} samples); CPU = (utime+stime) / wall = ${usage.cpu_s.toFixed(2)} s / ${
      usage.wall_s.toFixed(1)
    } s; ${stored} sightings stored`;
  return { peakMb, cpuPercent, note };
}

/** `argv` with `extra` appended to its `--v8-flags=` list (the start task has one). */
export function withV8Flags(argv: string[], extra: string[]): string[] {
  if (extra.length === 0) return argv;
  const at = argv.findIndex((a) => a.startsWith("--v8-flags="));
  if (at < 0) throw new Error("the start task has no --v8-flags= to extend");
  return argv.map((a, i) => i === at ? `${a},${extra.join(",")}` : a);
}

export const collectRssSection: Section = {
  name: "collect-rss",
  description: "collect --replay (300 networks per scan, 5 s interval): peak RSS and CPU share",
  async run(ctx: Context): Promise<Row[]> {
    requireUsageWrapper();
    const ticks = ctx.size(24, 6);
    const dir = ctx.path("replay");
    writeReplay(dir, ticks);
    const db = await emptyLatest(ctx);
    const empty = await measureProcess(ctx, [
      Deno.execPath(),
      "run",
      "--quiet",
      ...START_PERMISSIONS,
      EMPTY_SCRIPT,
    ]);
    const label = `collect-rss ${ticks} ticks × ${PER_SCAN}`;
    const jit = await measureCollect(ctx, dir, db, ticks, []);
    const jitless = await measureCollect(ctx, dir, db, ticks, ["--jitless"]);
    return [
      {
        benchmark: `${label}: peak RSS (peer: empty deno run)`,
        piwardrive: `${jit.peakMb.toFixed(1)} MB`,
        peer: fmtMb(empty.maxrss_kb),
        ratio: null,
        judged: jit.peakMb,
        target: { kind: "max", value: 80, label: "≤ 80 MB" },
        note: jit.note,
      },
      {
        benchmark: `${label}: CPU share of one core`,
        piwardrive: `${jit.cpuPercent.toFixed(2)} %`,
        peer: "—",
        ratio: null,
        judged: jit.cpuPercent,
        target: { kind: "below", value: 5, label: "< 5 %" },
      },
      {
        benchmark: `${label} with --jitless: peak RSS (peer: with the JIT)`,
        piwardrive: `${jitless.peakMb.toFixed(1)} MB`,
        peer: `${jit.peakMb.toFixed(1)} MB`,
        ratio: null,
        judged: jitless.peakMb,
        target: null,
        note: jitless.note,
      },
      {
        benchmark: `${label} with --jitless: CPU share of one core (peer: with the JIT)`,
        piwardrive: `${jitless.cpuPercent.toFixed(2)} %`,
        peer: `${jit.cpuPercent.toFixed(2)} %`,
        ratio: null,
        judged: jitless.cpuPercent,
        target: null,
      },
    ];
  },
};

/** The product's collect replaying `dir` into `db` every 5 s, as the collect benchmarks run it. */
export function replayCollectArgv(db: string, dir: string): string[] {
  return productArgv([
    "--db",
    db,
    "collect",
    "--replay",
    dir,
    "--interval",
    "5s",
    "--no-migrate",
    "--quiet",
    "--no-health",
  ]);
}
