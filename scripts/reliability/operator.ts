/**
 * Operator actions: every command that writes or replaces a file, pointed at every kind of target
 * a person can give it (the live database itself, an earlier backup, a symlink, a FIFO, a device,
 * a folder, a read-only folder or file, another user's file, a full disk). Each case runs the
 * real program in a fresh folder and must show: its documented exit code and one-line message,
 * no file that existed before removed or replaced unless that is the command's job, and the
 * database's rows equal before and after (a logical dump).
 *
 * The table (operator_cases.ts) is open: a case is { command, target, expected }; `export -o`,
 * `migrate` and `collect` rows are added the same way.
 */
import { DatabaseSync } from "node:sqlite";
import { type CliResult, spawnCli, tempDir } from "../../tests/helpers/cli.ts";
import { databaseAt, fillBaselineRows, logicalDump } from "../../tests/helpers/db.ts";
import { type EntryFacts, snapshotDir } from "../../tests/helpers/files.ts";
import { asNobodyAvailable, cliAsNobody, removeNobodyBundle } from "../../tests/helpers/as_user.ts";
import {
  CASES,
  type Expected,
  line,
  mounts,
  type OperatorCase,
  run,
  type Trial,
} from "./operator_cases.ts";
import { RUN_CASES } from "./operator_cases_run.ts";
import { type ScenarioResult, Tally } from "./harness.ts";
import { embeddedMigrationFiles } from "../../src/migrate/embedded.ts";
import { writeReplay } from "../../tests/helpers/replay.ts";

const LATEST = embeddedMigrationFiles.length;

/** Runs every case of `cases` (each in a fresh folder); `rows` per baseline table. */
export async function operatorActions(
  rows: number,
  cases: OperatorCase[] = [...CASES, ...RUN_CASES],
): Promise<ScenarioResult> {
  const tally = new Tally("operator actions: every writing command × every kind of target");
  using root = tempDir();
  Deno.chmodSync(root.path, 0o755); // nobody must reach the trial folders
  const golden = `${root.path}/golden.db`;
  const g = databaseAt(golden, LATEST);
  fillBaselineRows(g, rows);
  g.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  g.close();
  const isRoot = asNobodyAvailable();
  let skipped = 0;
  for (const [i, c] of cases.entries()) {
    const label = `${c.command} → ${c.target.name}`;
    if (c.target.needsRoot && !isRoot) {
      skipped++;
      if (Deno.env.get("CI") === "true") tally.fail(`${label}: needs root`);
      continue;
    }
    const trial: Trial = {
      dir: `${root.path}/t${i}`,
      db: `${root.path}/t${i}/live.db`,
      backup: `${root.path}/t${i}/live.db.bak-earlier`,
    };
    Deno.mkdirSync(trial.dir, { mode: 0o755 });
    Deno.copyFileSync(golden, trial.db);
    Deno.copyFileSync(golden, trial.backup);
    try {
      const target = c.target.make(trial);
      if (target === null) {
        skipped++;
        tally.note(`${label}: skipped (cannot make the target here)`);
        continue;
      }
      tally.trial();
      const before = snapshotDir(trial.dir);
      const rowsBefore = dump(trial.db); // after make(): a target may add rows
      const args = c.args(trial, target);
      const result = await runBounded(args, c.target.asNobody ?? false);
      Deno.chmodSync(trial.dir, 0o755);
      judge(tally, label, c.expected, result, trial, target, before, rowsBefore);
    } finally {
      while (mounts.length > 0) run(["umount", "-l", mounts.pop()!]);
    }
  }
  await removeNobodyBundle();
  await alongsideCollect(tally, `${root.path}/collect`);
  if (skipped > 0) tally.note(`${skipped} case(s) skipped (not root)`);
  return tally.result;
}

/**
 * While a collect writes: a second collect refuses at once naming the first one's pid, and
 * `db vacuum` waits its --lock-wait then refuses; no row is lost.
 */
async function alongsideCollect(tally: Tally, dir: string): Promise<void> {
  Deno.mkdirSync(dir);
  writeReplay(`${dir}/drive`, 300);
  const db = `${dir}/c.db`;
  const drive = ["--db", db, "collect", "--replay", `${dir}/drive`, "--interval", "100ms"];
  const first = spawnCli([...drive, "--json"]);
  const reader = first.stdout.pipeThrough(new TextDecoderStream()).getReader();
  await reader.read(); // a committed tick: the first holds its locks
  const drained = (async () => {
    while (!(await reader.read()).done) { /* keep the pipe flowing */ }
  })();
  const cases: [string, string[], RegExp][] = [
    [
      "collect → a database another collect writes",
      [...drive, "--duration", "3s"],
      line(
        `Another piwardrive collect \\(pid ${first.pid}\\) is already writing ".*"; stop it first \\(systemctl stop piwardrive\\)`,
      ),
    ],
    [
      "db vacuum → a database a collect writes",
      ["--db", db, "db", "vacuum", "--lock-wait", "1"],
      line(
        `Another piwardrive \\(.*\\) is using ".*"; waited 1 s: .*stop a running collect first\\)`,
      ),
    ],
  ];
  for (const [label, args, message] of cases) {
    tally.trial();
    const before = rowIds(db);
    const result = await runBounded(args, false);
    if (result.code !== 1) tally.fail(`${label}: exit ${result.code}: ${result.stderr.trim()}`);
    if (!message.test(result.stderr)) {
      tally.fail(`${label}: stderr ${JSON.stringify(result.stderr)} does not match ${message}`);
    }
    const after = new Set(rowIds(db));
    const lost = before.filter((row) => !after.has(row)).length;
    if (lost > 0) tally.lost(lost, `${label}: ${lost} row(s) lost`);
  }
  first.kill("SIGTERM");
  await drained;
  await first.status;
  await first.stderr.cancel().catch(() => {});
}

function judge(
  tally: Tally,
  label: string,
  expected: Expected,
  result: CliResult,
  trial: Trial,
  target: string,
  before: Record<string, EntryFacts>,
  rowsBefore: string[],
): void {
  const fail = (why: string) => tally.fail(`${label}: ${why}`);
  if (result.code !== expected.code) {
    fail(`exit ${result.code}, expected ${expected.code}: ${result.stderr.trim()}`);
  }
  if (expected.message === null ? result.stderr !== "" : !expected.message.test(result.stderr)) {
    fail(`stderr ${JSON.stringify(result.stderr)} does not match ${expected.message}`);
  }
  const after = snapshotDir(trial.dir);
  for (const [name, facts] of Object.entries(before)) {
    if (expected.mayChange?.test(name)) continue;
    const now = after[name];
    if (!now) fail(`${name} was removed`);
    else if (JSON.stringify(now) !== JSON.stringify(facts)) fail(`${name} was replaced or changed`);
  }
  if (expected.rows !== "deleted") {
    const rowsAfter = new Set(dump(trial.db));
    const lost = rowsBefore.filter((row) => !rowsAfter.has(row)).length;
    if (lost > 0) tally.lost(lost, `${label}: ${lost} row(s) of the database lost`);
    else if (expected.rows !== "added" && rowsAfter.size !== new Set(rowsBefore).size) {
      fail("the database's rows changed");
    }
  }
  const problem = expected.check?.(trial, target);
  if (problem) fail(problem);
}

/** A case that blocks (opening a FIFO, waiting on a lock) is ended after this long and fails. */
const CASE_TIMEOUT_MS = 20_000;

async function runBounded(args: string[], asNobody: boolean): Promise<CliResult> {
  const timeout = AbortSignal.timeout(CASE_TIMEOUT_MS);
  let result: CliResult;
  if (asNobody) result = await cliAsNobody(args, { signal: timeout });
  else {
    const child = spawnCli(args);
    const kill = () => child.kill("SIGKILL");
    timeout.addEventListener("abort", kill);
    const output = await child.output();
    timeout.removeEventListener("abort", kill);
    const decoder = new TextDecoder();
    result = {
      code: output.code,
      stdout: decoder.decode(output.stdout),
      stderr: decoder.decode(output.stderr),
    };
  }
  if (timeout.aborted) {
    return { ...result, stderr: `(killed after ${CASE_TIMEOUT_MS / 1000} s) ${result.stderr}` };
  }
  return result;
}

/** Every row's table and rowid: a collect updates rows as it goes, but never removes one. */
function rowIds(path: string): string[] {
  const db = new DatabaseSync(path);
  try {
    const tables = (db.prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    ).all() as { name: string }[]).map((t) => t.name);
    return tables.flatMap((table) => {
      let rows: Record<string, unknown>[];
      try {
        rows = db.prepare(`SELECT rowid AS id FROM "${table}"`).all();
      } catch { // a WITHOUT ROWID table: its whole rows
        rows = db.prepare(`SELECT * FROM "${table}"`).all();
      }
      return rows.map((r) => `${table} ${JSON.stringify(r)}`);
    });
  } finally {
    db.close();
  }
}

/** Rows of every table but the settings (which `config set` is meant to change), as text. */
function dump(path: string): string[] {
  const db = new DatabaseSync(path);
  try {
    const tables = logicalDump(db);
    delete tables.configuration;
    return Object.entries(tables).flatMap(([table, rows]) => rows.map((r) => `${table} ${r}`));
  } finally {
    db.close();
  }
}
