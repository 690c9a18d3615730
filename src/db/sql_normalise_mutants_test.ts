/**
 * The normaliser's spacing and quoting rules, one case per rule that `deno task mutants`
 * (target `normalise`) showed no other test held: each expected text is written out by hand.
 */
import assert from "node:assert/strict";
import { normaliseSql, sqlTokens } from "./sql_normalise.ts";

Deno.test("a semicolon sticks to the statement it ends (trigger bodies)", () => {
  assert.equal(
    normaliseSql("CREATE TRIGGER g AFTER INSERT ON t BEGIN\n  UPDATE t SET a = 1 ;\nEND"),
    "CREATE TRIGGER g AFTER INSERT ON t BEGIN UPDATE t SET a = 1; END",
  );
});

Deno.test("a sign sticks to its operand; a binary minus or plus keeps its spaces", () => {
  assert.equal(
    normaliseSql("CREATE TABLE t (a INT DEFAULT + 5, b INT DEFAULT - 5)"),
    "CREATE TABLE t(a INT DEFAULT +5, b INT DEFAULT -5)",
  );
  assert.equal(normaliseSql("SELECT - 1, + 2"), "SELECT -1, +2");
  assert.equal(
    normaliseSql("CHECK (a-1 > 0 AND a>-1 AND a * - 2 < 0 AND (a)-1 > 0 AND b+2 > 0)"),
    "CHECK (a - 1 > 0 AND a > -1 AND a * -2 < 0 AND (a) - 1 > 0 AND b + 2 > 0)",
  );
  // Two statements that differ only in where the spaces around a minus are stay equal.
  assert.equal(normaliseSql("CHECK (a -1 > 0)"), normaliseSql("CHECK (a - 1 > 0)"));
});

Deno.test("a name that needs quotes is still a name: a parenthesis after it sticks", () => {
  assert.equal(normaliseSql('CREATE TABLE "the T" (a)'), 'CREATE TABLE "the t"(a)');
  assert.equal(normaliseSql('SELECT "my f" (x)'), 'SELECT "my f"(x)');
});

Deno.test("a double quote inside a name is doubled in the canonical quotes", () => {
  assert.equal(normaliseSql('CREATE TABLE [a"b] (x)'), 'CREATE TABLE "a""b"(x)');
  assert.equal(normaliseSql('CREATE TABLE "a""b" (x)'), 'CREATE TABLE "a""b"(x)');
  assert.notEqual(normaliseSql('CREATE TABLE [a"b] (x)'), normaliseSql("CREATE TABLE [ab] (x)"));
});

Deno.test("brackets have no escape: the first ] closes the name", () => {
  assert.deepEqual(sqlTokens("[a]], b").map((t) => [t.kind, t.text]), [
    ["identifier", "a"],
    ["operator", "]"],
    ["operator", ","],
    ["identifier", "b"],
  ]);
});
