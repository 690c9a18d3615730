/**
 * `piwardrive migrate`: apply, `--to N`, `--dry-run`, `--status`, `--verify`, and
 * `--allow-data-loss` for a run that deletes rows.
 */
import { Command } from "@commander-js/extra-typings";
import { ExitCode, UsageError } from "../errors.ts";
import { migrationStatus, runMigrate, verifyDatabase } from "../migrate/mod.ts";
import { pad } from "../migrate/migrator.ts";
import { count, describeDeleted } from "../migrate/data_loss.ts";
import { printVerifyReport } from "./verify_output.ts";
import { type GlobalOptions, type Io, resolveDbPath, VERSION } from "./context.ts";
import { migrationsFor } from "./migrations_source.ts";
import { jsonOption, lockWaitOption, parseNonNegativeInt } from "./options.ts";
import { warnAboutPlatform } from "./platform.ts";
import { migrateLintCommand } from "./migrate_lint_command.ts";
import { rehearseCommand } from "./migrate_rehearse.ts";

/**
 * The `migrate` command (run, `--status`, `--verify`, `--dry-run`, `--rehearse`) with its `lint`
 * sub-command; `exit` receives an exit code other than 0 (verification failed, schema newer).
 * `io` takes its output, `globals()` gives the program's global options (`--db`, `--debug`,
 * `--migrations-dir`) when the action runs.
 *
 * @example
 * ```ts
 * program.addCommand(migrateCommand(io, () => program.opts()));
 * ```
 */
export function migrateCommand(io: Io, globals: () => GlobalOptions, exit: (code: number) => void) {
  return new Command("migrate")
    .description(
      "Bring the database schema to the latest version (or --to N), with a checked backup",
    )
    .option("--to <version>", "migrate up or down to this version", parseNonNegativeInt("--to"))
    .option("--dry-run", "print the plan, its SQL and what it would delete; change nothing")
    .option(
      "--status",
      "list every version (applied when, checksum ok or modified, pending) and kept backups",
    )
    .option("--verify", "prove the schema is exactly what this binary expects (read-only)")
    .option("--deep", "with --verify: also run quick_check over the whole file")
    .option("--no-backup", "do not back up the database before changing it")
    .option(
      "--allow-data-loss",
      "let a run delete rows (going down, or merging duplicates); its backup is kept",
    )
    .addOption(lockWaitOption("another migration"))
    .addOption(jsonOption())
    .option(
      "--rehearse",
      "apply the plan to a copy, measure each step and verify it; keep the database",
    )
    .option("--keep", "with --rehearse: keep the migrated copy")
    .addCommand(migrateLintCommand(io, globals, exit))
    .action(async (options, command) => {
      warnAboutPlatform(io);
      const g = globals();
      const dbPath = resolveDbPath(g);
      const migrations = migrationsFor(g, { precomputed: !options.deep });
      const modes = [options.status, options.verify, options.dryRun].filter(Boolean).length;
      if (modes > 1) throw new UsageError("Use only one of --status, --verify and --dry-run");
      if (options.deep && !options.verify) throw new UsageError("--deep only goes with --verify");
      if (options.status || options.verify) {
        // These read the database as it is: a target or a run's flags would be silently ignored.
        // (A dry run takes every flag of the run it previews.)
        const given = [
          options.to !== undefined && "--to",
          options.allowDataLoss && "--allow-data-loss",
          options.backup === false && "--no-backup",
          command.getOptionValueSource("lockWait") === "cli" && "--lock-wait",
        ].filter(Boolean);
        if (given.length > 0) {
          throw new UsageError(
            `Cannot use ${given.join(" and ")} with ${
              options.status ? "--status" : "--verify"
            }: it reads the database at the version it has`,
          );
        }
      }
      const json = (value: unknown) => io.out(JSON.stringify(value, null, 2));
      if (options.rehearse || options.keep) {
        return rehearseCommand(io, dbPath, migrations, options, exit);
      }

      if (options.verify) {
        const report = verifyDatabase(dbPath, migrations, { deep: options.deep });
        printVerifyReport(report, io, options.json ?? false);
        exit(report.exitCode);
        return;
      }

      if (options.status) {
        const report = migrationStatus(dbPath, migrations);
        if (options.json) return json(report);
        io.out(
          `Database "${dbPath}": ${
            report.exists ? `version ${report.currentVersion}` : "does not exist yet"
          }; this binary knows up to ${report.latestVersion}`,
        );
        for (const v of report.versions) {
          const when = v.appliedAt ? ` ${v.appliedAt}${v.adopted ? " (adopted)" : ""}` : "";
          io.out(`  ${pad(v.version)}  ${v.state.padEnd(8)}  ${v.description}${when}`);
        }
        if (report.keptBackups.length > 0) {
          io.out("Kept backups (taken before runs that deleted rows; never pruned automatically):");
          for (const b of report.keptBackups) {
            io.out(`  ${b.path}  version ${b.version}  ${b.time}  ${count(b.bytes)} bytes`);
          }
        }
        if (report.versions.some((v) => v.state === "unknown")) exit(ExitCode.schemaNewer);
        else if (report.versions.some((v) => v.state === "modified")) {
          exit(ExitCode.verificationFailed);
        }
        return;
      }

      const outcome = await runMigrate({
        dbPath,
        migrations,
        target: options.to,
        dryRun: options.dryRun,
        backup: options.backup,
        allowDataLoss: options.allowDataLoss ? "all" : "none",
        lockWaitMs: options.lockWait * 1000,
        appVersion: VERSION,
        log: (line) => {
          if (!options.json) io.err(line);
        },
      });
      if (options.json) return json(outcome);
      if (outcome.adoptedVersion) {
        io.out(
          `${
            outcome.dryRun ? "Would adopt" : "Adopted"
          } "${dbPath}" at version ${outcome.adoptedVersion} (${outcome.adoptedReason})`,
        );
      }
      if (outcome.steps.length === 0) {
        io.out(`Database "${dbPath}" is up to date at version ${outcome.toVersion}`);
        return;
      }
      io.out(
        `${
          outcome.dryRun ? "Plan for" : "Migrated"
        } "${dbPath}" from version ${outcome.fromVersion} to ${outcome.toVersion}:`,
      );
      for (const s of outcome.steps) {
        const took = s.executionMs === undefined ? "" : ` (${s.executionMs} ms)`;
        io.out(
          `  ${s.direction === "up" ? "up  " : "down"} ${pad(s.version)} ${s.description}${took}`,
        );
        if (s.deleted) {
          io.out(
            `       ${outcome.dryRun ? "would delete" : "deleted"} ${describeDeleted(s.deleted)}`,
          );
        }
        for (const sql of s.sql ?? []) io.out(indent(sql.endsWith(";") ? sql : `${sql};`));
      }
      if (outcome.deleted.length > 0) {
        const what = describeDeleted(outcome.deleted);
        if (!outcome.dryRun) {
          io.out(
            `Deleted ${what}${
              outcome.backupPath ? `; the backup before it is kept: ${outcome.backupPath}` : ""
            }`,
          );
        } else if (outcome.permitted) io.out(`Would delete ${what} (allowed by --allow-data-loss)`);
        else io.out(`Would delete ${what}: refused without --allow-data-loss`);
      }
      if (outcome.dryRun) io.out("Dry run: nothing was changed");
    });
}

function indent(text: string): string {
  return text.split("\n").map((l) => `        ${l}`).join("\n");
}
