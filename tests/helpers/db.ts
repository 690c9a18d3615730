/** Database fixtures for tests: migrated databases, generated rows, logical dumps. */
import type { DatabaseSync } from "node:sqlite";
import { embeddedMigrations } from "../../src/migrate/mod.ts";
import { Migrator } from "../../src/migrate/migrator.ts";
import { openDatabase } from "../../src/db/open.ts";
import { loadOuiTable } from "../../src/oui/mod.ts";
import { mulberry32 } from "../../scripts/lib/random.ts";

// Tests migrate in-process, and version 9 looks vendors up: load the table as the CLI does.
await loadOuiTable();

/** A database at `version`, created with the embedded migrations. */
export function databaseAt(path: string, version: number): DatabaseSync {
  const db = openDatabase(path, { create: true });
  new Migrator(db, embeddedMigrations()).migrateTo(version);
  return db;
}

/** Stored (not generated) columns of a table. */
export function storedColumns(db: DatabaseSync, table: string): string[] {
  return (db.prepare("SELECT name FROM pragma_table_xinfo(?) WHERE hidden = 0 ORDER BY cid")
    .all(table) as { name: string }[]).map((c) => c.name);
}

/**
 * Every row of every application table, as JSON text in a fixed order, each column named —
 * a logical dump that ignores column order and physical layout.
 */
export function logicalDump(db: DatabaseSync, tables = dataTables(db)): Record<string, string[]> {
  const dump: Record<string, string[]> = {};
  for (const table of tables) {
    const columns = storedColumns(db, table).sort();
    const list = columns.map((c) => `"${c}"`).join(", ");
    const stmt = db.prepare(
      `SELECT ${list} FROM "${table}" ORDER BY ${list}`,
    );
    stmt.setReadBigInts(true);
    dump[table] = (stmt.all() as Record<string, unknown>[]).map((r) =>
      JSON.stringify(r, (_k, v) => typeof v === "bigint" ? `${v}n` : v)
    );
  }
  return dump;
}

export function dataTables(db: DatabaseSync): string[] {
  return (db.prepare(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_version' ORDER BY name",
  ).all() as { name: string }[]).map((t) => t.name);
}

const HOSTILE = [
  "café ☕",
  "'; DROP TABLE wifi_networks; --",
  'quote"d',
  "new\nline",
  '=HYPERLINK("x")',
  "\u0000nul",
  "",
];

/**
 * Fills the baseline tables (those of version 1) with `n` deterministic rows each, including
 * NULLs, hostile text, big integers and every encryption kind.
 */
export function fillBaselineRows(db: DatabaseSync, n: number, seed = 1): void {
  const rand = mulberry32(seed);
  const enc = ["WPA2-PSK", "WPA3-SAE/WPA2-PSK", "WPA-PSK", "WEP", "Open", null];
  const wifi = db.prepare(
    `INSERT INTO wifi_networks (bssid, ssid, frequency, signal_strength, encryption, channel, first_seen,
       last_seen, gps_lat, gps_lon, gps_accuracy) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const bt = db.prepare(
    `INSERT INTO bluetooth_devices (address, name, device_type, rssi, manufacturer, services, first_seen,
       last_seen, gps_lat, gps_lon, gps_accuracy) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const health = db.prepare(
    `INSERT INTO health_records (timestamp, cpu_temp, cpu_percent, memory_percent, disk_percent,
       network_rx_bytes, network_tx_bytes, gps_lat, gps_lon, gps_accuracy, wifi_networks_count,
       bluetooth_devices_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  db.exec("BEGIN");
  for (let i = 0; i < n; i++) {
    const mac = Array.from(
      { length: 6 },
      () => Math.floor(rand() * 256).toString(16).padStart(2, "0"),
    ).join(":");
    const time = new Date(Date.UTC(2026, 0, 1) + i * 5000).toISOString();
    const lat = i % 7 === 0 ? null : 52 + rand();
    const lon = lat === null ? null : rand();
    wifi.run(
      mac,
      i % 5 === 0 ? HOSTILE[i % HOSTILE.length] : `net-${i}`,
      2412 + (i % 13) * 5,
      -30 - Math.floor(rand() * 60),
      enc[i % enc.length],
      1 + (i % 13),
      time,
      time,
      lat,
      lon,
      lat && 5,
    );
    bt.run(
      mac.toUpperCase(),
      i % 3 === 0 ? null : HOSTILE[i % HOSTILE.length],
      "LE",
      -40 - (i % 50),
      i % 4 === 0 ? "Apple, Inc." : null,
      JSON.stringify(["0000180f-0000-1000-8000-00805f9b34fb"]),
      time,
      time,
      lat,
      lon,
      lat && 8,
    );
    health.run(
      time,
      40 + rand() * 20,
      rand() * 100,
      rand() * 100,
      rand() * 100,
      BigInt(2) ** BigInt(40) + BigInt(i),
      123456789 + i,
      lat,
      lon,
      lat && 3,
      i,
      i % 17,
    );
  }
  db.prepare("INSERT INTO configuration (key, value, type) VALUES (?, ?, ?)").run(
    `k${seed}`,
    "v",
    "string",
  );
  db.exec("COMMIT");
}
