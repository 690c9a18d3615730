/**
 * SQLite's own rules: what its ALTER TABLE cannot do (that needs `-- migrate:rebuild`), the
 * rename-the-old-table rebuild that SQLite ≥ 3.26 turns into broken references, statements that
 * do nothing or fail inside the runner's transaction, and an index that breaks a re-runnable up
 * part. Several of these pass on an empty test database and fail only once a table has rows.
 */
import { alterTable, createIndex, createObject, droppedTable, verb } from "./shapes.ts";
import type { LintSection, LintSource } from "./source.ts";
import type { Finding } from "./types.ts";

const REBUILD_FIX = (table: string) =>
  `write the new shape as "-- migrate:rebuild ${table}" followed by "CREATE TABLE ${table} (…)"`;

/** The SQLite-specific checks of the up and down parts. */
export function sqliteChecks(source: LintSource): Finding[] {
  const findings: Finding[] = [];
  for (const part of ["up", "down"] as const) {
    const section = source[part];
    if (!section) continue;
    const at = (code: string, line: number, message: string, fix: string) =>
      findings.push({ code, severity: "error", file: source.name, line, message, fix });
    section.statements.forEach((s, index) => {
      const alter = alterTable(s.code);
      if (alter?.action === "other") {
        at(
          "alter-unsupported",
          s.line,
          `SQLite's ALTER TABLE cannot "${alter.rest}"`,
          REBUILD_FIX(alter.table),
        );
      } else if (alter?.action === "add") {
        addColumnChecks(alter.definition ?? "", alter.table, s.line, at);
      } else if (alter?.action === "rename-table") {
        const recreated = section.statements.slice(index + 1).some((later) => {
          const created = createObject(later.code);
          return created?.kind === "table" && created.name === alter.table;
        });
        if (recreated) {
          at(
            "rename-old-table",
            s.line,
            `Table ${alter.table} is renamed and then created anew: since SQLite 3.26 the rename ` +
              `rewrites the views, triggers and foreign keys that name ${alter.table} to follow the ` +
              `old table, which is then dropped`,
            REBUILD_FIX(alter.table),
          );
        }
      }
      const pragma = /^PRAGMA (?:main\.)?(foreign_keys|journal_mode)\b/i.exec(s.code);
      if (pragma || verb(s.code) === "VACUUM") {
        at(
          "not-in-transaction",
          s.line,
          pragma
            ? `PRAGMA ${pragma[1].toLowerCase()} does nothing inside the migration's transaction`
            : "VACUUM cannot run inside the migration's transaction",
          pragma?.[1].toLowerCase() === "foreign_keys"
            ? "remove it: the runner switches foreign keys off around every run and checks them before commit"
            : "remove it: the database's journal mode and vacuuming are `piwardrive db`'s business",
        );
      }
    });
    if (part === "up") findings.push(...indexReentryChecks(source.name, section));
  }
  return findings;
}

function addColumnChecks(
  definition: string,
  table: string,
  line: number,
  at: (code: string, line: number, message: string, fix: string) => void,
): void {
  if (/\b(UNIQUE|PRIMARY KEY)\b/i.test(definition)) {
    at(
      "alter-unsupported",
      line,
      `SQLite cannot add a ${
        /UNIQUE/i.test(definition) ? "UNIQUE" : "PRIMARY KEY"
      } column to ${table}`,
      `add the column, then CREATE UNIQUE INDEX on it, or ${REBUILD_FIX(table)}`,
    );
  }
  if (/\bAS ?\(/i.test(definition) && /\bSTORED\b/i.test(definition)) {
    at(
      "stored-generated-alter",
      line,
      `SQLite cannot add a STORED generated column to ${table} once it has rows ` +
        `("cannot add a STORED column"); an empty test database lets it through`,
      `make it VIRTUAL, or ${REBUILD_FIX(table)}`,
    );
  }
  if (/\bDEFAULT ?(\(|CURRENT_(TIME|DATE|TIMESTAMP)\b)/i.test(definition)) {
    at(
      "alter-unsupported",
      line,
      `SQLite cannot add a column with a non-constant default to ${table} once it has rows; ` +
        `an empty test database lets it through`,
      `use a constant default and fill the column with UPDATE, or ${REBUILD_FIX(table)}`,
    );
  }
}

/**
 * An up part whose every other statement could run twice (guarded DDL, data changes) is meant to
 * be re-runnable; a bare CREATE INDEX is then the one statement that fails the second time, or
 * when someone already created the index by hand as the guide's tuning advice suggests.
 */
function indexReentryChecks(file: string, section: LintSection): Finding[] {
  const bare = section.statements.filter((s) => createIndex(s.code)?.ifNotExists === false);
  if (bare.length === 0) return [];
  const reentrant = section.statements.every((s) => {
    if (s.rebuild) return false;
    if (createIndex(s.code)) return true;
    const created = createObject(s.code);
    if (created) return created.ifNotExists;
    if (alterTable(s.code)) return false;
    if (droppedTable(s.code) || /^DROP (INDEX|VIEW|TRIGGER) /i.test(s.code)) {
      return /^DROP \w+ IF EXISTS /i.test(s.code);
    }
    return ["INSERT", "UPDATE", "DELETE", "REPLACE", "SELECT", "WITH"].includes(verb(s.code));
  });
  if (!reentrant) return [];
  return bare.map((s) => ({
    code: "index-not-idempotent",
    severity: "warning" as const,
    file,
    line: s.line,
    message: `CREATE INDEX ${
      createIndex(s.code)!.name
    } without IF NOT EXISTS in an up part that can otherwise run again`,
    fix: "write CREATE INDEX IF NOT EXISTS",
  }));
}
