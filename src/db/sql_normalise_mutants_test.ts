/**
 * The normaliser's spacing and quoting rules, one case per rule that `deno task mutants`
 * (target `normalise`) showed no other test held: each expected text is written out by hand.
 */
import assert from "node:assert/strict";
import { describeSqlDifference, normaliseSql, sqlTokens } from "./sql_normalise.ts";

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

/** `from, from + 1, … to - 1`, as a list in SQL. */
function numbers(from: number, to: number): string {
  return Array.from({ length: to - from }, (_, k) => String(from + k)).join(", ");
}

Deno.test("a difference names every differing clause, and a repeated clause once", () => {
  assert.equal(
    describeSqlDifference("CREATE TABLE t (a, b)", "CREATE TABLE t (c, d)"),
    'expected "a, b", found "c, d"',
  );
  assert.equal(
    describeSqlDifference("CREATE TABLE t (ab)", "CREATE TABLE t (a, b)"),
    'expected "ab", found "a, b"',
  );
  assert.equal(
    describeSqlDifference("CREATE TABLE t (x, a, a)", "CREATE TABLE t (x, a)"),
    'expected "a", found nothing',
  );
  assert.equal(
    describeSqlDifference("CREATE TABLE t (a, x)", "CREATE TABLE t (a, a, x)"),
    'expected nothing, found "a"',
  );
  assert.equal(
    describeSqlDifference("CREATE TABLE t (a) WITHOUT ROWID", "CREATE TABLE t (a, b)"),
    'expected "WITHOUT ROWID", found "b"',
  );
});

Deno.test("a trigger's head ends at BEGIN only outside parentheses", () => {
  assert.equal(
    describeSqlDifference(
      "CREATE TRIGGER g AFTER INSERT ON t BEGIN UPDATE t SET a = 1; UPDATE t SET b = 2; END",
      "CREATE TRIGGER g AFTER INSERT ON t BEGIN UPDATE t SET a = 2; UPDATE t SET b = 2; END",
    ),
    'expected "UPDATE t SET a = 1", found "UPDATE t SET a = 2"',
  );
  assert.equal(
    describeSqlDifference('CREATE TABLE t ("begin" INT, a)', 'CREATE TABLE t ("begin" TEXT, a)'),
    'expected "BEGIN INT", found "BEGIN TEXT"',
  );
});

Deno.test("a long clause changed inside is shown with 40 characters of context each side", () => {
  assert.equal(
    describeSqlDifference(
      `CREATE TABLE t (a CHECK (a IN (${numbers(100, 130)})))`,
      `CREATE TABLE t (a CHECK (a IN (${numbers(100, 115)}, 999, ${numbers(116, 130)})))`,
    ),
    `expected "…107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123,…", found "…107, 108, 109, 110, 111, 112, 113, 114, 999, 116, 117, 118, 119, 120, 121, 122, 123,…"`,
  );
  // Shortened: the shared head is cut, nothing is shared at the end.
  assert.equal(
    describeSqlDifference(
      `CREATE TABLE t (a CHECK (a IN (${numbers(100, 130)})))`,
      `CREATE TABLE t (a CHECK (a IN (${numbers(100, 115)})))`,
    ),
    `expected "…106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 126, 127, 128, 129))", found "…106, 107, 108, 109, 110, 111, 112, 113, 114))"`,
  );
  // Lengthened by repeating its own end: what is shared at the end is not counted twice.
  const s = `b CHECK (b IN (${numbers(200, 215)}))`;
  assert.equal(
    describeSqlDifference(
      `CREATE TABLE t (a CHECK (a IN (${numbers(100, 112)})) ${s})`,
      `CREATE TABLE t (a CHECK (a IN (${numbers(100, 112)})) ${s} ${s})`,
    ),
    `expected "…207, 208, 209, 210, 211, 212, 213, 214))", found "…207, 208, 209, 210, 211, 212, 213, 214)) ${s}"`,
  );
});

Deno.test("a clause shortened by its own repeated end is cut the same way as one lengthened", () => {
  const s = `b CHECK (b IN (${numbers(200, 215)}))`;
  assert.equal(
    describeSqlDifference(
      `CREATE TABLE t (a CHECK (a IN (${numbers(100, 112)})) ${s} ${s})`,
      `CREATE TABLE t (a CHECK (a IN (${numbers(100, 112)})) ${s})`,
    ),
    `expected "…207, 208, 209, 210, 211, 212, 213, 214)) ${s}", found "…207, 208, 209, 210, 211, 212, 213, 214))"`,
  );
});

Deno.test("clauses of up to 120 characters are shown whole, and up to 240 uncut", () => {
  const w1 = "c".repeat(60);
  const a = `${w1} ${"d".repeat(40)}${"e".repeat(19)}`;
  const b = `${w1} ${"d".repeat(40)}${"f".repeat(19)}`;
  assert.equal(a.length, 120);
  assert.equal(
    describeSqlDifference(`CREATE TABLE t (${a})`, `CREATE TABLE t (${b})`),
    `expected "${a}", found "${b}"`,
  );
  const long = "g".repeat(240);
  assert.equal(
    describeSqlDifference("CREATE TABLE t (a)", `CREATE TABLE t (a, ${long})`),
    `expected nothing, found "${long}"`,
  );
  assert.equal(
    describeSqlDifference("CREATE TABLE t (a)", `CREATE TABLE t (a, ${long}g)`),
    `expected nothing, found "${long.slice(1)}…"`,
  );
});

Deno.test("the shared end is counted from the last difference, however long the change", () => {
  assert.equal(
    describeSqlDifference(
      `CREATE TABLE t (a CHECK (a IN (${numbers(100, 130)})))`,
      `CREATE TABLE t (a CHECK (a IN (${numbers(100, 115)}, 999999999, ${numbers(116, 130)})))`,
    ),
    `expected "…107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123,…", found "…107, 108, 109, 110, 111, 112, 113, 114, 999999999, 116, 117, 118, 119, 120, 121, 122, 123,…"`,
  );
});

Deno.test("after a change, 40 characters of the shared end are shown, up to the next space", () => {
  const head = "p".repeat(60);
  const end = " w".repeat(40);
  // Shared end: " w w …" (80 characters); 40 of them, then up to the next space: 20 times " w".
  assert.equal(
    describeSqlDifference(`CREATE TABLE t (${head}ab${end})`, `CREATE TABLE t (${head}cd${end})`),
    `expected "${head}ab${" w".repeat(20)}…", found "${head}cd${" w".repeat(20)}…"`,
  );
});

Deno.test("the shared end never reaches back into the shared head (an insertion that repeats it)", () => {
  const head = "p".repeat(60);
  const end = `${"w ".repeat(40)}w`;
  const shown = `${"w ".repeat(20)}w…`; // 40 characters of the end, then up to the next space
  // "xp" ends with the head's last letter: counted from the end, the shared text could run into it.
  assert.equal(
    describeSqlDifference(`CREATE TABLE t (${head}${end})`, `CREATE TABLE t (${head}xp${end})`),
    `expected "${head}${shown}", found "${head}xp${shown}"`,
  );
  assert.equal(
    describeSqlDifference(`CREATE TABLE t (${head}xp${end})`, `CREATE TABLE t (${head}${end})`),
    `expected "${head}xp${shown}", found "${head}${shown}"`,
  );
});

Deno.test("literals, variables and operators are tokens of their own kind", () => {
  assert.deepEqual(
    sqlTokens("SELECT X'0a', x'0A', 0X1f, 1e-5, 2E+3, .5, 1.5, 1_000, :a, @b, $c, ?, ?2")
      .filter((t) => t.text !== ",").map((t) => [t.kind, t.text]),
    [
      ["keyword", "SELECT"],
      ["blob", "X'0A'"],
      ["blob", "X'0A'"],
      ["number", "0x1f"],
      ["number", "1e-5"],
      ["number", "2e+3"],
      ["number", ".5"],
      ["number", "1.5"],
      ["number", "1_000"],
      ["variable", ":a"],
      ["variable", "@b"],
      ["variable", "$c"],
      ["variable", "?"],
      ["variable", "?2"],
    ],
  );
  assert.equal(
    normaliseSql("SELECT a<<2, a>>1, a>=b, a<=b, a||b, a->b"),
    "SELECT a << 2, a >> 1, a >= b, a <= b, a || b, a -> b",
  );
});

Deno.test("comments end where SQLite ends them, even at the end of the text", () => {
  assert.equal(normaliseSql("SELECT /*/ x */ 1"), "SELECT 1");
  assert.equal(normaliseSql("SELECT 1 -- end"), "SELECT 1");
  assert.equal(normaliseSql("SELECT 1 /* open"), "SELECT 1");
  assert.equal(normaliseSql("SELECT\t1\r\n,2"), "SELECT 1, 2");
});

Deno.test("names beyond ASCII and quotes inside quotes", () => {
  assert.equal(normaliseSql("CREATE TABLE café (ñ INT)"), 'CREATE TABLE "café"("ñ" INT)');
  assert.equal(normaliseSql('SELECT """q""" FROM `a``b`'), 'SELECT """q""" FROM "a`b"');
  assert.equal(normaliseSql("SELECT a.b, t.*"), "SELECT a.b, t.*");
});

Deno.test("a slash is division, and numbers keep all their digits", () => {
  assert.equal(
    normaliseSql("SELECT a/b, 1.25, 1e10, 2.5E-12"),
    "SELECT a / b, 1.25, 1e10, 2.5e-12",
  );
});
