/**
 * The safe SQLite table recreation (sqlite.org/lang_altertable.html §7) as one reusable step:
 * create the new shape under a temporary name, copy the columns both shapes share, drop the old
 * table, rename the new one into place, restore the AUTOINCREMENT counter, and recreate the
 * indexes, triggers and views that stood on the old table. The old table is never renamed
 * (since SQLite 3.26 that would rewrite references to it elsewhere). The caller switches
 * foreign keys off before its transaction and runs `foreign_key_check` before committing.
 */
import type { DatabaseSync } from "node:sqlite";

/** The CREATE TABLE statement with its table name replaced by `newName`. */
export function renameCreateTable(createSql: string, table: string, newName: string): string {
  const head = new RegExp(`CREATE\\s+TABLE\\s+["\`\\[]?${table}["\`\\]]?\\s*\\(`, "i");
  if (!head.test(createSql)) {
    throw new SyntaxError(`Cannot rebuild table "${table}": expected "CREATE TABLE ${table} (…)"`);
  }
  return createSql.replace(head, `CREATE TABLE "${newName}" (`);
}

/**
 * Rebuilds `table` into the shape given by `createSql`, inside the caller's transaction.
 *
 * @example
 * ```ts
 * db.exec("PRAGMA foreign_keys = OFF");
 * db.exec("BEGIN IMMEDIATE");
 * rebuildTable(db, "wifi_networks", "CREATE TABLE wifi_networks (id INTEGER PRIMARY KEY, …)");
 * db.exec("COMMIT");
 * ```
 */
export function rebuildTable(db: DatabaseSync, table: string, createSql: string): void {
  const temporary = `_rebuild_${table}`;
  const oldColumns = storedColumns(db, table);
  if (oldColumns.length === 0) throw new Error(`Cannot rebuild table "${table}": no such table`);
  const dependents = db.prepare(
    "SELECT sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND tbl_name = ? AND sql IS NOT NULL ORDER BY type, name",
  ).all(table) as { sql: string }[];
  const views = db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'view' ORDER BY name")
    .all() as { name: string; sql: string }[];
  const sequence = readSequence(db, table);

  db.exec(renameCreateTable(createSql, table, temporary));
  const shared = storedColumns(db, temporary).filter((c) => oldColumns.includes(c));
  const list = shared.map(quoteName).join(", ");
  db.exec(`INSERT INTO ${quoteName(temporary)} (${list}) SELECT ${list} FROM ${quoteName(table)}`);
  for (const view of views) db.exec(`DROP VIEW ${quoteName(view.name)}`);
  db.exec(`DROP TABLE ${quoteName(table)}`);
  db.exec(`ALTER TABLE ${quoteName(temporary)} RENAME TO ${quoteName(table)}`);
  if (sequence !== null) {
    // Keep AUTOINCREMENT's promise: ids of deleted rows are never handed out again.
    db.prepare("DELETE FROM sqlite_sequence WHERE name = ?").run(table);
    db.prepare("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)").run(table, sequence);
  }
  for (const { sql } of dependents) db.exec(sql);
  for (const view of views) db.exec(view.sql);
}

/** Columns that hold data (generated columns are computed, so never copied). */
function storedColumns(db: DatabaseSync, table: string): string[] {
  return (db.prepare("SELECT name FROM pragma_table_xinfo(?) WHERE hidden IN (0, 1) ORDER BY cid")
    .all(table) as { name: string }[]).map((c) => c.name);
}

function readSequence(db: DatabaseSync, table: string): number | null {
  const hasSequence = db.prepare(
    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'",
  ).get();
  if (!hasSequence) return null;
  const row = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = ?").get(table) as
    | { seq: number }
    | undefined;
  return row ? Number(row.seq) : null;
}

/** An identifier in double quotes, doubled inner quotes. */
export function quoteName(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
