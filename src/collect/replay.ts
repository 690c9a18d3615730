/**
 * Replays: recorded tool output fed to the collectors instead of running the tools. On disk a
 * replay is a folder with one sub-folder per tick, in name order (`0001/`, `0002/`, …), each
 * holding what the tools printed during that tick: `iw.txt` (one `iw dev <if> scan`),
 * `bluetoothctl.txt` (the interactive session's output), `gpspipe.jsonl` (`gpspipe -w` lines),
 * and optionally `time` (when the tick was recorded, ISO-8601 UTC). A missing file means the tool
 * printed nothing in that tick.
 */
import { join } from "node:path";
import { UsageError } from "../errors.ts";
import {
  CLOCK_UNSET_BEFORE_YEAR,
  gpsTimeIsPlausible,
  isGpsdClass,
  parseGpspipe,
} from "../parsers/gpsd.ts";

export interface ReplayTick {
  iw?: string;
  bluetoothctl?: string;
  gpspipe?: string;
  /** When the tick was recorded: ISO-8601 UTC, checked when read. */
  time?: string;
}

export interface ReplayDrive {
  description: string;
  /** Number of ticks. */
  length: number;
  /** Tick `index` (0-based), read when asked for: a long drive is never all in memory. */
  tick(index: number): ReplayTick;
}

/** A drive held in memory (the embedded sample). */
export function driveFromTicks(description: string, ticks: ReplayTick[]): ReplayDrive {
  return { description, length: ticks.length, tick: (index) => ticks[index] ?? {} };
}

const FILES = {
  iw: "iw.txt",
  bluetoothctl: "bluetoothctl.txt",
  gpspipe: "gpspipe.jsonl",
  time: "time",
} as const;

/** `2026-11-01T10:00:05Z`, `…:05.250Z` or `…+00:00`: UTC only, so no zone is guessed. */
const UTC_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:Z|[+-]00:?00)$/;

/** `text` (a tick's `time` file) as an ISO time, or a message saying what is wrong. */
export function parseTickTime(text: string): string | Error {
  const trimmed = text.trim();
  const ms = Date.parse(trimmed.replace(/([+-]00):?(00)$/, "Z"));
  if (!UTC_TIME.test(trimmed) || !Number.isFinite(ms)) {
    return new Error(
      `expected one ISO-8601 UTC time like 2026-11-01T10:00:05Z, got ${
        JSON.stringify(trimmed.slice(0, 40))
      }`,
    );
  }
  return new Date(ms).toISOString();
}

/**
 * Reads a replay folder.
 *
 * @example
 * ```ts
 * const drive = loadReplayDir("drives/2026-11-01");
 * drive.length; // 40
 * ```
 */
export function loadReplayDir(dir: string): ReplayDrive {
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(dir)];
  } catch (error) {
    const why = error instanceof Deno.errors.NotFound ? "no such folder" : (error as Error).message;
    throw new UsageError(`Cannot read replay "${dir}": ${why}`);
  }
  const tickDirs = entries.filter((e) => e.isDirectory).map((e) => e.name).sort();
  if (tickDirs.length === 0) {
    throw new UsageError(
      `Cannot read replay "${dir}": no tick folders (expected 0001/, 0002/, … holding iw.txt, bluetoothctl.txt, gpspipe.jsonl)`,
    );
  }
  // Every time file is checked before the first tick is stored: a bad one refuses the replay.
  const times = tickDirs.map((name) => {
    const path = join(dir, name, FILES.time);
    const text = readTickFile(path);
    if (text === undefined) return undefined;
    const time = parseTickTime(text);
    if (time instanceof Error) {
      throw new UsageError(`Cannot read replay file "${path}": ${time.message}`);
    }
    return time;
  });
  return {
    description: `replay of ${dir}`,
    length: tickDirs.length,
    tick(index) {
      const tick: ReplayTick = {};
      const name = tickDirs[index];
      if (name === undefined) return tick;
      for (const [key, file] of Object.entries(FILES) as [keyof ReplayTick, string][]) {
        if (key === "time") continue;
        const text = readTickFile(join(dir, name, file));
        if (text !== undefined) tick[key] = text;
      }
      if (times[index] !== undefined) tick.time = times[index];
      return tick;
    },
  };
}

/** A tick's file, or undefined when the tool printed nothing (no file). */
function readTickFile(path: string): string | undefined {
  try {
    return Deno.readTextFileSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw new UsageError(`Cannot read replay file "${path}": ${(error as Error).message}`);
  }
}

/** A tick's time and the clock it came from (`sightings.clock`). */
export interface RecordedTime {
  time: string;
  clock: "system" | "gps";
}

/** gpsd times before this year come from a receiver that does not know the date yet. */
const UNSET = new Date(Date.UTC(CLOCK_UNSET_BEFORE_YEAR - 1, 0, 1));

/**
 * When a replayed tick happened, from the recording alone: its `time` file; else the newest
 * plausible time gpsd reported in it (a TPV of a receiver that knows the date); else the tick
 * before it plus the recording interval; and ticks before the first timed one count back from
 * it. Only a recording with no time at all is timed from `start` (the replay's own clock).
 */
export class ReplayClock {
  readonly #drive: ReplayDrive;
  readonly #spacingMs: number;
  readonly #start: () => Date;
  #previous: { ms: number; clock: RecordedTime["clock"] } | null = null;
  #anchor: { index: number; ms: number; clock: RecordedTime["clock"] } | null | undefined;

  constructor(drive: ReplayDrive, spacingMs: number, start: () => Date) {
    this.#drive = drive;
    this.#spacingMs = spacingMs;
    this.#start = start;
  }

  /** True when no tick of the drive carries a time (then ticks are timed from `start`). */
  get untimed(): boolean {
    return this.#anchor === null;
  }

  /** The time of tick `index` (taken in order), whose recorded content is `tick`. */
  timeOf(index: number, tick: ReplayTick): RecordedTime {
    const own = recordedTime(tick);
    if (own !== null) {
      this.#previous = { ms: Date.parse(own.time), clock: own.clock };
      return own;
    }
    if (this.#previous !== null) {
      this.#previous = { ...this.#previous, ms: this.#previous.ms + this.#spacingMs };
    } else {
      const anchor = this.#findAnchor(index);
      this.#previous = anchor === null
        ? { ms: this.#start().getTime() + index * this.#spacingMs, clock: "system" }
        : { ms: anchor.ms - (anchor.index - index) * this.#spacingMs, clock: anchor.clock };
    }
    return { time: new Date(this.#previous.ms).toISOString(), clock: this.#previous.clock };
  }

  /** The first tick from `index` on that carries a time, looked for once. */
  #findAnchor(index: number): { index: number; ms: number; clock: RecordedTime["clock"] } | null {
    if (this.#anchor !== undefined) return this.#anchor;
    this.#anchor = null;
    for (let i = index + 1; i < this.#drive.length; i++) {
      const own = recordedTime(this.#drive.tick(i));
      if (own === null) continue;
      this.#anchor = { index: i, ms: Date.parse(own.time), clock: own.clock };
      break;
    }
    return this.#anchor;
  }
}

/** The tick's own time: its `time` file, else the newest plausible gpsd TPV time in it. */
export function recordedTime(tick: ReplayTick): RecordedTime | null {
  if (tick.time !== undefined) return { time: tick.time, clock: "system" };
  let newest: number | null = null;
  for (const m of parseGpspipe(tick.gpspipe ?? "").records) {
    if (!isGpsdClass(m, "TPV") || m.time === undefined || !gpsTimeIsPlausible(m.time, UNSET)) {
      continue;
    }
    const ms = Date.parse(m.time);
    if (newest === null || ms > newest) newest = ms;
  }
  return newest === null ? null : { time: new Date(newest).toISOString(), clock: "gps" };
}
