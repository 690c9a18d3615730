/**
 * `piwardrive sync` against a real PostgreSQL 15 + PostGIS cluster started for this file (one
 * cluster, a database per test; the server asks for a password on loopback TCP). Two Pis syncing
 * at once, re-sync, kill -9 at random points, a connection cut mid-batch, a Pi restored from an
 * older backup, the README's example queries, and every refusal with its line and exit code.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { fileURLToPath } from "node:url";
import { cli, type CliResult, spawnCli, START_PERMISSIONS, tempDir } from "./helpers/cli.ts";
import { driveDb } from "./helpers/drive_db.ts";
import { fillBaselineRows } from "./helpers/db.ts";
import { parseMigrationFile } from "../src/migrate/parse.ts";
import { CentralMigrator, type CentralSchemaError } from "../src/sync/central_migrator.ts";
import { centralMigrations } from "../src/sync/central_embedded.ts";
import { openCentral } from "../src/sync/connect.ts";
import { parseTarget } from "../src/sync/target.ts";
import { freePort, type PgCluster, postgresAvailable, startPostgres } from "./helpers/postgres.ts";

const PASSWORD = "central s3cret:pw";
const SIGHTING_TABLES = ["wifi_sightings", "bluetooth_sightings", "gps_track", "health_records"];
const ignore = !postgresAvailable();
Deno.env.set("PGPASSWORD", PASSWORD);

let cluster: PgCluster | undefined;
let databases = 0;

/** The file's cluster, started by the first test that needs it. */
async function pg(): Promise<PgCluster> {
  cluster ??= await startPostgres({ password: PASSWORD });
  return cluster;
}

/** A fresh central database; returns its name and URL. */
async function centralDb(): Promise<{ name: string; url: string }> {
  const c = await pg();
  const name = `central_${++databases}`;
  return { name, url: await c.createDatabase(name) };
}

// Stopped by the last test; if a filter skipped it, when the process ends.
globalThis.addEventListener("unload", () => cluster?.killSync());

function oneLine(result: CliResult): string {
  const lines = result.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `expected one line on stderr, got:\n${result.stderr}`);
  return lines[0];
}

async function sync(path: string, url: string, ...more: string[]): Promise<CliResult> {
  return await cli("--db", path, "sync", "--to", url, ...more);
}

/** A Pi that replayed the built-in sample drive. */
async function demoPi(dir: string, name: string): Promise<string> {
  const path = `${dir}/${name}.db`;
  const r = await cli("--db", path, "collect", "--demo", "--quiet");
  assert.equal(r.code, 0, r.stderr);
  return path;
}

function piIds(path: string, table: string): { n: number; sum: number } {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const r = db.prepare(`SELECT count(*) AS n, coalesce(sum(id), 0) AS sum FROM ${table}`)
      .get() as {
        n: number;
        sum: number;
      };
    return { n: Number(r.n), sum: Number(r.sum) };
  } finally {
    db.close();
  }
}

function piDeviceId(path: string): string {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return String(
      (db.prepare("SELECT value FROM configuration WHERE key = 'device_id'").get() as {
        value: string;
      }).value,
    );
  } finally {
    db.close();
  }
}

/** Central rows equal the union of the Pis' rows, each once, and the central schema verifies. */
async function assertUnion(central: { name: string; url: string }, pis: string[]) {
  const c = await pg();
  for (const table of SIGHTING_TABLES) {
    for (const pi of pis) {
      const expected = piIds(pi, table);
      const got = await c.psql(
        central.name,
        `SELECT count(*) || ' ' || coalesce(sum(local_id), 0) FROM ${table}
         WHERE device_id = '${piDeviceId(pi)}'`,
      );
      assert.equal(got, `${expected.n} ${expected.sum}`, `${table} of ${pi}`);
    }
  }
  const bssids = new Set<string>();
  for (const pi of pis) {
    const db = new DatabaseSync(pi, { readOnly: true });
    for (const r of db.prepare("SELECT bssid FROM wifi_networks").all()) {
      bssids.add(String(r.bssid));
    }
    db.close();
  }
  assert.equal(await c.psql(central.name, "SELECT count(*) FROM networks"), String(bssids.size));
  const verify = await sync(pis[0], central.url, "--verify-server");
  assert.equal(verify.code, 0, verify.stdout + verify.stderr);
}

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
    await assertUnion(central, [a, b]);
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
    await assertUnion(central, [pi]);
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
    await assertUnion(central, [pi]);
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
  name: "sync: refusals are one line with their own exit code, and write nothing",
  ignore,
  async fn() {
    using dir = tempDir();
    const central = await centralDb();
    const c = await pg();
    const pi = await driveDb(dir.path, 50);
    const nothingWritten = async () => {
      assert.equal(await c.psql(central.name, "SELECT to_regclass('schema_version') IS NULL"), "t");
      const db = new DatabaseSync(pi, { readOnly: true });
      assert.equal(db.prepare("SELECT count(*) AS n FROM sync_state").get()!.n, 0);
      assert.equal(
        db.prepare("SELECT count(*) AS n FROM configuration WHERE key = 'device_id'").get()!.n,
        0,
      );
      db.close();
    };
    // Wrong password: 7.
    Deno.env.set("PGPASSWORD", "wrong");
    let r = await sync(pi, central.url);
    Deno.env.set("PGPASSWORD", PASSWORD);
    assert.equal(r.code, 7, r.stderr);
    assert.equal(
      oneLine(r),
      `piwardrive: PostgreSQL at 127.0.0.1:${c.port} refused user "pw": password authentication failed for user "pw"; check the password (PGPASSWORD, ~/.pgpass or PIWARDRIVE_PG_PASSWORD_FILE) and pg_hba.conf`,
    );
    assert.ok(!r.stderr.includes("wrong"));
    // Nobody listening: 6.
    const port = freePort();
    r = await sync(pi, `postgres://pw@127.0.0.1:${port}/${central.name}`);
    assert.equal(r.code, 6, r.stderr);
    assert.equal(
      oneLine(r),
      `piwardrive: Cannot reach PostgreSQL at 127.0.0.1:${port}: connection refused; check the --to host and port, then run sync again (it resumes where it stopped)`,
    );
    // TLS required from a server without it: 7; disable and prefer work without it.
    r = await sync(pi, `${central.url}?sslmode=require`);
    assert.equal(r.code, 7, r.stderr);
    assert.match(
      oneLine(r),
      /^piwardrive: PostgreSQL at .* did not set up TLS as sslmode=require requires: /,
    );
    // A password in the URL: 2, and the password is never printed.
    r = await sync(pi, `postgres://pw:hunter2@127.0.0.1:${c.port}/${central.name}`);
    assert.equal(r.code, 2);
    assert.match(
      oneLine(r),
      /^piwardrive: The --to URL holds a password: remove it and put it in PGPASSWORD/,
    );
    assert.ok(!r.stderr.includes("hunter2") && !r.stdout.includes("hunter2"));
    await nothingWritten();

    for (const mode of ["disable", "prefer"]) {
      r = await sync(pi, `${central.url}?sslmode=${mode}`, "--dry-run");
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /wifi_sightings: 50 rows to send/);
    }
    await nothingWritten();

    // A newer central schema: 8, nothing sent.
    assert.equal((await sync(pi, central.url)).code, 0);
    await c.psql(
      central.name,
      "INSERT INTO schema_version (version, description, applied_at) VALUES (2, 'future', 'now')",
    );
    const db = new DatabaseSync(pi);
    db.exec(
      "INSERT INTO wifi_sightings (network_id, seen_at) SELECT network_id, seen_at FROM wifi_sightings LIMIT 5",
    );
    db.close();
    r = await sync(pi, central.url);
    assert.equal(r.code, 8, r.stderr);
    assert.equal(
      oneLine(r),
      `piwardrive: Central schema at 127.0.0.1:${c.port}/${central.name} is newer than this binary: it has version(s) 2, this binary knows up to 1; use a newer piwardrive`,
    );
    assert.equal(await c.psql(central.name, "SELECT count(*) FROM wifi_sightings"), "50");
    r = await sync(pi, central.url, "--verify");
    assert.equal(r.code, 8);
    // A modified central migration: 8 for sync, 3 for --verify-server.
    await c.psql(central.name, "DELETE FROM schema_version WHERE version = 2");
    await c.psql(central.name, "UPDATE schema_version SET checksum = 'sha256:00'");
    r = await sync(pi, central.url);
    assert.equal(r.code, 8, r.stderr);
    assert.match(oneLine(r), /0001_central_schema\.sql \(checksum mismatch\)/);
    r = await sync(pi, central.url, "--verify-server");
    assert.equal(r.code, 3);
    assert.match(r.stdout, /^FAIL checksums: modified: 0001_central_schema\.sql$/m);
    assert.equal(await c.psql(central.name, "SELECT count(*) FROM wifi_sightings"), "50");
  },
});

Deno.test({
  name: "sync: the password from PIWARDRIVE_PG_PASSWORD_FILE or ~/.pgpass, files only when 0600",
  ignore,
  async fn() {
    using dir = tempDir();
    const central = await centralDb();
    const c = await pg();
    const pi = await driveDb(dir.path, 10);
    Deno.env.delete("PGPASSWORD");
    const home = Deno.env.get("HOME");
    try {
      Deno.env.set("HOME", dir.path);
      let r = await sync(pi, central.url, "--dry-run");
      assert.equal(r.code, 7, r.stderr);
      assert.match(oneLine(r), /asks for a password and none was given/);

      const file = `${dir.path}/pw`;
      Deno.writeTextFileSync(file, `${PASSWORD}\n`, { mode: 0o644 });
      Deno.chmodSync(file, 0o644);
      Deno.env.set("PIWARDRIVE_PG_PASSWORD_FILE", file);
      r = await sync(pi, central.url, "--dry-run");
      assert.equal(r.code, 1);
      assert.equal(
        oneLine(r),
        `piwardrive: Password file "${file}" has mode 0644: others may read it; run chmod 600 "${file}"`,
      );
      Deno.chmodSync(file, 0o600);
      r = await sync(pi, central.url, "--dry-run");
      assert.equal(r.code, 0, r.stderr);
      Deno.env.delete("PIWARDRIVE_PG_PASSWORD_FILE");

      const escaped = PASSWORD.replaceAll(":", "\\:");
      Deno.writeTextFileSync(
        `${dir.path}/.pgpass`,
        `127.0.0.1:${c.port}:other:pw:nope\n*:${c.port}:${central.name}:pw:${escaped}\n`,
        { mode: 0o600 },
      );
      r = await sync(pi, central.url, "--json");
      assert.equal(r.code, 0, r.stderr);
      assert.ok(!r.stdout.includes("s3cret"));
    } finally {
      Deno.env.delete("PIWARDRIVE_PG_PASSWORD_FILE");
      if (home) Deno.env.set("HOME", home);
      Deno.env.set("PGPASSWORD", PASSWORD);
    }
  },
});

Deno.test({
  name: "sync: its worker reaches the --to host and port only (a real process)",
  ignore,
  async fn() {
    const c = await pg();
    const other = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const otherPort = (other.addr as Deno.NetAddr).port;
    try {
      const output = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--quiet",
          ...START_PERMISSIONS,
          fileURLToPath(new URL("./fixtures/network/sync_hosts_probe.ts", import.meta.url)),
          String(c.port),
          String(otherPort),
        ],
        env: {
          PROBE_ARGS: JSON.stringify(["--db", "x.db", "sync", "--to", c.url("postgres")]),
        },
        stdin: "null",
      }).output();
      assert.equal(
        new TextDecoder().decode(output.stdout),
        `hosts: 127.0.0.1:${c.port}\n${c.port}: connected\n${otherPort}: NotCapable\n`,
      );
    } finally {
      other.close();
    }
  },
});

const EXTRA = parseMigrationFile(
  "0002_extra.sql",
  "-- migrate:up\nCREATE TABLE extra (x integer);\n-- migrate:down\nDROP TABLE extra;\n" +
    "-- migrate:verify\nSELECT count(*) = 1 FROM information_schema.tables WHERE table_name = 'extra';\n",
);

Deno.test({
  name: "sync: an older central schema is refused (8) until migrated; two runners migrate once",
  ignore,
  async fn() {
    const central = await centralDb();
    const target = parseTarget(central.url);
    const clients = [0, 1, 2].map(() => openCentral(target, PASSWORD));
    try {
      const [old, a, b] = clients;
      assert.deepEqual(
        await new CentralMigrator(old, centralMigrations(), "t", target.key).migrateToLatest(),
        [1],
      );
      const newer = [...centralMigrations(), EXTRA];
      await assert.rejects(
        new CentralMigrator(a, newer, "t", target.key).ensureReady(),
        (error: CentralSchemaError) => {
          assert.equal(error.exitCode, 8);
          assert.equal(
            error.message,
            `Central schema at ${target.key} is at version 1, this binary needs 2: run \`piwardrive sync --migrate-server\` (it migrates the server for every Pi)`,
          );
          return true;
        },
      );
      const c = await pg();
      assert.equal(await c.psql(central.name, "SELECT count(*) FROM schema_version"), "1");
      const applied = await Promise.all(
        [a, b].map((sql) => new CentralMigrator(sql, newer, "t", target.key).migrateToLatest()),
      );
      assert.deepEqual(applied.flat(), [2]);
      const checks = await new CentralMigrator(old, newer, "t", target.key).verify();
      assert.ok(checks.every((check) => check.ok), JSON.stringify(checks));
      assert.equal(checks.length, 5);
    } finally {
      await Promise.all(clients.map((sql) => sql.end()));
    }
  },
});

Deno.test({
  name: "sync --migrate-server [VERSION]: up, down to 0 and up again; down refused over rows",
  ignore,
  async fn() {
    using dir = tempDir();
    const central = await centralDb();
    const c = await pg();
    const pi = await driveDb(dir.path, 30);
    const server = (...args: string[]) => sync(pi, central.url, "--migrate-server", ...args);
    let r = await server();
    assert.deepEqual([r.code, r.stdout], [
      0,
      `Migrated the central schema at 127.0.0.1:${c.port}/${central.name}: applied version(s) 1\n`,
    ]);
    r = await server("0");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      await c.psql(
        central.name,
        "SELECT count(*) || ' ' || (to_regclass('networks') IS NULL) FROM schema_version",
      ),
      "0 true",
    );
    assert.equal((await server()).code, 0);
    assert.equal((await sync(pi, central.url)).code, 0);
    r = await server("0");
    assert.equal(r.code, 2);
    assert.equal(
      oneLine(r),
      `piwardrive: Refusing to revert 0001_central_schema.sql at 127.0.0.1:${c.port}/${central.name}: table wifi_sightings holds 30 rows, which it would delete; nothing was changed`,
    );
    assert.equal(await c.psql(central.name, "SELECT count(*) FROM wifi_sightings"), "30");
    assert.equal((await sync(pi, central.url, "--verify")).code, 0);
  },
});

Deno.test({
  name:
    "sync: TLS when the server offers it (prefer, require); verify-full refuses a self-signed one",
  ignore,
  async fn() {
    const c = await pg();
    using dir = tempDir();
    const central = await centralDb();
    const pi = await driveDb(dir.path, 20);
    // A self-signed certificate in the data folder, TLS switched on by a reload.
    const data = `${c.dir}/data`;
    const made = await new Deno.Command("openssl", {
      args: [
        "req",
        "-new",
        "-x509",
        "-days",
        "1",
        "-nodes",
        "-subj",
        "/CN=127.0.0.1",
        "-keyout",
        `${data}/test.key`,
        "-out",
        `${data}/test.crt`,
      ],
      stdout: "null",
      stderr: "piped",
    }).output();
    assert.ok(made.success, new TextDecoder().decode(made.stderr));
    if (Deno.uid() === 0) {
      const { uid, gid } = Deno.statSync(data);
      for (const f of ["test.key", "test.crt"]) Deno.chownSync(`${data}/${f}`, uid!, gid!);
    }
    Deno.chmodSync(`${data}/test.key`, 0o600);
    const reload = async (sql: string) => {
      for (const s of sql.split(";").filter((x) => x.trim())) await c.psql("postgres", s);
      await c.psql("postgres", "SELECT pg_reload_conf()");
      await new Promise((resolve) => setTimeout(resolve, 300));
    };
    await reload(
      `ALTER SYSTEM SET ssl_cert_file = 'test.crt'; ALTER SYSTEM SET ssl_key_file = 'test.key';
      ALTER SYSTEM SET ssl = on; ALTER SYSTEM SET log_connections = on`,
    );
    try {
      for (const mode of ["prefer", "require"]) {
        const r = await sync(pi, `${central.url}?sslmode=${mode}`, "--dry-run");
        assert.equal(r.code, 0, r.stderr);
      }
      const log = Deno.readTextFileSync(`${c.dir}/run/log`);
      const tls = log.split("\n").filter((l) =>
        l.includes(`database=${central.name} application_name=piwardrive sync SSL enabled`)
      );
      assert.equal(tls.length, 2, log.slice(-2000));
      const r = await sync(pi, `${central.url}?sslmode=verify-full`, "--dry-run");
      assert.equal(r.code, 7, r.stderr);
      assert.match(
        oneLine(r),
        /^piwardrive: PostgreSQL at .* did not set up TLS as sslmode=verify-full requires: .*certificate/,
      );
    } finally {
      await reload("ALTER SYSTEM RESET ssl; ALTER SYSTEM RESET log_connections");
    }
  },
});

Deno.test({
  name: "sync: (last) stop the cluster",
  ignore,
  async fn() {
    await cluster?.[Symbol.asyncDispose]();
    cluster = undefined;
  },
});
