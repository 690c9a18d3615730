/** collect runs the read-only checks of `migrate --verify` at start: warn and go on, or --strict. */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { cli, tempDir } from "./helpers/cli.ts";
import { databaseAt } from "./helpers/db.ts";
import { embeddedMigrations } from "../src/migrate/mod.ts";

const LATEST = embeddedMigrations().length;
const count = (path: string) => {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return (db.prepare("SELECT count(*) AS n FROM wifi_networks").get() as { n: number }).n;
  } finally {
    db.close();
  }
};

function driftedDatabase(dir: string): string {
  const path = `${dir}/c.db`;
  const db = databaseAt(path, LATEST);
  db.exec("CREATE INDEX by_hand ON gps_track(mode)");
  db.close();
  return path;
}

Deno.test("collect on a drifted database: one warning line, then it collects", async () => {
  using dir = tempDir();
  const path = driftedDatabase(dir.path);
  const result = await cli("--db", path, "collect", "--demo");
  assert.equal(result.code, 0);
  assert.equal(
    result.stderr.split("\n")[0],
    'warning: migrate --verify found problems (schema: index "by_hand" is not expected); collect goes on',
  );
  assert.ok(count(path) > 0);
  const json = await cli("--db", path, "collect", "--demo", "--json");
  const first = JSON.parse(json.stdout.split("\n")[0]);
  assert.deepEqual(first, {
    event: "verify",
    status: "failed",
    findings: [{ check: "schema", message: 'index "by_hand" is not expected' }],
  });
});

Deno.test("collect --strict refuses a drifted database (exit 3, one line) and a sound one starts", async () => {
  using dir = tempDir();
  const path = driftedDatabase(dir.path);
  const strict = await cli("--db", path, "collect", "--demo", "--strict");
  assert.equal(strict.code, 3);
  assert.equal(
    strict.stderr,
    `piwardrive: Database "${path}" fails migrate --verify (schema: index "by_hand" is not expected); ` +
      "run `piwardrive migrate --verify` for details, or drop --strict\n",
  );
  assert.equal(count(path), 0);
  const sound = `${dir.path}/sound.db`;
  const ok = await cli("--db", sound, "collect", "--demo", "--strict", "--quiet");
  assert.equal(ok.code, 0);
  assert.equal(ok.stderr, "");
});
