/** `piwardrive migrate --rehearse [--keep]`: the plan tried on a copy; the live file only read. */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { DatabaseSync } from "node:sqlite";
import { cli, tempDir } from "./helpers/cli.ts";
import { databaseAt, fillBaselineRows } from "./helpers/db.ts";
import { embeddedMigrationFiles } from "../src/migrate/embedded.ts";

const LATEST = embeddedMigrationFiles.length;
const hash = (path: string) => createHash("sha256").update(Deno.readFileSync(path)).digest("hex");
const listing = (dir: string) => [...Deno.readDirSync(dir)].map((e) => e.name).sort();
const versionOf = (path: string) => {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return (db.prepare("SELECT max(version) AS v FROM schema_version").get() as { v: number }).v;
  } finally {
    db.close();
  }
};

function liveDatabase(dir: string, version = 4, rows = 120): string {
  const path = `${dir}/p.db`;
  const db = databaseAt(path, version);
  fillBaselineRows(db, rows);
  db.close();
  return path;
}

Deno.test("--rehearse reports each step and verifies the copy; the live file is untouched and nothing is left", async () => {
  using dir = tempDir();
  const db = liveDatabase(dir.path);
  const [before, files] = [hash(db), listing(dir.path)];
  const result = await cli("--db", db, "migrate", "--rehearse");
  assert.equal(result.code, 0, result.stderr);
  assert.match(
    result.stdout,
    /^Rehearsal of ".*p\.db" from version 4 on a copy beside the database: .*p\.db\.rehearsal-\d{8}T\d{6}Z\n/,
  );
  assert.match(result.stdout, /\n {2}up {3}0005 unique wifi bssid: \d+ ms, file \d+ → \d+ bytes\n/);
  assert.match(
    result.stdout,
    /\n {8}wifi_networks +120 → 120 rows\n {8}wifi_networks_merged +- → 0 rows\n/,
  );
  assert.match(
    result.stdout,
    new RegExp(`\\n {8}schema_version +${LATEST - 1} → ${LATEST} rows\\n`),
  );
  assert.match(result.stdout, /Verification passed: all 9 checks\n/);
  assert.match(
    result.stdout,
    new RegExp(`Rehearsal passed: migrate would take ".*p\\.db" to version ${LATEST}\\n$`),
  );
  assert.equal(hash(db), before);
  assert.deepEqual(listing(dir.path), files);
  assert.equal(versionOf(db), 4);
});

Deno.test("--rehearse --keep keeps the migrated copy and says where", async () => {
  using dir = tempDir();
  const db = liveDatabase(dir.path);
  const before = hash(db);
  const result = await cli("--db", db, "migrate", "--rehearse", "--keep", "--json");
  assert.equal(result.code, 0);
  const outcome = JSON.parse(result.stdout);
  assert.equal(outcome.status, "ok");
  assert.equal(outcome.kept, true);
  assert.deepEqual(listing(dir.path), ["p.db", outcome.copyPath.slice(dir.path.length + 1)]);
  assert.equal(versionOf(outcome.copyPath), LATEST);
  assert.equal(versionOf(db), 4);
  assert.equal(hash(db), before);
  const step = outcome.steps[0];
  assert.deepEqual([
    step.version,
    step.status,
    step.rowsBefore.wifi_networks,
    step.rowsAfter.wifi_networks,
  ], [5, "success", 120, 120]);
  assert.equal(typeof step.fileBytesAfter, "number");
  const text = await cli("--db", db, "migrate", "--rehearse", "--keep", "--to", "6");
  const kept = /The migrated copy is kept: (.*)\n/.exec(text.stdout)![1];
  assert.equal(versionOf(kept), 6);
  assert.equal(text.code, 0);
});

Deno.test("--rehearse fails (exit 3) on data a migration cannot take, and leaves the database as it was", async () => {
  using dir = tempDir();
  const db = liveDatabase(dir.path, LATEST);
  const migrations = `${dir.path}/migrations`;
  Deno.mkdirSync(migrations);
  for (const f of embeddedMigrationFiles) Deno.writeTextFileSync(`${migrations}/${f.name}`, f.text);
  // Passes on an empty database, fails on one with two networks.
  Deno.writeTextFileSync(
    `${migrations}/${String(LATEST + 1).padStart(4, "0")}_one_key.sql`,
    "-- migrate:up\nINSERT INTO configuration (key, value) SELECT 'probe', bssid FROM wifi_networks;\n" +
      "-- migrate:down\nDELETE FROM configuration WHERE key = 'probe';\n-- migrate:verify\nSELECT 1;\n",
  );
  const [before, files] = [hash(db), listing(dir.path)];
  const result = await cli("--db", db, "--migrations-dir", migrations, "migrate", "--rehearse");
  assert.equal(result.code, 3);
  assert.match(
    result.stdout,
    /\n {2}up {3}\d{4} one key: FAILED: .*UNIQUE constraint failed: configuration\.key/,
  );
  assert.match(
    result.stdout,
    /Rehearsal failed: migrate would not succeed on ".*p\.db" as it is\n$/,
  );
  assert.equal(hash(db), before);
  assert.deepEqual(listing(dir.path), files);
});

Deno.test("--keep without --rehearse is a usage error; a missing database is named", async () => {
  using dir = tempDir();
  const keep = await cli("--db", `${dir.path}/p.db`, "migrate", "--keep");
  assert.equal(keep.code, 2);
  assert.equal(keep.stderr, "piwardrive: --keep only goes with --rehearse\n");
  const missing = await cli("--db", `${dir.path}/none.db`, "migrate", "--rehearse");
  assert.equal(missing.code, 1);
  assert.equal(
    missing.stderr,
    `piwardrive: Cannot rehearse on "${dir.path}/none.db": no such database; give its path with --db\n`,
  );
  assert.deepEqual(listing(dir.path), []);
});
