/**
 * The original PiWardrive's `app.db` (`piwardrive-legacy`). Its tables differ between real files
 * (two version trackers, broken late migrations), so only the tables and columns really there
 * are read: `wifi_detections` (one row per AP per iwlist scan: a sighting), `bluetooth_detections`
 * (positions recovered from the `gps_tracks` row of the same time, as the original never stored
 * them), `gps_tracks`, `health_records` (local times without a zone: `--source-tz` says which),
 * and `ap_cache` (Kismet's last snapshot) only when the detection tables are absent. Signals are
 * NULL there (iwlist's quality was dropped), and stay unknown.
 */
import type { DatabaseSync } from "node:sqlite";
import { UsageError } from "../errors.ts";
import { type Batch, BATCH_ROWS, count, type NetworkRecord, type SourceReader } from "./records.ts";
import type { OpenedSource } from "./source_file.ts";

type Row = Record<string, unknown>;

/**
 * A reader of the app.db `source`; health times are taken as local times of `timeZone`.
 *
 * @example
 * ```ts
 * const reader = legacyReader(openSourceFile("app.db"), "Europe/Berlin");
 * ```
 */
export function legacyReader(source: OpenedSource, timeZone: string): SourceReader {
  const db = source.db;
  const tables = new Set(
    (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[])
      .map((r) => r.name),
  );
  const local = localTimeReader(timeZone);
  const read = ["wifi_detections", "bluetooth_detections", "gps_tracks", "health_records"]
    .filter((t) => tables.has(t));
  const useCache = tables.has("ap_cache") && !tables.has("wifi_detections");
  if (useCache) read.push("ap_cache");
  return {
    kind: "piwardrive-legacy",
    describe: `PiWardrive app.db (${read.join(", ") || "no observation tables"})`,
    notes: tables.has("health_records")
      ? [`health times taken as local times of ${timeZone} (--source-tz)`]
      : [],
    batches: () => batches(db, read, local),
    close() {},
  };
}

function* batches(db: DatabaseSync, tables: string[], local: (t: string) => string | null) {
  const columns = (t: string) =>
    new Set(
      (db.prepare("SELECT name FROM pragma_table_info(?)").all(t) as { name: string }[]).map((r) =>
        r.name
      ),
    );
  const col = (t: string, c: string) => columns(t).has(c) ? c : `NULL AS ${c}`;
  const total = tables.reduce(
    (sum, t) => sum + Number((db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as Row).n),
    0,
  ) || 1;
  let done = 0;
  const progress = () => done / total;

  if (tables.includes("wifi_detections")) {
    const rows = db.prepare(
      `SELECT bssid, ssid, ${col("wifi_detections", "channel")}, ${
        col("wifi_detections", "frequency_mhz")
      },
        ${col("wifi_detections", "signal_strength_dbm")}, ${
        col("wifi_detections", "encryption_type")
      },
        detection_timestamp, ${col("wifi_detections", "scan_session_id")}, latitude, longitude,
        ${col("wifi_detections", "altitude_meters")}, ${col("wifi_detections", "accuracy_meters")}
       FROM wifi_detections ORDER BY bssid, detection_timestamp, id`,
    );
    // Rows come per BSSID: its summary is complete before its sightings are handed over.
    let group: Row[] = [];
    let batch: Batch = { networks: [], wifi: [], skipped: {}, progress: 0 };
    const close = () => {
      if (group.length === 0) return;
      const network = summary(group);
      if (network) {
        batch.networks!.push(network);
        for (const r of group) {
          const seenAt = utc(r.detection_timestamp);
          if (!seenAt) {
            count(batch.skipped!, "detection without a readable time");
            continue;
          }
          batch.wifi!.push({
            key: `legacy:w:${network.bssid}|${r.detection_timestamp}|${r.scan_session_id ?? ""}`,
            bssid: network.bssid,
            seenAt,
            clock: "system",
            ssid: text(r.ssid),
            freqMhz: num(r.frequency_mhz),
            channel: num(r.channel),
            signalDbm: num(r.signal_strength_dbm),
            lat: num(r.latitude),
            lon: num(r.longitude),
            altM: num(r.altitude_meters),
            accuracyM: num(r.accuracy_meters),
          });
        }
      } else count(batch.skipped!, "detection without a BSSID or time", group.length);
      group = [];
    };
    for (const r of rows.iterate() as Iterable<Row>) {
      done++;
      if (group.length > 0 && group[0].bssid !== r.bssid) {
        close();
        if (batch.wifi!.length >= BATCH_ROWS) {
          yield { ...batch, progress: progress() };
          batch = { networks: [], wifi: [], skipped: {}, progress: 0 };
        }
      }
      group.push(r);
    }
    close();
    yield { ...batch, progress: progress() };
  }

  // Positions of the track by time: the original stored Bluetooth rows without them.
  const track = new Map<string, Row>();
  if (tables.includes("gps_tracks")) {
    const rows = db.prepare(
      `SELECT timestamp, latitude, longitude, ${col("gps_tracks", "altitude_meters")},
        ${col("gps_tracks", "accuracy_meters")}, ${col("gps_tracks", "heading_degrees")},
        ${col("gps_tracks", "speed_kmh")}, ${col("gps_tracks", "fix_type")}
       FROM gps_tracks ORDER BY timestamp, id`,
    );
    let points: NonNullable<Batch["track"]> = [];
    const skipped: Record<string, number> = {};
    for (const r of rows.iterate() as Iterable<Row>) {
      done++;
      track.set(String(r.timestamp), r);
      const at = utc(r.timestamp);
      const lat = num(r.latitude);
      const lon = num(r.longitude);
      if (!at || lat === null || lon === null || r.fix_type === "No Fix") {
        count(skipped, "track point without a fix");
        continue;
      }
      const speed = num(r.speed_kmh);
      points.push({
        key: `legacy:t:${r.timestamp}|${lat}|${lon}`,
        systemTime: at,
        gpsTime: null,
        gpsTimePlausible: false,
        mode: r.fix_type === "2D" ? 2 : 3,
        lat,
        lon,
        altM: num(r.altitude_meters),
        accuracyM: num(r.accuracy_meters),
        speedMps: speed === null ? null : speed / 3.6,
        trackDeg: num(r.heading_degrees),
      });
      if (points.length >= BATCH_ROWS) {
        yield { track: points, progress: progress() };
        points = [];
      }
    }
    yield { track: points, skipped, progress: progress() };
  }

  if (tables.includes("bluetooth_detections")) {
    const t = "bluetooth_detections";
    const rows = db.prepare(
      `SELECT mac_address, ${col(t, "device_name")}, ${col(t, "device_type")},
        ${col(t, "manufacturer_name")}, ${col(t, "rssi_dbm")}, ${col(t, "tx_power_dbm")},
        detection_timestamp, ${col(t, "latitude")}, ${col(t, "longitude")}
       FROM bluetooth_detections ORDER BY mac_address, detection_timestamp, id`,
    );
    let batch: Batch = { devices: [], bluetooth: [], progress: 0 };
    let group: Row[] = [];
    const close = () => {
      if (group.length === 0) return;
      const address = String(group[0].mac_address).toUpperCase();
      const seen = group.map((r) => utc(r.detection_timestamp)).filter((s): s is string => !!s);
      if (seen.length === 0) return void (group = []);
      const where = (r: Row) => {
        const own = [num(r.latitude), num(r.longitude)];
        if (own[0] !== null && own[1] !== null) return own;
        const fix = track.get(String(r.detection_timestamp));
        return fix ? [num(fix.latitude), num(fix.longitude)] : [null, null];
      };
      const last = group[group.length - 1];
      const located = group.find((r) => where(r)[0] !== null);
      batch.devices!.push({
        address,
        name: btName(last.device_name, address),
        deviceType: text(last.device_type),
        rssiDbm: strongest(group.map((r) => num(r.rssi_dbm))),
        manufacturer: text(last.manufacturer_name),
        services: null,
        firstSeen: seen[0],
        lastSeen: seen[seen.length - 1],
        lat: located ? where(located)[0] : null,
        lon: located ? where(located)[1] : null,
        accuracyM: null,
      });
      for (const r of group) {
        const seenAt = utc(r.detection_timestamp);
        if (!seenAt) continue;
        const [lat, lon] = where(r);
        batch.bluetooth!.push({
          key: `legacy:b:${address}|${r.detection_timestamp}`,
          address,
          seenAt,
          clock: "system",
          name: btName(r.device_name, address),
          rssiDbm: num(r.rssi_dbm),
          txPowerDbm: num(r.tx_power_dbm),
          lat,
          lon,
          altM: null,
          accuracyM: null,
        });
      }
      group = [];
    };
    for (const r of rows.iterate() as Iterable<Row>) {
      done++;
      if (group.length > 0 && group[0].mac_address !== r.mac_address) {
        close();
        if (batch.bluetooth!.length >= BATCH_ROWS) {
          yield { ...batch, progress: progress() };
          batch = { devices: [], bluetooth: [], progress: 0 };
        }
      }
      group.push(r);
    }
    close();
    yield { ...batch, progress: progress() };
  }

  if (tables.includes("health_records")) {
    const t = "health_records";
    const rows = db.prepare(
      `SELECT timestamp, ${col(t, "cpu_temp")}, ${col(t, "cpu_percent")}, ${
        col(t, "memory_percent")
      },
        ${col(t, "disk_percent")} FROM health_records ORDER BY timestamp`,
    );
    let health: NonNullable<Batch["health"]> = [];
    const skipped: Record<string, number> = {};
    for (const r of rows.iterate() as Iterable<Row>) {
      done++;
      const at = local(String(r.timestamp));
      if (!at) {
        count(skipped, "health record without a readable time");
        continue;
      }
      health.push({
        key: `legacy:h:${at}|${r.cpu_percent}|${r.memory_percent}`,
        timestamp: at,
        cpuTempC: num(r.cpu_temp),
        cpuPercent: num(r.cpu_percent),
        memoryPercent: num(r.memory_percent),
        diskPercent: num(r.disk_percent),
        networkRxBytes: null,
        networkTxBytes: null,
        lat: null,
        lon: null,
        accuracyM: null,
        wifiCount: null,
        bluetoothCount: null,
      });
      if (health.length >= BATCH_ROWS) {
        yield { health, progress: progress() };
        health = [];
      }
    }
    yield { health, skipped, progress: progress() };
  }

  if (tables.includes("ap_cache")) {
    const networks: NetworkRecord[] = [];
    const wifi: NonNullable<Batch["wifi"]> = [];
    for (
      const r of db.prepare("SELECT * FROM ap_cache ORDER BY bssid").iterate() as Iterable<Row>
    ) {
      done++;
      const time = Number(r.last_time);
      if (!r.bssid || !Number.isFinite(time) || time <= 0) continue;
      const seenAt = new Date(time * 1000).toISOString();
      const bssid = String(r.bssid).toLowerCase();
      const where = { lat: num(r.lat), lon: num(r.lon), accuracyM: null };
      networks.push({
        bssid,
        ssid: text(r.ssid),
        freqMhz: null,
        channel: null,
        signalDbm: null,
        encryption: kismetCryptString(text(r.encryption)),
        firstSeen: seenAt,
        lastSeen: seenAt,
        ...where,
      });
      wifi.push({
        key: `legacy:c:${bssid}|${time}`,
        bssid,
        seenAt,
        clock: "system",
        ssid: text(r.ssid),
        freqMhz: null,
        channel: null,
        signalDbm: null,
        altM: null,
        ...where,
      });
    }
    yield { networks, wifi, progress: 1 };
  }
}

function summary(group: Row[]): NetworkRecord | null {
  const seen = group.map((r) => utc(r.detection_timestamp)).filter((s): s is string => !!s);
  if (!group[0].bssid || seen.length === 0) return null;
  const last = group[group.length - 1];
  const located = group.find((r) => num(r.latitude) !== null && num(r.longitude) !== null);
  return {
    bssid: String(group[0].bssid).toLowerCase(),
    ssid: text(last.ssid),
    freqMhz: num(last.frequency_mhz),
    channel: num(last.channel),
    signalDbm: null,
    encryption: iwlistEncryption(text(last.encryption_type)),
    firstSeen: seen[0],
    lastSeen: seen[seen.length - 1],
    lat: located ? num(located.latitude) : null,
    lon: located ? num(located.longitude) : null,
    accuracyM: located ? num(located.accuracy_meters) : null,
  };
}

/**
 * The original's `encryption_type`: iwlist's `Encryption key:` (`on`/`off`) followed by the
 * text of every `IE:` line. WPA2 and WPA IEs give those labels (the AKM was never kept); `on`
 * with neither is WEP; `off` is open.
 *
 * @example
 * ```ts
 * iwlistEncryption("on IEEE 802.11i/WPA2 Version 1 WPA Version 1"); // "WPA2/WPA"
 * ```
 */
export function iwlistEncryption(value: string | null): string | null {
  if (value === null || value.trim() === "") return null;
  const text = value.trim();
  const key = text.split(/\s+/)[0].toLowerCase();
  const labels: string[] = [];
  if (/802\.11i\/WPA2|WPA2 Version/i.test(text)) labels.push("WPA2");
  if (/(^|[^/])WPA Version/i.test(text)) labels.push("WPA");
  if (labels.length > 0) return labels.join("/");
  if (key === "on") return "WEP";
  if (key === "off") return "Open";
  return null;
}

/** Kismet's display string (`WPA2 WPA2-PSK AES-CCMP`, `WEP104`, `Open`) as our labels. */
function kismetCryptString(value: string | null): string | null {
  if (value === null || value.trim() === "") return null;
  const labels: string[] = [];
  if (/SAE|WPA3/i.test(value)) labels.push("WPA3-SAE");
  if (/WPA2/i.test(value)) {
    labels.push(/EAP/i.test(value) ? "WPA2-EAP" : /PSK/i.test(value) ? "WPA2-PSK" : "WPA2");
  } else if (/WPA/i.test(value)) labels.push(/PSK/i.test(value) ? "WPA-PSK" : "WPA");
  if (labels.length > 0) return labels.join("/");
  if (/WEP/i.test(value)) return "WEP";
  return /open|none/i.test(value) ? "Open" : null;
}

/** A name the original stored from bluetoothctl's last line: a `[CHG]` tail or the MAC itself. */
function btName(value: unknown, address: string): string | null {
  const name = text(value)?.trim() ?? "";
  if (name === "" || name.toUpperCase().replaceAll("-", ":") === address) return null;
  if (
    /^(RSSI|TxPower|ManufacturerData|ServiceData|UUIDs|Connected|Paired|Trusted|Name|Alias|Class|Icon)\b.*:/
      .test(name)
  ) {
    return null;
  }
  return name;
}

const NAIVE = /^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?$/;

/** A naive UTC time (`2025-07-03T10:00:00.123456`, fraction optional) as our UTC ISO-8601. */
function utc(value: unknown): string | null {
  const m = NAIVE.exec(String(value ?? ""));
  if (!m) return null;
  const ms = Math.floor(Number((m[7] ?? "0").padEnd(6, "0")) / 1000);
  return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6], ms)).toISOString();
}

/**
 * Reads naive local times of `timeZone` as UTC ISO-8601 (the zone's offset at that moment, DST
 * included); a usage error for a zone that does not exist.
 */
export function localTimeReader(timeZone: string): (naive: string) => string | null {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
  } catch {
    throw new UsageError(
      `Unknown time zone "${timeZone}" for --source-tz: give an IANA name like Europe/Berlin`,
    );
  }
  const offset = (t: number) => {
    const p = Object.fromEntries(format.formatToParts(t).map((x) => [x.type, x.value]));
    const wall = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second);
    return wall - Math.floor(t / 1000) * 1000;
  };
  return (naive) => {
    const asUtc = utc(naive);
    if (!asUtc) return null;
    const wall = Date.parse(asUtc);
    let t = wall - offset(wall);
    t = wall - offset(t);
    return new Date(t).toISOString();
  };
}

/** The strongest of some signals, null when none is known (HEAD never stored one). */
function strongest(values: (number | null)[]): number | null {
  const known = values.filter((v): v is number => v !== null);
  return known.length === 0 ? null : Math.max(...known);
}

function text(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return value instanceof Uint8Array ? new TextDecoder().decode(value) : String(value);
}

function num(value: unknown): number | null {
  if (value === null || value === undefined || value === "") return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}
