/**
 * What every benchmark section shares: the row it reports, the context it runs in (sizes, a
 * temporary folder, memoised fixtures, child-process tracking), timing helpers, and the table.
 *
 * @module
 */
import { fileURLToPath } from "node:url";

/** Root of the project (the folder holding deno.json and main.ts). */
export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const MAIN = `${ROOT}main.ts`;
/** A script that does nothing: the floor of any `deno run` (same folder config as main.ts). */
export const EMPTY_SCRIPT = fileURLToPath(new URL("./empty.ts", import.meta.url));
/** The Python of Debian's packages (jc, aiosqlite), not a pyenv shim that lacks them. */
export const PYTHON = "/usr/bin/python3";

/** The start task's permissions and V8 flags (one reading of deno.json, shared with the tests). */
export { START_PERMISSIONS } from "../../tests/helpers/cli.ts";
export { which } from "../../tests/helpers/path.ts";
import { START_PERMISSIONS } from "../../tests/helpers/cli.ts";
import { loadOuiTable } from "../../src/oui/mod.ts";

// Sections drive the product's code in-process (TickWriter, migration 9 over a million rows),
// which looks vendors up: load the table once for all of them, as the CLI does before it writes.
await loadOuiTable();

/** `deno run --quiet <start permissions> main.ts …` as an argv. */
export function productArgv(args: string[]): string[] {
  return [Deno.execPath(), "run", "--quiet", ...START_PERMISSIONS, MAIN, ...args];
}

/**
 * A target on a row's ratio or value. `min`: the measured number must be at least `value`;
 * `max`: at most; `below`: strictly less.
 */
export interface Target {
  kind: "min" | "max" | "below";
  value: number;
  /** How the target is printed, e.g. "≤ 1.2×", "< 150 ms". */
  label: string;
}

/** One line of the final table. */
export interface Row {
  benchmark: string;
  /** piwardrive's figure, formatted (e.g. "2.41 s", "58,200 rows/s"). */
  piwardrive: string;
  /** The peer's figure, formatted, or "—". */
  peer: string;
  /** The number the ratio column shows (its meaning is in the README for each row), or null. */
  ratio: number | null;
  target: Target | null;
  /** The number the target is judged on: the ratio, or an absolute value (ms, MB, %). */
  judged?: number | null;
  /** Extra facts printed under the table (runs, spread, what was compared). */
  note?: string;
}

export function ok(row: Row): boolean | null {
  const value = row.judged !== undefined ? row.judged : row.ratio;
  if (row.target === null || value === null || value === undefined || !Number.isFinite(value)) {
    return null;
  }
  const t = row.target;
  return t.kind === "min"
    ? value >= t.value
    : t.kind === "max"
    ? value <= t.value
    : value < t.value;
}

/** A benchmark section: one name on the command line, one or more rows. */
export interface Section {
  /** The name `--only` takes, e.g. "rebuild". */
  name: string;
  /** One line for `--help` and the README. */
  description: string;
  /** Runs the section; rows are returned, progress goes through `ctx.log`. */
  run(ctx: Context): Promise<Row[]>;
}

/** Sizes and shared state handed to every section. */
export class Context {
  /** Smaller sizes for a smoke test (`--quick`). */
  readonly quick: boolean;
  /** A fresh temporary folder for this run, removed at the end. */
  readonly tmp: string;
  readonly #fixtures = new Map<string, Promise<unknown>>();
  readonly #children = new Set<Deno.ChildProcess>();
  #seq = 0;

  constructor(quick: boolean, tmp: string) {
    this.quick = quick;
    this.tmp = tmp;
  }

  /** `full` normally, `quick` with `--quick`. */
  size<T>(full: T, quick: T): T {
    return this.quick ? quick : full;
  }

  /** A new path in the temporary folder (`name` is a hint). */
  path(name: string): string {
    return `${this.tmp}/${String(++this.#seq).padStart(3, "0")}-${name}`;
  }

  /**
   * Builds a fixture once per run and shares it between sections (e.g. the 1M-row database that
   * rebuild, verify and future sections start from). The result must not be modified: copy it.
   */
  fixture<T>(key: string, build: () => Promise<T>): Promise<T> {
    let hit = this.#fixtures.get(key) as Promise<T> | undefined;
    if (!hit) {
      hit = build();
      this.#fixtures.set(key, hit);
    }
    return hit;
  }

  /** Progress on stderr (the table goes to stdout). */
  log(line: string): void {
    console.error(`[bench] ${line}`);
  }

  /** Spawns a child that `killChildren` will end if the run is interrupted. */
  spawn(argv: string[], options: Omit<Deno.CommandOptions, "args"> = {}): Deno.ChildProcess {
    const child = new Deno.Command(argv[0], { ...options, args: argv.slice(1) }).spawn();
    this.#children.add(child);
    child.status.finally(() => this.#children.delete(child));
    return child;
  }

  /** Runs a child to completion, stdout/stderr captured; throws on a non-zero exit. */
  async run(
    argv: string[],
    options: { stdin?: string; cwd?: string; env?: Record<string, string> } = {},
  ): Promise<{ stdout: string; stderr: string; ms: number }> {
    const started = performance.now();
    const child = this.spawn(argv, {
      cwd: options.cwd,
      env: options.env,
      stdin: options.stdin === undefined ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
    });
    if (options.stdin !== undefined) {
      const writer = child.stdin.getWriter();
      await writer.write(new TextEncoder().encode(options.stdin));
      await writer.close();
    }
    const out = await child.output();
    const ms = performance.now() - started;
    const decoder = new TextDecoder();
    const stdout = decoder.decode(out.stdout);
    const stderr = decoder.decode(out.stderr);
    if (out.code !== 0) {
      throw new Error(
        `${argv.slice(0, 3).join(" ")}… exited with ${out.code}: ${
          (stderr + stdout).slice(0, 2000)
        }`,
      );
    }
    return { stdout, stderr, ms };
  }

  /** Ends every child still running (an interrupted run leaves nothing behind). */
  killChildren(): void {
    for (const child of this.#children) {
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
    }
  }
}

/** Median of a list of numbers. */
export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Copies a file (a database fixture to a fresh working copy). */
export function copyFile(from: string, to: string): string {
  Deno.copyFileSync(from, to);
  return to;
}

/** Removes a database and its -wal/-shm/lock side files. */
export function removeDatabase(path: string): void {
  for (const p of [path, `${path}-wal`, `${path}-shm`, `${path}.lock`]) {
    try {
      Deno.removeSync(p);
    } catch { /* absent */ }
  }
}

/** One contender of a timed comparison: `run` works on a fresh copy of the input, named `copy`. */
export interface Contender {
  copy: string;
  run(copy: string): Promise<void> | void;
}

/**
 * One run of a comparison: each contender on its own fresh copy of `base` (removed after), in an
 * order that rotates with `run` so no contender always finds a warm cache. A null contender (a
 * peer that is not installed) keeps its place in the rotation and is skipped.
 */
export async function onFreshCopies(
  ctx: Context,
  base: string,
  run: number,
  contenders: (Contender | null)[],
): Promise<void> {
  for (let k = 0; k < contenders.length; k++) {
    const contender = contenders[(run + k) % contenders.length];
    if (contender === null) continue;
    const copy = ctx.path(contender.copy);
    Deno.copyFileSync(base, copy);
    await contender.run(copy);
    removeDatabase(copy);
  }
}

export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return "—";
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

export function fmtInt(n: number): string {
  return Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

export function fmtRatio(r: number | null): string {
  if (r === null || !Number.isFinite(r)) return "—";
  return r >= 100 ? `${r.toFixed(0)}×` : r >= 10 ? `${r.toFixed(1)}×` : `${r.toFixed(2)}×`;
}

/** The results table, columns padded; notes follow it. */
export function renderTable(rows: Row[]): string {
  const header = ["benchmark", "piwardrive", "peer", "ratio", "target", "ok?"];
  const body = rows.map((r) => {
    const verdict = ok(r);
    return [
      r.benchmark,
      r.piwardrive,
      r.peer,
      fmtRatio(r.ratio),
      r.target?.label ?? "—",
      verdict === null ? "—" : verdict ? "yes" : "NO",
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  const rule = `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`;
  return [line(header), rule, ...body.map(line)].join("\n");
}

/** A test body given a quick Context in its own temporary folder, removed (children killed) after. */
export function withTemp(fn: (ctx: Context) => Promise<void> | void): () => Promise<void> {
  return async () => {
    const dir = Deno.makeTempDirSync({ prefix: "piwardrive-bench-test-" });
    const ctx = new Context(true, dir);
    try {
      await fn(ctx);
    } finally {
      ctx.killChildren();
      Deno.removeSync(dir, { recursive: true });
    }
  };
}
