/**
 * `piwardrive migrate` as a user runs it: backups, dry runs, status, adoption, the lock. Failing
 * migrations, concurrent migrators and kill -9 are reliability scenarios (tests/reliability_test.ts).
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { acquireMigrationLock } from "../src/db/lock.ts";
import { cli, cliProcess, tempDir } from "./helpers/cli.ts";
import { databaseAt, fillBaselineRows, logicalDump } from "./helpers/db.ts";
import { embeddedMigrations } from "../src/migrate/mod.ts";
import { embeddedMigrationFiles } from "../src/migrate/embedded.ts";

const LATEST = embeddedMigrations().length;
/** The file number of a migration added after the embedded ones. */
const NEXT = String(LATEST + 1).padStart(4, "0");

const backupsIn = (dir: string) =>
  [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) =>
    /\.bak-\d{8}T\d{6}\.\d{3}Z-v\d+$/.test(n)
  ).sort();

Deno.test("migrate creates a 0600 database, backs up before each change (back to back, no collision) and keeps the newest three", async () => {
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
    // Back to back, as a script runs them: each backup gets a name of its own.
    const result = await cli("--db", db, "migrate", "--to", target);
    assert.equal(result.code, 0, result.stderr);
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
      new RegExp(
        `Another piwardrive \\(pid ${Deno.pid}, migrating or maintaining\\) is using ".*p.db"; waited 1 s`,
      ),
    );
    assert.ok(Date.now() - started >= 1000);
  } finally {
    lock.release();
  }
  assert.throws(() => Deno.statSync(db), Deno.errors.NotFound, "the loser wrote nothing");
});

Deno.test("--dry-run on a ledger-less database plans from the version it would be adopted at", async () => {
  using dir = tempDir();
  const db = `${dir.path}/legacy.db`;
  const setup = databaseAt(db, 2);
  setup.exec("DROP TABLE schema_version");
  setup.close();
  const before = Deno.readFileSync(db);
  const result = await cli("--db", db, "migrate", "--dry-run", "--json");
  assert.equal(result.code, 0, result.stderr);
  const plan = JSON.parse(result.stdout);
  assert.equal(plan.adoptedVersion, 2);
  assert.equal(plan.fromVersion, 2);
  assert.deepEqual(
    plan.steps.map((s: { version: number }) => s.version),
    embeddedMigrations().slice(2).map((m) => m.version),
  );
  assert.deepEqual(Deno.readFileSync(db), before);
});

Deno.test("--status and --verify refuse --to and the flags of a run, in one line", async () => {
  using dir = tempDir();
  const db = `${dir.path}/p.db`;
  databaseAt(db, 3).close();
  const cases: [string[], string][] = [
    [["--verify", "--to", "3"], "Cannot use --to with --verify"],
    [["--status", "--to", "3"], "Cannot use --to with --status"],
    [["--status", "--allow-data-loss"], "Cannot use --allow-data-loss with --status"],
    [
      ["--verify", "--no-backup", "--lock-wait", "5"],
      "Cannot use --no-backup and --lock-wait with --verify",
    ],
  ];
  for (const [args, text] of cases) {
    const result = await cli("--db", db, "migrate", ...args);
    assert.equal(result.code, 2, args.join(" "));
    assert.equal(
      result.stderr,
      `piwardrive: ${text}: it reads the database at the version it has\n`,
    );
    assert.equal(result.stdout, "");
  }
  // A dry run previews a run, so it takes the run's flags.
  const dry = await cli("--db", db, "migrate", "--dry-run", "--to", "2", "--no-backup");
  assert.equal(dry.code, 0, dry.stderr);
});

Deno.test("a failing migration says so in one line: up failed, down could not be rolled back", async () => {
  using dir = tempDir();
  const source = `${dir.path}/migrations`;
  Deno.mkdirSync(source);
  for (const m of embeddedMigrationFiles) Deno.writeTextFileSync(`${source}/${m.name}`, m.text);
  Deno.writeTextFileSync(
    `${source}/${NEXT}_extra.sql`,
    "-- migrate:up\nCREATE TABLE extra (a);\nINSERT INTO nowhere VALUES (1);\n" +
      "-- migrate:down\nDROP TABLE extra;\n-- migrate:verify\nSELECT 1;\n",
  );
  const db = `${dir.path}/p.db`;
  databaseAt(db, LATEST).close();
  const up = await cli("--db", db, "--migrations-dir", source, "migrate", "--no-backup");
  assert.equal(up.code, 1);
  assert.equal(
    up.stderr,
    `piwardrive: Migration ${NEXT} (extra) failed: at line 3 (INSERT INTO nowhere VALUES (1)): no such table: nowhere; nothing was changed: the database is still at version ${LATEST}\n`,
  );

  // A drifted database: the index version 2 added was dropped by hand.
  const drifted = `${dir.path}/drifted.db`;
  const setup = databaseAt(drifted, 2);
  setup.exec("DROP INDEX idx_wifi_vendor");
  setup.close();
  const before = Deno.readFileSync(drifted);
  const down = await cli("--db", drifted, "migrate", "--to", "1", "--no-backup");
  assert.equal(down.code, 1);
  assert.equal(
    down.stderr,
    "piwardrive: Migration 0002 (add wifi vendor) could not be rolled back: at line 8 (DROP INDEX idx_wifi_vendor): no such index: idx_wifi_vendor; nothing was changed: the database is still at version 2\n",
  );
  assert.deepEqual(Deno.readFileSync(drifted), before);
});
