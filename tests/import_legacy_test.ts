/**
 * `piwardrive import` of the original PiWardrive's app.db at its last layout (../shared/IMPORTS.md
 * §1): iwlist encryption strings, NULL signals, Bluetooth rows without positions (recovered from
 * the track row of the same time), health in local time, WAL mode as the original ran it.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { cli, tempDir } from "./helpers/cli.ts";
import { folderState, tableCounts } from "./helpers/import.ts";

const APP_DB_DDL = `
CREATE TABLE health_records (timestamp TEXT PRIMARY KEY, cpu_temp REAL, cpu_percent REAL,
  memory_percent REAL, disk_percent REAL);
CREATE INDEX idx_health_time ON health_records(timestamp);
CREATE TABLE app_state (id INTEGER PRIMARY KEY, last_screen TEXT, last_start TEXT, first_run INTEGER);
CREATE TABLE ap_cache (bssid TEXT PRIMARY KEY, ssid TEXT, encryption TEXT, lat REAL, lon REAL,
  last_time INTEGER);
CREATE TABLE schema_version (version INTEGER);
CREATE TABLE migrations (version INTEGER PRIMARY KEY);
CREATE TABLE scan_sessions (id TEXT PRIMARY KEY, device_id TEXT NOT NULL, scan_type TEXT NOT NULL,
  started_at TEXT NOT NULL, completed_at TEXT, created_at TEXT DEFAULT CURRENT_TIMESTAMP);
CREATE TABLE wifi_detections (id INTEGER PRIMARY KEY AUTOINCREMENT, scan_session_id TEXT NOT NULL,
  detection_timestamp TEXT NOT NULL, bssid TEXT NOT NULL, ssid TEXT, channel INTEGER,
  frequency_mhz INTEGER, signal_strength_dbm INTEGER, noise_floor_dbm INTEGER, snr_db INTEGER,
  encryption_type TEXT, cipher_suite TEXT, authentication_method TEXT, wps_enabled BOOLEAN,
  vendor_oui TEXT, vendor_name TEXT, device_type TEXT, latitude REAL, longitude REAL,
  altitude_meters REAL, accuracy_meters REAL, heading_degrees REAL, speed_kmh REAL,
  beacon_interval_ms INTEGER, dtim_period INTEGER, first_seen TEXT NOT NULL,
  last_seen TEXT NOT NULL, detection_count INTEGER DEFAULT 1);
CREATE TABLE bluetooth_detections (id INTEGER PRIMARY KEY AUTOINCREMENT,
  scan_session_id TEXT NOT NULL, detection_timestamp TEXT NOT NULL, mac_address TEXT NOT NULL,
  device_name TEXT, device_class INTEGER, device_type TEXT, manufacturer_id INTEGER,
  manufacturer_name TEXT, rssi_dbm INTEGER, tx_power_dbm INTEGER, bluetooth_version TEXT,
  supported_services TEXT, is_connectable BOOLEAN, is_paired BOOLEAN, latitude REAL,
  longitude REAL, altitude_meters REAL, accuracy_meters REAL, heading_degrees REAL,
  speed_kmh REAL, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL, detection_count INTEGER DEFAULT 1);
CREATE TABLE gps_tracks (id INTEGER PRIMARY KEY AUTOINCREMENT, scan_session_id TEXT NOT NULL,
  timestamp TEXT NOT NULL, latitude REAL NOT NULL, longitude REAL NOT NULL, altitude_meters REAL,
  accuracy_meters REAL, heading_degrees REAL, speed_kmh REAL, hdop REAL, vdop REAL, pdop REAL,
  satellite_count INTEGER, fix_type TEXT);`;

const SCAN1 = "2025-07-04T10:00:00.123456";
const SCAN2 = "2025-07-04T10:00:30";
const WPA2_IE =
  "on IEEE 802.11i/WPA2 Version 1 Unknown: DD180050F2020101800003A4000027A4000042435E0062322F00";

function buildAppDb(path: string): void {
  const db = new DatabaseSync(path);
  db.exec("PRAGMA journal_mode = WAL");
  db.exec(APP_DB_DDL);
  db.exec("INSERT INTO schema_version VALUES (1)");
  const wifi = db.prepare(
    `INSERT INTO wifi_detections (scan_session_id, detection_timestamp, first_seen, last_seen, bssid,
       ssid, channel, frequency_mhz, signal_strength_dbm, encryption_type, vendor_oui, latitude,
       longitude, accuracy_meters) VALUES ('adhoc', ?1, ?1, ?1, ?2, ?3, ?4, ?5, NULL, ?6, ?7, ?8, ?9, ?10)`,
  );
  wifi.run(SCAN1, "aa:bb:cc:00:00:01", "HomeNet", 6, 2437, WPA2_IE, "AA:BB:CC", 52.52, 13.4, 4);
  wifi.run(SCAN2, "aa:bb:cc:00:00:01", "HomeNet", 6, 2437, WPA2_IE, "AA:BB:CC", null, null, null);
  wifi.run(SCAN1, "aa:bb:cc:00:00:02", "Cafe", 1, 2412, "on", "AA:BB:CC", 52.52, 13.4, 4);
  wifi.run(SCAN2, "aa:bb:cc:00:00:03", "Guest", 11, 2462, "off", "AA:BB:CC", null, null, null);
  wifi.run(
    SCAN2,
    "aa:bb:cc:00:00:04",
    "Mixed",
    36,
    5180,
    "on IEEE 802.11i/WPA2 Version 1 WPA Version 1",
    "AA:BB:CC",
    null,
    null,
    null,
  );
  db.prepare(
    `INSERT INTO gps_tracks (scan_session_id, timestamp, latitude, longitude, altitude_meters,
       accuracy_meters, speed_kmh, fix_type) VALUES ('adhoc', ?, 52.52, 13.4, 40, 4, 36, '3D')`,
  ).run(SCAN1);
  const bt = db.prepare(
    `INSERT INTO bluetooth_detections (scan_session_id, detection_timestamp, first_seen, last_seen,
       mac_address, device_name, rssi_dbm, latitude, longitude) VALUES ('adhoc', ?1, ?1, ?1, ?2, ?3, NULL, NULL, NULL)`,
  );
  bt.run(SCAN1, "11:22:33:44:55:66", "RSSI: -60");
  bt.run(SCAN2, "AA:AA:AA:AA:AA:01", "Phone");
  const health = db.prepare("INSERT INTO health_records VALUES (?, ?, ?, ?, ?)");
  health.run("2025-07-04T12:00:00.500000", 51.2, 12.5, 40.1, 70.2); // CEST
  health.run("2025-01-15T12:00:00", 45.0, 3.5, 38.0, 70.0); // CET
  db.close();
}

Deno.test("an app.db at the original's last layout imports once, untouched, in our conventions", async () => {
  using dir = tempDir();
  Deno.mkdirSync(`${dir.path}/pi`);
  const source = `${dir.path}/pi/app.db`;
  buildAppDb(source);
  const before = await folderState(`${dir.path}/pi`);
  const db = `${dir.path}/p.db`;
  const result = await cli("--db", db, "import", source, "--source-tz", "Europe/Berlin");
  assert.equal(result.code, 0, result.stderr);
  assert.match(
    result.stdout,
    /\(PiWardrive app\.db \(wifi_detections, bluetooth_detections, gps_tracks, health_records\)\)/,
  );
  assert.match(
    result.stdout,
    /note: health times taken as local times of Europe\/Berlin \(--source-tz\)/,
  );
  assert.match(
    result.stdout,
    /networks: 4 new, 0 merged\n {2}bluetooth devices: 2 new, 0 merged\n {2}wifi_sightings: 5 rows\n {2}bluetooth_sightings: 2 rows\n {2}gps_track: 1 rows\n {2}health_records: 2 rows\n/,
  );
  const out = new DatabaseSync(db, { readOnly: true });
  assert.deepEqual(
    out.prepare(
      "SELECT bssid, ssid, encryption, signal_strength, first_seen, last_seen, gps_lat FROM wifi_networks ORDER BY bssid",
    )
      .all().map((r) => Object.values(r)),
    [
      [
        "aa:bb:cc:00:00:01",
        "HomeNet",
        "WPA2",
        null,
        "2025-07-04T10:00:00.123Z",
        "2025-07-04T10:00:30.000Z",
        52.52,
      ],
      [
        "aa:bb:cc:00:00:02",
        "Cafe",
        "WEP",
        null,
        "2025-07-04T10:00:00.123Z",
        "2025-07-04T10:00:00.123Z",
        52.52,
      ],
      [
        "aa:bb:cc:00:00:03",
        "Guest",
        "Open",
        null,
        "2025-07-04T10:00:30.000Z",
        "2025-07-04T10:00:30.000Z",
        null,
      ],
      [
        "aa:bb:cc:00:00:04",
        "Mixed",
        "WPA2/WPA",
        null,
        "2025-07-04T10:00:30.000Z",
        "2025-07-04T10:00:30.000Z",
        null,
      ],
    ],
  );
  assert.deepEqual(
    out.prepare(
      "SELECT d.address, d.name, s.seen_at, s.gps_lat, s.gps_lon FROM bluetooth_sightings AS s JOIN bluetooth_devices AS d ON d.id = s.device_id ORDER BY s.seen_at",
    )
      .all().map((r) => Object.values(r)),
    [
      ["11:22:33:44:55:66", null, "2025-07-04T10:00:00.123Z", 52.52, 13.4],
      ["AA:AA:AA:AA:AA:01", "Phone", "2025-07-04T10:00:30.000Z", null, null],
    ],
  );
  assert.deepEqual(
    out.prepare("SELECT system_time, mode, lat, speed_mps FROM gps_track").all().map((r) =>
      Object.values(r)
    ),
    [["2025-07-04T10:00:00.123Z", 3, 52.52, 10]],
  );
  assert.deepEqual(
    out.prepare("SELECT timestamp, cpu_temp FROM health_records ORDER BY timestamp").all().map((
      r,
    ) => Object.values(r)),
    [["2025-01-15T11:00:00.000Z", 45], ["2025-07-04T10:00:00.500Z", 51.2]],
  );
  out.close();
  const counts = tableCounts(db);
  const again = await cli("--db", db, "import", source, "--source-tz", "Europe/Berlin", "--json");
  assert.equal(again.code, 0, again.stderr);
  assert.equal(JSON.parse(again.stdout).counts.skipped["already imported"], 10);
  assert.deepEqual(tableCounts(db), counts);
  assert.deepEqual(
    await folderState(`${dir.path}/pi`),
    before,
    "the app.db and its folder are unchanged",
  );
  assert.equal((await cli("--db", db, "migrate", "--verify")).code, 0);
});

Deno.test("an unknown --source-tz is a usage error before anything is written", async () => {
  using dir = tempDir();
  const source = `${dir.path}/app.db`;
  buildAppDb(source);
  const result = await cli(
    "--db",
    `${dir.path}/p.db`,
    "import",
    source,
    "--source-tz",
    "Mars/Olympus",
  );
  assert.equal(result.code, 2);
  assert.equal(
    result.stderr,
    'piwardrive: Unknown time zone "Mars/Olympus" for --source-tz: give an IANA name like Europe/Berlin\n',
  );
  assert.throws(() => Deno.statSync(`${dir.path}/p.db`), Deno.errors.NotFound);
});
