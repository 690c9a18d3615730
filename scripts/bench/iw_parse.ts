/**
 * Section `iw-parse`: parseIwScan on a synthetic 1,000-BSS `iw dev wlan0 scan` capture against
 * jc's `iw_scan` parser, in-process (the judged comparison) and as a process.
 *
 * @module
 */
import { parseIwScan } from "../../src/parsers/iw_scan.ts";
import { captureText } from "./iw_gen.ts";
import {
  type Context,
  fmtInt,
  fmtMs,
  median,
  PYTHON,
  type Row,
  type Section,
  which,
} from "./lib.ts";

/** Times `jc.parse("iw_scan", text)` inside one Python process; prints JSON. */
export const JC_IN_PROCESS = `
import json, statistics, sys, time
import jc
text = open(sys.argv[1], encoding="utf-8").read()
runs, warmup = int(sys.argv[2]), int(sys.argv[3])
records = len(jc.parse("iw_scan", text, quiet=True))
for _ in range(warmup):
    jc.parse("iw_scan", text, quiet=True)
times = []
for _ in range(runs):
    t = time.perf_counter()
    jc.parse("iw_scan", text, quiet=True)
    times.append((time.perf_counter() - t) * 1000)
print(json.dumps({"records": records, "median_ms": statistics.median(times), "times": times}))
`;

/** Median ms of `parseIwScan(text)` after a warm-up, and the result's size. */
export function timeParse(
  text: string,
  runs: number,
  warmup: number,
): { ms: number; records: number; warnings: number } {
  let result = parseIwScan(text);
  for (let i = 0; i < warmup; i++) result = parseIwScan(text);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    result = parseIwScan(text);
    times.push(performance.now() - started);
  }
  return { ms: median(times), records: result.records.length, warnings: result.warnings.length };
}

export const iwParseSection: Section = {
  name: "iw-parse",
  description: "parseIwScan of a 1,000-BSS capture vs jc --iw-scan (in-process and process)",
  async run(ctx: Context): Promise<Row[]> {
    const count = 1000;
    const { text } = captureText(count);
    const file = ctx.path("iw-1000.txt");
    Deno.writeTextFileSync(file, text);
    const lines = text.split("\n").length - 1;
    const pw = timeParse(text, ctx.size(300, 60), ctx.size(50, 20));
    if (pw.records !== count || pw.warnings !== 0) {
      throw new Error(`capture parsed to ${pw.records} records, ${pw.warnings} warnings`);
    }
    ctx.log(`iw-parse: parseIwScan ${fmtMs(pw.ms)} (${fmtInt(lines)} lines)`);

    const jc = which("jc");
    let inProcess: { records: number; median_ms: number } | null = null;
    let processMs = NaN;
    if (jc && which(PYTHON)) {
      const out = await ctx.run([
        PYTHON,
        "-c",
        JC_IN_PROCESS,
        file,
        String(ctx.size(10, 3)),
        String(ctx.size(2, 1)),
      ]);
      inProcess = JSON.parse(out.stdout);
      const times: number[] = [];
      const runs = ctx.size(8, 3);
      for (let i = 0; i <= runs; i++) {
        const run = await ctx.run([jc, "--iw-scan"], { stdin: text });
        if (i === 0) {
          const n = (JSON.parse(run.stdout) as unknown[]).length;
          if (n !== count) ctx.log(`iw-parse: jc --iw-scan returned ${n} records, not ${count}`);
        } else times.push(run.ms); // the first run only warms the page cache
      }
      processMs = median(times);
      ctx.log(
        `iw-parse: jc in-process ${fmtMs(inProcess!.median_ms)}, process ${fmtMs(processMs)}`,
      );
    }
    const missing = "jc missing";
    return [
      {
        benchmark: `iw-parse ${fmtInt(count)} BSS: speed-up vs jc.parse in-process (judged)`,
        piwardrive: fmtMs(pw.ms),
        peer: inProcess ? fmtMs(inProcess.median_ms) : missing,
        ratio: inProcess ? inProcess.median_ms / pw.ms : null,
        target: { kind: "min", value: 20, label: "≥ 20× faster" },
        note: `iw-parse: ${fmtInt(lines)}-line capture (${
          (text.length / 1048576).toFixed(1)
        } MB), 0 warnings; medians; jc ${inProcess?.records ?? "?"} records in-process`,
      },
      {
        benchmark: `iw-parse ${fmtInt(count)} BSS: speed-up vs jc --iw-scan process`,
        piwardrive: fmtMs(pw.ms),
        peer: inProcess ? fmtMs(processMs) : missing,
        ratio: inProcess ? processMs / pw.ms : null,
        target: null,
      },
    ];
  },
};
