/** `collect --replay`: the whole loop and store, fed from recorded tool output. */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { cli, cliProcess, spawnCli, tempDir } from "./helpers/cli.ts";
import { writeReplay } from "./helpers/replay.ts";
// deno-lint-ignore no-import-prefix
import { parse as parseCsv } from "npm:csv-parse@7.0.3/sync";

const rows = (db: DatabaseSync, sql: string) => db.prepare(sql).all().map((r) => ({ ...r }));

Deno.test("collect --replay stores one row per network and device, every sighting, and the track", async () => {
  using dir = tempDir();
  writeReplay(`${dir.path}/drive`, 8);
  const path = `${dir.path}/c.db`;
  const result = await cli(
    "--db",
    path,
    "collect",
    "--replay",
    `${dir.path}/drive`,
    "--json",
    "--quiet",
  );
  assert.equal(result.code, 0, result.stderr);
  const ticks = result.stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(ticks.length, 8);
  assert.ok(ticks.every((t) => t.event === "tick" && t.committed === true));
  const db = new DatabaseSync(path, { readOnly: true });
  // The capture lists 10 BSSes, one BSSID twice (two channels): 9 networks, 10 sightings a tick.
  assert.deepEqual(rows(db, "SELECT count(*) AS n FROM wifi_networks"), [{ n: 9 }]);
  assert.deepEqual(rows(db, "SELECT count(*) AS n FROM wifi_sightings"), [{ n: 80 }]);
  assert.equal(ticks.reduce((sum, t) => sum + t.counts.wifi, 0), 80);
  assert.equal(ticks[0].counts.newWifi, 9);
  assert.equal(ticks[1].counts.newWifi, 0);
  // Positions only from a fix of mode 2 or 3: the recording starts without one.
  const firstFix = rows(db, "SELECT min(system_time) AS t FROM gps_track WHERE mode >= 2")[0]
    .t as string;
  assert.ok(firstFix);
  assert.deepEqual(
    rows(
      db,
      "SELECT count(*) AS n FROM wifi_sightings WHERE gps_lat IS NOT NULL AND seen_at < ?".replace(
        "?",
        `'${firstFix}'`,
      ),
    ),
    [{ n: 0 }],
  );
  const positioned = rows(
    db,
    "SELECT count(*) AS n FROM wifi_sightings WHERE gps_lat IS NOT NULL",
  )[0].n as number;
  assert.ok(positioned > 0 && positioned < 80, `positioned ${positioned}`);
  assert.deepEqual(
    rows(db, "SELECT count(*) AS n FROM gps_track WHERE mode < 2 AND lat IS NOT NULL"),
    [{ n: 0 }],
  );
  assert.deepEqual(
    rows(db, "SELECT count(*) AS n FROM gps_track WHERE mode < 3 AND alt_m IS NOT NULL"),
    [{ n: 0 }],
  );
  // Bluetooth: the recorded session's three devices, one nameless.
  assert.deepEqual(rows(db, "SELECT address, name, rssi FROM bluetooth_devices ORDER BY address"), [
    { address: "11:22:33:44:55:66", name: null, rssi: -71 },
    { address: "AA:BB:CC:DD:EE:FF", name: "My Phone", rssi: -48 },
    { address: "C0:FF:EE:00:00:01", name: 'Café ☕ "x" \'; DROP TABLE devices;--', rssi: -90 },
  ]);
  // Replays record no health (it would describe this machine, not the drive).
  assert.deepEqual(rows(db, "SELECT count(*) AS n FROM health_records"), [{ n: 0 }]);
  // What is stored per network: the strongest positioned sighting, first and last seen.
  const net = rows(db, "SELECT * FROM wifi_networks WHERE bssid = '3c:84:6a:a1:b2:c4'")[0];
  assert.equal(net.ssid, "Café ☕");
  assert.equal(net.encryption, "WPA3-SAE/WPA2-PSK");
  assert.equal(net.encryption_type, "WPA3");
  assert.ok((net.first_seen as string) < (net.last_seen as string));
  assert.match(net.first_seen as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.notEqual(net.gps_lat, null);
  // The recording has no time files: its ticks are timed by the receiver's clock.
  assert.deepEqual(rows(db, "SELECT DISTINCT clock FROM wifi_sightings"), [{ clock: "gps" }]);
  db.close();
  assert.equal((await cli("--db", path, "migrate", "--verify")).code, 0);
});

Deno.test("collect --once stores one tick; --no-migrate refuses a database that is not current", async () => {
  using dir = tempDir();
  writeReplay(`${dir.path}/drive`, 3);
  const path = `${dir.path}/c.db`;
  const refused = await cli(
    "--db",
    path,
    "collect",
    "--replay",
    `${dir.path}/drive`,
    "--no-migrate",
  );
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /no such file; run `piwardrive migrate` to create it/);
  await cli("--db", path, "migrate", "--to", "3");
  const old = await cli("--db", path, "collect", "--replay", `${dir.path}/drive`, "--no-migrate");
  assert.equal(old.code, 1);
  assert.match(
    old.stderr,
    /Database is at version 3, this binary needs \d+: run `piwardrive migrate` or drop --no-migrate/,
  );
  const once = await cli(
    "--db",
    path,
    "collect",
    "--replay",
    `${dir.path}/drive`,
    "--once",
    "--json",
    "--quiet",
  );
  assert.equal(once.code, 0, once.stderr);
  assert.equal(once.stdout.trim().split("\n").length, 1);
});

Deno.test("collect rejects bad values with exit 2, one line and the usage line", async () => {
  const cases: [string[], RegExp][] = [
    [["--interval", "-1"], /--interval expects a duration like 5s, 500ms, 10m or 1h, got "-1"/],
    [
      ["--iface", "wlan0; rm -rf /"],
      /--iface expects a network interface name like wlan0 .*got "wlan0; rm -rf \/"/,
    ],
    [["--gpsd", "localhost"], /--gpsd expects host:port like localhost:2947, got "localhost"/],
    [["--duration", "0"], /--duration expects a duration .* \(more than 0\), got "0"/],
    [["--replay", "/nonexistent", "--demo"], /Use --replay or --demo, not both/],
  ];
  for (const [args, message] of cases) {
    const result = await cli("--db", "/nonexistent/x.db", "collect", ...args);
    assert.equal(result.code, 2, args.join(" "));
    assert.match(result.stderr, message);
    const lines = result.stderr.trimEnd().split("\n");
    const usage = args.includes("--demo") ? [] : ["usage: piwardrive collect [options]"];
    assert.deepEqual(lines.slice(1), usage, result.stderr);
    assert.doesNotMatch(lines[0], /\.$/);
  }
});

Deno.test("collect runs a full GC between ticks when V8 exposes gc, at most once per 5 s", async () => {
  using dir = tempDir();
  const global = globalThis as { gc?: () => void };
  const saved = global.gc;
  let calls = 0;
  global.gc = () => calls++;
  const started = performance.now();
  try {
    const result = await cli("--db", `${dir.path}/gc.db`, "collect", "--demo", "--quiet");
    assert.equal(result.code, 0, result.stderr);
  } finally {
    global.gc = saved;
  }
  // 40 ticks as fast as the replay goes: one collection, plus one per 5 s it took.
  const most = 1 + Math.floor((performance.now() - started) / 5000);
  assert.ok(calls >= 1 && calls <= most, `gc ran ${calls} times, expected 1…${most}`);
});

Deno.test("collect --demo replays the built-in sample drive: 120 networks, 25 devices, a track", async () => {
  using dir = tempDir();
  const path = `${dir.path}/demo.db`;
  const human = await cli("--db", `${dir.path}/human.db`, "collect", "--demo");
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /tick 40: .*\(120 this run, 120 new\), bt 0 seen \(25 this run\)/);
  const result = await cli("--db", path, "collect", "--demo", "--json", "--quiet");
  assert.equal(result.code, 0, result.stderr);
  const ticks = result.stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(ticks.length, 40);
  const db = new DatabaseSync(path, { readOnly: true });
  assert.deepEqual(rows(db, "SELECT count(*) AS n FROM wifi_networks"), [{ n: 120 }]);
  assert.deepEqual(rows(db, "SELECT count(*) AS n FROM bluetooth_devices"), [{ n: 25 }]);
  // The drive's own time (its receiver's, 5 s a tick from 10:00), not the time of the demo.
  const driveTimes = ticks.map((_, i) =>
    new Date(Date.UTC(2026, 10, 1, 10, 0, 4 + 5 * i)).toISOString()
  );
  assert.deepEqual(ticks.map((t) => t.seenAt), driveTimes);
  assert.deepEqual(
    rows(db, "SELECT DISTINCT seen_at AS t, clock FROM wifi_sightings ORDER BY seen_at"),
    driveTimes.map((t) => ({ t, clock: "gps" })),
  );
  assert.deepEqual(
    rows(db, "SELECT min(system_time) AS first, max(system_time) AS last FROM gps_track"),
    [{ first: driveTimes[0], last: driveTimes[39] }],
  );
  assert.deepEqual(rows(db, "SELECT mode, count(*) AS n FROM gps_track GROUP BY mode"), [
    { mode: 1, n: 15 },
    { mode: 2, n: 10 },
    { mode: 3, n: 175 },
  ]);
  // Ticks 1–3 have no fix (mode 1): exactly their sightings carry no position.
  const firstThree = ticks.slice(0, 3).reduce((sum, t) => sum + t.counts.wifi, 0);
  assert.deepEqual(rows(db, "SELECT count(*) AS n FROM wifi_sightings WHERE gps_lat IS NULL"), [
    { n: firstThree },
  ]);
  assert.deepEqual(
    rows(
      db,
      "SELECT count(*) AS n FROM wifi_sightings WHERE id <= ? AND gps_lat IS NOT NULL".replace(
        "?",
        String(firstThree),
      ),
    ),
    [{ n: 0 }],
  );
  db.close();
});

Deno.test("while collect runs, vacuum and restore wait for it (nothing written is lost); migrate and readers do not", async () => {
  using dir = tempDir();
  writeReplay(`${dir.path}/drive`, 300);
  const path = `${dir.path}/c.db`;
  assert.equal((await cli("--db", path, "migrate")).code, 0);
  const backup = `${dir.path}/b.db`;
  assert.equal((await cli("--db", path, "db", "backup", backup)).code, 0);
  const collect = spawnCli([
    "--db",
    path,
    "collect",
    "--replay",
    `${dir.path}/drive`,
    "--interval",
    "100ms",
    "--json",
  ]);
  await new Promise((r) => setTimeout(r, 1500));
  for (const args of [["migrate"], ["migrate", "--verify"], ["db", "stats"]]) {
    const result = await cliProcess(["--db", path, ...args]);
    assert.equal(result.code, 0, `${args.join(" ")}: ${result.stderr}`);
  }
  for (
    const args of [["db", "vacuum", "--lock-wait", "1"], [
      "db",
      "restore",
      backup,
      "--lock-wait",
      "1",
    ]]
  ) {
    const result = await cliProcess(["--db", path, ...args]);
    assert.equal(result.code, 1, args.join(" "));
    assert.match(
      result.stderr,
      /is using ".*c\.db"; waited 1 s: try again when it has finished \(stop a running collect first\)/,
    );
  }
  collect.kill("SIGTERM");
  const output = await collect.output();
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  const ticks = new TextDecoder().decode(output.stdout).trim().split("\n").map((l) =>
    JSON.parse(l)
  );
  assert.ok(ticks.length > 10 && ticks.length < 300, `${ticks.length} ticks`);
  const db = new DatabaseSync(path, { readOnly: true });
  const stored = db.prepare("SELECT count(*) AS n FROM wifi_sightings").get()!.n;
  db.close();
  assert.equal(stored, ticks.reduce((sum, tick) => sum + tick.counts.wifi, 0));
  // Once collect has stopped, vacuum goes ahead.
  assert.equal((await cli("--db", path, "db", "vacuum")).code, 0);
});

Deno.test("collect --help shows duration defaults as they are typed (5s, 30s), not milliseconds", async () => {
  const result = await cli("collect", "--help");
  assert.equal(result.code, 0, result.stderr);
  const help = result.stdout.replace(/\s+/g, " ");
  assert.match(help, /--interval <duration> time between ticks \(default: 5s\)/);
  assert.match(help, /--health-interval <duration> time between health records \(default: 30s\)/);
  assert.match(
    help,
    /--max-fix-age <duration> oldest GPS fix that may position an observation \(default: 5s\)/,
  );
  assert.doesNotMatch(help, /default: \d+\)/);
});

const tpv = (time: string, lat: number) =>
  JSON.stringify({ class: "TPV", mode: 3, time, lat, lon: 0.12, altMSL: 10, eph: 4 });

Deno.test("a replay's sightings, ticks and track carry the recorded drive's time, never the replay's", async () => {
  using dir = tempDir();
  const drive = `${dir.path}/drive`;
  const iw = Deno.readTextFileSync(
    new URL("./fixtures/iw/iw-6.9-mixed-2g5g-scan.txt", import.meta.url),
  );
  const bt = Deno.readTextFileSync(
    new URL("./fixtures/bluetoothctl/interactive-scan-5.66-mock.txt", import.meta.url),
  );
  // Tick 1 has a time file (which wins over its gpsd times), tick 2 only gpsd times (the newest
  // plausible one counts: a receiver's 2004 week-rollover time does not), tick 3 neither.
  const ticks = [
    { time: "2024-06-01T10:00:00Z\n", gps: [tpv("2024-06-01T09:59:59.000Z", 52.2)], bt },
    {
      gps: [
        tpv("2024-06-01T10:00:04.000Z", 52.201),
        tpv("2004-10-17T10:00:05.000Z", 52.202),
        tpv("2024-06-01T10:00:05.000Z", 52.202),
      ],
      bt,
    },
    { gps: [] },
  ];
  ticks.forEach((t, i) => {
    const folder = `${drive}/000${i + 1}`;
    Deno.mkdirSync(folder, { recursive: true });
    Deno.writeTextFileSync(`${folder}/iw.txt`, iw);
    if (t.time) Deno.writeTextFileSync(`${folder}/time`, t.time);
    if (t.gps.length) Deno.writeTextFileSync(`${folder}/gpspipe.jsonl`, t.gps.join("\n") + "\n");
    if (t.bt) Deno.writeTextFileSync(`${folder}/bluetoothctl.txt`, t.bt);
  });
  const path = `${dir.path}/c.db`;
  const result = await cli("--db", path, "collect", "--replay", drive, "--json", "--quiet");
  assert.equal(result.code, 0, result.stderr);
  const expected = [
    "2024-06-01T10:00:00.000Z",
    "2024-06-01T10:00:05.000Z",
    "2024-06-01T10:00:10.000Z",
  ];
  const reported = result.stdout.trim().split("\n").map((l) => JSON.parse(l).seenAt);
  assert.deepEqual(reported, expected);
  const db = new DatabaseSync(path, { readOnly: true });
  const times = (table: string) =>
    rows(
      db,
      `SELECT seen_at AS t, clock, count(*) AS n FROM ${table} GROUP BY seen_at ORDER BY seen_at`,
    );
  assert.deepEqual(times("wifi_sightings"), [
    { t: expected[0], clock: "system", n: 10 },
    { t: expected[1], clock: "gps", n: 10 },
    { t: expected[2], clock: "gps", n: 10 },
  ]);
  assert.deepEqual(times("bluetooth_sightings").map((r) => [r.t, r.clock]), [
    [expected[0], "system"],
    [expected[1], "gps"],
  ]);
  // The track's "system" time is the recorded tick's too, so a GPX reads one clock.
  assert.deepEqual(rows(db, "SELECT system_time, gps_time, gps_time_plausible FROM gps_track"), [
    { system_time: expected[0], gps_time: "2024-06-01T09:59:59.000Z", gps_time_plausible: 1 },
    { system_time: expected[1], gps_time: "2024-06-01T10:00:04.000Z", gps_time_plausible: 1 },
    { system_time: expected[1], gps_time: "2004-10-17T10:00:05.000Z", gps_time_plausible: 0 },
    { system_time: expected[1], gps_time: "2024-06-01T10:00:05.000Z", gps_time_plausible: 1 },
  ]);
  assert.deepEqual(
    rows(db, "SELECT min(first_seen) AS first, max(last_seen) AS last FROM wifi_networks"),
    [{ first: expected[0], last: expected[2] }],
  );
  db.close();
  const out = `${dir.path}/wigle.csv`;
  const exported = await cli(
    "--db",
    path,
    "export",
    "--format",
    "wigle",
    "--type",
    "wifi",
    "-o",
    out,
  );
  assert.equal(exported.code, 0, exported.stderr);
  const records = parseCsv(Deno.readTextFileSync(out).split("\n").slice(1).join("\n"), {
    columns: true,
  }) as { FirstSeen: string }[];
  const firstSeen = new Map<string, number>();
  for (const r of records) firstSeen.set(r.FirstSeen, (firstSeen.get(r.FirstSeen) ?? 0) + 1);
  assert.deepEqual([...firstSeen], [
    ["2024-06-01 10:00:00", 10],
    ["2024-06-01 10:00:05", 10],
    ["2024-06-01 10:00:10", 10],
  ]);
});

Deno.test("a replay with a bad time file is refused before anything is stored; one with no time says so", async () => {
  using dir = tempDir();
  const iw = Deno.readTextFileSync(
    new URL("./fixtures/iw/iw-6.9-mixed-2g5g-scan.txt", import.meta.url),
  );
  for (const tick of ["0001", "0002"]) {
    Deno.mkdirSync(`${dir.path}/drive/${tick}`, { recursive: true });
    Deno.writeTextFileSync(`${dir.path}/drive/${tick}/iw.txt`, iw);
  }
  const path = `${dir.path}/c.db`;
  Deno.writeTextFileSync(`${dir.path}/drive/0002/time`, "yesterday\n");
  const bad = await cli("--db", path, "collect", "--replay", `${dir.path}/drive`);
  assert.deepEqual([bad.code, bad.stderr], [
    2,
    `piwardrive: Cannot read replay file "${dir.path}/drive/0002/time": expected one ISO-8601 UTC time like 2026-11-01T10:00:05Z, got "yesterday"\n`,
  ]);
  assert.throws(() => Deno.lstatSync(path), Deno.errors.NotFound);
  Deno.removeSync(`${dir.path}/drive/0002/time`);
  const before = Date.now();
  const untimed = await cli("--db", path, "collect", "--replay", `${dir.path}/drive`, "--json");
  assert.equal(untimed.code, 0, untimed.stderr);
  assert.equal(
    untimed.stderr,
    "warning: replay: no tick has a time file or a GPS time; ticks are timed from now, 5 s apart\n",
  );
  const [first, second] = untimed.stdout.trim().split("\n").map((l) =>
    Date.parse(JSON.parse(l).seenAt)
  );
  assert.ok(first >= before - 1000 && first <= Date.now(), `${first}`);
  assert.equal(second - first, 5000);
  // --interval spaces untimed ticks too; 0 (as fast as possible) keeps the default spacing.
  for (const [interval, spacing] of [["100ms", 100], ["0", 5000]] as const) {
    const spaced = await cli(
      "--db",
      path,
      "collect",
      "--replay",
      `${dir.path}/drive`,
      "--json",
      "--interval",
      interval,
    );
    assert.equal(spaced.code, 0, spaced.stderr);
    const seen = spaced.stdout.trim().split("\n").map((l) => Date.parse(JSON.parse(l).seenAt));
    assert.equal(seen[1] - seen[0], spacing, interval);
  }
});
