/** Slow-query ring, its threshold, `db stats`, and PRAGMA optimize in collect. */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { cli, tempDir } from "./helpers/cli.ts";
import { databaseAt, fillBaselineRows } from "./helpers/db.ts";
import { embeddedMigrations, Migrator } from "../src/migrate/mod.ts";
import {
  DEFAULT_SLOW_QUERY_MS,
  readSlowQueries,
  SLOW_QUERY_RING,
  slowQueryMs,
  watchSlowQueries,
} from "../src/db/slow_queries.ts";
import { OPTIMIZE_EVERY_MS, OptimizeSchedule } from "../src/db/optimize.ts";

const LATEST = embeddedMigrations().length;
const RING_VERSION = embeddedMigrations().find((m) => m.description === "slow queries")!.version;

/** An in-memory database at `version`. */
function memoryAt(version: number): DatabaseSync {
  const db = new DatabaseSync(":memory:");
  new Migrator(db, embeddedMigrations()).migrateTo(version);
  return db;
}

/** A clock that advances `stepMs` on every reading. */
const steppingClock = (stepMs: number) => {
  let t = 0;
  return () => (t += stepMs);
};

Deno.test("a statement slower than the threshold is recorded with its plan; a fast one is not", () => {
  const db = memoryAt(LATEST);
  watchSlowQueries(db, {
    thresholdMs: 250,
    clock: steppingClock(300),
    now: () => new Date("2026-12-01T10:00:00Z"),
  });
  db.prepare("SELECT count(*) FROM wifi_networks WHERE bssid = ?").get("aa:bb:cc:dd:ee:ff");
  assert.deepEqual(readSlowQueries(db), [{
    id: 1,
    recordedAt: "2026-12-01T10:00:00.000Z",
    durationMs: 300,
    sql: "SELECT count(*) FROM wifi_networks WHERE bssid = ?",
    plan: "SEARCH wifi_networks USING COVERING INDEX idx_wifi_bssid (bssid=?)",
  }]);
  const fast = memoryAt(LATEST);
  watchSlowQueries(fast, { thresholdMs: 250, clock: steppingClock(100) });
  fast.prepare("SELECT count(*) FROM wifi_networks").get();
  fast.prepare("INSERT INTO configuration (key, value) VALUES ('a', 'b')").run();
  assert.deepEqual(readSlowQueries(fast), []);
});

Deno.test("the ring keeps the newest SLOW_QUERY_RING statements", () => {
  const db = memoryAt(LATEST);
  watchSlowQueries(db, { thresholdMs: 0, clock: steppingClock(1) });
  const statement = db.prepare("SELECT 1");
  for (let i = 0; i < SLOW_QUERY_RING + 5; i++) statement.get();
  const kept = readSlowQueries(db);
  assert.equal(kept.length, SLOW_QUERY_RING);
  assert.deepEqual([kept[0].id, kept.at(-1)!.id], [SLOW_QUERY_RING + 5, 6]);
});

Deno.test("before the ring's version nothing is watched; the threshold comes from slow_query_ms", () => {
  const old = memoryAt(RING_VERSION - 1);
  watchSlowQueries(old, { thresholdMs: 0, clock: steppingClock(500) });
  assert.equal(old.prepare("SELECT 1 AS one").get()!.one, 1);
  assert.deepEqual(readSlowQueries(old), []);
  const db = memoryAt(LATEST);
  assert.equal(slowQueryMs(db), DEFAULT_SLOW_QUERY_MS);
  db.prepare("INSERT INTO configuration (key, value, type) VALUES ('slow_query_ms', '40', 'int')")
    .run();
  assert.equal(slowQueryMs(db), 40);
});

Deno.test("collect records its slow statements (slow_query_ms 0) and db stats shows them", async () => {
  using dir = tempDir();
  const path = `${dir.path}/c.db`;
  assert.equal((await cli("--db", path, "migrate")).code, 0); // config set creates no database
  assert.equal(
    (await cli("--db", path, "config", "set", "slow_query_ms", "0", "--type", "int")).code,
    0,
  );
  assert.equal((await cli("--db", path, "collect", "--demo", "--quiet")).code, 0);
  const stats = await cli("--db", path, "db", "stats");
  assert.match(
    stats.stdout,
    new RegExp(
      `\\nslow queries {3}${SLOW_QUERY_RING} recorded \\(slower than 0 ms; newest first\\)\\n`,
    ),
  );
  assert.match(stats.stdout, /\n {2}\d{4}-\d\d-\d\dT[\d:.]+Z {2}[\d.]+ ms {2}INSERT INTO /);
  const json = JSON.parse((await cli("--db", path, "db", "stats", "--json")).stdout);
  assert.equal(json.slowQueries.thresholdMs, 0);
  assert.equal(json.slowQueries.queries.length, SLOW_QUERY_RING);
});

Deno.test("PRAGMA optimize: at most every OPTIMIZE_EVERY_MS while running, and when collect stops", async () => {
  const db = memoryAt(LATEST);
  fillBaselineRows(db, 500);
  let now = 0;
  const schedule = new OptimizeSchedule(db, { clock: () => now });
  now = OPTIMIZE_EVERY_MS - 1;
  assert.equal(schedule.due(), false);
  assert.equal(
    db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").get(),
    undefined,
  );
  now = OPTIMIZE_EVERY_MS;
  assert.equal(schedule.due(), true);
  assert.ok(db.prepare("SELECT count(*) AS n FROM sqlite_stat1").get()!.n as number > 0);
  assert.equal(schedule.due(), false, "not again until another interval has passed");

  using dir = tempDir();
  const path = `${dir.path}/c.db`;
  const filled = databaseAt(path, LATEST);
  fillBaselineRows(filled, 500);
  filled.close();
  assert.equal((await cli("--db", path, "collect", "--demo", "--quiet")).code, 0);
  const after = new DatabaseSync(path, { readOnly: true });
  const analyzed = after.prepare("SELECT DISTINCT tbl FROM sqlite_stat1 ORDER BY tbl").all()
    .map((r) => r.tbl);
  after.close();
  assert.ok(analyzed.includes("wifi_networks"), JSON.stringify(analyzed));
});
