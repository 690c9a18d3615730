/**
 * What every reader hands the writer: our own rows, already in our units and conventions
 * (UTC ISO-8601 times, MHz, dBm, degrees, NULL for unknown), in batches. Each appended row
 * (sighting, track point, health record) carries its source key; summaries of networks and
 * devices have none: they are merged, and merging the same summary twice changes nothing.
 */
import type { TrackRow } from "../collect/tick.ts";

/** The kinds of file `piwardrive import` reads. */
export const SOURCE_KINDS = ["piwardrive", "piwardrive-legacy", "kismet"] as const;
export type SourceKind = typeof SOURCE_KINDS[number];

export interface Position {
  lat: number | null;
  lon: number | null;
  accuracyM: number | null;
}

/** What is known about a network, merged into `wifi_networks` by BSSID. */
export interface NetworkRecord extends Position {
  /** Lower-case, as collect stores it. */
  bssid: string;
  ssid: string | null;
  freqMhz: number | null;
  channel: number | null;
  signalDbm: number | null;
  /** Our summary labels, e.g. `WPA3-SAE/WPA2-PSK`, `WEP`, `Open`; NULL when unknown. */
  encryption: string | null;
  firstSeen: string;
  lastSeen: string;
}

/** What is known about a Bluetooth device, merged into `bluetooth_devices` by address. */
export interface DeviceRecord extends Position {
  /** Upper-case, as collect stores it. */
  address: string;
  name: string | null;
  deviceType: string | null;
  rssiDbm: number | null;
  manufacturer: string | null;
  services: string | null;
  firstSeen: string;
  lastSeen: string;
}

interface Sighting extends Position {
  key: string;
  seenAt: string;
  clock: "system" | "gps";
  altM: number | null;
}

export interface WifiSightingRecord extends Sighting {
  bssid: string;
  ssid: string | null;
  freqMhz: number | null;
  channel: number | null;
  signalDbm: number | null;
}

export interface BluetoothSightingRecord extends Sighting {
  address: string;
  name: string | null;
  rssiDbm: number | null;
  txPowerDbm: number | null;
}

export type TrackRecord = TrackRow & { key: string };

export interface HealthRecord extends Position {
  key: string;
  timestamp: string;
  cpuTempC: number | null;
  cpuPercent: number | null;
  memoryPercent: number | null;
  diskPercent: number | null;
  networkRxBytes: number | bigint | null;
  networkTxBytes: number | bigint | null;
  wifiCount: number | null;
  bluetoothCount: number | null;
}

/** One transaction's worth of rows; summaries come before the sightings that refer to them. */
export interface Batch {
  networks?: NetworkRecord[];
  devices?: DeviceRecord[];
  wifi?: WifiSightingRecord[];
  bluetooth?: BluetoothSightingRecord[];
  track?: TrackRecord[];
  health?: HealthRecord[];
  /** Source rows left out, by reason (e.g. "no position", "other phy (ADSB)"). */
  skipped?: Record<string, number>;
  /** How far through the source this batch ends, 0…1. */
  progress: number;
}

/** A reader of one kind of source: batches in order, and what it found worth saying. */
export interface SourceReader {
  kind: SourceKind;
  /** e.g. `Kismet 2018.08.BETA1, db_version 4`. */
  describe: string;
  /** Lines for the user (e.g. the time zone assumed for local times). */
  notes: string[];
  batches(): Generator<Batch>;
  close(): void;
}

/** Rows per transaction: small enough that a kill loses little, large enough to be fast. */
export const BATCH_ROWS = 5000;

/** `2024-06-01T10:00:00.123Z` from epoch seconds and microseconds. */
export function isoFromEpoch(sec: number, usec = 0): string {
  return new Date(sec * 1000 + Math.floor(usec / 1000)).toISOString();
}

/** Adds `n` to `counts[reason]`. */
export function count(counts: Record<string, number>, reason: string, n = 1): void {
  counts[reason] = (counts[reason] ?? 0) + n;
}
