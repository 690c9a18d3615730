/** The slow-query ring as `db stats` shows it. */
import { openDatabase } from "../db/open.ts";
import { readSlowQueries, type SlowQuery, slowQueryMs } from "../db/slow_queries.ts";
import type { Io } from "./context.ts";

/** The threshold in force and the recorded slow statements (newest first) of `dbPath`. */
export function slowQueriesAt(dbPath: string): { thresholdMs: number; queries: SlowQuery[] } {
  const db = openDatabase(dbPath, { readOnly: true });
  try {
    return { thresholdMs: slowQueryMs(db), queries: readSlowQueries(db) };
  } finally {
    db.close();
  }
}

export function printSlowQueries(
  io: Io,
  slow: { thresholdMs: number; queries: SlowQuery[] },
): void {
  io.out(
    `slow queries   ${slow.queries.length} recorded (slower than ${slow.thresholdMs} ms; newest first)`,
  );
  for (const q of slow.queries) {
    const sql = q.sql.length > 80 ? `${q.sql.slice(0, 77)}…` : q.sql;
    io.out(`  ${q.recordedAt}  ${q.durationMs} ms  ${sql}`);
    if (q.plan) io.out(`      plan: ${q.plan}`);
  }
}
