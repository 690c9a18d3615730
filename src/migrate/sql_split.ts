/**
 * Splits a script into single SQL statements, so a failing migration can name the statement
 * that failed. Pure and linear: it honours quotes, comments and trigger bodies
 * (`CREATE TRIGGER … BEGIN …; …; END;`), the cases where a `;` does not end a statement.
 */

/** One statement of a script. */
export interface SqlStatement {
  /** The statement text, including comments that precede it, without the final `;`. */
  sql: string;
  /** 1-based line of the statement's first token within the script. */
  line: number;
}

/**
 * Splits `script` into statements; comment-only tails are dropped.
 *
 * @example
 * ```ts
 * splitSql("CREATE TABLE t(x);\n-- note\nINSERT INTO t VALUES (';');");
 * // [{ sql: "CREATE TABLE t(x)", line: 1 }, { sql: "-- note\nINSERT INTO t VALUES (';')", line: 3 }]
 * ```
 */
export function splitSql(script: string): SqlStatement[] {
  const statements: SqlStatement[] = [];
  let start = 0;
  let line = 1;
  let firstTokenLine = 0;
  let words: string[] = []; // leading keywords, to recognise CREATE [TEMP] TRIGGER
  let inTrigger = false;
  let depth = 0; // BEGIN/CASE … END nesting inside a trigger
  let i = 0;
  const n = script.length;

  const finish = (end: number) => {
    const sql = script.slice(start, end).trim();
    if (firstTokenLine > 0) statements.push({ sql, line: firstTokenLine });
    start = end + 1;
    firstTokenLine = 0;
    words = [];
    inTrigger = false;
    depth = 0;
  };

  while (i < n) {
    const c = script[i];
    if (c === "\n") {
      line++;
      i++;
    } else if (c === "-" && script[i + 1] === "-") {
      while (i < n && script[i] !== "\n") i++;
    } else if (c === "/" && script[i + 1] === "*") {
      const close = script.indexOf("*/", i + 2);
      const end = close < 0 ? n : close + 2;
      line += countNewlines(script, i, end);
      i = end;
    } else if (c === "'" || c === '"' || c === "`" || c === "[") {
      if (firstTokenLine === 0) firstTokenLine = line;
      const quote = c === "[" ? "]" : c;
      let j = i + 1;
      for (;;) {
        const k = script.indexOf(quote, j);
        if (k < 0) {
          j = n;
          break;
        }
        // A doubled quote is an escaped quote, except for [brackets].
        if (quote !== "]" && script[k + 1] === quote) {
          j = k + 2;
          continue;
        }
        j = k + 1;
        break;
      }
      line += countNewlines(script, i, j);
      i = j;
    } else if (c === ";") {
      if (inTrigger && depth > 0) {
        i++;
      } else {
        finish(i);
        i++;
      }
    } else if (isWordChar(c)) {
      if (firstTokenLine === 0) firstTokenLine = line;
      let j = i + 1;
      while (j < n && isWordChar(script[j])) j++;
      const word = script.slice(i, j).toUpperCase();
      if (words.length < 3) {
        words.push(word);
        if (
          words[0] === "CREATE" &&
          (word === "TRIGGER" && (words.length === 2 || words[1].startsWith("TEMP")))
        ) {
          inTrigger = true;
        }
      }
      if (inTrigger) {
        if (word === "BEGIN" || word === "CASE") depth++;
        else if (word === "END" && depth > 0) depth--;
      }
      i = j;
    } else {
      if (firstTokenLine === 0 && !isSpace(c)) firstTokenLine = line;
      i++;
    }
  }
  if (firstTokenLine > 0) finish(n);
  return statements;
}

function isWordChar(c: string): boolean {
  return (c >= "A" && c <= "Z") || (c >= "a" && c <= "z") || (c >= "0" && c <= "9") || c === "_";
}

function isSpace(c: string): boolean {
  return c === " " || c === "\t" || c === "\r" || c === "\n" || c === "\f" || c === "\v";
}

function countNewlines(text: string, from: number, to: number): number {
  let count = 0;
  for (let k = from; k < to; k++) if (text.charCodeAt(k) === 10) count++;
  return count;
}
