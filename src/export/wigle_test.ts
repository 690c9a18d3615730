import assert from "node:assert/strict";
import { csvRecord } from "./csv.ts";
import type { ExportPoint } from "./source.ts";
import {
  WIGLE_UNKNOWN_ACCURACY_M,
  wigleAuthMode,
  wiglePreHeader,
  WigleRecords,
  wigleTime,
} from "./wigle.ts";

Deno.test("wigleAuthMode maps each encryption label to Android's capability brackets", () => {
  const cases: [string | null, string][] = [
    ["WPA2-PSK", "[WPA2-PSK-CCMP][ESS]"],
    ["WPA3-SAE/WPA2-PSK", "[WPA3-SAE-CCMP][WPA2-PSK-CCMP][ESS]"],
    ["WPA3-SAE", "[WPA3-SAE-CCMP][ESS]"],
    ["WPA3-EAP/WPA2-EAP", "[WPA3-EAP-CCMP][WPA2-EAP-CCMP][ESS]"],
    ["WPA3-OWE", "[WPA3-OWE-CCMP][ESS]"],
    ["WPA3-DPP", "[WPA3-DPP-CCMP][ESS]"],
    ["WPA2-EAP", "[WPA2-EAP-CCMP][ESS]"],
    ["WPA2", "[WPA2-CCMP][ESS]"],
    ["WPA2-PSK/WPA-PSK", "[WPA2-PSK-CCMP][WPA-PSK-TKIP][ESS]"],
    ["WPA-EAP", "[WPA-EAP-TKIP][ESS]"],
    ["WPA", "[WPA-TKIP][ESS]"],
    ["WEP", "[WEP][ESS]"],
    ["Open", "[ESS]"],
    ["FUTURE-AKM", "[FUTURE-AKM][ESS]"],
    ["[odd]", "[odd][ESS]"],
    [null, ""],
    ["", ""],
  ];
  for (const [encryption, authMode] of cases) {
    assert.equal(wigleAuthMode(encryption), authMode, String(encryption));
  }
});

Deno.test("wigleTime is yyyy-MM-dd HH:mm:ss in UTC", () => {
  assert.equal(wigleTime("2024-06-01T14:30:05.999Z"), "2024-06-01 14:30:05");
  assert.equal(wigleTime("2024-06-01T00:30:00+02:00"), "2024-05-31 22:30:00");
  assert.equal(wigleTime("garbage"), "");
  assert.equal(wigleTime(null), "");
});

Deno.test("wiglePreHeader: the 1.6 keys in order, values kept free of commas and line breaks", () => {
  assert.equal(
    wiglePreHeader({
      appVersion: "0.1.0",
      model: "Raspberry Pi 4 Model B Rev 1.4",
      release: "6.6",
    }),
    "WigleWifi-1.6,appRelease=piwardrive-0.1.0,model=Raspberry Pi 4 Model B Rev 1.4,release=6.6,device=piwardrive,display=,board=,brand=,star=Sol,body=3,subBody=0",
  );
  assert.equal(
    wiglePreHeader({ appVersion: "1", model: "Board, rev\n2", release: "" }),
    "WigleWifi-1.6,appRelease=piwardrive-1,model=Board rev 2,release=,device=piwardrive,display=,board=,brand=,star=Sol,body=3,subBody=0",
  );
});

const point = (p: Partial<ExportPoint>): ExportPoint => ({
  kind: "wifi",
  id: "02:00:00:00:00:01",
  name: "net",
  encryption: "WPA2-PSK",
  deviceType: null,
  manufacturer: null,
  seenAt: "2024-06-01T10:00:00.000Z",
  firstSeen: null,
  lastSeen: null,
  signalDbm: -60.4,
  channel: 6,
  freqMhz: 2437,
  lat: 52.5,
  lon: 13.4,
  altM: 34.5,
  accuracyM: 4,
  ...p,
});

/** One point's record, formatted afresh. */
function wigleRecord(p: ExportPoint): { record: string; accuracyDefaulted: boolean } {
  const records = new WigleRecords();
  const record = records.record(p);
  return { record, accuracyDefaulted: records.accuracyDefaulted === 1 };
}

Deno.test("wigleRecord: WiFi row, raw SSID, unknown numbers as 0, unknown accuracy as 100 m", () => {
  assert.deepEqual(wigleRecord(point({ name: "=cmd()" })), {
    record:
      "02:00:00:00:00:01,=cmd(),[WPA2-PSK-CCMP][ESS],2024-06-01 10:00:00,6,2437,-60,52.5,13.4,34.5,4,,,WIFI\n",
    accuracyDefaulted: false,
  });
  assert.deepEqual(
    wigleRecord(point({ accuracyM: 0, altM: null, channel: null, freqMhz: null, signalDbm: null })),
    {
      record:
        `02:00:00:00:00:01,net,[WPA2-PSK-CCMP][ESS],2024-06-01 10:00:00,0,0,0,52.5,13.4,0,${WIGLE_UNKNOWN_ACCURACY_M},,,WIFI\n`,
      accuracyDefaulted: true,
    },
  );
  // A best-position row has no sighting time: FirstSeen is the network's first_seen.
  assert.match(
    wigleRecord(point({ seenAt: null, firstSeen: "2024-05-01T08:00:00.000Z" })).record,
    /,2024-05-01 08:00:00,/,
  );
});

Deno.test("wigleRecord: Bluetooth rows are BT or BLE with the company id when known", () => {
  const bt = (p: Partial<ExportPoint>) =>
    wigleRecord(point({ kind: "bluetooth", encryption: null, channel: null, freqMhz: null, ...p }))
      .record.trim().split(",");
  const le = bt({ deviceType: "LE", manufacturer: "0x004C", name: "Tag" });
  assert.deepEqual([le[1], le[2], le[4], le[5], le[12], le[13]], [
    "Tag",
    "Misc [LE]",
    "0",
    "0",
    "76",
    "BLE",
  ]);
  assert.deepEqual(bt({ manufacturer: "Apple Inc. (76)" }).slice(12), ["76", "BT"]);
  assert.deepEqual(bt({ manufacturer: "Apple" }).slice(12), ["", "BT"]);
  assert.deepEqual(bt({ manufacturer: "70000" }).slice(12), ["", "BT"]);
  assert.equal(bt({ deviceType: "BR/EDR" })[2], "Misc [BT]");
});

Deno.test("WigleRecords: remembered fields give the bytes of a fresh RFC 4180 record, row after row", () => {
  // The record as csvRecord writes the 14 columns, formatting every value afresh.
  const reference = (p: ExportPoint) => {
    const lowEnergy = p.kind === "bluetooth" && /\b(?:le|ble|btle)\b|low[ -]?energy/i.test(
      p.deviceType ?? "",
    );
    const known = p.accuracyM !== null && p.accuracyM > 0;
    return csvRecord([
      p.id,
      p.name ?? "",
      p.kind === "wifi" ? wigleAuthMode(p.encryption) : lowEnergy ? "Misc [LE]" : "Misc [BT]",
      wigleTime(p.seenAt ?? p.firstSeen),
      p.channel ?? 0,
      p.freqMhz ?? 0,
      p.signalDbm === null ? 0 : Math.round(p.signalDbm),
      p.lat,
      p.lon,
      p.altM ?? 0,
      known ? p.accuracyM : WIGLE_UNKNOWN_ACCURACY_M,
      "",
      p.kind === "bluetooth" ? 76 : null, // every Bluetooth point below is 0x004C
      p.kind === "wifi" ? "WIFI" : lowEnergy ? "BLE" : "BT",
    ]);
  };
  // Awkward numbers (exponent forms in JavaScript, 16-17 digits, -0, integers held as REAL),
  // each repeated and then changed, in every remembered column.
  const numbers = [0.00001, -0.0000001, 52, 1e-7, 51.123456789012345, 0.1 + 0.2, -0, 0, 179.99];
  const points: ExportPoint[] = [];
  for (const [i, n] of numbers.entries()) {
    for (let repeat = 0; repeat < 2; repeat++) {
      points.push(point({
        lat: n,
        lon: n === 0 ? 1 : -n,
        altM: i % 3 ? n * 1000 : null,
        accuracyM: i % 2 ? n : 4.5,
        signalDbm: -60.5 - i,
        seenAt: i % 4 ? `2024-06-01T10:00:0${i}.000Z` : "2024-06-01T12:00:00+02:00",
        encryption: ["WPA2-PSK", 'odd "label", x', null, ""][i % 4],
        name: ['q"uote', "comma,name", null, "line\nbreak"][(i + repeat) % 4],
      }));
    }
  }
  for (const deviceType of ["LE", "LE", "BR/EDR", null]) {
    points.push(point({ kind: "bluetooth", deviceType, manufacturer: "0x004C", encryption: null }));
  }
  const records = new WigleRecords();
  points.forEach((p, i) => assert.equal(records.record(p), reference(p), `point ${i}`));
  assert.equal(
    records.accuracyDefaulted,
    points.filter((p) => !(p.accuracyM !== null && p.accuracyM > 0)).length,
  );
  assert.match(records.record(point({ lat: 1e-7, lon: -0.0000001 })), /,0\.0000001,-0\.0000001,/);
});
