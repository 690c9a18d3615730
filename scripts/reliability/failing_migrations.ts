/**
 * Failing migrations: an SQL error half-way, a verify query that is false, and a full disk (a
 * small tmpfs). Each time the database must stay logically identical to before (compared as a
 * dump), the error is one line naming the version, and the exit code is non-zero.
 */
import { DatabaseSync } from "node:sqlite";
import { embeddedMigrationFiles } from "../../src/migrate/embedded.ts";
import { cliProcess, tempDir } from "../../tests/helpers/cli.ts";
import { databaseAt, fillBaselineRows, logicalDump } from "../../tests/helpers/db.ts";
import { type ScenarioResult, Tally } from "./harness.ts";

const LATEST = embeddedMigrationFiles.length;
const EXTRA = String(LATEST + 1).padStart(4, "0");

const BROKEN: [string, string][] = [
  [
    "SQL error half-way",
    "-- migrate:up\nALTER TABLE wifi_networks ADD COLUMN a TEXT;\nUPDATE wifi_networks SET a = 'x';\nINSERT INTO no_such_table VALUES (1);\n-- migrate:down\nSELECT 1;\n-- migrate:verify\nSELECT 1;\n",
  ],
  [
    "verify part false",
    "-- migrate:up\nCREATE TABLE extra (x);\nINSERT INTO extra SELECT id FROM wifi_networks;\n-- migrate:down\nDROP TABLE extra;\n-- migrate:verify\nSELECT count(*) = 0 FROM extra;\n",
  ],
];

/** The whole database as data and schema text, for "logically identical" comparisons. */
function snapshot(path: string): string {
  const db = new DatabaseSync(path, { readOnly: true });
  const schema = db.prepare("SELECT type, name, sql FROM sqlite_master ORDER BY type, name").all();
  const tables = (db.prepare(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
  ).all() as { name: string }[]).map((t) => t.name);
  const text = JSON.stringify({ schema, data: logicalDump(db, tables) });
  db.close();
  return text;
}

function checkFailure(
  tally: Tally,
  name: string,
  result: { code: number; stderr: string },
  before: string,
  path: string,
  version: RegExp,
): void {
  if (result.code === 0) tally.fail(`${name}: exit 0`);
  const last = result.stderr.trimEnd().split("\n").at(-1) ?? "";
  if (!version.test(last)) tally.fail(`${name}: the error does not name the version: ${last}`);
  if (snapshot(path) !== before) tally.fail(`${name}: the database changed`);
}

export async function failingMigrations(): Promise<ScenarioResult> {
  const tally = new Tally("failing migrations");
  for (const [name, sql] of BROKEN) {
    tally.trial();
    using dir = tempDir();
    const path = `${dir.path}/p.db`;
    const setup = databaseAt(path, LATEST);
    fillBaselineRows(setup, 500);
    setup.close();
    const source = `${dir.path}/migrations`;
    Deno.mkdirSync(source);
    for (const f of embeddedMigrationFiles) Deno.writeTextFileSync(`${source}/${f.name}`, f.text);
    Deno.writeTextFileSync(`${source}/${EXTRA}_extra.sql`, sql);
    const before = snapshot(path);
    const result = await cliProcess(["--db", path, "--migrations-dir", source, "migrate"]);
    checkFailure(
      tally,
      name,
      result,
      before,
      path,
      new RegExp(`Migration ${EXTRA} \\(extra\\) failed`),
    );
  }
  await diskFull(tally);
  return tally.result;
}

/**
 * A database on a tmpfs sized to hold it with 40 % to spare: enough to open and read it, not
 * enough for the version-4 rebuild, which writes a second copy of the table.
 */
async function diskFull(tally: Tally): Promise<void> {
  using dir = tempDir();
  const staging = `${dir.path}/staging.db`;
  const db = databaseAt(staging, 3);
  db.exec(`WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 10000)
    INSERT INTO wifi_networks (bssid, ssid, encryption)
    SELECT printf('02:00:00:00:%02x:%02x', i / 256 % 256, i % 256), 'ssid-' || i || '-' || hex(zeroblob(40)), 'WPA2-PSK' FROM k`);
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  db.close();
  const sizeKiB = Math.ceil((Deno.statSync(staging).size * 1.4) / 1024) + 64;
  const mount = `${dir.path}/tiny`;
  Deno.mkdirSync(mount);
  const mounted = await new Deno.Command("mount", {
    args: ["-t", "tmpfs", "-o", `size=${sizeKiB}k`, "tmpfs", mount],
    stderr: "piped",
  }).output().catch(() => null);
  if (!mounted?.success) {
    const why = mounted ? new TextDecoder().decode(mounted.stderr).trim() : "mount not found";
    if (Deno.env.get("CI") === "true") tally.fail(`disk full: cannot mount a tmpfs: ${why}`);
    else tally.note(`disk full: skipped (cannot mount a tmpfs: ${why})`);
    return;
  }
  try {
    tally.trial();
    const path = `${mount}/p.db`;
    Deno.copyFileSync(staging, path);
    const before = snapshot(path);
    const refused = await cliProcess(["--db", path, "migrate", "--to", "4"]);
    checkFailure(
      tally,
      "disk full (backup)",
      refused,
      before,
      path,
      /Not enough free disk space for a backup/,
    );
    const full = await cliProcess(["--db", path, "migrate", "--to", "4", "--no-backup"]);
    checkFailure(tally, "disk full (rebuild)", full, before, path, /Migration 0004 .*disk is full/);
  } finally {
    await new Deno.Command("umount", { args: ["-l", mount] }).output();
  }
}
