/**
 * Slow-query identification (the guide's performance monitoring): the application's statements
 * are prepared through a connection watched here, and each call that takes longer than the
 * threshold (`slow_query_ms`, default 250) is recorded with its query-plan summary in the
 * `slow_queries` ring (version 11), the newest RING rows kept. Timing costs two clock reads per
 * call; the plan is asked for only when a call was slow.
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";

/** The threshold when `slow_query_ms` is not set. */
export const DEFAULT_SLOW_QUERY_MS = 250;
/** How many slow statements the ring keeps. */
export const SLOW_QUERY_RING = 100;

export interface SlowQuery {
  id: number;
  recordedAt: string;
  durationMs: number;
  sql: string;
  plan: string | null;
}

// Not iterate(): its call only creates the iterator; the rows are read later.
const TIMED = ["run", "get", "all"] as const;

/**
 * From now on, statements prepared on `db` are timed, and a call slower than `thresholdMs` is
 * recorded. Does nothing on a database without the `slow_queries` table (before version 11) or
 * opened read-only.
 *
 * @example
 * ```ts
 * watchSlowQueries(db, { thresholdMs: slowQueryMs(db) });
 * const writer = new TickWriter(db); // its statements are watched
 * ```
 */
export function watchSlowQueries(
  db: DatabaseSync,
  options: { thresholdMs: number; now?: () => Date; clock?: () => number },
): void {
  if (!hasRing(db)) return;
  const prepare = rawPrepare(db);
  unwatched.set(db, prepare);
  const clock = options.clock ?? (() => performance.now());
  const insert = prepare(
    "INSERT INTO slow_queries (recorded_at, duration_ms, sql, plan) VALUES (?, ?, ?, ?)",
  );
  const trim = prepare("DELETE FROM slow_queries WHERE id <= ?");
  const record = (sql: string, ms: number) => {
    try {
      const plan = (prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[])
        .map((r) => r.detail).join("; ");
      const { lastInsertRowid } = insert.run(
        (options.now?.() ?? new Date()).toISOString(),
        Math.round(ms * 10) / 10,
        sql.replace(/\s+/g, " ").trim(),
        plan || null,
      );
      trim.run(Number(lastInsertRowid) - SLOW_QUERY_RING);
    } catch {
      // Monitoring never breaks the statement it watched (read-only file, full disk).
    }
  };
  db.prepare = ((sql: string, ...rest: unknown[]) => {
    const statement = (prepare as (sql: string, ...rest: unknown[]) => StatementSync)(
      sql,
      ...rest,
    );
    for (const method of TIMED) {
      const original = statement[method].bind(statement) as (...args: unknown[]) => unknown;
      Object.defineProperty(statement, method, {
        value: (...args: unknown[]) => {
          const started = clock();
          try {
            return original(...args);
          } finally {
            const ms = clock() - started;
            if (ms > options.thresholdMs) record(sql, ms);
          }
        },
      });
    }
    return statement;
  }) as DatabaseSync["prepare"];
}

/** Each watched connection's own prepare: the ring's statements are not watched themselves. */
const unwatched = new WeakMap<DatabaseSync, DatabaseSync["prepare"]>();

function rawPrepare(db: DatabaseSync): DatabaseSync["prepare"] {
  return unwatched.get(db) ?? db.prepare.bind(db);
}

/** The threshold set by `piwardrive config set slow_query_ms N`, else the default. */
export function slowQueryMs(db: DatabaseSync): number {
  try {
    const row = rawPrepare(db)("SELECT value FROM configuration WHERE key = 'slow_query_ms'")
      .get() as
        | { value: string }
        | undefined;
    const value = Number(row?.value);
    return row && Number.isFinite(value) && value >= 0 ? value : DEFAULT_SLOW_QUERY_MS;
  } catch {
    return DEFAULT_SLOW_QUERY_MS;
  }
}

/** The recorded slow statements, newest first; none before version 11. */
export function readSlowQueries(db: DatabaseSync): SlowQuery[] {
  if (!hasRing(db)) return [];
  return (rawPrepare(db)(
    "SELECT id, recorded_at, duration_ms, sql, plan FROM slow_queries ORDER BY id DESC",
  ).all() as { id: number; recorded_at: string; duration_ms: number; sql: string; plan: string }[])
    .map((r) => ({
      id: r.id,
      recordedAt: r.recorded_at,
      durationMs: r.duration_ms,
      sql: r.sql,
      plan: r.plan,
    }));
}

function hasRing(db: DatabaseSync): boolean {
  return rawPrepare(db)(
    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'slow_queries'",
  ).get() !== undefined;
}
