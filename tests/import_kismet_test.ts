/**
 * `piwardrive import` of Kismet logs: logs built to the layouts of db_version 4, 5, 8 and 9
 * (Wi-Fi APs, a WPA3/WPS network whose crypt_bitfield exceeds 2^53, BTLE and HCI Bluetooth,
 * duplicate packets, positions at (0,0), other phys), and the two real logs of the fixtures
 * (other phys only, one with Kismet's journal beside it, in a read-only folder).
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { cli, tempDir } from "./helpers/cli.ts";
import {
  bluetoothJson,
  type KismetLog,
  type KismetPacket,
  wifiJson,
  writeKismetLog,
} from "./helpers/kismet.ts";
import { folderState, tableCounts } from "./helpers/import.ts";

const REAL = new URL("../../shared/fixtures/real/kismet/", import.meta.url).pathname;

const AP1 = "00:11:22:33:44:01";
const AP2 = "00:11:22:33:44:02";
const CLIENT = "00:11:22:33:44:03";
const BTLE = "C0:FF:EE:00:00:01";
const HCI = "00:1A:7D:DA:71:13";
const T = 1_700_000_000;
/** WPS, SAE, PSK, CCMP (pairwise and group), WPA3, WPA2, WPA: above 2^53. */
const WPA3_WPS = (1n << 57n) | (1n << 44n) | (1n << 38n) | (1n << 26n) | (1n << 10n) |
  (1n << 4n) | (1n << 3n) | (1n << 1n);

function testLog(version: number): KismetLog {
  const modern = version >= 9;
  const packets: KismetPacket[] = [
    {
      ts: T,
      usec: 100,
      phy: "IEEE802.11",
      mac: AP1,
      lat: 52.5,
      lon: 13.4,
      signal: -50,
      freqKhz: 2437000,
      packetid: 1,
      hash: 111,
    },
    // The same frame from a second capture source: a later time on its clock from v8 (same
    // packetid and CRC), the very same row before.
    version >= 8
      ? {
        ts: T,
        usec: 180,
        phy: "IEEE802.11",
        mac: AP1,
        lat: 52.5,
        lon: 13.4,
        signal: -52,
        freqKhz: 2437000,
        packetid: 1,
        hash: 111,
        datasource: "other",
      }
      : {
        ts: T,
        usec: 100,
        phy: "IEEE802.11",
        mac: AP1,
        lat: 52.5,
        lon: 13.4,
        signal: -50,
        freqKhz: 2437000,
      },
    {
      ts: T + 10,
      phy: "IEEE802.11",
      mac: AP1,
      lat: 0,
      lon: 0,
      signal: -49,
      freqKhz: 2437000,
      packetid: 2,
      hash: 222,
    },
    {
      ts: T + 20,
      phy: "IEEE802.11",
      mac: AP1,
      lat: 52.501,
      lon: 13.401,
      signal: -45,
      freqKhz: 2437000,
      packetid: 3,
      hash: 333,
    },
    {
      ts: T + 30,
      phy: "IEEE802.11",
      mac: AP2,
      lat: 52.502,
      lon: 13.402,
      signal: -70,
      freqKhz: 5180000,
      packetid: 4,
      hash: 444,
    },
    {
      ts: T + 40,
      phy: "IEEE802.11",
      mac: CLIENT,
      lat: 52.5,
      lon: 13.4,
      signal: -60,
      packetid: 5,
      hash: 555,
    },
    {
      ts: T + 50,
      phy: "BTLE",
      mac: BTLE,
      lat: 52.503,
      lon: 13.403,
      signal: -60,
      packetid: 6,
      hash: 666,
    },
    {
      ts: T + 60,
      phy: "BTLE",
      mac: BTLE,
      lat: 52.504,
      lon: 13.404,
      signal: -65,
      packetid: 7,
      hash: 777,
    },
    { ts: T + 65, phy: "ADSB", mac: "AB:CD:EF:00:00:00", packetid: 8, hash: 888 },
  ];
  return {
    version,
    devices: [
      {
        phy: "IEEE802.11",
        mac: AP1,
        type: "Wi-Fi AP",
        first: T,
        last: T + 20,
        strongest: -45,
        lat: 52.5005,
        lon: 13.4005,
        json: wifiJson(version, {
          mac: AP1,
          type: "Wi-Fi AP",
          ssid: "Café ☕ net",
          channel: "6",
          freqKhz: 2437000,
          // 2025 logs: the new set only (a double would lose bits 0-4); before: WPA2-PSK.
          ...(modern
            ? { cryptBitfield: WPA3_WPS }
            : { cryptSet: (1 << 28) | (1 << 9) | (1 << 7) | (1 << 6) }),
        }),
      },
      {
        phy: "IEEE802.11",
        mac: AP2,
        type: "Wi-Fi AP",
        first: T + 30,
        last: T + 30,
        strongest: -70,
        lat: 52.502,
        lon: 13.402,
        json: wifiJson(version, {
          mac: AP2,
          type: "Wi-Fi AP",
          ssid: "open",
          channel: "36",
          freqKhz: 5180000,
          ...(modern ? { cryptBitfield: 0n, cryptSet: 0 } : { cryptSet: 0 }),
        }),
      },
      {
        phy: "IEEE802.11",
        mac: CLIENT,
        type: "Wi-Fi Client",
        first: T + 40,
        last: T + 40,
        json: wifiJson(version, {
          mac: CLIENT,
          type: "Wi-Fi Client",
          ssid: "",
          channel: "",
          freqKhz: 0,
        }),
      },
      {
        phy: "BTLE",
        mac: BTLE,
        type: "BTLE",
        first: T + 50,
        last: T + 60,
        strongest: -60,
        lat: 52.5035,
        lon: 13.4035,
        json: bluetoothJson({ mac: BTLE, phy: "BTLE", type: "BTLE", name: "Tag" }),
      },
      {
        phy: "Bluetooth",
        mac: HCI,
        type: "BR/EDR",
        first: T + 70,
        last: T + 80,
        json: bluetoothJson({ mac: HCI, phy: "Bluetooth", type: "BR/EDR", name: "Headset" }),
      },
      {
        phy: "ADSB",
        mac: "AB:CD:EF:00:00:00",
        type: "ADSB Aircraft",
        first: T + 65,
        last: T + 65,
        json: '{"kismet.device.base.type": "ADSB Aircraft"}',
      },
    ],
    packets,
    data: [
      { ts: T + 70, phy: "Bluetooth", mac: HCI, type: "linuxbthci" },
      { ts: T + 80, phy: "Bluetooth", mac: HCI, type: "linuxbthci" },
      { ts: T + 65, phy: "ADSB", mac: "AB:CD:EF:00:00:00", type: "RTLADSB" },
    ],
    snapshots: [
      { ts: T, lat: 52.5, lon: 13.4, type: "GPS", alt: 35, fix: 3 },
      { ts: T + 10, lat: 0, lon: 0, type: "GPS", fix: 1 },
      { ts: T + 20, lat: 0, lon: 0, type: "SYSTEM" },
    ],
  };
}

const iso = (sec: number, usec = 0) => new Date(sec * 1000 + usec / 1000).toISOString();

for (const version of [4, 5, 8, 9]) {
  Deno.test(`a Kismet log of db_version ${version} imports APs, BTLE and HCI Bluetooth, once`, async () => {
    using dir = tempDir();
    const source = `${dir.path}/logs/Kismet-20231114-22-13-20-1.kismet`;
    Deno.mkdirSync(`${dir.path}/logs`);
    writeKismetLog(source, testLog(version));
    const db = `${dir.path}/p.db`;
    const before = await folderState(`${dir.path}/logs`);

    const result = await cli("--db", db, "import", source, "--json");
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout);
    assert.equal(report.kind, "kismet");
    assert.deepEqual(report.counts, {
      networks: { new: 2, merged: 0 },
      devices: { new: 2, merged: 0 },
      imported: { wifi_sightings: 3, bluetooth_sightings: 4, gps_track: 1, health_records: 0 },
      skipped: {
        "Wi-Fi device that is not an access point": 1,
        "device of another phy (ADSB)": 1,
        "duplicate packet": 1,
        "packet without a position": 1,
        "Wi-Fi packet not from an access point": 1,
        "packet of another phy (ADSB)": 1,
        "data row of another phy (ADSB)": 1,
        "GPS snapshot without a position": 1,
        "snapshot of type SYSTEM": 1,
      },
    });
    const out = new DatabaseSync(db, { readOnly: true });
    assert.deepEqual(
      out.prepare(
        "SELECT bssid, ssid, frequency, channel, encryption, encryption_type, signal_strength, first_seen, last_seen, gps_lat, gps_lon FROM wifi_networks ORDER BY bssid",
      ).all().map((r) => ({ ...r })),
      [
        {
          bssid: AP1.toLowerCase(),
          ssid: "Café ☕ net",
          frequency: 2437,
          channel: 6,
          encryption: version >= 9 ? "WPA3-SAE/WPA2-PSK" : "WPA2-PSK",
          encryption_type: version >= 9 ? "WPA3" : "WPA2",
          signal_strength: -45,
          first_seen: iso(T),
          last_seen: iso(T + 20),
          gps_lat: 52.5005,
          gps_lon: 13.4005,
        },
        {
          bssid: AP2.toLowerCase(),
          ssid: "open",
          frequency: 5180,
          channel: 36,
          encryption: "Open",
          encryption_type: "Open",
          signal_strength: -70,
          first_seen: iso(T + 30),
          last_seen: iso(T + 30),
          gps_lat: 52.502,
          gps_lon: 13.402,
        },
      ],
    );
    assert.deepEqual(
      out.prepare(
        "SELECT n.bssid, s.seen_at, s.signal_dbm, s.frequency, s.gps_lat, s.gps_lon FROM wifi_sightings AS s JOIN wifi_networks AS n ON n.id = s.network_id ORDER BY s.seen_at",
      ).all().map((r) => Object.values(r)),
      [
        [AP1.toLowerCase(), iso(T, 100), -50, 2437, 52.5, 13.4],
        [AP1.toLowerCase(), iso(T + 20), -45, 2437, 52.501, 13.401],
        [AP2.toLowerCase(), iso(T + 30), -70, 5180, 52.502, 13.402],
      ],
    );
    assert.deepEqual(
      out.prepare(
        "SELECT d.address, d.name, d.device_type, s.seen_at, s.rssi_dbm, s.gps_lat FROM bluetooth_sightings AS s JOIN bluetooth_devices AS d ON d.id = s.device_id ORDER BY s.seen_at",
      ).all().map((r) => Object.values(r)),
      [
        [BTLE, "Tag", "BTLE", iso(T + 50), -60, 52.503],
        [BTLE, "Tag", "BTLE", iso(T + 60), -65, 52.504],
        [HCI, "Headset", "BR/EDR", iso(T + 70), version >= 10 ? -71 : null, null],
        [HCI, "Headset", "BR/EDR", iso(T + 80), version >= 10 ? -71 : null, null],
      ],
    );
    assert.deepEqual(
      out.prepare("SELECT system_time, mode, lat, lon, alt_m FROM gps_track").all().map((r) =>
        Object.values(r)
      ),
      [[iso(T), 3, 52.5, 13.4, 35]],
    );
    assert.deepEqual(
      out.prepare("SELECT kind, file_name, content_hash FROM source").all().map((r) =>
        Object.values(r)
      ),
      [[
        "kismet",
        "Kismet-20231114-22-13-20-1.kismet",
        before.hashes["Kismet-20231114-22-13-20-1.kismet"],
      ]],
    );
    assert.equal(
      out.prepare("SELECT count(*) AS n FROM source_rows WHERE source_id = 1").get()!.n,
      8,
      "every appended row keeps where it came from",
    );
    out.close();
    const counts = tableCounts(db);

    const again = await cli("--db", db, "import", source, "--json");
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(JSON.parse(again.stdout).counts.imported, {
      wifi_sightings: 0,
      bluetooth_sightings: 0,
      gps_track: 0,
      health_records: 0,
    });
    assert.equal(JSON.parse(again.stdout).counts.skipped["already imported"], 8);
    assert.deepEqual(tableCounts(db), counts, "the second import added nothing");
    assert.deepEqual(await folderState(`${dir.path}/logs`), before, "the log was never changed");
    assert.equal((await cli("--db", db, "migrate", "--verify")).code, 0);
    const csv = await cli("--db", db, "export", "--format", "csv");
    assert.equal(csv.code, 0, csv.stderr);
  });
}

Deno.test("a grown Kismet log imports only what is new", async () => {
  using dir = tempDir();
  const source = `${dir.path}/k.kismet`;
  const log = testLog(9);
  writeKismetLog(source, log);
  const db = `${dir.path}/p.db`;
  assert.equal((await cli("--db", db, "import", source)).code, 0);
  Deno.removeSync(source);
  log.packets!.push({
    ts: T + 90,
    phy: "IEEE802.11",
    mac: AP2,
    lat: 52.51,
    lon: 13.41,
    signal: -66,
    freqKhz: 5180000,
    packetid: 9,
    hash: 999,
  });
  writeKismetLog(source, log);
  const result = await cli("--db", db, "import", source, "--json");
  assert.equal(result.code, 0, result.stderr);
  const counts = JSON.parse(result.stdout).counts;
  assert.equal(counts.imported.wifi_sightings, 1);
  assert.equal(counts.skipped["already imported"], 8);
  const out = new DatabaseSync(db, { readOnly: true });
  assert.equal(out.prepare("SELECT count(*) AS n FROM source").get()!.n, 2);
  assert.equal(
    out.prepare("SELECT last_seen FROM wifi_networks WHERE bssid = ?").get(AP2.toLowerCase())!
      .last_seen,
    iso(T + 30),
  );
  out.close();
});

Deno.test("the real Kismet logs (other phys only; one with its journal, in a read-only folder) import nothing and are not touched", async () => {
  using dir = tempDir();
  const db = `${dir.path}/p.db`;
  const before = await folderState(REAL);
  const expected: Record<string, Record<string, number>> = {
    "Kismet-20181205-15-47-32-1.kismet": {
      "data row of another phy (Unknown)": 505,
      "device of another phy (RTLAMR)": 2,
      "packet of another phy (Unknown)": 505,
    },
    "Kismet-20181221-22-50-51-1.kismet": {
      "data row of another phy (Unknown)": 666,
      "device of another phy (RTLADSB)": 42,
      "packet of another phy (Unknown)": 666,
    },
  };
  for (const [name, skipped] of Object.entries(expected)) {
    const result = await cli("--db", db, "import", `${REAL}${name}`, "--json");
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout);
    assert.equal(report.describe, "Kismet 2018.08.BETA1 log, db_version 4");
    assert.deepEqual(report.counts.skipped, skipped);
    assert.deepEqual(Object.values(report.counts.imported), [0, 0, 0, 0]);
  }
  assert.deepEqual(await folderState(REAL), before);
});
