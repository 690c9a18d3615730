/**
 * Section `verify`: `migrate --verify` as a real process on an up-to-date database with 1M
 * networks, against `deno run` of an empty script with the same permissions.
 *
 * @module
 */
import { wifiLatest, wifiRows } from "./fixtures.ts";
import {
  type Context,
  EMPTY_SCRIPT,
  fmtInt,
  fmtMs,
  median,
  productArgv,
  type Row,
  type Section,
  START_PERMISSIONS,
  which,
} from "./lib.ts";

/** Median wall times (ms) of each command: hyperfine when installed, else a plain loop. */
export async function compareCommands(
  ctx: Context,
  commands: { name: string; argv: string[] }[],
  options: { warmup: number; runs: number },
): Promise<{ medians: number[]; tool: string }> {
  const hyperfine = which("hyperfine");
  if (hyperfine) {
    const json = ctx.path("hyperfine.json");
    const args = [
      hyperfine,
      "-N",
      "--style",
      "basic",
      "--warmup",
      String(options.warmup),
      "--runs",
      String(options.runs),
      "--export-json",
      json,
    ];
    for (const c of commands) args.push("-n", c.name, c.argv.map(shellQuote).join(" "));
    await ctx.run(args);
    const report = JSON.parse(Deno.readTextFileSync(json)) as {
      results: { median: number }[];
    };
    return { medians: report.results.map((r) => r.median * 1000), tool: "hyperfine -N" };
  }
  const medians: number[] = [];
  for (const c of commands) {
    for (let i = 0; i < options.warmup; i++) await ctx.run(c.argv);
    const times: number[] = [];
    for (let i = 0; i < options.runs; i++) times.push((await ctx.run(c.argv)).ms);
    medians.push(median(times));
  }
  return { medians, tool: "own loop" };
}

/** Single-quotes an argument for hyperfine's shell-words splitting. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_./=,:@%+-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

export const verifySection: Section = {
  name: "verify",
  description: "`migrate --verify` wall time on a 1M-row database vs `deno run` of an empty script",
  async run(ctx: Context): Promise<Row[]> {
    const db = await wifiLatest(ctx);
    const verifyArgv = productArgv(["--db", db, "migrate", "--verify"]);
    const emptyArgv = [Deno.execPath(), "run", "--quiet", ...START_PERMISSIONS, EMPTY_SCRIPT];
    // It must pass, or the timing would be of an early exit.
    const check = await ctx.run(verifyArgv);
    if (!/Verification passed/.test(check.stdout)) {
      throw new Error(`migrate --verify did not pass: ${check.stdout}`);
    }
    const runs = ctx.size(15, 5);
    const warmup = ctx.size(2, 1);
    const { medians: [v, e], tool } = await compareCommands(ctx, [
      { name: "migrate --verify", argv: verifyArgv },
      { name: "deno run empty.ts", argv: emptyArgv },
    ], { warmup, runs });
    ctx.log(`verify: ${fmtMs(v)} vs empty script ${fmtMs(e)} (${tool})`);
    const label = `verify (${fmtInt(wifiRows(ctx))} rows)`;
    const note = `verify: ${tool}, --warmup ${warmup} --runs ${runs}, medians; both with the ` +
      `start task's permissions (${START_PERMISSIONS.join(" ")})`;
    return [
      {
        benchmark: `${label}: wall vs deno run empty.ts`,
        piwardrive: fmtMs(v),
        peer: fmtMs(e),
        ratio: v / e,
        target: { kind: "max", value: 1.5, label: "≤ 1.5×" },
        note,
      },
      {
        benchmark: `${label}: wall, absolute`,
        piwardrive: fmtMs(v),
        peer: "—",
        ratio: null,
        judged: v,
        target: { kind: "below", value: 150, label: "< 150 ms" },
      },
    ];
  },
};
