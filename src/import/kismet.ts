/**
 * Kismet logs (`.kismet`, db_version 4 to 10). Wi-Fi access points and Bluetooth/BTLE devices
 * come from `devices` (their JSON, whose paths changed over the versions); a sighting is a
 * packet with a position from such a device (duplicates of one frame, logged once per capture
 * source, collapsed), or a `data` row of an HCI Bluetooth scan, which rarely has one; the GPS
 * track is the `snapshots` of type GPS. Below db_version 5 positions are integers of degrees ×
 * 100000; 0 means unknown for a position, a signal and a frequency (kHz). Other phys (ADS-B,
 * RTL433, 802.15.4…) are skipped and counted.
 */
import type { DatabaseSync } from "node:sqlite";
import { PiwardriveError } from "../errors.ts";
import {
  type Batch,
  BATCH_ROWS,
  type BluetoothSightingRecord,
  count,
  type DeviceRecord,
  isoFromEpoch,
  type NetworkRecord,
  type SourceReader,
  type TrackRecord,
  type WifiSightingRecord,
} from "./records.ts";
import { labelsFromCryptBitfield, labelsFromCryptSet } from "./kismet_crypt.ts";
import type { OpenedSource } from "./source_file.ts";

type Row = Record<string, unknown>;
type Json = Record<string, unknown>;

const WIFI = "IEEE802.11";
const BLUETOOTH = ["Bluetooth", "BTLE"];
const AP_TYPES = new Set(["Wi-Fi AP", "Wi-Fi WDS AP"]);
/** Duplicates of a frame are logged within moments of each other: remember this many keys. */
const DUPLICATE_WINDOW = 20_000;

/**
 * A reader of the Kismet log `source`.
 *
 * @example
 * ```ts
 * const reader = kismetReader(openSourceFile("Kismet-20250101-10-00-00-1.kismet"));
 * ```
 */
export function kismetReader(source: OpenedSource): SourceReader {
  const db = source.db;
  const head = db.prepare("SELECT kismet_version, db_version FROM KISMET").get() as Row | undefined;
  const version = Number(head?.db_version);
  if (!head || !Number.isInteger(version) || version < 4 || version > 10) {
    throw new PiwardriveError(
      `Cannot import "${source.path}": a Kismet log of db_version ${
        head?.db_version ?? "(none)"
      }; this version reads db_version 4 to 10`,
    );
  }
  return {
    kind: "kismet",
    describe: `Kismet ${head.kismet_version} log, db_version ${version}`,
    notes: [],
    batches: () => batches(db, version),
    close() {},
  };
}

function columns(db: DatabaseSync, table: string): Set<string> {
  return new Set(
    (db.prepare("SELECT name FROM pragma_table_info(?)").all(table) as { name: string }[]).map((
      r,
    ) => r.name),
  );
}

function* batches(db: DatabaseSync, version: number): Generator<Batch> {
  // Dividing (not multiplying by 1e-5) gives the double nearest the decimal Kismet rounded.
  const divisor = version < 5 ? 100000 : 1;
  const degrees = (v: unknown) => {
    const n = Number(v ?? 0);
    return n === 0 || !Number.isFinite(n) ? null : n / divisor;
  };
  const total = ["devices", "packets", "data", "snapshots"].reduce(
    (sum, t) => sum + Number((db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as Row).n),
    0,
  ) || 1;
  let done = 0;

  // Devices: what we know about each network and Bluetooth device.
  const networks: NetworkRecord[] = [];
  const devices: DeviceRecord[] = [];
  const aps = new Map<string, NetworkRecord>();
  const bluetooth = new Map<string, DeviceRecord>();
  const skipped: Record<string, number> = {};
  const deviceRows = db.prepare(
    "SELECT phyname, devmac, type, first_time, last_time, strongest_signal, avg_lat, avg_lon, device FROM devices",
  );
  for (const r of deviceRows.iterate() as Iterable<Row>) {
    done++;
    const phy = String(r.phyname);
    const mac = String(r.devmac).toUpperCase();
    const where = { lat: degrees(r.avg_lat), lon: degrees(r.avg_lon), accuracyM: null };
    if (where.lat === null || where.lon === null) where.lat = where.lon = null;
    const firstSeen = isoFromEpoch(Number(r.first_time));
    const lastSeen = isoFromEpoch(Number(r.last_time));
    const strongest = Number(r.strongest_signal ?? 0) || null;
    if (phy === WIFI) {
      const json = parseDevice(r.device);
      const type = String(json["kismet.device.base.type"] ?? r.type ?? "");
      if (!AP_TYPES.has(type)) {
        count(skipped, "Wi-Fi device that is not an access point");
        continue;
      }
      const ssid = ssidRecord(json);
      const freqKhz = Number(json["kismet.device.base.frequency"] ?? 0);
      const freqMhz = freqKhz > 0 ? Math.round(freqKhz / 1000) : null;
      const network: NetworkRecord = {
        bssid: mac.toLowerCase(),
        ssid: typeof ssid?.["dot11.advertisedssid.ssid"] === "string"
          ? ssid["dot11.advertisedssid.ssid"] as string || null
          : null,
        freqMhz,
        channel: channelOf(json["kismet.device.base.channel"], freqMhz),
        signalDbm: strongest,
        encryption: encryptionOf(ssid),
        firstSeen,
        lastSeen,
        ...where,
      };
      networks.push(network);
      aps.set(mac, network);
    } else if (BLUETOOTH.includes(phy)) {
      const json = parseDevice(r.device);
      const name = json["kismet.device.base.name"] ?? json["kismet.device.base.commonname"];
      const manuf = json["kismet.device.base.manuf"];
      const device: DeviceRecord = {
        address: mac,
        name: typeof name === "string" && name !== "" && name.toUpperCase() !== mac ? name : null,
        deviceType: String(json["kismet.device.base.type"] ?? r.type ?? phy),
        rssiDbm: strongest,
        manufacturer: typeof manuf === "string" && manuf !== "" && manuf !== "Unknown"
          ? manuf
          : null,
        services: null,
        firstSeen,
        lastSeen,
        ...where,
      };
      devices.push(device);
      bluetooth.set(mac, device);
    } else count(skipped, `device of another phy (${phy})`);
  }
  for (let i = 0; i < Math.max(networks.length, devices.length); i += BATCH_ROWS) {
    yield {
      networks: networks.slice(i, i + BATCH_ROWS),
      devices: devices.slice(i, i + BATCH_ROWS),
      skipped: i === 0 ? skipped : undefined,
      progress: done / total,
    };
  }
  if (networks.length === 0 && devices.length === 0) yield { skipped, progress: done / total };

  // Packets: one sighting per frame with a position from a known access point or BTLE device.
  const packet = columns(db, "packets");
  const pick = (name: string) => packet.has(name) ? name : `NULL AS ${name}`;
  const packets = db.prepare(
    `SELECT ts_sec, ts_usec, phyname, sourcemac, frequency, lat, lon, ${pick("alt")}, signal,
       ${pick("packetid")}, ${pick("hash")} FROM packets ORDER BY rowid`,
  );
  const recent = new RecentKeys(DUPLICATE_WINDOW);
  let wifi: WifiSightingRecord[] = [];
  let bt: BluetoothSightingRecord[] = [];
  let skips: Record<string, number> = {};
  let scanned = 0;
  // A batch holds BATCH_ROWS rows, or ends sooner after four times that many skipped ones.
  const full = () => wifi.length + bt.length >= BATCH_ROWS || ++scanned >= BATCH_ROWS * 4;
  const flush = function* (): Generator<Batch> {
    yield { wifi, bluetooth: bt, skipped: skips, progress: done / total };
    wifi = [];
    bt = [];
    skips = {};
    scanned = 0;
  };
  for (const p of packets.iterate() as Iterable<Row>) {
    done++;
    const phy = String(p.phyname);
    const mac = String(p.sourcemac).toUpperCase();
    const network = phy === WIFI ? aps.get(mac) : undefined;
    const device = phy === "BTLE" ? bluetooth.get(mac) : undefined;
    if (!network && !device) {
      count(
        skips,
        phy === WIFI
          ? "Wi-Fi packet not from an access point"
          : phy === "BTLE"
          ? "BTLE packet from no logged device"
          : `packet of another phy (${phy})`,
      );
    } else {
      // v8+: duplicates share packetid and CRC; before, only an identical time and sender.
      const key = p.packetid !== null && p.packetid !== undefined
        ? `kismet:p:${mac}:${p.packetid}:${p.hash}`
        : `kismet:p:${mac}:${p.ts_sec}.${String(p.ts_usec).padStart(6, "0")}`;
      const lat = degrees(p.lat);
      const lon = degrees(p.lon);
      if (!recent.add(key)) count(skips, "duplicate packet");
      else if (lat === null || lon === null) count(skips, "packet without a position");
      else {
        const seenAt = isoFromEpoch(Number(p.ts_sec), Number(p.ts_usec));
        const signalDbm = Number(p.signal ?? 0) || null;
        const common = { key, seenAt, clock: "system" as const, lat, lon, accuracyM: null };
        const altM = Number(p.alt ?? 0) || null;
        if (network) {
          const freqKhz = Number(p.frequency ?? 0);
          const freqMhz = freqKhz > 0 ? Math.round(freqKhz / 1000) : network.freqMhz;
          wifi.push({
            ...common,
            altM,
            bssid: network.bssid,
            ssid: network.ssid,
            freqMhz,
            channel: channelOf(null, freqMhz) ?? network.channel,
            signalDbm,
          });
        } else {
          bt.push({
            ...common,
            altM,
            address: device!.address,
            name: device!.name,
            rssiDbm: signalDbm,
            txPowerDbm: null,
          });
        }
      }
    }
    if (full()) yield* flush();
  }
  yield* flush();

  // HCI Bluetooth scans log `data` rows (often without a position); other phys are counted.
  const data = columns(db, "data");
  const dataRows = db.prepare(
    `SELECT ts_sec, ts_usec, phyname, devmac, lat, lon, ${
      data.has("alt") ? "alt" : "NULL AS alt"
    }, ${data.has("signal") ? "signal" : "NULL AS signal"} FROM data ORDER BY rowid`,
  );
  for (const d of dataRows.iterate() as Iterable<Row>) {
    done++;
    const phy = String(d.phyname);
    const mac = String(d.devmac).toUpperCase();
    const device = phy === "Bluetooth" ? bluetooth.get(mac) : undefined;
    if (!device) {
      count(
        skips,
        phy === "BTLE"
          ? "BTLE data row (BTLE sightings are its packets)"
          : phy === "Bluetooth"
          ? "Bluetooth data row from no logged device"
          : `data row of another phy (${phy})`,
      );
    } else {
      const key = `kismet:d:${mac}:${d.ts_sec}.${String(d.ts_usec).padStart(6, "0")}`;
      const lat = degrees(d.lat);
      const lon = degrees(d.lon);
      const located = lat !== null && lon !== null;
      if (!recent.add(key)) count(skips, "duplicate data row");
      else {
        bt.push({
          key,
          seenAt: isoFromEpoch(Number(d.ts_sec), Number(d.ts_usec)),
          clock: "system",
          lat: located ? lat : null,
          lon: located ? lon : null,
          accuracyM: null,
          altM: Number(d.alt ?? 0) || null,
          address: mac,
          name: device.name,
          rssiDbm: Number(d.signal ?? 0) || null,
          txPowerDbm: null,
        });
      }
    }
    if (full()) yield* flush();
  }
  yield* flush();

  // The GPS track: Kismet's GPS snapshots (every 10 s while track logging is on).
  let track: TrackRecord[] = [];
  const snapshots = db.prepare(
    "SELECT ts_sec, ts_usec, lat, lon, snaptype, json FROM snapshots ORDER BY rowid",
  );
  for (const s of snapshots.iterate() as Iterable<Row>) {
    done++;
    if (s.snaptype !== "GPS") {
      count(skips, `snapshot of type ${s.snaptype}`);
      continue;
    }
    const lat = degrees(s.lat);
    const lon = degrees(s.lon);
    if (lat === null || lon === null || Math.abs(lat) > 90 || Math.abs(lon) > 180) {
      count(skips, "GPS snapshot without a position");
      continue;
    }
    const where = gpsOf(s.json);
    const key = `kismet:g:${s.ts_sec}.${String(s.ts_usec).padStart(6, "0")}:${lat}:${lon}`;
    track.push({
      key,
      systemTime: isoFromEpoch(Number(s.ts_sec), Number(s.ts_usec)),
      gpsTime: where.timeSec ? isoFromEpoch(where.timeSec) : null,
      gpsTimePlausible: where.timeSec !== null,
      mode: where.fix === 3 ? 3 : 2,
      lat,
      lon,
      altM: where.alt,
      accuracyM: null,
      speedMps: null, // the log does not say its unit
      trackDeg: where.heading,
    });
    if (track.length >= BATCH_ROWS) {
      yield { track, progress: done / total };
      track = [];
    }
  }
  yield { track, skipped: skips, progress: 1 };
}

/** Keys seen lately, in two generations, so memory stays bounded on a log of any size. */
class RecentKeys {
  #current = new Set<string>();
  #previous = new Set<string>();
  constructor(readonly size: number) {}
  /** False when `key` was seen within the window. */
  add(key: string): boolean {
    if (this.#current.has(key) || this.#previous.has(key)) return false;
    this.#current.add(key);
    if (this.#current.size >= this.size) {
      this.#previous = this.#current;
      this.#current = new Set();
    }
    return true;
  }
}

/**
 * The device JSON (TEXT, or a BLOB of UTF-8 since 2019) with `crypt_bitfield` read from its own
 * digits as a BigInt: as a double it would lose the bits that say WEP/WPA/WPA2/WPA3.
 */
export function parseDevice(value: unknown): Json {
  const text = value instanceof Uint8Array ? new TextDecoder().decode(value) : String(value ?? "");
  try {
    const parsed = JSON.parse(
      text,
      function (key: string, v: unknown, context?: { source?: string }) {
        return key === "dot11.advertisedssid.crypt_bitfield" && context?.source
          ? BigInt(context.source)
          : v;
      } as never,
    );
    return parsed && typeof parsed === "object" ? parsed as Json : {};
  } catch {
    return {};
  }
}

/** The last beaconed SSID record: a record since 2019-08, before a checksum into the map. */
function ssidRecord(json: Json): Json | null {
  const dot11 = json["dot11.device"] as Json | undefined;
  if (!dot11 || typeof dot11 !== "object") return null;
  const record = dot11["dot11.device.last_beaconed_ssid_record"];
  if (record && typeof record === "object") return record as Json;
  const checksum = dot11["dot11.device.last_beaconed_ssid_checksum"];
  const map = dot11["dot11.device.advertised_ssid_map"] as Json | undefined;
  const old = map && checksum !== undefined ? map[String(checksum)] : undefined;
  if (old && typeof old === "object") return old as Json;
  const ssid = dot11["dot11.device.last_beaconed_ssid"];
  return typeof ssid === "string" ? { "dot11.advertisedssid.ssid": ssid } : null;
}

function encryptionOf(record: Json | null): string | null {
  const bitfield = record?.["dot11.advertisedssid.crypt_bitfield"];
  if (typeof bitfield === "bigint") return labelsFromCryptBitfield(bitfield);
  const set = record?.["dot11.advertisedssid.crypt_set"];
  if (typeof set === "number") return labelsFromCryptSet(set);
  return null;
}

/** The channel Kismet names (a string, maybe empty or `FHSS`), else one derived from MHz. */
function channelOf(channel: unknown, freqMhz: number | null): number | null {
  const named = typeof channel === "string" && /^\d+$/.test(channel) ? Number(channel) : null;
  if (named !== null && named > 0) return named;
  if (freqMhz === null) return null;
  const derived = derivedChannel(freqMhz);
  return derived !== null && Number.isInteger(derived) ? derived : null;
}

function derivedChannel(freqMhz: number): number | null {
  if (freqMhz === 2484) return 14;
  if (freqMhz >= 2412 && freqMhz < 2484) return (freqMhz - 2407) / 5;
  if (freqMhz >= 5955 && freqMhz <= 7115) return (freqMhz - 5950) / 5;
  if (freqMhz >= 5000 && freqMhz < 5925) return (freqMhz - 5000) / 5;
  return null;
}

/** Altitude, fix, heading and GPS time from a GPS snapshot's JSON. */
function gpsOf(value: unknown) {
  const json = parseDevice(value);
  const loc = json["kismet.gps.last_location"] as Json | undefined;
  const n = (k: string) => {
    const v = loc?.[`kismet.common.location.${k}`];
    return typeof v === "number" && v !== 0 ? v : null;
  };
  return {
    alt: n("alt"),
    fix: n("fix"),
    heading: n("heading"),
    timeSec: n("time_sec"),
  };
}
