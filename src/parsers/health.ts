/**
 * Parses the outputs of the tools the collector runs for device health: `ip -s -j link` (network
 * byte counters), `vcgencmd measure_temp` and thermal-zone files (SoC temperature), plus CPU load
 * from two `node:os` `cpus()` snapshots. The collector runs the tools by name because Deno refuses
 * reads of /proc and /sys without `--allow-all`. Pure (no `Deno.*`), never throws; a value out of
 * range is `null` or a warning, never a guess.
 *
 * @module
 */

import type { ParseResult } from "./types.ts";

/** Cumulative byte counters of one network interface since boot. */
export interface LinkBytes {
  ifname: string;
  rxBytes: number;
  txBytes: number;
}

/** CPU time counters of one core, in ms, as `node:os` `cpus()[i].times` gives them. */
export interface CpuTimes {
  user: number;
  nice: number;
  sys: number;
  idle: number;
  irq: number;
}

/** Below or above this a temperature reading is a fault, not the SoC (Pi's rated range). */
export const MIN_TEMP_C = -40;
export const MAX_TEMP_C = 150;

/** u64 counters arrive as JSON numbers; beyond 2^64 the value cannot be a counter. */
const MAX_COUNTER = 2 ** 64;
const MAX_IFNAME_CHARS = 64;

/**
 * Reads the per-interface byte counters from `ip -s -j link` (iproute2 JSON: an array of links with
 * `ifname` and `stats64.rx.bytes` / `stats64.tx.bytes`, or `stats` from older iproute2). A link
 * without usable counters is a warning `link N: …` (N counts from 1); bad JSON is one warning.
 *
 * @example
 * ```ts
 * parseIpLinkStats('[{"ifname":"wlan0","stats64":{"rx":{"bytes":10},"tx":{"bytes":20}}}]');
 * // { records: [{ ifname: "wlan0", rxBytes: 10, txBytes: 20 }], warnings: [] }
 * ```
 */
export function parseIpLinkStats(json: string): ParseResult<LinkBytes> {
  let links: unknown;
  try {
    links = JSON.parse(json);
  } catch {
    return { records: [], warnings: [`invalid JSON: ${snippet(json)}`] };
  }
  if (!Array.isArray(links)) {
    return { records: [], warnings: [`expected an array of links: ${snippet(json)}`] };
  }
  const records: LinkBytes[] = [];
  const warnings: string[] = [];
  links.forEach((link, i) => {
    const ifname = isObject(link) ? link.ifname : undefined;
    if (typeof ifname !== "string" || ifname === "" || ifname.length > MAX_IFNAME_CHARS) {
      warnings.push(`link ${i + 1}: no usable "ifname"`);
      return;
    }
    const stats = isObject(link) && (isObject(link.stats64) ? link.stats64 : link.stats);
    const rxBytes = counter(stats, "rx");
    const txBytes = counter(stats, "tx");
    if (rxBytes === undefined || txBytes === undefined) {
      warnings.push(`link ${i + 1}: no byte counters for ${JSON.stringify(ifname)}`);
      return;
    }
    records.push({ ifname, rxBytes, txBytes });
  });
  return { records, warnings };
}

/**
 * Totals received and sent bytes over links, by default without the loopback (`lo`: Linux has one
 * per network namespace, always so named), whose traffic never leaves the device.
 *
 * @example
 * ```ts
 * sumNetworkBytes([
 *   { ifname: "lo", rxBytes: 5, txBytes: 5 },
 *   { ifname: "wlan0", rxBytes: 10, txBytes: 20 },
 * ], { excludeLoopback: true }); // { rxBytes: 10, txBytes: 20 }
 * ```
 */
export function sumNetworkBytes(
  links: readonly LinkBytes[],
  opts: { excludeLoopback?: boolean } = {},
): { rxBytes: number; txBytes: number } {
  const excludeLoopback = opts.excludeLoopback ?? true;
  let rxBytes = 0;
  let txBytes = 0;
  for (const link of links) {
    if (excludeLoopback && link.ifname === "lo") continue;
    rxBytes += link.rxBytes;
    txBytes += link.txBytes;
  }
  return { rxBytes, txBytes };
}

/**
 * Reads the SoC temperature in °C from Raspberry Pi `vcgencmd measure_temp` (`temp=47.2'C`);
 * `null` for anything else or outside −40…150 °C.
 *
 * @example
 * ```ts
 * parseVcgencmdTemp("temp=47.2'C\n"); // 47.2
 * parseVcgencmdTemp("VCHI initialization failed"); // null
 * ```
 */
export function parseVcgencmdTemp(text: string): number | null {
  const match = /^temp=(-?\d{1,3}(?:\.\d{1,3})?)'C$/.exec(text.trim());
  return match ? inTempRange(Number(match[1])) : null;
}

/**
 * Reads a thermal-zone `temp` file (integer millidegrees Celsius, e.g. `47236`) and returns °C
 * (47.236); `null` for anything else or outside −40…150 °C.
 *
 * @example
 * ```ts
 * parseThermalMilliC("47236\n"); // 47.236
 * ```
 */
export function parseThermalMilliC(text: string): number | null {
  const trimmed = text.trim();
  return /^-?\d{1,7}$/.test(trimmed) ? inTempRange(Number(trimmed) / 1000) : null;
}

/**
 * CPU use in percent (0–100, all cores together) between two `node:os` `cpus()` snapshots: the
 * share of user+nice+sys+irq in the elapsed user+nice+sys+irq+idle time. `null` when it cannot be
 * told: core count changed (hotplug), a counter went backwards or is not finite, or no time passed.
 *
 * @example
 * ```ts
 * const t = (busy: number, idle: number) => ({ times: { user: busy, nice: 0, sys: 0, idle, irq: 0 } });
 * cpuPercentFromTimes([t(100, 900)], [t(150, 1_000)]); // 100 * 50 / 150 ≈ 33.3
 * ```
 */
export function cpuPercentFromTimes(
  prev: readonly { times: CpuTimes }[],
  next: readonly { times: CpuTimes }[],
): number | null {
  if (prev.length !== next.length || prev.length === 0) return null;
  let busyMs = 0;
  let idleMs = 0;
  for (let i = 0; i < prev.length; i++) {
    const a = prev[i]?.times;
    const b = next[i]?.times;
    if (!a || !b) return null;
    const busy = delta(a.user, b.user) + delta(a.nice, b.nice) + delta(a.sys, b.sys) +
      delta(a.irq, b.irq);
    const idle = delta(a.idle, b.idle);
    if (!Number.isFinite(busy) || !Number.isFinite(idle)) return null;
    busyMs += busy;
    idleMs += idle;
  }
  const totalMs = busyMs + idleMs;
  return totalMs > 0 ? Math.min(100, (100 * busyMs) / totalMs) : null;
}

/** Elapsed counter value; NaN (rejecting the pair) when a counter is bad or went backwards. */
function delta(before: number, after: number): number {
  return Number.isFinite(before) && Number.isFinite(after) && after >= before
    ? after - before
    : NaN;
}

function counter(stats: unknown, direction: "rx" | "tx"): number | undefined {
  const side = isObject(stats) ? stats[direction] : undefined;
  const bytes = isObject(side) ? side.bytes : undefined;
  return typeof bytes === "number" && Number.isInteger(bytes) && bytes >= 0 &&
      bytes < MAX_COUNTER
    ? bytes
    : undefined;
}

function inTempRange(celsius: number): number | null {
  return Number.isFinite(celsius) && celsius >= MIN_TEMP_C && celsius <= MAX_TEMP_C
    ? celsius
    : null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The start of the offending input, quoted, so a huge input cannot bloat the warning. */
function snippet(text: string): string {
  return JSON.stringify(text.length > 60 ? text.slice(0, 60) + "…" : text);
}
