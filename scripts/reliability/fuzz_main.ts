/**
 * Runs the hostile-input fuzzer and the linear-time probe; exits 1 on any failure.
 *
 * ```sh
 * deno run --allow-read --allow-env scripts/reliability/fuzz_main.ts [--cases 100000] [--seed 1]
 *   [--parser NAME]… [--no-probe]
 * deno run --allow-read --allow-env scripts/reliability/fuzz_main.ts --seed 1 --repro parseIwScan:4211
 * ```
 *
 * `--repro parser:index` prints that case's description, then its input (and chunks) as JSON.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { fuzzCase, fuzzParsers, PARSERS, probeInput, probeLinearity } from "./fuzz.ts";

function table(headers: string[], rows: string[][], right: boolean[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    "| " +
    cells.map((c, i) => (right[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(" | ") +
    " |";
  return [line(headers), "|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|"]
    .concat(rows.map(line)).join("\n");
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function main(args: string[]): number {
  const { values } = parseArgs({
    args,
    options: {
      cases: { type: "string", default: "100000" },
      seed: { type: "string", default: "1" },
      parser: { type: "string", multiple: true },
      repro: { type: "string" },
      "no-probe": { type: "boolean", default: false },
    },
    strict: true,
  });
  const cases = Number(values.cases);
  const seed = Number(values.seed);
  if (!Number.isSafeInteger(cases) || cases < 1) throw new Error(`--cases: ${values.cases}`);
  if (!Number.isSafeInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new Error(`--seed must be an integer in 0…4294967295: ${values.seed}`);
  }
  const names = PARSERS.map((p) => p.name);
  for (const p of values.parser ?? []) {
    if (!names.includes(p)) throw new Error(`--parser ${p}: one of ${names.join(", ")}`);
  }

  if (values.repro !== undefined) {
    const m = /^([A-Za-z]+):(\d+)$/.exec(values.repro);
    if (!m) throw new Error(`--repro expects parser:index, e.g. parseIwScan:42`);
    const c = fuzzCase(m[1], seed, Number(m[2]));
    console.log(`${c.parser}, seed ${c.seed}, case ${c.index}: ${c.description}`);
    console.log(JSON.stringify(c.input));
    if (c.chunks) console.log(JSON.stringify(c.chunks));
    return 0;
  }

  const started = performance.now();
  const report = fuzzParsers({
    casesPerParser: cases,
    seed,
    parsers: values.parser,
    onProgress: (line) => console.error(line),
  });
  const fuzzMs = performance.now() - started;
  console.log(`\nFuzz: seed ${seed}, ${cases} cases per parser\n`);
  console.log(table(
    ["parser", "cases", "exceptions", "range violations", "time"],
    report.rows.map((r) => [
      r.parser,
      String(r.cases),
      String(r.exceptions),
      String(r.rangeViolations),
      seconds(r.ms),
    ]),
    [false, true, true, true, true],
  ));
  console.log(`\nTotal fuzz time: ${seconds(fuzzMs)}`);
  let failed = false;
  for (const r of report.rows) {
    if (r.firstFailure === null) continue;
    failed = true;
    const index = /case (\d+)/.exec(r.firstFailure)?.[1];
    console.log(`\nFAIL ${r.parser}: ${r.firstFailure}`);
    console.log(
      `  reproduce: deno run --allow-read --allow-env scripts/reliability/fuzz_main.ts ` +
        `--seed ${seed} --repro ${r.parser}:${index}`,
    );
  }

  if (!values["no-probe"]) {
    const probeStarted = performance.now();
    const slow = probeLinearity((line) => console.error(line)).filter((r) => !r.ok);
    console.log(
      `\nLinear-time probe (${seconds(performance.now() - probeStarted)}): ${
        slow.length === 0 ? "all parsers linear" : `${slow.length} superlinear`
      }`,
    );
    for (const r of slow) {
      failed = true;
      const input = probeInput(r.parser, r.shape) ?? "";
      console.log(
        `FAIL ${r.parser}: ${r.shape}: ${r.smallMs} ms at 7,500 chars, ${r.largeMs} ms at 60,000; ` +
          `input starts ${JSON.stringify(input.slice(0, 60))} (${input.length} chars)`,
      );
    }
  }
  return failed ? 1 : 0;
}

if (import.meta.main) {
  try {
    Deno.exit(main(Deno.args));
  } catch (error) {
    console.error(`fuzz: ${error instanceof Error ? error.message : error}`);
    Deno.exit(2);
  }
}
