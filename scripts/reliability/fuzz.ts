/**
 * Hostile-input fuzzer for the pure parsers of `src/parsers/`. Each case takes one capture (the
 * real ones in `../shared/fixtures/real/`, read in place, and the project's `tests/fixtures/`),
 * applies 1–4 seeded mutations, runs one parser and checks every record it returns. Stream parsers
 * get the input in random chunks and must agree with their whole-text form.
 *
 * Every case has its own PRNG, seeded from (seed, parser name, case index), so any one case can be
 * rebuilt alone: `fuzzCase(parser, seed, index)`, or `fuzz_main.ts --seed S --repro parser:index`.
 *
 * Ranges checked follow each parser's documented contract where it differs from a "typical" one:
 * - iw `freqMhz`: 1–100000 MHz, not only 2400–7125. `parseIwScan` keeps any frequency in that
 *   range (902.5 MHz S1G, 58320 MHz 60 GHz) and only warns that it has no 2.4/5/6 GHz channel.
 * - iw `channel`: 2400–2500 MHz 1–14; 4900–5925 MHz 1–196, not 32–177: the parser documents the
 *   4.9 GHz channels 182–196 (Japan, public safety) and 802.11j's 7–16 (5035–5080 MHz), and
 *   accepts any DS/HT channel up to 196 there; other or unknown frequencies 1–233.
 * - bluetoothctl `rssiDbm`: −127…0, the range the parser enforces (TxPower is −127…20).
 *
 * @module
 */
import { loadCorpus, type Tool } from "./fuzz/corpus.ts";
import { caseSeed, Rng } from "./fuzz/rng.ts";
import { PARSERS, type Target } from "./fuzz/checks.ts";
import { chunk, MUTATIONS, TOTAL_WEIGHT } from "./fuzz/mutations.ts";
export { PARSERS } from "./fuzz/checks.ts";
export { loadCorpus } from "./fuzz/corpus.ts";

/** One parser's result. */
export interface FuzzRow {
  parser: string;
  cases: number;
  /** Cases in which the parser threw. */
  exceptions: number;
  /** Invariant failures (one per field and record), counted over all cases. */
  rangeViolations: number;
  /** Seed, case index and what went wrong in the first failing case, or null. */
  firstFailure: string | null;
  ms: number;
}

export interface FuzzReport {
  rows: FuzzRow[];
}

export interface FuzzOptions {
  casesPerParser: number;
  seed: number;
  onProgress?: (line: string) => void;
  /** Only these parsers (names as in {@link PARSERS}); all by default. */
  parsers?: string[];
}

/** One mutated input, enough to rerun the case by hand. */
export interface FuzzCase {
  parser: string;
  seed: number;
  index: number;
  input: string;
  /** Chunks pushed one by one (stream parsers only); they concatenate to `input`. */
  chunks: string[] | null;
  /** Source file and mutations, e.g. `iw/iw-6.9-6ghz-scan.txt +shuffleLines +nul`. */
  description: string;
}

/**
 * Rebuilds case `index` of `parser` for `seed`: the same arguments give the same input everywhere.
 *
 * @example
 * ```ts
 * const c = fuzzCase("parseIwScan", 1, 4211);
 * console.log(c.description, JSON.stringify(c.input));
 * ```
 */
export function fuzzCase(parser: string, seed: number, index: number): FuzzCase {
  const target = PARSERS.find((p) => p.name === parser);
  if (!target) throw new Error(`Unknown parser "${parser}": one of ${PARSERS.map((p) => p.name)}`);
  const corpus = loadCorpus();
  const rng = new Rng(caseSeed(seed, parser, index));
  const own = corpus[target.tool];
  // One case in ten starts from another tool's capture: parsers must survive foreign text too.
  const source = own.length === 0 || rng.chance(0.1)
    ? rng.pick(rng.pick(Object.values(corpus).filter((c) => c.length > 0)))
    : rng.pick(own);
  let input = source.text;
  const applied: string[] = [];
  const chosen: (typeof MUTATIONS)[number][] = [];
  for (let n = rng.between(1, 4); n > 0; n--) {
    let x = rng.int(TOTAL_WEIGHT);
    chosen.push(MUTATIONS.find(([, w]) => (x -= w) < 0)!);
  }
  // The 1 MB line goes in last: mutating a megabyte again would dominate the run's time.
  chosen.sort((a, b) => Number(a[0] === "hugeLine") - Number(b[0] === "hugeLine"));
  for (const [name, , mutate] of chosen) {
    applied.push(name);
    input = mutate(input, rng, target.tool, corpus);
  }
  const chunks = target.stream ? chunk(input, rng) : null;
  const description = `${source.name} +${applied.join(" +")}` +
    (chunks ? ` in ${chunks.length} chunks` : "") + ` (${input.length} chars)`;
  return { parser, seed, index, input, chunks, description };
}

function firstLine(error: unknown): string {
  const s = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return s.length > 160 ? `${s.slice(0, 160)}…` : s;
}

/**
 * Runs `casesPerParser` cases against each parser and counts exceptions and invariant failures.
 *
 * @example
 * ```ts
 * const { rows } = fuzzParsers({ casesPerParser: 1000, seed: 1 });
 * rows.every((r) => r.exceptions === 0 && r.rangeViolations === 0);
 * ```
 */
export function fuzzParsers(options: FuzzOptions): FuzzReport {
  const { casesPerParser, seed, onProgress } = options;
  const targets = options.parsers
    ? PARSERS.filter((p) => options.parsers!.includes(p.name))
    : PARSERS;
  loadCorpus();
  const rows: FuzzRow[] = [];
  for (const target of targets) {
    const row: FuzzRow = {
      parser: target.name,
      cases: 0,
      exceptions: 0,
      rangeViolations: 0,
      firstFailure: null,
      ms: 0,
    };
    const started = performance.now();
    const step = Math.max(1, Math.ceil(casesPerParser / 10));
    for (let index = 0; index < casesPerParser; index++) {
      const c = fuzzCase(target.name, seed, index);
      let failure: string | null = null;
      try {
        const bad = target.run(c.input, c.chunks);
        row.rangeViolations += bad.length;
        if (bad.length) failure = `${bad[0]}${bad.length > 1 ? ` (+${bad.length - 1} more)` : ""}`;
      } catch (error) {
        row.exceptions++;
        failure = `threw ${firstLine(error)}`;
      }
      row.cases++;
      if (failure !== null && row.firstFailure === null) {
        row.firstFailure = `seed ${seed}, case ${index}: ${failure}; input ${c.description}`;
        onProgress?.(`${target.name}: first failure: ${row.firstFailure}`);
      }
      if ((index + 1) % step === 0 && index + 1 < casesPerParser) {
        onProgress?.(`${target.name}: ${index + 1}/${casesPerParser} cases`);
      }
    }
    row.ms = Math.round(performance.now() - started);
    onProgress?.(
      `${target.name}: ${row.cases} cases, ${row.exceptions} exceptions, ` +
        `${row.rangeViolations} violations, ${row.ms} ms`,
    );
    rows.push(row);
  }
  return { rows };
}

// ---------------------------------------------------------------------------------------------
// Linear-time probe
// ---------------------------------------------------------------------------------------------

/** One parser × input shape timed at two line lengths. */
export interface ProbeRow {
  parser: string;
  shape: string;
  smallMs: number;
  largeMs: number;
  ok: boolean;
}

/** Line lengths of the probe: under the parsers' 65,536-character line limit, 8× apart. */
const PROBE_SMALL = 7_500;
const PROBE_LARGE = 60_000;
/** A probe fails when the long line takes this long and grew more than `PROBE_RATIO`× (linear: 8×). */
const PROBE_BUDGET_MS = 250;
const PROBE_RATIO = 20;

const PROBE_BODIES: [string, (n: number) => string][] = [
  ["tabs+x", (n) => "\t".repeat(n) + "x"],
  ["spaces+x", (n) => " ".repeat(n) + "x"],
  ["tab+'a '*n", (n) => "\t" + "a ".repeat(n / 2)],
  ["tab+'0a '*n", (n) => "\t" + "0a ".repeat(n / 3)],
  ["'00 '*n+x", (n) => "  " + "00 ".repeat(n / 3) + "x"],
  ["'['*n", (n) => "[".repeat(n)],
  ["'[a]#'*n+x", (n) => "[a]#".repeat(n / 4) + "x"],
  ["ESC[*n", (n) => "\x1b[".repeat(n / 2)],
  ["ESC[+0*n", (n) => "\x1b[" + "0".repeat(n)],
  ["ESC]+a*n", (n) => "\x1b]" + "a".repeat(n)],
  ["'\\x'*n", (n) => "\\x".repeat(n / 2)],
  ["':'*n", (n) => ":".repeat(n)],
  ["'{'*n", (n) => "{".repeat(n)],
  ["CR*n+x", (n) => "\r".repeat(n) + "x"],
  ["'a'*n", (n) => "a".repeat(n)],
  ["'a:'*n", (n) => "\ta:".repeat(n / 3)],
];

const PROBE_CONTEXTS: Record<Tool, ((line: string) => string)[]> = {
  iw: [
    (l) => l,
    (l) => `BSS 00:11:22:33:44:55(on wlan0)\n\tfreq: 2412\n${l}\n`,
    (l) => `BSS 00:11:22:33:44:55(on wlan0)\n\tSSID: ${l}\n`,
  ],
  bluetoothctl: [
    (l) => l,
    (l) => `[CHG] Device AA:BB:CC:DD:EE:FF ${l}`,
    (l) => `[bluetooth]# ${l}`,
    (l) => `Device AA:BB:CC:DD:EE:FF (public)\n${l}\n`,
    (l) => `Device AA:BB:CC:DD:EE:FF (public)\n\tManufacturerData Value:\n${l}\n`,
  ],
  gpsd: [(l) => l, (l) => `{"class":"TPV","mode":3,"device":"${l}"}`],
  health: [(l) => l, (l) => `[{"ifname":"${l}"}]`],
  vcgencmd: [(l) => l, (l) => `temp=${l}'C`],
};

function timeOnce(target: Target, text: string): number {
  const t = performance.now();
  try {
    target.run(text, target.stream ? [text] : null);
  } catch {
    // exceptions are the fuzzer's business; the probe only times
  }
  return performance.now() - t;
}

/**
 * Times every parser on long lines of repeated units (up to 60,000 characters) and flags any whose
 * time grows much faster than the input: a backtracking regex that a collector's input can stall.
 */
export function probeLinearity(onProgress?: (line: string) => void): ProbeRow[] {
  const rows: ProbeRow[] = [];
  for (const target of PARSERS) {
    for (const [shape, body] of PROBE_BODIES) {
      PROBE_CONTEXTS[target.tool].forEach((context, i) => {
        const small = context(body(PROBE_SMALL));
        const large = context(body(PROBE_LARGE));
        let largeMs = timeOnce(target, large);
        // A near miss is timed again (a GC pause is not a regex); far over budget is conclusive.
        if (largeMs >= PROBE_BUDGET_MS && largeMs < 4 * PROBE_BUDGET_MS) {
          largeMs = Math.min(largeMs, timeOnce(target, large));
        }
        const smallMs = Math.min(timeOnce(target, small), timeOnce(target, small));
        const ok = largeMs < PROBE_BUDGET_MS || largeMs < PROBE_RATIO * Math.max(smallMs, 1);
        const row = {
          parser: target.name,
          shape: `${shape} in context ${i}`,
          smallMs: Math.round(smallMs * 10) / 10,
          largeMs: Math.round(largeMs * 10) / 10,
          ok,
        };
        if (!ok) onProgress?.(`${target.name}: superlinear on ${row.shape}: ${row.largeMs} ms`);
        rows.push(row);
      });
    }
  }
  return rows;
}

/** The probe's input for one row, for a bug report. */
export function probeInput(parser: string, shape: string): string | null {
  const target = PARSERS.find((p) => p.name === parser);
  const m = /^(.*) in context (\d+)$/.exec(shape);
  const body = PROBE_BODIES.find(([s]) => s === m?.[1]);
  const context = target && m ? PROBE_CONTEXTS[target.tool][Number(m[2])] : undefined;
  return body && context ? context(body[1](PROBE_LARGE)) : null;
}
