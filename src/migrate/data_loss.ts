/**
 * What a migration run deletes, and whether it may. The runner measures it inside the run's
 * transaction (row counts of every table before and after each step, and the values of every
 * stored column a step drops), so the figures are exact; a run that would delete without
 * permission is rolled back and refused. The permission rule lives here alone.
 */
import type { DatabaseSync } from "node:sqlite";
import { ExitCode, PiwardriveError } from "../errors.ts";
import { quoteName } from "../db/rebuild.ts";
import type { Migration } from "./parse.ts";

/** Rows removed from one table, or values of one dropped column, by one step or a whole run. */
export interface DeletedData {
  table: string;
  /** Set for the values of a dropped column; null for rows. */
  column: string | null;
  count: number;
  /**
   * The archive table(s) the rows were copied into by the migration that removed them (the
   * merges of versions 5 and 6), whose down part puts them back; null when nothing keeps them.
   */
  archivedIn: string | null;
}

/**
 * What a run may delete: `none` (plain `migrate`), `archived` (rows a migration moves into its
 * own archive table, which its down part restores: the duplicates merged by versions 5 and 6;
 * what `collect` and `config set` allow when they bring a database up to date, so an old
 * database keeps working without a flag, its pre-merge backup kept), `all` (`--allow-data-loss`).
 */
export type DataLossPermission = "none" | "archived" | "all";

/**
 * The deletions `permission` does not cover.
 *
 * @example
 * ```ts
 * const merged = { table: "wifi_networks", column: null, count: 2, archivedIn: "wifi_networks_merged" };
 * unpermitted([merged], "archived"); // []
 * unpermitted([merged], "none"); // [merged]
 * ```
 */
export function unpermitted(deleted: DeletedData[], permission: DataLossPermission): DeletedData[] {
  if (permission === "all") return [];
  if (permission === "archived") return deleted.filter((d) => d.archivedIn === null);
  return deleted;
}

/**
 * The tables a migration keeps for its own down part: created by its up part, read by its down
 * part before the down part drops them (`wifi_networks_merged`, `oui_backfilled`). Their rows go
 * back where they came from, so dropping them on the way down deletes nothing; rows its up part
 * removes from other tables are archived in them. A table the down part only drops (sightings,
 * the GPS track) holds data.
 *
 * @example
 * ```ts
 * archiveTables(embeddedMigrations()[4]); // ["wifi_networks_merged"] (version 5)
 * archiveTables(embeddedMigrations()[6]); // [] (version 7: sightings are data)
 * ```
 */
export function archiveTables(migration: Migration): string[] {
  const created = migration.up.flatMap((step) => {
    if (step.kind !== "sql") return [];
    const m = /^\s*CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?["`[]?(\w+)/i.exec(
      stripComments(step.sql),
    );
    return m ? [m[1]] : [];
  });
  return created.filter((table) => {
    const word = new RegExp(`\\b${table}\\b`, "i");
    const drop = new RegExp(`^\\s*DROP\\s+TABLE\\s+(?:IF\\s+EXISTS\\s+)?["\`[]?${table}\\b`, "i");
    const down = migration.down.map((s) => stripComments(s.kind === "sql" ? s.sql : s.createSql));
    return down.some((sql) => drop.test(sql)) &&
      down.some((sql) => word.test(sql) && !drop.test(sql));
  });
}

/** Rows of every table (the ledger and SQLite's own tables aside). */
export function rowCounts(db: DatabaseSync): Map<string, number> {
  const tables = db.prepare(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_version'",
  ).all() as { name: string }[];
  return new Map(tables.map(({ name }) => [
    name,
    Number((db.prepare(`SELECT count(*) AS n FROM ${quoteName(name)}`).get() as { n: number }).n),
  ]));
}

/** The columns that hold data (generated ones are computed), by table. */
export function storedColumnsByTable(db: DatabaseSync): Map<string, string[]> {
  const rows = db.prepare(
    `SELECT m.name AS t, c.name AS c FROM sqlite_master AS m, pragma_table_xinfo(m.name) AS c
     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND c.hidden IN (0, 1) ORDER BY m.name, c.cid`,
  ).all() as { t: string; c: string }[];
  const byTable = new Map<string, string[]>();
  for (const { t, c } of rows) byTable.set(t, [...byTable.get(t) ?? [], c]);
  return byTable;
}

/**
 * Runs `apply` (one migration step) and returns the values of the stored columns it drops from
 * tables that stay. Which columns go is only known afterwards (a rebuild, a drop, or a table
 * recreated by hand), so the step runs under a savepoint; when columns went, it is undone, their
 * values counted, and run again. Only steps that drop a column (down 2 and down 4 here) run
 * twice; the figure is exact whatever SQL the step holds. A failure is left to the caller's
 * transaction, which rolls everything back, savepoint included.
 *
 * @example
 * ```ts
 * droppedValues(db, () => db.exec("ALTER TABLE wifi_networks DROP COLUMN vendor"));
 * // [{ table: "wifi_networks", column: "vendor", count: 110, archivedIn: null }]
 * ```
 */
export function droppedValues(db: DatabaseSync, apply: () => void): DeletedData[] {
  const before = storedColumnsByTable(db);
  db.exec("SAVEPOINT migration_step");
  apply();
  const dropped = droppedColumns(before, storedColumnsByTable(db));
  const deleted: DeletedData[] = [];
  if (dropped.length > 0) {
    db.exec("ROLLBACK TO migration_step");
    for (const { table, column } of dropped) {
      const count = meaningfulValues(db, table, column);
      if (count > 0) deleted.push({ table, column, count, archivedIn: null });
    }
    apply();
  }
  db.exec("RELEASE migration_step");
  return deleted;
}

/** Stored columns of tables that exist in both maps and lost columns from `before` to `after`. */
export function droppedColumns(
  before: Map<string, string[]>,
  after: Map<string, string[]>,
): { table: string; column: string }[] {
  return [...before].flatMap(([table, columns]) => {
    const kept = after.get(table);
    return kept
      ? columns.filter((c) => !kept.includes(c)).map((column) => ({ table, column }))
      : [];
  });
}

/**
 * Values of `column` that say something: not NULL and not the column's default (a value equal
 * to the default, such as `confidence_score` 0 before anything scores a network, is what the
 * schema would write anyway, so dropping it loses nothing).
 */
export function meaningfulValues(db: DatabaseSync, table: string, column: string): number {
  const info = db.prepare("SELECT dflt_value AS d FROM pragma_table_xinfo(?) WHERE name = ?")
    .get(table, column) as { d: string | null } | undefined;
  const name = quoteName(column);
  const notDefault = info?.d == null ? "" : ` AND ${name} IS NOT (${info.d})`;
  const row = db.prepare(
    `SELECT count(*) AS n FROM ${quoteName(table)} WHERE ${name} IS NOT NULL${notDefault}`,
  ).get() as { n: number };
  return Number(row.n);
}

/** Rows each table lost between two counts, for one step of `migration` in `direction`. */
export function deletedRows(
  before: Map<string, number>,
  after: Map<string, number>,
  migration: Migration,
  direction: "up" | "down",
): DeletedData[] {
  const archives = archiveTables(migration);
  const deleted: DeletedData[] = [];
  for (const [table, rows] of before) {
    const lost = rows - (after.get(table) ?? 0);
    // On the way down, an archive's rows have been put back before it is dropped.
    if (lost <= 0 || (direction === "down" && archives.includes(table))) continue;
    const archivedIn = direction === "up" && archives.length > 0 ? archives.join(", ") : null;
    deleted.push({ table, column: null, count: lost, archivedIn });
  }
  return deleted;
}

/** The deletions of several steps, summed per table (and column), largest first. */
export function totalDeleted(deleted: DeletedData[]): DeletedData[] {
  const sums = new Map<string, DeletedData>();
  for (const d of deleted) {
    const key = `${d.table}\u0000${d.column ?? ""}\u0000${d.archivedIn ?? ""}`;
    const sum = sums.get(key);
    if (sum) sum.count += d.count;
    else sums.set(key, { ...d });
  }
  return [...sums.values()].sort((a, b) =>
    b.count - a.count || describeItem(a).localeCompare(describeItem(b))
  );
}

/**
 * `1,234 rows: wifi_sightings 1,000, gps_track 234` (values of dropped columns and archived rows
 * said as such).
 *
 * @example
 * ```ts
 * describeDeleted([{ table: "gps_track", column: null, count: 234, archivedIn: null }]);
 * // "234 rows: gps_track 234"
 * ```
 */
export function describeDeleted(deleted: DeletedData[]): string {
  const total = totalDeleted(deleted);
  const rows = total.filter((d) => d.column === null).reduce((n, d) => n + d.count, 0);
  const values = total.filter((d) => d.column !== null).reduce((n, d) => n + d.count, 0);
  const head = [
    rows > 0 ? `${count(rows)} row${rows === 1 ? "" : "s"}` : "",
    values > 0 ? `${count(values)} value${values === 1 ? "" : "s"}` : "",
  ].filter(Boolean).join(" and ");
  return `${head}: ${total.map(describeItem).join(", ")}`;
}

function describeItem(d: DeletedData): string {
  const name = d.column === null ? d.table : `${d.table}.${d.column}`;
  return `${name} ${count(d.count)}${d.archivedIn ? ` (archived in ${d.archivedIn})` : ""}`;
}

/** `1,234`. */
export function count(n: number): string {
  return n.toLocaleString("en-US");
}

/** A run that would delete data without permission: rolled back, exit 2 (a flag is missing). */
export class DataLossError extends PiwardriveError {
  readonly deleted: DeletedData[];
  readonly direction: "up" | "down";
  readonly target: number;
  constructor(
    deleted: DeletedData[],
    direction: "up" | "down",
    target: number,
    context: { dbPath?: string; remedy?: string } = {},
  ) {
    const where = context.dbPath === undefined ? "" : ` "${context.dbPath}"`;
    super(
      `Migrating${where} ${direction} to version ${target} would delete ${
        describeDeleted(deleted)
      }; nothing was changed${context.remedy ? `: ${context.remedy}` : ""}`,
      ExitCode.usage,
    );
    this.name = "DataLossError";
    this.deleted = deleted;
    this.direction = direction;
    this.target = target;
  }
}

function stripComments(sql: string): string {
  return sql.replace(/--[^\n]*\n?/g, " ");
}
