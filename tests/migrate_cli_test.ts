/** `piwardrive migrate` as a user runs it: backups, dry runs, failures, adoption, locks, kill -9. */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { embeddedMigrationFiles } from "../src/migrate/embedded.ts";
import { acquireMigrationLock } from "../src/db/lock.ts";
import { cli, cliProcess, spawnCli, tempDir } from "./helpers/cli.ts";
import { databaseAt, dumpHash, fillBaselineRows, logicalDump } from "./helpers/db.ts";
import { embeddedMigrations } from "../src/migrate/mod.ts";

const LATEST = embeddedMigrations().length;
const EXTRA = String(LATEST + 1).padStart(4, "0");

const backupsIn = (dir: string) =>
  [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => /\.bak-\d{8}T\d{6}Z-v\d+$/.test(n))
    .sort();

Deno.test("migrate creates a 0600 database, backs up before each change and keeps the newest three", async () => {
  using dir = tempDir();
  const db = `${dir.path}/sub/p.db`;
  const first = await cli("--db", db, "migrate");
  assert.equal(first.code, 0);
  assert.match(
    first.stdout,
    new RegExp(`Migrated ".*p.db" from version 0 to ${LATEST}:\\n {2}up {3}0001 baseline`),
  );
  assert.equal(Deno.statSync(db).mode! & 0o777, 0o600);
  assert.deepEqual(backupsIn(`${dir.path}/sub`), [], "nothing to back up in a new database");
  for (const target of ["2", String(LATEST), "1", "3"]) {
    assert.equal((await cli("--db", db, "migrate", "--to", target)).code, 0);
    await new Promise((r) => setTimeout(r, 1000)); // backup names carry the second
  }
  const backups = backupsIn(`${dir.path}/sub`);
  assert.equal(backups.length, 3);
  assert.deepEqual(backups.map((b) => b.replace(/.*-v/, "v")), ["v2", `v${LATEST}`, "v1"]);
  const copy = new DatabaseSync(`${dir.path}/sub/${backups[2]}`, { readOnly: true });
  assert.equal(copy.prepare("PRAGMA quick_check").get()!.quick_check, "ok");
  assert.equal(copy.prepare("SELECT max(version) AS v FROM schema_version").get()!.v, 1);
  assert.equal(Deno.statSync(`${dir.path}/sub/${backups[2]}`).mode! & 0o777, 0o600);
  copy.close();
  assert.equal((await cli("--db", db, "migrate", "--no-backup")).code, 0);
  assert.equal(backupsIn(`${dir.path}/sub`).length, 3);
  assert.match(
    (await cli("--db", db, "migrate")).stdout,
    new RegExp(`is up to date at version ${LATEST}`),
  );
});

Deno.test("--dry-run prints the plan with its SQL and changes nothing", async () => {
  using dir = tempDir();
  const db = `${dir.path}/p.db`;
  databaseAt(db, 2).close();
  const before = Deno.readFileSync(db);
  const result = await cli("--db", db, "migrate", "--dry-run", "--to", "4");
  assert.equal(result.code, 0);
  assert.match(
    result.stdout,
    /Plan for ".*" from version 2 to 4:\n {2}up {3}0003 wifi encryption type\n\s+ALTER TABLE wifi_networks ADD COLUMN encryption_type/,
  );
  assert.match(result.stdout, /-- migrate:rebuild wifi_networks\n\s+CREATE TABLE wifi_networks \(/);
  assert.match(result.stdout, /Dry run: nothing was changed\n$/);
  assert.deepEqual(Deno.readFileSync(db), before);
  assert.deepEqual(backupsIn(dir.path), []);
  const none = `${dir.path}/none.db`;
  assert.equal((await cli("--db", none, "migrate", "--dry-run")).code, 0);
  assert.throws(() => Deno.statSync(none), Deno.errors.NotFound);
});

Deno.test("--status lists applied, modified and pending versions", async () => {
  using dir = tempDir();
  const db = `${dir.path}/p.db`;
  databaseAt(db, 3).close();
  const raw = new DatabaseSync(db);
  raw.exec("UPDATE schema_version SET checksum = 'sha256:00' WHERE version = 1");
  raw.close();
  const result = await cli("--db", db, "migrate", "--status");
  assert.equal(result.code, 3);
  const lines = result.stdout.trimEnd().split("\n");
  assert.match(lines[0], new RegExp(`version 3; this binary knows up to ${LATEST}$`));
  assert.match(lines[1], /^ {2}0001 {2}modified {2}baseline \d{4}-\d\d-\d\dT/);
  assert.match(lines[2], /^ {2}0002 {2}applied {3}add wifi vendor \d{4}-/);
  assert.equal(lines[4], "  0004  pending   wifi confidence score");
});

/** A migration source: the embedded files plus one extra version. */
function sourceWith(dir: string, fifth: string): string {
  const path = `${dir}/migrations`;
  Deno.mkdirSync(path);
  for (const f of embeddedMigrationFiles) Deno.writeTextFileSync(`${path}/${f.name}`, f.text);
  Deno.writeTextFileSync(`${path}/${EXTRA}_extra.sql`, fifth);
  return path;
}

Deno.test("a failing migration rolls back the whole run: the data and schema are exactly as before", async () => {
  const failing: [string, string, RegExp][] = [
    [
      "SQL error half-way",
      "-- migrate:up\nALTER TABLE wifi_networks ADD COLUMN a TEXT;\nUPDATE wifi_networks SET a = 'x';\nINSERT INTO no_such_table VALUES (1);\n-- migrate:down\nSELECT 1;\n-- migrate:verify\nSELECT 1;\n",
      new RegExp(
        `^piwardrive: Migration ${EXTRA} \\(extra\\) failed at line 4 \\(INSERT INTO no_such_table VALUES \\(1\\)\\): no such table: no_such_table; nothing was changed: the database is still at version ${LATEST}\\n$`,
      ),
    ],
    [
      "verify part false",
      "-- migrate:up\nCREATE TABLE extra (x);\n-- migrate:down\nDROP TABLE extra;\n-- migrate:verify\nSELECT count(*) = 2 FROM sqlite_master WHERE name = 'extra';\n",
      new RegExp(
        `^piwardrive: Migration ${EXTRA} \\(extra\\) failed verify query at line 6 \\(SELECT count\\(\\*\\) = 2 FROM sqlite_master WHERE name = 'extra'\\) returned 0, expected 1; nothing was changed: the database is still at version ${LATEST}\\n$`,
      ),
    ],
  ];
  for (const [name, sql, message] of failing) {
    using dir = tempDir();
    const db = `${dir.path}/p.db`;
    const setup = databaseAt(db, LATEST);
    fillBaselineRows(setup, 200);
    const schemaBefore = setup.prepare("SELECT type, name, sql FROM sqlite_master ORDER BY name")
      .all();
    const before = logicalDump(setup, [
      "wifi_networks",
      "bluetooth_devices",
      "health_records",
      "configuration",
      "schema_version",
    ]);
    setup.close();
    const result = await cliProcess([
      "--db",
      db,
      "--migrations-dir",
      sourceWith(dir.path, sql),
      "migrate",
    ]);
    assert.equal(result.code, 1, name);
    const lines = result.stderr.split("\n");
    assert.match(lines[0], /^backup written and checked: /, name);
    assert.match(lines.slice(1).join("\n"), message, name);
    const after = new DatabaseSync(db);
    assert.deepEqual(
      after.prepare("SELECT type, name, sql FROM sqlite_master ORDER BY name").all(),
      schemaBefore,
      name,
    );
    assert.deepEqual(logicalDump(after, Object.keys(before)), before, name);
    after.close();
    assert.equal(backupsIn(dir.path).length, 1, `${name}: the backup taken before is kept`);
  }
});

Deno.test("a database without a ledger is adopted when its schema is exactly a known version", async () => {
  using dir = tempDir();
  const db = `${dir.path}/legacy.db`;
  const setup = databaseAt(db, 2);
  fillBaselineRows(setup, 50);
  setup.exec("DROP TABLE schema_version");
  const rows = logicalDump(setup, ["wifi_networks"]);
  setup.close();
  const result = await cli("--db", db, "migrate");
  assert.equal(result.code, 0);
  assert.match(
    result.stdout,
    new RegExp(
      `^Adopted ".*legacy.db" at version 2 \\(schema matched exactly\\)\\nMigrated ".*" from version 2 to ${LATEST}:`,
    ),
  );
  const after = new DatabaseSync(db);
  assert.deepEqual(
    after.prepare("SELECT version, adopted FROM schema_version ORDER BY version").all().map((
      r,
    ) => [r.version, r.adopted]),
    [[1, 1], [2, 1], ...embeddedMigrations().slice(2).map((m) => [m.version, 0])],
  );
  const kept = logicalDump(after, ["wifi_networks"]).wifi_networks.map((r) => {
    const { confidence_score: _c, ...rest } = JSON.parse(r);
    return JSON.stringify(Object.fromEntries(Object.entries(rest).sort()));
  });
  assert.deepEqual(kept, rows.wifi_networks);
  after.close();
  assert.equal((await cli("--db", db, "migrate", "--verify")).code, 0);
});

Deno.test("a ledger-less database that matches no version is refused with the differences", async () => {
  using dir = tempDir();
  const db = `${dir.path}/odd.db`;
  const setup = databaseAt(db, 2);
  setup.exec("DROP TABLE schema_version; ALTER TABLE wifi_networks ADD COLUMN notes TEXT");
  setup.close();
  const before = Deno.readFileSync(db);
  const result = await cli("--db", db, "migrate");
  assert.equal(result.code, 3);
  assert.equal(
    result.stderr,
    'piwardrive: Database has tables but no schema_version ledger, and its schema matches no known version (closest: version 2): table wifi_networks: column "notes" is not expected\n',
  );
  assert.deepEqual(Deno.readFileSync(db), before);
});

Deno.test("a second migrator waits for the lock, bounded, and says who holds it", async () => {
  using dir = tempDir();
  const db = `${dir.path}/p.db`;
  const lock = await acquireMigrationLock(db);
  try {
    const started = Date.now();
    const result = await cliProcess(["--db", db, "migrate", "--lock-wait", "1"]);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      new RegExp(`Another piwardrive \\(pid ${Deno.pid}\\) is migrating ".*p.db"; waited 1 s`),
    );
    assert.ok(Date.now() - started >= 1000);
  } finally {
    lock.release();
  }
  assert.throws(() => Deno.statSync(db), Deno.errors.NotFound, "the loser wrote nothing");
});

/** A database at version 3 with `n` wifi rows, built fast with a recursive CTE. */
function largeDatabase(path: string, n: number): void {
  const db = databaseAt(path, 3);
  fillBaselineRows(db, 20);
  db.exec(`WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ${n})
    INSERT INTO wifi_networks (bssid, ssid, frequency, signal_strength, encryption, channel, first_seen, last_seen, gps_lat, gps_lon, gps_accuracy)
    SELECT printf('02:00:00:%02x:%02x:%02x', i / 65536 % 256, i / 256 % 256, i % 256), 'ssid-' || i, 2412, -40 - i % 50,
      CASE i % 3 WHEN 0 THEN 'WPA2-PSK' WHEN 1 THEN 'WPA3-SAE' ELSE NULL END, 1,
      '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', 52 + i / 1e6, 0.1, 5 FROM k`);
  db.close();
}

const wifiHash = (path: string) => {
  const db = new DatabaseSync(path, { readOnly: true });
  const columns = [
    "id",
    "bssid",
    "ssid",
    "frequency",
    "signal_strength",
    "encryption",
    "channel",
    "first_seen",
    "last_seen",
    "gps_lat",
    "gps_lon",
    "gps_accuracy",
    "created_at",
    "vendor",
  ];
  const hash = db.prepare(
    `SELECT count(*) AS n, sum(length(${columns.join(" || '|' || ")})) AS s FROM wifi_networks`,
  ).get();
  const full = dumpHash(db, []);
  db.close();
  return JSON.stringify({ ...hash, full });
};

Deno.test("two migrate processes at once: exactly one applies, the other waits and finds it done", async () => {
  using dir = tempDir();
  const db = `${dir.path}/p.db`;
  largeDatabase(db, 100_000);
  const [a, b] = await Promise.all([
    cliProcess(["--db", db, "migrate"]),
    cliProcess(["--db", db, "migrate"]),
  ]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  const outputs = [a.stdout, b.stdout].sort();
  assert.match(outputs[0], new RegExp(`^Database ".*" is up to date at version ${LATEST}\\n$`));
  assert.match(outputs[1], new RegExp(`^Migrated ".*" from version 3 to ${LATEST}:`));
  assert.equal(backupsIn(dir.path).length, 1);
  const check = new DatabaseSync(db, { readOnly: true });
  assert.deepEqual(check.prepare("SELECT count(*) AS n FROM schema_version").get()!.n, LATEST);
  check.close();
});

Deno.test("kill -9 during the version 4 rebuild leaves the old or the new version, verified, rows intact", async () => {
  using dir = tempDir();
  const golden = `${dir.path}/golden.db`;
  largeDatabase(golden, 200_000);
  const rowsBefore = wifiHash(golden);
  // How long an uninterrupted run takes, so the kills spread over its whole length.
  const timed = `${dir.path}/timed.db`;
  Deno.copyFileSync(golden, timed);
  const started = performance.now();
  assert.equal((await cliProcess(["--db", timed, "migrate", "--no-backup", "--to", "4"])).code, 0);
  const fullMs = performance.now() - started;
  const seen = new Set<number>();
  const trials = 8;
  for (let trial = 0; trial < trials; trial++) {
    const db = `${dir.path}/t${trial}.db`;
    Deno.copyFileSync(golden, db);
    const child = spawnCli(["--db", db, "migrate", "--no-backup", "--to", "4"]);
    await new Promise((r) => setTimeout(r, fullMs * (0.3 + (0.9 * trial) / trials)));
    try {
      child.kill("SIGKILL");
    } catch { /* already finished */ }
    await child.output();
    const after = new DatabaseSync(db);
    const version = after.prepare("SELECT max(version) AS v FROM schema_version").get()!
      .v as number;
    assert.equal(after.prepare("PRAGMA integrity_check").get()!.integrity_check, "ok");
    after.close();
    assert.ok(version === 3 || version === 4, `trial ${trial}: version ${version}`);
    seen.add(version);
    const verify = await cli("--db", db, "migrate", "--verify", "--json");
    const failed = JSON.parse(verify.stdout).checks.filter((c: { status: string }) =>
      c.status === "fail"
    );
    // Only "pending" may fail: this binary knows later versions than the one asked for.
    assert.deepEqual(failed.map((c: { check: string }) => c.check), ["pending"], verify.stdout);
    assert.match(failed[0].findings[0], new RegExp(`^version 000${version + 1} `));
    assert.equal(wifiHash(db), rowsBefore, `trial ${trial}: rows unchanged`);
  }
  console.log(
    `full run ${Math.round(fullMs)} ms; versions seen after kill -9: ${
      [...seen].sort().join(", ")
    }`,
  );
});
