/**
 * Kismet logs built to the published layouts (../shared/IMPORTS.md §2): the tables of
 * db_version 4 (integer positions × 100000, JSON as TEXT), 5 (REAL degrees, alt/speed/heading),
 * 6-7 (tags, datarate), 8 (hash, packetid), 9 (packet_full_len) and 10 (data.signal), and device
 * JSON in the shape of the Kismet of the time (SSID map and crypt_set before 2019-08, the SSID
 * record after, crypt_bitfield from 2025).
 */
import { DatabaseSync } from "node:sqlite";

export interface KismetPacket {
  ts: number;
  usec?: number;
  phy: string;
  mac: string;
  freqKhz?: number;
  lat?: number;
  lon?: number;
  signal?: number;
  packetid?: number;
  hash?: number;
  datasource?: string;
}

export interface KismetDevice {
  phy: string;
  mac: string;
  type: string;
  first: number;
  last: number;
  strongest?: number;
  lat?: number;
  lon?: number;
  /** The device JSON's text (build it with `wifiJson`, `bluetoothJson`). */
  json: string;
}

export interface KismetLog {
  version: number;
  devices: KismetDevice[];
  packets?: KismetPacket[];
  /** `data` rows: HCI Bluetooth scans (type linuxbthci) and other phys' records. */
  data?: {
    ts: number;
    usec?: number;
    phy: string;
    mac: string;
    lat?: number;
    lon?: number;
    type: string;
  }[];
  snapshots?: { ts: number; lat: number; lon: number; type: string; alt?: number; fix?: number }[];
}

/** The CREATE TABLE statements of `version`. */
export function kismetDdl(version: number): string {
  const pos = version < 5 ? "INT" : "REAL";
  const packetExtra = [
    version >= 5 ? ", alt REAL, speed REAL, heading REAL" : "",
    version >= 6 ? ", tags TEXT" : "",
    version >= 7 ? ", datarate REAL" : "",
    version >= 8 ? ", hash INT, packetid INT" : "",
    version >= 9 ? ", packet_full_len INT" : "",
  ].join("");
  return `
    CREATE TABLE KISMET (kismet_version TEXT, db_version INT, db_module TEXT);
    CREATE TABLE devices (first_time INT, last_time INT, devkey TEXT, phyname TEXT, devmac TEXT,
      strongest_signal INT, min_lat ${pos}, min_lon ${pos}, max_lat ${pos}, max_lon ${pos},
      avg_lat ${pos}, avg_lon ${pos}, bytes_data INT, type TEXT, device BLOB,
      UNIQUE(phyname, devmac) ON CONFLICT REPLACE);
    CREATE TABLE packets (ts_sec INT, ts_usec INT, phyname TEXT, sourcemac TEXT, destmac TEXT,
      transmac TEXT, frequency REAL, devkey TEXT, lat ${pos}, lon ${pos}, packet_len INT,
      signal INT, datasource TEXT, dlt INT, packet BLOB, error INT${packetExtra});
    CREATE TABLE data (ts_sec INT, ts_usec INT, phyname TEXT, devmac TEXT, lat ${pos}, lon ${pos},
      ${version >= 5 ? "alt REAL, speed REAL, heading REAL, " : ""}datasource TEXT, type TEXT,
      json BLOB${version >= 10 ? ", signal INT" : ""});
    CREATE TABLE datasources (uuid TEXT, typestring TEXT, definition TEXT, name TEXT,
      interface TEXT, json BLOB, UNIQUE(uuid) ON CONFLICT REPLACE);
    CREATE TABLE alerts (ts_sec INT, ts_usec INT, phyname TEXT, devmac TEXT, lat ${pos},
      lon ${pos}, header TEXT, json BLOB);
    CREATE TABLE messages (ts_sec INT, lat ${pos}, lon ${pos}, msgtype TEXT, message TEXT);
    CREATE TABLE snapshots (ts_sec INT, ts_usec INT, lat ${pos}, lon ${pos}, snaptype TEXT,
      json BLOB);`;
}

const RELEASE: Record<number, string> = {
  4: "2018.08.BETA1",
  5: "2019.04.R1",
  8: "2023.00.GIT",
  9: "2025.09.R1",
  10: "2026.00.GIT",
};

/** Writes `log` to a new file at `path`, in PERSIST journal mode as Kismet does. */
export function writeKismetLog(path: string, log: KismetLog): void {
  const db = new DatabaseSync(path);
  const v = log.version;
  const pos = (x: number | undefined) => v < 5 ? Math.round((x ?? 0) * 100000) : x ?? 0;
  db.exec("PRAGMA journal_mode = PERSIST");
  db.exec(kismetDdl(v));
  db.exec("BEGIN");
  db.prepare("INSERT INTO KISMET VALUES (?, ?, 'kismetlog')").run(RELEASE[v] ?? "git", v);
  const device = db.prepare(
    `INSERT INTO devices VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)`,
  );
  for (const d of log.devices) {
    const [lat, lon] = [pos(d.lat), pos(d.lon)];
    device.run(
      d.first,
      d.last,
      `4202770D00000000_${d.mac.replaceAll(":", "")}`,
      d.phy,
      d.mac,
      d.strongest ?? 0,
      lat,
      lon,
      lat,
      lon,
      lat,
      lon,
      d.type,
      v < 5 ? d.json : new TextEncoder().encode(d.json),
    );
  }
  const extra = [
    v >= 5 ? ["alt", "speed", "heading"] : [],
    v >= 6 ? ["tags"] : [],
    v >= 7 ? ["datarate"] : [],
    v >= 8 ? ["hash", "packetid"] : [],
    v >= 9 ? ["packet_full_len"] : [],
  ].flat();
  const packet = db.prepare(
    `INSERT INTO packets (ts_sec, ts_usec, phyname, sourcemac, destmac, transmac, frequency,
      devkey, lat, lon, packet_len, signal, datasource, dlt, packet, error${
      extra.map((c) => `, ${c}`).join("")
    }) VALUES (${Array(16 + extra.length).fill("?").join(", ")})`,
  );
  for (const p of log.packets ?? []) {
    const values: (number | string | Uint8Array | null)[] = [
      p.ts,
      p.usec ?? 0,
      p.phy,
      p.mac,
      "FF:FF:FF:FF:FF:FF",
      "00:00:00:00:00:00",
      p.freqKhz ?? 0,
      "0",
      pos(p.lat),
      pos(p.lon),
      24,
      p.signal ?? 0,
      p.datasource ?? "5FE308BD-0000-0000-0000-00C0CA950D63",
      127,
      new Uint8Array(24),
      0,
    ];
    if (v >= 5) values.push(0, 0, 0);
    if (v >= 6) values.push("");
    if (v >= 7) values.push(10);
    if (v >= 8) values.push(p.hash ?? 0, p.packetid ?? 0);
    if (v >= 9) values.push(24);
    packet.run(...values);
  }
  for (const d of log.data ?? []) {
    const columns = [
      "ts_sec",
      "ts_usec",
      "phyname",
      "devmac",
      "lat",
      "lon",
      "datasource",
      "type",
      "json",
    ];
    const values: (number | string)[] = [
      d.ts,
      d.usec ?? 0,
      d.phy,
      d.mac,
      pos(d.lat),
      pos(d.lon),
      "hci0",
      d.type,
      "{}",
    ];
    if (v >= 10) {
      columns.push("signal");
      values.push(-71);
    }
    db.prepare(
      `INSERT INTO data (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`,
    ).run(...values);
  }
  for (const s of log.snapshots ?? []) {
    const loc = v < 8
      ? `{"kismet.common.location.lat": ${s.lat}, "kismet.common.location.lon": ${s.lon}`
      : `{"kismet.common.location.geopoint": [${s.lon}, ${s.lat}]`;
    const json = `{"kismet.gps.last_location": ${loc}, "kismet.common.location.alt": ${
      s.alt ?? 0
    }, "kismet.common.location.fix": ${s.fix ?? 3}}}`;
    db.prepare("INSERT INTO snapshots VALUES (?, 0, ?, ?, ?, ?)").run(
      s.ts,
      pos(s.lat),
      pos(s.lon),
      s.type,
      json,
    );
  }
  db.exec("COMMIT");
  db.close();
}

/**
 * A Wi-Fi device's JSON as Kismet `version` wrote it. `cryptBitfield` is written as its exact
 * digits (it can pass 2^53); `cryptSet` is the legacy set.
 */
export function wifiJson(
  version: number,
  d: {
    mac: string;
    type: string;
    ssid: string;
    channel: string;
    freqKhz: number;
    cryptSet?: number;
    cryptBitfield?: bigint;
  },
): string {
  const ssid = JSON.stringify(d.ssid);
  const crypt = [
    d.cryptSet === undefined ? "" : `"dot11.advertisedssid.crypt_set": ${d.cryptSet}`,
    d.cryptBitfield === undefined
      ? ""
      : `"dot11.advertisedssid.crypt_bitfield": ${d.cryptBitfield}`,
  ].filter((c) => c !== "").join(", ");
  const record = `{"dot11.advertisedssid.ssid": ${ssid}, "dot11.advertisedssid.ssidlen": ${
    new TextEncoder().encode(d.ssid).length
  }, ${crypt === "" ? "" : `${crypt}, `}"dot11.advertisedssid.channel": ${
    JSON.stringify(d.channel)
  }}`;
  const dot11 = version < 6
    ? `{"dot11.device.last_beaconed_ssid": ${ssid}, "dot11.device.last_beaconed_ssid_checksum": 3735928559, "dot11.device.advertised_ssid_map": {"3735928559": ${record}}}`
    : `{"dot11.device.last_beaconed_ssid_record": ${record}}`;
  return `{"kismet.device.base.macaddr": "${d.mac}", "kismet.device.base.phyname": "IEEE802.11", ` +
    `"kismet.device.base.type": "${d.type}", "kismet.device.base.channel": "${d.channel}", ` +
    `"kismet.device.base.frequency": ${d.freqKhz}, "kismet.device.base.manuf": "Unknown", ` +
    `"dot11.device": ${dot11}}`;
}

/** A Bluetooth or BTLE device's JSON. */
export function bluetoothJson(d: { mac: string; phy: string; type: string; name: string }): string {
  return `{"kismet.device.base.macaddr": "${d.mac}", "kismet.device.base.phyname": "${d.phy}", ` +
    `"kismet.device.base.type": "${d.type}", "kismet.device.base.name": ${
      JSON.stringify(d.name)
    }, ` +
    `"kismet.device.base.commonname": ${
      JSON.stringify(d.name)
    }, "kismet.device.base.channel": "FHSS"}`;
}

/** A version-8 Kismet log of `n` located packets from 50 access points (all distinct). */
export function generatedKismetLog(path: string, n: number): void {
  const macs = Array.from(
    { length: 50 },
    (_, i) =>
      `00:11:22:33:${(i >> 8).toString(16).padStart(2, "0")}:${
        (i & 255).toString(16).padStart(2, "0")
      }`.toUpperCase(),
  );
  const packets: KismetPacket[] = Array.from({ length: n }, (_, i) => ({
    ts: 1_700_000_000 + Math.floor(i / 10),
    usec: (i % 10) * 1000,
    phy: "IEEE802.11",
    mac: macs[i % macs.length],
    lat: 52 + i / 1e6,
    lon: 13 + i / 1e6,
    signal: -40 - (i % 50),
    freqKhz: 2412000,
    packetid: i + 1,
    hash: i * 2654435761 % 4294967296,
  }));
  writeKismetLog(path, {
    version: 8,
    devices: macs.map((mac) => ({
      phy: "IEEE802.11",
      mac,
      type: "Wi-Fi AP",
      first: 1_700_000_000,
      last: 1_700_000_000 + n / 10,
      json: wifiJson(8, {
        mac,
        type: "Wi-Fi AP",
        ssid: `ap ${mac}`,
        channel: "1",
        freqKhz: 2412000,
        cryptSet: 0,
      }),
    })),
    packets,
  });
}
