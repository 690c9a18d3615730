/**
 * What the sync test files share: one PostgreSQL cluster per file (asking for a password on
 * loopback TCP), a database per test, running `sync` in-process, and reading the Pis' rows.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { cli, type CliResult } from "./cli.ts";
import { type PgCluster, startPostgres } from "./postgres.ts";

/** The test clusters' superuser password (with a space and a colon, to be escaped in .pgpass). */
export const PASSWORD = "central s3cret:pw";
export const SIGHTING_TABLES = [
  "wifi_sightings",
  "bluetooth_sightings",
  "gps_track",
  "health_records",
];

/** A central database of the file's cluster. */
export interface CentralDb {
  name: string;
  url: string;
}

/**
 * The file's cluster, started by the first test that asks and killed when the process ends (the
 * file's last test stops it properly with `stop`). Sets PGPASSWORD for the in-process syncs.
 */
export function fileCluster() {
  Deno.env.set("PGPASSWORD", PASSWORD);
  let cluster: PgCluster | undefined;
  let databases = 0;
  globalThis.addEventListener("unload", () => cluster?.killSync());
  const pg = async (): Promise<PgCluster> => {
    cluster ??= await startPostgres({ password: PASSWORD });
    return cluster;
  };
  return {
    pg,
    /** A fresh central database. */
    async centralDb(): Promise<CentralDb> {
      const c = await pg();
      const name = `central_${++databases}`;
      return { name, url: await c.createDatabase(name) };
    },
    async stop(): Promise<void> {
      await cluster?.[Symbol.asyncDispose]();
      cluster = undefined;
    },
  };
}

/** The single line on stderr. */
export function oneLine(result: CliResult): string {
  const lines = result.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `expected one line on stderr, got:\n${result.stderr}`);
  return lines[0];
}

/** `piwardrive --db PATH sync --to URL …` in-process. */
export async function sync(path: string, url: string, ...more: string[]): Promise<CliResult> {
  return await cli("--db", path, "sync", "--to", url, ...more);
}

/** A Pi that replayed the built-in sample drive. */
export async function demoPi(dir: string, name: string): Promise<string> {
  const path = `${dir}/${name}.db`;
  const r = await cli("--db", path, "collect", "--demo", "--quiet");
  assert.equal(r.code, 0, r.stderr);
  return path;
}

/** Count and sum of the ids of a Pi's table. */
export function piIds(path: string, table: string): { n: number; sum: number } {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const r = db.prepare(`SELECT count(*) AS n, coalesce(sum(id), 0) AS sum FROM ${table}`)
      .get() as { n: number; sum: number };
    return { n: Number(r.n), sum: Number(r.sum) };
  } finally {
    db.close();
  }
}

/** The device id a Pi's first sync made. */
export function piDeviceId(path: string): string {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const row = db.prepare("SELECT value FROM configuration WHERE key = 'device_id'").get() as {
      value: string;
    };
    return String(row.value);
  } finally {
    db.close();
  }
}

/** Central rows equal the union of the Pis' rows, each once, and the central schema verifies. */
export async function assertUnion(c: PgCluster, central: CentralDb, pis: string[]) {
  for (const table of SIGHTING_TABLES) {
    for (const pi of pis) {
      const expected = piIds(pi, table);
      const got = await c.psql(
        central.name,
        `SELECT count(*) || ' ' || coalesce(sum(local_id), 0) FROM ${table}
         WHERE device_id = '${piDeviceId(pi)}'`,
      );
      assert.equal(got, `${expected.n} ${expected.sum}`, `${table} of ${pi}`);
    }
  }
  const bssids = new Set<string>();
  for (const pi of pis) {
    const db = new DatabaseSync(pi, { readOnly: true });
    for (const r of db.prepare("SELECT bssid FROM wifi_networks").all()) {
      bssids.add(String(r.bssid));
    }
    db.close();
  }
  assert.equal(await c.psql(central.name, "SELECT count(*) FROM networks"), String(bssids.size));
  const verify = await sync(pis[0], central.url, "--verify-server");
  assert.equal(verify.code, 0, verify.stdout + verify.stderr);
}
