/** `db salvage OUT` and `db reindex` (recovery, added to `piwardrive db`), and `db check --json`. */
import type { Command } from "@commander-js/extra-typings";
import { ExitCode } from "../errors.ts";
import { acquireMigrationLock } from "../db/lock.ts";
import { reindexDatabase } from "../db/reindex.ts";
import { salvageDatabase } from "../migrate/salvage.ts";
import { type GlobalOptions, type Io, resolveDbPath } from "./context.ts";
import { migrationsFor } from "./migrations_source.ts";
import { ensureNotNewer } from "./open_for_writing.ts";
import type { VerifyReport } from "../migrate/verify.ts";
import { verifyJson } from "./verify_output.ts";
import { jsonOption, lockWaitOption } from "./options.ts";

/**
 * The stable `db check --json` object: `status` and every finding (integrity_check,
 * foreign_key_check, and each failed verify check's) first, then the fields it always had.
 */
export function checkJson(
  database: string,
  ok: boolean,
  integrity: { integrity: string[]; foreignKeys: string[] },
  verify: VerifyReport,
) {
  const findings = [
    ...integrity.integrity.map((message) => ({ check: "integrity_check", message })),
    ...integrity.foreignKeys.map((message) => ({ check: "foreign_key_check", message })),
    ...verifyJson(verify).findings,
  ];
  return { status: ok ? "ok" : "failed", findings, database, ok, ...integrity, verify };
}

/** Adds `db salvage` and `db reindex` (the commands that recover a damaged database) to `db`. */
// deno-lint-ignore no-explicit-any
export function addRecoveryCommands<T extends Command<any, any, any>>(
  db: T,
  io: Io,
  globals: () => GlobalOptions,
  exit: (code: number) => void,
): void {
  const json = (value: unknown) => io.out(JSON.stringify(value, null, 2));

  db.command("salvage")
    .description("copy every readable row of a damaged database into a new one (never writes it)")
    .argument("<out>", "database file to create (must not exist)")
    .addOption(jsonOption())
    .action((out, options) => {
      const dbPath = resolveDbPath(globals());
      const outcome = salvageDatabase(dbPath, out, migrationsFor(globals()));
      if (options.json) return json(outcome);
      io.out(`Salvaged "${dbPath}" (version ${outcome.version}) into "${out}":`);
      const width = Math.max(...outcome.tables.map((t) => t.table.length));
      io.out(`  ${"table".padEnd(width)}  recovered       lost   rejected`);
      for (const t of outcome.tables) {
        io.out(
          `  ${t.table.padEnd(width)}  ${String(t.recovered).padStart(9)}  ${
            String(t.lost).padStart(9)
          }  ${String(t.rejected).padStart(9)}${t.error ? `  (${t.error})` : ""}`,
        );
      }
      const sum = (key: "recovered" | "lost" | "rejected") =>
        outcome.tables.reduce((n, t) => n + t[key], 0);
      io.out(
        `${sum("recovered")} rows recovered, ${sum("lost")} lost (rowids stepped over around ` +
          `unreadable pages), ${
            sum("rejected")
          } rejected; ${outcome.orphans} row(s) refer to a lost parent`,
      );
    });

  db.command("reindex")
    .description("rebuild every index from its table (repairs damage found only in indexes)")
    .addOption(lockWaitOption("other piwardrive processes"))
    .addOption(jsonOption())
    .action(async (options) => {
      const dbPath = resolveDbPath(globals());
      ensureNotNewer(dbPath, globals());
      const lock = await acquireMigrationLock(dbPath, options.lockWait * 1000);
      try {
        const outcome = reindexDatabase(dbPath);
        const sound = outcome.after.length === 1 && outcome.after[0] === "ok";
        exit(sound ? ExitCode.ok : ExitCode.verificationFailed);
        if (options.json) return json({ status: sound ? "ok" : "failed", ...outcome });
        io.out(`reindex done: ${outcome.indexes} indexes rebuilt in ${outcome.ms} ms`);
        io.out(`integrity_check before: ${outcome.before.join("; ")}`);
        io.out(`integrity_check after: ${outcome.after.join("; ")}`);
      } finally {
        lock.release();
      }
    });
}
