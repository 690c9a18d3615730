import assert from "node:assert/strict";
import { UsageError } from "../errors.ts";
import { driveFromTicks, loadReplayDir, ReplayClock, type ReplayTick } from "./replay.ts";

const tpv = (time: string) => JSON.stringify({ class: "TPV", mode: 1, time }) + "\n";

function times(ticks: ReplayTick[], spacingMs = 5000, start = "2030-01-01T00:00:00.000Z") {
  const clock = new ReplayClock(driveFromTicks("test", ticks), spacingMs, () => new Date(start));
  const out = ticks.map((t, i) => {
    const r = clock.timeOf(i, t);
    return `${r.time} ${r.clock}`;
  });
  return { out, untimed: clock.untimed };
}

Deno.test("ReplayClock: ticks before the first timed one count back from it, later ones count on", () => {
  const { out, untimed } = times([
    {},
    { gpspipe: tpv("2004-10-17T10:00:00.000Z") }, // a week-rollover time is no time
    { gpspipe: tpv("2024-06-01T10:00:09.000Z") + tpv("2024-06-01T10:00:10.000Z") },
    {},
    { time: "2024-06-01T11:00:00.000Z", gpspipe: tpv("2024-06-01T10:59:58.000Z") },
    {},
  ]);
  assert.deepEqual(out, [
    "2024-06-01T10:00:00.000Z gps",
    "2024-06-01T10:00:05.000Z gps",
    "2024-06-01T10:00:10.000Z gps",
    "2024-06-01T10:00:15.000Z gps",
    "2024-06-01T11:00:00.000Z system",
    "2024-06-01T11:00:05.000Z system",
  ]);
  assert.equal(untimed, false);
});

Deno.test("ReplayClock: a recording with no time at all is timed from the start, an interval apart", () => {
  const { out, untimed } = times([{}, { iw: "" }, {}], 2000);
  assert.deepEqual(out, [
    "2030-01-01T00:00:00.000Z system",
    "2030-01-01T00:00:02.000Z system",
    "2030-01-01T00:00:04.000Z system",
  ]);
  assert.equal(untimed, true);
});

Deno.test("loadReplayDir: a time file is read as UTC; one that is not a UTC time is refused naming it", () => {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.mkdirSync(`${dir}/0001`);
    Deno.writeTextFileSync(`${dir}/0001/time`, "2024-06-01T12:00:00+00:00\n");
    Deno.mkdirSync(`${dir}/0002`);
    Deno.writeTextFileSync(`${dir}/0002/time`, "2024-06-01 14:00 CEST\n");
    assert.throws(() => loadReplayDir(dir), (e: Error) => {
      assert.ok(e instanceof UsageError);
      assert.equal(
        e.message,
        `Cannot read replay file "${dir}/0002/time": expected one ISO-8601 UTC time like 2026-11-01T10:00:05Z, got "2024-06-01 14:00 CEST"`,
      );
      return true;
    });
    Deno.writeTextFileSync(`${dir}/0002/time`, "2024-06-01T14:00:00.5Z");
    const drive = loadReplayDir(dir);
    assert.deepEqual([drive.tick(0).time, drive.tick(1).time], [
      "2024-06-01T12:00:00.000Z",
      "2024-06-01T14:00:00.500Z",
    ]);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
