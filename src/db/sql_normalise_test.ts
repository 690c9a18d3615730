import assert from "node:assert/strict";
import { describeSqlDifference, normaliseSql, sqlTokens } from "./sql_normalise.ts";

Deno.test("whitespace, comments, identifier quoting and keyword case do not count", () => {
  const canonical = "CREATE TABLE t(a INTEGER NOT NULL CHECK (a BETWEEN -120 AND 0), b TEXT)";
  for (
    const sql of [
      "CREATE TABLE t (a INTEGER NOT NULL CHECK (a BETWEEN -120 AND 0), b TEXT)",
      'create table "T"(\n  "a" integer not null check(a between - 120 and 0), -- why\n  b text\n)',
      "CREATE TABLE `t` ([A] Integer NOT NULL /* c */ CHECK (a BETWEEN -120 AND 0),b TEXT)",
    ]
  ) assert.equal(normaliseSql(sql), canonical, sql);
});

Deno.test("string literals keep their case and quotes; names keep quotes only when they need them", () => {
  assert.equal(
    normaliseSql(`CREATE TABLE t (e TEXT DEFAULT 'WEP', "the Key" INT, "key" INT, [it's])`),
    `CREATE TABLE t(e TEXT DEFAULT 'WEP', "the key" INT, KEY INT, "it's")`,
  );
  assert.notEqual(normaliseSql("SELECT 'WEP'"), normaliseSql("SELECT 'wep'"));
  assert.equal(
    normaliseSql('CREATE INDEX i ON c("key")'),
    normaliseSql("CREATE INDEX i ON c(key)"),
  );
  assert.equal(normaliseSql("SELECT 'a''b', x'0aFF', 1E5"), "SELECT 'a''b', X'0AFF', 1e5");
});

Deno.test("two spellings of one operator are one; different operators are not", () => {
  assert.equal(normaliseSql("SELECT a==b, a<>b"), normaliseSql("SELECT a = b, a != b"));
  assert.notEqual(normaliseSql("SELECT a <= b"), normaliseSql("SELECT a < b"));
  assert.deepEqual(sqlTokens("a->>'$.x' || ?1").map((t) => t.text), [
    "a",
    "->>",
    "'$.x'",
    "||",
    "?1",
  ]);
});

Deno.test("anything beyond lexical differences is a difference", () => {
  for (
    const [a, b] of [
      ["CREATE TABLE t (a TEXT)", "CREATE TABLE t (a TEXT COLLATE NOCASE)"],
      ["CREATE TABLE t (a TEXT NOT NULL UNIQUE)", "CREATE TABLE t (a TEXT UNIQUE NOT NULL)"],
      ["CREATE TABLE t (a INT DEFAULT 0)", "CREATE TABLE t (a INT DEFAULT (0))"],
      ["CREATE TABLE t (a INT)", "CREATE TABLE t (a INT) STRICT"],
    ]
  ) assert.notEqual(normaliseSql(a), normaliseSql(b), `${a} / ${b}`);
});

Deno.test("a difference is shown as the clauses that differ, not the whole statement", () => {
  assert.equal(
    describeSqlDifference(
      "CREATE TABLE s (id INTEGER PRIMARY KEY, signal_dbm REAL CHECK (signal_dbm BETWEEN -120 AND 0), x)",
      "CREATE TABLE s (id INTEGER PRIMARY KEY, signal_dbm REAL, x)",
    ),
    'expected "signal_dbm REAL CHECK (signal_dbm BETWEEN -120 AND 0)", found "signal_dbm REAL"',
  );
  assert.equal(
    describeSqlDifference("CREATE TABLE g (a, CHECK (a > 0))", "CREATE TABLE g (a)"),
    'expected "CHECK (a > 0)", found nothing',
  );
  assert.equal(
    describeSqlDifference("CREATE TABLE g (a)", "CREATE TABLE g (a) WITHOUT ROWID"),
    'expected nothing, found "WITHOUT ROWID"',
  );
  assert.equal(
    describeSqlDifference(
      "CREATE INDEX i ON t(a) WHERE a > 0",
      "CREATE INDEX i ON t(a) WHERE a > 1",
    ),
    'expected "WHERE a > 0", found "WHERE a > 1"',
  );
  assert.equal(describeSqlDifference("CREATE TABLE t (a)", 'create table "t"( A )'), null);
  assert.equal(
    describeSqlDifference(
      `CREATE TABLE w (a, e AS (CASE WHEN x IS NULL THEN NULL WHEN instr(upper(x), 'WPA') > 0 THEN 'WPA' WHEN instr(upper(x), 'WEP') > 0 THEN 'WEP' ELSE 'Open' END) VIRTUAL)`,
      `CREATE TABLE w (a, e AS (CASE WHEN x IS NULL THEN NULL WHEN instr(upper(x), 'WPA') > 0 THEN 'WPA' WHEN instr(upper(x), 'WEP') > 0 THEN 'WEP' ELSE 'None' END) VIRTUAL)`,
    ),
    `expected "…instr(upper(x), 'WEP') > 0 THEN 'WEP' ELSE 'Open' END) VIRTUAL", found "…instr(upper(x), 'WEP') > 0 THEN 'WEP' ELSE 'None' END) VIRTUAL"`,
  );
  const long = `CREATE TABLE t (a CHECK (a IN (${"1, ".repeat(200)}2)))`;
  const shown = describeSqlDifference(long, "CREATE TABLE t (a)")!;
  assert.equal(shown.length, 'expected "", found "a"'.length + 240);
  assert.match(shown, /…", found "a"$/);
});
