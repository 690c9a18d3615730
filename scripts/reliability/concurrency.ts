/**
 * Concurrency: two `migrate` processes at once (exactly one applies, the other finds it done),
 * and `collect` writing while `migrate --verify`, `db stats`, `export` and `db backup` run on the
 * same file (no errors on either side, no rows lost).
 */
import { DatabaseSync } from "node:sqlite";
import { cliProcess, spawnCli, tempDir } from "../../tests/helpers/cli.ts";
import { databaseAt, fillBaselineRows } from "../../tests/helpers/db.ts";
import { writeReplay } from "../../tests/helpers/replay.ts";
import { type ScenarioResult, Tally, trialCopy } from "./harness.ts";
import { embeddedMigrationFiles } from "../../src/migrate/embedded.ts";

const LATEST = embeddedMigrationFiles.length;

export async function concurrentMigrators(trials: number, rows = 100_000): Promise<ScenarioResult> {
  const tally = new Tally("two migrate processes at once");
  using dir = tempDir();
  const golden = `${dir.path}/golden.db`;
  const setup = databaseAt(golden, 3);
  fillBaselineRows(setup, 20);
  setup.exec(`WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ${rows})
    INSERT INTO wifi_networks (bssid, ssid) SELECT printf('02:00:00:%02x:%02x:%02x', i / 65536 % 256, i / 256 % 256, i % 256), 'n' || i FROM k`);
  setup.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  setup.close();
  for (let i = 0; i < trials; i++) {
    const trial = tally.trial();
    const { folder, path } = trialCopy(golden, dir.path, trial, "p.db");
    const [a, b] = await Promise.all([
      cliProcess(["--db", path, "migrate"]),
      cliProcess(["--db", path, "migrate"]),
    ]);
    if (a.code !== 0 || b.code !== 0) {
      tally.fail(`trial ${trial}: exits ${a.code}/${b.code}: ${a.stderr}${b.stderr}`);
    }
    const applied = [a, b].filter((r) => r.stdout.startsWith("Migrated")).length;
    const upToDate = [a, b].filter((r) => /is up to date/.test(r.stdout)).length;
    if (applied !== 1 || upToDate !== 1) {
      tally.fail(`trial ${trial}: ${applied} applied, ${upToDate} up to date`);
    }
    const backups = [...Deno.readDirSync(folder)].filter((e) => /\.bak-/.test(e.name)).length;
    if (backups !== 1) tally.fail(`trial ${trial}: ${backups} backups`);
    const db = new DatabaseSync(path, { readOnly: true });
    const ledger = db.prepare("SELECT count(*) AS n FROM schema_version").get()!.n;
    const count = db.prepare("SELECT count(*) AS n FROM wifi_networks").get()!.n as number;
    db.close();
    if (ledger !== LATEST) tally.fail(`trial ${trial}: ledger has ${ledger} rows`);
    tally.lost(rows + 20 - count, `trial ${trial}: ${rows + 20 - count} rows lost`);
  }
  return tally.result;
}

export async function readersDuringCollect(rounds: number): Promise<ScenarioResult> {
  const tally = new Tally("verify/stats/export/backup while collect writes");
  using dir = tempDir();
  writeReplay(`${dir.path}/drive`, 60);
  const path = `${dir.path}/c.db`;
  const migrated = await cliProcess(["--db", path, "migrate"]);
  if (migrated.code !== 0) throw new Error(migrated.stderr);
  const collect = spawnCli([
    "--db",
    path,
    "collect",
    "--replay",
    `${dir.path}/drive`,
    "--interval",
    "50ms",
    "--json",
    "--no-migrate",
  ]);
  for (let round = 0; round < rounds; round++) {
    for (
      const args of [
        ["migrate", "--verify"],
        ["db", "stats"],
        ["export", "--format", "wigle", "-o", `${dir.path}/e${round}.csv`, "--quiet"],
        ["db", "backup", `${dir.path}/b${round}.db`],
      ]
    ) {
      tally.trial();
      const result = await cliProcess(["--db", path, ...args]);
      if (result.code !== 0) {
        tally.fail(
          `round ${round}: ${args.join(" ")} exit ${result.code}: ${result.stderr.trim()}`,
        );
      }
    }
  }
  const output = await collect.output();
  // Warnings about the recorded tool output are fine; an error line is not.
  const errors = new TextDecoder().decode(output.stderr).split("\n")
    .filter((l) => l.trim() !== "" && !l.startsWith("warning: "));
  tally.trial();
  if (output.code !== 0 || errors.length > 0) {
    tally.fail(`collect: exit ${output.code}: ${errors.join(" | ")}`);
  }
  const ticks = new TextDecoder().decode(output.stdout).trim().split("\n").filter(Boolean)
    .map((l) => JSON.parse(l) as { counts: { wifi: number } });
  const claimed = ticks.reduce((sum, t) => sum + t.counts.wifi, 0);
  const db = new DatabaseSync(path, { readOnly: true });
  const stored = db.prepare("SELECT count(*) AS n FROM wifi_sightings").get()!.n as number;
  db.close();
  tally.lost(claimed - stored, `collect: ${claimed} reported, ${stored} stored`);
  if (ticks.length !== 60) tally.fail(`collect: ${ticks.length} of 60 ticks`);
  return tally.result;
}
