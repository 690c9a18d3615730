/**
 * `deno task reliability [--quick] [--only a,b]`: power cuts, failing migrations, concurrency,
 * corruption and hostile input, run as trials against the real program, reported as one table
 * (trials, failures, rows lost). `--quick` runs the reduced counts the test suite (and so CI)
 * also runs; the full counts are the ones reported for a release.
 */
import { collectPowerCut, migratePowerCut } from "./power_cut.ts";
import { failingMigrations } from "./failing_migrations.ts";
import { concurrentMigrators, readersDuringCollect } from "./concurrency.ts";
import { corruption } from "./corruption.ts";
import type { ScenarioResult } from "./harness.ts";
import { fuzzParsers } from "./fuzz.ts";
import { operatorActions } from "./operator.ts";
import { syncPowerCut } from "./sync_kill.ts";

/** The parser fuzzer as a scenario: a trial is a case, a failure an exception or a value out of range. */
function fuzz(casesPerParser: number): Promise<ScenarioResult> {
  const report = fuzzParsers({ casesPerParser, seed: 1 });
  const failed = report.rows.filter((r) => r.exceptions + r.rangeViolations > 0);
  return Promise.resolve({
    scenario: `hostile input: ${report.rows.length} parsers × ${casesPerParser} cases`,
    trials: report.rows.reduce((sum, r) => sum + r.cases, 0),
    failures: report.rows.reduce((sum, r) => sum + r.exceptions + r.rangeViolations, 0),
    rowsLost: 0,
    notes: failed.map((r) => `${r.parser}: ${r.firstFailure}`),
  });
}

export const SCENARIOS: Record<
  string,
  { full: () => Promise<ScenarioResult>; quick: () => Promise<ScenarioResult> }
> = {
  "collect-kill": { full: () => collectPowerCut(100), quick: () => collectPowerCut(3) },
  "migrate-kill": {
    full: () => migratePowerCut(50, 200_000),
    quick: () => migratePowerCut(3, 100_000),
  },
  "failing-migrations": { full: failingMigrations, quick: failingMigrations },
  "two-migrators": { full: () => concurrentMigrators(20), quick: () => concurrentMigrators(1) },
  "readers-during-collect": {
    full: () => readersDuringCollect(10),
    quick: () => readersDuringCollect(2),
  },
  "corruption": { full: () => corruption(60), quick: () => corruption(3) },
  "fuzz": { full: () => fuzz(100_000), quick: () => fuzz(300) },
  "operator": { full: () => operatorActions(5000), quick: () => operatorActions(100) },
  "sync-kill": { full: () => syncPowerCut(20), quick: () => syncPowerCut(2) },
};

if (import.meta.main) {
  const quick = Deno.args.includes("--quick");
  const onlyIndex = Deno.args.indexOf("--only");
  const only = onlyIndex >= 0 ? Deno.args[onlyIndex + 1]?.split(",") ?? [] : Object.keys(SCENARIOS);
  const unknown = only.filter((name) => !(name in SCENARIOS));
  if (unknown.length > 0) {
    console.error(
      `reliability: unknown scenario(s) ${unknown.join(", ")}; known: ${
        Object.keys(SCENARIOS).join(", ")
      }`,
    );
    Deno.exit(2);
  }
  const results: (ScenarioResult & { seconds: number })[] = [];
  for (const name of only) {
    const started = performance.now();
    console.error(`… ${name}`);
    const result = await SCENARIOS[name][quick ? "quick" : "full"]();
    results.push({ ...result, seconds: (performance.now() - started) / 1000 });
  }
  const header = ["scenario", "trials", "failures", "rows lost", "time"];
  const rows = results.map((
    r,
  ) => [
    r.scenario,
    String(r.trials),
    String(r.failures),
    String(r.rowsLost),
    `${r.seconds.toFixed(0)} s`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i])).join("  ");
  console.log(line(header));
  for (const row of rows) console.log(line(row));
  for (const r of results) for (const note of r.notes) console.log(`  ${r.scenario}: ${note}`);
  Deno.exit(results.some((r) => r.failures > 0 || r.rowsLost > 0) ? 1 : 0);
}
