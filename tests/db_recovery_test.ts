/** `db salvage OUT` and `db reindex` on damaged copies of a real database. */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { DatabaseSync } from "node:sqlite";
import { cli, tempDir } from "./helpers/cli.ts";
import { databaseAt, fillBaselineRows } from "./helpers/db.ts";
import { embeddedMigrations } from "../src/migrate/mod.ts";
import { embeddedMigrationFiles } from "../src/migrate/embedded.ts";

const LATEST = embeddedMigrations().length;
const ROWS = 3000;
const hash = (path: string) => createHash("sha256").update(Deno.readFileSync(path)).digest("hex");

/** A sound database at the latest version with ROWS rows per baseline table, checkpointed. */
function goodDatabase(path: string): void {
  const db = databaseAt(path, LATEST);
  fillBaselineRows(db, ROWS);
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  db.close();
}

/** Overwrites page `page` (1-based) of the file with 0x5a bytes. */
function overwritePage(path: string, page: number, pageSize: number): void {
  const bytes = Deno.readFileSync(path);
  bytes.fill(0x5a, (page - 1) * pageSize, page * pageSize);
  Deno.writeFileSync(path, bytes);
}

function rows(path: string, sql: string): Record<string, unknown>[] {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return db.prepare(sql).all() as Record<string, unknown>[];
  } finally {
    db.close();
  }
}

Deno.test("db salvage: a table b-tree page overwritten; every other row comes back, the damaged file is not written", async () => {
  using dir = tempDir();
  const good = `${dir.path}/good.db`;
  goodDatabase(good);
  const [{ page_size: pageSize }] = rows(good, "PRAGMA page_size") as { page_size: number }[];
  const leaves = rows(
    good,
    "SELECT pageno FROM dbstat WHERE name = 'wifi_networks' AND pagetype = 'leaf' ORDER BY pageno",
  ).map((r) => r.pageno as number);
  const damagedDir = `${dir.path}/damaged`;
  Deno.mkdirSync(damagedDir);
  const bad = `${damagedDir}/bad.db`;
  Deno.copyFileSync(good, bad);
  const wifiRows = rows(good, "SELECT id FROM wifi_networks").length;
  overwritePage(bad, leaves[5], pageSize);
  const check = await cli("--db", bad, "db", "check");
  assert.equal(check.code, 3, "the damage is real");
  const before = hash(bad);
  // db check's read-only open leaves nothing beside the file; salvage must not either.
  for (const suffix of ["-wal", "-shm"]) assert.throws(() => Deno.lstatSync(bad + suffix));
  const beside = [...Deno.readDirSync(damagedDir)].map((e) => e.name).sort();

  const out = `${dir.path}/rescued.db`;
  const result = await cli("--db", bad, "db", "salvage", out, "--json");
  assert.equal(result.code, 0, result.stderr);
  const outcome = JSON.parse(result.stdout);
  assert.equal(outcome.version, LATEST);
  const table = (name: string) => outcome.tables.find((t: { table: string }) => t.table === name);
  const wifi = table("wifi_networks");
  assert.ok(wifi.lost > 0 && wifi.recovered > 0, JSON.stringify(wifi));
  assert.equal(wifi.recovered + wifi.lost, wifiRows);
  assert.equal(wifi.error, "database disk image is malformed");
  for (const name of ["bluetooth_devices", "health_records"]) {
    assert.deepEqual([table(name).recovered, table(name).lost], [ROWS, 0], name);
  }
  assert.equal(table("schema_version").recovered, LATEST);

  // Every recovered row is exactly the row of the sound file.
  const original = new Map(
    rows(good, "SELECT * FROM wifi_networks").map((r) => [r.id, JSON.stringify(r)]),
  );
  const rescued = rows(out, "SELECT * FROM wifi_networks");
  assert.equal(rescued.length, wifi.recovered);
  for (const r of rescued) assert.equal(JSON.stringify(r), original.get(r.id));
  assert.equal((await cli("--db", out, "db", "check")).code, 0);

  assert.equal(hash(bad), before);
  assert.deepEqual([...Deno.readDirSync(damagedDir)].map((e) => e.name).sort(), beside);
  assert.deepEqual(
    [...Deno.readDirSync(dir.path)].map((e) => e.name).filter((n) => !n.startsWith("good.db"))
      .sort(),
    ["damaged", "rescued.db"],
    "the working copy beside OUT is removed",
  );

  const again = await cli("--db", bad, "db", "salvage", out);
  assert.equal(again.code, 1);
  assert.equal(
    again.stderr,
    `piwardrive: Cannot salvage into "${out}": the file already exists; give a new path\n`,
  );
});

Deno.test("db salvage: the text report names each table's rows", async () => {
  using dir = tempDir();
  const good = `${dir.path}/good.db`;
  goodDatabase(good);
  const out = `${dir.path}/copy.db`;
  const result = await cli("--db", good, "db", "salvage", out);
  assert.equal(result.code, 0);
  assert.match(
    result.stdout,
    new RegExp(`^Salvaged ".*good\\.db" \\(version ${LATEST}\\) into ".*copy\\.db":\\n`),
  );
  assert.match(result.stdout, /\n {2}wifi_networks +3000 +0 +0\n/);
  assert.match(
    result.stdout,
    new RegExp(
      `\\n${3 * ROWS + 1 + LATEST} rows recovered, 0 lost \\(rowids stepped over around ` +
        "unreadable pages\\), 0 rejected; 0 row\\(s\\) refer to a lost parent\\n$",
    ),
  );
});

Deno.test("db reindex repairs indexes that no longer match their table", async () => {
  using dir = tempDir();
  const path = `${dir.path}/p.db`;
  goodDatabase(path);
  // Two single-TEXT-column indexes swap their b-trees: each now holds the other table's keys.
  // (node:sqlite runs in defensive mode, which forbids writable_schema: the sqlite3 shell does it.)
  const db = new DatabaseSync(path, { readOnly: true });
  const root = (name: string) =>
    (db.prepare("SELECT rootpage FROM sqlite_master WHERE name = ?").get(name) as {
      rootpage: number;
    }).rootpage;
  const [a, b] = [root("idx_wifi_ssid"), root("idx_bt_name")];
  db.close();
  const sql = "PRAGMA writable_schema = ON;" +
    `UPDATE sqlite_master SET rootpage = ${b} WHERE name = 'idx_wifi_ssid';` +
    `UPDATE sqlite_master SET rootpage = ${a} WHERE name = 'idx_bt_name';`;
  const shell = await new Deno.Command("sqlite3", { args: [path, sql] }).output();
  assert.equal(shell.code, 0, new TextDecoder().decode(shell.stderr));
  assert.equal((await cli("--db", path, "db", "check")).code, 3);
  const result = await cli("--db", path, "db", "reindex");
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^reindex done: \d+ indexes rebuilt in \d+ ms\n/);
  assert.match(result.stdout, /\nintegrity_check before: .*missing from index/);
  assert.match(result.stdout, /\nintegrity_check after: ok\n$/);
  assert.equal((await cli("--db", path, "db", "check")).code, 0);
});

Deno.test("db salvage: a database newer than the binary exits 4 and leaves no OUT", async () => {
  using dir = tempDir();
  const path = `${dir.path}/p.db`;
  const db = databaseAt(path, LATEST);
  db.prepare(
    "INSERT INTO schema_version (version, description, applied_at) VALUES (?, 'later', 'now')",
  ).run(LATEST + 1);
  db.close();
  const result = await cli("--db", path, "db", "salvage", `${dir.path}/out.db`);
  assert.equal(result.code, 4);
  assert.match(result.stderr, /^piwardrive: Database schema is newer than this binary/);
  assert.equal([...Deno.readDirSync(dir.path)].some((e) => e.name.startsWith("out.db")), false);
});

Deno.test("db salvage: when the fresh database cannot be built, no half-made OUT is left", async () => {
  using dir = tempDir();
  const path = `${dir.path}/p.db`;
  databaseAt(path, LATEST).close();
  const migrations = `${dir.path}/migrations`;
  Deno.mkdirSync(migrations);
  for (const f of embeddedMigrationFiles) {
    const text = f.name.startsWith("0002_")
      ? f.text.replace(/-- migrate:verify\n[\s\S]*$/, "-- migrate:verify\nSELECT 0;\n")
      : f.text;
    Deno.writeTextFileSync(`${migrations}/${f.name}`, text);
  }
  const out = `${dir.path}/out.db`;
  const result = await cli("--db", path, "--migrations-dir", migrations, "db", "salvage", out);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /Migration 0002 \(add wifi vendor\) failed/);
  assert.throws(() => Deno.statSync(out), Deno.errors.NotFound);
});
