/** `db stats`, `db indexes`, `db vacuum`, `db analyze`, `db backup`, `db check` and `config`. */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { cli, tempDir } from "./helpers/cli.ts";
import { databaseAt, fillBaselineRows, logicalDump } from "./helpers/db.ts";
import { embeddedMigrations } from "../src/migrate/mod.ts";

const LATEST = embeddedMigrations().length;

Deno.test("db stats reports sizes, pages, the version, and rows and indexes per table", async () => {
  using dir = tempDir();
  const path = `${dir.path}/p.db`;
  const db = databaseAt(path, LATEST);
  fillBaselineRows(db, 120);
  db.close();
  const result = await cli("--db", path, "db", "stats", "--json");
  assert.equal(result.code, 0);
  const stats = JSON.parse(result.stdout);
  assert.equal(stats.schemaVersion, LATEST);
  assert.equal(stats.journalMode, "wal");
  assert.equal(stats.pageSize, 4096);
  assert.ok(stats.pageCount * stats.pageSize >= stats.fileBytes - 4096);
  const wifi = stats.tables.find((t: { name: string }) => t.name === "wifi_networks");
  assert.equal(wifi.rows, 120);
  assert.ok(wifi.indexes.includes("idx_wifi_bssid"));
});

Deno.test("db indexes: every query the application runs is served by an index", async () => {
  using dir = tempDir();
  const path = `${dir.path}/p.db`;
  databaseAt(path, LATEST).close();
  const result = await cli("--db", path, "db", "indexes", "--json");
  assert.equal(result.code, 0);
  const usage = JSON.parse(result.stdout) as {
    name: string;
    index: string | null;
    plan: string[];
  }[];
  assert.ok(usage.length >= 16);
  for (const u of usage) assert.ok(u.index, `${u.name}: ${u.plan.join("; ")}`);
});

Deno.test("db vacuum reclaims free pages and keeps every row and the schema", async () => {
  using dir = tempDir();
  const path = `${dir.path}/p.db`;
  const db = databaseAt(path, LATEST);
  fillBaselineRows(db, 3000);
  db.exec("DELETE FROM health_records WHERE id % 2 = 0");
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  const before = logicalDump(db);
  db.close();
  const result = await cli("--db", path, "db", "vacuum", "--json");
  assert.equal(result.code, 0, result.stderr);
  const { beforeBytes, afterBytes } = JSON.parse(result.stdout);
  assert.ok(afterBytes < beforeBytes, `${afterBytes} < ${beforeBytes}`);
  const after = new DatabaseSync(path, { readOnly: true });
  assert.deepEqual(logicalDump(after), before);
  assert.equal(after.prepare("PRAGMA freelist_count").get()!.freelist_count, 0);
  after.close();
  assert.equal(Deno.statSync(path).mode! & 0o777, 0o600);
  assert.equal((await cli("--db", path, "db", "check")).code, 0);
  assert.equal((await cli("--db", path, "db", "analyze")).code, 0);
  const analyzed = new DatabaseSync(path, { readOnly: true });
  assert.ok((analyzed.prepare("SELECT count(*) AS n FROM sqlite_stat1").get()!.n as number) > 0);
  analyzed.close();
  // ANALYZE's own table is SQLite's: verify still passes.
  assert.equal((await cli("--db", path, "migrate", "--verify")).code, 0);
});

Deno.test("db backup writes a checked 0600 copy and refuses to overwrite", async () => {
  using dir = tempDir();
  const path = `${dir.path}/p.db`;
  const db = databaseAt(path, LATEST);
  fillBaselineRows(db, 50);
  const rows = logicalDump(db);
  db.close();
  const copy = `${dir.path}/copy.db`;
  const result = await cli("--db", path, "db", "backup", copy);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^backup written and checked: .*copy\.db \(\d+ bytes\)\n$/);
  assert.equal(Deno.statSync(copy).mode! & 0o777, 0o600);
  const restored = new DatabaseSync(copy, { readOnly: true });
  assert.deepEqual(logicalDump(restored), rows);
  restored.close();
  const again = await cli("--db", path, "db", "backup", copy);
  assert.equal(again.code, 1);
  assert.equal(
    again.stderr,
    `piwardrive: Cannot back up to "${copy}": a file already exists there; give a new file name (nothing was changed)\n`,
  );
});

Deno.test("config set/get/list/unset with typed values", async () => {
  using dir = tempDir();
  const path = `${dir.path}/p.db`;
  const set = (...args: string[]) => cli("--db", path, "config", "set", ...args);
  assert.equal((await cli("--db", path, "migrate")).code, 0);
  assert.equal(
    (await set("scan.interval", "5", "--type", "int", "--description", "seconds")).stdout,
    "scan.interval = 5 (int)\n",
  );
  assert.equal(
    (await set("gps.enabled", "yes", "--type", "bool")).stdout,
    "gps.enabled = true (bool)\n",
  );
  assert.equal(
    (await set("zones", '[ {"lat": 52.2} ]', "--type", "json")).stdout,
    'zones = [{"lat":52.2}] (json)\n',
  );
  assert.equal((await set("name", "pi 1")).stdout, "name = pi 1 (string)\n");
  // The key keeps its type: a later value must still parse as an int.
  const bad = await set("scan.interval", "fast");
  assert.equal(bad.code, 2);
  assert.equal(
    bad.stderr,
    'piwardrive: Invalid value "fast" for type int: expected a whole number\n',
  );
  assert.equal((await cli("--db", path, "config", "get", "scan.interval")).stdout, "5\n");
  const entry = JSON.parse(
    (await cli("--db", path, "config", "get", "scan.interval", "--json")).stdout,
  );
  assert.equal(entry.description, "seconds");
  assert.match(entry.updatedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.equal(
    (await cli("--db", path, "config", "list")).stdout,
    'gps.enabled = true (bool)\nname = pi 1 (string)\nscan.interval = 5 (int)\nzones = [{"lat":52.2}] (json)\n',
  );
  assert.equal((await cli("--db", path, "config", "unset", "name")).code, 0);
  const gone = await cli("--db", path, "config", "get", "name");
  assert.equal(gone.code, 1);
  assert.equal(
    gone.stderr,
    'piwardrive: No configuration key "name"; see `piwardrive config list`\n',
  );
});
