/**
 * Another piwardrive database as a source. One older than this binary (a ledger-less or design
 * guide database included) is first brought to the latest version in a private copy, with the
 * same migrations and adoption rules as `migrate`; a newer one is refused (exit 4). Networks and
 * devices are merged by BSSID / address; sightings, the track and health records are appended,
 * each keyed by the key it was imported with (when the source imported it) or by its content.
 */
import { backup, DatabaseSync, type StatementSync } from "node:sqlite";
import { join } from "node:path";
import { ExitCode, PiwardriveError } from "../errors.ts";
import { embeddedMigrations, expectedSchemas, Migrator } from "../migrate/mod.ts";
import { readLedger } from "../db/ledger.ts";
import { OBSERVATION_TABLES } from "../db/schema.ts";
import type { Migration } from "../migrate/parse.ts";
import { loadOuiTable } from "../oui/mod.ts";
import { type Batch, BATCH_ROWS, type SourceReader } from "./records.ts";
import type { OpenedSource } from "./source_file.ts";

/**
 * A reader of the piwardrive database `source`, migrated in a private copy when older.
 *
 * @example
 * ```ts
 * const reader = await piwardriveReader(openSourceFile("other.db"));
 * for (const batch of reader.batches()) writer.write(batch);
 * ```
 */
export async function piwardriveReader(
  source: OpenedSource,
  migrations: Migration[] = embeddedMigrations(),
): Promise<SourceReader> {
  const latest = migrations.length;
  const versions = readLedger(source.db).map((r) => r.version);
  const newer = versions.filter((v) => v > latest);
  if (newer.length > 0) {
    throw new PiwardriveError(
      `Cannot import "${source.path}": its schema is newer than this binary (version(s) ${
        newer.join(", ")
      }, this binary knows up to ${latest}); use a newer piwardrive`,
      ExitCode.schemaNewer,
    );
  }
  const current = versions.length === 0 ? 0 : Math.max(...versions);
  let db = source.db;
  let dir: string | null = null;
  const notes: string[] = [];
  if (current < latest || versions.length !== latest) {
    dir = Deno.makeTempDirSync({ prefix: "piwardrive-import-" });
    const copy = join(dir, "migrated.db");
    await backup(source.db, copy);
    db = new DatabaseSync(copy);
    try {
      await loadOuiTable(); // version 9 looks vendors up
      const expected = expectedSchemas(migrations);
      const migrator = new Migrator(db, migrations, { expectedSchema: expected });
      migrator.adoptLegacySchema(expected);
      if (migrator.adopted) {
        notes.push(
          `source adopted at version ${migrator.adopted.version}: ${migrator.adopted.reason}`,
        );
      }
      migrator.migrateToLatest();
      notes.push(
        `source at version ${current} migrated to ${latest} in a private copy (the file is unchanged)`,
      );
    } catch (error) {
      db.close();
      Deno.removeSync(dir, { recursive: true });
      throw error;
    }
  }
  return {
    kind: "piwardrive",
    describe: `piwardrive database at version ${current}`,
    notes,
    batches: () => batches(db),
    close() {
      if (db !== source.db && db.isOpen) db.close();
      if (dir) Deno.removeSync(dir, { recursive: true });
      dir = null;
    },
  };
}

const READS = {
  networks: `SELECT bssid, ssid, frequency, signal_strength, encryption, channel, first_seen,
    last_seen, gps_lat, gps_lon, gps_accuracy FROM wifi_networks ORDER BY id`,
  devices: `SELECT address, name, device_type, rssi, manufacturer, services, first_seen, last_seen,
    gps_lat, gps_lon, gps_accuracy FROM bluetooth_devices ORDER BY id`,
  wifi: `SELECT n.bssid, s.seen_at, s.clock, s.ssid, s.frequency, s.channel, s.signal_dbm,
    s.gps_lat, s.gps_lon, s.gps_alt, s.gps_accuracy, k.source_key
    FROM wifi_sightings AS s JOIN wifi_networks AS n ON n.id = s.network_id
    LEFT JOIN source_rows AS k ON k.table_name = 'wifi_sightings' AND k.row_id = s.id ORDER BY s.id`,
  bluetooth: `SELECT d.address, s.seen_at, s.clock, s.name, s.rssi_dbm, s.tx_power_dbm, s.gps_lat,
    s.gps_lon, s.gps_alt, s.gps_accuracy, k.source_key
    FROM bluetooth_sightings AS s JOIN bluetooth_devices AS d ON d.id = s.device_id
    LEFT JOIN source_rows AS k ON k.table_name = 'bluetooth_sightings' AND k.row_id = s.id
    ORDER BY s.id`,
  track: `SELECT t.*, k.source_key FROM gps_track AS t
    LEFT JOIN source_rows AS k ON k.table_name = 'gps_track' AND k.row_id = t.id ORDER BY t.id`,
  health: `SELECT h.*, k.source_key FROM health_records AS h
    LEFT JOIN source_rows AS k ON k.table_name = 'health_records' AND k.row_id = h.id ORDER BY h.id`,
};

type Row = Record<string, unknown>;

function* batches(db: DatabaseSync): Generator<Batch> {
  const total = OBSERVATION_TABLES
    .reduce(
      (sum, t) => sum + Number((db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as Row).n),
      0,
    );
  let done = 0;
  const chunks = function* <T>(
    stmt: StatementSync,
    map: (r: Row) => T,
    put: (items: T[]) => Batch,
  ) {
    let items: T[] = [];
    for (const row of stmt.iterate() as Iterable<Row>) {
      items.push(map(row));
      if (items.length === BATCH_ROWS) {
        done += items.length;
        yield { ...put(items), progress: done / total };
        items = [];
      }
    }
    if (items.length > 0) {
      done += items.length;
      yield { ...put(items), progress: done / total };
    }
  };
  yield* chunks(db.prepare(READS.networks), (r) => ({
    bssid: String(r.bssid),
    ssid: text(r.ssid),
    freqMhz: num(r.frequency),
    channel: num(r.channel),
    signalDbm: num(r.signal_strength),
    encryption: text(r.encryption),
    firstSeen: String(r.first_seen ?? r.last_seen ?? ""),
    lastSeen: String(r.last_seen ?? r.first_seen ?? ""),
    lat: num(r.gps_lat),
    lon: num(r.gps_lon),
    accuracyM: num(r.gps_accuracy),
  }), (networks) => ({ networks, progress: 0 }));
  yield* chunks(db.prepare(READS.devices), (r) => ({
    address: String(r.address),
    name: text(r.name),
    deviceType: text(r.device_type),
    rssiDbm: num(r.rssi),
    manufacturer: text(r.manufacturer),
    services: text(r.services),
    firstSeen: String(r.first_seen ?? r.last_seen ?? ""),
    lastSeen: String(r.last_seen ?? r.first_seen ?? ""),
    lat: num(r.gps_lat),
    lon: num(r.gps_lon),
    accuracyM: num(r.gps_accuracy),
  }), (devices) => ({ devices, progress: 0 }));
  yield* chunks(db.prepare(READS.wifi), (r) => ({
    key: text(r.source_key) ??
      `pw:w:${[r.bssid, r.seen_at, r.frequency, r.signal_dbm, r.gps_lat, r.gps_lon].join("|")}`,
    bssid: String(r.bssid),
    seenAt: String(r.seen_at),
    clock: r.clock === "gps" ? "gps" as const : "system" as const,
    ssid: text(r.ssid),
    freqMhz: num(r.frequency),
    channel: num(r.channel),
    signalDbm: num(r.signal_dbm),
    lat: num(r.gps_lat),
    lon: num(r.gps_lon),
    altM: num(r.gps_alt),
    accuracyM: num(r.gps_accuracy),
  }), (wifi) => ({ wifi, progress: 0 }));
  yield* chunks(db.prepare(READS.bluetooth), (r) => ({
    key: text(r.source_key) ??
      `pw:b:${[r.address, r.seen_at, r.rssi_dbm, r.gps_lat, r.gps_lon].join("|")}`,
    address: String(r.address),
    seenAt: String(r.seen_at),
    clock: r.clock === "gps" ? "gps" as const : "system" as const,
    name: text(r.name),
    rssiDbm: num(r.rssi_dbm),
    txPowerDbm: num(r.tx_power_dbm),
    lat: num(r.gps_lat),
    lon: num(r.gps_lon),
    altM: num(r.gps_alt),
    accuracyM: num(r.gps_accuracy),
  }), (bluetooth) => ({ bluetooth, progress: 0 }));
  yield* chunks(db.prepare(READS.track), (r) => ({
    key: text(r.source_key) ??
      `pw:t:${[r.system_time, r.gps_time, r.mode, r.lat, r.lon].join("|")}`,
    systemTime: String(r.system_time),
    gpsTime: text(r.gps_time),
    gpsTimePlausible: Number(r.gps_time_plausible) === 1,
    mode: Number(r.mode),
    lat: num(r.lat),
    lon: num(r.lon),
    altM: num(r.alt_m),
    accuracyM: num(r.accuracy_m),
    speedMps: num(r.speed_mps),
    trackDeg: num(r.track_deg),
  }), (track) => ({ track, progress: 0 }));
  const health = db.prepare(READS.health);
  health.setReadBigInts(true); // network byte counters can pass 2^53
  yield* chunks(health, (r) => ({
    key: text(r.source_key) ??
      `pw:h:${
        [r.timestamp, r.network_rx_bytes, r.network_tx_bytes, r.memory_percent, r.cpu_percent].join(
          "|",
        )
      }`,
    timestamp: String(r.timestamp),
    cpuTempC: num(r.cpu_temp),
    cpuPercent: num(r.cpu_percent),
    memoryPercent: num(r.memory_percent),
    diskPercent: num(r.disk_percent),
    networkRxBytes: r.network_rx_bytes as bigint | null,
    networkTxBytes: r.network_tx_bytes as bigint | null,
    lat: num(r.gps_lat),
    lon: num(r.gps_lon),
    accuracyM: num(r.gps_accuracy),
    wifiCount: num(r.wifi_networks_count),
    bluetoothCount: num(r.bluetooth_devices_count),
  }), (health) => ({ health, progress: 0 }));
}

/** Text as stored: a name with a NUL in it is kept as its UTF-8 bytes (see storableText). */
function text(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return value instanceof Uint8Array ? new TextDecoder().decode(value) : String(value);
}

function num(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}
