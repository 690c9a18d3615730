/** `migrate --verify`: each check catches what it promises, in order, and says so. */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { embeddedMigrationFiles } from "../src/migrate/embedded.ts";
import { cli, tempDir } from "./helpers/cli.ts";
import { databaseAt } from "./helpers/db.ts";
import { embeddedMigrations } from "../src/migrate/mod.ts";

const LATEST = embeddedMigrations().length;

/** Copies the embedded migrations into `dir`, optionally changing one file's text. */
function migrationsDir(
  dir: string,
  edit?: { name: string; change: (text: string) => string },
): string {
  const path = `${dir}/migrations`;
  Deno.mkdirSync(path);
  for (const f of embeddedMigrationFiles) {
    Deno.writeTextFileSync(
      `${path}/${f.name}`,
      f.name === edit?.name ? edit.change(f.text) : f.text,
    );
  }
  return path;
}

async function verifyJson(dbPath: string, ...extra: string[]) {
  const result = await cli("--db", dbPath, ...extra, "migrate", "--verify", "--json");
  const report = JSON.parse(result.stdout);
  const failed = Object.fromEntries(
    (report.checks as { check: string; status: string; findings: string[] }[])
      .filter((c) => c.status === "fail").map((c) => [c.check, c.findings]),
  );
  return { code: result.code, report, failed };
}

Deno.test("verify passes on a freshly migrated database and lists the nine checks in order", async () => {
  using dir = tempDir();
  const db = `${dir.path}/p.db`;
  assert.equal((await cli("--db", db, "migrate")).code, 0);
  const { code, report } = await verifyJson(db);
  assert.equal(code, 0);
  assert.deepEqual(report.checks.map((c: { check: string }) => c.check), [
    "open",
    "ledger",
    "newer",
    "missing",
    "checksums",
    "pending",
    "verify",
    "schema",
    "foreign_keys",
  ]);
  const human = await cli("--db", db, "migrate", "--verify");
  assert.match(human.stdout, /Verification passed: all 9 checks/);
});

Deno.test("verify is read-only: the file's bytes are unchanged and nothing is written beside it", async () => {
  using dir = tempDir();
  const db = `${dir.path}/p.db`;
  await cli("--db", db, "migrate", "--no-backup");
  const before = Deno.readFileSync(db);
  // Not even SQLite's -wal/-shm companions stay: the reader's close removes what it made.
  const entries = () => [...Deno.readDirSync(dir.path)].map((e) => e.name).sort();
  const listing = entries();
  assert.equal((await cli("--db", db, "migrate", "--verify", "--deep")).code, 0);
  assert.deepEqual(Deno.readFileSync(db), before);
  assert.deepEqual(entries(), listing);
});

Deno.test("a ledger checksum altered by hand fails verify with exit 3 naming the version", async () => {
  using dir = tempDir();
  const path = `${dir.path}/p.db`;
  databaseAt(path, LATEST).close();
  const raw = new DatabaseSync(path);
  raw.exec(
    "UPDATE schema_version SET checksum = 'sha256:' || printf('%064d', 0) WHERE version = 2",
  );
  raw.close();
  const { code, failed } = await verifyJson(path);
  assert.equal(code, 3);
  assert.deepEqual(Object.keys(failed), ["checksums"]);
  assert.match(
    failed.checksums[0],
    /^version 0002 \(add wifi vendor\) was applied with checksum sha256:0{64}/,
  );
  // And migrate refuses to build on a modified history.
  const migrate = await cli("--db", path, "migrate");
  assert.equal(migrate.code, 3);
  assert.match(migrate.stderr, /Applied migration\(s\) 0002 differ from the ones in this binary/);
});

Deno.test("--deep (everything recomputed) finds exactly what the build-time manifest finds", async () => {
  using dir = tempDir();
  const path = `${dir.path}/p.db`;
  databaseAt(path, LATEST).close();
  const raw = new DatabaseSync(path);
  raw.exec(
    "UPDATE schema_version SET checksum = 'sha256:' || printf('%064d', 0) WHERE version = 7",
  );
  raw.exec("DROP INDEX idx_wifi_vendor; ALTER TABLE configuration ADD COLUMN notes TEXT");
  raw.close();
  const plain = await verifyJson(path);
  const deep = await verifyJson(path, "--deep");
  assert.equal(plain.code, 3);
  assert.deepEqual(Object.keys(plain.failed), ["checksums", "verify", "schema"]);
  assert.match(plain.failed.checksums[0], /^version 0007 /);
  assert.deepEqual(plain.failed.schema, [
    'table configuration: column "notes" is not expected',
    'index "idx_wifi_vendor" is missing',
  ]);
  assert.deepEqual(deep.failed, plain.failed);
  assert.equal(deep.code, 3);
});

Deno.test("a one-byte edit of an applied migration is caught; a CRLF-only change is not", async () => {
  using dir = tempDir();
  const path = `${dir.path}/p.db`;
  databaseAt(path, LATEST).close();
  using crlfDir = tempDir();
  const crlf = migrationsDir(crlfDir.path, {
    name: "0003_wifi_encryption_type.sql",
    change: (t) => t.replaceAll("\n", "\r\n"),
  });
  assert.equal((await verifyJson(path, "--migrations-dir", crlf)).code, 0);
  using editDir = tempDir();
  const edited = migrationsDir(editDir.path, {
    name: "0003_wifi_encryption_type.sql",
    change: (t) => t.replace("'WEP'", "'WEX'"),
  });
  const { code, failed } = await verifyJson(path, "--migrations-dir", edited);
  assert.equal(code, 3);
  assert.match(failed.checksums[0], /^version 0003 /);
});

Deno.test("a version newer than the binary gives exit 4, for verify and for every writing command", async () => {
  using dir = tempDir();
  const path = `${dir.path}/p.db`;
  databaseAt(path, LATEST).close();
  const raw = new DatabaseSync(path);
  raw.exec(
    "INSERT INTO schema_version (version, description, applied_at) VALUES (99, 'future', 'x')",
  );
  raw.close();
  const { code, failed } = await verifyJson(path);
  assert.equal(code, 4);
  assert.match(
    failed.newer[0],
    new RegExp(`version\\(s\\) 99 are newer than this binary \\(it knows up to ${LATEST}\\)`),
  );
  for (
    const args of [
      ["migrate"],
      ["migrate", "--to", "2"],
      ["config", "set", "a", "b"],
      ["db", "vacuum"],
      ["db", "analyze"],
      ["collect", "--demo"],
      ["collect", "--demo", "--no-migrate"],
    ]
  ) {
    const result = await cli("--db", path, ...args);
    assert.equal(result.code, 4, args.join(" "));
    assert.equal(
      result.stderr,
      `piwardrive: Database schema is newer than this binary: it has version(s) 99, this binary knows up to ${LATEST}; use a newer piwardrive\n`,
    );
  }
});

Deno.test("schema drift: a column or index added or dropped by hand is reported by name", async () => {
  using dir = tempDir();
  const path = `${dir.path}/p.db`;
  databaseAt(path, LATEST).close();
  const raw = new DatabaseSync(path);
  raw.exec("ALTER TABLE wifi_networks ADD COLUMN notes TEXT");
  raw.exec("DROP INDEX idx_wifi_ssid");
  raw.exec("CREATE INDEX idx_extra ON bluetooth_devices(rssi)");
  raw.exec("ALTER TABLE health_records DROP COLUMN disk_percent");
  raw.close();
  const { code, failed } = await verifyJson(path);
  assert.equal(code, 3);
  assert.deepEqual(failed.schema.sort(), [
    'index "idx_extra" is not expected',
    'index "idx_wifi_ssid" is missing',
    'table health_records: column "disk_percent" is missing',
    'table wifi_networks: column "notes" is not expected',
  ]);
});

Deno.test("pending versions and failing verify queries are findings of their own", async () => {
  using dir = tempDir();
  const path = `${dir.path}/p.db`;
  databaseAt(path, 2).close();
  const raw = new DatabaseSync(path);
  raw.exec("DROP INDEX idx_wifi_vendor");
  raw.close();
  const { code, failed } = await verifyJson(path);
  assert.equal(code, 3);
  assert.deepEqual(
    failed.pending,
    embeddedMigrations().slice(2).map((m) =>
      `version ${
        String(m.version).padStart(4, "0")
      } (${m.description}) is pending: run \`piwardrive migrate\``
    ),
  );
  assert.equal(failed.verify.length, 1);
  assert.match(
    failed.verify[0],
    /^version 0002: verify query at line \d+ \(SELECT count\(\*\) = 1 FROM sqlite_master/,
  );
  assert.deepEqual(failed.schema, ['index "idx_wifi_vendor" is missing']);
});

Deno.test("foreign key violations are reported (from a test-only migration source)", async () => {
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
SELECT count(*) = 2 FROM sqlite_master WHERE type = 'table' AND name IN ('parent', 'child');
`,
  );
  const path = `${dir.path}/p.db`;
  assert.equal((await cli("--db", path, "--migrations-dir", src, "migrate")).code, 0);
  const raw = new DatabaseSync(path);
  raw.exec("PRAGMA foreign_keys = OFF; INSERT INTO child (id, parent_id) VALUES (1, 42)");
  raw.close();
  const { code, failed } = await verifyJson(path, "--migrations-dir", src);
  assert.equal(code, 3);
  assert.deepEqual(failed.foreign_keys, ["table child rowid 1 references a missing row in parent"]);
});

Deno.test("verify of a missing file, a directory, a non-SQLite file or a ledger-less database exits 3", async () => {
  using dir = tempDir();
  const text = `${dir.path}/notes.txt`;
  Deno.writeTextFileSync(
    text,
    "this is not a database, but it is long enough to have a header ".repeat(4),
  );
  const missing = `${dir.path}/none.db`;
  const cases: [string, RegExp][] = [
    [
      missing,
      /Cannot open database ".*none.db": no such file; run `piwardrive migrate` to create it/,
    ],
    [dir.path, /it is a directory; give a file path with --db/],
    [text, /Cannot open database ".*notes.txt": file is not a SQLite database/],
  ];
  for (const [path, message] of cases) {
    const { code, failed } = await verifyJson(path);
    assert.equal(code, 3);
    assert.match(failed.open[0], message);
  }
  assert.throws(() => Deno.statSync(missing), Deno.errors.NotFound);
  assert.equal(Deno.readTextFileSync(text).startsWith("this is not"), true);

  const legacy = `${dir.path}/legacy.db`;
  const db = databaseAt(legacy, 2);
  db.exec("DROP TABLE schema_version");
  db.close();
  const { code, failed } = await verifyJson(legacy);
  assert.equal(code, 3);
  assert.deepEqual(failed.ledger, [
    "no schema_version ledger, but the schema is exactly version 2: run `piwardrive migrate` to adopt it",
  ]);
});
