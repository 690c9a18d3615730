import assert from "node:assert/strict";
import { loadMigrations, parseMigrationFile } from "./parse.ts";

const body = (up = "CREATE TABLE t(x);") =>
  `-- header\n-- migrate:up\n${up}\n-- migrate:down\nDROP TABLE t;\n-- migrate:verify\nSELECT 1;\n`;

Deno.test("parseMigrationFile reads version, description, sections and line numbers", () => {
  const m = parseMigrationFile(
    "0007_add_thing.sql",
    body("CREATE TABLE t(x);\nCREATE INDEX i ON t(x);"),
  );
  assert.equal(m.version, 7);
  assert.equal(m.description, "add thing");
  assert.deepEqual(m.up, [
    { kind: "sql", sql: "CREATE TABLE t(x)", line: 3 },
    { kind: "sql", sql: "CREATE INDEX i ON t(x)", line: 4 },
  ]);
  assert.deepEqual(m.down, [{ kind: "sql", sql: "DROP TABLE t", line: 6 }]);
  assert.deepEqual(m.verify, [{ sql: "SELECT 1", line: 8 }]);
  assert.match(m.checksum, /^sha256:[0-9a-f]{64}$/);
});

Deno.test("parseMigrationFile reads a rebuild step", () => {
  const m = parseMigrationFile(
    "0002_rebuild.sql",
    body("-- migrate:rebuild t\nCREATE TABLE t (x, y DEFAULT 0);"),
  );
  assert.deepEqual(m.up, [
    { kind: "rebuild", table: "t", createSql: "CREATE TABLE t (x, y DEFAULT 0)", line: 4 },
  ]);
});

Deno.test("parseMigrationFile rejects bad files with a message naming the file", () => {
  const cases: [string, string, string][] = [
    [
      "1_x.sql",
      body(),
      'Cannot parse migration file "1_x.sql": the name must be "NNNN_description.sql"',
    ],
    ["0001_Bad-Name.sql", body(), "the name must be"],
    ["0000_zero.sql", body(), "versions start at 0001"],
    [
      "0001_x.sql",
      "-- migrate:up\nSELECT 1;\n-- migrate:verify\nSELECT 1;\n",
      '"-- migrate:verify" must come after "-- migrate:down"',
    ],
    [
      "0001_x.sql",
      "-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 1;\n",
      'missing "-- migrate:verify" section',
    ],
    [
      "0001_x.sql",
      body().replace("DROP TABLE t;", "-- nothing"),
      'the "-- migrate:down" section is empty',
    ],
    ["0001_x.sql", "SELECT 1;\n" + body(), 'line 1: SQL before "-- migrate:up"'],
    ["0001_x.sql", body() + "-- migrate:up\n", 'duplicate "-- migrate:up" section'],
    ["0001_x.sql", body() + "-- migrate:sideways\n", 'unknown directive "-- migrate:sideways"'],
    [
      "0001_x.sql",
      body("-- migrate:rebuild t\nCREATE TABLE u (x);"),
      '"-- migrate:rebuild t" must be followed by "CREATE TABLE t (…)"',
    ],
  ];
  for (const [name, text, message] of cases) {
    assert.throws(() => parseMigrationFile(name, text), (e: Error) => {
      assert.ok(e.message.includes(message), `${e.message} should include ${message}`);
      assert.ok(e.message.startsWith(`Cannot parse migration file "${name}": `));
      return true;
    });
  }
});

Deno.test("loadMigrations sorts and requires 1, 2, 3… without gaps or duplicates", () => {
  const files = [
    { name: "0002_b.sql", text: body() },
    { name: "0001_a.sql", text: body() },
  ];
  assert.deepEqual(loadMigrations(files).map((m) => m.version), [1, 2]);
  assert.throws(
    () =>
      loadMigrations([{ name: "0001_a.sql", text: body() }, { name: "0003_c.sql", text: body() }]),
    /"0003_c.sql": versions must run 1, 2, 3… without gaps: version 2 is missing/,
  );
  assert.throws(
    () =>
      loadMigrations([{ name: "0001_a.sql", text: body() }, { name: "0001_b.sql", text: body() }]),
    /version 1 is used by two files/,
  );
});
