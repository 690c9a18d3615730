/**
 * `deno task compile [--target aarch64|x86_64|all]`: standalone executables with `deno compile`,
 *
 * - `aarch64-unknown-linux-gnu` → `dist/piwardrive-linux-arm64`
 * - `x86_64-unknown-linux-gnu`  → `dist/piwardrive-linux-x64`
 *
 * with exactly the permissions of deno.json's `start` task baked in (read from it, so they cannot
 * drift; `--allow-all`, `--allow-ffi`, a bare `--allow-run` and a lone `--allow-net` are refused). The
 * migrations and deno.json (the version) are static imports, so they are embedded without
 * `--include`.
 *
 * `deno compile` downloads the target's runtime (denort) from dl.deno.land unless `DENORT_BIN`
 * names a local one. For offline builds set `DENORT_BIN_AARCH64` / `DENORT_BIN_X86_64` (one per
 * target, for `--target all`) or `DENORT_BIN`. When the runtime cannot be had, this prints one
 * line saying so and exits 1.
 *
 * `--print-start-flags` prints the `start` task's permission flags, one a line (for
 * `scripts/release/aarch64_proof.sh`).
 */
import {
  denoErrorText,
  formatSize,
  readDenoConfig,
  ReleaseError,
  ROOT,
  run,
  runScript,
  sha256File,
} from "./bundle.ts";

/** A compile target: its triple, output file and ELF machine number. */
interface Target {
  arch: "aarch64" | "x86_64";
  triple: string;
  output: string;
  elfMachine: number;
  envVar: string;
  qemu: string;
}

const TARGETS: Record<Target["arch"], Target> = {
  aarch64: {
    arch: "aarch64",
    triple: "aarch64-unknown-linux-gnu",
    output: "dist/piwardrive-linux-arm64",
    elfMachine: 0xb7,
    envVar: "DENORT_BIN_AARCH64",
    qemu: "qemu-aarch64-static",
  },
  x86_64: {
    arch: "x86_64",
    triple: "x86_64-unknown-linux-gnu",
    output: "dist/piwardrive-linux-x64",
    elfMachine: 0x3e,
    envVar: "DENORT_BIN_X86_64",
    qemu: "qemu-x86_64-static",
  },
};

/** What `deno run` of the `start` task is given: flags to bake in, and the entry module. */
export interface StartTask {
  flags: string[];
  entry: string;
}

const SHORT_FLAGS: Record<string, string> = {
  "-A": "--allow-all",
  "-R": "--allow-read",
  "-W": "--allow-write",
  "-E": "--allow-env",
  "-S": "--allow-sys",
  "-N": "--allow-net",
  "-P": "--permission-set",
};

/** Splits a task line into words (quotes group, no escapes); refuses shell operators. */
function splitWords(line: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  let quote: string | null = null;
  for (const char of line) {
    if (quote) {
      if (char === quote) quote = null;
      else word += char;
    } else if (char === '"' || char === "'") {
      quote = char;
      word ??= "";
    } else if (/\s/.test(char)) {
      if (word !== null) words.push(word);
      word = null;
    } else if ("&|;<>$`()".includes(char)) {
      throw new ReleaseError(`the start task uses "${char}": keep it one plain "deno run" command`);
    } else {
      word = (word ?? "") + char;
    }
  }
  if (quote) throw new ReleaseError("the start task has an unclosed quote");
  if (word !== null) words.push(word);
  return words;
}

/**
 * Parses the `start` task (`deno run <flags> main.ts`) and checks its permissions: no
 * `--allow-all`, no `--allow-ffi`, `--allow-run` only with tool names, and `--allow-net` only with
 * `--unstable-worker-options` (the entry gives the network up for every command but the network
 * ones, which run in a worker that names their hosts: src/cli/network.ts).
 */
export function parseStartTask(task: string): StartTask {
  const words = splitWords(task);
  if (words[0] !== "deno" || words[1] !== "run") {
    throw new ReleaseError(`the start task must be "deno run <permissions> main.ts": ${task}`);
  }
  const flags: string[] = [];
  let index = 2;
  for (; index < words.length && words[index].startsWith("-"); index++) {
    const word = words[index];
    const [name, value] = word.includes("=")
      ? [word.slice(0, word.indexOf("=")), word.slice(word.indexOf("=") + 1)]
      : [SHORT_FLAGS[word] ?? word, undefined];
    // --quiet only hushes Deno's own diagnostics when running from source: nothing to bake in.
    if (name === "--quiet" || name === "-q") continue;
    if (name === "--allow-all") throw new ReleaseError("the start task must not use --allow-all");
    if (name === "--allow-net" && !words.includes("--unstable-worker-options")) {
      throw new ReleaseError(
        "the start task's --allow-net needs --unstable-worker-options (network commands narrow it in a worker)",
      );
    }
    if (name === "--allow-ffi") throw new ReleaseError("the start task must not use --allow-ffi");
    if (name === "--allow-run") {
      const tools = value?.split(",") ?? [];
      if (tools.length === 0 || tools.some((t) => !/^[\w.+-]+$/.test(t))) {
        throw new ReleaseError(
          `the start task's --allow-run must name its tools (--allow-run=iw,ip), got "${word}"`,
        );
      }
    }
    const known = /^--(allow|deny|ignore)-(read|write|env|sys|run|import)$/.test(name) ||
      name === "--allow-net" ||
      /^--(deny|ignore)-(net|ffi)$/.test(name) || /^--unstable-[\w-]+$/.test(name) ||
      ["--no-prompt", "--v8-flags", "--seed", "--location"].includes(name);
    if (!known) {
      throw new ReleaseError(
        `the start task has "${word}", which scripts/release/compile.ts does not know how to bake in`,
      );
    }
    flags.push(value === undefined ? name : `${name}=${value}`);
  }
  const entry = words[index];
  if (entry === undefined) throw new ReleaseError("the start task names no entry module");
  if (index + 1 < words.length) {
    throw new ReleaseError(`the start task passes arguments after ${entry}: bake in none`);
  }
  return { flags, entry };
}

/** The ELF machine number of a file, or null when it is not an ELF file. */
async function elfMachine(path: string): Promise<number | null> {
  const file = await Deno.open(path, { read: true });
  try {
    const header = new Uint8Array(20);
    let read = 0;
    while (read < header.length) {
      const n = await file.read(header.subarray(read));
      if (n === null) return null;
      read += n;
    }
    if (header[0] !== 0x7f || header[1] !== 0x45 || header[2] !== 0x4c || header[3] !== 0x46) {
      return null;
    }
    return header[5] === 2 ? header[18] * 256 + header[19] : header[18] + header[19] * 256;
  } finally {
    file.close();
  }
}

/** The local runtime for `target` from the environment, checked; null when none is set. */
async function localRuntime(target: Target): Promise<{ variable: string; path: string } | null> {
  const variable = Deno.env.get(target.envVar) ? target.envVar : "DENORT_BIN";
  const path = Deno.env.get(variable);
  if (!path) return null;
  const hint = `set ${target.envVar} (or DENORT_BIN) to the denort binary from ` +
    `denort-${target.triple}.zip`;
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch {
    throw new ReleaseError(`${variable}=${path} does not exist; ${hint}`);
  }
  if (!info.isFile) throw new ReleaseError(`${variable}=${path} is not a file; ${hint}`);
  const machine = await elfMachine(path);
  if (machine !== target.elfMachine) {
    const found = Object.values(TARGETS).find((t) => t.elfMachine === machine)?.arch ??
      (machine === null ? "not an ELF executable" : `ELF machine ${machine}`);
    throw new ReleaseError(
      `${variable}=${path} is ${found.includes(" ") ? found : `an ${found} binary`}, ` +
        `not one for ${target.triple}; ${hint}`,
    );
  }
  return { variable, path };
}

/** One line for a failed `deno compile`: the runtime download, a bad runtime, or the build. */
function compileFailure(target: Target, stderr: string, runtime: string | null): string {
  const text = denoErrorText(stderr);
  const causes = text.split("\n").map((l) => l.replace(/^\s*\d+:\s*/, "").trim()).filter(Boolean);
  const lastCause = causes.at(-1) ?? "unknown error";
  if (runtime !== null && /base binary/i.test(text)) {
    return `Cannot use the Deno runtime ${runtime} for ${target.triple}: ${lastCause}`;
  }
  if (/dl\.deno\.land|denort-[\w-]+\.zip|Setting up base binary/.test(text)) {
    const offline =
      /dns error|failed to lookup address|Connect|connection refused|Network is unreachable|timed out/i
        .test(text);
    const why = offline ? "this machine is offline" : lastCause;
    return `Cannot download the Deno runtime for ${target.triple}: ${why}; set ` +
      `DENORT_BIN (or ${target.envVar}) to a denort binary for that target (from the ` +
      `denort-${target.triple}.zip release asset of Deno ${Deno.version.deno})`;
  }
  return `deno compile failed for ${target.triple}:\n${text}`;
}

/** The path of an executable named `name` on `PATH`, or null. */
async function which(name: string): Promise<string | null> {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":").filter(Boolean)) {
    try {
      const info = await Deno.stat(`${dir}/${name}`);
      if (info.isFile && ((info.mode ?? 0) & 0o111) !== 0) return `${dir}/${name}`;
    } catch {
      // not in this directory
    }
  }
  return null;
}

/** Runs the executable's `--version` where this machine can: natively or under qemu. */
async function smokeTest(target: Target, output: string, version: string): Promise<string> {
  let command = output;
  let args = ["--version"];
  let how = "natively";
  if (target.arch !== Deno.build.arch) {
    const qemu = await which(target.qemu);
    if (qemu === null) return `not run (no ${target.arch} machine or ${target.qemu})`;
    command = qemu;
    args = [output, ...args];
    how = `under ${target.qemu}`;
  }
  const dir = await Deno.makeTempDir({ prefix: "piwardrive-compile-" });
  try {
    const result = await run(command, args, { cwd: dir });
    const out = result.stdout.trim();
    if (result.code === 0 && out === version) return `--version → ${out} (${how})`;
    if (out.startsWith("deno ")) {
      throw new ReleaseError(
        `${target.output} runs as the deno CLI: the runtime given was "deno", not denort; ` +
          `set ${target.envVar} (or DENORT_BIN) to the denort from denort-${target.triple}.zip`,
      );
    }
    throw new ReleaseError(
      `${target.output} --version printed "${out}" (exit ${result.code}), expected ${version}: ` +
        denoErrorText(result.stderr),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function parseTargets(args: string[]): Target[] {
  let choice = "all";
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--target") {
      if (args[i + 1] === undefined) throw new ReleaseError("--target needs a value");
      choice = args[++i];
    } else if (arg.startsWith("--target=")) choice = arg.slice("--target=".length);
    else throw new ReleaseError(`unknown argument ${arg} (see --help)`);
  }
  if (choice === "all") return [TARGETS.aarch64, TARGETS.x86_64];
  const target = Object.values(TARGETS).find((t) =>
    t.arch === choice || t.triple === choice ||
    (choice === "arm64" && t.arch === "aarch64") || (choice === "x64" && t.arch === "x86_64")
  );
  if (!target) throw new ReleaseError(`unknown --target ${choice}: use aarch64, x86_64 or all`);
  return [target];
}

async function main(): Promise<void> {
  const args = [...Deno.args];
  if (args.includes("--help") || args.includes("-h")) {
    console.log(
      "Usage: deno task compile [--target aarch64|x86_64|all]   (default: all)\n" +
        "  Offline: DENORT_BIN_AARCH64 / DENORT_BIN_X86_64 / DENORT_BIN = local denort binaries.\n" +
        "  --print-start-flags   print the start task's permission flags, one a line",
    );
    return;
  }
  const config = readDenoConfig();
  const start = parseStartTask(config.tasks.start);
  if (args.length === 1 && args[0] === "--print-start-flags") {
    console.log(start.flags.join("\n"));
    return;
  }
  const targets = parseTargets(args);
  await Deno.mkdir(`${ROOT}/dist`, { recursive: true });

  // The start task's V8 flags (a 64 MB heap) are baked into the binary, but `deno compile` applies
  // them to itself as well, and its type check does not fit in that heap: check first, without
  // them, then compile with --no-check.
  const check = await run(Deno.execPath(), ["check", "--config", `${ROOT}/deno.json`, start.entry]);
  if (check.code !== 0) {
    throw new ReleaseError(`deno check ${start.entry} failed:\n${check.stderr}`);
  }

  const failures: string[] = [];
  for (const target of targets) {
    let runtime: { variable: string; path: string } | null;
    try {
      runtime = await localRuntime(target);
    } catch (error) {
      if (!(error instanceof ReleaseError)) throw error;
      failures.push(error.message);
      continue;
    }
    const output = `${ROOT}/${target.output}`;
    const result = await run(Deno.execPath(), [
      "compile",
      "--config",
      `${ROOT}/deno.json`,
      "--target",
      target.triple,
      "--output",
      output,
      "--no-check",
      ...start.flags,
      `${ROOT}/${start.entry}`,
    ], { env: runtime ? { DENORT_BIN: runtime.path } : {} });
    if (result.code !== 0) {
      failures.push(compileFailure(target, result.stderr, runtime && runtime.path));
      continue;
    }
    let smoke: string;
    try {
      smoke = await smokeTest(target, output, config.version);
    } catch (error) {
      await Deno.remove(output).catch(() => {});
      if (!(error instanceof ReleaseError)) throw error;
      failures.push(error.message);
      continue;
    }
    const { size } = await Deno.stat(output);
    console.log(`${target.output}  piwardrive ${config.version} for ${target.triple}`);
    console.log(`  size     ${formatSize(size)}`);
    console.log(`  sha256   ${await sha256File(output)}`);
    console.log(`  runtime  ${runtime ? `${runtime.variable}=${runtime.path}` : "downloaded"}`);
    console.log(`  perms    ${start.flags.join(" ")}`);
    console.log(`  check    ${smoke}`);
  }
  if (failures.length > 0) {
    for (const line of failures.slice(0, -1)) console.error(`compile: ${line}`);
    throw new ReleaseError(failures.at(-1)!);
  }
}

if (import.meta.main) await runScript("compile", main);
