/** Restoring: a damaged or newer backup is refused. (Damaged databases: tests/reliability_test.ts.) */
import assert from "node:assert/strict";
import { cli, tempDir } from "./helpers/cli.ts";
import { databaseAt } from "./helpers/db.ts";
import { embeddedMigrations } from "../src/migrate/mod.ts";

Deno.test("db restore refuses a damaged backup and one newer than the binary", async () => {
  using dir = tempDir();
  const db = `${dir.path}/p.db`;
  assert.equal((await cli("--db", db, "migrate")).code, 0);
  const bad = `${dir.path}/bad.backup`;
  Deno.writeTextFileSync(bad, "not a database at all, just text ".repeat(20));
  const refused = await cli("--db", db, "db", "restore", bad);
  assert.equal(refused.code, 3);
  assert.match(refused.stderr, /^piwardrive: Backup ".*bad.backup" is not a sound database: /);
  const newer = `${dir.path}/newer.backup`;
  const n = databaseAt(newer, embeddedMigrations().length);
  n.exec(
    "INSERT INTO schema_version (version, description, applied_at) VALUES (99, 'future', 'x')",
  );
  n.close();
  const future = await cli("--db", db, "db", "restore", newer);
  assert.equal(future.code, 4);
  assert.match(future.stderr, /it has version\(s\) 99/);
});
