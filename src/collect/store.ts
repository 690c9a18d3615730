/**
 * Writing a tick: upserts of what we know about each network and device (one row per BSSID /
 * address: first and last seen, the strongest signal and where it was heard, the vendor from the
 * embedded OUI table), a sighting row per
 * observation, the GPS track and a health record — all in one transaction, so a power cut keeps a
 * tick whole or not at all.
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { healthRowValues, type Tick, trackRowValues } from "./tick.ts";
import { ouiVendor } from "../oui/mod.ts";

/** Rows written by one tick. */
export interface TickCounts {
  wifi: number;
  newWifi: number;
  bluetooth: number;
  newBluetooth: number;
  track: number;
  health: number;
}

// The strongest sighting with a position wins the stored position; without any position yet,
// the strongest sighting overall. signal_strength always belongs to the stored position's sighting.
const BETTER = (signal: string) =>
  `(
  (excluded.gps_lat IS NOT NULL AND (gps_lat IS NULL OR coalesce(excluded.${signal}, -999) > coalesce(${signal}, -999)))
  OR (gps_lat IS NULL AND excluded.gps_lat IS NULL AND coalesce(excluded.${signal}, -999) > coalesce(${signal}, -999))
)`;

/**
 * first/last seen, and the stored position with the signal it was heard at (rule above): the SET
 * part of a summary's upsert, shared with import's merge.
 */
export const SUMMARY = (signal: string) => `
        first_seen = min(coalesce(first_seen, excluded.first_seen), excluded.first_seen),
        last_seen = max(coalesce(last_seen, excluded.last_seen), excluded.last_seen),
        gps_lat = CASE WHEN ${BETTER(signal)} THEN excluded.gps_lat ELSE gps_lat END,
        gps_lon = CASE WHEN ${BETTER(signal)} THEN excluded.gps_lon ELSE gps_lon END,
        gps_accuracy = CASE WHEN ${BETTER(signal)} THEN excluded.gps_accuracy ELSE gps_accuracy END,
        ${signal} = CASE WHEN ${BETTER(signal)} THEN excluded.${signal} ELSE ${signal} END`;

/**
 * Stores ticks in the database: its statements are prepared once, and each `write` is one
 * transaction that upserts the networks and devices, adds their sightings, the track and the
 * health sample, and counts what it wrote.
 *
 * @example
 * ```ts
 * const writer = new TickWriter(db);
 * const counts = writer.write(tick); // { wifi: 25, newWifi: 3, … }
 * ```
 */
export class TickWriter {
  readonly #db: DatabaseSync;
  readonly #wifi: StatementSync;
  readonly #wifiSighting: StatementSync;
  readonly #bt: StatementSync;
  readonly #btSighting: StatementSync;
  readonly #track: StatementSync;
  readonly #health: StatementSync;
  readonly #reportedWifi = new Set<number>();
  readonly #reportedBt = new Set<number>();

  // Numbered parameters bound from arrays: node:sqlite binds positions several times faster
  // than named parameters from objects, and this is the hot path of collect.
  constructor(db: DatabaseSync) {
    this.#db = db;
    this.#wifi = db.prepare(`
      INSERT INTO wifi_networks (bssid, ssid, frequency, signal_strength, encryption, channel,
        vendor, first_seen, last_seen, gps_lat, gps_lon, gps_accuracy)
      VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9, ?10, ?11)
      ON CONFLICT (bssid) DO UPDATE SET
        ssid = coalesce(excluded.ssid, ssid),
        vendor = coalesce(vendor, excluded.vendor),
        frequency = coalesce(excluded.frequency, frequency),
        channel = coalesce(excluded.channel, channel),
        encryption = excluded.encryption,
        ${SUMMARY("signal_strength")}
      RETURNING id, first_seen`);
    this.#wifiSighting = db.prepare(`
      INSERT INTO wifi_sightings (network_id, seen_at, clock, gps_lat, gps_lon, gps_alt,
        gps_accuracy, ssid, frequency, channel, signal_dbm)
      VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)`);
    this.#bt = db.prepare(`
      INSERT INTO bluetooth_devices (address, name, device_type, rssi, manufacturer, services,
        first_seen, last_seen, gps_lat, gps_lon, gps_accuracy)
      VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8, ?9, ?10)
      ON CONFLICT (address) DO UPDATE SET
        name = coalesce(excluded.name, name),
        device_type = coalesce(excluded.device_type, device_type),
        manufacturer = coalesce(excluded.manufacturer, manufacturer),
        services = coalesce(excluded.services, services),
        ${SUMMARY("rssi")}
      RETURNING id, first_seen`);
    this.#btSighting = db.prepare(`
      INSERT INTO bluetooth_sightings (device_id, seen_at, clock, gps_lat, gps_lon, gps_alt,
        gps_accuracy, name, rssi_dbm, tx_power_dbm)
      VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)`);
    this.#track = db.prepare(`
      INSERT INTO gps_track (system_time, gps_time, gps_time_plausible, mode, lat, lon, alt_m,
        accuracy_m, speed_mps, track_deg) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)`);
    this.#health = db.prepare(`
      INSERT INTO health_records (timestamp, cpu_temp, cpu_percent, memory_percent, disk_percent,
        network_rx_bytes, network_tx_bytes, gps_lat, gps_lon, gps_accuracy, wifi_networks_count,
        bluetooth_devices_count)
      VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)`);
  }

  /**
   * Stores `tick` in one IMMEDIATE transaction; on any error nothing of it is stored.
   *
   * @example
   * ```ts
   * const counts = new TickWriter(db).write(tick); // { wifi: 25, newWifi: 3, … }
   * ```
   */
  write(tick: Tick): TickCounts {
    const counts = { wifi: 0, newWifi: 0, bluetooth: 0, newBluetooth: 0, track: 0, health: 0 };
    const p = tick.position;
    const at = tick.seenAt;
    // Where, shared by every row of the tick: for the summaries, and for the sightings.
    const where = [p?.lat ?? null, p?.lon ?? null, p?.accuracyM ?? null];
    const sighted = [at, tick.clock, where[0], where[1], p?.altM ?? null, where[2]];
    // A BSSID can be heard on two channels in one scan, and a fast replay can give two ticks the
    // same millisecond: a network is counted new once per writer.
    const newWifi = new Set<number>();
    const newBt = new Set<number>();
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      for (const w of tick.wifi) {
        const ssid = storableText(w.ssid);
        const signal = w.signalDbm === null ? null : Math.round(w.signalDbm);
        const row = this.#wifi.get(
          w.bssid,
          ssid,
          w.freqMhz,
          signal,
          w.encryption,
          w.channel,
          ouiVendor(w.bssid),
          at,
          ...where,
        ) as { id: number; first_seen: string };
        this.#wifiSighting.run(row.id, ...sighted, ssid, w.freqMhz, w.channel, w.signalDbm);
        counts.wifi++;
        if (row.first_seen === at && !this.#reportedWifi.has(row.id)) newWifi.add(row.id);
      }
      for (const b of tick.bluetooth) {
        const name = storableText(b.name);
        const services = b.services ? JSON.stringify(b.services) : null;
        const manufacturer = b.manufacturer ?? ouiVendor(b.address);
        const row = this.#bt.get(
          b.address,
          name,
          b.deviceType,
          b.rssiDbm,
          manufacturer,
          services,
          at,
          ...where,
        ) as { id: number; first_seen: string };
        this.#btSighting.run(row.id, ...sighted, name, b.rssiDbm, b.txPowerDbm);
        counts.bluetooth++;
        if (row.first_seen === at && !this.#reportedBt.has(row.id)) newBt.add(row.id);
      }
      for (const t of tick.track) {
        this.#track.run(...trackRowValues(t));
        counts.track++;
      }
      if (tick.health) {
        const heard = { wifi: tick.wifi.length, bluetooth: tick.bluetooth.length };
        this.#health.run(...healthRowValues(at, tick.health, where, heard));
        counts.health++;
      }
      this.#db.exec("COMMIT");
    } catch (error) {
      if (this.#db.isTransaction) this.#db.exec("ROLLBACK");
      throw error;
    }
    counts.newWifi = newWifi.size;
    counts.newBluetooth = newBt.size;
    for (const id of newWifi) this.#reportedWifi.add(id);
    for (const id of newBt) this.#reportedBt.add(id);
    return counts;
  }
}

/**
 * SQLite stores a string with a NUL in it, but reads text back only up to the NUL. An SSID may
 * hold any bytes (802.11 allows it), so such a name is stored as its UTF-8 bytes (a BLOB), which
 * come back exactly; readers decode BLOB names (see `src/export`).
 */
export function storableText(text: string | null): string | Uint8Array | null {
  return text !== null && text.includes("\0") ? new TextEncoder().encode(text) : text;
}
