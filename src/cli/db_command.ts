/** `piwardrive db …`: check, vacuum, analyze, stats, backup, restore, indexes. */
import { Command } from "@commander-js/extra-typings";
import { DamagedDatabaseError, ExitCode, PiwardriveError } from "../errors.ts";
import { acquireMigrationLock } from "../db/lock.ts";
import { vacuumDatabase } from "../db/vacuum.ts";
import {
  analyzeDatabase,
  backupTo,
  checkIntegrity,
  databaseStats,
  indexUsage,
  restoreFrom,
} from "../db/maintenance.ts";
import { verifyDatabase } from "../migrate/mod.ts";
import { type GlobalOptions, type Io, resolveDbPath } from "./context.ts";
import { migrationsFor } from "./migrations_source.ts";
import { ensureNotNewer } from "./open_for_writing.ts";
import { jsonOption, lockWaitOption } from "./options.ts";
import { addRecoveryCommands, checkJson } from "./db_recovery_command.ts";
import { printSlowQueries, slowQueriesAt } from "./slow_queries_output.ts";

/**
 * The `db` command and its sub-commands (check, vacuum, analyze, stats, indexes, backup, restore,
 * salvage, reindex); `exit` receives the code of `db check` and of the recovery checks.
 * `io` takes its output, `globals()` gives the program's global options (`--db`, `--debug`,
 * `--migrations-dir`) when the action runs.
 *
 * @example
 * ```ts
 * program.addCommand(dbCommand(io, () => program.opts()));
 * ```
 */
export function dbCommand(io: Io, globals: () => GlobalOptions, exit: (code: number) => void) {
  const db = new Command("db").description("Database maintenance and monitoring");
  const path = () => resolveDbPath(globals());
  const json = (value: unknown) => io.out(JSON.stringify(value, null, 2));

  db.command("check")
    .description("integrity_check over the whole file, foreign_key_check, and migrate --verify")
    .addOption(jsonOption())
    .action((options) => {
      const dbPath = path();
      const verify = verifyDatabase(dbPath, migrationsFor(globals()));
      const opened = verify.checks[0].status === "pass";
      const integrity = opened ? integrityOf(dbPath) : { integrity: [], foreignKeys: [] };
      const ok = verify.ok && integrity.integrity.length === 0 &&
        integrity.foreignKeys.length === 0;
      const damaged = integrity.integrity.length > 0;
      const code = ok
        ? ExitCode.ok
        : verify.exitCode === ExitCode.schemaNewer && !damaged
        ? ExitCode.schemaNewer
        : ExitCode.verificationFailed;
      if (options.json) json(checkJson(dbPath, ok, integrity, verify));
      else {
        io.out(
          `integrity_check: ${
            integrity.integrity.length === 0 ? (opened ? "ok" : "skipped") : "FAILED"
          }`,
        );
        for (const line of integrity.integrity) io.out(`  ${line}`);
        io.out(
          `foreign_key_check: ${
            integrity.foreignKeys.length === 0 ? (opened ? "ok" : "skipped") : "FAILED"
          }`,
        );
        for (const line of integrity.foreignKeys) io.out(`  ${line}`);
        const failed = verify.checks.filter((c) => c.status === "fail");
        io.out(`verify: ${failed.length === 0 ? "ok" : "FAILED"}`);
        for (const c of failed) for (const f of c.findings) io.out(`  ${c.check}: ${f}`);
        io.out(ok ? `"${dbPath}" is sound` : `"${dbPath}" has problems`);
      }
      exit(code);
    });

  db.command("vacuum")
    .description("rebuild the file compactly (it waits for a running collect to stop)")
    .addOption(lockWaitOption("other piwardrive processes"))
    .addOption(jsonOption())
    .action(async (options) => {
      const dbPath = path();
      ensureNotNewer(dbPath, globals());
      const lock = await acquireMigrationLock(dbPath, options.lockWait * 1000);
      try {
        const result = vacuumDatabase(dbPath);
        if (options.json) json(result);
        else io.out(`vacuum done: ${result.beforeBytes} bytes before, ${result.afterBytes} after`);
      } finally {
        lock.release();
      }
    });

  db.command("analyze")
    .description("update the query planner's statistics")
    .action(() => {
      ensureNotNewer(path(), globals());
      analyzeDatabase(path());
      io.out("analyze done");
    });

  db.command("stats")
    .description("file size, pages, free pages, rows and indexes per table")
    .addOption(jsonOption())
    .action((options) => {
      const s = databaseStats(path());
      const slowQueries = slowQueriesAt(path());
      if (options.json) return json({ ...s, slowQueries });
      io.out(`database       ${s.database}`);
      io.out(`size           ${s.fileBytes} bytes (+ ${s.walBytes} in WAL)`);
      io.out(`pages          ${s.pageCount} × ${s.pageSize} bytes, ${s.freelistCount} free`);
      io.out(`journal mode   ${s.journalMode}`);
      io.out(`schema version ${s.schemaVersion}`);
      io.out(`device id      ${s.deviceId ?? "none yet (made by the first sync)"}`);
      for (const t of s.tables) {
        io.out(
          `  ${t.name.padEnd(26)} ${String(t.rows).padStart(10)} rows  indexes: ${
            t.indexes.join(", ") || "-"
          }`,
        );
      }
      printSlowQueries(io, slowQueries);
    });

  db.command("indexes")
    .description("for each query the application runs, the index that serves it")
    .addOption(jsonOption())
    .action((options) => {
      const usage = indexUsage(path());
      if (options.json) return json(usage);
      const width = Math.max(...usage.map((u) => u.name.length)) + 2;
      for (const u of usage) {
        io.out(`${u.name.padEnd(width)}${u.index ?? "NO INDEX: " + u.plan.join("; ")}`);
      }
    });

  db.command("backup")
    .description("write an online, checked copy of the database")
    .argument("<path>", "file to create (must not exist)")
    .addOption(jsonOption())
    .action(async (destination, options) => {
      const bytes = await backupTo(path(), destination);
      if (options.json) json({ backup: destination, bytes, checked: true });
      else io.out(`backup written and checked: ${destination} (${bytes} bytes)`);
    });

  db.command("restore")
    .description("replace the database with a checked backup, keeping a copy of what it replaces")
    .argument("<path>", "backup file")
    .addOption(lockWaitOption("other piwardrive processes"))
    .addOption(jsonOption())
    .action(async (backupPath, options) => {
      const dbPath = path();
      const lock = await acquireMigrationLock(dbPath, options.lockWait * 1000);
      try {
        const { keptCopy, version } = restoreFrom(dbPath, backupPath, migrationsFor(globals()));
        if (options.json) {
          return json({ database: dbPath, restoredFrom: backupPath, version, keptCopy });
        }
        if (keptCopy) io.out(`previous database kept as ${keptCopy}`);
        io.out(`restored "${dbPath}" from "${backupPath}" (schema version ${version})`);
      } finally {
        lock.release();
      }
    });
  addRecoveryCommands(db, io, globals, exit);
  return db;
}

/** `checkIntegrity`, where a file that cannot be opened is a failed check (exit 3). */
function integrityOf(dbPath: string): ReturnType<typeof checkIntegrity> {
  try {
    return checkIntegrity(dbPath);
  } catch (error) {
    if (error instanceof PiwardriveError) {
      throw new DamagedDatabaseError(dbPath, error.message, { cause: error });
    }
    throw error;
  }
}
