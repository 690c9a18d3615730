/**
 * Section `rebuild`: the version-4 rebuild of `wifi_networks` (1M rows) by piwardrive's runner
 * against the sqlite3 CLI executing the statements that rebuild step executes.
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { openDatabase } from "../../src/db/open.ts";
import { embeddedMigrations, Migrator } from "../../src/migrate/mod.ts";
import { quoteName, renameCreateTable } from "../../src/db/rebuild.ts";
import { wifiRows, wifiV3 } from "./fixtures.ts";
import {
  type Context,
  fmtInt,
  fmtMs,
  median,
  onFreshCopies,
  productArgv,
  type Row,
  type Section,
  which,
} from "./lib.ts";

/** The rebuild step of migration 4 (`-- migrate:rebuild wifi_networks`). */
export function version4Rebuild(): { table: string; createSql: string } {
  const step = embeddedMigrations()[3].up.find((s) => s.kind === "rebuild");
  if (!step || step.kind !== "rebuild") throw new Error("migration 4 has no rebuild step");
  return { table: step.table, createSql: step.createSql };
}

/** Marker the sqlite3 scripts print: a label and the wall clock in ms (1 ms resolution). */
export const CLOCK_SQL = (label: string) =>
  `SELECT '${label}', (julianday('now') - 2440587.5) * 86400000.0;`;

/** Elapsed ms between the `start` and `end` markers of a sqlite3 run's output. */
export function markerMs(stdout: string): number {
  const at = (label: string) => {
    const line = stdout.split("\n").find((l) => l.startsWith(`${label}|`));
    if (!line) throw new Error(`sqlite3 printed no "${label}" marker: ${stdout.slice(0, 500)}`);
    return Number(line.split("|")[1]);
  };
  return at("end") - at("start");
}

/**
 * The SQL the sqlite3 peer runs on a database at version 3: the statements `rebuildTable`
 * executes for migration 4 (create `_rebuild_wifi_networks`, INSERT…SELECT of the shared stored
 * columns, DROP, RENAME, restore sqlite_sequence, recreate indexes/triggers/views), in one
 * IMMEDIATE transaction with foreign keys off and the store's synchronous=NORMAL, between two
 * clock markers. Read from `db` exactly as `rebuildTable` reads it.
 */
export function peerRebuildSql(db: DatabaseSync): string {
  const { table, createSql } = version4Rebuild();
  const temporary = `_rebuild_${table}`;
  const oldColumns = storedColumns(db, table);
  const dependents = db.prepare(
    "SELECT sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND tbl_name = ? AND sql IS NOT NULL ORDER BY type, name",
  ).all(table) as { sql: string }[];
  const views = db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'view' ORDER BY name")
    .all() as { name: string; sql: string }[];
  const seq = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = ?").get(table) as
    | { seq: number }
    | undefined;
  // The new table's stored columns, from the CREATE statement itself.
  const scratch = new DatabaseSync(":memory:");
  scratch.exec(renameCreateTable(createSql, table, temporary));
  const shared = storedColumns(scratch, temporary).filter((c) => oldColumns.includes(c));
  scratch.close();
  const list = shared.map(quoteName).join(", ");
  const lines = [
    "PRAGMA foreign_keys = OFF;",
    "PRAGMA synchronous = NORMAL;",
    CLOCK_SQL("start"),
    "BEGIN IMMEDIATE;",
    `${renameCreateTable(createSql, table, temporary)};`,
    `INSERT INTO ${quoteName(temporary)} (${list}) SELECT ${list} FROM ${quoteName(table)};`,
    ...views.map((v) => `DROP VIEW ${quoteName(v.name)};`),
    `DROP TABLE ${quoteName(table)};`,
    `ALTER TABLE ${quoteName(temporary)} RENAME TO ${quoteName(table)};`,
    ...(seq
      ? [
        `DELETE FROM sqlite_sequence WHERE name = '${table}';`,
        `INSERT INTO sqlite_sequence (name, seq) VALUES ('${table}', ${Number(seq.seq)});`,
      ]
      : []),
    ...dependents.map((d) => `${d.sql};`),
    ...views.map((v) => `${v.sql};`),
    "COMMIT;",
    CLOCK_SQL("end"),
    "PRAGMA foreign_keys = ON;",
  ];
  return lines.join("\n") + "\n";
}

function storedColumns(db: DatabaseSync, table: string): string[] {
  return (db.prepare("SELECT name FROM pragma_table_xinfo(?) WHERE hidden IN (0, 1) ORDER BY cid")
    .all(table) as { name: string }[]).map((c) => c.name);
}

/** piwardrive's engine in this process: open as the CLI does, then `Migrator.migrateTo(4)`. */
export function engineRebuild(path: string): number {
  const db = openDatabase(path);
  try {
    const started = performance.now();
    new Migrator(db, embeddedMigrations()).migrateTo(4);
    return performance.now() - started;
  } finally {
    db.close();
  }
}

export const rebuildSection: Section = {
  name: "rebuild",
  description: "version-4 rebuild of a 1M-row wifi_networks: Migrator.migrateTo(4) vs sqlite3",
  async run(ctx: Context): Promise<Row[]> {
    const sqlite3 = which("sqlite3");
    const base = await wifiV3(ctx);
    const rows = wifiRows(ctx);
    const runs = 3;
    const probe = openDatabase(base, { readOnly: true });
    const sql = peerRebuildSql(probe);
    probe.close();
    const engine: number[] = [];
    const cli: number[] = [];
    const peerExec: number[] = [];
    const peerWall: number[] = [];
    for (let run = 0; run < runs; run++) {
      await onFreshCopies(ctx, base, run, [
        {
          copy: "rebuild-engine.db",
          run: (copy) => {
            engine.push(engineRebuild(copy));
          },
        },
        sqlite3
          ? {
            copy: "rebuild-sqlite3.db",
            run: async (copy) => {
              const out = await ctx.run([sqlite3, "-batch", "-bail", copy], { stdin: sql });
              peerExec.push(markerMs(out.stdout));
              peerWall.push(out.ms);
            },
          }
          : null,
        {
          copy: "rebuild-cli.db",
          run: async (copy) => {
            const out = await ctx.run(
              productArgv(["--db", copy, "migrate", "--to", "4", "--no-backup"]),
            );
            if (!/to 4/.test(out.stdout)) throw new Error(`migrate --to 4 said: ${out.stdout}`);
            cli.push(out.ms);
          },
        },
      ]);
      ctx.log(
        `rebuild run ${run + 1}/${runs}: engine ${fmtMs(engine.at(-1)!)}, sqlite3 ${
          sqlite3 ? fmtMs(peerExec.at(-1)!) : "n/a"
        }, CLI ${fmtMs(cli.at(-1)!)}`,
      );
    }
    const e = median(engine);
    const p = sqlite3 ? median(peerExec) : NaN;
    const pw = sqlite3 ? median(peerWall) : NaN;
    const c = median(cli);
    const n = fmtInt(rows);
    return [
      {
        benchmark: `rebuild ${n} rows: Migrator.migrateTo(4) vs sqlite3 same SQL`,
        piwardrive: fmtMs(e),
        peer: sqlite3 ? fmtMs(p) : "sqlite3 missing",
        ratio: sqlite3 ? e / p : null,
        target: { kind: "max", value: 1.2, label: "≤ 1.2×" },
        note: `rebuild: median of ${runs} fresh copies each; engine = migrateTo(4) in this ` +
          `process; sqlite3 = execution between clock markers (runs: ${
            engine.map(fmtMs).join(", ")
          } vs ${peerExec.map(fmtMs).join(", ")})`,
      },
      {
        benchmark: `rebuild ${n} rows: CLI migrate --to 4 (wall) vs sqlite3 process`,
        piwardrive: fmtMs(c),
        peer: sqlite3 ? fmtMs(pw) : "sqlite3 missing",
        ratio: sqlite3 ? c / pw : null,
        target: null,
        note: `rebuild CLI: \`deno run <start perms> main.ts --db X migrate --to 4 --no-backup\` ` +
          `process wall time (startup, lock, expected-schema checks included) vs the whole ` +
          `sqlite3 process (runs: ${cli.map(fmtMs).join(", ")})`,
      },
    ];
  },
};
