/**
 * Replays: recorded tool output fed to the collectors instead of running the tools. On disk a
 * replay is a folder with one sub-folder per tick, in name order (`0001/`, `0002/`, …), each
 * holding what the tools printed during that tick: `iw.txt` (one `iw dev <if> scan`),
 * `bluetoothctl.txt` (the interactive session's output), `gpspipe.jsonl` (`gpspipe -w` lines).
 * A missing file means the tool printed nothing in that tick.
 */
import { join } from "node:path";
import { UsageError } from "../errors.ts";

export interface ReplayTick {
  iw?: string;
  bluetoothctl?: string;
  gpspipe?: string;
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

const FILES = { iw: "iw.txt", bluetoothctl: "bluetoothctl.txt", gpspipe: "gpspipe.jsonl" } as const;

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
  return {
    description: `replay of ${dir}`,
    length: tickDirs.length,
    tick(index) {
      const tick: ReplayTick = {};
      const name = tickDirs[index];
      if (name === undefined) return tick;
      for (const [key, file] of Object.entries(FILES) as [keyof ReplayTick, string][]) {
        try {
          tick[key] = Deno.readTextFileSync(join(dir, name, file));
        } catch (error) {
          if (!(error instanceof Deno.errors.NotFound)) {
            throw new UsageError(
              `Cannot read replay file "${join(dir, name, file)}": ${(error as Error).message}`,
            );
          }
        }
      }
      return tick;
    },
  };
}
