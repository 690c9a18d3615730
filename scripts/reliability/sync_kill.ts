/**
 * SIGKILL at a random moment of `piwardrive sync` into a real PostgreSQL + PostGIS cluster (started
 * here like the tests' one), with fresh rows to send before every trial: one kill in four while
 * it starts, the others just after a batch committed (watched through the server's mark). After each kill the
 * server must hold exactly the Pi's rows up to its mark (each once: a batch is whole or absent);
 * at the end one more sync must leave the server holding exactly the Pi's rows, and
 * `sync --verify-server` must pass.
 */
import { DatabaseSync } from "node:sqlite";
import { cli, spawnCli, tempDir } from "../../tests/helpers/cli.ts";
import { driveDb } from "../../tests/helpers/drive_db.ts";
import { postgresAvailable, startPostgres } from "../../tests/helpers/postgres.ts";
import { openCentral } from "../../src/sync/connect.ts";
import { parseTarget } from "../../src/sync/target.ts";
import { type ScenarioResult, seededRandom, sleep, Tally } from "./harness.ts";

export async function syncPowerCut(trials: number, seed = 1): Promise<ScenarioResult> {
  const tally = new Tally("kill -9 during sync (PostgreSQL)");
  if (!postgresAvailable()) {
    tally.fail("postgresql-15 and postgresql-15-postgis-3 are not installed");
    return tally.result;
  }
  const random = seededRandom(seed);
  using dir = tempDir();
  await using cluster = await startPostgres();
  const url = await cluster.createDatabase("reliability");
  const pi = await driveDb(dir.path, 5000);
  const local = (sql: string) => {
    const db = new DatabaseSync(pi, { readOnly: true });
    try {
      return Object.values(db.prepare(sql).get()!).map(Number);
    } finally {
      db.close();
    }
  };
  const central = async (sql: string) =>
    // Before the first sync made the schema (an early kill), the server holds nothing.
    (await cluster.psql("reliability", sql).catch(() => "0|0|0")).split("|").map(Number);
  const watch = openCentral(parseTarget(url), undefined);
  const centralMark = async () => {
    const [ready] = await watch`SELECT to_regclass('sync_marks') IS NOT NULL AS ok`;
    if (!ready.ok) return 0;
    const [m] = await watch`SELECT coalesce(max(last_local_id), 0) AS m FROM sync_marks
      WHERE table_name = 'wifi_sightings'`;
    return Number(m.m);
  };
  let midway = 0;
  try {
    for (let i = 0; i < trials; i++) {
      const trial = tally.trial();
      const db = new DatabaseSync(pi);
      db.exec(`INSERT INTO wifi_sightings (network_id, seen_at, signal_dbm, gps_lat, gps_lon)
        SELECT network_id, seen_at, signal_dbm, gps_lat, gps_lon FROM wifi_sightings LIMIT 2500`);
      db.close();
      const before = await centralMark();
      const child = spawnCli(["--db", pi, "sync", "--to", url, "--batch-size", "100"]);
      const started = Date.now();
      // One kill in four while it starts; the others once a batch has committed, a little later.
      if (i % 4 === 0) await sleep(100 + random() * 600);
      else {
        while (await centralMark() === before && Date.now() - started < 15_000) await sleep(5);
        await sleep(random() * 100);
      }
      const when = Date.now() - started;
      try {
        child.kill("SIGKILL");
      } catch { /* it had finished */ }
      await child.output();
      // One statement, one snapshot: a COMMIT the killed client sent may land between two reads.
      const [mark, count, sum] = await central(
        `SELECT (SELECT coalesce(max(last_local_id), 0) FROM sync_marks
                 WHERE table_name = 'wifi_sightings'),
                count(*), coalesce(sum(local_id), 0) FROM wifi_sightings`,
      );
      const [want, wantSum] = local(
        `SELECT count(*), coalesce(sum(id), 0) FROM wifi_sightings WHERE id <= ${mark}`,
      );
      const [all] = local("SELECT count(*) FROM wifi_sightings");
      if (mark > before && want < all) midway++;
      if (count !== want || sum !== wantSum) {
        tally.lost(
          Math.max(want - count, 0) || 1,
          `trial ${trial} (kill after ${when} ms): server holds ${count} rows up to mark ${mark}, the Pi ${want}`,
        );
      }
    }
  } finally {
    await watch.end();
  }
  tally.note(`${midway} of ${trials} kills landed after a batch and before the end`);
  const last = await cli("--db", pi, "sync", "--to", url);
  if (last.code !== 0) tally.fail(`final sync exited ${last.code}: ${last.stderr.trim()}`);
  const [count] = await central("SELECT count(*) FROM wifi_sightings");
  const [want] = local("SELECT count(*) FROM wifi_sightings");
  if (count !== want) tally.lost(want - count, `after the final sync: ${count} of ${want} rows`);
  const verify = await cli("--db", pi, "sync", "--to", url, "--verify-server");
  if (verify.code !== 0) tally.fail(`--verify-server exited ${verify.code}: ${verify.stdout}`);
  tally.note(`${want} sightings in all`);
  return tally.result;
}
