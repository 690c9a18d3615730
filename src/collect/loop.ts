/**
 * The collect loop: every interval, scan WiFi, drain the Bluetooth and GPS streams, sample health
 * when due, and store the tick in one transaction. A stop request (SIGINT/SIGTERM, `--once`,
 * `--duration`, the end of a replay) finishes the current tick, stops the children, stores what
 * they printed last, and checkpoints the WAL.
 */
import type { DatabaseSync } from "node:sqlite";
import { dirname } from "node:path";
import { createBluetoothctlStreamParser } from "../parsers/bluetoothctl.ts";
import { createGpspipeStreamParser } from "../parsers/gpsd.ts";
import { HealthCollector } from "../collectors/health.ts";
import { StreamCollector } from "../collectors/stream.ts";
import { BluetoothInfoCollector } from "../collectors/bluetooth_info.ts";
import { WifiCollector } from "../collectors/wifi.ts";
import type { ToolResult } from "../collectors/tool.ts";
import { PiwardriveError } from "../errors.ts";
import { bluetoothObservations, PositionTracker, wifiObservations } from "./observe.ts";
import { type RecordedTime, ReplayClock, type ReplayDrive, type ReplayTick } from "./replay.ts";
import { type TickCounts, TickWriter } from "./store.ts";
import { slowQueryMs, watchSlowQueries } from "../db/slow_queries.ts";
import { OptimizeSchedule } from "../db/optimize.ts";
import type { Tick } from "./tick.ts";
import { loadOuiTable } from "../oui/mod.ts";

/**
 * V8 lets its old space fill with every tick's garbage until its next major collection, so the
 * resident size of a long collect ratchets up by ~10 MB between them. Run with `--expose-gc`
 * (the start task's V8 flags), the loop collects while it is about to sleep, when the tick's
 * garbage is all dead: the heap stays at its live size. At most one per `GC_EVERY_MS` bounds
 * the cost (~8 ms here) whatever the interval; without the flag this is a no-op.
 */
function collectGarbage(): boolean {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  return gc !== undefined;
}
const GC_EVERY_MS = 5_000;

export interface CollectOptions {
  dbPath: string;
  iface: string;
  intervalMs: number;
  healthIntervalMs: number;
  gpsd: string;
  maxFixAgeMs: number;
  wifi: boolean;
  bluetooth: boolean;
  gps: boolean;
  health: boolean;
  once: boolean;
  durationMs: number | null;
  replay: ReplayDrive | null;
  /** A replay's recording interval: the time between ticks that carry no time of their own. */
  replayIntervalMs: number;
}

/** What the CLI is told after each committed tick. */
export interface TickReport {
  tick: number;
  seenAt: string;
  counts: TickCounts;
  totals: { wifi: number; newWifi: number; bluetooth: number; newBluetooth: number; track: number };
  gps: { mode: number | null; fixAgeMs: number | null };
}

export interface CollectEvents {
  tick(report: TickReport): void;
  warning(message: string): void;
}

/** Clocks older than this year are taken as never set (the Pi has no RTC). */
const CLOCK_SET_SINCE_YEAR = 2024;

/**
 * Runs the loop until `signal` aborts or a stop condition is met.
 *
 * @example
 * ```ts
 * const stop = new AbortController();
 * await runCollect(db, options, { tick: console.log, warning: console.error }, stop.signal);
 * ```
 */
export async function runCollect(
  db: DatabaseSync,
  options: CollectOptions,
  events: CollectEvents,
  signal: AbortSignal,
): Promise<{ ticks: number }> {
  const replay = options.replay;
  let replayIndex = 0;
  let recorded: ReplayTick = {}; // the tick being replayed, read once
  // A replay's ticks carry the drive's time, never the replay's.
  const replayClock = replay
    ? new ReplayClock(replay, options.replayIntervalMs, () => new Date())
    : null;
  let recordedAt: RecordedTime | null = null;
  const replaySource = (_args: string[]): Promise<ToolResult> =>
    Promise.resolve({ kind: "ok", stdout: recorded.iw ?? "", stderr: "" });
  const wifi = options.wifi
    ? new WifiCollector(options.iface, replay ? replaySource : undefined)
    : null;
  const bluetooth = options.bluetooth
    ? new StreamCollector(
      "bluetooth",
      replay
        ? null
        : { command: "bluetoothctl", args: [], input: "scan on\n", quitInput: "scan off\nquit\n" },
      createBluetoothctlStreamParser(),
    )
    : null;
  const gps = options.gps
    ? new StreamCollector(
      "gps",
      replay ? null : { command: "gpspipe", args: ["-w", options.gpsd] },
      createGpspipeStreamParser(),
    )
    : null;
  // `info` enrichment needs the live tool; a replay has only what the session printed.
  const bluetoothInfo = options.bluetooth && !replay ? new BluetoothInfoCollector() : null;
  const health = options.health ? new HealthCollector(dirname(options.dbPath)) : null;
  const positions = new PositionTracker(options.maxFixAgeMs);
  await loadOuiTable(); // the writer looks vendors up for new networks and devices
  watchSlowQueries(db, { thresholdMs: slowQueryMs(db) }); // before the writer prepares
  const writer = new TickWriter(db);
  const optimize = new OptimizeSchedule(db);
  const totals = { wifi: 0, newWifi: 0, bluetooth: 0, newBluetooth: 0, track: 0 };
  const seenWifi = new Set<string>();
  const seenBt = new Set<string>();
  let lastHealthMs = -Infinity;
  let tickNumber = 0;
  let lastGcMs = -Infinity;
  const started = performance.now();

  bluetooth?.start();
  gps?.start();

  let tickNowMs = 0;
  const collectTick = async (final: boolean): Promise<Tick> => {
    if (replay && !final) {
      recorded = replay.tick(replayIndex);
      recordedAt = replayClock!.timeOf(replayIndex, recorded);
      if (replayIndex === 0 && replayClock!.untimed) {
        events.warning(
          `replay: no tick has a time file or a GPS time; ticks are timed from now, ${
            options.replayIntervalMs / 1000
          } s apart`,
        );
      }
      if (recorded.bluetoothctl) bluetooth?.feed(recorded.bluetoothctl);
      if (recorded.gpspipe) gps?.feed(recorded.gpspipe);
    }
    const scan = wifi && !final ? await wifi.scan() : null;
    const bt = bluetooth?.drain() ?? { items: [], warnings: [] };
    // No new `info` questions once stopping: nothing would wait for the answers.
    if (!final) {
      for (const event of bt.items) if (event.kind !== "del") bluetoothInfo?.request(event.address);
    }
    const fixes = gps?.drain() ?? { items: [], warnings: [] };
    // In a replay, fix ages and the track's system time run on the recorded clock too.
    const nowMs = recordedAt ? Date.parse(recordedAt.time) : performance.now();
    const systemNow = recordedAt ? new Date(recordedAt.time) : new Date();
    tickNowMs = nowMs;
    const track = positions.accept(fixes.items, nowMs, systemNow);
    let sample = null;
    if (health && !final && nowMs - lastHealthMs >= options.healthIntervalMs) {
      const result = await health.sample();
      sample = result.sample;
      lastHealthMs = nowMs;
      result.warnings.forEach(events.warning);
    }
    [...(scan?.warnings ?? []), ...bt.warnings, ...fixes.warnings].forEach(events.warning);
    const clock = recordedAt ?? chooseClock(systemNow, positions.status(nowMs).gpsTime);
    return {
      seenAt: clock.time,
      clock: clock.clock,
      position: positions.position(nowMs),
      wifi: wifiObservations(scan?.networks ?? []),
      bluetooth: bluetoothObservations(bt.items, bluetoothInfo?.take() ?? []),
      track,
      health: sample,
    };
  };

  const store = (tick: Tick) => {
    tickNumber++;
    const counts = writer.write(tick);
    for (const w of tick.wifi) seenWifi.add(w.bssid);
    for (const b of tick.bluetooth) seenBt.add(b.address);
    totals.wifi = seenWifi.size;
    totals.bluetooth = seenBt.size;
    totals.newWifi += counts.newWifi;
    totals.newBluetooth += counts.newBluetooth;
    totals.track += counts.track;
    const status = positions.status(tickNowMs);
    events.tick({
      tick: tickNumber,
      seenAt: tick.seenAt,
      counts,
      totals: { ...totals },
      gps: { mode: status.mode, fixAgeMs: status.fixAgeMs },
    });
  };

  try {
    while (!signal.aborted) {
      if (replay && replayIndex >= replay.length) break;
      const tick = await collectTick(false);
      replayIndex++;
      if (tickNumber === 0) ensureSomethingCollects(options, wifi, bluetooth, gps);
      store(tick);
      if (options.once) break;
      if (options.durationMs !== null && performance.now() - started >= options.durationMs) break;
      optimize.due();
      if (performance.now() - lastGcMs >= GC_EVERY_MS && collectGarbage()) {
        lastGcMs = performance.now();
      }
      await sleep(options.intervalMs, signal);
    }
  } finally {
    await Promise.all([bluetooth?.stop(), gps?.stop(), bluetoothInfo?.settle()]);
  }
  // What the streams printed while stopping belongs to the record too.
  const last = await collectTick(true);
  if (last.bluetooth.length > 0 || last.track.length > 0) store(last);
  optimize.run();
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  return { ticks: tickNumber };
}

function ensureSomethingCollects(
  options: CollectOptions,
  wifi: WifiCollector | null,
  bluetooth: StreamCollector<unknown> | null,
  gps: StreamCollector<unknown> | null,
): void {
  if (options.health || options.replay) return;
  const working = [wifi?.lastScanAvailable, bluetooth?.available, gps?.available].some((a) =>
    a === true
  );
  if (!working) {
    throw new PiwardriveError(
      "Nothing can be collected: no WiFi, Bluetooth or GPS tool works here and health is off (see the warnings above)",
    );
  }
}

function chooseClock(
  systemNow: Date,
  gpsTime: string | null,
): { time: string; clock: "system" | "gps" } {
  if (systemNow.getUTCFullYear() >= CLOCK_SET_SINCE_YEAR || gpsTime === null) {
    return { time: systemNow.toISOString(), clock: "system" };
  }
  const gps = new Date(gpsTime);
  if (Number.isNaN(gps.getTime()) || gps.getUTCFullYear() < CLOCK_SET_SINCE_YEAR) {
    return { time: systemNow.toISOString(), clock: "system" };
  }
  return { time: gps.toISOString(), clock: "gps" };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}
