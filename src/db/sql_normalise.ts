/**
 * The canonical text of a schema statement (`sqlite_master.sql`), so that two statements that
 * differ only lexically compare equal, and anything else does not. A small tokenizer, no parser:
 *
 *  - whitespace and comments are dropped (tokens are rejoined by one fixed spacing rule);
 *  - keywords are upper-cased; identifiers are lower-cased (SQLite folds ASCII case in names) and
 *    lose their quotes ("x", `x`, [x]) unless they need them (not a plain word); a name that is
 *    a keyword ("key"), a type name, a collation or STORED/STRICT/ROWID is written upper-case;
 *  - string literals keep their text and case exactly ('WEP' is not 'wep');
 *  - `==` is written `=` and `<>` is written `!=` (SQLite's two spellings of each operator).
 *
 * Nothing else is folded: reordered constraints, extra parentheses or another default spelling
 * are differences, because telling which of those keep the meaning would take SQLite's parser.
 */

/** One lexical token; comments and whitespace are not tokens. */
export interface SqlToken {
  kind: "keyword" | "identifier" | "string" | "number" | "blob" | "variable" | "operator";
  text: string;
}

// SQLite's keywords (sqlite.org/lang_keywords.html).
const KEYWORDS = new Set(
  ("ABORT ACTION ADD AFTER ALL ALTER ALWAYS ANALYZE AND AS ASC ATTACH AUTOINCREMENT BEFORE BEGIN " +
    "BETWEEN BY CASCADE CASE CAST CHECK COLLATE COLUMN COMMIT CONFLICT CONSTRAINT CREATE CROSS " +
    "CURRENT CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP DATABASE DEFAULT DEFERRABLE DEFERRED " +
    "DELETE DESC DETACH DISTINCT DO DROP EACH ELSE END ESCAPE EXCEPT EXCLUDE EXCLUSIVE EXISTS " +
    "EXPLAIN FAIL FILTER FIRST FOLLOWING FOR FOREIGN FROM FULL GENERATED GLOB GROUP GROUPS HAVING " +
    "IF IGNORE IMMEDIATE IN INDEX INDEXED INITIALLY INNER INSERT INSTEAD INTERSECT INTO IS ISNULL " +
    "JOIN KEY LAST LEFT LIKE LIMIT MATCH MATERIALIZED NATURAL NO NOT NOTHING NOTNULL NULL NULLS OF " +
    "OFFSET ON OR ORDER OTHERS OUTER OVER PARTITION PLAN PRAGMA PRECEDING PRIMARY QUERY RAISE " +
    "RANGE RECURSIVE REFERENCES REGEXP REINDEX RELEASE RENAME REPLACE RESTRICT RETURNING RIGHT " +
    "ROLLBACK ROW ROWS SAVEPOINT SELECT SET TABLE TEMP TEMPORARY THEN TIES TO TRANSACTION TRIGGER " +
    "UNBOUNDED UNION UNIQUE UPDATE USING VACUUM VALUES VIEW VIRTUAL WHEN WHERE WINDOW WITH WITHOUT")
    .split(" "),
);

// Words that are names to SQLite (type names, collations, table options), written upper-case
// however they were spelled or quoted, so the canonical text reads like the migrations.
const UPPER_NAMES = new Set(
  ("INT INTEGER TINYINT SMALLINT MEDIUMINT BIGINT REAL DOUBLE FLOAT NUMERIC DECIMAL BOOLEAN " +
    "DATE DATETIME TEXT CHAR VARCHAR CLOB BLOB ANY STORED STRICT ROWID NOCASE BINARY RTRIM")
    .split(" "),
);

const OPERATORS = ["||", "<<", ">>", "<=", ">=", "==", "!=", "<>", "->>", "->"]
  .sort((a, b) => b.length - a.length);
const SPELLING: Record<string, string> = { "==": "=", "<>": "!=" };
const WORD = /^[A-Za-z_][A-Za-z0-9_$]*$/;

/**
 * The tokens of `sql`, canonicalised as the module comment says.
 *
 * @example
 * ```ts
 * sqlTokens('create table "T" (a int) -- note').map((t) => t.text);
 * // ["CREATE", "TABLE", "t", "(", "a", "INT", ")"]
 * ```
 */
export function sqlTokens(sql: string): SqlToken[] {
  const tokens: SqlToken[] = [];
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === "-" && sql[i + 1] === "-") {
      const end = sql.indexOf("\n", i);
      i = end < 0 ? n : end + 1;
    } else if (c === "/" && sql[i + 1] === "*") {
      const end = sql.indexOf("*/", i + 2);
      i = end < 0 ? n : end + 2;
    } else if (c === "'") {
      const end = closing(sql, i, "'");
      tokens.push({ kind: "string", text: sql.slice(i, end) });
      i = end;
    } else if (c === '"' || c === "`" || c === "[") {
      const close = c === "[" ? "]" : c;
      const end = closing(sql, i, close);
      const inner = sql.slice(i + 1, end - 1);
      tokens.push(identifier(c === "[" ? inner : inner.replaceAll(close + close, close)));
      i = end;
    } else if ((c === "x" || c === "X") && sql[i + 1] === "'") {
      const end = closing(sql, i + 1, "'");
      tokens.push({ kind: "blob", text: `X${sql.slice(i + 1, end).toUpperCase()}` });
      i = end;
    } else if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(sql[i + 1] ?? ""))) {
      const match = /^(0[xX][0-9A-Fa-f_]+|[0-9_]*\.?[0-9_]*(?:[eE][+-]?[0-9_]+)?)/.exec(
        sql.slice(i),
      )!;
      tokens.push({ kind: "number", text: match[0].toLowerCase() });
      i += match[0].length;
    } else if (/[A-Za-z_\u0080-\uffff]/.test(c)) {
      const match = /^[A-Za-z0-9_$\u0080-\uffff]+/.exec(sql.slice(i))!;
      const word = match[0];
      const upper = asciiUpper(word);
      tokens.push(KEYWORDS.has(upper) ? { kind: "keyword", text: upper } : identifier(word));
      i += word.length;
    } else if (c === "?" || c === ":" || c === "@" || c === "$") {
      const match = /^[?:@$][A-Za-z0-9_]*/.exec(sql.slice(i))!;
      tokens.push({ kind: "variable", text: match[0] });
      i += match[0].length;
    } else {
      const op = OPERATORS.find((o) => sql.startsWith(o, i)) ?? c;
      tokens.push({ kind: "operator", text: SPELLING[op] ?? op });
      i += op.length;
    }
  }
  return tokens;
}

/**
 * `sql` in canonical form: equal for two statements exactly when their tokens are equal.
 *
 * @example
 * ```ts
 * normaliseSql('CREATE TABLE "t"(\n  a  integer CHECK(a==1) -- one\n)');
 * // "CREATE TABLE t (a integer CHECK (a = 1))"
 * ```
 */
export function normaliseSql(sql: string): string {
  return joinTokens(sqlTokens(sql));
}

/** Tokens joined by one space, except inside parentheses, before commas, around dots and signs. */
export function joinTokens(tokens: readonly SqlToken[]): string {
  let out = "";
  for (let k = 0; k < tokens.length; k++) {
    const token = tokens[k];
    const previous = tokens[k - 1];
    if (previous && !tight(previous, token, tokens[k - 2])) out += " ";
    out += token.text;
  }
  return out;
}

function tight(previous: SqlToken, token: SqlToken, beforePrevious?: SqlToken): boolean {
  if (previous.text === "(" || previous.text === ".") return true;
  if (token.text === ")" || token.text === "," || token.text === "." || token.text === ";") {
    return true;
  }
  // A function call keeps its parenthesis (count(*)); a keyword before one does not (CHECK (…)).
  if (token.text === "(" && previous.kind === "identifier") return true;
  // A sign that begins an operand (after an operator, a keyword or nothing) sticks to it: -120.
  const isSign = previous.text === "-" || previous.text === "+";
  return isSign && previous.kind === "operator" &&
    (!beforePrevious || beforePrevious.kind === "keyword" ||
      (beforePrevious.kind === "operator" && beforePrevious.text !== ")"));
}

function identifier(name: string): SqlToken {
  const folded = name.replace(/[A-Z]+/g, (s) => s.toLowerCase());
  // A quoted keyword keeps its quotes: "key" is a name, KEY is grammar.
  if (!WORD.test(folded)) return { kind: "identifier", text: `"${folded.replaceAll('"', '""')}"` };
  // A keyword used as a name ("key", or bare where SQLite allows it) is written as the keyword:
  // ALTER TABLE … RENAME quotes names, so quoting must not count.
  const upper = asciiUpper(folded);
  const asKeyword = UPPER_NAMES.has(upper) || KEYWORDS.has(upper);
  return { kind: "identifier", text: asKeyword ? upper : folded };
}

function asciiUpper(word: string): string {
  return word.replace(/[a-z]+/g, (s) => s.toUpperCase());
}

/** The index just past the quote that closes the one at `start` (a doubled quote is kept). */
function closing(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (quote !== "]" && sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else i++;
  }
  return sql.length;
}

/**
 * How the definition `found` differs from `expected`, in words, or null when their canonical
 * forms are equal. Both are cut into clauses (a column or constraint of a table, a key of an
 * index, a statement of a trigger, the head and the tail around the parentheses); the clauses
 * the two share at the start and at the end are left out, so what remains is what differs.
 *
 * @example
 * ```ts
 * describeSqlDifference("CREATE TABLE t (a INT CHECK (a > 0), b)", "CREATE TABLE t (a INT, b)");
 * // 'expected "a INT CHECK (a > 0)", found "a INT"'
 * ```
 */
export function describeSqlDifference(expected: string, found: string): string | null {
  const want = clauses(sqlTokens(expected));
  const have = clauses(sqlTokens(found));
  if (want.join("\u0000") === have.join("\u0000")) return null;
  const { head: start, tail: end } = sharedEnds(want, have);
  let [a, b] = [want, have].map((list) => list.slice(start, list.length - end).join(", "));
  // One long clause changed deep inside (a generated column's CASE): show where, with context.
  if (a && b && Math.max(a.length, b.length) > 120) [a, b] = aroundDifference(a, b);
  const show = (text: string) =>
    text === "" ? "nothing" : JSON.stringify(text.length > 240 ? `${text.slice(0, 239)}…` : text);
  return `expected ${show(a)}, found ${show(b)}`;
}

const CONTEXT = 40;

/** How many leading and trailing items `a` and `b` share; the tail never reaches into the head. */
function sharedEnds<T>(a: ArrayLike<T>, b: ArrayLike<T>): { head: number; tail: number } {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (
    tail < a.length - head && tail < b.length - head &&
    a[a.length - 1 - tail] === b[b.length - 1 - tail]
  ) tail++;
  return { head, tail };
}

/** `a` and `b` cut to the part that differs, with up to CONTEXT characters of shared text. */
function aroundDifference(a: string, b: string): [string, string] {
  const { head, tail } = sharedEnds(a, b);
  const from = head > CONTEXT ? a.lastIndexOf(" ", head - CONTEXT) + 1 : 0;
  const keep = Math.min(tail, CONTEXT);
  const cut = (text: string) => {
    const stop = keep < tail ? text.indexOf(" ", text.length - tail + keep) : -1;
    return `${from > 0 ? "…" : ""}${text.slice(from, stop < 0 ? text.length : stop)}${
      stop < 0 ? "" : "…"
    }`;
  };
  return [cut(a), cut(b)];
}

/**
 * Canonical clauses: cut at commas directly inside the outer parentheses (or outside any), at
 * semicolons, after a trigger's BEGIN, and where the outer parentheses open and close.
 */
function clauses(tokens: SqlToken[]): string[] {
  const out: string[] = [];
  let current: SqlToken[] = [];
  let depth = 0;
  const cut = () => {
    if (current.length > 0) out.push(joinTokens(current));
    current = [];
  };
  for (const token of tokens) {
    if (token.text === "(" && depth++ === 0) {
      cut();
      continue;
    }
    if (token.text === ")" && --depth === 0) {
      cut();
      continue;
    }
    if ((token.text === "," && depth <= 1) || token.text === ";") {
      cut();
      continue;
    }
    current.push(token);
    // A trigger's head ends at BEGIN: its statements are clauses of their own.
    if (token.text === "BEGIN" && depth === 0) cut();
  }
  cut();
  return out;
}
