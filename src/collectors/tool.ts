/**
 * Running the tools the collectors read: by name, with argument arrays only (never a shell
 * string), with a timeout that kills a hung tool, and with "not installed" and "not permitted"
 * told apart from an ordinary failure.
 */

/** What one run of a tool produced. */
export type ToolResult =
  | { kind: "ok"; stdout: string; stderr: string }
  | { kind: "failed"; code: number; stdout: string; stderr: string }
  | { kind: "timeout"; stderr: string }
  | { kind: "missing" }
  | { kind: "forbidden"; detail: string };

/**
 * Runs `command args…`, killing it after `timeoutMs`.
 *
 * @example
 * ```ts
 * const result = await runTool("iw", ["dev", "wlan0", "scan"], { timeoutMs: 20_000 });
 * if (result.kind === "ok") parseIwScan(result.stdout);
 * ```
 */
export async function runTool(
  command: string,
  args: string[],
  options: { timeoutMs: number },
): Promise<ToolResult> {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(command, { args, stdin: "null", stdout: "piped", stderr: "piped" })
      .spawn();
  } catch (error) {
    return spawnFailure(error);
  }
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
  }, options.timeoutMs);
  try {
    const output = await child.output();
    const decoder = new TextDecoder();
    const stdout = decoder.decode(output.stdout);
    const stderr = decoder.decode(output.stderr);
    if (timedOut) return { kind: "timeout", stderr };
    return output.success
      ? { kind: "ok", stdout, stderr }
      : { kind: "failed", code: output.code, stdout, stderr };
  } finally {
    clearTimeout(timer);
  }
}

/** The result for a tool that could not even start. */
export function spawnFailure(error: unknown): ToolResult {
  if (error instanceof Deno.errors.NotFound) return { kind: "missing" };
  if (error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied) {
    return { kind: "forbidden", detail: (error as Error).message };
  }
  throw error;
}

/** Linux interface names: 1–15 characters, no spaces or slashes, not starting with "-". */
export function isValidInterfaceName(name: string): boolean {
  return /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,14}$/.test(name);
}
