/** Automatic migration backups: unique names in time order, and pruning that spares kept ones. */
import assert from "node:assert/strict";
import { backupPathFor, listBackups, pruneBackups } from "../src/db/backup.ts";
import { embeddedMigrations, runMigrate } from "../src/migrate/mod.ts";
import { tempDir } from "./helpers/cli.ts";

const names = (dir: string) =>
  [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.includes(".bak-")).sort();

Deno.test("runs in the same millisecond each get their own backup, named in the order they ran", async () => {
  using dir = tempDir();
  const dbPath = `${dir.path}/p.db`;
  const now = () => new Date("2026-12-02T11:56:20.123Z");
  const run = (target?: number) =>
    runMigrate({ dbPath, migrations: embeddedMigrations(), target, now });
  await run(); // a new database: nothing to back up
  for (const target of [1, undefined, 1, undefined]) {
    assert.equal((await run(target)).toVersion, target ?? embeddedMigrations().length);
  }
  // Four backups (…20.123Z-v<latest> first), the newest three kept.
  assert.deepEqual(names(dir.path), [
    "p.db.bak-20261202T115620.124Z-v1",
    `p.db.bak-20261202T115620.125Z-v${embeddedMigrations().length}`,
    "p.db.bak-20261202T115620.126Z-v1",
  ]);
});

Deno.test("a clock set back (no RTC) still names the new backup after the newest", () => {
  using dir = tempDir();
  const dbPath = `${dir.path}/p.db`;
  Deno.writeTextFileSync(`${dbPath}.bak-20261202T115620Z-v3`, "old format, to the second");
  assert.equal(
    backupPathFor(dbPath, 3, new Date("1970-01-01T00:00:07Z")),
    `${dbPath}.bak-20261202T115620.001Z-v3`,
  );
  assert.equal(
    backupPathFor(dbPath, 4, new Date("2027-01-01T00:00:00Z")),
    `${dbPath}.bak-20270101T000000.000Z-v4`,
  );
});

Deno.test("pruning orders old and new names by time and never removes a kept backup", () => {
  using dir = tempDir();
  const dbPath = `${dir.path}/p.db`;
  const files = [
    "p.db.bak-20261202T115619.999Z-v1-keep", // oldest of all, kept
    "p.db.bak-20261202T115620Z-v2", // old format: 11:56:20.000
    "p.db.bak-20261202T115620.500Z-v3", // half a second later, though it sorts first as text
    "p.db.bak-20261202T115621Z-v4",
    "p.db.bak-20261202T115622.000Z-v5",
    "p.db.bak-20261202T115622.000Z-v5.txt", // not a backup name
    "other.db.bak-20261202T115600.000Z-v1", // another database's
  ];
  for (const f of files) Deno.writeTextFileSync(`${dir.path}/${f}`, f);
  assert.deepEqual(pruneBackups(dbPath, 2), [
    `${dir.path}/p.db.bak-20261202T115620Z-v2`,
    `${dir.path}/p.db.bak-20261202T115620.500Z-v3`,
  ]);
  assert.deepEqual(names(dir.path), [
    "other.db.bak-20261202T115600.000Z-v1",
    "p.db.bak-20261202T115619.999Z-v1-keep",
    "p.db.bak-20261202T115621Z-v4",
    "p.db.bak-20261202T115622.000Z-v5",
    "p.db.bak-20261202T115622.000Z-v5.txt",
  ]);
  assert.deepEqual(pruneBackups(dbPath, 0).length, 2);
  assert.deepEqual(
    listBackups(dbPath).map((b) => [b.version, b.time, b.kept, b.bytes]),
    [[1, "2026-12-02T11:56:19.999Z", true, files[0].length]],
  );
});
