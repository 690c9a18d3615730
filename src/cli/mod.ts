/**
 * The command line: a thin layer that parses arguments, calls the services and renders their
 * results. It is the only place that writes to stdout/stderr and decides the exit code.
 *
 * `migrate --verify` is the health check a Pi runs at every boot and from cron, so its plain
 * form (`[--db PATH] migrate --verify [--json] [--deep]`) is answered without loading the
 * argument-parsing framework and the other commands (half of its start-up); anything else,
 * `--help` included, goes through the full program.
 */
import { type Io, processIo, resolveDbPath } from "./context.ts";
import { reportError } from "./report_error.ts";

/**
 * Runs the CLI with `args` (without the program name) and returns the exit code.
 *
 * @example
 * ```ts
 * Deno.exit(await main(Deno.args));
 * ```
 */
export async function main(args: string[], io: Io = processIo): Promise<number> {
  const verify = plainVerify(args);
  if (verify) {
    try {
      // Straight to the modules verify needs: the migrate barrel would load the backup code too.
      const { embeddedMigrations } = await import("../migrate/embedded.ts");
      const { verifyDatabase } = await import("../migrate/verify.ts");
      const { printVerifyReport } = await import("./verify_output.ts");
      const migrations = embeddedMigrations({ precomputed: !verify.deep });
      const report = verifyDatabase(resolveDbPath(verify), migrations, { deep: verify.deep });
      printVerifyReport(report, io, verify.json);
      return report.exitCode;
    } catch (error) {
      return reportError(error, io, false);
    }
  }
  const { runProgram } = await import("./program.ts");
  return runProgram(args, io);
}

/** The options of a plain `migrate --verify`, or null for anything else. */
export function plainVerify(args: string[]): { db?: string; json: boolean; deep: boolean } | null {
  const found = {
    db: undefined as string | undefined,
    json: false,
    deep: false,
    migrate: 0,
    verify: 0,
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "migrate") found.migrate++;
    else if (arg === "--verify") found.verify++;
    else if (arg === "--json") found.json = true;
    else if (arg === "--deep") found.deep = true;
    else if (arg === "--db" && i + 1 < args.length && found.db === undefined) found.db = args[++i];
    else if (arg.startsWith("--db=") && found.db === undefined) found.db = arg.slice(5);
    else return null;
  }
  return found.migrate === 1 && found.verify === 1 &&
      args.indexOf("migrate") < args.indexOf("--verify")
    ? { db: found.db, json: found.json, deep: found.deep }
    : null;
}
