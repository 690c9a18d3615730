import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { embeddedMigrations, runMigrate } from "../migrate/mod.ts";
import type { ExportFilter } from "./filters.ts";
import { ExportSource } from "./source.ts";

/** A migrated database in a temporary folder, closed and removed by the disposer. */
async function migratedDb() {
  const dir = Deno.makeTempDirSync({ prefix: "piwardrive-export-" });
  const dbPath = `${dir}/q.db`;
  await runMigrate({ dbPath, migrations: embeddedMigrations(), backup: false });
  const db = new DatabaseSync(dbPath);
  return {
    db,
    [Symbol.dispose]: () => {
      db.close();
      Deno.removeSync(dir, { recursive: true });
    },
  };
}

const ALL: ExportFilter = {
  kinds: ["wifi", "bluetooth"],
  since: null,
  until: null,
  exclusions: [],
};

Deno.test("ExportSource.points: skips and counts rows without a usable position", async () => {
  using m = await migratedDb();
  const add = m.db.prepare(
    `INSERT INTO wifi_networks (bssid, ssid, encryption, first_seen, last_seen, gps_lat, gps_lon)
     VALUES (?, ?, 'WPA2-PSK', '2024-06-01T10:00:00.000Z', '2024-06-03T10:00:00.000Z', ?, ?)`,
  );
  add.run("02:00:00:00:00:01", "ok", 52.5, 13.4);
  add.run("02:00:00:00:00:02", "zero", 0, 0);
  add.run("02:00:00:00:00:03", "no-lat", null, 13.4);
  add.run("02:00:00:00:00:04", "out-of-range", 91, 13.4);
  add.run("02:00:00:00:00:05", "equator", 0, 13.4);
  add.run("02:00:00:00:00:06", "nul\0in\0name", 1, 1);
  m.db.prepare(
    "INSERT INTO wifi_networks (bssid, ssid, gps_lat, gps_lon) VALUES ('02:00:00:00:00:07', CAST(x'61ff62' AS TEXT), 2, 2)",
  ).run();
  const source = new ExportSource(m.db, ALL);
  const points = [...source.points({ best: true })];
  assert.deepEqual(points.map((p) => p.name), ["ok", "equator", "nul\0in\0name", "a\uFFFDb"]);
  assert.deepEqual({ ...points[0] }, {
    kind: "wifi",
    id: "02:00:00:00:00:01",
    name: "ok",
    encryption: "WPA2-PSK",
    deviceType: null,
    manufacturer: null,
    seenAt: null,
    firstSeen: "2024-06-01T10:00:00.000Z",
    lastSeen: "2024-06-03T10:00:00.000Z",
    signalDbm: null,
    channel: null,
    freqMhz: null,
    lat: 52.5,
    lon: 13.4,
    altM: null,
    accuracyM: null,
  });
  assert.deepEqual(source.counts, {
    written: 4,
    noPosition: 3,
    excluded: 0,
    trackPoints: 0,
    trackExcluded: 0,
  });
  // A best row is in a window when the span it was seen in meets it.
  const window = (since: string | null, until: string | null) =>
    [...new ExportSource(m.db, { ...ALL, since, until }).points({ best: true })]
      .filter((p) => p.name === "ok").length;
  assert.equal(window("2024-06-02T00:00:00.000Z", "2024-06-02T01:00:00.000Z"), 1);
  assert.equal(window("2024-06-03T10:00:00.001Z", null), 0);
  assert.equal(window(null, "2024-06-01T10:00:00.000Z"), 0);
  assert.equal(window(null, "2024-06-01T10:00:00.001Z"), 1);
  // KML folders: one encryption type, or the unknown ones.
  assert.deepEqual(
    [...new ExportSource(m.db, ALL).points({ best: true, encryptionType: null })].map((p) =>
      p.name
    ),
    ["a\uFFFDb"],
  );
});

Deno.test("ExportSource.track: 2D/3D fixes in segments broken by zones and 10-minute gaps", async () => {
  using m = await migratedDb();
  const fix = m.db.prepare(
    "INSERT INTO gps_track (system_time, gps_time, gps_time_plausible, mode, lat, lon, alt_m) VALUES (?, ?, ?, ?, ?, ?, ?)",
  );
  const at = (min: number, s = 0) => new Date(Date.UTC(2024, 5, 1, 10, min, s)).toISOString();
  fix.run(at(0), null, 0, 1, null, null, null); // no fix
  fix.run(at(0, 1), "2024-06-01T10:00:01.500Z", 1, 3, 10, 10, 5); // GPS time believed
  fix.run(at(0, 2), "2034-06-01T10:00:02.000Z", 0, 3, 10.001, 10, 5); // not believed
  fix.run(at(0, 3), null, 0, 2, 50, 50, null); // inside the zone: breaks the segment
  fix.run(at(0, 4), null, 0, 2, 10.002, 10, null); // lone between the zone and a gap: dropped
  fix.run(at(20), null, 0, 2, 10.003, 10, null);
  fix.run(at(29), null, 0, 2, 10.004, 10, null); // 9 minutes later: same segment
  fix.run(at(30), null, 0, 2, 0, 0, null); // (0,0): no fix, breaks the segment
  fix.run(at(31), null, 0, 2, 10.005, 10, null); // lone at the end: dropped
  const source = new ExportSource(m.db, {
    ...ALL,
    exclusions: [{ lat: 50, lon: 50, radiusM: 10 }],
  });
  const track = [...source.track()];
  assert.deepEqual(track.map((t) => [t.time, t.lat, t.newSegment]), [
    ["2024-06-01T10:00:01.500Z", 10, true],
    [at(0, 2), 10.001, false],
    [at(20), 10.003, true],
    [at(29), 10.004, false],
  ]);
  assert.equal(track[0].altM, 5);
  assert.deepEqual([source.counts.trackPoints, source.counts.trackExcluded], [4, 1]);
  const windowed = new ExportSource(m.db, { ...ALL, since: at(20), until: at(30) });
  assert.deepEqual([...windowed.track()].map((t) => t.lat), [10.003, 10.004]);
});

Deno.test("ExportSource.points: sightings by time, filtered by kind and exclusion zone", async () => {
  using m = await migratedDb();
  const net = m.db.prepare("INSERT INTO wifi_networks (bssid, ssid) VALUES ('n', 'net')").run()
    .lastInsertRowid;
  const dev = m.db.prepare("INSERT INTO bluetooth_devices (address, name) VALUES ('d', 'dev')")
    .run().lastInsertRowid;
  const ws = m.db.prepare(
    "INSERT INTO wifi_sightings (network_id, seen_at, ssid, gps_lat, gps_lon) VALUES (?, ?, ?, ?, ?)",
  );
  ws.run(net, "2024-06-01T10:00:02.000Z", null, 1, 1); // name from the network
  ws.run(net, "2024-06-01T10:00:01.000Z", "renamed", 1, 1);
  ws.run(net, "2024-06-01T10:00:03.000Z", "home", 48.1, 11.5);
  m.db.prepare(
    "INSERT INTO bluetooth_sightings (device_id, seen_at, gps_lat, gps_lon) VALUES (?, ?, 2, 2)",
  ).run(dev, "2024-06-01T10:00:00.000Z");
  const home = [{ lat: 48.1, lon: 11.5, radiusM: 50 }];
  const source = new ExportSource(m.db, { ...ALL, exclusions: home });
  assert.deepEqual(
    [...source.points({ best: false })].map((p) => [p.kind, p.name, p.seenAt]),
    [
      ["wifi", "renamed", "2024-06-01T10:00:01.000Z"],
      ["wifi", "net", "2024-06-01T10:00:02.000Z"],
      ["bluetooth", "dev", "2024-06-01T10:00:00.000Z"],
    ],
  );
  assert.equal(source.counts.excluded, 1);
  const btOnly = new ExportSource(m.db, { ...ALL, kinds: ["bluetooth"] });
  assert.deepEqual([...btOnly.points({ best: false })].map((p) => p.id), ["d"]);
});

Deno.test("ExportSource pages through more rows than a page holds, ties on time included, each once in order", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    const path = `${dir}/p.db`;
    await runMigrate({ dbPath: path, migrations: embeddedMigrations(), backup: false });
    const db = new DatabaseSync(path);
    db.exec("INSERT INTO wifi_networks (bssid) VALUES ('00:11:22:33:44:55')");
    // 10,000 sightings, fifty per timestamp: pages end in the middle of a tie.
    db.exec(`WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < 9999)
      INSERT INTO wifi_sightings (network_id, seen_at, signal_dbm, gps_lat, gps_lon)
      SELECT 1, printf('2026-01-01T00:%02d:%02d.000Z', (i / 50) / 60 % 60, (i / 50) % 60), -50, 52, 0.1 FROM k`);
    const filter: ExportFilter = { kinds: ["wifi"], since: null, until: null, exclusions: [] };
    const seen = [...new ExportSource(db, filter).points({ best: false })].map((p) => p.seenAt);
    const expected = db.prepare("SELECT seen_at FROM wifi_sightings ORDER BY seen_at, id").all()
      .map((r) => r.seen_at);
    assert.equal(seen.length, 10_000);
    assert.deepEqual(seen, expected);
    db.close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("ExportSource pages best rows by id: more networks and devices than a page holds, each once", async () => {
  using m = await migratedDb();
  // BSSIDs run against the ids, so an order by BSSID would show.
  m.db.exec(`WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 1000)
    INSERT INTO wifi_networks (bssid, ssid, gps_lat, gps_lon)
    SELECT printf('02:00:00:00:%02x:%02x', (1000 - i) / 256, (1000 - i) % 256), 'n' || i,
      CASE WHEN i % 100 THEN 52 END, 13 FROM k`);
  m.db.exec(`WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 600)
    INSERT INTO bluetooth_devices (address, gps_lat, gps_lon)
    SELECT printf('AA:00:00:00:%02x:%02x', (600 - i) / 256, (600 - i) % 256), 48, 11 FROM k`);
  const source = new ExportSource(m.db, ALL);
  const ids = [...source.points({ best: true })].map((p) => p.id);
  const expected = m.db.prepare(
    `SELECT bssid AS id FROM wifi_networks WHERE gps_lat IS NOT NULL
     UNION ALL SELECT * FROM (SELECT address FROM bluetooth_devices ORDER BY id)`,
  ).all().map((r) => r.id);
  assert.equal(ids.length, 990 + 600);
  assert.deepEqual(ids, expected);
  assert.deepEqual([source.counts.written, source.counts.noPosition], [1590, 10]);
});

Deno.test("ExportSource.points: each sighting gets its own network's or device's fields and name", async () => {
  using m = await migratedDb();
  // 5,000 networks, more than are kept in memory: a network sighted again after many others
  // is read again. Sightings hop between networks, the first one every tenth time.
  m.db.exec(`WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 5000)
    INSERT INTO wifi_networks (bssid, ssid, encryption, first_seen, last_seen)
    SELECT printf('02:00:00:00:%02x:%02x', i / 256, i % 256),
      CASE i % 5 WHEN 0 THEN NULL WHEN 1 THEN 'nul' || char(0) || i ELSE 'net ' || i END,
      'WPA2-PSK', printf('2024-06-01T%02d:00:00.000Z', i % 24), '2024-06-02T00:00:00.000Z' FROM k`);
  m.db.exec(`WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < 11999)
    INSERT INTO wifi_sightings (network_id, seen_at, ssid, gps_lat, gps_lon)
    SELECT CASE WHEN i % 10 THEN 1 + (i * 7919) % 5000 ELSE 1 END,
      printf('2026-01-01T00:%02d:%02d.000Z', i / 60 % 60, i % 60), NULL, 52, 0.1 FROM k`);
  // A sighting's name: none (the network's), the network's, another, with NUL, bytes.
  m.db.exec(`UPDATE wifi_sightings SET ssid = CASE id % 5 WHEN 1 THEN NULL
    WHEN 2 THEN (SELECT ssid FROM wifi_networks WHERE id = network_id) WHEN 3 THEN 'other'
    WHEN 4 THEN 'x' || char(0) || 'y' ELSE x'61ff00' END`);
  m.db.exec(`INSERT INTO bluetooth_devices (address, name, device_type, manufacturer)
    VALUES ('AA:00:00:00:00:01', 'tag', 'LE', '76'), ('AA:00:00:00:00:02', NULL, NULL, NULL)`);
  m.db.exec(`INSERT INTO bluetooth_sightings (device_id, seen_at, name, gps_lat, gps_lon)
    VALUES (1, '2026-01-01T00:00:00.000Z', NULL, 1, 1), (2, '2026-01-01T00:00:01.000Z', 'x', 1, 1),
      (1, '2026-01-01T00:00:02.000Z', 'renamed', 1, 1), (1, '2026-01-01T00:00:03.000Z', 'tag', 1, 1)`);
  // What each point should say, read with one join per kind (bytes decoded as the export does).
  const text = (v: unknown) => v instanceof Uint8Array ? new TextDecoder().decode(v) : v;
  const NAME = (sql: string) =>
    `CASE WHEN instr(${sql}, char(0)) THEN CAST(${sql} AS BLOB) ELSE ${sql} END`;
  const expected = m.db.prepare(
    `SELECT * FROM (SELECT n.bssid AS id, ${NAME("coalesce(s.ssid, n.ssid)")} AS name,
       n.encryption AS encryption, NULL AS deviceType, NULL AS manufacturer,
       n.first_seen AS firstSeen, n.last_seen AS lastSeen FROM wifi_sightings AS s
       JOIN wifi_networks AS n ON n.id = s.network_id ORDER BY s.seen_at, s.id)
     UNION ALL SELECT * FROM (SELECT d.address, coalesce(s.name, d.name), NULL, d.device_type,
       d.manufacturer, d.first_seen, d.last_seen FROM bluetooth_sightings AS s
       JOIN bluetooth_devices AS d ON d.id = s.device_id ORDER BY s.seen_at, s.id)`,
  ).all().map((
    r,
  ) => [r.id, text(r.name), r.encryption, r.deviceType, r.manufacturer, r.firstSeen, r.lastSeen]);
  const points = [...new ExportSource(m.db, ALL).points({ best: false })];
  assert.equal(points.length, 12_004);
  points.forEach((p, i) =>
    assert.deepEqual(
      [p.id, p.name, p.encryption, p.deviceType, p.manufacturer, p.firstSeen, p.lastSeen],
      expected[i],
      `point ${i}`,
    )
  );
  assert(points.some((p) => p.name === "a\uFFFD\0"));
  assert(points.some((p) => p.name === "x\0y"));
});
