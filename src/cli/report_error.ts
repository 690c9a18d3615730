/** How an error reaches the user: one line and its exit code; the stack only with --debug. */
import { errorMessage, ExitCode, PiwardriveError } from "../errors.ts";
import { MigrationFileError } from "../migrate/parse.ts";
import type { Io } from "./context.ts";

/**
 * `text` on one line: a message may quote bytes of a damaged file or of a stranger's SSID, whose
 * line breaks and control characters would break the one-line rule (and could drive a terminal),
 * so they are written as escapes.
 *
 * @example
 * ```ts
 * oneLine("bad token \"a\nb\""); // 'bad token "a\\nb"'
 * ```
 */
export function oneLine(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    const named: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };
    return named[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
  });
}

/** Prints `error` and returns the exit code it maps to. */
export function reportError(error: unknown, io: Io, debug: boolean): number {
  if (error instanceof PiwardriveError || error instanceof MigrationFileError) {
    io.err(`piwardrive: ${oneLine(error.message)}`);
    if (debug && error.stack) io.err(error.stack);
    return error instanceof PiwardriveError ? error.exitCode : ExitCode.runtime;
  }
  io.err(
    `piwardrive: unexpected error: ${oneLine(errorMessage(error))}${
      debug ? "" : " (run with --debug for details)"
    }`,
  );
  if (debug && error instanceof Error && error.stack) io.err(error.stack);
  return ExitCode.runtime;
}
