/**
 * Destructive changes in an up part: dropping a table or a column that earlier migrations
 * created, and so a live database has filled. A down part may drop what its up part added; an
 * up part that drops data needs a reason a reviewer can read.
 */
import { DatabaseSync } from "node:sqlite";
import type { ColumnShape } from "../../db/schema.ts";
import type { PriorSchema } from "./replay.ts";
import { alterTable, droppedTable } from "./shapes.ts";
import type { LintSource } from "./source.ts";
import type { Finding } from "./types.ts";

const KEEP_FIX =
  'keep it (stop writing it instead), or archive its rows first and accept with "-- lint:ignore CODE reason"';

/** DROP TABLE, DROP COLUMN and a rebuild that leaves columns out, of what existed before. */
export function destructiveChecks(source: LintSource, before: PriorSchema): Finding[] {
  const findings: Finding[] = [];
  const at = (code: string, line: number, message: string) =>
    findings.push({
      code,
      severity: "error",
      file: source.name,
      line,
      message,
      fix: KEEP_FIX.replace("CODE", code),
    });
  for (const s of source.up?.statements ?? []) {
    const table = droppedTable(s.code);
    if (table && tableOf(before, table)) {
      at(
        "drop-table",
        s.line,
        `The up part drops table ${table}, which earlier migrations created`,
      );
    }
    const alter = alterTable(s.code);
    if (alter?.action === "drop") {
      const column = tableOf(before, alter.table)?.find((c) =>
        c.name.toLowerCase() === alter.column
      );
      if (column && column.hidden !== 2) {
        at(
          "drop-column",
          s.line,
          `The up part drops column ${alter.table}.${alter.column}, which earlier migrations created`,
        );
      }
    }
    if (s.rebuild) {
      const now = new Set(columnsOfCreate(s.sql)?.map((c) => c.name.toLowerCase()) ?? []);
      const lost = (tableOf(before, s.rebuild) ?? [])
        .filter((c) => c.hidden !== 2 && now.size > 0 && !now.has(c.name.toLowerCase()));
      for (const c of lost) {
        at(
          "drop-column",
          s.line,
          `The rebuild of ${s.rebuild} leaves out column ${c.name}, and its data`,
        );
      }
    }
  }
  return findings;
}

/** The columns of `table` in `before`, whatever the case of its name. */
export function tableOf(before: PriorSchema, table: string): ColumnShape[] | undefined {
  const name = Object.keys(before.schema.tables).find((t) =>
    t.toLowerCase() === table.toLowerCase()
  );
  return name === undefined ? undefined : before.schema.tables[name].columns;
}

/** The columns a CREATE TABLE statement makes, read from SQLite itself; null if it fails. */
export function columnsOfCreate(createSql: string): ColumnShape[] | null {
  const db = new DatabaseSync(":memory:");
  try {
    db.exec(createSql.replace(/^\s*--\s*migrate:rebuild[^\n]*\n/m, ""));
    const name = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").get() as {
      name: string;
    }).name;
    return (db.prepare(
      'SELECT name, type, "notnull" AS nn, dflt_value AS d, pk, hidden FROM pragma_table_xinfo(?)',
    ).all(name) as {
      name: string;
      type: string;
      nn: number;
      d: string | null;
      pk: number;
      hidden: number;
    }[])
      .map((c) => ({
        name: c.name,
        type: c.type.toUpperCase(),
        notNull: c.nn === 1,
        default: c.d,
        primaryKey: c.pk,
        hidden: c.hidden,
      }));
  } catch {
    return null;
  } finally {
    db.close();
  }
}
