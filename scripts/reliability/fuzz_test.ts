/**
 * Reduced fuzz run (1,000 cases per parser, fixed seed), determinism, the linear-time probe, and
 * the parser bugs the fuzzer found as plain regression tests.
 *
 * `deno test --allow-read --allow-env scripts/reliability/fuzz_test.ts`
 */
import assert from "node:assert/strict";
import { sharedCaptures } from "../../tests/shared_fixtures.ts";
import { parseBluetoothctlInfo, parseIwScan } from "../../src/parsers/mod.ts";
import {
  fuzzCase,
  fuzzParsers,
  type FuzzReport,
  loadCorpus,
  PARSERS,
  probeLinearity,
} from "./fuzz.ts";

const SEED = 1;
const CASES = 1_000;

for (const { name } of PARSERS) {
  Deno.test(`fuzz ${name}: ${CASES} hostile cases, no exception, no range violation`, () => {
    const [row] = fuzzParsers({ casesPerParser: CASES, seed: SEED, parsers: [name] }).rows;
    assert.equal(row.cases, CASES);
    assert.deepEqual(
      { exceptions: row.exceptions, rangeViolations: row.rangeViolations },
      { exceptions: 0, rangeViolations: 0 },
      `${name}: ${row.firstFailure}`,
    );
    assert.equal(row.firstFailure, null);
  });
}

Deno.test("fuzz: the same seed gives the same report (apart from ms)", () => {
  const strip = (r: FuzzReport) => r.rows.map(({ ms: _ms, ...rest }) => rest);
  const a = fuzzParsers({ casesPerParser: 200, seed: 7 });
  const b = fuzzParsers({ casesPerParser: 200, seed: 7 });
  assert.deepEqual(strip(a), strip(b));
  assert.equal(a.rows.length, PARSERS.length);
  assert.ok(a.rows.every((r) => r.cases === 200));
});

Deno.test("fuzzCase: one case replays alone, depends on the seed, chunks rebuild the input", () => {
  for (const { name, stream } of PARSERS) {
    for (const index of [0, 17, 999]) {
      const c = fuzzCase(name, SEED, index);
      assert.deepEqual(fuzzCase(name, SEED, index), c);
      assert.equal(c.chunks !== null, stream);
      if (c.chunks) assert.equal(c.chunks.join(""), c.input);
    }
    const inputs = new Set([1, 2, 3, 4].map((seed) => fuzzCase(name, seed, 5).input));
    assert.ok(inputs.size > 1, `${name}: the seed changes nothing`);
  }
});

Deno.test("fuzz corpus: project fixtures plus the real captures, read in place", () => {
  const corpus = loadCorpus();
  for (const tool of ["iw", "bluetoothctl", "gpsd", "health"] as const) {
    assert.ok(corpus[tool].some((c) => !c.name.startsWith("real/")), `${tool}: no fixtures`);
    assert.ok(corpus[tool].every((c) => !c.name.endsWith(".expected.json")));
  }
  for (const tool of ["iw", "bluetoothctl", "gpsd"]) {
    const real = sharedCaptures(tool);
    const inCorpus = corpus[tool as "iw"].filter((c) => c.name.startsWith("real/")).length;
    assert.equal(inCorpus, real?.length ?? 0, `${tool}: real captures missing from the corpus`);
  }
});

// Fails until parseBluetoothctlInfo's FIELD regex is linear: `^[ \t]+([^:]+):` backtracks
// quadratically on a long run of blanks without a colon (~2 s for 60,000 tabs + "x").
Deno.test("probe: every parser stays linear on long lines (up to 60,000 characters)", () => {
  const slow = probeLinearity().filter((r) => !r.ok);
  assert.deepEqual(
    slow.map((r) => `${r.parser}: ${r.shape}: ${r.smallMs} ms → ${r.largeMs} ms`),
    [],
  );
});

// Found by the fuzzer (seed 1, case 791: hostile, duplicated and shuffled lines). Fails until
// parseIwScan re-checks the DS/HT channel against the record's final frequency.
Deno.test("parseIwScan: a channel read before or under another freq line is valid for the final band", () => {
  const header = "BSS 00:11:22:33:44:55(on wlan0)\n";
  for (
    const body of [
      "\tDS Parameter set: channel 40\n\tfreq: 2437\n",
      "\tfreq: 5200\n\tDS Parameter set: channel 40\n\tfreq: 2437\n",
      "\tHT operation:\n\t\t * primary channel: 40\n\tfreq: 2437\n",
    ]
  ) {
    const [r] = parseIwScan(header + body).records;
    assert.equal(r.freqMhz, 2437);
    assert.ok(
      r.channel === null || (r.channel >= 1 && r.channel <= 14),
      `${JSON.stringify(body)}: channel ${r.channel} on 2437 MHz`,
    );
  }
});

Deno.test("parseBluetoothctlInfo: 60,000 tabs without a colon parse in well under a second", () => {
  const started = performance.now();
  parseBluetoothctlInfo(`Device AA:BB:CC:DD:EE:FF (public)\n${"\t".repeat(60_000)}x\n`);
  const ms = performance.now() - started;
  assert.ok(ms < 250, `took ${Math.round(ms)} ms`);
});
