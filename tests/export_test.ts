/**
 * `piwardrive export` end to end: a migrated database filled with hostile names, exported in
 * every format and read back with real parsers (csv-parse, xmllint and fast-xml-parser,
 * check-geojson), plus the filters, the summary, the output file rules and bad invocations.
 * The command runs in a local commander program shaped like `main()`'s.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
// Test-only parsers, pinned here rather than in deno.json so the shipped import map stays as it is.
// deno-lint-ignore no-import-prefix
import { parse as parseCsv } from "npm:csv-parse@7.0.3/sync";
// deno-lint-ignore no-import-prefix
import { XMLParser } from "npm:fast-xml-parser@5.12.1";
// deno-lint-ignore no-import-prefix
import { check as checkGeojson } from "npm:@placemarkio/check-geojson@0.1.14";
import { Command, CommanderError } from "@commander-js/extra-typings";
import { type ByteWriter, exportCommand, wigleDevice } from "../src/cli/export_command.ts";
import type { Io } from "../src/cli/context.ts";
import { ExitCode, PiwardriveError } from "../src/errors.ts";
import { WIGLE_HEADER, wiglePreHeader, XML_REPLACEMENT } from "../src/export/mod.ts";
import { cli, tempDir } from "./helpers/cli.ts";
import { writeReplay } from "./helpers/replay.ts";

const FIXTURES = new URL("./fixtures/export/", import.meta.url);
const HOSTILE: string[] = JSON.parse(
  Deno.readTextFileSync(new URL("hostile_names.json", FIXTURES)),
);
const UPDATE = Deno.env.get("UPDATE_FIXTURES") === "1";

interface ExportRun {
  code: number;
  stdout: string;
  stderr: string;
}

interface RunOptions {
  /** Pretend stderr is a terminal; status lines are collected in `status`. */
  terminal?: boolean;
  /** Replaces the captured stdout. */
  stdout?: ByteWriter;
}

/** `piwardrive <args>` with only the export command, stdout captured as bytes. */
function run(...args: string[]): Promise<ExportRun> {
  return runWith({}, ...args);
}

async function runWith(
  options: RunOptions,
  ...args: string[]
): Promise<ExportRun & { status: string[] }> {
  const err: string[] = [];
  const status: string[] = [];
  const chunks: Uint8Array[] = [];
  const io: Io = {
    out: (t) => err.push(`unexpected io.out: ${t}`),
    err: (t) => err.push(t),
    status: (line) => status.push(line),
    isTerminal: options.terminal ?? false,
  };
  const program = new Command("piwardrive").option("--db <path>").exitOverride().configureOutput({
    writeOut: (s) => io.out(s.replace(/\n$/, "")),
    writeErr: (s) => io.err(s.replace(/\n$/, "")),
    outputError: (s, write) => write(`piwardrive: ${s.replace(/^error: /, "").trim()}\n`),
  });
  const stdout = options.stdout ?? {
    write: (bytes: Uint8Array) => {
      chunks.push(bytes.slice());
      return Promise.resolve(bytes.length);
    },
  };
  program.addCommand(
    exportCommand(io, () => program.opts(), { stdout }).exitOverride().configureOutput(
      program.configureOutput(),
    ),
  );
  let code: number = ExitCode.ok;
  try {
    await program.parseAsync(args, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) code = ExitCode.usage;
    else if (error instanceof PiwardriveError) {
      io.err(`piwardrive: ${error.message}`);
      code = error.exitCode;
    } else throw error;
  }
  const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  chunks.reduce((at, c) => (bytes.set(c, at), at + c.length), 0);
  return {
    code,
    stdout: new TextDecoder().decode(bytes),
    stderr: err.map((l) => l + "\n").join(""),
    status,
  };
}

const hex = (i: number) => i.toString(16).padStart(2, "0");
/** Rounded so the fixtures read 52.502, not 52.502000000000001. */
const deg = (value: number) => Number(value.toFixed(6));
const DAY1 = (min: number) => `2024-06-01T10:${String(min).padStart(2, "0")}:00.000Z`;
const DAY2 = (min: number) => `2024-06-02T10:${String(min).padStart(2, "0")}:00.000Z`;
const ENCRYPTIONS = [
  "WPA2-PSK",
  "WPA3-SAE/WPA2-PSK",
  "WPA2-EAP",
  "WPA3-OWE",
  "WEP",
  "Open",
  null,
  "WPA-PSK",
];
const HOME = { lat: 48.1, lon: 11.5 };
/** 150 m north of HOME: outside a 100 m zone, inside a 200 m one. */
const NEIGHBOUR = { lat: 48.101349, lon: 11.5 };

/**
 * A migrated database: a network and a Bluetooth device per hostile name (two sightings each
 * network, day 1 and day 2; one each device, day 1), a network at (0,0), one without position,
 * one at HOME and one at NEIGHBOUR, and a track: no-fix reports, ten fixes with the fifth at
 * HOME (a segment, or two when HOME is excluded), a lone fix between one-hour gaps (dropped: a
 * segment needs two points), then a segment of two.
 */
async function hostileDb(dir: string): Promise<string> {
  const path = `${dir}/hostile.db`;
  const migrated = await cli("--db", path, "migrate");
  assert.equal(migrated.code, 0, migrated.stderr);
  const db = new DatabaseSync(path);
  const network = db.prepare(
    `INSERT INTO wifi_networks (bssid, ssid, frequency, signal_strength, encryption, channel,
       first_seen, last_seen, gps_lat, gps_lon, gps_accuracy) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const sighting = db.prepare(
    `INSERT INTO wifi_sightings (network_id, seen_at, ssid, frequency, channel, signal_dbm,
       gps_lat, gps_lon, gps_alt, gps_accuracy) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const addNetwork = (
    i: number,
    bssid: string,
    ssid: string,
    at: { lat: number; lon: number } | null,
    accuracy: number | null,
  ) => {
    const [freq, channel] = i % 2 ? [5180, 36] : [2437, 6];
    const id = network.run(
      bssid,
      ssid,
      freq,
      -40 - i,
      ENCRYPTIONS[i % ENCRYPTIONS.length],
      channel,
      DAY1(i),
      DAY2(i),
      at?.lat ?? null,
      at?.lon ?? null,
      accuracy,
    ).lastInsertRowid;
    sighting.run(
      id,
      DAY1(i),
      ssid,
      freq,
      channel,
      -40.5 - i,
      at?.lat ?? null,
      at?.lon ?? null,
      34.5,
      accuracy,
    );
    sighting.run(
      id,
      DAY2(i),
      ssid,
      freq,
      channel,
      -41 - i,
      at?.lat ?? null,
      at?.lon ?? null,
      null,
      accuracy,
    );
  };
  HOSTILE.forEach((name, i) =>
    addNetwork(i, `02:00:00:00:00:${hex(i)}`, name, {
      lat: deg(52.5 + i / 1000),
      lon: deg(13.4 + i / 1000),
    }, i === 3 ? null : 4.5)
  );
  addNetwork(20, "02:00:00:00:01:00", "zero-island", { lat: 0, lon: 0 }, 5);
  addNetwork(21, "02:00:00:00:01:01", "nowhere", null, null);
  addNetwork(22, "02:00:00:00:01:02", "home-net", HOME, 3);
  addNetwork(23, "02:00:00:00:01:03", "neighbour-net", NEIGHBOUR, 3);

  const device = db.prepare(
    `INSERT INTO bluetooth_devices (address, name, device_type, rssi, manufacturer, first_seen,
       last_seen, gps_lat, gps_lon, gps_accuracy) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const btSighting = db.prepare(
    `INSERT INTO bluetooth_sightings (device_id, seen_at, name, rssi_dbm, gps_lat, gps_lon,
       gps_alt, gps_accuracy) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const addDevice = (
    i: number,
    address: string,
    name: string,
    at: { lat: number; lon: number } | null,
  ) => {
    const id = device.run(
      address,
      name,
      i % 2 === 0 ? "LE" : null,
      -60 - i,
      i === 0 ? "0x004c" : null,
      DAY1(i),
      DAY1(i),
      at?.lat ?? null,
      at?.lon ?? null,
      6,
    ).lastInsertRowid;
    btSighting.run(id, DAY1(i), name, -60 - i, at?.lat ?? null, at?.lon ?? null, null, 6);
  };
  HOSTILE.forEach((name, i) =>
    addDevice(i, `AA:00:00:00:00:${hex(i)}`, name, { lat: deg(52.6 + i / 1000), lon: 13.5 })
  );
  addDevice(21, "AA:00:00:00:01:01", "bt-nowhere", null);

  const fix = db.prepare(
    `INSERT INTO gps_track (system_time, gps_time, gps_time_plausible, mode, lat, lon, alt_m,
       accuracy_m, speed_mps) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const t = (h: number, m: number, s: number) =>
    `2024-06-01T${[h, m, s].map((n) => String(n).padStart(2, "0")).join(":")}.000Z`;
  for (let s = 0; s < 3; s++) fix.run(t(9, 59, 50 + s), null, 0, 1, null, null, null, null, null);
  for (let s = 0; s < 5; s++) {
    fix.run(t(10, 0, s), t(10, 0, s), 1, 3, deg(48.2 + s / 1e4), 11.6, 500 + s, 4, 10);
  }
  fix.run(t(10, 0, 5), t(10, 0, 5), 1, 3, HOME.lat, HOME.lon, 500, 4, 10);
  for (let s = 6; s < 10; s++) {
    fix.run(t(10, 0, s), null, 0, 2, deg(48.3 + s / 1e4), 11.6, null, 9, 10);
  }
  fix.run(t(11, 0, 0), null, 0, 2, 48.4, 11.6, null, 9, 0);
  fix.run(t(13, 0, 0), null, 0, 2, 48.5, 11.6, null, 9, 0);
  fix.run(t(13, 0, 1), null, 0, 2, 1.5e-7, 11.6, null, 9, 0);
  db.close();
  return path;
}

/** Compares `text` with a fixture (or rewrites it with UPDATE_FIXTURES=1). */
function assertFixture(name: string, text: string): void {
  const url = new URL(name, FIXTURES);
  if (UPDATE) Deno.writeTextFileSync(url, text);
  assert.equal(text, Deno.readTextFileSync(url), `fixture ${name}`);
}

function summary(stderr: string): Record<string, unknown> {
  return JSON.parse(stderr.trim().split("\n").at(-1)!);
}

const csvRows = (text: string, fromLine = 1): Record<string, string>[] =>
  parseCsv(text, { columns: true, from_line: fromLine, relax_column_count: false });

async function xmllint(path: string): Promise<void> {
  const result = await new Deno.Command("xmllint", { args: ["--noout", path], stderr: "piped" })
    .output();
  assert.equal(result.code, 0, new TextDecoder().decode(result.stderr));
}

const xml = new XMLParser({
  ignoreAttributes: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  htmlEntities: true,
  isArray: (name) => ["Folder", "Placemark", "Data", "wpt", "trkseg", "trkpt"].includes(name),
});

/** What an XML 1.0 document can carry of `text` (the documented replacement). */
// deno-lint-ignore no-control-regex -- exactly the characters XML 1.0 cannot carry
const inXml = (text: string) => text.replace(/[\0-\x08\x0b\x0c\x0e-\x1f]/g, XML_REPLACEMENT);

Deno.test("wigle: the 1.6 header lines, raw SSIDs, one row per positioned sighting, counts", async () => {
  using dir = tempDir();
  const db = await hostileDb(dir.path);
  const result = await run("--db", db, "export", "--format", "wigle", "--json");
  assert.equal(result.code, 0, result.stderr);
  const [line1, line2] = result.stdout.split("\n");
  assert.equal(line1, wiglePreHeader(wigleDevice()));
  assert.match(
    line1,
    /^WigleWifi-1\.6,appRelease=piwardrive-\d+\.\d+\.\d+,model=[^,]*,release=[^,]*,device=piwardrive,display=,board=,brand=,star=Sol,body=3,subBody=0$/,
  );
  assert.equal(line2, WIGLE_HEADER);
  assertFixture("hostile.wigle.csv", result.stdout.slice(line1.length + 1));
  const rows = csvRows(result.stdout, 2);
  assert.deepEqual(Object.keys(rows[0]), WIGLE_HEADER.split(","));
  // 13 hostile + home + neighbour networks × 2 sightings, 13 devices × 1.
  assert.equal(rows.length, 43);
  const wifi = rows.filter((r) => r.Type === "WIFI");
  for (const name of HOSTILE) {
    assert.equal(wifi.filter((r) => r.SSID === name).length, 2, JSON.stringify(name));
    assert.equal(rows.filter((r) => r.Type !== "WIFI" && r.SSID === name).length, 1);
  }
  assert.ok(
    rows.every((r) => !(Number(r.CurrentLatitude) === 0 && Number(r.CurrentLongitude) === 0)),
  );
  assert.ok(rows.every((r) => Number(r.AccuracyMeters) > 0));
  assert.ok(rows.every((r) => /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(r.FirstSeen)));
  assert.ok(!rows.some((r) => ["zero-island", "nowhere", "bt-nowhere"].includes(r.SSID)));
  const first = wifi.find((r) => r.SSID === HOSTILE[1] && r.FirstSeen === "2024-06-01 10:01:00")!;
  assert.deepEqual(first, {
    MAC: "02:00:00:00:00:01",
    SSID: "comma,here",
    AuthMode: "[WPA3-SAE-CCMP][WPA2-PSK-CCMP][ESS]",
    FirstSeen: "2024-06-01 10:01:00",
    Channel: "36",
    Frequency: "5180",
    RSSI: "-41", // -41.5 dBm, rounded
    CurrentLatitude: "52.501",
    CurrentLongitude: "13.401",
    AltitudeMeters: "34.5",
    AccuracyMeters: "4.5",
    RCOIs: "",
    MfgrId: "",
    Type: "WIFI",
  });
  // The network with no accuracy gets the documented conservative 100 m.
  assert.deepEqual(wifi.filter((r) => r.SSID === HOSTILE[3]).map((r) => r.AccuracyMeters), [
    "100",
    "100",
  ]);
  const apple = rows.find((r) => r.MAC === "AA:00:00:00:00:00")!;
  assert.deepEqual([apple.AuthMode, apple.Type, apple.MfgrId, apple.Channel], [
    "Misc [LE]",
    "BLE",
    "76",
    "0",
  ]);
  const classic = rows.find((r) => r.MAC === "AA:00:00:00:00:01")!;
  assert.deepEqual([classic.AuthMode, classic.Type, classic.MfgrId], ["Misc [BT]", "BT", ""]);
  assert.deepEqual(summary(result.stderr), {
    format: "wigle",
    output: "-",
    rowsWritten: 43,
    skippedNoPosition: 5,
    skippedExcluded: 0,
    accuracyDefaulted: 2,
  });
});

Deno.test("wigle --best: one row per network and device, at its stored position", async () => {
  using dir = tempDir();
  const db = await hostileDb(dir.path);
  const result = await run("--db", db, "export", "--format", "wigle", "--best", "--json");
  assert.equal(result.code, 0, result.stderr);
  const rows = csvRows(result.stdout, 2);
  assert.equal(rows.length, 28);
  assert.equal(new Set(rows.map((r) => r.MAC)).size, 28);
  const home = rows.find((r) => r.SSID === "home-net")!;
  assert.deepEqual([home.CurrentLatitude, home.CurrentLongitude, home.RSSI], [
    "48.1",
    "11.5",
    "-62",
  ]);
  assert.equal(home.FirstSeen, "2024-06-01 10:22:00");
  assert.deepEqual(summary(result.stderr).skippedNoPosition, 3);
});

Deno.test("csv: RFC 4180 round trip, formula cells neutralised with a leading quote", async () => {
  using dir = tempDir();
  const db = await hostileDb(dir.path);
  const result = await run("--db", db, "export", "--format", "csv", "--type", "wifi");
  assert.equal(result.code, 0, result.stderr);
  assertFixture("hostile.csv", result.stdout);
  const rows = csvRows(result.stdout);
  assert.equal(rows.length, 30);
  assert.deepEqual(Object.keys(rows[0]), [
    "type",
    "id",
    "name",
    "encryption",
    "seen_at",
    "first_seen",
    "last_seen",
    "signal_dbm",
    "channel",
    "frequency_mhz",
    "lat",
    "lon",
    "alt_m",
    "accuracy_m",
  ]);
  for (const name of HOSTILE) {
    const expected = /^[=+\-@\t\r]/.test(name) ? `'${name}` : name;
    assert.equal(rows.filter((r) => r.name === expected).length, 2, JSON.stringify(name));
  }
  assert.deepEqual(
    rows.filter((r) => r.seen_at.startsWith("2024-06-01")).map((r) => r.name).slice(6, 10),
    [`'=HYPERLINK("http://x","y")`, "'+1", "'-2", "'@SUM(A1)"],
  );
  // Numbers are never prefixed: a negative RSSI stays a number.
  assert.ok(rows.every((r) => /^-\d+(\.5)?$/.test(r.signal_dbm)));
  assert.equal(rows.find((r) => r.name === HOSTILE[3])!.accuracy_m, "");
  assert.ok(!rows.some((r) => r.type !== "wifi"));
});

Deno.test("kml: well-formed (xmllint), folders by encryption, names back exactly, the track", async () => {
  using dir = tempDir();
  const db = await hostileDb(dir.path);
  const out = `${dir.path}/export.kml`;
  const result = await run("--db", db, "export", "--format", "kml", "-o", out, "--json");
  assert.equal(result.code, 0, result.stderr);
  await xmllint(out);
  const text = Deno.readTextFileSync(out);
  assertFixture("hostile.kml", text);
  const doc = xml.parse(text).kml.Document;
  const folders = doc.Folder as { name: string; Placemark: Record<string, unknown>[] }[];
  assert.deepEqual(folders.map((f) => f.name), [
    "WiFi WPA3",
    "WiFi WPA2",
    "WiFi WPA",
    "WiFi WEP",
    "WiFi Open",
    "WiFi unknown encryption",
    "Bluetooth",
    "GPS track",
  ]);
  const data = (p: Record<string, unknown>) =>
    Object.fromEntries(
      (p.ExtendedData as { Data: { "@_name": string; value: string }[] }).Data.map((
        d,
      ) => [d["@_name"], d.value]),
    );
  const wifi = folders.slice(0, 6).flatMap((f) => f.Placemark.map(data));
  assert.equal(wifi.length, 15);
  assert.deepEqual(
    wifi.filter((d) => d.bssid.startsWith("02:00:00:00:00:")).map((d) => d.ssid).sort(),
    HOSTILE.map(inXml).sort(),
  );
  const wpa3 = folders[0].Placemark.map(data);
  assert.ok(wpa3.every((d) => d.encryption.includes("WPA3")));
  const bluetooth = folders[6].Placemark.map(data);
  assert.deepEqual(bluetooth.map((d) => d.name).sort(), HOSTILE.map(inXml).sort());
  const point = folders[0].Placemark[0] as { Point: { coordinates: string } };
  assert.equal(point.Point.coordinates, "13.401,52.501");
  const track = folders[7].Placemark as { LineString: { coordinates: string } }[];
  assert.deepEqual(track.map((p) => p.LineString.coordinates.trim().split(/\s+/).length), [10, 2]);
  assert.equal(track[1].LineString.coordinates.trim().split(/\s+/)[1], "11.6,0.00000015");
  assert.deepEqual(summary(result.stderr), {
    format: "kml",
    output: out,
    rowsWritten: 28,
    skippedNoPosition: 3,
    skippedExcluded: 0,
    trackPointsWritten: 12,
    trackPointsExcluded: 0,
  });
});

Deno.test("gpx: well-formed, waypoints before the track, trkseg per segment with ele and time", async () => {
  using dir = tempDir();
  const db = await hostileDb(dir.path);
  const out = `${dir.path}/export.gpx`;
  const result = await run(
    "--db",
    db,
    "export",
    "--format",
    "gpx",
    "-o",
    out,
    "--exclude",
    `${HOME.lat},${HOME.lon},100`,
    "--json",
  );
  assert.equal(result.code, 0, result.stderr);
  await xmllint(out);
  const text = Deno.readTextFileSync(out);
  assertFixture("hostile.gpx", text);
  assert.ok(text.indexOf("<wpt ") < text.indexOf("<trk>"));
  const gpx = xml.parse(text).gpx;
  assert.equal(gpx["@_version"], "1.1");
  const names = (gpx.wpt as { name: string }[]).map((w) => w.name);
  assert.equal(names.length, 27);
  for (const name of HOSTILE) assert.equal(names.filter((n) => n === inXml(name)).length, 2);
  assert.ok(!names.includes("home-net") && names.includes("neighbour-net"));
  const segments = gpx.trk.trkseg as { trkpt: Record<string, string>[] }[];
  assert.deepEqual(segments.map((s) => s.trkpt.length), [5, 4, 2]);
  assert.deepEqual(segments[0].trkpt[0], {
    "@_lat": "48.2",
    "@_lon": "11.6",
    ele: "500",
    time: "2024-06-01T10:00:00.000Z",
  });
  assert.equal(segments[1].trkpt[0].ele, undefined);
  assert.deepEqual(summary(result.stderr), {
    format: "gpx",
    output: out,
    rowsWritten: 27,
    skippedNoPosition: 3,
    skippedExcluded: 1,
    trackPointsWritten: 11,
    trackPointsExcluded: 1,
  });
});

Deno.test("geojson: valid RFC 7946, [lon, lat], properties back exactly, track LineStrings", async () => {
  using dir = tempDir();
  const db = await hostileDb(dir.path);
  const result = await run("--db", db, "export", "--format", "geojson", "-o", "-");
  assert.equal(result.code, 0, result.stderr);
  assertFixture("hostile.geojson", result.stdout);
  const collection = checkGeojson(result.stdout) as {
    type: string;
    features: {
      geometry: { type: string; coordinates: number[] | number[][] };
      properties: Record<string, unknown>;
    }[];
  };
  assert.equal(collection.type, "FeatureCollection");
  assert.deepEqual(JSON.parse(result.stdout), collection);
  const points = collection.features.filter((f) => f.geometry.type === "Point");
  assert.equal(points.length, 28);
  const wifi = points.filter((f) => f.properties.type === "wifi");
  assert.deepEqual(wifi.slice(0, HOSTILE.length).map((f) => f.properties.ssid), HOSTILE);
  assert.deepEqual(wifi[1].geometry.coordinates, [13.401, 52.501]);
  assert.deepEqual(wifi[1].properties, {
    type: "wifi",
    bssid: "02:00:00:00:00:01",
    ssid: "comma,here",
    encryption: "WPA3-SAE/WPA2-PSK",
    signal_dbm: -41,
    channel: 36,
    frequency_mhz: 5180,
    first_seen: "2024-06-01T10:01:00.000Z",
    last_seen: "2024-06-02T10:01:00.000Z",
    accuracy_m: 4.5,
  });
  const bt = points.filter((f) => f.properties.type === "bluetooth");
  assert.deepEqual(bt.map((f) => f.properties.name), HOSTILE);
  const tracks = collection.features.filter((f) => f.geometry.type === "LineString");
  assert.deepEqual(tracks.map((f) => f.properties), [
    {
      type: "track",
      start: "2024-06-01T10:00:00.000Z",
      end: "2024-06-01T10:00:09.000Z",
      points: 10,
    },
    {
      type: "track",
      start: "2024-06-01T13:00:00.000Z",
      end: "2024-06-01T13:00:01.000Z",
      points: 2,
    },
  ]);
  assert.deepEqual(tracks[0].geometry.coordinates[0], [11.6, 48.2]);
  assert.match(
    result.stderr,
    /^exported 28 rows as geojson to stdout; 3 skipped without position, 0 inside exclusion zones, track: 12 points, 0 excluded\n$/,
  );
});

Deno.test("--since/--until: sightings by time, half-open; networks by the span they were seen", async () => {
  using dir = tempDir();
  const db = await hostileDb(dir.path);
  const day2 = await run(
    "--db",
    db,
    "export",
    "--format",
    "csv",
    "--since",
    "2024-06-02",
    "--json",
  );
  assert.equal(day2.code, 0, day2.stderr);
  const rows2 = csvRows(day2.stdout);
  assert.equal(rows2.length, 15);
  assert.ok(rows2.every((r) => r.seen_at.startsWith("2024-06-02") && r.type === "wifi"));
  assert.equal(summary(day2.stderr).skippedNoPosition, 2);
  const day1 = await run(
    "--db",
    db,
    "export",
    "--format",
    "csv",
    "--since",
    "2024-06-01T12:00:00+02:00",
    "--until",
    "2024-06-01T10:05",
  );
  assert.equal(day1.code, 0, day1.stderr);
  assert.deepEqual(
    csvRows(day1.stdout).map((r) => `${r.type} ${r.seen_at}`),
    [0, 1, 2, 3, 4].map((m) => `wifi ${DAY1(m)}`).concat(
      [0, 1, 2, 3, 4].map((m) => `bluetooth ${DAY1(m)}`),
    ),
  );
  const before = await run(
    "--db",
    db,
    "export",
    "--format",
    "geojson",
    "--until",
    "2024-06-01T10:03Z",
  );
  const features = JSON.parse(before.stdout).features as { properties: { type: string } }[];
  assert.equal(features.filter((f) => f.properties.type !== "track").length, 6);
  assert.deepEqual(
    features.filter((f) => f.properties.type === "track").map((f) => f.properties),
    [{
      type: "track",
      start: "2024-06-01T10:00:00.000Z",
      end: "2024-06-01T10:00:09.000Z",
      points: 10,
    }],
  );
});

Deno.test("--exclude: drops rows within the radius (haversine), keeps those just outside", async () => {
  using dir = tempDir();
  const db = await hostileDb(dir.path);
  const zone = `${HOME.lat},${HOME.lon}`;
  const near = await run(
    "--db",
    db,
    "export",
    "--format",
    "wigle",
    "--exclude",
    `${zone},100`,
    "--json",
  );
  const names = csvRows(near.stdout, 2).map((r) => r.SSID);
  assert.ok(!names.includes("home-net") && names.includes("neighbour-net"));
  assert.equal(summary(near.stderr).skippedExcluded, 2);
  const wide = await run(
    "--db",
    db,
    "export",
    "--format",
    "wigle",
    "--exclude",
    "0,0,1",
    "--exclude",
    `${zone},200`,
    "--json",
  );
  const wideNames = csvRows(wide.stdout, 2).map((r) => r.SSID);
  assert.ok(!wideNames.includes("home-net") && !wideNames.includes("neighbour-net"));
  assert.deepEqual(summary(wide.stderr).skippedExcluded, 4);
});

Deno.test("-o FILE: complete file, mode 0600, no temporary left; refuses to replace without --force", async () => {
  using dir = tempDir();
  const db = await hostileDb(dir.path);
  const out = `${dir.path}/drive.csv`;
  const first = await run("--db", db, "export", "--format", "csv", "-o", out);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.stdout, "");
  assert.equal(Deno.statSync(out).mode! & 0o777, 0o600);
  const written = Deno.readTextFileSync(out);
  const again = await run("--db", db, "export", "--format", "wigle", "-o", out);
  assert.equal(again.code, ExitCode.runtime);
  assert.equal(
    again.stderr,
    `piwardrive: Output file "${out}" exists: use --force to replace it\n`,
  );
  assert.equal(Deno.readTextFileSync(out), written);
  const forced = await run("--db", db, "export", "--format", "wigle", "-o", out, "--force");
  assert.equal(forced.code, 0, forced.stderr);
  assert.ok(Deno.readTextFileSync(out).startsWith("WigleWifi-1.6,"));
  assert.deepEqual([...Deno.readDirSync(dir.path)].filter((e) => e.name.includes(".tmp-")), []);
  const itself = await run("--db", db, "export", "--format", "csv", "-o", db, "--force");
  assert.deepEqual([itself.code, itself.stderr], [
    ExitCode.usage,
    `piwardrive: Output "${db}" is the database itself: give another file\n`,
  ]);
  const missingDir = await run(
    "--db",
    db,
    "export",
    "--format",
    "csv",
    "-o",
    `${dir.path}/no/such.csv`,
  );
  assert.equal(missingDir.code, ExitCode.runtime);
  assert.equal(missingDir.stderr.split("\n").length, 2);
});

Deno.test("bad invocations: one line each, exit 2 (usage) or 1", async () => {
  using dir = tempDir();
  const db = await hostileDb(dir.path);
  const cases: [string[], number, RegExp][] = [
    [
      ["--format", "shp"],
      2,
      /argument 'shp' is invalid\. Allowed choices are wigle, kml, geojson, gpx, csv/,
    ],
    [[], 2, /required option '--format <format>' not specified/],
    [
      ["--format", "csv", "--since", "yesterday"],
      2,
      /'yesterday' is invalid\. Expected an ISO-8601 date/,
    ],
    [
      ["--format", "csv", "--since", "2024-02-30"],
      2,
      /'2024-02-30' is invalid\. No such date or time/,
    ],
    [["--format", "csv", "--until", "2024-06-01T25:00"], 2, /No such date or time/],
    [
      ["--format", "csv", "--since", "2024-06-02", "--until", "2024-06-01"],
      2,
      /is not before --until/,
    ],
    [
      ["--format", "csv", "--exclude", "52.5,13.4"],
      2,
      /'52\.5,13\.4' is invalid\. Expected LAT,LON,RADIUS_M/,
    ],
    [
      ["--format", "csv", "--exclude", "91,13.4,10"],
      2,
      /Latitude 91 must be a finite number of degrees within -90\.\.90\.?$/m,
    ],
    [
      ["--format", "csv", "--exclude", "NaN,13.4,10"],
      2,
      /Latitude NaN must be a finite number of degrees within -90\.\.90\.?$/m,
    ],
    [
      ["--format", "csv", "--exclude", "52,-Infinity,10"],
      2,
      /Longitude -Infinity must be a finite number of degrees within -180\.\.180\.?$/m,
    ],
    [
      ["--format", "csv", "--exclude", "52,1e309,10"],
      2,
      /Longitude 1e309 must be a finite number of degrees within -180\.\.180\.?$/m,
    ],
    ...["-5", "0", "1e309", "NaN", "Infinity", "20000001"].map((
      radius,
    ): [string[], number, RegExp] => [
      ["--format", "csv", "--exclude", `52.2,0.12,${radius}`],
      2,
      new RegExp(
        `Radius ${radius} must be a finite number of metres, more than 0 and at most 20000000 \\(20,000 km\\)\\.?$`,
        "m",
      ),
    ]),
    [["--format", "csv", "--exclude", "52,13,abc"], 2, /Expected LAT,LON,RADIUS_M/],
    [
      ["--format", "csv", "--type", "gsm"],
      2,
      /Expected wifi, bluetooth or wifi,bluetooth, got "gsm"/,
    ],
  ];
  for (const [args, code, message] of cases) {
    const result = await run("--db", db, "export", ...args);
    assert.equal(result.code, code, `${args.join(" ")}: ${result.stderr}`);
    assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
    assert.match(result.stderr, /^piwardrive: /);
    assert.match(result.stderr, message);
    assert.equal(result.stdout, "");
  }
  const noDb = await run("--db", `${dir.path}/none.db`, "export", "--format", "csv");
  assert.equal(noDb.code, ExitCode.runtime);
  assert.match(noDb.stderr, /^piwardrive: Cannot open database .*no such file/);
});

Deno.test("a collected drive exports in every format that its parsers accept", async () => {
  using dir = tempDir();
  writeReplay(`${dir.path}/drive`, 8);
  const db = `${dir.path}/c.db`;
  const collected = await cli("--db", db, "collect", "--replay", `${dir.path}/drive`, "--quiet");
  assert.equal(collected.code, 0, collected.stderr);
  const wigle = await run("--db", db, "export", "--format", "wigle");
  assert.equal(wigle.code, 0, wigle.stderr);
  const rows = csvRows(wigle.stdout, 2);
  assert.ok(rows.length > 0);
  const cafe = rows.find((r) => r.MAC === "3c:84:6a:a1:b2:c4")!;
  assert.equal(cafe.SSID, "Café ☕");
  assert.equal(cafe.AuthMode, "[WPA3-SAE-CCMP][WPA2-PSK-CCMP][ESS]");
  for (const format of ["kml", "gpx"]) {
    const out = `${dir.path}/drive.${format}`;
    const result = await run("--db", db, "export", "--format", format, "-o", out);
    assert.equal(result.code, 0, result.stderr);
    await xmllint(out);
  }
  const geojson = await run("--db", db, "export", "--format", "geojson");
  const collection = checkGeojson(geojson.stdout) as { features: { geometry: { type: string } }[] };
  assert.ok(collection.features.some((f) => f.geometry.type === "LineString"));
});

Deno.test("progress only on a terminal, cleared before the summary; write errors are one line", async () => {
  using dir = tempDir();
  const path = await hostileDb(dir.path);
  const db = new DatabaseSync(path);
  const add = db.prepare(
    "INSERT INTO wifi_sightings (network_id, seen_at, signal_dbm, gps_lat, gps_lon) VALUES (1, ?, -50, 52.5, 13.4)",
  );
  db.exec("BEGIN");
  for (let i = 0; i < 5000; i++) add.run(new Date(Date.UTC(2024, 5, 3, 0, 0, i)).toISOString());
  db.exec("COMMIT");
  db.close();
  const live = await runWith({ terminal: true }, "--db", path, "export", "--format", "csv");
  assert.equal(live.code, 0, live.stderr);
  assert.match(live.status[0], /^exporting: \d+ written, \d+ without position, 0 excluded/);
  assert.equal(live.status.at(-1), "");
  assert.match(live.stderr, /^exported 5043 rows as csv to stdout; 5 skipped without position/);
  const quiet = await runWith(
    { terminal: true },
    "--db",
    path,
    "export",
    "--format",
    "csv",
    "--quiet",
  );
  assert.deepEqual([quiet.status, quiet.stderr], [[], ""]);
  const piped = await runWith({}, "--db", path, "export", "--format", "csv");
  assert.deepEqual(piped.status, []);
  const closed = await runWith(
    {
      stdout: { write: () => Promise.reject(new Deno.errors.BrokenPipe("Broken pipe")) },
    },
    "--db",
    path,
    "export",
    "--format",
    "csv",
  );
  // A reader that stops early (`| head`) is a normal end: exit 0, no error and no summary.
  assert.deepEqual([closed.code, closed.stderr], [ExitCode.ok, ""]);
  const failing = await runWith(
    { stdout: { write: () => Promise.reject(new Deno.errors.PermissionDenied("Not permitted")) } },
    "--db",
    path,
    "export",
    "--format",
    "csv",
  );
  assert.deepEqual([failing.code, failing.stderr], [
    ExitCode.runtime,
    "piwardrive: Cannot write the export: Not permitted\n",
  ]);
});

Deno.test("export writes blocks of 64 KB: long chunks and characters across block ends arrive whole", async () => {
  using dir = tempDir();
  const path = `${dir.path}/long.db`;
  const migrated = await cli("--db", path, "migrate");
  assert.equal(migrated.code, 0, migrated.stderr);
  const db = new DatabaseSync(path);
  // Five times a block in one record, with 2- and 4-byte characters (a surrogate pair in JS).
  const long = 'é📡,"x'.repeat(40_000);
  db.prepare("INSERT INTO wifi_networks (bssid, ssid) VALUES ('02:00:00:00:00:01', 'short')").run();
  const sighting = db.prepare(
    "INSERT INTO wifi_sightings (network_id, seen_at, ssid, gps_lat, gps_lon) VALUES (1, ?, ?, 52.5, 13.4)",
  );
  for (let i = 0; i < 900; i++) sighting.run(DAY1(0), null); // in id order, ties on time
  for (const i of [0, 1, 450, 899]) {
    db.prepare("UPDATE wifi_sightings SET ssid = ? WHERE id = ?").run(long + i, i + 1);
  }
  db.close();
  const capture = (most: number) => {
    const writes: Uint8Array[] = [];
    const stdout: ByteWriter = {
      write: (bytes) => {
        // A copy: the writer's block is reused once the write resolves.
        writes.push(bytes.slice(0, most));
        return Promise.resolve(Math.min(most, bytes.length));
      },
    };
    return { writes, stdout };
  };
  const whole = capture(Infinity);
  const result = await runWith(
    { stdout: whole.stdout },
    "--db",
    path,
    "export",
    "--format",
    "wigle",
  );
  assert.equal(result.code, 0, result.stderr);
  const sizes = whole.writes.map((w) => w.length);
  assert(sizes.slice(0, -1).every((n) => n > 65536 - 4 && n <= 65536), `${sizes}`);
  assert(sizes.at(-1)! <= 65536);
  const text = new TextDecoder("utf-8", { fatal: true }).decode(concat(whole.writes));
  const names = csvRows(text, 2).map((r) => r.SSID);
  assert.equal(names.length, 900);
  assert.deepEqual(
    names.map((n, i) => n === long + i),
    names.map((_, i) => [0, 1, 450, 899].includes(i)),
  );
  // A writer taking a few bytes at a time gets the same bytes.
  const trickle = capture(1000);
  await runWith({ stdout: trickle.stdout }, "--db", path, "export", "--format", "wigle");
  assert.deepEqual(concat(trickle.writes), concat(whole.writes));
});

function concat(parts: Uint8Array[]): Uint8Array {
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (bytes.set(p, at), at + p.length), 0);
  return bytes;
}
