/** A drive for upload tests: WiFi and Bluetooth sightings, some without a usable position. */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { cli } from "./cli.ts";

export const API_NAME = "AIDtestname0001";
export const TOKEN = "tok-5f3a9c1e7b2d4860a1c3e5f7b9d1f3a5";

/** `MAC|yyyy-MM-dd HH:mm:ss` of a sighting, as the stand-in server counts rows. */
export function rowKey(mac: string, iso: string): string {
  return `${mac}|${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

/** Adds `count` positioned WiFi sightings from second `from` on; returns their keys. */
export function addSightings(path: string, from: number, count: number): string[] {
  const db = new DatabaseSync(path);
  try {
    const network = db.prepare("SELECT id FROM wifi_networks WHERE bssid = ?")
      .get("02:00:00:00:00:01") as { id: number };
    const add = db.prepare(
      "INSERT INTO wifi_sightings (network_id, seen_at, signal_dbm, gps_lat, gps_lon) VALUES (?, ?, -60, ?, 0.12)",
    );
    const keys: string[] = [];
    db.exec("BEGIN");
    for (let i = from; i < from + count; i++) {
      const at = new Date(Date.UTC(2024, 5, 1, 10, 0, 0) + i * 1000).toISOString();
      add.run(network.id, at, 52.2 + i / 1e5);
      keys.push(rowKey("02:00:00:00:00:01", at));
    }
    db.exec("COMMIT");
    return keys;
  } finally {
    db.close();
  }
}

/**
 * A migrated database with the API name set: 20 positioned WiFi sightings (seconds 0–19 of
 * 2024-06-01 10:00), 3 positioned Bluetooth ones, and 3 that must never be sent (no position,
 * (0,0)). Returns its path and the keys of the rows WiGLE should get.
 */
export async function uploadDb(dir: string): Promise<{ path: string; keys: string[] }> {
  const path = `${dir}/drive.db`;
  const migrated = await cli("--db", path, "migrate");
  assert.equal(migrated.code, 0, migrated.stderr);
  const named = await cli("--db", path, "config", "set", "wigle.api_name", API_NAME);
  assert.equal(named.code, 0, named.stderr);
  const db = new DatabaseSync(path);
  const keys: string[] = [];
  try {
    db.prepare(
      `INSERT INTO wifi_networks (bssid, ssid, frequency, signal_strength, encryption, channel,
         first_seen, last_seen) VALUES ('02:00:00:00:00:01', 'road', 2437, -50, 'WPA2-PSK', 6, ?, ?)`,
    ).run("2024-06-01T10:00:00.000Z", "2024-06-01T11:00:00.000Z");
    const device = db.prepare(
      `INSERT INTO bluetooth_devices (address, name, first_seen, last_seen)
       VALUES ('AA:BB:CC:00:00:01', 'watch', ?, ?)`,
    ).run("2024-06-01T10:00:00.000Z", "2024-06-01T11:00:00.000Z").lastInsertRowid;
    const network = (db.prepare("SELECT id FROM wifi_networks").get() as { id: number }).id;
    const wifi = db.prepare(
      "INSERT INTO wifi_sightings (network_id, seen_at, signal_dbm, gps_lat, gps_lon) VALUES (?, ?, -70, ?, ?)",
    );
    wifi.run(network, "2024-06-01T09:00:00.000Z", null, null); // no fix
    wifi.run(network, "2024-06-01T09:00:01.000Z", 0, 0); // (0,0): no fix either
    const bt = db.prepare(
      "INSERT INTO bluetooth_sightings (device_id, seen_at, rssi_dbm, gps_lat, gps_lon) VALUES (?, ?, -80, ?, ?)",
    );
    bt.run(device, "2024-06-01T09:00:02.000Z", null, null);
    for (let i = 0; i < 3; i++) {
      const at = `2024-06-01T10:30:0${i}.000Z`;
      bt.run(device, at, 52.3, 0.13);
      keys.push(rowKey("AA:BB:CC:00:00:01", at));
    }
  } finally {
    db.close();
  }
  keys.push(...addSightings(path, 0, 20));
  return { path, keys: keys.sort() };
}

/** The batches table, ordered. */
export function batches(path: string): Record<string, unknown>[] {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return db.prepare("SELECT * FROM upload_batches ORDER BY id").all() as Record<
      string,
      unknown
    >[];
  } finally {
    db.close();
  }
}
