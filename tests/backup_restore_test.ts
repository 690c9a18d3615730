/**
 * `db backup` and `db restore` on sound files, byte for byte: what the backup is, what a restore
 * puts in place, what it keeps of the file it replaces and what it leaves behind.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { cli, tempDir } from "./helpers/cli.ts";
import { databaseAt, fillBaselineRows, logicalDump } from "./helpers/db.ts";
import { embeddedMigrations } from "../src/migrate/mod.ts";
import { pruneBackups } from "../src/db/backup.ts";

const LATEST = embeddedMigrations().length;

/** A database at `version` with rows from `seed`, closed (its WAL folded in). */
function database(path: string, version: number, seed: number): void {
  const db = databaseAt(path, version);
  fillBaselineRows(db, 20, seed);
  db.close();
}

Deno.test("db backup: a self-contained file (rollback journal, not WAL), never over an existing one", async () => {
  using dir = tempDir();
  const path = `${dir.path}/p.db`;
  database(path, LATEST, 1);
  const copy = `${dir.path}/copy.db`;
  assert.equal((await cli("--db", path, "db", "backup", copy)).code, 0);
  // Header bytes 18 and 19: 1 for a rollback journal, 2 for WAL.
  const header = Deno.readFileSync(copy).subarray(0, 20);
  assert.deepEqual([header[18], header[19]], [1, 1]);
  const before = Deno.readFileSync(copy);
  const again = await cli("--db", path, "db", "backup", copy);
  assert.equal(again.code, 1);
  assert.equal(
    again.stderr,
    `piwardrive: Cannot back up to "${copy}": a file already exists there; give a new file name (nothing was changed)\n`,
  );
  assert.deepEqual(Deno.readFileSync(copy), before);
  const json = await cli("--db", path, "db", "backup", `${dir.path}/j.db`, "--json");
  assert.deepEqual(JSON.parse(json.stdout), {
    backup: `${dir.path}/j.db`,
    bytes: Deno.statSync(`${dir.path}/j.db`).size,
    checked: true,
  });
});

Deno.test("db restore: the backup in place (0600), the replaced file and its WAL kept, nothing else left", async () => {
  using dir = tempDir();
  const live = `${dir.path}/p.db`;
  database(live, LATEST, 1);
  const other = `${dir.path}/other.db`;
  database(other, 2, 2);
  const backup = `${dir.path}/b.backup`;
  assert.equal((await cli("--db", other, "db", "backup", backup)).code, 0);
  const expected = new DatabaseSync(backup, { readOnly: true });
  const rows = logicalDump(expected);
  expected.close();
  const backupBytes = Deno.readFileSync(backup);
  const liveBytes = Deno.readFileSync(live);
  // Companions of the file being replaced: the WAL is kept with it, both are removed from the db.
  const wal = new Uint8Array([1, 2, 3, 4]);
  Deno.writeFileSync(`${live}-wal`, wal);
  Deno.writeFileSync(`${live}-shm`, new Uint8Array([5, 6]));
  const before = new Set([...Deno.readDirSync(dir.path)].map((e) => e.name));

  const result = await cli("--db", live, "db", "restore", backup);
  assert.equal(result.code, 0, result.stderr);
  const lines = result.stdout.split("\n");
  const kept = /^previous database kept as (.*\.replaced-\d{8}T\d{6}Z)$/.exec(lines[0])?.[1];
  assert.ok(kept, result.stdout);
  assert.equal(kept.startsWith(`${live}.replaced-`), true);
  assert.equal(lines[1], `restored "${live}" from "${backup}" (schema version 2)`);
  assert.equal(lines.length, 3);

  assert.deepEqual(Deno.readFileSync(live), backupBytes);
  assert.equal(Deno.statSync(live).mode! & 0o777, 0o600);
  assert.deepEqual(Deno.readFileSync(kept), liveBytes);
  assert.deepEqual(Deno.readFileSync(`${kept}-wal`), wal);
  const after = [...Deno.readDirSync(dir.path)].map((e) => e.name).filter((n) => !before.has(n));
  const keptName = kept.slice(dir.path.length + 1);
  assert.deepEqual(after.sort(), [keptName, `${keptName}-wal`, "p.db.lock"].sort());
  assert.throws(() => Deno.statSync(`${live}-wal`), Deno.errors.NotFound);
  assert.throws(() => Deno.statSync(`${live}-shm`), Deno.errors.NotFound);
  const restored = new DatabaseSync(live, { readOnly: true });
  assert.deepEqual(logicalDump(restored), rows);
  restored.close();
});

Deno.test("db restore onto a missing file keeps nothing, and says so in JSON", async () => {
  using dir = tempDir();
  const other = `${dir.path}/other.db`;
  database(other, LATEST, 3);
  const backup = `${dir.path}/b.backup`;
  assert.equal((await cli("--db", other, "db", "backup", backup)).code, 0);
  const live = `${dir.path}/new.db`;
  const result = await cli("--db", live, "db", "restore", backup, "--json");
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(JSON.parse(result.stdout), {
    database: live,
    restoredFrom: backup,
    version: LATEST,
    keptCopy: null,
  });
  assert.deepEqual(Deno.readFileSync(live), Deno.readFileSync(backup));
  const names = [...Deno.readDirSync(dir.path)].map((e) => e.name)
    .filter((n) => !n.startsWith("other.db")).sort();
  assert.deepEqual(names, ["b.backup", "new.db", "new.db.lock"]);
});

Deno.test("db restore of a file without a ledger restores version 0", async () => {
  using dir = tempDir();
  const backup = `${dir.path}/plain.db`;
  new DatabaseSync(backup).exec("CREATE TABLE notes (a TEXT)");
  const live = `${dir.path}/p.db`;
  const result = await cli("--db", live, "db", "restore", backup);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, `restored "${live}" from "${backup}" (schema version 0)\n`);
});

Deno.test("db restore over a file without a WAL keeps just that file; a missing backup is refused", async () => {
  using dir = tempDir();
  const live = `${dir.path}/p.db`;
  database(live, LATEST, 4);
  const backup = `${dir.path}/b.backup`;
  assert.equal((await cli("--db", live, "db", "backup", backup)).code, 0);
  // The backup's reader leaves nothing beside the file.
  for (const suffix of ["-wal", "-shm"]) assert.throws(() => Deno.lstatSync(live + suffix));
  const result = await cli("--db", live, "db", "restore", backup, "--json");
  assert.equal(result.code, 0, result.stderr);
  const { keptCopy } = JSON.parse(result.stdout);
  assert.match(keptCopy, /\.replaced-\d{8}T\d{6}Z$/);
  assert.throws(() => Deno.statSync(`${keptCopy}-wal`), Deno.errors.NotFound);

  const missing = await cli("--db", live, "db", "restore", `${dir.path}/none.backup`);
  assert.equal(missing.code, 1);
  assert.equal(
    missing.stderr,
    `piwardrive: Cannot restore from "${dir.path}/none.backup": the file does not exist; give the path of a backup file\n`,
  );
});

Deno.test("db backup reads its source only: a rollback-journal file keeps every byte", async () => {
  using dir = tempDir();
  const live = `${dir.path}/p.db`;
  database(live, LATEST, 5);
  const first = `${dir.path}/first.backup`;
  assert.equal((await cli("--db", live, "db", "backup", first)).code, 0);
  const before = Deno.readFileSync(first);
  assert.equal((await cli("--db", first, "db", "backup", `${dir.path}/second.backup`)).code, 0);
  assert.deepEqual(Deno.readFileSync(first), before);
});

Deno.test("pruning keeps the newest backups of this database only, and only what is named as one", () => {
  using dir = tempDir();
  const db = `${dir.path}/a.db`;
  const names = [
    "a.db.bak-20260101T000000Z-v1",
    "a.db.bak-20260102T000000Z-v2",
    "a.db.bak-20260103T000000Z-v3",
    "a.db.bak-20260104T000000Z-v4",
    "b.db.bak-20250101T000000Z-v1", // another database's
    "a.db.bak-20250101T000000Z-v1.tmp", // not a backup name
    "a.db.bak-20250101T000000Z", // no version
  ];
  for (const n of names) Deno.writeTextFileSync(`${dir.path}/${n}`, n);
  Deno.mkdirSync(`${dir.path}/a.db.bak-20240101T000000Z-v9`); // a folder, not a backup
  assert.deepEqual(pruneBackups(db, 3), [`${dir.path}/a.db.bak-20260101T000000Z-v1`]);
  const left = [...Deno.readDirSync(dir.path)].map((e) => e.name).sort();
  assert.deepEqual(left, [...names.slice(1), "a.db.bak-20240101T000000Z-v9"].sort());
});

Deno.test("the bytes a database occupies include its WAL (db stats' walBytes)", async () => {
  using dir = tempDir();
  const path = `${dir.path}/p.db`;
  const writer = databaseAt(path, LATEST);
  writer.exec("PRAGMA wal_autocheckpoint = 0");
  fillBaselineRows(writer, 20);
  const wal = Deno.statSync(`${path}-wal`).size;
  assert.ok(wal > 0);
  const stats = await cli("--db", path, "db", "stats", "--json");
  writer.close();
  assert.equal(stats.code, 0, stats.stderr);
  assert.equal(JSON.parse(stats.stdout).walBytes, wal);
});
