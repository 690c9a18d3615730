import assert from "node:assert/strict";
import { splitSql } from "./sql_split.ts";

Deno.test("splitSql splits on semicolons and keeps line numbers", () => {
  assert.deepEqual(splitSql("CREATE TABLE t(x);\n\nINSERT INTO t VALUES (1);\n"), [
    { sql: "CREATE TABLE t(x)", line: 1 },
    { sql: "INSERT INTO t VALUES (1)", line: 3 },
  ]);
});

Deno.test("splitSql ignores semicolons in strings, identifiers and comments", () => {
  const script = [
    "INSERT INTO t VALUES ('a;b', 'it''s; ok');",
    'SELECT "we;ird" FROM [br;acket] -- trailing; comment',
    "/* block; comment */ ;",
    "SELECT `x;y`;",
  ].join("\n");
  assert.deepEqual(splitSql(script).map((s) => s.line), [1, 2, 4]);
  assert.equal(splitSql(script)[0].sql, "INSERT INTO t VALUES ('a;b', 'it''s; ok')");
  assert.equal(
    splitSql(script)[1].sql,
    'SELECT "we;ird" FROM [br;acket] -- trailing; comment\n/* block; comment */',
  );
});

Deno.test("splitSql keeps a trigger body, CASE … END included, as one statement", () => {
  const script = `CREATE TRIGGER trg AFTER INSERT ON t BEGIN
  UPDATE t SET y = CASE WHEN new.x > 0 THEN 1 ELSE 0 END WHERE rowid = new.rowid;
  DELETE FROM u;
END;
CREATE TEMP TRIGGER t2 AFTER DELETE ON t BEGIN SELECT 1; END;
SELECT 2;`;
  const parts = splitSql(script);
  assert.equal(parts.length, 3);
  assert.ok(parts[0].sql.endsWith("END"));
  assert.ok(parts[1].sql.startsWith("CREATE TEMP TRIGGER"));
  assert.deepEqual(parts[2], { sql: "SELECT 2", line: 6 });
});

Deno.test("splitSql drops comment-only tails and keeps leading comments with their statement", () => {
  assert.deepEqual(splitSql("-- lead\nSELECT 1;\n-- tail only\n"), [
    { sql: "-- lead\nSELECT 1", line: 2 },
  ]);
  assert.deepEqual(splitSql("  \n-- nothing\n"), []);
});

Deno.test("splitSql survives unterminated quotes and comments", () => {
  assert.deepEqual(splitSql("SELECT 'open"), [{ sql: "SELECT 'open", line: 1 }]);
  assert.deepEqual(splitSql("SELECT 1 /* open"), [{ sql: "SELECT 1 /* open", line: 1 }]);
});
