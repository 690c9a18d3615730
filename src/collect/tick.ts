/** What one tick of `collect` observed, ready to be stored in one transaction. */
import type { HealthSample } from "../collectors/health.ts";

/** Where the device was, from a fresh fix of mode 2 or 3. */
export interface Position {
  lat: number;
  lon: number;
  /** Only from a 3D fix. */
  altM: number | null;
  accuracyM: number | null;
}

export interface WifiObservation {
  bssid: string;
  ssid: string | null;
  freqMhz: number | null;
  channel: number | null;
  signalDbm: number | null;
  encryption: string;
}

export interface BtObservation {
  address: string;
  name: string | null;
  rssiDbm: number | null;
  txPowerDbm: number | null;
  deviceType: string | null;
  manufacturer: string | null;
  services: string[] | null;
}

export interface TrackPoint {
  systemTime: string;
  gpsTime: string | null;
  gpsTimePlausible: boolean;
  mode: 0 | 1 | 2 | 3;
  lat: number | null;
  lon: number | null;
  altM: number | null;
  accuracyM: number | null;
  speedMps: number | null;
  trackDeg: number | null;
}

/** A track point as a row holds it: an imported one may carry any gpsd mode number. */
export type TrackRow = Omit<TrackPoint, "mode"> & { mode: number };

/**
 * The values of a `gps_track` row after its id, in column order: the one mapping from a track
 * point to its row, for collect and import alike.
 */
export function trackRowValues(t: TrackRow): (string | number | null)[] {
  return [
    t.systemTime,
    t.gpsTime,
    t.gpsTimePlausible ? 1 : 0,
    t.mode,
    t.lat,
    t.lon,
    t.altM,
    t.accuracyM,
    t.speedMps,
    t.trackDeg,
  ];
}

/** A health sample as a row holds it: an imported one may carry byte counters above 2^53. */
export type HealthValues =
  & Omit<HealthSample, "networkRxBytes" | "networkTxBytes">
  & { networkRxBytes: number | bigint | null; networkTxBytes: number | bigint | null };

/**
 * The values of a `health_records` row after its id, in the column order `timestamp, cpu_temp,
 * cpu_percent, memory_percent, disk_percent, network_rx_bytes, network_tx_bytes, gps_lat, gps_lon,
 * gps_accuracy, wifi_networks_count, bluetooth_devices_count`: the one mapping from a sample to its
 * row, for collect and import alike.
 */
export function healthRowValues(
  timestamp: string,
  h: HealthValues,
  where: readonly (number | null)[],
  heard: { wifi: number | null; bluetooth: number | null },
): (string | number | bigint | null)[] {
  return [
    timestamp,
    h.cpuTempC,
    h.cpuPercent,
    h.memoryPercent,
    h.diskPercent,
    h.networkRxBytes,
    h.networkTxBytes,
    ...where,
    heard.wifi,
    heard.bluetooth,
  ];
}

export interface Tick {
  /** UTC ISO-8601 time of the tick, and the clock it came from. */
  seenAt: string;
  clock: "system" | "gps";
  position: Position | null;
  wifi: WifiObservation[];
  bluetooth: BtObservation[];
  track: TrackPoint[];
  health: HealthSample | null;
}
