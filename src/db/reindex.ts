/**
 * `db reindex`: every index rebuilt from its table (the guide's "rebuild indexes" for a damaged or
 * degraded index). An index holds nothing a table does not, so this is the repair for damage
 * `integrity_check` finds only in indexes ("row N missing from index …").
 */
import { openDatabase } from "./open.ts";

export interface ReindexOutcome {
  database: string;
  indexes: number;
  ms: number;
  /** `integrity_check` lines before and after ("ok" alone when sound). */
  before: string[];
  after: string[];
}

/**
 * Rebuilds every index of the database at `dbPath`.
 *
 * @example
 * ```ts
 * reindexDatabase("piwardrive.db").after; // ["ok"]
 * ```
 */
export function reindexDatabase(dbPath: string): ReindexOutcome {
  const db = openDatabase(dbPath);
  try {
    const check = () =>
      (db.prepare("PRAGMA integrity_check(20)").all() as { integrity_check: string }[])
        .map((r) => r.integrity_check);
    const before = check();
    const indexes = (db.prepare(
      "SELECT count(*) AS n FROM sqlite_master WHERE type = 'index'",
    ).get() as { n: number }).n;
    const started = performance.now();
    db.exec("REINDEX");
    const ms = Math.round(performance.now() - started);
    return { database: dbPath, indexes, ms, before, after: check() };
  } finally {
    db.close();
  }
}
