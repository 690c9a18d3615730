/** `piwardrive migrate lint` as a user and CI run it: exit codes, output lines, files and --json. */
import assert from "node:assert/strict";
import { cli, tempDir } from "./helpers/cli.ts";
import { embeddedMigrationFiles } from "../src/migrate/embedded.ts";

const COUNT = embeddedMigrationFiles.length;
const NEXT_FILE = `${String(COUNT + 1).padStart(4, "0")}_drop_track.sql`;
const SHIPPED = new URL("../migrations/", import.meta.url).pathname.replace(/\/$/, "");

/** A migrations directory: the shipped files and baseline, plus `extra`. */
function migrationsDir(dir: string, extra: Record<string, string> = {}): string {
  const path = `${dir}/migrations`;
  Deno.mkdirSync(path);
  for (const e of Deno.readDirSync(SHIPPED)) {
    Deno.copyFileSync(`${SHIPPED}/${e.name}`, `${path}/${e.name}`);
  }
  for (const [name, text] of Object.entries(extra)) Deno.writeTextFileSync(`${path}/${name}`, text);
  return path;
}

const DROP =
  "-- migrate:up\nDROP TABLE gps_track;\n-- migrate:down\nSELECT 1;\n-- migrate:verify\nSELECT 1;\n";

Deno.test("migrate lint: the embedded migrations are clean (exit 0), two findings accepted by the baseline", async () => {
  const result = await cli("migrate", "lint");
  assert.equal(result.code, 0);
  assert.equal(
    result.stdout,
    `${COUNT} migration file(s) linted: 0 error(s), 0 warning(s), 2 accepted on purpose\n`,
  );
  const json = JSON.parse((await cli("migrate", "lint", "--json")).stdout);
  assert.equal(json.status, "ok");
  assert.equal(json.accepted.length, 2);
});

Deno.test("migrate lint: an error-level finding exits 3 with file, line, code and fix", async () => {
  using dir = tempDir();
  const path = migrationsDir(dir.path, { [NEXT_FILE]: DROP });
  const all = await cli("--migrations-dir", path, "migrate", "lint");
  assert.equal(all.code, 3);
  assert.match(
    all.stdout,
    new RegExp(
      `^${NEXT_FILE}:2: error drop-table: The up part drops table gps_track, which earlier migrations created\\n {4}fix: keep it`,
      "m",
    ),
  );
  assert.match(all.stdout, new RegExp(`${COUNT + 1} migration file\\(s\\) linted: 2 error\\(s\\)`));
  const one = await cli("migrate", "lint", "--json", `${path}/${NEXT_FILE}`);
  assert.equal(one.code, 3);
  const json = JSON.parse(one.stdout);
  assert.equal(json.status, "failed");
  assert.deepEqual(json.files, [NEXT_FILE]);
  assert.deepEqual(json.findings.map((f: { code: string }) => f.code), [
    "drop-table",
    "down-not-inverse",
  ]);
});

Deno.test("migrate lint: a reasoned lint:ignore makes a new file pass", async () => {
  using dir = tempDir();
  const text = DROP.replace(
    "DROP TABLE",
    "-- lint:ignore drop-table the track now lives in gps_fixes\n-- lint:ignore down-not-inverse the dropped track cannot come back\nDROP TABLE",
  );
  const path = migrationsDir(dir.path, { [NEXT_FILE]: text });
  const result = await cli("migrate", "lint", `${path}/${NEXT_FILE}`);
  assert.equal(
    result.stdout,
    "1 migration file(s) linted: 0 error(s), 0 warning(s), 2 accepted on purpose\n",
  );
  assert.equal(result.code, 0);
});

Deno.test("migrate lint: an edited released file exits 3; bad paths exit 2", async () => {
  using dir = tempDir();
  const path = migrationsDir(dir.path);
  const file = `${path}/0008_gps_track.sql`;
  Deno.writeTextFileSync(file, Deno.readTextFileSync(file).replace("every fix", "each fix"));
  const edited = await cli("--migrations-dir", path, "migrate", "lint");
  assert.equal(edited.code, 3);
  assert.match(
    edited.stdout,
    /^0008_gps_track\.sql:1: error released-edited: The released migration was edited/m,
  );
  const missing = await cli("migrate", "lint", `${dir.path}/0011_none.sql`);
  assert.equal(missing.code, 2);
  assert.equal(
    missing.stderr,
    `piwardrive: Cannot lint "${dir.path}/0011_none.sql": no such file\n`,
  );
  const notSql = await cli("migrate", "lint", `${dir.path}/notes.txt`);
  assert.equal(notSql.code, 2);
});
