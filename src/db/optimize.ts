/**
 * Maintenance without a person: `PRAGMA optimize` (SQLite's advice for long-lived connections:
 * let it refresh the planner's statistics where they went stale) at most every few hours while
 * collect runs, and once more when it stops.
 */
import type { DatabaseSync } from "node:sqlite";

/** At most this often while collect runs. */
export const OPTIMIZE_EVERY_MS = 6 * 60 * 60 * 1000;

export class OptimizeSchedule {
  readonly #db: DatabaseSync;
  readonly #everyMs: number;
  readonly #clock: () => number;
  #last: number;

  constructor(
    db: DatabaseSync,
    options: { everyMs?: number; clock?: () => number } = {},
  ) {
    this.#db = db;
    this.#everyMs = options.everyMs ?? OPTIMIZE_EVERY_MS;
    this.#clock = options.clock ?? (() => performance.now());
    this.#last = this.#clock();
  }

  /**
   * Runs `PRAGMA optimize` when the interval has passed since the last run; true when it ran.
   *
   * @example
   * ```ts
   * const optimize = new OptimizeSchedule(db);
   * optimize.due(); // false for the first six hours
   * ```
   */
  due(): boolean {
    if (this.#clock() - this.#last < this.#everyMs) return false;
    return this.run();
  }

  /** Runs it now (collect stopping); false when SQLite refused (maintenance never stops collect). */
  run(): boolean {
    this.#last = this.#clock();
    try {
      this.#db.exec("PRAGMA optimize");
      return true;
    } catch {
      return false;
    }
  }
}
