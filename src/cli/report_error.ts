/** How an error reaches the user: one line and its exit code; the stack only with --debug. */
import { errorMessage, ExitCode, PiwardriveError } from "../errors.ts";
import { MigrationFileError } from "../migrate/parse.ts";
import type { Io } from "./context.ts";

/** Prints `error` and returns the exit code it maps to. */
export function reportError(error: unknown, io: Io, debug: boolean): number {
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
