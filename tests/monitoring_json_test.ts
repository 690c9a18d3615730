/** The alerting objects: `db check --json` and `migrate --verify --json` carry status and findings. */
import assert from "node:assert/strict";
import { cli, tempDir } from "./helpers/cli.ts";
import { databaseAt } from "./helpers/db.ts";
import { embeddedMigrations } from "../src/migrate/mod.ts";

const LATEST = embeddedMigrations().length;

Deno.test("db check --json and migrate --verify --json: status ok, no findings, the old fields kept", async () => {
  using dir = tempDir();
  const path = `${dir.path}/p.db`;
  databaseAt(path, LATEST).close();
  const check = await cli("--db", path, "db", "check", "--json");
  assert.equal(check.code, 0);
  const c = JSON.parse(check.stdout);
  assert.deepEqual(Object.keys(c), [
    "status",
    "findings",
    "database",
    "ok",
    "integrity",
    "foreignKeys",
    "verify",
  ]);
  assert.deepEqual([c.status, c.findings, c.ok], ["ok", [], true]);
  const verify = await cli("--db", path, "migrate", "--verify", "--json");
  assert.equal(verify.code, 0);
  const v = JSON.parse(verify.stdout);
  assert.deepEqual([v.status, v.findings, v.ok, v.latestVersion], ["ok", [], true, LATEST]);
  assert.equal(v.checks.length, 9);
});

Deno.test("drift: status failed, each finding named by its check, exit 3", async () => {
  using dir = tempDir();
  const path = `${dir.path}/p.db`;
  const db = databaseAt(path, LATEST);
  db.exec("CREATE INDEX by_hand ON gps_track(mode)");
  db.close();
  for (const args of [["db", "check", "--json"], ["migrate", "--verify", "--json"]]) {
    const result = await cli("--db", path, ...args);
    assert.equal(result.code, 3, args.join(" "));
    const out = JSON.parse(result.stdout);
    assert.equal(out.status, "failed");
    assert.deepEqual(out.findings.map((f: { check: string }) => f.check), ["schema"]);
    assert.match(out.findings[0].message, /by_hand/);
  }
});

Deno.test("db check --json: a foreign-key violation is a foreign_key_check finding", async () => {
  using dir = tempDir();
  const path = `${dir.path}/p.db`;
  const db = databaseAt(path, LATEST);
  db.exec("PRAGMA foreign_keys = OFF");
  db.exec(
    "INSERT INTO wifi_sightings (network_id, seen_at) VALUES (999, '2026-01-01T00:00:00Z')",
  );
  db.close();
  const result = await cli("--db", path, "db", "check", "--json");
  assert.equal(result.code, 3);
  const out = JSON.parse(result.stdout);
  assert.equal(out.status, "failed");
  assert.deepEqual(out.findings[0], {
    check: "foreign_key_check",
    message: "table wifi_sightings rowid 1 references a missing row in wifi_networks",
  });
});
