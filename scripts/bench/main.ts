/**
 * piwardrive's performance benchmark: each row measures piwardrive and a peer in the same run and
 * prints their ratio against a target. See `scripts/bench/README.md`.
 *
 * ```sh
 * deno task bench                         # everything (about 6 minutes)
 * deno task bench -- --quick              # smaller sizes, a smoke test (under a minute)
 * deno task bench -- --only rebuild,verify
 * deno task bench -- --strict             # exit 1 when a target is missed
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { DatabaseSync } from "node:sqlite";
import { Context, ok, PYTHON, renderTable, type Row } from "./lib.ts";
import { SECTIONS } from "./registry.ts";

const USAGE = `Usage: deno task bench [-- OPTIONS]

  --only a,b    run only these sections (${SECTIONS.map((s) => s.name).join(", ")})
  --skip a,b    run all sections but these
  --quick       smaller sizes: a smoke test in under a minute
  --strict      exit 1 when a target is missed (a failed section always exits 1)
  --list        list the sections and exit
  --help        this text`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: Deno.args.filter((a) => a !== "--"),
    options: {
      only: { type: "string" },
      skip: { type: "string" },
      quick: { type: "boolean", default: false },
      strict: { type: "boolean", default: false },
      list: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.list) {
    for (const s of SECTIONS) console.log(`${s.name.padEnd(14)} ${s.description}`);
    return 0;
  }
  const names = (list?: string) => list?.split(",").map((s) => s.trim()).filter(Boolean) ?? [];
  const only = names(values.only);
  const skip = names(values.skip);
  const unknown = [...only, ...skip].filter((n) => !SECTIONS.some((s) => s.name === n));
  if (unknown.length > 0) {
    console.error(`Unknown section(s): ${unknown.join(", ")}\n\n${USAGE}`);
    return 2;
  }
  const selected = SECTIONS.filter((s) =>
    (only.length === 0 || only.includes(s.name)) && !skip.includes(s.name)
  );

  const tmp = Deno.makeTempDirSync({ prefix: "piwardrive-bench-" });
  const ctx = new Context(values.quick, tmp);
  const cleanup = () => {
    ctx.killChildren();
    try {
      Deno.removeSync(tmp, { recursive: true });
    } catch { /* already gone */ }
  };
  const onSignal = () => {
    console.error("\n[bench] interrupted: stopping children, removing temporary files");
    cleanup();
    Deno.exit(130);
  };
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  for (const s of signals) Deno.addSignalListener(s, onSignal);

  const started = performance.now();
  const loadStart = load();
  const rows: Row[] = [];
  const failed: string[] = [];
  const env = await environment(ctx);
  try {
    for (const section of selected) {
      const t0 = performance.now();
      ctx.log(`— ${section.name}: ${section.description}`);
      try {
        rows.push(...await section.run(ctx));
        ctx.log(`— ${section.name} done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        ctx.log(`— ${section.name} FAILED: ${message}`);
        failed.push(section.name);
        rows.push({
          benchmark: `${section.name}: FAILED (${message.split("\n")[0].slice(0, 60)})`,
          piwardrive: "—",
          peer: "—",
          ratio: null,
          target: null,
        });
      }
    }
  } finally {
    cleanup();
    for (const s of signals) Deno.removeSignalListener(s, onSignal);
  }

  const total = (performance.now() - started) / 1000;
  env.push([
    "load",
    `1-min load average ${loadStart} at the start, ${load()} at the end (other work on the machine skews the figures)`,
  ]);
  const judged = rows.filter((r) => ok(r) !== null);
  const missed = judged.filter((r) => ok(r) === false);
  console.log(`\npiwardrive benchmark${values.quick ? " (--quick: smaller sizes)" : ""}`);
  for (const [k, v] of env) console.log(`  ${k.padEnd(10)} ${v}`);
  console.log("");
  console.log(renderTable(rows));
  console.log("");
  for (const r of rows) if (r.note) console.log(`  * ${r.note}`);
  console.log(
    `\n${judged.length - missed.length} of ${judged.length} targets met` +
      `${missed.length ? ` (missed: ${missed.map((r) => r.benchmark).join("; ")})` : ""}` +
      `${failed.length ? `; failed sections: ${failed.join(", ")}` : ""}; ${total.toFixed(0)} s`,
  );
  return failed.length > 0 || (values.strict && missed.length > 0) ? 1 : 0;
}

/** The 1-minute load average: other work on the machine skews every row. */
function load(): string {
  return Deno.loadavg()[0].toFixed(2);
}

/** Facts printed with the table. */
async function environment(ctx: Context): Promise<[string, string][]> {
  const tool = async (argv: string[], pick: (out: string) => string): Promise<string> => {
    try {
      return pick((await ctx.run(argv)).stdout).trim() || "?";
    } catch {
      return "not installed";
    }
  };
  const memory = new DatabaseSync(":memory:");
  const sqlite = (memory.prepare("SELECT sqlite_version() AS v").get() as { v: string }).v;
  memory.close();
  const cpu = await tool(
    ["lscpu"],
    (out) => /^Model name:\s*(.+)$/m.exec(out)?.[1] ?? "",
  );
  return [
    ["date", new Date().toISOString()],
    ["deno", `${Deno.version.deno} (v8 ${Deno.version.v8}, typescript ${Deno.version.typescript})`],
    [
      "sqlite",
      `${sqlite} (node:sqlite in deno); sqlite3 CLI ${await tool(
        ["sqlite3", "--version"],
        (o) => o.split(" ")[0],
      )}`,
    ],
    [
      "python",
      await tool([
        PYTHON,
        "-c",
        "import sys, sqlite3; v = sys.version.split()[0]\ntry:\n import aiosqlite; a = aiosqlite.__version__\nexcept ImportError: a = 'missing'\nprint(f'{v} (sqlite {sqlite3.sqlite_version}, aiosqlite {a})')",
      ], (o) => o),
    ],
    ["jc", await tool(["jc", "--version"], (o) => /jc version:\s*(\S+)/.exec(o)?.[1] ?? "")],
    ["hyperfine", await tool(["hyperfine", "--version"], (o) => o.replace("hyperfine ", ""))],
    [
      "cpu",
      `${cpu}, ${navigator.hardwareConcurrency} logical CPUs, ${
        (Deno.systemMemoryInfo().total / 1073741824).toFixed(0)
      } GiB RAM`,
    ],
    ["os", `${Deno.build.os} ${Deno.osRelease()} ${Deno.build.arch}`],
  ];
}

if (import.meta.main) Deno.exit(await main());
