/**
 * What each synced table reads on the Pi and writes centrally. A batch is rows with local id
 * above the mark, in id order; it travels as one multi-row INSERT … SELECT FROM unnest(arrays),
 * one array parameter per column, so a batch of thousands of rows is one statement and one round
 * trip, and `ON CONFLICT DO NOTHING` on (device_id, local_id) makes sending a row twice harmless.
 */
import { OBSERVATION_TABLES } from "../db/schema.ts";

/** The tables sync pushes, in the order it pushes them (summaries before the sightings). */
export const SYNC_TABLES = OBSERVATION_TABLES;
export type SyncTable = typeof SYNC_TABLES[number];

/** A column of a batch: its name in the unnest, its PostgreSQL array type, how to convert it. */
interface Column {
  name: string;
  type: string;
  kind?: "time";
}

/** How one table is read and written. */
export interface TableSpec {
  table: SyncTable;
  /** SQLite: rows with id > ?1, id order, at most ?2; the first column is the local id. */
  select: string;
  columns: Column[];
  /**
   * PostgreSQL: $1 is the device id, $2… the column arrays in `columns` order; for the summary
   * tables (keyed by BSSID / address, not by device) the arrays start at $1.
   */
  insert: string;
  /** For sightings: the summary table whose rows a batch refers to, and the SQLite query for them. */
  refers?: { table: "wifi_networks" | "bluetooth_devices"; select: string };
}

const GEOGRAPHY = (lat: string, lon: string) =>
  `CASE WHEN ${lat} IS NULL OR ${lon} IS NULL THEN NULL ` +
  `ELSE ST_SetSRID(ST_MakePoint(${lon}, ${lat}), 4326)::geography END`;

/** Sightings take the device id as $1 and their arrays from $2; summaries only arrays, from $1. */
function unnest(columns: Column[], first = 2): string {
  const arrays = columns.map((c, i) => `$${i + first}::${c.type}[]`).join(", ");
  return `unnest(${arrays}) AS u(${columns.map((c) => c.name).join(", ")})`;
}

/** The merge of a summary row into the central one: see the central migration's header. */
function mergeSummary(
  table: string,
  described: string[],
  signal: string,
): string {
  const newer = `(${table}.last_seen IS NULL OR EXCLUDED.last_seen >= ${table}.last_seen)`;
  const better = `EXCLUDED.best_position IS NOT NULL AND (${table}.best_position IS NULL OR ` +
    `coalesce(EXCLUDED.${signal}, -1000) > coalesce(${table}.${signal}, -1000))`;
  return [
    ...described.map((c) =>
      `${c} = CASE WHEN ${newer} THEN coalesce(EXCLUDED.${c}, ${table}.${c}) ELSE coalesce(${table}.${c}, EXCLUDED.${c}) END`
    ),
    `first_seen = LEAST(${table}.first_seen, EXCLUDED.first_seen)`,
    `last_seen = GREATEST(${table}.last_seen, EXCLUDED.last_seen)`,
    `${signal} = GREATEST(${table}.${signal}, EXCLUDED.${signal})`,
    `best_position = CASE WHEN ${better} THEN EXCLUDED.best_position ELSE ${table}.best_position END`,
    `best_accuracy_m = CASE WHEN ${better} THEN EXCLUDED.best_accuracy_m ELSE ${table}.best_accuracy_m END`,
  ].join(",\n  ");
}

const NETWORK_COLUMNS: Column[] = [
  { name: "bssid", type: "text" },
  { name: "ssid", type: "text" },
  { name: "frequency", type: "int" },
  { name: "channel", type: "int" },
  { name: "encryption", type: "text" },
  { name: "vendor", type: "text" },
  { name: "first_seen", type: "timestamptz", kind: "time" },
  { name: "last_seen", type: "timestamptz", kind: "time" },
  { name: "signal", type: "real" },
  { name: "lat", type: "float8" },
  { name: "lon", type: "float8" },
  { name: "accuracy", type: "real" },
];
const NETWORK_SELECT = `SELECT id, bssid, ssid, frequency, channel, encryption, vendor, first_seen,
  last_seen, signal_strength, gps_lat, gps_lon, gps_accuracy FROM wifi_networks`;

const DEVICE_COLUMNS: Column[] = [
  { name: "address", type: "text" },
  { name: "name", type: "text" },
  { name: "device_type", type: "text" },
  { name: "manufacturer", type: "text" },
  { name: "first_seen", type: "timestamptz", kind: "time" },
  { name: "last_seen", type: "timestamptz", kind: "time" },
  { name: "rssi", type: "real" },
  { name: "lat", type: "float8" },
  { name: "lon", type: "float8" },
  { name: "accuracy", type: "real" },
];
const DEVICE_SELECT = `SELECT id, address, name, device_type, manufacturer, first_seen, last_seen,
  rssi, gps_lat, gps_lon, gps_accuracy FROM bluetooth_devices`;

/** Summary rows are upserted in key order, so two Pis merging the same rows never deadlock. */
const NETWORKS_UPSERT = `INSERT INTO networks AS n (bssid, ssid, frequency, channel, encryption,
  vendor, first_seen, last_seen, best_signal_dbm, best_position, best_accuracy_m)
SELECT bssid, ssid, frequency, channel, encryption, vendor, first_seen, last_seen, signal,
  ${GEOGRAPHY("lat", "lon")}, accuracy
FROM ${unnest(NETWORK_COLUMNS, 1)} ORDER BY bssid
ON CONFLICT (bssid) DO UPDATE SET
  ${
  mergeSummary("n", ["ssid", "frequency", "channel", "encryption", "vendor"], "best_signal_dbm")
}`;

const DEVICES_UPSERT = `INSERT INTO bt_devices AS d (address, name, device_type, manufacturer,
  first_seen, last_seen, best_rssi_dbm, best_position, best_accuracy_m)
SELECT address, name, device_type, manufacturer, first_seen, last_seen, rssi,
  ${GEOGRAPHY("lat", "lon")}, accuracy
FROM ${unnest(DEVICE_COLUMNS, 1)} ORDER BY address
ON CONFLICT (address) DO UPDATE SET
  ${mergeSummary("d", ["name", "device_type", "manufacturer"], "best_rssi_dbm")}`;

const after = (select: string) => `${select} WHERE id > ?1 ORDER BY id LIMIT ?2`;
/** The summary rows a batch of sightings (ids in (?1, ?2]) refers to. */
const referredBy = (select: string, sightings: string, key: string) =>
  `${select} WHERE id IN (SELECT DISTINCT ${key} FROM ${sightings} WHERE id > ?1 AND id <= ?2)`;

/** Where a sighting or track point was: the columns every appended table carries in this order. */
const POSITION: Column[] = [
  { name: "lat", type: "float8" },
  { name: "lon", type: "float8" },
  { name: "alt", type: "real" },
  { name: "accuracy", type: "real" },
];

const WIFI_SIGHTING_COLUMNS: Column[] = [
  { name: "id", type: "bigint" },
  { name: "bssid", type: "text" },
  { name: "seen_at", type: "timestamptz", kind: "time" },
  { name: "clock", type: "text" },
  { name: "ssid", type: "text" },
  { name: "frequency", type: "int" },
  { name: "channel", type: "int" },
  { name: "signal", type: "real" },
  ...POSITION,
];

const BT_SIGHTING_COLUMNS: Column[] = [
  { name: "id", type: "bigint" },
  { name: "address", type: "text" },
  { name: "seen_at", type: "timestamptz", kind: "time" },
  { name: "clock", type: "text" },
  { name: "name", type: "text" },
  { name: "rssi", type: "int" },
  { name: "tx_power", type: "int" },
  ...POSITION,
];

const TRACK_COLUMNS: Column[] = [
  { name: "id", type: "bigint" },
  { name: "system_time", type: "timestamptz", kind: "time" },
  { name: "gps_time", type: "timestamptz", kind: "time" },
  { name: "plausible", type: "smallint" },
  { name: "mode", type: "smallint" },
  ...POSITION,
  { name: "speed", type: "real" },
  { name: "track", type: "real" },
];

const HEALTH_COLUMNS: Column[] = [
  { name: "id", type: "bigint" },
  { name: "recorded_at", type: "timestamptz", kind: "time" },
  { name: "cpu_temp", type: "real" },
  { name: "cpu_percent", type: "real" },
  { name: "memory_percent", type: "real" },
  { name: "disk_percent", type: "real" },
  { name: "rx", type: "bigint" },
  { name: "tx", type: "bigint" },
  { name: "lat", type: "float8" },
  { name: "lon", type: "float8" },
  { name: "wifi_count", type: "int" },
  { name: "bt_count", type: "int" },
];

/** Every synced table, in push order. */
export const TABLE_SPECS: readonly TableSpec[] = [
  {
    table: "wifi_networks",
    select: after(NETWORK_SELECT),
    columns: NETWORK_COLUMNS,
    insert: NETWORKS_UPSERT,
  },
  {
    table: "bluetooth_devices",
    select: after(DEVICE_SELECT),
    columns: DEVICE_COLUMNS,
    insert: DEVICES_UPSERT,
  },
  {
    table: "wifi_sightings",
    select: after(`SELECT s.id, n.bssid, s.seen_at, s.clock, s.ssid, s.frequency, s.channel,
      s.signal_dbm, s.gps_lat, s.gps_lon, s.gps_alt, s.gps_accuracy
      FROM wifi_sightings s JOIN wifi_networks n ON n.id = s.network_id`).replace(
      "WHERE id > ?1 ORDER BY id",
      "WHERE s.id > ?1 ORDER BY s.id",
    ),
    columns: WIFI_SIGHTING_COLUMNS,
    insert: `INSERT INTO wifi_sightings (device_id, local_id, bssid, seen_at, clock, ssid,
      frequency, channel, signal_dbm, position, alt_m, accuracy_m)
    SELECT $1::uuid, id, bssid, seen_at, clock, ssid, frequency, channel, signal,
      ${GEOGRAPHY("lat", "lon")}, alt, accuracy
    FROM ${unnest(WIFI_SIGHTING_COLUMNS)} ON CONFLICT DO NOTHING`,
    refers: {
      table: "wifi_networks",
      select: referredBy(NETWORK_SELECT, "wifi_sightings", "network_id"),
    },
  },
  {
    table: "bluetooth_sightings",
    select: after(`SELECT s.id, d.address, s.seen_at, s.clock, s.name, s.rssi_dbm,
      s.tx_power_dbm, s.gps_lat, s.gps_lon, s.gps_alt, s.gps_accuracy
      FROM bluetooth_sightings s JOIN bluetooth_devices d ON d.id = s.device_id`).replace(
      "WHERE id > ?1 ORDER BY id",
      "WHERE s.id > ?1 ORDER BY s.id",
    ),
    columns: BT_SIGHTING_COLUMNS,
    insert: `INSERT INTO bluetooth_sightings (device_id, local_id, address, seen_at, clock, name,
      rssi_dbm, tx_power_dbm, position, alt_m, accuracy_m)
    SELECT $1::uuid, id, address, seen_at, clock, name, rssi, tx_power,
      ${GEOGRAPHY("lat", "lon")}, alt, accuracy
    FROM ${unnest(BT_SIGHTING_COLUMNS)} ON CONFLICT DO NOTHING`,
    refers: {
      table: "bluetooth_devices",
      select: referredBy(DEVICE_SELECT, "bluetooth_sightings", "device_id"),
    },
  },
  {
    table: "gps_track",
    select: after(`SELECT id, system_time, gps_time, gps_time_plausible, mode, lat, lon, alt_m,
      accuracy_m, speed_mps, track_deg FROM gps_track`),
    columns: TRACK_COLUMNS,
    insert: `INSERT INTO gps_track (device_id, local_id, system_time, gps_time,
      gps_time_plausible, mode, position, alt_m, accuracy_m, speed_mps, track_deg)
    SELECT $1::uuid, id, system_time, gps_time, plausible <> 0, mode, ${
      GEOGRAPHY("lat", "lon")
    }, alt,
      accuracy, speed, track
    FROM ${unnest(TRACK_COLUMNS)} ON CONFLICT DO NOTHING`,
  },
  {
    table: "health_records",
    select: after(`SELECT id, timestamp, cpu_temp, cpu_percent, memory_percent, disk_percent,
      network_rx_bytes, network_tx_bytes, gps_lat, gps_lon, wifi_networks_count,
      bluetooth_devices_count FROM health_records`),
    columns: HEALTH_COLUMNS,
    insert: `INSERT INTO health_records (device_id, local_id, recorded_at, cpu_temp, cpu_percent,
      memory_percent, disk_percent, network_rx_bytes, network_tx_bytes, position,
      wifi_networks_count, bluetooth_devices_count)
    SELECT $1::uuid, id, recorded_at, cpu_temp, cpu_percent, memory_percent, disk_percent, rx, tx,
      ${GEOGRAPHY("lat", "lon")}, wifi_count, bt_count
    FROM ${unnest(HEALTH_COLUMNS)} ON CONFLICT DO NOTHING`,
  },
];

const TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?$/;

/**
 * A SQLite time as PostgreSQL reads it: ISO-8601 kept, a time without zone taken as UTC (the
 * Pi writes UTC), anything else null rather than a batch PostgreSQL refuses forever.
 *
 * @example
 * ```ts
 * toTimestamp("2024-06-01 10:00:00"); // "2024-06-01T10:00:00Z"
 * toTimestamp("yesterday"); // null
 * ```
 */
export function toTimestamp(value: unknown): string | null {
  if (typeof value !== "string" || !TIME.test(value)) return null;
  const iso = value.replace(" ", "T");
  const zoned = /(Z|[+-]\d{2}(:?\d{2})?)$/.test(iso.slice(10)) ? iso : `${iso}Z`;
  return Number.isNaN(Date.parse(zoned)) ? null : zoned;
}

/**
 * The column arrays of `rows` (SQLite rows whose first column is the local id) for `columns`;
 * summary tables drop the id (their key is the BSSID or address).
 */
export function toArrays(
  rows: Record<string, unknown>[],
  columns: Column[],
  keepId: boolean,
): unknown[][] {
  const arrays: unknown[][] = columns.map(() => new Array(rows.length));
  for (let r = 0; r < rows.length; r++) {
    const values = Object.values(rows[r]);
    const offset = keepId ? 0 : 1;
    for (let c = 0; c < columns.length; c++) {
      const value = values[c + offset];
      const kind = columns[c].kind;
      arrays[c][r] = kind === "time"
        ? toTimestamp(value)
        : value === undefined
        ? null
        : typeof value === "bigint"
        ? value.toString()
        : typeof value === "string" && value.includes("\0")
        // PostgreSQL text cannot hold NUL (SQLite can): a batch holding one would fail forever.
        ? value.replaceAll("\0", "\uFFFD")
        : value;
    }
  }
  return arrays;
}
