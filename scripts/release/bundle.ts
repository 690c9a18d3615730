/**
 * `deno task bundle [--minify]`: builds ONE self-contained JavaScript file, `dist/piwardrive.js`,
 * from `main.ts` with `deno bundle` (npm packages, the `.sql` text imports and `deno.json` are
 * inlined), then proves it is self-contained: its only imports are `node:` built-ins, and it runs
 * from an empty directory with an empty `DENO_DIR`, no network, no npm and no config, reading and
 * writing nothing outside that directory. Prints the size.
 *
 * The helpers exported here are shared with `scripts/release/compile.ts`.
 */

/** The repository root (the directory of `deno.json`). */
export const ROOT: string = decodeURIComponent(new URL("../../", import.meta.url).pathname)
  .replace(/\/$/, "");

/** A failure with a one-line message for the user: printed without a stack trace, exit 1. */
export class ReleaseError extends Error {}

/** The parts of `deno.json` the release scripts use. */
export interface DenoConfig {
  version: string;
  tasks: Record<string, string>;
}

/** Reads `deno.json` and checks the fields the release scripts need. */
export function readDenoConfig(): DenoConfig {
  const path = `${ROOT}/deno.json`;
  const config = JSON.parse(Deno.readTextFileSync(path));
  if (typeof config.version !== "string" || !/^\d+\.\d+\.\d+/.test(config.version)) {
    throw new ReleaseError(`${path} has no "version" like 1.2.3`);
  }
  if (typeof config.tasks?.start !== "string") {
    throw new ReleaseError(`${path} has no "start" task`);
  }
  return config as DenoConfig;
}

/** What a finished child process left behind. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `cmd` with an argument array (no shell), output captured, colours off. */
export async function run(
  cmd: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<RunResult> {
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command(cmd, {
      args,
      cwd: options.cwd ?? ROOT,
      env: { NO_COLOR: "1", ...options.env },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) throw new ReleaseError(`${cmd} not found`);
    throw error;
  }
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** Deno's error text without the (empty) "Stack backtrace" block and colour codes. */
export function denoErrorText(stderr: string): string {
  return stderr
    // deno-lint-ignore no-control-regex
    .replace(/\x1b\[[0-9;]*m/g, "")
    .replace(/\n*Stack backtrace:[\s\S]*$/, "")
    .trim();
}

/** `189596` → `185.2 KiB (189,596 bytes)`. */
export function formatSize(bytes: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const exact = `${bytes.toLocaleString("en-US")} bytes`;
  return unit === 0 ? exact : `${value.toFixed(1)} ${units[unit]} (${exact})`;
}

/** The SHA-256 of a file, as hex. */
export async function sha256File(path: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Runs `main`, turning a `ReleaseError` into one line on stderr and exit code 1. */
export async function runScript(name: string, main: () => Promise<void>): Promise<never> {
  try {
    await main();
    Deno.exit(0);
  } catch (error) {
    if (error instanceof ReleaseError) {
      console.error(`${name}: ${error.message}`);
      Deno.exit(1);
    }
    throw error;
  }
}

/**
 * Every module specifier the bundle still imports (static, dynamic, re-export, `require`).
 * Only `node:` built-ins may remain in a self-contained bundle.
 */
export function remainingImports(code: string): string[] {
  const patterns = [
    /(?:^|[;\s}])import\s*(?:[\w$*{}\s,]+?\s*from\s*)?["']([^"']+)["']/g,
    /(?:^|[;\s}])export\s*[\w$*{}\s,]*?\s*from\s*["']([^"']+)["']/g,
    /\bimport\s*\(\s*["'`]([^"'`]+)["'`]/g,
    /\brequire\s*\(\s*["'`]([^"'`]+)["'`]/g,
  ];
  const found = new Set<string>();
  for (const pattern of patterns) {
    for (const match of code.matchAll(pattern)) {
      // Message text such as `Cannot import "${path}"` looks like an import; a specifier never
      // holds a template hole or white space.
      if (!/\$\{|\s/.test(match[1])) found.add(match[1]);
    }
  }
  return [...found].sort();
}

/** The bundle's problems that a text scan can find; empty when it is self-contained. */
export function bundleProblems(code: string): string[] {
  const problems = remainingImports(code)
    .filter((specifier) => !specifier.startsWith("node:"))
    .map((specifier) => `still imports "${specifier}"`);
  for (
    const [pattern, what] of [
      [/\bcreateRequire\s*\(/, "createRequire (loads modules at run time)"],
      [/\bimport\.meta\.resolve\s*\(/, "import.meta.resolve"],
    ] as const
  ) {
    if (pattern.test(code)) problems.push(`contains ${what}`);
  }
  return problems;
}

/** The migration files in the repository, `NNNN_*.sql`. */
function migrationFiles(): string[] {
  return [...Deno.readDirSync(`${ROOT}/migrations`)]
    .filter((e) => e.isFile && /^\d{4}_.*\.sql$/.test(e.name))
    .map((e) => e.name)
    .sort();
}

/**
 * Runs the bundle from an empty temporary directory: a fresh `DENO_DIR`, no config, no lock file,
 * no npm, no remote modules, and read/write access to that directory only. Checks `--version`
 * and that every migration in `migrations/` is embedded and applies.
 */
async function smokeTest(bundle: string, version: string): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "piwardrive-bundle-" });
  try {
    await Deno.copyFile(bundle, `${dir}/piwardrive.js`);
    const piwardrive = (...args: string[]) =>
      run(Deno.execPath(), [
        "run",
        "--quiet",
        "--no-config",
        "--no-lock",
        "--no-remote",
        "--no-npm",
        "--cached-only",
        `--allow-read=${dir}`,
        `--allow-write=${dir}`,
        "--allow-env",
        "--allow-sys",
        "piwardrive.js",
        ...args,
      ], { cwd: dir, env: { DENO_DIR: `${dir}/deno_dir` } });
    const check = (what: string, result: RunResult, ok: boolean) => {
      if (!ok) {
        const output = `${result.stdout}\n${denoErrorText(result.stderr)}`.trim();
        throw new ReleaseError(
          `the bundle failed "${what}" when run alone (exit ${result.code}): ${output}`,
        );
      }
    };

    const v = await piwardrive("--version");
    check("--version", v, v.code === 0 && v.stdout.trim() === version);

    const db = `${dir}/smoke.db`;
    const status = await piwardrive("--db", db, "migrate", "--status", "--json");
    check("migrate --status --json", status, status.code === 0);
    const expected = migrationFiles().length;
    const embedded = JSON.parse(status.stdout).latestVersion;
    if (embedded !== expected) {
      throw new ReleaseError(
        `the bundle embeds ${embedded} migrations, migrations/ has ${expected}: ` +
          "add the missing files to src/migrate/embedded.ts",
      );
    }
    const migrate = await piwardrive("--db", db, "migrate");
    check("migrate", migrate, migrate.code === 0);
    const verify = await piwardrive("--db", db, "migrate", "--verify");
    check("migrate --verify", verify, verify.code === 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function main(): Promise<void> {
  const args = [...Deno.args];
  if (args.includes("--help") || args.includes("-h")) {
    console.log(
      "Usage: deno task bundle [--minify]\n  Builds dist/piwardrive.js (self-contained).",
    );
    return;
  }
  const minify = args.includes("--minify");
  const unknown = args.filter((a) => a !== "--minify");
  if (unknown.length > 0) throw new ReleaseError(`unknown argument ${unknown[0]} (see --help)`);

  const config = readDenoConfig();
  const output = `${ROOT}/dist/piwardrive.js`;
  const partial = `${output}.partial`;
  await Deno.mkdir(`${ROOT}/dist`, { recursive: true });
  const started = performance.now();
  const bundled = await run(Deno.execPath(), [
    "bundle",
    "--quiet",
    "--platform",
    "deno",
    "--config",
    `${ROOT}/deno.json`,
    ...(minify ? ["--minify", "--keep-names"] : []),
    "--output",
    partial,
    `${ROOT}/main.ts`,
  ]);
  if (bundled.code !== 0) {
    await Deno.remove(partial).catch(() => {});
    throw new ReleaseError(`deno bundle failed:\n${denoErrorText(bundled.stderr)}`);
  }
  try {
    const problems = bundleProblems(await Deno.readTextFile(partial));
    if (problems.length > 0) {
      throw new ReleaseError(`the bundle is not self-contained: ${problems.join("; ")}`);
    }
    await smokeTest(partial, config.version);
    await Deno.rename(partial, output);
  } finally {
    await Deno.remove(partial).catch(() => {});
  }
  const { size } = await Deno.stat(output);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`dist/piwardrive.js  piwardrive ${config.version}${minify ? " (minified)" : ""}`);
  console.log(`  size    ${formatSize(size)}`);
  console.log(`  sha256  ${await sha256File(output)}`);
  console.log(
    `  checked only node: imports; runs alone from an empty directory (${seconds} s in all)`,
  );
}

if (import.meta.main) await runScript("bundle", main);
