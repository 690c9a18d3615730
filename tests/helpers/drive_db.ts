/** A small drive in a database, and views of a database and a folder to compare before and after. */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { cli } from "./cli.ts";

/** A migrated database with one network seen `sightings` times along a road. */
export async function driveDb(dir: string, sightings: number): Promise<string> {
  const path = `${dir}/live.db`;
  const migrated = await cli("--db", path, "migrate");
  assert.equal(migrated.code, 0, migrated.stderr);
  const db = new DatabaseSync(path);
  const id = db.prepare(
    `INSERT INTO wifi_networks (bssid, ssid, frequency, signal_strength, encryption, channel,
       first_seen, last_seen, gps_lat, gps_lon) VALUES (?, ?, 2437, -50, 'WPA2-PSK', 6, ?, ?, ?, ?)`,
  ).run(
    "02:00:00:00:00:01",
    "road",
    "2024-06-01T10:00:00.000Z",
    "2024-06-01T11:00:00.000Z",
    52.2,
    0.12,
  )
    .lastInsertRowid;
  const add = db.prepare(
    "INSERT INTO wifi_sightings (network_id, seen_at, signal_dbm, gps_lat, gps_lon) VALUES (?, ?, ?, ?, ?)",
  );
  db.exec("BEGIN");
  for (let i = 0; i < sightings; i++) {
    add.run(
      id,
      new Date(Date.UTC(2024, 5, 1, 10, 0, i)).toISOString(),
      -50 - (i % 40),
      52.2 + i / 1e5,
      0.12,
    );
  }
  db.exec("COMMIT");
  db.close();
  return path;
}

/** Every row of every table, to compare before and after. */
export function dump(path: string): string {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .all().map((r) => String(r.name));
    return JSON.stringify(tables.map((t) => [t, db.prepare(`SELECT * FROM "${t}"`).all()]));
  } finally {
    db.close();
  }
}

/** What is at each name in `dir` (identity, kind, owner, mode, bytes), links not followed. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of Deno.readDirSync(dir)) {
    const path = `${dir}/${entry.name}`;
    const i = Deno.lstatSync(path);
    const kind = i.isSymlink
      ? `link->${Deno.readLinkSync(path)}`
      : i.isFile
      ? `file:${Deno.readTextFileSync(path)}`
      : i.isDirectory
      ? "dir"
      : i.isFifo
      ? "fifo"
      : i.isCharDevice
      ? `char:${i.rdev}`
      : "other";
    out[entry.name] = `${i.dev}:${i.ino} ${i.uid}:${i.gid} ${
      (i.mode! & 0o7777).toString(8)
    } ${kind}`;
  }
  return out;
}
