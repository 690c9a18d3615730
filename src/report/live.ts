/**
 * What `serve` pushes to one page, tick after tick: only the rows added since the last push,
 * found by row id (networks, devices, sightings, track, health), never the whole dataset. A page
 * that connects to a long drive catches up in batches of BATCH rows per push.
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { encryptionClass, type PagePoint } from "./data.ts";

/** Rows of one table read per push at most. */
const BATCH = 2000;
/** A gap in the track this long starts a new segment (as in the export). */
const TRACK_GAP_MS = 10 * 60_000;

/** One push. */
export interface LiveTick {
  counters: {
    networks: number;
    devices: number;
    sightings: number;
    gpsReports: number;
    updates: number;
  };
  fix: { mode: number; time: string } | null;
  points: PagePoint[];
  track: [number, number, 0 | 1][];
  lastTick: { time: string; networks: [string | null, string, number | null][] } | null;
  warnings: string[];
  /** True while there are older rows still to send (the page is catching up). */
  catchingUp: boolean;
}

/** The feed of one connected page. */
export class LiveFeed {
  readonly #read: Record<string, StatementSync>;
  readonly #staleMs: number;
  #lastNetwork = 0;
  #lastDevice = 0;
  #lastSighting: number;
  #lastTrack = 0;
  #lastHealth = 0;
  /** Networks and devices sent without a position yet (seen before a fix): asked again. */
  readonly #unplacedNetworks = new Set<number>();
  readonly #unplacedDevices = new Set<number>();
  #trackTime = NaN;
  #trackOpen = false;
  #counters: LiveTick["counters"];
  #fix: LiveTick["fix"] = null;
  #lastTick: LiveTick["lastTick"] = null;
  #health: { cpu: number | null; disk: number | null } | null = null;
  #changedAt = Date.now();

  /** `staleMs`: how long without a new row before the page is warned that nothing arrives. */
  constructor(db: DatabaseSync, staleMs: number) {
    this.#staleMs = staleMs;
    const prepare = (sql: string) => db.prepare(sql);
    this.#read = {
      networks: prepare(
        `SELECT id, bssid, ssid, encryption, vendor, channel, signal_strength, first_seen,
           last_seen, gps_lat, gps_lon FROM wifi_networks WHERE id > ? ORDER BY id LIMIT ${BATCH}`,
      ),
      devices: prepare(
        `SELECT id, address, name, device_type, manufacturer, rssi, first_seen, last_seen,
           gps_lat, gps_lon FROM bluetooth_devices WHERE id > ? ORDER BY id LIMIT ${BATCH}`,
      ),
      sightings: prepare(
        `SELECT s.id, s.seen_at, coalesce(s.ssid, n.ssid) AS ssid, n.bssid, s.signal_dbm
           FROM wifi_sightings AS s JOIN wifi_networks AS n ON n.id = s.network_id
           WHERE s.id > ? ORDER BY s.id LIMIT ${BATCH}`,
      ),
      track: prepare(
        `SELECT id, system_time, coalesce(CASE WHEN gps_time_plausible THEN gps_time END,
           system_time) AS time, mode, lat, lon FROM gps_track WHERE id > ? ORDER BY id
           LIMIT ${BATCH}`,
      ),
      networksAt: prepare(
        `SELECT id, bssid, ssid, encryption, vendor, channel, signal_strength, first_seen,
           last_seen, gps_lat, gps_lon FROM wifi_networks
           WHERE id IN (SELECT value FROM json_each(?)) AND gps_lat IS NOT NULL`,
      ),
      devicesAt: prepare(
        `SELECT id, address, name, device_type, manufacturer, rssi, first_seen, last_seen,
           gps_lat, gps_lon FROM bluetooth_devices
           WHERE id IN (SELECT value FROM json_each(?)) AND gps_lat IS NOT NULL`,
      ),
      health: prepare(
        "SELECT id, cpu_temp, disk_percent FROM health_records WHERE id > ? ORDER BY id DESC LIMIT 1",
      ),
    };
    // Where the page starts: every network and device and the whole track are sent (in
    // batches); of the sightings only the count, read once.
    const one = (sql: string) => Number(Object.values(db.prepare(sql).get()!)[0] ?? 0);
    this.#lastSighting = one("SELECT coalesce(max(id), 0) FROM wifi_sightings");
    this.#counters = {
      networks: 0,
      devices: 0,
      sightings: one("SELECT count(*) FROM wifi_sightings"),
      gpsReports: 0,
      updates: 0,
    };
  }

  /** The rows added since the last call. */
  next(now = Date.now()): LiveTick {
    const points: PagePoint[] = [];
    const track: LiveTick["track"] = [];
    let full = false;
    const rows = (name: string, after: number) => {
      const r = this.#read[name].all(after) as Record<string, unknown>[];
      if (r.length === BATCH) full = true;
      return r;
    };
    // First those still without a position, in case they have one now.
    for (
      const [set, read, point] of [
        [this.#unplacedNetworks, "networksAt", networkPoint],
        [this.#unplacedDevices, "devicesAt", devicePoint],
      ] as const
    ) {
      if (set.size === 0) continue;
      for (const r of this.#read[read].all(JSON.stringify([...set])) as Row[]) {
        if (!positioned(r.gps_lat, r.gps_lon)) continue;
        set.delete(r.id as number);
        points.push(point(r));
      }
    }
    for (const r of rows("networks", this.#lastNetwork)) {
      this.#lastNetwork = r.id as number;
      this.#counters.networks++;
      if (positioned(r.gps_lat, r.gps_lon)) points.push(networkPoint(r));
      else unplaced(this.#unplacedNetworks, r.id as number);
    }
    for (const r of rows("devices", this.#lastDevice)) {
      this.#lastDevice = r.id as number;
      this.#counters.devices++;
      if (positioned(r.gps_lat, r.gps_lon)) points.push(devicePoint(r));
      else unplaced(this.#unplacedDevices, r.id as number);
    }
    const sightings = rows("sightings", this.#lastSighting);
    if (sightings.length > 0) {
      this.#lastSighting = sightings.at(-1)!.id as number;
      this.#counters.sightings += sightings.length;
      // The last tick: the sightings of the newest time among those just read.
      const time = sightings.reduce(
        (t, r) => (r.seen_at as string) > t ? r.seen_at as string : t,
        "",
      );
      this.#lastTick = {
        time,
        networks: sightings.filter((r) => r.seen_at === time).map((r) => [
          r.ssid as string | null,
          r.bssid as string,
          r.signal_dbm as number | null,
        ]),
      };
    }
    for (const r of rows("track", this.#lastTrack)) {
      this.#lastTrack = r.id as number;
      this.#counters.gpsReports++;
      this.#fix = { mode: r.mode as number, time: r.time as string };
      const ms = Date.parse(r.system_time as string);
      const fix = (r.mode as number) >= 2 && positioned(r.lat, r.lon);
      const start = !this.#trackOpen || !(ms - this.#trackTime <= TRACK_GAP_MS);
      this.#trackTime = ms;
      this.#trackOpen = fix;
      if (fix) track.push([r.lat as number, r.lon as number, start ? 1 : 0]);
    }
    const health = this.#read.health.get(this.#lastHealth) as Record<string, unknown> | undefined;
    if (health !== undefined) {
      this.#lastHealth = health.id as number;
      this.#health = {
        cpu: health.cpu_temp as number | null,
        disk: health.disk_percent as number | null,
      };
    }
    const changed = points.length + track.length + sightings.length > 0;
    if (changed) this.#changedAt = now;
    this.#counters.updates++;
    return {
      counters: { ...this.#counters },
      fix: this.#fix,
      points,
      track,
      lastTick: this.#lastTick,
      warnings: this.#warnings(now),
      catchingUp: full,
    };
  }

  #warnings(now: number): string[] {
    const out: string[] = [];
    if (this.#fix !== null && this.#fix.mode < 2) out.push("No GPS fix");
    const idle = now - this.#changedAt;
    if (idle >= this.#staleMs) {
      out.push(`Nothing new for ${Math.round(idle / 1000)} s: is collect running?`);
    }
    if (this.#health?.cpu != null && this.#health.cpu >= 80) {
      out.push(`CPU at ${this.#health.cpu.toFixed(1)} °C`);
    }
    if (this.#health?.disk != null && this.#health.disk >= 90) {
      out.push(`Disk ${Math.round(this.#health.disk)} % full`);
    }
    return out;
  }
}

type Row = Record<string, unknown>;

/** Ids waiting for a position, at most UNPLACED_KEPT (the oldest are given up). */
const UNPLACED_KEPT = 5000;
function unplaced(set: Set<number>, id: number): void {
  set.add(id);
  if (set.size > UNPLACED_KEPT) set.delete(set.values().next().value!);
}

function networkPoint(r: Row): PagePoint {
  return [
    r.gps_lat as number,
    r.gps_lon as number,
    encryptionClass(r.encryption as string | null),
    r.ssid as string | null,
    r.bssid as string,
    r.vendor as string | null,
    r.channel as number | null,
    r.signal_strength as number | null,
    r.first_seen as string | null,
    r.last_seen as string | null,
    null,
  ];
}

function devicePoint(r: Row): PagePoint {
  return [
    r.gps_lat as number,
    r.gps_lon as number,
    6,
    r.name as string | null,
    r.address as string,
    r.manufacturer as string | null,
    null,
    r.rssi as number | null,
    r.first_seen as string | null,
    r.last_seen as string | null,
    r.device_type as string | null,
  ];
}

function positioned(lat: unknown, lon: unknown): boolean {
  return typeof lat === "number" && typeof lon === "number" && Math.abs(lat) <= 90 &&
    Math.abs(lon) <= 180 && !(lat === 0 && lon === 0);
}
