import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { gpsfakeAvailable, livePids, processGroup, startGpsfake } from "./gpsfake.ts";
import {
  createGpspipeStreamParser,
  type GpsdMessage,
  type GpsdTpv,
} from "../../src/parsers/gpsd.ts";

const DRIVE = fileURLToPath(new URL("../fixtures/gpsd/drive.nmea", import.meta.url));
/** 0.03 s between sentences: the replay takes ~10 s and keeps ~1.4 s of no-fix for a late client. */
const CYCLE_S = 0.03;
const REPLAY_TIMEOUT_MS = 60_000;

Deno.test({
  name: "startGpsfake() replays drive.nmea to a real gpspipe, stop() leaves no process",
  // Missing tools skip the test locally; under CI=true it runs and fails loudly instead.
  ignore: !gpsfakeAvailable() && Deno.env.get("CI") !== "true",
  async fn() {
    const gps = await startGpsfake(DRIVE, { cycleS: CYCLE_S });
    let pids: number[] = [];
    try {
      const group = await processGroup(gps.pid);
      assert.deepStrictEqual(group.map((p) => p.command).sort(), ["gpsd", "gpsfake"]);
      pids = group.map((p) => p.pid);
      const records = await gpspipeUntilReplayEnds(`${gps.host}:${gps.port}`);

      const tpvs = records.filter((m): m is GpsdTpv => m.class === "TPV");
      const modes = tpvs.map((t) => t.mode);
      assert.deepStrictEqual([...new Set(modes)], [1, 2, 3], `modes ${modes.join("")}`);
      assert.deepStrictEqual(modes, [...modes].sort(), "the mode never falls back");
      const firstFix = tpvs.find((t) => t.lat !== undefined && t.lon !== undefined);
      assert.ok(firstFix && firstFix.mode >= 2);
      assert.ok(
        Math.abs(firstFix.lat! - 52.2053) < 1e-6 && Math.abs(firstFix.lon! - 0.1218) < 1e-6,
      );
      assert.ok(tpvs.every((t) => t.mode === 3 || t.altMsl === undefined));
      assert.equal(tpvs.at(-1)?.time, "2024-06-15T10:00:49.000Z");
    } finally {
      await gps.stop();
    }
    assert.deepStrictEqual(await livePids(pids), [], "gpsfake or gpsd still running");
    await gps.stop(); // idempotent
  },
});

Deno.test({
  name: "startGpsfake() rejects a missing log without starting anything",
  ignore: !gpsfakeAvailable() && Deno.env.get("CI") !== "true",
  async fn() {
    await assert.rejects(startGpsfake("/nonexistent/drive.nmea"), Deno.errors.NotFound);
  },
});

/**
 * Runs `gpspipe -w` and parses its stdout as it arrives, until gpsd reports the fake device closed
 * (gpsfake's end of replay) — with `-1` gpsd itself lingers for gpsfake's 60 s timeout.
 */
async function gpspipeUntilReplayEnds(target: string): Promise<GpsdMessage[]> {
  const child = new Deno.Command("gpspipe", {
    args: ["-w", target],
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), REPLAY_TIMEOUT_MS);
  const parser = createGpspipeStreamParser();
  const records: GpsdMessage[] = [];
  try {
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      const batch = parser.push(chunk);
      records.push(...batch);
      if (batch.some((m) => m.class === "DEVICE" && "closing" in m)) break;
    }
  } finally {
    clearTimeout(timer);
    try {
      child.kill("SIGTERM");
    } catch { /* already exited */ }
    await child.status;
  }
  records.push(...parser.end());
  assert.deepStrictEqual(parser.warnings, []);
  assert.ok(records.some((m) => m.class === "DEVICE" && "closing" in m), "replay did not end");
  return records;
}
