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
  ticks: ReplayTick[];
}

const FILES = { iw: "iw.txt", bluetoothctl: "bluetoothctl.txt", gpspipe: "gpspipe.jsonl" } as const;

/**
 * Reads a replay folder.
 *
 * @example
 * ```ts
 * const drive = loadReplayDir("drives/2026-11-01");
 * drive.ticks.length; // 40
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
  const ticks = tickDirs.map((name) => {
    const tick: ReplayTick = {};
    for (const [key, file] of Object.entries(FILES) as [keyof ReplayTick, string][]) {
      try {
        tick[key] = Deno.readTextFileSync(join(dir, name, file));
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      }
    }
    return tick;
  });
  return { description: `replay of ${dir}`, ticks };
}
