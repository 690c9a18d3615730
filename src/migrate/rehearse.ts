/**
 * `piwardrive migrate --rehearse`: the guide's "test on real data first", on the Pi, in one
 * command. The pending plan is applied to an online backup of the database, one step at a time,
 * measuring each (time, row counts of every table, file size), then `--verify` runs on the copy.
 * The live file is only read; the copy is removed afterwards unless it is to be kept.
 */
import { DatabaseSync } from "node:sqlite";
import { statfsSync } from "node:fs";
import { dirname, join } from "node:path";
import { ensureSound, openDatabase } from "../db/open.ts";
import { backupDatabase, databaseBytes } from "../db/backup.ts";
import { errorMessage, PiwardriveError } from "../errors.ts";
import { loadOuiTable } from "../oui/mod.ts";
import { precomputedSchema } from "./manifest.ts";
import { expectedSchemas, Migrator } from "./migrator.ts";
import type { Migration } from "./parse.ts";
import { verifyDatabase, type VerifyReport } from "./verify.ts";
import { existsNow } from "../paths.ts";

export interface RehearseOptions {
  dbPath: string;
  migrations: Migration[];
  /** Version to reach; latest when absent. */
  target?: number;
  /** Keep the migrated copy (its path is in the outcome). */
  keep?: boolean;
  /** Where to put the copy when there is no room beside the database (default $TMPDIR). */
  tmpDir?: string;
  now?: () => Date;
}

/** One step as rehearsed. */
export interface RehearsedStep {
  version: number;
  description: string;
  direction: "up" | "down";
  status: "success" | "error" | "not_executed";
  executionMs?: number;
  error?: string;
  /** Rows per table before and after the step (a table the step creates or drops is absent). */
  rowsBefore: Record<string, number>;
  rowsAfter?: Record<string, number>;
  fileBytesBefore: number;
  fileBytesAfter?: number;
}

export interface RehearseOutcome {
  database: string;
  /** Where the copy was made; it exists afterwards only when `kept`. */
  copyPath: string;
  /** `beside` the database, or in the temporary directory (`tmp`). */
  copyLocation: "beside" | "tmp";
  kept: boolean;
  fromVersion: number;
  toVersion: number;
  steps: RehearsedStep[];
  /** `migrate --verify` of the migrated copy; null when a step failed. */
  verify: VerifyReport | null;
  /** Every step succeeded and the copy verifies. */
  ok: boolean;
}

/**
 * Rehearses the plan to `target` on a copy of the database at `dbPath`.
 *
 * @example
 * ```ts
 * const outcome = await rehearseMigrate({ dbPath: "piwardrive.db", migrations });
 * outcome.ok; // true: `piwardrive migrate` would succeed on this data
 * ```
 */
export async function rehearseMigrate(options: RehearseOptions): Promise<RehearseOutcome> {
  try {
    if (!Deno.statSync(options.dbPath).isFile) throw new Deno.errors.NotFound();
  } catch {
    throw new PiwardriveError(
      `Cannot rehearse on "${options.dbPath}": no such database; give its path with --db`,
    );
  }
  const live = openLive(options.dbPath);
  let place: { path: string; location: "beside" | "tmp"; dir?: string };
  try {
    ensureSound(live, options.dbPath);
    place = copyPlace(options);
    await backupDatabase(live, place.path);
  } finally {
    live.close();
  }
  try {
    return await rehearseOn(place.path, place.location, options);
  } finally {
    if (!options.keep) {
      for (const suffix of ["", "-journal", "-wal", "-shm"]) {
        try {
          Deno.removeSync(place.path + suffix);
        } catch { /* not there */ }
      }
      if (place.dir) Deno.removeSync(place.dir, { recursive: true });
    }
  }
}

/**
 * The live database, for reading. A read-only connection to a WAL database creates its -wal and
 * -shm files and, unable to checkpoint, leaves them behind; when they do not exist (nothing else
 * has the file open, nothing pending) an ordinary connection is used instead, which writes
 * nothing to the file and, as the last to close, removes them again.
 */
function openLive(dbPath: string): DatabaseSync {
  const exists = (suffix: string) => {
    try {
      Deno.statSync(dbPath + suffix);
      return true;
    } catch {
      return false;
    }
  };
  if (exists("-wal") || exists("-shm")) return openDatabase(dbPath, { readOnly: true });
  return new DatabaseSync(dbPath);
}

async function rehearseOn(
  copyPath: string,
  copyLocation: "beside" | "tmp",
  options: RehearseOptions,
): Promise<RehearseOutcome> {
  const db = new DatabaseSync(copyPath);
  let outcome: RehearseOutcome;
  try {
    const expected = expectedSchemas(options.migrations, precomputedSchema());
    const migrator = new Migrator(db, options.migrations, { expectedSchema: expected });
    migrator.adoptLegacySchema(expected);
    const fromVersion = migrator.currentVersion();
    const plan = migrator.plan(options.target);
    if (plan.length > 0) await loadOuiTable(); // version 9 calls oui_vendor()
    const steps: RehearsedStep[] = plan.map(({ migration, direction }) => ({
      version: migration.version,
      description: migration.description,
      direction,
      status: "not_executed",
      rowsBefore: {},
      fileBytesBefore: 0,
    }));
    // Step by step, each in its own transaction, so each can be measured; the real run puts
    // them all in one.
    for (const step of steps) {
      step.rowsBefore = rowCounts(db);
      step.fileBytesBefore = databaseBytes(copyPath);
      const started = performance.now();
      try {
        migrator.migrateTo(step.direction === "up" ? step.version : step.version - 1);
      } catch (error) {
        step.status = "error";
        step.error = errorMessage(error);
        break;
      }
      step.executionMs = Math.round(performance.now() - started);
      step.status = "success";
      step.rowsAfter = rowCounts(db);
      step.fileBytesAfter = databaseBytes(copyPath);
    }
    outcome = {
      database: options.dbPath,
      copyPath,
      copyLocation,
      kept: options.keep === true,
      fromVersion,
      toVersion: migrator.currentVersion(),
      steps,
      verify: null,
      ok: false,
    };
  } finally {
    db.close();
  }
  if (outcome.steps.every((s) => s.status === "success")) {
    const verify = verifyDatabase(copyPath, options.migrations);
    outcome.verify = verify;
    // Below the latest version, the versions above the target are pending by design.
    const belowLatest = outcome.toVersion < options.migrations.length;
    outcome.ok = verify.checks.every((c) =>
      c.status !== "fail" || (c.check === "pending" && belowLatest)
    );
  }
  return outcome;
}

/**
 * Beside the database when its file system has room (the same disk the real run will use, and
 * not a RAM-backed /tmp on a Pi), else in the temporary directory; the room needed is twice the
 * file, since a rebuild holds two copies of a table until it commits.
 */
function copyPlace(
  options: RehearseOptions,
): { path: string; location: "beside" | "tmp"; dir?: string } {
  const needed = databaseBytes(options.dbPath) * 2 + 1048576;
  const stamp = (options.now?.() ?? new Date()).toISOString().replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  const beside = dirname(options.dbPath) || ".";
  if (freeBytes(beside) >= needed) {
    // A kept copy of an earlier rehearsal in the same second keeps its name.
    let path = `${options.dbPath}.rehearsal-${stamp}`;
    for (let n = 2; existsNow(path); n++) path = `${options.dbPath}.rehearsal-${stamp}-${n}`;
    return { path, location: "beside" };
  }
  const tmp = options.tmpDir ?? Deno.env.get("TMPDIR") ?? "/tmp";
  if (freeBytes(tmp) >= needed) {
    const dir = Deno.makeTempDirSync({ dir: tmp, prefix: "piwardrive-rehearsal-" });
    return {
      path: join(dir, "rehearsal.db"),
      location: "tmp",
      dir: options.keep ? undefined : dir,
    };
  }
  throw new PiwardriveError(
    `Not enough free disk space to rehearse: the copy needs ${
      mib(needed)
    }, and neither "${beside}" ` +
      `(${mib(freeBytes(beside))} free) nor "${tmp}" (${
        mib(freeBytes(tmp))
      } free) has it; free some space`,
  );
}

function freeBytes(dir: string): number {
  try {
    const fs = statfsSync(dir);
    return Number(fs.bavail) * Number(fs.bsize);
  } catch {
    return 0;
  }
}

/** Rows of every table, the ledger included. */
function rowCounts(db: DatabaseSync): Record<string, number> {
  const tables = db.prepare(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
  ).all() as { name: string }[];
  const counts: Record<string, number> = {};
  for (const { name } of tables) {
    const quoted = `"${name.replaceAll('"', '""')}"`;
    counts[name] = Number(
      (db.prepare(`SELECT count(*) AS n FROM ${quoted}`).get() as { n: number }).n,
    );
  }
  return counts;
}

function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}
