import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import {
  buildSampleDrive,
  REPLAY_FILES,
  serializeDrive,
  tickDirName,
  writeReplayDir,
} from "./make_sample_drive.ts";
import { loadReplayDir, type ReplayTick } from "../../src/collect/replay.ts";
import { parseIwScan } from "../../src/parsers/iw_scan.ts";
import { parseBluetoothctlEvents } from "../../src/parsers/bluetoothctl.ts";
import { type GpsdSky, type GpsdTpv, parseGpspipe } from "../../src/parsers/gpsd.ts";

const SCRIPT = fileURLToPath(new URL("./make_sample_drive.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const COMMITTED = new URL("../../src/collect/sample_drive.json", import.meta.url);
const REGENERATE = "deno run --allow-read --allow-write scripts/generate/make_sample_drive.ts";

const drive = buildSampleDrive();

/** Reads a replay directory back the way `collect --replay` does. */
function readReplayDir(dir: string): ReplayTick[] {
  const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
  assert.deepEqual(names, names.map((_, i) => tickDirName(i)), "tick folders are 0001…N");
  const replay = loadReplayDir(dir);
  return Array.from({ length: replay.length }, (_, i) => replay.tick(i));
}

function tpvs(tick: ReplayTick): GpsdTpv[] {
  return parseGpspipe(tick.gpspipe ?? "").records.filter((m): m is GpsdTpv => m.class === "TPV");
}

Deno.test("the generator is deterministic", () => {
  assert.equal(serializeDrive(buildSampleDrive()), serializeDrive(drive));
});

Deno.test("the committed sample_drive.json is what the generator makes now", async () => {
  const committed = await Deno.readTextFile(COMMITTED);
  assert.ok(
    committed === serializeDrive(drive),
    `src/collect/sample_drive.json is stale: ${REGENERATE}`,
  );
});

Deno.test("the CLI writes the JSON and a replay directory that reads back the same", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "sample_drive_" });
  try {
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-read",
        "--allow-write",
        SCRIPT,
        "--out",
        `${tmp}/drive.json`,
        "--dir",
        `${tmp}/replay`,
      ],
      cwd: ROOT,
      stdout: "null",
      stderr: "piped",
    }).output();
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    assert.equal(await Deno.readTextFile(`${tmp}/drive.json`), serializeDrive(drive));
    const ticks = readReplayDir(`${tmp}/replay`);
    assert.deepEqual(ticks, drive.ticks);
    // A tool that printed nothing leaves no file, not an empty one.
    for (const [i, tick] of drive.ticks.entries()) {
      for (const [tool, file] of Object.entries(REPLAY_FILES)) {
        const present = await Deno.stat(`${tmp}/replay/${tickDirName(i)}/${file}`).then(
          () => true,
          () => false,
        );
        assert.equal(present, tick[tool as keyof ReplayTick] !== undefined);
      }
    }
    await assert.rejects(writeReplayDir(drive, `${tmp}/replay`), /directory is not empty/);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("the drive has the documented shape", () => {
  assert.equal(drive.ticks.length, 40);
  assert.ok(new TextEncoder().encode(serializeDrive(drive)).length <= 400_000, "JSON over 400 KB");
  for (const [i, tick] of drive.ticks.entries()) {
    const at = `tick ${i + 1}`;
    assert.ok((tick.iw?.match(/^BSS /gm) ?? []).length >= 10, `${at}: fewer than 10 BSSes`);
    const lines = tick.gpspipe?.split("\n").filter(Boolean) ?? [];
    assert.ok(
      lines.every((l) => l.startsWith("{") && JSON.parse(l)),
      `${at}: gpspipe is not pure JSON`,
    );
    assert.ok(!/^[$!]/m.test(tick.gpspipe ?? ""), `${at}: NMEA in gpspipe`);
    assert.equal(tpvs(tick).length, 5, `${at}: 5 TPVs`);
    for (const text of Object.values(tick)) assert.ok(text.endsWith("\n"), `${at}: unterminated`);
  }
  assert.match(
    drive.ticks[0].gpspipe ?? "",
    /^\{"class":"VERSION".*\n\{"class":"DEVICES".*\n\{"class":"WATCH"/,
  );
  for (const tick of drive.ticks.slice(0, 3)) {
    assert.ok(!/"lat"|"lon"/.test(tick.gpspipe ?? ""), "no position before the fix");
  }
});

Deno.test("every tick parses without a warning into the records the drive promises", () => {
  const bssids = new Set<string>();
  const encryptions = new Set<string>();
  const ssids = new Set<string | null>();
  const btAddresses = new Set<string>();
  const btKinds = new Set<string>();
  const modes: number[] = [];
  let appleAdverts = 0;
  let associated = 0;
  for (const [i, tick] of drive.ticks.entries()) {
    const at = `tick ${i + 1}`;
    const wifi = parseIwScan(tick.iw ?? "");
    assert.deepEqual(wifi.warnings, [], `${at}: iw`);
    assert.ok(
      wifi.records.length >= 10 && wifi.records.length <= 40,
      `${at}: ${wifi.records.length} BSSes`,
    );
    for (const r of wifi.records) {
      assert.ok(r.signalDbm !== null && r.signalDbm >= -92 && r.signalDbm <= -30, `${at}: signal`);
      assert.ok(
        r.channel !== null && r.freqMhz !== null && r.lastSeenMs !== null,
        `${at}: ${r.bssid}`,
      );
      bssids.add(r.bssid);
      encryptions.add(r.encryption);
      ssids.add(r.hidden ? "<hidden>" : r.ssid);
      if (r.associated) associated++;
    }
    if (tick.bluetoothctl !== undefined) {
      const bt = parseBluetoothctlEvents(tick.bluetoothctl);
      assert.deepEqual(bt.warnings, [], `${at}: bluetoothctl`);
      for (const e of bt.records) {
        btAddresses.add(e.address);
        btKinds.add(e.kind);
        if (e.manufacturerId === 0x004c && e.manufacturerData) appleAdverts++;
      }
    }
    const gps = parseGpspipe(tick.gpspipe ?? "");
    assert.deepEqual(gps.warnings, [], `${at}: gpspipe`);
    const sky = gps.records.filter((m): m is GpsdSky => m.class === "SKY");
    assert.ok(sky.every((s) => s.satellitesUsed !== undefined && s.satellitesSeen !== undefined));
    for (const [j, tpv] of tpvs(tick).entries()) {
      const second = i * 5 + j;
      assert.equal(tpv.time, new Date(Date.UTC(2026, 10, 1, 10, 0, second)).toISOString());
      const expected = i < 3 ? 1 : i < 5 ? 2 : 3;
      assert.equal(tpv.mode, expected, `${at}: mode`);
      assert.equal(
        tpv.lat !== undefined && tpv.lon !== undefined,
        expected >= 2,
        `${at}: position`,
      );
      assert.equal(
        tpv.altHae !== undefined && tpv.altMsl !== undefined,
        expected === 3,
        `${at}: altitude`,
      );
      if (expected === 3) assert.ok(tpv.ephM! >= 3 && tpv.ephM! <= 12, `${at}: eph ${tpv.ephM}`);
      if (tpv.lat !== undefined) {
        assert.ok(Math.abs(tpv.lat - 52.2053) < 0.01 && Math.abs(tpv.lon! - 0.1218) < 0.03);
      }
      modes.push(tpv.mode);
    }
  }
  const moving = drive.ticks.slice(5).flatMap(tpvs).map((t) => t.speedMps ?? 0);
  const meanSpeed = moving.reduce((a, b) => a + b, 0) / moving.length;
  assert.ok(meanSpeed > 7 && meanSpeed < 9.5, `mean speed ${meanSpeed}`);
  assert.equal(bssids.size, 120);
  assert.ok([...bssids].some((b) => (parseInt(b.slice(0, 2), 16) & 2) !== 0), "a randomised BSSID");
  for (const label of ["Open", "WEP", "WPA2-PSK", "WPA2-EAP", "WPA3-SAE", "WPA3-OWE"]) {
    assert.ok(encryptions.has(label), label);
  }
  assert.ok(encryptions.has("WPA3-SAE/WPA2-PSK") && encryptions.has("WPA2-PSK/WPA-PSK"));
  for (
    const ssid of [
      "Café Ünïcode",
      "1234",
      " Guest",
      '"Free", <WiFi> & co',
      "Jake’s iPhone",
      "<hidden>",
    ]
  ) {
    assert.ok(ssids.has(ssid), `SSID ${JSON.stringify(ssid)}`);
  }
  assert.ok(drive.ticks.some((t) => t.iw?.includes("\tSSID: \\x00\\x00")), "hidden as NUL bytes");
  assert.ok(associated > 0 && drive.ticks[0].iw?.includes(" -- associated"));
  assert.equal(btAddresses.size, 25);
  assert.deepEqual([...btKinds].sort(), ["chg", "del", "new"]);
  assert.ok(appleAdverts > 0, "Apple manufacturer data");
  assert.equal(modes.length, 200);
});
