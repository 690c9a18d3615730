/**
 * Changes whose success depends on the rows: they pass on the empty database of a test and fail
 * (or are refused half-way) on a Pi with a season of data. Each needs the rows dealt with first,
 * in the same up part, and a reason a reviewer can read.
 */
import { columnsOfCreate, tableOf } from "./destructive.ts";
import type { PriorSchema } from "./replay.ts";
import { alterTable, createIndex } from "./shapes.ts";
import { foldSql, type LintSource } from "./source.ts";
import type { Finding } from "./types.ts";

/** UNIQUE index, NOT NULL without default, nullable made NOT NULL, CHECK on an existing table. */
export function dataDependentChecks(source: LintSource, before: PriorSchema): Finding[] {
  const findings: Finding[] = [];
  const at = (code: string, line: number, message: string, fix: string) =>
    findings.push({ code, severity: "error", file: source.name, line, message, fix });
  for (const s of source.up?.statements ?? []) {
    const index = createIndex(s.code);
    const existing = index && tableOf(before, index.table);
    if (index?.unique && existing) {
      const old = index.columns.filter((c) => existing.some((e) => e.name.toLowerCase() === c));
      if (old.length > 0) {
        at(
          "unique-index-existing",
          s.line,
          `UNIQUE index ${index.name} on existing column(s) ${index.table}.${old.join(", ")} ` +
            `fails on a database that already holds duplicates`,
          'merge or archive the duplicates earlier in the same up part, then accept with "-- lint:ignore unique-index-existing <how>"',
        );
      }
    }
    const alter = alterTable(s.code);
    if (alter?.action === "add" && tableOf(before, alter.table)) {
      const def = alter.definition ?? "";
      const generated = /\bAS ?\(/i.test(def);
      if (/\bNOT NULL\b/i.test(def) && !generated && !/\bDEFAULT (?!NULL\b)/i.test(def)) {
        at(
          "not-null-no-default",
          s.line,
          `Column ${alter.table}.${alter.column} is NOT NULL without a default: SQLite refuses it ` +
            `once the table has rows ("Cannot add a NOT NULL column with default value NULL")`,
          "give it a DEFAULT, or add it nullable, fill it with UPDATE, then rebuild with NOT NULL",
        );
      }
      if (/\bCHECK ?\(/i.test(def)) {
        at(
          "check-added",
          s.line,
          `Column ${alter.table}.${alter.column} adds a CHECK to an existing table: existing rows are tested against it`,
          'make sure every existing row passes (an UPDATE before it), then accept with "-- lint:ignore check-added <why>"',
        );
      }
    }
    if (s.rebuild && tableOf(before, s.rebuild)) {
      rebuildChecks(s.rebuild, s.sql, s.line, before, at);
    }
  }
  return findings;
}

function rebuildChecks(
  table: string,
  createSql: string,
  line: number,
  before: PriorSchema,
  at: (code: string, line: number, message: string, fix: string) => void,
): void {
  const old = tableOf(before, table)!;
  const now = columnsOfCreate(createSql) ?? [];
  for (const c of now) {
    const was = old.find((o) => o.name.toLowerCase() === c.name.toLowerCase());
    if (!c.notNull || c.hidden !== 0) continue;
    if (!was && c.default === null && c.primaryKey === 0) {
      at(
        "not-null-no-default",
        line,
        `The rebuild of ${table} adds column ${c.name} NOT NULL without a default: the copy of the existing rows fails`,
        "give it a DEFAULT, or add it nullable and fill it first",
      );
    } else if (was && !was.notNull) {
      at(
        "made-not-null",
        line,
        `The rebuild of ${table} makes column ${c.name} NOT NULL: the copy fails on a row where it is NULL`,
        `fill the NULLs first (UPDATE ${table} SET ${c.name} = … WHERE ${c.name} IS NULL), then accept with "-- lint:ignore made-not-null <how>"`,
      );
    }
  }
  const had = new Set(checkClauses(before.tableSql[table.toLowerCase()] ?? ""));
  for (const check of checkClauses(createSql)) {
    if (had.has(check)) continue;
    at(
      "check-added",
      line,
      `The rebuild of ${table} adds CHECK (${check}): the copy fails on an existing row that breaks it`,
      'make every existing row pass first, then accept with "-- lint:ignore check-added <why>"',
    );
  }
}

/** The CHECK expressions of a statement, folded and lower-cased for comparison. */
export function checkClauses(sql: string): string[] {
  const code = foldSql(sql);
  const clauses: string[] = [];
  const re = /\bCHECK ?\(/gi;
  let m: RegExpExecArray | null;
  while ((m = re.exec(code))) {
    let depth = 1;
    let i = m.index + m[0].length;
    const start = i;
    for (; i < code.length && depth > 0; i++) {
      if (code[i] === "(") depth++;
      else if (code[i] === ")") depth--;
    }
    clauses.push(code.slice(start, i - 1).toLowerCase().replace(/\s+/g, ""));
  }
  return clauses;
}
