/**
 * Power cuts: SIGKILL at a random moment of `collect --replay` (every tick reported committed
 * must be stored, ticks whole) and of a `migrate` through the version-4 table rebuild (the
 * database exactly at the old or the new version, verify passing, rows unchanged).
 */
import { DatabaseSync } from "node:sqlite";
import { createHash } from "node:crypto";
import { cli, cliProcess, spawnCli, tempDir } from "../../tests/helpers/cli.ts";
import { databaseAt, fillBaselineRows } from "../../tests/helpers/db.ts";
import { writeReplay } from "../../tests/helpers/replay.ts";
import { type ScenarioResult, seededRandom, sleep, Tally } from "./harness.ts";

/** Sightings per replayed tick (the fixture scan lists 10 BSSes). */
const SIGHTINGS_PER_TICK = 10;

export async function collectPowerCut(trials: number, seed = 1): Promise<ScenarioResult> {
  const tally = new Tally("power cut during collect");
  const random = seededRandom(seed);
  using dir = tempDir();
  writeReplay(`${dir.path}/drive`, 500);
  const golden = `${dir.path}/golden.db`;
  if ((await cli("--db", golden, "migrate", "--no-backup")).code !== 0) throw new Error("setup");
  for (let i = 0; i < trials; i++) {
    const trial = tally.trial();
    const path = `${dir.path}/t.db`;
    Deno.copyFileSync(golden, path);
    const child = spawnCli([
      "--db",
      path,
      "collect",
      "--replay",
      `${dir.path}/drive`,
      "--json",
      "--quiet",
      "--interval",
      "10ms",
    ]);
    await sleep(300 + random() * 2500);
    let exitedFirst = false;
    try {
      child.kill("SIGKILL");
    } catch {
      exitedFirst = true; // a 500-tick replay outlasts the kill: ending first is a failure
    }
    const output = await child.output();
    if (exitedFirst) {
      const said = new TextDecoder().decode(output.stderr).trim().split("\n").at(-1);
      tally.fail(`trial ${trial}: collect ended before the kill (exit ${output.code}: ${said})`);
    }
    const reported = new TextDecoder().decode(output.stdout).split("\n").filter((l) =>
      l.endsWith("}")
    )
      .map((l) => JSON.parse(l) as { counts: { wifi: number } });
    const claimed = reported.reduce((sum, t) => sum + t.counts.wifi, 0);
    const db = new DatabaseSync(path);
    const integrity = db.prepare("PRAGMA integrity_check").get()!.integrity_check;
    const stored = db.prepare("SELECT count(*) AS n FROM wifi_sightings").get()!.n as number;
    db.close();
    if (integrity !== "ok") tally.fail(`trial ${trial}: integrity_check ${integrity}`);
    tally.lost(
      claimed - stored,
      `trial ${trial}: ${claimed} sightings reported committed, ${stored} stored`,
    );
    if (stored % SIGHTINGS_PER_TICK !== 0) {
      tally.fail(`trial ${trial}: a partial tick is stored (${stored})`);
    }
    if (stored > claimed + SIGHTINGS_PER_TICK) {
      tally.fail(`trial ${trial}: more than one unreported tick`);
    }
    const verify = await cliProcess(["--db", path, "migrate", "--verify"]);
    if (verify.code !== 0) tally.fail(`trial ${trial}: verify exit ${verify.code}`);
    removeDatabase(path);
  }
  return tally.result;
}

/** Rows of wifi_networks as a hash over the columns every version 3/4 shares, and their count. */
function wifiRows(path: string): { count: number; hash: string } {
  const db = new DatabaseSync(path, { readOnly: true });
  const columns = "id, bssid, ssid, frequency, signal_strength, encryption, channel, first_seen, " +
    "last_seen, gps_lat, gps_lon, gps_accuracy, created_at, vendor";
  const hash = createHash("sha256");
  let count = 0;
  for (const row of db.prepare(`SELECT ${columns} FROM wifi_networks ORDER BY id`).iterate()) {
    hash.update(JSON.stringify(Object.values(row)));
    count++;
  }
  db.close();
  return { count, hash: hash.digest("hex") };
}

export async function migratePowerCut(
  trials: number,
  rows = 200_000,
  seed = 2,
): Promise<ScenarioResult> {
  const tally = new Tally("power cut during migrate (rebuild)");
  const random = seededRandom(seed);
  using dir = tempDir();
  const golden = `${dir.path}/golden.db`;
  const setup = databaseAt(golden, 3);
  fillBaselineRows(setup, 50);
  setup.exec(`WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ${rows})
    INSERT INTO wifi_networks (bssid, ssid, frequency, signal_strength, encryption, channel, first_seen, last_seen, gps_lat, gps_lon, gps_accuracy)
    SELECT printf('02:00:00:%02x:%02x:%02x', i / 65536 % 256, i / 256 % 256, i % 256), 'ssid-' || i, 2412, -40 - i % 50,
      CASE i % 3 WHEN 0 THEN 'WPA2-PSK' WHEN 1 THEN 'WPA3-SAE' ELSE NULL END, 1,
      '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', 52 + i / 1e6, 0.1, 5 FROM k`);
  setup.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  setup.close();
  const before = wifiRows(golden);
  const timed = `${dir.path}/timed.db`;
  Deno.copyFileSync(golden, timed);
  const started = performance.now();
  await cliProcess(["--db", timed, "migrate", "--no-backup", "--to", "4"]);
  const fullMs = performance.now() - started;
  tally.note(`uninterrupted run ${Math.round(fullMs)} ms, ${rows} rows`);
  const versions = new Map<number, number>();
  for (let i = 0; i < trials; i++) {
    const trial = tally.trial();
    const path = `${dir.path}/t.db`;
    Deno.copyFileSync(golden, path);
    const child = spawnCli(["--db", path, "migrate", "--no-backup", "--to", "4"]);
    await sleep(random() * fullMs * 1.2);
    try {
      child.kill("SIGKILL");
    } catch { /* it finished first */ }
    await child.output();
    const db = new DatabaseSync(path);
    const version = db.prepare("SELECT max(version) AS v FROM schema_version").get()!.v as number;
    const integrity = db.prepare("PRAGMA integrity_check").get()!.integrity_check;
    db.close();
    versions.set(version, (versions.get(version) ?? 0) + 1);
    if (integrity !== "ok") tally.fail(`trial ${trial}: integrity_check ${integrity}`);
    if (version !== 3 && version !== 4) tally.fail(`trial ${trial}: version ${version}`);
    const verify = JSON.parse((await cli("--db", path, "migrate", "--verify", "--json")).stdout);
    const failing = verify.checks.filter((c: { status: string }) => c.status === "fail")
      .map((c: { check: string }) => c.check);
    // "pending" is expected: this binary knows versions after 4.
    if (failing.some((c: string) => c !== "pending")) {
      tally.fail(`trial ${trial}: verify failed ${failing}`);
    }
    const after = wifiRows(path);
    tally.lost(
      before.count - after.count,
      `trial ${trial}: ${before.count - after.count} rows lost`,
    );
    if (after.hash !== before.hash) tally.fail(`trial ${trial}: row contents changed`);
    removeDatabase(path);
  }
  tally.note(`versions after the kill: ${[...versions].map(([v, n]) => `v${v}×${n}`).join(", ")}`);
  return tally.result;
}

function removeDatabase(path: string): void {
  for (const suffix of ["", "-wal", "-shm", ".lock"]) {
    try {
      Deno.removeSync(path + suffix);
    } catch { /* absent */ }
  }
}
