/** `piwardrive sync --to URL`: renders what `src/sync` does. */
import { Command } from "@commander-js/extra-typings";
import { ExitCode, UsageError } from "../errors.ts";
import {
  type CentralCheck,
  DEFAULT_BATCH_ROWS,
  parseTarget,
  runSync,
  SYNC_TABLES,
  type SyncReport,
  withCentral,
} from "../sync/mod.ts";
import { type GlobalOptions, type Io, VERSION } from "./context.ts";
import { jsonOption } from "./options.ts";
import { openCurrentDatabase } from "./open_for_writing.ts";

/**
 * The `sync` command: the database's new rows to a central PostgreSQL; `exit` receives the
 * code of a failed `--verify` (8 when the central schema is newer, else 3).
 * `io` takes its output, `globals()` gives the program's global options (`--db`, `--debug`,
 * `--migrations-dir`) when the action runs.
 *
 * @example
 * ```ts
 * program.addCommand(syncCommand(io, () => program.opts()));
 * ```
 */
export function syncCommand(io: Io, globals: () => GlobalOptions, exit: (code: number) => void) {
  return new Command("sync")
    .description(
      "Push sightings, GPS track, health, networks and devices not yet pushed to a central PostgreSQL + PostGIS server",
    )
    .requiredOption(
      "--to <url>",
      "postgres://user@host[:port]/database[?sslmode=…] (password: PGPASSWORD, ~/.pgpass or PIWARDRIVE_PG_PASSWORD_FILE)",
    )
    .option("--dry-run", "report what would be sent, write nothing (neither here nor there)")
    .option(
      "--migrate-server [version]",
      "apply the central schema's pending migrations (or go down to VERSION), then stop",
    )
    .option("--verify-server", "check the central schema's ledger, checksums and verify queries")
    .option("--verify", "the same as --verify-server")
    .option("--batch-size <rows>", "rows per server transaction", String(DEFAULT_BATCH_ROWS))
    .addOption(jsonOption("machine-readable summary"))
    .action(async (options) => {
      const target = parseTarget(options.to);
      const batchRows = Number(options.batchSize);
      if (!Number.isInteger(batchRows) || batchRows < 1 || batchRows > 100_000) {
        throw new UsageError(`Invalid --batch-size "${options.batchSize}": use 1 to 100000 rows`);
      }
      const json = (value: unknown) => io.out(JSON.stringify(value, null, 2));
      if (options.migrateServer !== undefined) {
        const to = options.migrateServer === true ? null : Number(options.migrateServer);
        if (to !== null && (!Number.isInteger(to) || to < 0)) {
          throw new UsageError(
            `Invalid --migrate-server version "${options.migrateServer}": use a whole number`,
          );
        }
        if (to === null) {
          const applied = await withCentral(target, (_, m) => m.migrateToLatest(), VERSION);
          if (options.json) return json({ target: target.key, applied });
          return io.out(
            applied.length === 0
              ? `Central schema at ${target.key} is current`
              : `Migrated the central schema at ${target.key}: applied version(s) ${
                applied.join(", ")
              }`,
          );
        }
        const reverted = await withCentral(target, (_, m) => m.migrateDown(to), VERSION);
        if (options.json) return json({ target: target.key, reverted });
        return io.out(
          reverted.length === 0
            ? `Central schema at ${target.key} is at or below version ${to}`
            : `Reverted the central schema at ${target.key}: version(s) ${reverted.join(", ")}`,
        );
      }
      if (options.verifyServer || options.verify) {
        const checks = await withCentral(target, (_, m) => m.verify(), VERSION);
        const ok = checks.every((c) => c.ok);
        if (options.json) json({ target: target.key, ok, checks });
        else printChecks(io, target.key, checks, ok);
        if (!ok) {
          const newer = checks.some((c) => c.name === "versions" && c.detail.includes("newer"));
          exit(newer ? ExitCode.syncSchema : ExitCode.verificationFailed);
        }
        return;
      }
      // A dry run writes nothing here either: it does not migrate (an old database is refused).
      const store = await openCurrentDatabase(globals(), io, {
        quiet: options.json,
        migrate: !options.dryRun,
      });
      try {
        const report = await runSync({
          db: store.db,
          dbPath: store.dbPath,
          target,
          appVersion: VERSION,
          dryRun: options.dryRun,
          batchRows,
        });
        if (options.json) return json(report);
        for (const line of summary(report)) io.out(line);
      } finally {
        store.close();
      }
    });
}

function printChecks(io: Io, where: string, checks: CentralCheck[], ok: boolean): void {
  for (const c of checks) io.out(`${c.ok ? "ok  " : "FAIL"} ${c.name}: ${c.detail}`);
  io.out(
    ok ? `Central schema at ${where}: verified` : `Central schema at ${where}: problems found`,
  );
}

/** The summary: where, as which device, rows per table. */
export function summary(r: SyncReport): string[] {
  const lines = [
    `${r.dryRun ? "Would sync" : "Synced"} "${r.database}" to ${r.target} as device ${r.deviceId}`,
  ];
  if (r.migratedServer.length > 0) {
    lines.push(`  central schema migrated: version(s) ${r.migratedServer.join(", ")}`);
  }
  for (const c of r.marksCorrected) {
    lines.push(
      `  ${c.table}: this database's mark ${c.local} differed, the server's ${c.central} used`,
    );
  }
  for (const table of SYNC_TABLES) {
    const t = r.tables[table];
    lines.push(
      r.dryRun
        ? `  ${table}: ${t.read} rows to send`
        : `  ${table}: ${t.sent} rows sent (${t.read} read), up to id ${t.mark}`,
    );
  }
  if (r.dryRun) lines.push("Dry run: nothing was written");
  return lines;
}
