/**
 * Running piwardrive in tests: in-process through `main()` with captured output (fast), or as a
 * real process with the same permissions as `deno task start` (exit codes, signals, locks).
 */
import { fileURLToPath } from "node:url";
import { main } from "../../src/cli/mod.ts";
import type { Io } from "../../src/cli/context.ts";

export const MAIN = fileURLToPath(new URL("../../main.ts", import.meta.url));

/**
 * The permissions, V8 flags and `--unstable-*` flags of the `start` task, read from deno.json so
 * they cannot drift apart.
 */
export const START_PERMISSIONS: string[] = (() => {
  const config = JSON.parse(Deno.readTextFileSync(new URL("../../deno.json", import.meta.url)));
  return (config.tasks.start as string).split(/\s+/)
    .filter((a) => /^--(allow-|v8-flags=|unstable-)/.test(a));
})();

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in this process. */
export async function cli(...args: string[]): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (t) => out.push(t), err: (t) => err.push(t), isTerminal: false };
  const code = await main(args, io);
  return {
    code,
    stdout: out.map((l) => l + "\n").join(""),
    stderr: err.map((l) => l + "\n").join(""),
  };
}

/** Runs the CLI as a child process (`deno run <start permissions> main.ts …`). */
export async function cliProcess(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<CliResult> {
  const output = await spawnCli(args, options).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** The child process, for tests that signal or race it. */
export function spawnCli(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", ...START_PERMISSIONS, MAIN, ...args],
    env: options.env,
    cwd: options.cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** A fresh temporary directory, removed by the returned disposer. */
export function tempDir(): { path: string; [Symbol.dispose](): void } {
  const path = Deno.makeTempDirSync({ prefix: "piwardrive-test-" });
  return { path, [Symbol.dispose]: () => Deno.removeSync(path, { recursive: true }) };
}
