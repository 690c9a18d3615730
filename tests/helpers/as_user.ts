/**
 * Running piwardrive as another user (`nobody`), for what root cannot show: a read-only folder
 * or file (root writes through both). root's Deno cache is not readable by that user, so the
 * program is bundled once into one self-contained file in a folder it can read, and run with an
 * empty DENO_DIR through `setpriv`; `removeNobodyBundle()` removes it. Root-only:
 * `asNobodyAvailable()` says whether it can run.
 */
import { fileURLToPath } from "node:url";
import type { CliResult } from "./cli.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** The other user and group, as the Debian base system names them. */
export const NOBODY = { user: "nobody", group: "nogroup", uid: 65534, gid: 65534 };

let bundled: Promise<string> | null = null;

/** Whether this process is root and has `setpriv`. */
export function asNobodyAvailable(): boolean {
  if (Deno.uid() !== 0) return false;
  try {
    return Deno.statSync("/usr/bin/setpriv").isFile;
  } catch {
    return false;
  }
}

/** A root-only test skips elsewhere, except under CI=true where it must run. */
export function ignoreUnlessRoot(): boolean {
  return !asNobodyAvailable() && Deno.env.get("CI") !== "true";
}

/** `dist`-like bundle of main.ts in a world-readable temporary folder (made once per process). */
function bundle(): Promise<string> {
  bundled ??= (async () => {
    const dir = Deno.makeTempDirSync({ prefix: "piwardrive-as-user-" });
    Deno.chmodSync(dir, 0o755);
    const out = `${dir}/piwardrive.js`;
    const result = await new Deno.Command(Deno.execPath(), {
      args: ["bundle", "--quiet", "main.ts", "-o", out],
      cwd: ROOT,
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!result.success) {
      throw new Error(`Cannot bundle main.ts: ${new TextDecoder().decode(result.stderr)}`);
    }
    Deno.chmodSync(out, 0o644);
    Deno.mkdirSync(`${dir}/home`, { mode: 0o755 });
    Deno.chownSync(`${dir}/home`, NOBODY.uid, NOBODY.gid);
    return dir;
  })();
  return bundled;
}

/** Removes the bundle (the next `cliAsNobody` makes a new one); call it when done. */
export async function removeNobodyBundle(): Promise<void> {
  if (!bundled) return;
  const dir = await bundled.catch(() => null);
  bundled = null;
  if (dir) Deno.removeSync(dir, { recursive: true });
}

/** Runs `piwardrive ARGS` as nobody:nogroup with no supplementary groups. */
export async function cliAsNobody(
  args: string[],
  options: { cwd?: string; signal?: AbortSignal } = {},
): Promise<CliResult> {
  const dir = await bundle();
  const output = await new Deno.Command("/usr/bin/setpriv", {
    args: [
      `--reuid=${NOBODY.user}`,
      `--regid=${NOBODY.group}`,
      "--clear-groups",
      Deno.execPath(),
      "run",
      "--quiet",
      "--no-config",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      "--allow-sys",
      `${dir}/piwardrive.js`,
      ...args,
    ],
    cwd: options.cwd,
    signal: options.signal,
    env: { DENO_DIR: `${dir}/home/deno`, HOME: `${dir}/home`, NO_COLOR: "1" },
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}
