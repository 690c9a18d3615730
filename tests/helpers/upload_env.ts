/** The upload tests' setting: a WiGLE stand-in, a drive database, and the environment for both. */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { cli, tempDir } from "./cli.ts";
import { WigleServer } from "./wigle_server.ts";
import { API_NAME, TOKEN, uploadDb } from "./upload_db.ts";

const ENV = ["PIWARDRIVE_WIGLE_URL", "PIWARDRIVE_WIGLE_TOKEN", "PIWARDRIVE_UPLOAD_BACKOFF_MS"];

/** A server, a database and the environment pointing at them; restored when disposed. */
export async function setup(token: string | null = TOKEN) {
  const dir = tempDir();
  const server = new WigleServer(API_NAME, TOKEN);
  const saved = ENV.map((k) => Deno.env.get(k));
  Deno.env.set("PIWARDRIVE_WIGLE_URL", server.url);
  Deno.env.set("PIWARDRIVE_UPLOAD_BACKOFF_MS", "10");
  if (token === null) Deno.env.delete("PIWARDRIVE_WIGLE_TOKEN");
  else Deno.env.set("PIWARDRIVE_WIGLE_TOKEN", token);
  const { path, keys } = await uploadDb(dir.path);
  return {
    dir: dir.path,
    db: path,
    keys,
    server,
    upload: (...args: string[]) => cli("--db", path, "upload", ...args),
    async [Symbol.asyncDispose]() {
      await server.close();
      ENV.forEach((k, i) =>
        saved[i] === undefined ? Deno.env.delete(k) : Deno.env.set(k, saved[i])
      );
      dir[Symbol.dispose]();
    },
  };
}

/** Every row WiGLE holds, sorted, asserting none came twice. */
export function receivedOnce(server: WigleServer): string[] {
  const twice = [...server.rowCounts].filter(([, n]) => n !== 1);
  assert.deepEqual(twice, [], "rows WiGLE got more than once");
  return [...server.rowCounts.keys()].sort();
}

export function claimed(path: string): number {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return Number(
      (db.prepare(
        "SELECT (SELECT count(*) FROM wifi_sightings WHERE upload_batch IS NOT NULL) + (SELECT count(*) FROM bluetooth_sightings WHERE upload_batch IS NOT NULL) AS n",
      ).get() as { n: number }).n,
    );
  } finally {
    db.close();
  }
}
