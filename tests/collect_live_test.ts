/**
 * collect against real peers: stand-in iw executables with iw's real failures, a real gpsd
 * (gpsfake) through the real gpspipe, and the real bluetoothctl against the BlueZ D-Bus mock.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { fileURLToPath } from "node:url";
import { cliProcess, spawnCli, tempDir } from "./helpers/cli.ts";
import { writeFakeIw } from "./helpers/fake_iw.ts";
import { gpsfakeAvailable, startGpsfake } from "./helpers/gpsfake.ts";
import { bluezMockAvailable, startBluezMock } from "./helpers/bluez_mock.ts";

const WIFI_ONLY = ["--no-bluetooth", "--no-gps", "--no-health"];
const withPath = (dir: string) => ({ PATH: `${dir}:${Deno.env.get("PATH") ?? "/usr/bin:/bin"}` });
const count = (path: string, sql: string) => {
  const db = new DatabaseSync(path, { readOnly: true });
  const n = Object.values(db.prepare(sql).get()!)[0] as number;
  db.close();
  return n;
};

Deno.test("without CAP_NET_ADMIN collect falls back to `iw scan dump`, with one warning", async () => {
  using dir = tempDir();
  const bin = writeFakeIw(dir.path, "not-permitted");
  const db = `${dir.path}/c.db`;
  const result = await cliProcess(
    ["--db", db, "collect", ...WIFI_ONLY, "--duration", "1s", "--interval", "200ms"],
    { env: withPath(bin) },
  );
  assert.equal(result.code, 0, result.stderr);
  const warnings = result.stderr.split("\n").filter((l) => l.startsWith("warning:"));
  assert.deepEqual(warnings, [
    'warning: wifi: no permission for a fresh scan on wlan0; reading cached results with "iw dev wlan0 scan dump" (run as root or: setcap cap_net_admin+ep $(command -v iw))',
  ]);
  assert.equal(count(db, "SELECT count(*) FROM wifi_networks"), 9);
});

Deno.test("a busy radio is retried on the next tick without a warning", async () => {
  using dir = tempDir();
  const bin = writeFakeIw(dir.path, "busy-once");
  const db = `${dir.path}/c.db`;
  const result = await cliProcess(
    ["--db", db, "collect", ...WIFI_ONLY, "--duration", "1s", "--interval", "200ms", "--json"],
    { env: withPath(bin) },
  );
  assert.equal(result.code, 0, result.stderr);
  const ticks = result.stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(ticks[0].counts.wifi, 0);
  assert.equal(ticks[1].counts.wifi, 10);
  assert.doesNotMatch(result.stderr, /warning/);
});

Deno.test("no such interface, or no iw at all, with nothing else to collect: exit 1 saying why", async () => {
  using dir = tempDir();
  const bin = writeFakeIw(dir.path, "no-device");
  const db = `${dir.path}/c.db`;
  const nodev = await cliProcess(["--db", db, "collect", ...WIFI_ONLY, "--iface", "wlan9"], {
    env: withPath(bin),
  });
  assert.equal(nodev.code, 1);
  assert.match(
    nodev.stderr,
    /warning: wifi: no interface "wlan9" \(see `iw dev`; choose one with --iface\)/,
  );
  assert.match(
    nodev.stderr,
    /piwardrive: Nothing can be collected: no WiFi, Bluetooth or GPS tool works here and health is off/,
  );
  using empty = tempDir();
  const missing = await cliProcess(["--db", db, "collect", ...WIFI_ONLY], {
    env: { PATH: empty.path },
  });
  assert.equal(missing.code, 1);
  assert.match(
    missing.stderr,
    /warning: wifi: iw is not installed \(apt install iw\); WiFi is not collected/,
  );
});

const peersMissing = !gpsfakeAvailable() || !bluezMockAvailable();

Deno.test({
  name:
    "collect with a real gpsd and a real bluetoothctl: the track, sightings tagged only after the fix, devices with names and RSSI",
  // Missing peers skip the test on a laptop; under CI=true it runs and fails instead.
  ignore: peersMissing && Deno.env.get("CI") !== "true",
  async fn() {
    using dir = tempDir();
    const bin = writeFakeIw(dir.path, "ok");
    const nmea = fileURLToPath(new URL("./fixtures/gpsd/drive.nmea", import.meta.url));
    const gps = await startGpsfake(nmea, { cycleS: 0.03 });
    const bluez = await startBluezMock();
    const db = `${dir.path}/c.db`;
    try {
      const child = spawnCli(
        [
          "--db",
          db,
          "collect",
          "--interval",
          "300ms",
          "--gpsd",
          `${gps.host}:${gps.port}`,
          "--no-health",
          "--json",
        ],
        { env: { ...withPath(bin), ...bluez.env } },
      );
      await new Promise((r) => setTimeout(r, 2000)); // bluetoothctl is scanning by now
      await bluez.addDevice("AA:BB:CC:DD:EE:01", "Pixel 8");
      await bluez.addDevice("AA:BB:CC:DD:EE:02", "");
      await bluez.addDevice("AA:BB:CC:DD:EE:03", "Car Kit");
      await new Promise((r) => setTimeout(r, 800));
      await bluez.setRssi("AA:BB:CC:DD:EE:01", -42);
      await bluez.setRssi("AA:BB:CC:DD:EE:02", -77);
      await new Promise((r) => setTimeout(r, 9000)); // the replay of the NMEA log reaches a 3D fix
      child.kill("SIGTERM");
      const output = await child.output();
      const stderr = new TextDecoder().decode(output.stderr);
      assert.equal(output.code, 0, stderr);
      const store = new DatabaseSync(db, { readOnly: true });
      const all = (sql: string) => store.prepare(sql).all().map((r) => ({ ...r }));
      assert.deepEqual(all("SELECT address, name, rssi FROM bluetooth_devices ORDER BY address"), [
        { address: "AA:BB:CC:DD:EE:01", name: "Pixel 8", rssi: -42 },
        { address: "AA:BB:CC:DD:EE:02", name: null, rssi: -77 },
        // Its RSSI was never changed: it comes from `bluetoothctl info` (the mock's -79).
        { address: "AA:BB:CC:DD:EE:03", name: "Car Kit", rssi: -79 },
      ]);
      // `bluetoothctl info` enrichment: the address type, for every device heard.
      assert.deepEqual(
        all("SELECT DISTINCT device_type FROM bluetooth_devices"),
        [{ device_type: "public" }],
      );
      // gpsd drops what the log replays before a client connects, so the no-fix start may be gone;
      // the 2D and then 3D fixes are always there, in that order.
      const modes = all("SELECT mode, min(id) AS first FROM gps_track GROUP BY mode ORDER BY mode");
      assert.deepEqual(
        modes.map((m) => m.mode as number).filter((m) => m >= 2),
        [2, 3],
        JSON.stringify(modes),
      );
      assert.ok(
        modes.every((m, i) => i === 0 || (m.first as number) > (modes[i - 1].first as number)),
      );
      const firstFix = all("SELECT min(system_time) AS t FROM gps_track WHERE mode >= 2")[0]
        .t as string;
      assert.equal(
        all(
          `SELECT count(*) AS n FROM wifi_sightings WHERE gps_lat IS NOT NULL AND seen_at < '${firstFix}'`,
        )[0].n,
        0,
      );
      assert.ok(
        (all("SELECT count(*) AS n FROM wifi_sightings WHERE gps_lat IS NULL")[0].n as number) > 0,
      );
      assert.ok(
        (all("SELECT count(*) AS n FROM wifi_sightings WHERE gps_lat IS NOT NULL")[0].n as number) >
          0,
      );
      const best =
        all("SELECT gps_lat, gps_lon FROM wifi_networks WHERE gps_lat IS NOT NULL LIMIT 1")[0];
      assert.ok(
        Math.abs((best.gps_lat as number) - 52.2) < 0.1 &&
          Math.abs((best.gps_lon as number) - 0.12) < 0.1,
      );
      store.close();
    } finally {
      await bluez.stop();
      await gps.stop();
    }
  },
});

Deno.test("a gpspipe that dies is restarted with backoff, and the reason is said once", async () => {
  using dir = tempDir();
  // A stand-in that reports one fix, then fails the way gpspipe does without gpsd.
  Deno.writeTextFileSync(
    `${dir.path}/gpspipe`,
    `#!/bin/bash
printf '{"class":"TPV","mode":3,"time":"%s","lat":52.2,"lon":0.12,"eph":5}\\n' "$(date -u +%FT%T.%3NZ)"
echo "gpspipe: could not connect to gpsd $2, Connection refused(-6)" >&2
exit 1
`,
  );
  Deno.chmodSync(`${dir.path}/gpspipe`, 0o755);
  const db = `${dir.path}/c.db`;
  const started = Date.now();
  const result = await cliProcess(
    [
      "--db",
      db,
      "collect",
      "--no-wifi",
      "--no-bluetooth",
      "--no-health",
      "--duration",
      "4s",
      "--interval",
      "500ms",
    ],
    { env: withPath(dir.path) },
  );
  assert.equal(result.code, 0, result.stderr);
  const warnings = result.stderr.split("\n").filter((l) => l.startsWith("warning:"));
  assert.deepEqual(warnings, [
    "warning: gps: gpspipe stopped (exit 1: gpspipe: could not connect to gpsd localhost:2947, Connection refused(-6)); restarting in 1 s",
  ]);
  // Starts at about 0 s, 1 s and 3 s (backoff 1 s, then 2 s): one report each.
  const starts = count(db, "SELECT count(*) FROM gps_track");
  assert.ok(starts >= 2 && starts <= 3, `${starts} starts in ${Date.now() - started} ms`);
});
