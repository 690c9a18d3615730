/**
 * The checks that need SQLite itself: every migration is replayed in an in-memory database by the
 * runner (`Migrator`), up, down and up again, so the lint sees what the runner would do. The
 * replay also gives the other checks the schema each migration starts from.
 */
import { DatabaseSync } from "node:sqlite";
import { diffSchema, readSchema, type SchemaSnapshot } from "../../db/schema.ts";
import { errorMessage } from "../../errors.ts";
import { Migrator } from "../migrator.ts";
import { type Migration, parseMigrationFile } from "../parse.ts";
import type { LintSource } from "./source.ts";
import type { Finding, LintFile } from "./types.ts";

/** The schema a migration starts from: its shape and each table's CREATE statement. */
export interface PriorSchema {
  schema: SchemaSnapshot;
  tableSql: Record<string, string>;
}

export interface Replay {
  /** By file name, for every file the replay reached. */
  before: Map<string, PriorSchema>;
  findings: Finding[];
}

/**
 * Replays `files` (sorted by version) and reports, for the files in `only`: an up or down part
 * that fails, a down part that does not give back the schema the up part started from, and a
 * verify query that scans a table. The replay stops at the first file the runner cannot parse
 * or apply; the files after it get no schema-based checks.
 */
export function replayMigrations(
  files: LintFile[],
  sources: Map<string, LintSource>,
  only: Set<string>,
): Replay {
  const replay: Replay = { before: new Map(), findings: [] };
  const migrations: Migration[] = [];
  for (const [index, file] of files.entries()) {
    try {
      const m = parseMigrationFile(file.name, file.text);
      if (m.version !== index + 1) break;
      migrations.push(m);
    } catch {
      break; // the structure checks report why
    }
  }
  const db = new DatabaseSync(":memory:");
  try {
    const migrator = new Migrator(db, migrations);
    for (const m of migrations) {
      const before = priorSchema(db);
      replay.before.set(m.fileName, before);
      const report = only.has(m.fileName);
      const source = sources.get(m.fileName)!;
      const fail = (code: string, part: "up" | "down", error: unknown, fix: string) => {
        const message = errorMessage(error);
        const line = Number(/at line (\d+)/.exec(message)?.[1] ?? source[part]?.line ?? 1);
        if (report) {
          replay.findings.push({
            code,
            severity: "error",
            file: m.fileName,
            line,
            message: `The ${part} part fails when replayed on version ${
              part === "up" ? m.version - 1 : m.version
            }: ${cause(message)}`,
            fix,
          });
        }
      };
      try {
        migrator.migrateTo(m.version);
      } catch (error) {
        fail(
          "up-fails",
          "up",
          error,
          "make the up part and its verify queries pass on the previous version",
        );
        break;
      }
      if (!report) continue;
      replay.findings.push(...verifyScans(db, m));
      try {
        migrator.migrateTo(m.version - 1);
      } catch (error) {
        fail(
          "down-fails",
          "down",
          error,
          "make the down part run on the schema the up part leaves",
        );
        break;
      }
      const drift = diffSchema(withoutLedger(readSchema(db)), withoutLedger(before.schema));
      if (drift.length > 0) {
        replay.findings.push({
          code: "down-not-inverse",
          severity: "error",
          file: m.fileName,
          line: source.down?.line ?? 1,
          message: `The down part does not restore the schema of version ${m.version - 1}: ${
            drift.join("; ")
          }`,
          fix: "make the down part undo every change of the up part",
        });
      }
      try {
        migrator.migrateTo(m.version);
      } catch (error) {
        // With the schema already reported as not restored, the failure is its consequence.
        if (drift.length === 0) {
          replay.findings.push({
            code: "down-not-inverse",
            severity: "error",
            file: m.fileName,
            line: source.down?.line ?? 1,
            message: `The up part fails when applied again after the down part: ${
              cause(errorMessage(error))
            }`,
            fix: "make the down part undo every change of the up part",
          });
        }
        break;
      }
    }
  } finally {
    db.close();
  }
  return replay;
}

/** A verify query runs at every `migrate --verify` (each boot): it must not read a whole table. */
function verifyScans(db: DatabaseSync, m: Migration): Finding[] {
  const tables = new Set(
    (db.prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
    ).all() as { name: string }[]).map((r) => r.name.toLowerCase()),
  );
  const findings: Finding[] = [];
  for (const query of m.verify) {
    let plan: { detail: string }[];
    try {
      plan = db.prepare(`EXPLAIN QUERY PLAN ${query.sql}`).all() as { detail: string }[];
    } catch {
      continue; // a failing verify query fails the up part's replay
    }
    const scanned = plan.map((p) => /^SCAN (\S+)/.exec(p.detail)?.[1]?.toLowerCase())
      .filter((t): t is string => t !== undefined && tables.has(t) && t !== "schema_version");
    for (const table of new Set(scanned)) {
      findings.push({
        code: "verify-scans",
        severity: "warning",
        file: m.fileName,
        line: query.line,
        message: `The verify query scans table ${table} (EXPLAIN QUERY PLAN: SCAN ${table})`,
        fix: "check the schema (sqlite_master, pragma_table_info, pragma_index_list), not the rows",
      });
    }
  }
  return findings;
}

/** The runner's message without its framing: which statement failed, and SQLite's cause. */
function cause(message: string): string {
  return message.replace(/^Migration \d+ \([^)]*\) failed (to roll back )?/, "")
    .replace(/; nothing was changed: the database is still at version \d+$/, "");
}

function priorSchema(db: DatabaseSync): PriorSchema {
  const tableSql: Record<string, string> = {};
  const rows = db.prepare(
    "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
  ).all() as { name: string; sql: string }[];
  for (const r of rows) tableSql[r.name.toLowerCase()] = r.sql;
  return { schema: withoutLedger(readSchema(db)), tableSql };
}

function withoutLedger(schema: SchemaSnapshot): SchemaSnapshot {
  const tables = { ...schema.tables };
  delete tables.schema_version;
  return { ...schema, tables };
}
