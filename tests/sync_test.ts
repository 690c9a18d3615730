/**
 * `piwardrive sync` of real data against a real PostgreSQL 15 + PostGIS cluster started for this
 * file (one cluster, a database per test): two Pis at once, re-sync, the README's example
 * queries, kill -9 at random points, a connection cut mid-batch, a Pi restored from an older
 * backup. Refusals, passwords, TLS and the central schema are in sync_server_test.ts.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { cli, spawnCli, tempDir } from "./helpers/cli.ts";
import { driveDb } from "./helpers/drive_db.ts";
import { fillBaselineRows } from "./helpers/db.ts";
import { openCentral } from "../src/sync/connect.ts";
import { parseTarget } from "../src/sync/target.ts";
import { postgresAvailable } from "./helpers/postgres.ts";
import {
  assertUnion,
  demoPi,
  fileCluster,
  oneLine,
  PASSWORD,
  piDeviceId,
  piIds,
  sync,
} from "./helpers/sync.ts";

const ignore = !postgresAvailable();
const cluster = fileCluster();
const { pg, centralDb } = cluster;

Deno.test({
  name: "sync: two Pis at once, then a re-sync sends nothing; networks merge; README queries",
  ignore,
  async fn() {
    using dir = tempDir();
    const central = await centralDb();
    const a = await demoPi(dir.path, "a");
    const b = await demoPi(dir.path, "b");
    const db = new DatabaseSync(b);
    fillBaselineRows(db, 40, 7); // hostile text, NULLs, health records
    // One network seen earlier and stronger, elsewhere, by B; later by A.
    const x = db.prepare("SELECT bssid, first_seen, signal_strength FROM wifi_networks ORDER BY id")
      .get() as { bssid: string; first_seen: string; signal_strength: number };
    db.prepare(
      `UPDATE wifi_networks SET first_seen = '2026-10-31T09:00:00.000Z', signal_strength = -20,
         gps_lat = 52.21, gps_lon = 0.14 WHERE bssid = ?`,
    ).run(x.bssid);
    db.close();
    const adb = new DatabaseSync(a);
    adb.prepare("UPDATE wifi_networks SET last_seen = '2026-11-03T00:00:00.000Z' WHERE bssid = ?")
      .run(x.bssid);
    adb.close();

    // Two processes at once, through the network worker: the first sync migrates, once.
    const children = [a, b].map((pi) =>
      spawnCli(["--db", pi, "sync", "--to", central.url, "--batch-size", "100"])
    );
    const results = await Promise.all(children.map((c) => c.output()));
    for (const r of results) {
      assert.equal(r.code, 0, new TextDecoder().decode(r.stderr));
    }
    const c = await pg();
    assert.equal(await c.psql(central.name, "SELECT count(*) FROM schema_version"), "1");
    await assertUnion(await pg(), central, [a, b]);
    assert.equal(
      await c.psql(
        central.name,
        `SELECT first_seen = '2026-10-31T09:00:00Z' AND last_seen = '2026-11-03T00:00:00Z'
           AND best_signal_dbm = -20 AND ST_Y(best_position::geometry) = 52.21
         FROM networks WHERE bssid = '${x.bssid}'`,
      ),
      "t",
    );

    const again = await sync(a, central.url, "--json");
    assert.equal(again.code, 0, again.stderr);
    const report = JSON.parse(again.stdout);
    for (const t of Object.values(report.tables) as { sent: number; read: number }[]) {
      assert.deepEqual([t.read, t.sent], [0, 0]);
    }
    assert.deepEqual(report.marksCorrected, []);
    const stats = await cli("--db", a, "db", "stats");
    assert.match(stats.stdout, new RegExp(`^device id +${piDeviceId(a)}$`, "m"));

    await readmeQueries(central.name, [a, b]);
  },
});

/** The README's three example queries, read from it, give what the Pis' rows say they should. */
async function readmeQueries(database: string, pis: string[]) {
  const readme = Deno.readTextFileSync(new URL("../README.md", import.meta.url));
  const section = readme.slice(readme.indexOf("### Example queries (central)"));
  const queries = [...section.matchAll(/```sql\n([\s\S]*?)```/g)].slice(0, 3).map((m) => m[1]);
  assert.equal(queries.length, 3);
  const c = await pg();
  const run = async (sql: string) =>
    (await c.psql(database, sql)).split("\n").filter((l) => l !== "").map((l) => l.split("|"));

  // Within 500 m: exactly the merged networks whose position is within 500 m (haversine).
  const near = await run(queries[0]);
  const all = await run(
    "SELECT bssid, ST_Y(best_position::geometry), ST_X(best_position::geometry) FROM networks WHERE best_position IS NOT NULL",
  );
  const metres = (lat: number, lon: number) => {
    const rad = Math.PI / 180;
    const h = Math.sin((lat - 52.203) * rad / 2) ** 2 +
      Math.cos(lat * rad) * Math.cos(52.203 * rad) * Math.sin((lon - 0.13) * rad / 2) ** 2;
    return 2 * 6371008.8 * Math.asin(Math.sqrt(h));
  };
  const expected = all.filter(([, lat, lon]) => metres(Number(lat), Number(lon)) <= 500)
    .map(([bssid]) => bssid).sort();
  assert.ok(expected.length > 0 && expected.length < all.length);
  assert.deepEqual(near.map(([bssid]) => bssid).sort(), expected);
  for (const row of near) assert.ok(Number(row[3]) <= 500);

  // Coverage per device: one row per Pi, its positioned track points.
  const coverage = await run(queries[1]);
  const perDevice = pis.map((pi) => {
    const db = new DatabaseSync(pi, { readOnly: true });
    const n = (db.prepare("SELECT count(*) AS n FROM gps_track WHERE lat IS NOT NULL").get() as {
      n: number;
    }).n;
    db.close();
    return [piDeviceId(pi), String(n)];
  }).sort();
  assert.deepEqual(coverage.map(([id, n]) => [id, n]), perDevice);
  for (const row of coverage) assert.ok(Number(row[2]) > 100 && Number(row[3]) > 0, row.join());

  // Seen by more than one Pi: the BSSIDs both Pis sighted.
  const shared = await run(queries[2]);
  const sighted = pis.map((pi) => {
    const db = new DatabaseSync(pi, { readOnly: true });
    const set = new Set(
      db.prepare(
        "SELECT DISTINCT n.bssid FROM wifi_sightings s JOIN wifi_networks n ON n.id = s.network_id",
      ).all().map((r) => String(r.bssid)),
    );
    db.close();
    return set;
  });
  const both = [...sighted[0]].filter((bssid) => sighted[1].has(bssid)).sort();
  assert.ok(both.length > 0);
  assert.deepEqual(shared.map(([bssid]) => bssid), both);
  assert.ok(shared.every(([, pis]) => pis === "2"));
}

Deno.test({
  name: "sync: kill -9 at random points, then a full run: each row once, verify passes",
  ignore,
  async fn() {
    using dir = tempDir();
    const central = await centralDb();
    const pi = await driveDb(dir.path, 10_000);
    const watch = openCentral(parseTarget(central.url), PASSWORD);
    const mark = async () => {
      const rows = await watch`SELECT to_regclass('sync_marks') IS NOT NULL AS ready`;
      if (!rows[0].ready) return 0;
      const [m] = await watch`SELECT coalesce(max(last_local_id), 0) AS m FROM sync_marks
        WHERE table_name = 'wifi_sightings'`;
      return Number(m.m);
    };
    const trials: string[] = [];
    try {
      for (let trial = 0; trial < 8; trial++) {
        // Fresh work for every trial, so each kill can land in the middle of a sync.
        const db = new DatabaseSync(pi);
        db.exec(`INSERT INTO wifi_sightings (network_id, seen_at, signal_dbm, gps_lat, gps_lon)
          SELECT network_id, seen_at, signal_dbm, gps_lat, gps_lon FROM wifi_sightings LIMIT 5000`);
        db.close();
        const before = await mark();
        const child = spawnCli(["--db", pi, "sync", "--to", central.url, "--batch-size", "100"]);
        const started = Date.now();
        let when: string;
        if (trial % 4 === 0) {
          // Early: while it starts, migrates or registers.
          const delay = 100 + Math.floor(Math.random() * 600);
          await new Promise((resolve) => setTimeout(resolve, delay));
          when = `${delay} ms`;
        } else {
          // Mid-sync: once a batch has committed, then a little later.
          while (await mark() === before && Date.now() - started < 15_000) {
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
          const extra = Math.floor(Math.random() * 100);
          await new Promise((resolve) => setTimeout(resolve, extra));
          when = `first batch + ${extra} ms`;
        }
        try {
          child.kill("SIGKILL");
        } catch { /* already finished */ }
        await child.output();
        trials.push(`${when}: mark ${await mark()} of ${piIds(pi, "wifi_sightings").n}`);
      }
    } finally {
      await watch.end();
    }
    const midway = trials.filter((t) => {
      const [, at, of] = /mark (\d+) of (\d+)$/.exec(t)!;
      return Number(at) > 0 && Number(at) < Number(of);
    });
    assert.ok(midway.length > 0, `no kill landed mid-sync: ${trials.join("; ")}`);
    const delays = trials;
    const last = await sync(pi, central.url);
    assert.equal(last.code, 0, `${last.stderr} (trials ${delays.join("; ")})`);
    await assertUnion(await pg(), central, [pi]);
  },
});

/** A loopback TCP proxy to the cluster that cuts every connection once `limit` bytes went up. */
function cuttingProxy(target: number, limit: number) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const open = new Set<Deno.Conn>();
  let cut = false;
  const serving = (async () => {
    for await (const client of listener) {
      const server = await Deno.connect({ hostname: "127.0.0.1", port: target });
      open.add(client).add(server);
      let up = 0;
      const close = () => {
        for (const c of [client, server]) {
          try {
            c.close();
          } catch { /* closed */ }
          open.delete(c);
        }
      };
      (async () => {
        const buffer = new Uint8Array(16384);
        for (;;) {
          const n = await client.read(buffer).catch(() => null);
          if (n === null) break;
          up += n;
          if (up > limit) {
            cut = true;
            break;
          }
          await server.write(buffer.subarray(0, n)).catch(() => {});
        }
        close();
      })();
      server.readable.pipeTo(client.writable).catch(() => {}).finally(close);
    }
  })().catch(() => {});
  return {
    port: (listener.addr as Deno.NetAddr).port,
    get cut() {
      return cut;
    },
    async close() {
      listener.close();
      for (const c of open) {
        try {
          c.close();
        } catch { /* closed */ }
      }
      await serving;
    },
  };
}

Deno.test({
  name: "sync: a connection cut mid-batch exits 6 with one line; the next run finishes exactly",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    using dir = tempDir();
    const central = await centralDb();
    const pi = await driveDb(dir.path, 6_000);
    const c = await pg();
    const proxy = cuttingProxy(c.port, 300_000);
    const url = `postgres://pw@127.0.0.1:${proxy.port}/${central.name}`;
    const cutOff = await sync(pi, url, "--batch-size", "500");
    await proxy.close();
    assert.ok(proxy.cut);
    assert.equal(cutOff.code, 6, cutOff.stderr);
    assert.match(
      oneLine(cutOff),
      new RegExp(`^piwardrive: Cannot reach PostgreSQL at 127\\.0\\.0\\.1:${proxy.port}: `),
    );
    const stored = Number(await c.psql(central.name, "SELECT count(*) FROM wifi_sightings"));
    assert.ok(stored > 0 && stored < 6_000, `${stored} stored before the cut`);
    const done = await sync(pi, central.url);
    assert.equal(done.code, 0, done.stderr);
    await assertUnion(await pg(), central, [pi]);
  },
});

Deno.test({
  name: "sync: a Pi restored from an older backup sends no duplicate and is told so",
  ignore,
  async fn() {
    using dir = tempDir();
    const central = await centralDb();
    const pi = await driveDb(dir.path, 500);
    assert.equal((await sync(pi, central.url)).code, 0);
    const backup = `${dir.path}/old.db`;
    assert.equal((await cli("--db", pi, "db", "backup", backup)).code, 0);
    const db = new DatabaseSync(pi);
    db.exec(`INSERT INTO wifi_sightings (network_id, seen_at, signal_dbm)
      SELECT network_id, '2024-06-02T00:00:00.000Z', -60 FROM wifi_sightings LIMIT 300`);
    db.close();
    const later = await sync(pi, central.url, "--json");
    assert.equal(JSON.parse(later.stdout).tables.wifi_sightings.sent, 300);
    const restored = await cli("--db", pi, "db", "restore", backup);
    assert.equal(restored.code, 0, restored.stderr);
    const after = await sync(pi, central.url, "--json");
    assert.equal(after.code, 0, after.stderr);
    assert.equal(JSON.parse(after.stdout).tables.wifi_sightings.sent, 0);
    const c = await pg();
    assert.equal(await c.psql(central.name, "SELECT count(*) FROM wifi_sightings"), "800");

    // Rows made after the restore reuse ids 501…; the server holds other rows under them.
    const restoredDb = new DatabaseSync(pi);
    restoredDb.exec(`INSERT INTO wifi_sightings (network_id, seen_at, signal_dbm)
      SELECT network_id, '2024-06-03T00:00:00.000Z', -70 FROM wifi_sightings LIMIT 120`);
    restoredDb.close();
    const next = await sync(pi, central.url, "--json");
    assert.equal(next.code, 0, next.stderr);
    const report = JSON.parse(next.stdout);
    assert.equal(report.tables.wifi_sightings.sent, 120);
    assert.deepEqual(
      report.marksCorrected.find((m: { table: string }) => m.table === "wifi_sightings"),
      { table: "wifi_sightings", local: 500, central: 800, renumbered: 120 },
    );
    assert.equal(
      await c.psql(
        central.name,
        "SELECT count(*) FILTER (WHERE seen_at = '2024-06-02Z') || ' ' || count(*) FILTER (WHERE seen_at = '2024-06-03Z') FROM wifi_sightings",
      ),
      "300 120",
    );
    // Every row of the restored Pi is on the server under its (new) id, once; the 300 the
    // restore lost stay there too.
    const local = new DatabaseSync(pi, { readOnly: true });
    const ids = local.prepare("SELECT id FROM wifi_sightings").all().map((r) => r.id);
    local.close();
    assert.equal(
      await c.psql(
        central.name,
        `SELECT count(*) || ' ' || (SELECT count(*) FROM wifi_sightings) FROM wifi_sightings
         WHERE local_id = ANY('{${ids.join(",")}}'::bigint[])`,
      ),
      `${ids.length} 920`,
    );
    assert.equal((await sync(pi, central.url, "--verify")).code, 0);
    const quiet = JSON.parse((await sync(pi, central.url, "--json")).stdout);
    assert.deepEqual(quiet.marksCorrected, []);
    assert.equal(quiet.tables.wifi_sightings.sent, 0);
  },
});

Deno.test({
  name: "sync: (last) stop the cluster",
  ignore,
  async fn() {
    await cluster.stop();
  },
});
