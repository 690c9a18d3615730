/** The parsers under test and the invariants every record they return must hold. */
import {
  createBluetoothctlStreamParser,
  createGpspipeStreamParser,
  type GpsdMessage,
  type GpsdTpv,
  parseBluetoothctlDevices,
  parseBluetoothctlEvents,
  parseBluetoothctlInfo,
  parseGpspipe,
  parseIpLinkStats,
  parseIwScan,
  parseVcgencmdTemp,
} from "../../../src/parsers/mod.ts";
import type { Tool } from "./corpus.ts";

export interface Target {
  name: string;
  tool: Tool;
  stream: boolean;
  /** Runs the parser and returns the invariant failures (empty when all is well). */
  run(input: string, chunks: string[] | null): string[];
}

// ---------------------------------------------------------------------------------------------
// Invariants
// ---------------------------------------------------------------------------------------------

export const BT_ADDRESS = /^[0-9A-F]{2}(:[0-9A-F]{2}){5}$/;

/** Paths (`a.b[2]`) of numbers that are NaN or ±Infinity anywhere inside `value`. */
export function nonFinite(value: unknown, path = "", out: string[] = [], depth = 0): string[] {
  if (typeof value === "number") {
    if (!Number.isFinite(value)) out.push(`${path || "value"} is ${value}`);
  } else if (typeof value === "object" && value !== null && depth < 8) {
    for (const [k, v] of Object.entries(value)) {
      nonFinite(
        v,
        Array.isArray(value) ? `${path}[${k}]` : path ? `${path}.${k}` : k,
        out,
        depth + 1,
      );
    }
  }
  return out;
}

/** `null`, or a number within [min, max] (integer when asked). */
export function inRange(v: unknown, min: number, max: number, integer = false): boolean {
  return v === null ||
    (typeof v === "number" && v >= min && v <= max && (!integer || Number.isInteger(v)));
}

export function show(v: unknown): string {
  if (typeof v === "number") return Object.is(v, -0) ? "-0" : String(v);
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

export function checkIw(records: ReturnType<typeof parseIwScan>["records"]): string[] {
  const bad: string[] = [];
  records.forEach((r, i) => {
    const at = `record ${i}`;
    if (typeof r.bssid !== "string") bad.push(`${at}: bssid ${show(r.bssid)} is not a string`);
    if (r.ssid !== null && typeof r.ssid !== "string") bad.push(`${at}: ssid ${show(r.ssid)}`);
    if (!inRange(r.signalDbm, -120, 0)) bad.push(`${at}: signalDbm ${show(r.signalDbm)} ∉ −120…0`);
    if (!inRange(r.freqMhz, 1, 100_000)) bad.push(`${at}: freqMhz ${show(r.freqMhz)} ∉ 1…100000`);
    const f = typeof r.freqMhz === "number" ? r.freqMhz : null;
    const max = f === null ? 233 : f >= 2400 && f < 2500 ? 14 : f >= 4900 && f < 5925 ? 196 : 233;
    if (!inRange(r.channel, 1, max, true)) {
      bad.push(`${at}: channel ${show(r.channel)} ∉ 1…${max} for freqMhz ${show(r.freqMhz)}`);
    }
    for (const p of nonFinite(r)) bad.push(`${at}: ${p}`);
  });
  return bad;
}

export function checkBtAddress(at: string, address: unknown, bad: string[]): void {
  if (typeof address !== "string" || !BT_ADDRESS.test(address)) {
    bad.push(`${at}: address ${show(address)} is not AA:BB:CC:DD:EE:FF`);
  }
}

/** What a scan event and `info` both report of a device: its address, RSSI and TX power. */
function checkBtRadio(
  at: string,
  r: { address: unknown; rssiDbm: unknown; txPowerDbm: unknown },
  bad: string[],
): void {
  checkBtAddress(at, r.address, bad);
  if (!inRange(r.rssiDbm, -127, 0, true)) bad.push(`${at}: rssiDbm ${show(r.rssiDbm)} ∉ −127…0`);
  if (!inRange(r.txPowerDbm, -127, 20, true)) {
    bad.push(`${at}: txPowerDbm ${show(r.txPowerDbm)} ∉ −127…20`);
  }
}

export function checkBtEvents(
  records: ReturnType<typeof parseBluetoothctlEvents>["records"],
): string[] {
  const bad: string[] = [];
  records.forEach((r, i) => {
    const at = `record ${i}`;
    checkBtRadio(at, r, bad);
    if (!inRange(r.manufacturerId, 0, 0xffff, true)) {
      bad.push(`${at}: manufacturerId ${show(r.manufacturerId)} ∉ 0…65535`);
    }
    if (r.name !== null && typeof r.name !== "string") bad.push(`${at}: name ${show(r.name)}`);
    for (const p of nonFinite(r)) bad.push(`${at}: ${p}`);
  });
  return bad;
}

export function checkBtDevices(
  records: ReturnType<typeof parseBluetoothctlDevices>["records"],
): string[] {
  const bad: string[] = [];
  records.forEach((r, i) => {
    checkBtAddress(`record ${i}`, r.address, bad);
    if (r.name !== null && typeof r.name !== "string") {
      bad.push(`record ${i}: name ${show(r.name)}`);
    }
  });
  return bad;
}

export function checkBtInfo(
  records: ReturnType<typeof parseBluetoothctlInfo>["records"],
): string[] {
  const bad: string[] = [];
  if (records.length > 1) bad.push(`${records.length} records: info describes one device`);
  records.forEach((r, i) => {
    const at = `record ${i}`;
    checkBtRadio(at, r, bad);
    if (!inRange(r.batteryPercent, 0, 100, true)) {
      bad.push(`${at}: batteryPercent ${show(r.batteryPercent)} ∉ 0…100`);
    }
    if (!inRange(r.manufacturerId, 0, 0xffff, true)) {
      bad.push(`${at}: manufacturerId ${show(r.manufacturerId)} ∉ 0…65535`);
    }
    for (const p of nonFinite(r)) bad.push(`${at}: ${p}`);
  });
  return bad;
}

export function checkGpsd(records: GpsdMessage[]): string[] {
  const bad: string[] = [];
  records.forEach((m, i) => {
    const at = `record ${i}`;
    const cls: unknown = m.class;
    if (typeof cls !== "string") bad.push(`${at}: class ${show(cls)}`);
    for (const p of nonFinite(m)) bad.push(`${at}: ${p}`);
    if (m.class !== "TPV") return;
    const t = m as GpsdTpv;
    const mode: unknown = t.mode;
    if (mode !== 0 && mode !== 1 && mode !== 2 && mode !== 3) bad.push(`${at}: mode ${show(mode)}`);
    const hasLat = "lat" in t && t.lat !== undefined;
    const hasLon = "lon" in t && t.lon !== undefined;
    if (hasLat !== hasLon) bad.push(`${at}: lat ${show(t.lat)} without lon ${show(t.lon)}`);
    if (hasLat && !(typeof t.lat === "number" && Math.abs(t.lat) <= 90)) {
      bad.push(`${at}: lat ${show(t.lat)} ∉ −90…90`);
    }
    if (hasLon && !(typeof t.lon === "number" && Math.abs(t.lon) <= 180)) {
      bad.push(`${at}: lon ${show(t.lon)} ∉ −180…180`);
    }
    if ((hasLat || hasLon) && typeof mode === "number" && mode < 2) {
      bad.push(`${at}: position in mode ${mode}`);
    }
    if (hasLat && hasLon && t.lat === 0 && t.lon === 0) bad.push(`${at}: position (0, 0)`);
  });
  return bad;
}

export function checkLinks(records: ReturnType<typeof parseIpLinkStats>["records"]): string[] {
  const bad: string[] = [];
  records.forEach((r, i) => {
    const at = `record ${i}`;
    if (typeof r.ifname !== "string" || r.ifname === "") {
      bad.push(`${at}: ifname ${show(r.ifname)}`);
    }
    for (const key of ["rxBytes", "txBytes"] as const) {
      const v = r[key];
      if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
        bad.push(`${at}: ${key} ${show(v)}`);
      }
    }
  });
  return bad;
}

export function checkTemp(t: unknown): string[] {
  return inRange(t, -40, 150) && (t === null || Number.isFinite(t))
    ? []
    : [`temperature ${show(t)} ∉ −40…150`];
}

/** Chunked results must equal the whole-text parse: a chunk boundary is not information. */
export function sameRecords(chunked: unknown[], whole: unknown[]): string[] {
  const a = JSON.stringify(chunked);
  const b = JSON.stringify(whole);
  if (a === b) return [];
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return [
    `chunked parse gave ${chunked.length} records, whole-text ${whole.length}; first difference ` +
    `at char ${i}: ${show(a.slice(i, i + 30))} vs ${show(b.slice(i, i + 30))}`,
  ];
}

/** A whole-text parser: `run` parses the input and returns what `check` finds wrong. */
function wholeTarget(name: string, tool: Tool, run: (text: string) => string[]): Target {
  return { name, tool, stream: false, run };
}

/**
 * A stream parser fed the input chunk by chunk: its records must pass `check` and equal what the
 * whole-text parser returns for the same input.
 */
function streamTarget<T>(
  name: string,
  tool: Tool,
  create: () => { push(chunk: string): T[]; end(): T[] },
  whole: (text: string) => T[],
  check: (records: T[]) => string[],
): Target {
  return {
    name,
    tool,
    stream: true,
    run(text, chunks) {
      const parser = create();
      const records = (chunks ?? [text]).flatMap((c) => parser.push(c));
      records.push(...parser.end());
      const bad = check(records);
      return bad.length ? bad : sameRecords(records, whole(text));
    },
  };
}

const btEvents = (text: string) => parseBluetoothctlEvents(text).records;
const gpsd = (text: string) => parseGpspipe(text).records;

/** The parsers fuzzed, one report row each, in report order. */
export const PARSERS: readonly Target[] = [
  wholeTarget("parseIwScan", "iw", (t) => checkIw(parseIwScan(t).records)),
  wholeTarget("parseBluetoothctlEvents", "bluetoothctl", (t) => checkBtEvents(btEvents(t))),
  streamTarget(
    "createBluetoothctlStreamParser",
    "bluetoothctl",
    createBluetoothctlStreamParser,
    btEvents,
    checkBtEvents,
  ),
  wholeTarget(
    "parseBluetoothctlDevices",
    "bluetoothctl",
    (t) => checkBtDevices(parseBluetoothctlDevices(t).records),
  ),
  wholeTarget(
    "parseBluetoothctlInfo",
    "bluetoothctl",
    (t) => checkBtInfo(parseBluetoothctlInfo(t).records),
  ),
  wholeTarget("parseGpspipe", "gpsd", (t) => checkGpsd(gpsd(t))),
  streamTarget("createGpspipeStreamParser", "gpsd", createGpspipeStreamParser, gpsd, checkGpsd),
  wholeTarget("parseIpLinkStats", "health", (t) => checkLinks(parseIpLinkStats(t).records)),
  wholeTarget("parseVcgencmdTemp", "vcgencmd", (t) => checkTemp(parseVcgencmdTemp(t))),
];
