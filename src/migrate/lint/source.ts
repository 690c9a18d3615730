/**
 * A lenient reading of a migration file for the lint: unlike the runner's parser it does not stop
 * at the first problem, so a file with a missing section still gets every other check. Each
 * statement also comes as `code`: comments dropped, string literals emptied, identifiers
 * unquoted and whitespace folded, which is what the textual checks match against.
 */
import { splitSql } from "../sql_split.ts";

/** One statement of a section. */
export interface LintStatement {
  /** The statement as written (with the comments before it). */
  sql: string;
  /** Folded text for matching: no comments, `''` for every string, bare identifiers. */
  code: string;
  line: number;
  /** The table of a `-- migrate:rebuild <table>` directive before it. */
  rebuild?: string;
}

export interface LintSection {
  /** Line of the `-- migrate:<name>` directive. */
  line: number;
  statements: LintStatement[];
}

export interface LintIgnore {
  code: string;
  reason: string;
  line: number;
}

/** A migration file as the lint sees it. */
export interface LintSource {
  name: string;
  /** From the file name; null when the name does not follow `NNNN_description.sql`. */
  version: number | null;
  up?: LintSection;
  down?: LintSection;
  verify?: LintSection;
  ignores: LintIgnore[];
}

const FILE_NAME = /^(\d{4})_[a-z0-9]+(?:_[a-z0-9]+)*\.sql$/;
const SECTION = /^--\s*migrate:(up|down|verify)\s*$/;
const IGNORE = /^--\s*lint:ignore(?:\s+(\S+))?(?:\s+(.*))?$/;
const REBUILD = /^\s*--\s*migrate:rebuild\s+([A-Za-z_][A-Za-z0-9_]*)\s*$/m;

/**
 * Reads `text` into sections, statements and `-- lint:ignore` lines.
 *
 * @example
 * ```ts
 * const s = readLintSource("0011_x.sql", "-- migrate:up\nDROP TABLE t;\n");
 * s.up!.statements[0].code; // "DROP TABLE t"
 * s.down; // undefined
 * ```
 */
export function readLintSource(name: string, text: string): LintSource {
  const match = FILE_NAME.exec(name);
  const source: LintSource = { name, version: match ? Number(match[1]) : null, ignores: [] };
  const bodies: { name: "up" | "down" | "verify"; line: number; lines: string[] }[] = [];
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  lines.forEach((raw, index) => {
    const trimmed = raw.trim();
    const ignore = IGNORE.exec(trimmed);
    if (ignore) {
      source.ignores.push({
        code: ignore[1] ?? "",
        reason: (ignore[2] ?? "").trim(),
        line: index + 1,
      });
    }
    const section = SECTION.exec(trimmed);
    if (section) {
      bodies.push({ name: section[1] as "up" | "down" | "verify", line: index + 1, lines: [] });
      return;
    }
    // Lines before the first section stay out; blank lines keep statement line numbers right.
    bodies.at(-1)?.lines.push(raw);
  });
  for (const body of bodies) {
    if (source[body.name]) continue; // a duplicate section: the runner's parser reports it
    const statements = splitSql(body.lines.join("\n")).map(({ sql, line }) => {
      const rebuild = REBUILD.exec(sql)?.[1];
      return { sql, code: foldSql(sql), line: line + body.line, ...(rebuild ? { rebuild } : {}) };
    });
    source[body.name] = { line: body.line, statements };
  }
  return source;
}

/**
 * `sql` without comments, with every string literal emptied (`''`), quoted identifiers bare and
 * whitespace folded to single spaces.
 *
 * @example
 * ```ts
 * foldSql(`-- x\nALTER TABLE "t"  ADD COLUMN v TEXT DEFAULT 'a;b'`);
 * // "ALTER TABLE t ADD COLUMN v TEXT DEFAULT ''"
 * ```
 */
export function foldSql(sql: string): string {
  let out = "";
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    if (c === "-" && sql[i + 1] === "-") {
      while (i < sql.length && sql[i] !== "\n") i++;
      out += " ";
    } else if (c === "/" && sql[i + 1] === "*") {
      const end = sql.indexOf("*/", i + 2);
      i = end < 0 ? sql.length : end + 2;
      out += " ";
    } else if (c === "'") {
      i++;
      while (i < sql.length) {
        if (sql[i] === "'" && sql[i + 1] === "'") i += 2;
        else if (sql[i] === "'") break;
        else i++;
      }
      i++;
      out += "''";
    } else if (c === '"' || c === "`" || c === "[") {
      const close = c === "[" ? "]" : c;
      const end = sql.indexOf(close, i + 1);
      out += sql.slice(i + 1, end < 0 ? sql.length : end);
      i = end < 0 ? sql.length : end + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out.replace(/\s+/g, " ").trim();
}
