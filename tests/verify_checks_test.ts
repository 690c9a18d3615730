/**
 * `migrate --verify`, the findings of each check in full: the corners the main tests leave (an
 * emptied ledger, a gap, a version below 1, two newer versions, a damaged ledger, an empty file,
 * a ledger-less file that matches nothing, more than ten foreign-key violations) and the status
 * of the checks that could not run.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { cli, tempDir } from "./helpers/cli.ts";
import { databaseAt } from "./helpers/db.ts";
import { embeddedMigrations } from "../src/migrate/mod.ts";

const MIGRATIONS = embeddedMigrations();
const LATEST = MIGRATIONS.length;

interface Check {
  check: string;
  status: string;
  findings: string[];
}

async function verify(path: string, ...extra: string[]) {
  const result = await cli("--db", path, ...extra, "migrate", "--verify", "--json");
  const report = JSON.parse(result.stdout);
  const statuses = Object.fromEntries(
    (report.checks as Check[]).map((c) => [c.check, c.status]),
  );
  const failed = Object.fromEntries(
    (report.checks as Check[]).filter((c) => c.status === "fail").map((c) => [c.check, c.findings]),
  );
  return { code: result.code, report, statuses, failed };
}

/** A database at `version` with `sql` run on it afterwards. */
function edited(dir: string, version: number, sql: string): string {
  const path = `${dir}/p.db`;
  databaseAt(path, version).close();
  const raw = new DatabaseSync(path);
  raw.exec(sql);
  raw.close();
  return path;
}

const SKIPPED_AFTER_OPEN = {
  open: "fail",
  ledger: "skipped",
  newer: "skipped",
  missing: "skipped",
  checksums: "skipped",
  pending: "skipped",
  verify: "skipped",
  schema: "skipped",
  foreign_keys: "skipped",
};

Deno.test("a file that cannot be opened fails open, and every other check is skipped, empty", async () => {
  using dir = tempDir();
  const { code, report, statuses } = await verify(`${dir.path}/none.db`);
  assert.equal(code, 3);
  assert.deepEqual(statuses, SKIPPED_AFTER_OPEN);
  for (const c of report.checks.slice(1) as Check[]) assert.deepEqual(c.findings, [], c.check);
  assert.equal(report.appliedVersion, null);
});

Deno.test("a ledger emptied by migrating down to 0 is version 0 with everything pending", async () => {
  using dir = tempDir();
  const path = `${dir.path}/p.db`;
  assert.equal((await cli("--db", path, "migrate", "--no-backup")).code, 0);
  assert.equal((await cli("--db", path, "migrate", "--to", "0", "--no-backup")).code, 0);
  const { code, report, failed } = await verify(path);
  assert.equal(code, 3);
  assert.equal(report.appliedVersion, 0);
  assert.deepEqual(Object.keys(failed), ["pending"]);
  assert.equal(failed.pending.length, LATEST);
  assert.equal(failed.pending[0], "version 0001 (baseline) is pending: run `piwardrive migrate`");
});

Deno.test("a gap in the ledger: the version is not applied but a later one is", async () => {
  using dir = tempDir();
  const path = edited(dir.path, LATEST, "DELETE FROM schema_version WHERE version = 3");
  const { code, failed } = await verify(path);
  assert.equal(code, 3);
  assert.deepEqual(failed.pending, [
    `version 0003 (wifi encryption type) is not applied but later version ${LATEST} is`,
  ]);
});

Deno.test("a version below 1 is missing from the binary, and the schema is then not compared", async () => {
  using dir = tempDir();
  const path = edited(
    dir.path,
    LATEST,
    "INSERT INTO schema_version (version, description, applied_at) VALUES (0, 'zero', 'x'); " +
      "CREATE TABLE extra (a)",
  );
  const { code, statuses, failed } = await verify(path);
  assert.equal(code, 3);
  assert.deepEqual(failed.missing, ["version 0 is applied but not part of this binary"]);
  assert.equal(statuses.schema, "skipped");
});

Deno.test("two newer versions are both named, and the schema is then not compared", async () => {
  using dir = tempDir();
  const path = edited(
    dir.path,
    LATEST,
    "INSERT INTO schema_version (version, description, applied_at) VALUES (98, 'a', 'x'), (99, 'b', 'x'); " +
      "CREATE TABLE extra (a)",
  );
  const { code, statuses, failed } = await verify(path);
  assert.equal(code, 4);
  assert.deepEqual(failed.newer, [
    `version(s) 98, 99 are newer than this binary (it knows up to ${LATEST}); use a newer piwardrive`,
  ]);
  assert.equal(statuses.schema, "skipped");
});

Deno.test("a checksum finding names both checksums in full", async () => {
  using dir = tempDir();
  const zero = `sha256:${"0".repeat(64)}`;
  const path = edited(
    dir.path,
    LATEST,
    `UPDATE schema_version SET checksum = '${zero}' WHERE version = 2`,
  );
  const { failed } = await verify(path);
  assert.deepEqual(failed.checksums, [
    `version 0002 (add wifi vendor) was applied with checksum ${zero}, the binary's file 0002_add_wifi_vendor.sql has ${
      MIGRATIONS[1].checksum
    }`,
  ]);
});

Deno.test("a ledger that cannot be read is damage (exit 3), not a newer schema (exit 4)", async () => {
  using dir = tempDir();
  const path = `${dir.path}/p.db`;
  const db = databaseAt(path, LATEST);
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  const { rootpage } = db.prepare(
    "SELECT rootpage FROM sqlite_master WHERE name = 'schema_version'",
  ).get() as { rootpage: number };
  const { page_size: size } = db.prepare("PRAGMA page_size").get() as { page_size: number };
  db.close();
  const bytes = Deno.readFileSync(path);
  const page = bytes.subarray((rootpage - 1) * size, rootpage * size);
  page.fill(0xff, (page[5] << 8) | page[6]); // the ledger's rows
  Deno.writeFileSync(path, bytes);
  const { code, statuses, failed } = await verify(path);
  assert.equal(code, 3);
  assert.equal(statuses.ledger, "pass");
  assert.deepEqual(failed, {
    newer: ["cannot read the database: database disk image is malformed"],
  });
  assert.equal(statuses.schema, "skipped");
});

Deno.test("a ledger-less file: empty, or with tables that match no version", async () => {
  using dir = tempDir();
  const empty = `${dir.path}/empty.db`;
  new DatabaseSync(empty).exec("PRAGMA user_version = 1");
  assert.deepEqual((await verify(empty)).failed, {
    ledger: ["no schema_version ledger: the database is empty; run `piwardrive migrate`"],
  });
  const other = `${dir.path}/other.db`;
  new DatabaseSync(other).exec("CREATE TABLE notes (a TEXT)");
  const { code, failed } = await verify(other);
  assert.equal(code, 3);
  assert.equal(failed.ledger.length, 1);
  assert.match(
    failed.ledger[0],
    /^Database has tables but no schema_version ledger, and its schema matches no known version \(closest: version 1\): table "bluetooth_devices" is missing; .*; table "notes" is not expected; /,
  );
});

Deno.test("foreign key violations: the first ten are listed", async () => {
  using dir = tempDir();
  const src = `${dir.path}/m`;
  Deno.mkdirSync(src);
  Deno.writeTextFileSync(
    `${src}/0001_parent_child.sql`,
    `-- migrate:up
CREATE TABLE parent (id INTEGER PRIMARY KEY);
CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent(id));
-- migrate:down
DROP TABLE child;
DROP TABLE parent;
-- migrate:verify
SELECT 1;
`,
  );
  const path = `${dir.path}/p.db`;
  assert.equal((await cli("--db", path, "--migrations-dir", src, "migrate")).code, 0);
  const raw = new DatabaseSync(path);
  raw.exec("PRAGMA foreign_keys = OFF");
  for (let i = 1; i <= 12; i++) raw.exec(`INSERT INTO child (id, parent_id) VALUES (${i}, 100)`);
  raw.close();
  const { code, failed } = await verify(path, "--migrations-dir", src);
  assert.equal(code, 3);
  assert.deepEqual(
    failed.foreign_keys,
    Array.from(
      { length: 10 },
      (_, i) => `table child rowid ${i + 1} references a missing row in parent`,
    ),
  );
  // db check lists every violation under foreign_key_check.
  const check = await cli("--db", path, "--migrations-dir", src, "db", "check");
  assert.equal(check.code, 3);
  const lines = check.stdout.split("\n");
  const at = lines.indexOf("foreign_key_check: FAILED");
  assert.deepEqual(
    lines.slice(at + 1, at + 13),
    Array.from(
      { length: 12 },
      (_, i) => `  table child rowid ${i + 1} references a missing row in parent`,
    ),
  );
});
