/** The commander program: every command, its options, and the usage-error handling. */
import { Command, CommanderError, type CommandUnknownOpts } from "@commander-js/extra-typings";
import { ExitCode } from "../errors.ts";
import { reportError } from "./report_error.ts";
import { type Io, VERSION } from "./context.ts";
import { migrateCommand } from "./migrate_command.ts";
import { dbCommand } from "./db_command.ts";
import { configCommand } from "./config_command.ts";
import { collectCommand } from "./collect_command.ts";
import { sampleDrive } from "../collect/sample.ts";
import { serviceCommand } from "./service_command.ts";
import { exportCommand } from "./export_command.ts";
import { importCommand } from "./import_command.ts";
import { uploadCommand } from "./upload_command.ts";
import { syncCommand } from "./sync_command.ts";
import { reportCommand } from "./report_command.ts";
import { serveCommand } from "./serve_command.ts";

/**
 * What a usage error commander found prints: its message as one line like every error (no
 * "error: " prefix, no trailing period), then the usage line of the command it concerns, e.g.
 * `usage: piwardrive db vacuum [options]`.
 */
function usageError(message: string, command: CommandUnknownOpts): string {
  const names: string[] = [];
  for (let c: CommandUnknownOpts | null = command; c !== null; c = c.parent) {
    names.unshift(c.name());
  }
  const text = message.replace(/^error: /, "").trim().replace(/\.$/, "");
  return `piwardrive: ${text}\nusage: ${names.join(" ")} ${command.usage()}\n`;
}

/** Parses `args` with commander, runs the command, and returns the exit code. */
export async function runProgram(args: string[], io: Io): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const exit = (code: number) => {
    exitCode = code;
  };
  const program = new Command("piwardrive")
    .description("Wardriving logger for the Raspberry Pi: WiFi, Bluetooth and GPS into SQLite")
    .version(VERSION, "-V, --version")
    .option("--db <path>", "database file (env PIWARDRIVE_DB)")
    .option("--debug", "print stack traces of errors")
    .option(
      "--migrations-dir <dir>",
      "use migrations from this directory instead of the embedded ones (development)",
    )
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out(s.replace(/\n$/, "")),
      writeErr: (s) => io.err(s.replace(/\n$/, "")),
      outputError: (s, write) => write(usageError(s, program)),
    });
  const globals = () => program.opts();
  for (
    const command of [
      migrateCommand(io, globals, exit),
      dbCommand(io, globals, exit),
      configCommand(io, globals),
      collectCommand(io, globals, sampleDrive),
      exportCommand(io, globals),
      importCommand(io, globals),
      reportCommand(io, globals),
      serveCommand(io, globals),
      serviceCommand(io, globals),
      uploadCommand(io, globals),
      syncCommand(io, globals, exit),
    ]
  ) {
    program.addCommand(command);
  }
  // Every command and sub-command reports through `io` and returns here instead of exiting.
  const override = (command: CommandUnknownOpts) => {
    command.exitOverride().configureOutput({
      ...program.configureOutput(),
      outputError: (s, write) => write(usageError(s, command)),
    });
    command.commands.forEach(override);
  };
  program.commands.forEach(override);
  try {
    await program.parseAsync(args, { from: "user" });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      const quiet = ["commander.helpDisplayed", "commander.version", "commander.help"];
      return quiet.includes(error.code) ? ExitCode.ok : ExitCode.usage;
    }
    return reportError(error, io, args.includes("--debug"));
  }
}
