/**
 * The command line: a thin layer that parses arguments, calls the services and renders their
 * results. It is the only place that writes to stdout/stderr and decides the exit code.
 */
import { Command, CommanderError, type CommandUnknownOpts } from "@commander-js/extra-typings";
import { errorMessage, ExitCode, PiwardriveError } from "../errors.ts";
import { MigrationFileError } from "../migrate/parse.ts";
import { type Io, processIo, VERSION } from "./context.ts";
import { migrateCommand } from "./migrate_command.ts";
import { dbCommand } from "./db_command.ts";
import { configCommand } from "./config_command.ts";
import { collectCommand } from "./collect_command.ts";
import { sampleDrive } from "../collect/sample.ts";
import { serviceCommand } from "./service_command.ts";
import { exportCommand } from "./export_command.ts";

/**
 * Runs the CLI with `args` (without the program name) and returns the exit code.
 *
 * @example
 * ```ts
 * Deno.exit(await main(Deno.args));
 * ```
 */
export async function main(args: string[], io: Io = processIo): Promise<number> {
  const debug = args.includes("--debug");
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
      outputError: (s, write) => write(`piwardrive: ${s.replace(/^error: /, "").trim()}\n`),
    });
  const globals = () => program.opts();
  for (
    const command of [
      migrateCommand(io, globals, exit),
      dbCommand(io, globals, exit),
      configCommand(io, globals),
      collectCommand(io, globals, sampleDrive),
      exportCommand(io, globals),
      serviceCommand(io, globals),
    ]
  ) {
    program.addCommand(command);
  }
  // Every command and sub-command reports through `io` and returns here instead of exiting.
  const override = (command: CommandUnknownOpts) => {
    command.exitOverride().configureOutput(program.configureOutput());
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
    if (error instanceof PiwardriveError || error instanceof MigrationFileError) {
      io.err(`piwardrive: ${error.message}`);
      if (debug && error.stack) io.err(error.stack);
      return error instanceof PiwardriveError ? error.exitCode : ExitCode.runtime;
    }
    io.err(
      `piwardrive: unexpected error: ${errorMessage(error)}${
        debug ? "" : " (run with --debug for details)"
      }`,
    );
    if (debug && error instanceof Error && error.stack) io.err(error.stack);
    return ExitCode.runtime;
  }
}
