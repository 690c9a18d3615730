/**
 * Options several commands share, and the parsers of option values: each rule of what a value
 * may be is written here once. A bad value is commander's `InvalidArgumentError`, which the
 * program reports as a usage error (exit 2) with the command's usage line; its text ends without a
 * period like every message.
 */
import { InvalidArgumentError, Option } from "@commander-js/extra-typings";
import { errorMessage } from "../errors.ts";
import { parseTimeBound } from "../export/mod.ts";

/** Seconds a command waits for the lock another piwardrive process holds, unless told. */
const DEFAULT_LOCK_WAIT_S = 30;

/**
 * A parser that turns `parse`'s error (a `SyntaxError`, a `RangeError`) into a usage error.
 *
 * @example
 * ```ts
 * new Command("x").option("--since <time>", "from this time", asOption(parseTimeBound));
 * ```
 */
export function asOption<T>(parse: (text: string) => T) {
  return (text: string): T => {
    try {
      return parse(text);
    } catch (error) {
      throw new InvalidArgumentError(errorMessage(error));
    }
  };
}

/** A non-negative integer option value, or a usage error naming the option. */
export function parseNonNegativeInt(option: string) {
  return (value: string): number => {
    if (!/^\d{1,9}$/.test(value.trim())) {
      throw new InvalidArgumentError(`${option} expects a whole number ≥ 0, got "${value}"`);
    }
    return Number(value);
  };
}

/**
 * `--lock-wait <seconds>`: how long to wait for `what` (e.g. "other piwardrive processes").
 *
 * @example
 * ```ts
 * new Command("vacuum").addOption(lockWaitOption("other piwardrive processes"));
 * ```
 */
export function lockWaitOption(what: string) {
  return new Option("--lock-wait <seconds>", `wait this long for ${what}`)
    .argParser(parseNonNegativeInt("--lock-wait"))
    .default(DEFAULT_LOCK_WAIT_S);
}

/** `--since <time>`: an ISO-8601 date or time (UTC without a zone), from which on. */
export function sinceOption(
  description = "from this ISO-8601 date or time on (UTC without a zone)",
) {
  return new Option("--since <time>", description).argParser(asOption(parseTimeBound));
}

/** `--until <time>`: an ISO-8601 date or time, before which. */
export function untilOption(description = "before this ISO-8601 date or time") {
  return new Option("--until <time>", description).argParser(asOption(parseTimeBound));
}

/** `-o, --output <file>` of a command that writes through the output writer (`output_file.ts`). */
export function outputOption(description = 'file to write; "-" or none for stdout') {
  return new Option("-o, --output <file>", description);
}

/** `--force`: let `-o` replace an existing file. */
export function forceOption(
  description = "replace an existing output file (keeping its owner and mode)",
) {
  return new Option("--force", description);
}

/** `--json`, described as what it prints. */
export function jsonOption(description = "machine-readable output") {
  return new Option("--json", description);
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `5s`, `500ms`, `10m`, `1h`, or a bare number of seconds; at most a week. */
export function parseDuration(option: string, allowZero = false) {
  return (value: string): number => {
    const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
    const ms = match ? Number(match[1]) * UNITS[match[2] ?? "s"] : NaN;
    if (!Number.isFinite(ms) || (!allowZero && ms <= 0) || ms > 7 * 86_400_000) {
      throw new InvalidArgumentError(
        `${option} expects a duration like 5s, 500ms, 10m or 1h${
          allowZero ? "" : " (more than 0)"
        }, got "${value}"`,
      );
    }
    return Math.round(ms);
  };
}

/** A duration option whose default `--help` shows as the user would type it (`5s`, not 5000). */
export function durationOption(
  flags: string,
  description: string,
  defaultMs: number,
  allowZero = false,
) {
  const name = flags.split(" ")[0];
  return new Option(flags, description)
    .argParser(parseDuration(name, allowZero))
    .default(defaultMs, formatDuration(defaultMs));
}

/** 5000 → "5s", 120000 → "2m", 500 → "500ms": the shortest form parseDuration reads back. */
export function formatDuration(ms: number): string {
  const unit = ["h", "m", "s"].find((u) => ms > 0 && ms % UNITS[u] === 0);
  return unit === undefined ? `${ms}ms` : `${ms / UNITS[unit]}${unit}`;
}
