/** What every command shares: output, the database path, the migration source, the version. */
import { joinPath } from "../paths.ts";
import denoJson from "../../deno.json" with { type: "json" };
import { UsageError } from "../errors.ts";

export const VERSION: string = denoJson.version;

/** Where a command writes; tests capture it. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Rewrites the single live status line of a terminal ("" clears it). */
  status?(line: string): void;
  isTerminal: boolean;
}

const encoder = new TextEncoder();

/** The process's stdout/stderr. */
export const processIo: Io = {
  out: (text) => writeAll(Deno.stdout, text + "\n"),
  err: (text) => writeAll(Deno.stderr, text + "\n"),
  status: (line) => writeAll(Deno.stderr, `\r\x1b[K${line.slice(0, terminalColumns() - 1)}`),
  isTerminal: Deno.stderr.isTerminal(),
};

function terminalColumns(): number {
  try {
    const { columns } = Deno.consoleSize();
    return columns >= 20 ? columns : 80; // a pseudo-terminal may report no size at all
  } catch {
    return 80;
  }
}

function writeAll(stream: { writeSync(p: Uint8Array): number }, text: string): void {
  let bytes = encoder.encode(text);
  try {
    while (bytes.length > 0) bytes = bytes.subarray(stream.writeSync(bytes));
  } catch (error) {
    // A reader that went away (`| head`) is not an error of ours.
    if (!(error instanceof Deno.errors.BrokenPipe)) throw error;
  }
}

/** Global options as commander hands them over. */
export interface GlobalOptions {
  db?: string;
  debug?: boolean;
  migrationsDir?: string;
}

/**
 * The database path: `--db`, else `$PIWARDRIVE_DB`, else `/var/lib/piwardrive/piwardrive.db`
 * for root, else `$XDG_DATA_HOME/piwardrive/piwardrive.db` (`~/.local/share/…`).
 */
export function resolveDbPath(options: GlobalOptions): string {
  const path = options.db ?? Deno.env.get("PIWARDRIVE_DB");
  if (path !== undefined) {
    if (path.trim() === "" || path.includes("\0")) {
      throw new UsageError(`Invalid database path ${JSON.stringify(path)}: give a file path`);
    }
    return path;
  }
  if (Deno.uid() === 0) return "/var/lib/piwardrive/piwardrive.db";
  const dataHome = Deno.env.get("XDG_DATA_HOME") ||
    joinPath(Deno.env.get("HOME") ?? ".", ".local", "share");
  return joinPath(dataHome, "piwardrive", "piwardrive.db");
}
