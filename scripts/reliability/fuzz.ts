/**
 * Hostile-input fuzzer for the pure parsers of `src/parsers/`. Each case takes one capture (the
 * real ones in `../shared/fixtures/real/`, read in place, and the project's `tests/fixtures/`),
 * applies 1–4 seeded mutations, runs one parser and checks every record it returns. Stream parsers
 * get the input in random chunks and must agree with their whole-text form.
 *
 * Every case has its own PRNG, seeded from (seed, parser name, case index), so any one case can be
 * rebuilt alone: `fuzzCase(parser, seed, index)`, or `fuzz_main.ts --seed S --repro parser:index`.
 *
 * Ranges checked follow each parser's documented contract where it differs from a "typical" one:
 * - iw `freqMhz`: 1–100000 MHz, not only 2400–7125. `parseIwScan` keeps any frequency in that
 *   range (902.5 MHz S1G, 58320 MHz 60 GHz) and only warns that it has no 2.4/5/6 GHz channel.
 * - iw `channel`: 2400–2500 MHz 1–14; 4900–5925 MHz 1–196, not 32–177: the parser documents the
 *   4.9 GHz channels 182–196 (Japan, public safety) and 802.11j's 7–16 (5035–5080 MHz), and
 *   accepts any DS/HT channel up to 196 there; other or unknown frequencies 1–233.
 * - bluetoothctl `rssiDbm`: −127…0, the range the parser enforces (TxPower is −127…20).
 *
 * @module
 */
import { sharedCaptures } from "../../tests/shared_fixtures.ts";
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
} from "../../src/parsers/mod.ts";

/** One parser's result. */
export interface FuzzRow {
  parser: string;
  cases: number;
  /** Cases in which the parser threw. */
  exceptions: number;
  /** Invariant failures (one per field and record), counted over all cases. */
  rangeViolations: number;
  /** Seed, case index and what went wrong in the first failing case, or null. */
  firstFailure: string | null;
  ms: number;
}

export interface FuzzReport {
  rows: FuzzRow[];
}

export interface FuzzOptions {
  casesPerParser: number;
  seed: number;
  onProgress?: (line: string) => void;
  /** Only these parsers (names as in {@link PARSERS}); all by default. */
  parsers?: string[];
}

/** One mutated input, enough to rerun the case by hand. */
export interface FuzzCase {
  parser: string;
  seed: number;
  index: number;
  input: string;
  /** Chunks pushed one by one (stream parsers only); they concatenate to `input`. */
  chunks: string[] | null;
  /** Source file and mutations, e.g. `iw/iw-6.9-6ghz-scan.txt +shuffleLines +nul`. */
  description: string;
}

type Tool = "iw" | "bluetoothctl" | "gpsd" | "health" | "vcgencmd";
type Corpus = Record<Tool, { name: string; text: string }[]>;

interface Target {
  name: string;
  tool: Tool;
  stream: boolean;
  /** Runs the parser and returns the invariant failures (empty when all is well). */
  run(input: string, chunks: string[] | null): string[];
}

// ---------------------------------------------------------------------------------------------
// Invariants
// ---------------------------------------------------------------------------------------------

const BT_ADDRESS = /^[0-9A-F]{2}(:[0-9A-F]{2}){5}$/;

/** Paths (`a.b[2]`) of numbers that are NaN or ±Infinity anywhere inside `value`. */
function nonFinite(value: unknown, path = "", out: string[] = [], depth = 0): string[] {
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
function inRange(v: unknown, min: number, max: number, integer = false): boolean {
  return v === null ||
    (typeof v === "number" && v >= min && v <= max && (!integer || Number.isInteger(v)));
}

function show(v: unknown): string {
  if (typeof v === "number") return Object.is(v, -0) ? "-0" : String(v);
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

function checkIw(records: ReturnType<typeof parseIwScan>["records"]): string[] {
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

function checkBtAddress(at: string, address: unknown, bad: string[]): void {
  if (typeof address !== "string" || !BT_ADDRESS.test(address)) {
    bad.push(`${at}: address ${show(address)} is not AA:BB:CC:DD:EE:FF`);
  }
}

function checkBtEvents(records: ReturnType<typeof parseBluetoothctlEvents>["records"]): string[] {
  const bad: string[] = [];
  records.forEach((r, i) => {
    const at = `record ${i}`;
    checkBtAddress(at, r.address, bad);
    if (!inRange(r.rssiDbm, -127, 0, true)) bad.push(`${at}: rssiDbm ${show(r.rssiDbm)} ∉ −127…0`);
    if (!inRange(r.txPowerDbm, -127, 20, true)) {
      bad.push(`${at}: txPowerDbm ${show(r.txPowerDbm)} ∉ −127…20`);
    }
    if (!inRange(r.manufacturerId, 0, 0xffff, true)) {
      bad.push(`${at}: manufacturerId ${show(r.manufacturerId)} ∉ 0…65535`);
    }
    if (r.name !== null && typeof r.name !== "string") bad.push(`${at}: name ${show(r.name)}`);
    for (const p of nonFinite(r)) bad.push(`${at}: ${p}`);
  });
  return bad;
}

function checkBtDevices(records: ReturnType<typeof parseBluetoothctlDevices>["records"]): string[] {
  const bad: string[] = [];
  records.forEach((r, i) => {
    checkBtAddress(`record ${i}`, r.address, bad);
    if (r.name !== null && typeof r.name !== "string") {
      bad.push(`record ${i}: name ${show(r.name)}`);
    }
  });
  return bad;
}

function checkBtInfo(records: ReturnType<typeof parseBluetoothctlInfo>["records"]): string[] {
  const bad: string[] = [];
  if (records.length > 1) bad.push(`${records.length} records: info describes one device`);
  records.forEach((r, i) => {
    const at = `record ${i}`;
    checkBtAddress(at, r.address, bad);
    if (!inRange(r.rssiDbm, -127, 0, true)) bad.push(`${at}: rssiDbm ${show(r.rssiDbm)} ∉ −127…0`);
    if (!inRange(r.txPowerDbm, -127, 20, true)) {
      bad.push(`${at}: txPowerDbm ${show(r.txPowerDbm)} ∉ −127…20`);
    }
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

function checkGpsd(records: GpsdMessage[]): string[] {
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

function checkLinks(records: ReturnType<typeof parseIpLinkStats>["records"]): string[] {
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

function checkTemp(t: unknown): string[] {
  return inRange(t, -40, 150) && (t === null || Number.isFinite(t))
    ? []
    : [`temperature ${show(t)} ∉ −40…150`];
}

/** Chunked results must equal the whole-text parse: a chunk boundary is not information. */
function sameRecords(chunked: unknown[], whole: unknown[]): string[] {
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

/** The parsers fuzzed, one report row each, in report order. */
export const PARSERS: readonly Target[] = [
  { name: "parseIwScan", tool: "iw", stream: false, run: (t) => checkIw(parseIwScan(t).records) },
  {
    name: "parseBluetoothctlEvents",
    tool: "bluetoothctl",
    stream: false,
    run: (t) => checkBtEvents(parseBluetoothctlEvents(t).records),
  },
  {
    name: "createBluetoothctlStreamParser",
    tool: "bluetoothctl",
    stream: true,
    run(t, chunks) {
      const parser = createBluetoothctlStreamParser();
      const records = (chunks ?? [t]).flatMap((c) => parser.push(c));
      records.push(...parser.end());
      const bad = checkBtEvents(records);
      return bad.length ? bad : sameRecords(records, parseBluetoothctlEvents(t).records);
    },
  },
  {
    name: "parseBluetoothctlDevices",
    tool: "bluetoothctl",
    stream: false,
    run: (t) => checkBtDevices(parseBluetoothctlDevices(t).records),
  },
  {
    name: "parseBluetoothctlInfo",
    tool: "bluetoothctl",
    stream: false,
    run: (t) => checkBtInfo(parseBluetoothctlInfo(t).records),
  },
  {
    name: "parseGpspipe",
    tool: "gpsd",
    stream: false,
    run: (t) => checkGpsd(parseGpspipe(t).records),
  },
  {
    name: "createGpspipeStreamParser",
    tool: "gpsd",
    stream: true,
    run(t, chunks) {
      const parser = createGpspipeStreamParser();
      const records = (chunks ?? [t]).flatMap((c) => parser.push(c));
      records.push(...parser.end());
      const bad = checkGpsd(records);
      return bad.length ? bad : sameRecords(records, parseGpspipe(t).records);
    },
  },
  {
    name: "parseIpLinkStats",
    tool: "health",
    stream: false,
    run: (t) => checkLinks(parseIpLinkStats(t).records),
  },
  {
    name: "parseVcgencmdTemp",
    tool: "vcgencmd",
    stream: false,
    run: (t) => checkTemp(parseVcgencmdTemp(t)),
  },
];

// ---------------------------------------------------------------------------------------------
// Corpus
// ---------------------------------------------------------------------------------------------

const FIXTURES = new URL("../../tests/fixtures/", import.meta.url);
/** `vcgencmd measure_temp` has no capture in the tree: these are what the Pi prints. */
const VCGENCMD_SEEDS = [
  "temp=47.2'C\n",
  "temp=85.0'C\n",
  "temp=-3.5'C\n",
  "VCHI initialization failed\n",
  "temp=150.0'C\n",
];

function projectFixtures(tool: string): { name: string; text: string }[] {
  const dir = new URL(`${tool}/`, FIXTURES);
  return [...Deno.readDirSync(dir)]
    .map((e) => e.name)
    .filter((n) => /\.(txt|jsonl|json)$/.test(n) && !n.endsWith(".expected.json"))
    .sort()
    .map((n) => ({ name: `${tool}/${n}`, text: Deno.readTextFileSync(new URL(n, dir)) }));
}

function shared(tool: string): { name: string; text: string }[] {
  return (sharedCaptures(tool) ?? []).map((c) => ({
    name: `real/${tool}/${c.name}`,
    text: c.text,
  }));
}

let corpusCache: Corpus | null = null;

/** Every seed input by tool. The real captures are read in place, never copied. */
export function loadCorpus(): Corpus {
  corpusCache ??= {
    iw: [...projectFixtures("iw"), ...shared("iw")],
    bluetoothctl: [...projectFixtures("bluetoothctl"), ...shared("bluetoothctl")],
    gpsd: [...projectFixtures("gpsd"), ...shared("gpsd")],
    health: projectFixtures("health"),
    vcgencmd: VCGENCMD_SEEDS.map((text, i) => ({ name: `vcgencmd/seed-${i}`, text })),
  };
  return corpusCache;
}

// ---------------------------------------------------------------------------------------------
// Randomness
// ---------------------------------------------------------------------------------------------

/** mulberry32 plus the draws the mutations need. Integer arithmetic only: same on every machine. */
class Rng {
  #s: number;
  constructor(seed: number) {
    this.#s = seed >>> 0;
  }
  next(): number {
    this.#s = (this.#s + 0x6d2b79f5) >>> 0;
    let t = this.#s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** Integer in [min, max]. */
  between(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

function fmix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Seed of one case: independent of other parsers and cases, so any case replays alone. */
function caseSeed(seed: number, parser: string, index: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < parser.length; i++) h = Math.imul(h ^ parser.charCodeAt(i), 0x01000193);
  return fmix32(fmix32(h ^ fmix32(seed >>> 0)) ^ fmix32((index + 0x9e3779b9) >>> 0));
}

// ---------------------------------------------------------------------------------------------
// Mutations
// ---------------------------------------------------------------------------------------------

const ENCODER = new TextEncoder();
const DECODER = new TextDecoder("utf-8", { fatal: false });
const MB = 1 << 20;
const NUMBER = /-?\d+(?:\.\d+)?/g;

function insertAt(text: string, pos: number, s: string): string {
  return text.slice(0, pos) + s + text.slice(pos);
}

function mapLines(text: string, f: (lines: string[]) => string[]): string {
  return f(text.split("\n")).join("\n");
}

function randomBytes(rng: Rng, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = rng.chance(0.6) ? 0x80 + rng.int(128) : rng.int(256);
  return b;
}

function randomMac(rng: Rng): string {
  return Array.from({ length: 6 }, () => rng.int(256).toString(16).padStart(2, "0")).join(":");
}

const HUGE_NUMBERS = [
  "-99999999.00",
  "99999999",
  "1e308",
  "-1e308",
  "1e309",
  "1.7976931348623157e308",
  "NaN",
  "-NaN",
  "-0",
  "-0.0",
  "Infinity",
  "-Infinity",
  "0",
  "00",
  "-",
  ".",
  "1e-400",
  "4.9e-324",
  "9".repeat(400),
  "18446744073709551616",
  "18446744073709551615",
  "-2147483649",
  "0x7fffffff",
  "0xffffffff",
  "2.5",
  "-120.01",
  "-127",
  "-128",
  "20",
  "21",
  "90.0000001",
  "-180.0000001",
  "1E+2",
];

const EMOJI = [
  "😀",
  "👨‍👩‍👧‍👦",
  "🇺🇸",
  "❤️",
  "\u202e",
  "\ufeff",
  "\u200b",
  "\u0301",
  "𝕏",
  "ﷺ",
  "\u2028",
  "\u2029",
  "\u0085",
  "\ufffd",
];

const ANSI = [
  "\x1b[0;94m",
  "\x1b[0m",
  "\x1b[K",
  "\x1b]0;title\x07",
  "\x1b",
  "\x1b[",
  "\x01\x1b[0;93m\x02",
  "\x1b[22P",
  "\x1b[?2004h",
  "\x9b31m",
  "\x1bc",
  "\x1b]8;;http://x\x1b\\",
];

/** Lines that target each parser's numbers and ranges. */
function hostileLine(rng: Rng, tool: Tool): string {
  const mac = randomMac(rng);
  const MAC = mac.toUpperCase();
  const ch = () => rng.pick([0, 1, 6, 13, 14, 15, 36, 149, 165, 177, 181, 196, 197, 233, 234, 999]);
  const iw = [
    () =>
      `\tsignal: ${
        rng.pick([
          "-99999999.00",
          "NaN",
          "-0.00",
          "-0.-50",
          "5.00",
          "-120.01",
          "-9999.99",
          "-120.00",
          "-43.-50",
          "-1e3",
        ])
      } dBm`,
    () =>
      `\tfreq: ${
        rng.pick([
          "99999999",
          "999999.999",
          "0",
          "-0",
          "NaN",
          "2412.5",
          "58320",
          "902.500",
          "5935",
          "4920",
          "100000.999",
          "2484",
          "5030",
          "7125",
          "1e4",
        ])
      }`,
    () => `\tDS Parameter set: channel ${ch()}`,
    () => `\t\t * primary channel: ${ch()}`,
    () => "\tHT operation:",
    () => `BSS ${mac}(on wlan0)${rng.pick(["", " -- associated", " -- joined", " -- x"])}`,
    () => `BSS ${rng.pick(["xx:xx:xx:xx:3e:41", "32:00:2...", "::::", `${mac}:`])}`,
    () => `\t${rng.pick(["SSID", "MESH ID"])}: ${ssidNoise(rng)}`,
    () =>
      `\tlast seen: ${
        rng.pick(["99999999999 ms ago", "-1 ms ago", "1e308s [boottime]", "4206.107s [boottime]"])
      }`,
    () => `\tbeacon interval: ${rng.pick(["99999 TUs", "65535 TUs", "-1 TUs", "NaN"])}`,
    () => `\tcapability: ESS Privacy (0x${rng.pick(["ffff", "0", "10000", "zz"])})`,
    () => `\tRSN:\t * Version: ${rng.pick(["99999999", "65536", "-1"])}`,
    () => "\t\t * Authentication suites: " + "PSK ".repeat(rng.between(1, 200)),
  ];
  const bt = [
    () =>
      `[CHG] Device ${MAC} RSSI: ${
        rng.pick([
          "-99999999",
          "0xffffffc4 (-60)",
          "0x7fffffff (2147483647)",
          "-128",
          "21",
          "1",
          "NaN",
          "-0",
          "0xffffff80 (-128)",
          "1e308",
          "0x (-1)",
          "-9999999999",
        ])
      }`,
    () =>
      `[CHG] Device ${MAC} TxPower: ${rng.pick(["21", "-128", "0x7fffffff", "99999999999", "-0"])}`,
    () =>
      `[NEW] Device ${rng.pick([mac, MAC, "00:11:22:33:44:5G", `${MAC}:00`, "0:1:2:3:4:5"])} ${
        rng.pick(EMOJI)
      }`,
    () =>
      `[CHG] Device ${MAC} ManufacturerData Key: ${
        rng.pick(["0xffffffff", "65536", "-1", "0x004c"])
      }`,
    () => `[CHG] Device ${MAC} ManufacturerData Value:`,
    () => "  4c 00 02 15 ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff  L.......",
    () =>
      `\t${rng.pick(["RSSI", "TxPower", "Battery Percentage", "ManufacturerData Key"])}: ${
        rng.pick(HUGE_NUMBERS)
      }`,
    () => `Device ${rng.pick([mac, MAC])} (${rng.pick(["random", "public", "weird", ""])})`,
    () => `Controller ${MAC} (public)`,
    () =>
      `[\x01\x1b[0;94m\x02bluetooth\x01\x1b[0m\x02]# ${rng.pick(["scan on", `info ${MAC}`, ""])}`,
    () =>
      `[CHG] Device ${MAC} ${
        rng.pick(["Name", "Alias", "UUIDs", "Connected", "__proto__", "constructor"])
      }: ${rng.pick(EMOJI)}`,
  ];
  const tpv = (fields: string) =>
    `{"class":"TPV","mode":${
      rng.pick(["0", "1", "2", "3", "4", "-1", "2.0", '"3"', "null", "1e308"])
    }${fields}}`;
  const gpsd = [
    () => tpv(`,"lat":${rng.pick(HUGE_NUMBERS)},"lon":${rng.pick(HUGE_NUMBERS)}`),
    () =>
      tpv(
        `,"lat":${rng.pick(["0", "-0", "90", "-90", "45.5", "90.0000001"])},"lon":${
          rng.pick(["0", "-0", "180", "-180", "7.1", "180.0000001"])
        }`,
      ),
    () => tpv(`,"lat":${rng.pick(["45", '"45"', "1e308", "-0"])}`),
    () => tpv(`,"lon":${rng.pick(["7", '"7"', "-1e308"])}`),
    () =>
      tpv(
        `,"lat":45,"lon":7,"alt":${rng.pick(HUGE_NUMBERS)},"speed":${
          rng.pick(HUGE_NUMBERS)
        },"eph":${rng.pick(HUGE_NUMBERS)}`,
      ),
    () =>
      `{"class":"SKY","nSat":${rng.pick(HUGE_NUMBERS)},"hdop":${
        rng.pick(HUGE_NUMBERS)
      },"satellites":[{"used":true},null,7]}`,
    () =>
      `{"class":"${rng.pick(["__proto__", "constructor", "TPV ", "tpv", "", "x".repeat(33)])}"}`,
    () => `{"class":"TPV","mode":3,"lat":45,"lon":7,"__proto__":{"lat":1e308}}`,
    () =>
      `{"class":"DEVICES","devices":[${
        rng.pick(["null", '{"bps":1e308}', "[]", '{"activated":0}'])
      }]}`,
    () => `{"class":"VERSION","proto_major":${rng.pick(HUGE_NUMBERS)}}`,
  ];
  const health = [
    () =>
      `[{"ifname":"wlan0","stats64":{"rx":{"bytes":${rng.pick(HUGE_NUMBERS)}},"tx":{"bytes":${
        rng.pick(HUGE_NUMBERS)
      }}}}]`,
    () =>
      `[{"ifname":${
        rng.pick(['""', "null", "7", '"lo"'])
      },"stats":{"rx":{"bytes":1},"tx":{"bytes":2}}}]`,
  ];
  const vcgencmd = [
    () =>
      `temp=${
        rng.pick(["999.9", "-0", "NaN", "150.001", "-40.0", "-40.001", "1e3", "-999", "47.2"])
      }'C`,
    () => `temp=${rng.pick(HUGE_NUMBERS)}'C`,
  ];
  const byTool = { iw, bluetoothctl: bt, gpsd, health, vcgencmd };
  const pool = rng.chance(0.8) ? byTool[tool] : rng.pick(Object.values(byTool));
  return rng.pick(pool)();
}

/** iw-style SSID escapes, valid and not. */
function ssidEscape(rng: Rng): string {
  return rng.pick([
    () => `\\x${rng.int(256).toString(16).padStart(2, "0")}`,
    () => `\\x${rng.int(256).toString(16).padStart(2, "0").toUpperCase()}`,
    () => "\\x",
    () => "\\xZZ",
    () => "\\x0",
    () => "\\",
    () => "\\x00".repeat(rng.between(1, 40)),
    () => "\\xe2\\x82",
    () => "\\xc3\\x28",
    () => "\\xed\\xa0\\x80",
    () => "\\xef\\xbb\\xbf",
    () => "\\x5c",
  ])();
}

function ssidNoise(rng: Rng): string {
  let s = "";
  for (let i = rng.between(0, 12); i > 0; i--) s += rng.chance(0.6) ? ssidEscape(rng) : "a";
  return s;
}

let bigLines: string[] | null = null;

/** 1 MB lines, built once: V8 concatenates them without copying. */
function hugeLines(): string[] {
  bigLines ??= [
    "A".repeat(MB),
    "\tSSID: " + "\\x41".repeat(MB / 4),
    '{"class":"TPV","mode":3,"lat":' + "1".repeat(MB) + ',"lon":7}',
    "[CHG] Device AA:BB:CC:DD:EE:FF Name: " + "é".repeat(MB),
    "[".repeat(MB),
    "\t".repeat(MB) + "x",
    "\x1b[".repeat(MB / 2),
    "Device AA:BB:CC:DD:EE:FF " + "😀".repeat(MB / 2),
    "  " + "4c ".repeat(MB / 3),
  ];
  return bigLines;
}

/** A line of one repeated unit, 256–8192 characters: long enough to expose superlinear regexes. */
function longRunLine(rng: Rng): string {
  const unit = rng.pick([
    "\t",
    " ",
    "[",
    "[a]#",
    "\x1b[",
    "0",
    "a ",
    "\\x",
    ":",
    "{",
    '{"a":',
    "-",
    "\r",
    "00 ",
    "a",
  ]);
  const n = Math.ceil(rng.between(256, 8192) / unit.length);
  return rng.pick(["", "\t", "  ", "[CHG] Device AA:BB:CC:DD:EE:FF "]) + unit.repeat(n) +
    rng.pick(["", "x", ":", "]", "\x07"]);
}

type Mutation = (text: string, rng: Rng, tool: Tool, corpus: Corpus) => string;

/** Mutations and their weights. */
const MUTATIONS: [string, number, Mutation][] = [
  ["byteFlip", 3, (t, rng) => {
    // Flip bytes of the UTF-8 encoding of a window (up to 4 KB): whole-text encoding costs more
    // than the parse on the larger captures.
    const from = rng.int(t.length + 1);
    const to = Math.min(t.length, from + rng.between(1, 4096));
    const bytes = ENCODER.encode(t.slice(from, to));
    if (bytes.length === 0) return t;
    for (let k = rng.between(1, 8); k > 0; k--) {
      const i = rng.int(bytes.length);
      bytes[i] = rng.pick([bytes[i] ^ (1 << rng.int(8)), rng.int(256), 0xff, 0x80, 0xc0, 0]);
    }
    return t.slice(0, from) + DECODER.decode(bytes) + t.slice(to);
  }],
  ["truncate", 2, (t, rng) => t.slice(0, rng.int(t.length + 1))],
  ["shuffleLines", 2, (t, rng) =>
    mapLines(t, (lines) => {
      if (rng.chance(0.5)) {
        for (let i = lines.length - 1; i > 0; i--) {
          const j = rng.int(i + 1);
          [lines[i], lines[j]] = [lines[j], lines[i]];
        }
      } else {
        for (let k = rng.between(1, 5); k > 0; k--) {
          const i = rng.int(lines.length);
          const j = rng.int(lines.length);
          [lines[i], lines[j]] = [lines[j], lines[i]];
        }
      }
      return lines;
    })],
  ["duplicateLines", 2, (t, rng) =>
    mapLines(t, (lines) => {
      for (let k = rng.between(1, 5); k > 0; k--) {
        const line = lines[rng.int(lines.length)];
        lines.splice(rng.int(lines.length + 1), 0, ...Array(rng.between(1, 3)).fill(line));
      }
      return lines;
    })],
  ["deleteLines", 2, (t, rng) =>
    mapLines(t, (lines) => {
      for (let k = rng.between(1, 5); k > 0 && lines.length > 0; k--) {
        lines.splice(rng.int(lines.length), rng.between(1, 3));
      }
      return lines;
    })],
  ["hugeLine", 1, (t, rng) => {
    // Spliced in without splitting the text, and applied after the other mutations (see
    // `fuzzCase`), so the megabyte is concatenated, not copied, before the parser reads it.
    const nl = t.indexOf("\n", rng.int(t.length + 1));
    const big = rng.pick(hugeLines());
    return nl < 0 ? `${t}\n${big}` : `${t.slice(0, nl + 1)}${big}\n${t.slice(nl + 1)}`;
  }],
  ["longRunLine", 1, (t, rng) =>
    mapLines(t, (lines) => {
      lines.splice(rng.int(lines.length + 1), 0, longRunLine(rng));
      return lines;
    })],
  ["invalidUtf8", 2, (t, rng) => {
    for (let k = rng.between(1, 4); k > 0; k--) {
      const junk = rng.chance(0.5)
        ? DECODER.decode(randomBytes(rng, rng.between(1, 16)))
        : rng.pick(["\ud800", "\udfff", "\udbff\udbff", "\udc00\ud800", "a\ud83d", "\ude00b"]);
      t = insertAt(t, rng.int(t.length + 1), junk);
    }
    return t;
  }],
  ["ssidEscapes", 2, (t, rng) =>
    mapLines(t, (lines) => {
      const ssid = lines.flatMap((l, i) => (/^\s*(SSID|MESH ID):/.test(l) ? [i] : []));
      for (let k = rng.between(1, 4); k > 0 && lines.length > 0; k--) {
        const i = ssid.length ? rng.pick(ssid) : rng.int(lines.length);
        const line = lines[i];
        const colon = line.indexOf(":");
        const pos = colon < 0 ? rng.int(line.length + 1) : rng.between(colon + 1, line.length);
        lines[i] = insertAt(line, pos, rng.chance(0.3) ? " " + ssidEscape(rng) : ssidEscape(rng));
      }
      return lines;
    })],
  ["nul", 2, (t, rng) => {
    if (rng.chance(0.2)) {
      return mapLines(t, (lines) => {
        lines.splice(rng.int(lines.length + 1), 0, "\0".repeat(rng.between(1, 64)));
        return lines;
      });
    }
    for (let k = rng.between(1, 10); k > 0; k--) t = insertAt(t, rng.int(t.length + 1), "\0");
    return t;
  }],
  ["hugeNumbers", 3, (t, rng) => {
    // The first number after each of a few random positions, replaced from the end backwards.
    const spots: [number, number][] = [];
    for (let k = rng.between(1, 5); k > 0; k--) {
      NUMBER.lastIndex = rng.int(t.length + 1);
      const m = NUMBER.exec(t);
      if (m && !spots.some(([i]) => i === m.index)) spots.push([m.index, m[0].length]);
    }
    spots.sort((a, b) => b[0] - a[0]);
    for (const [i, len] of spots) t = t.slice(0, i) + rng.pick(HUGE_NUMBERS) + t.slice(i + len);
    return t;
  }],
  ["hostileLine", 3, (t, rng, tool) =>
    mapLines(t, (lines) => {
      for (let k = rng.between(1, 3); k > 0; k--) {
        lines.splice(rng.int(lines.length + 1), 0, hostileLine(rng, tool));
      }
      return lines;
    })],
  ["jsonValues", 2, (t, rng) =>
    mapLines(t, (lines) => {
      const json = lines.flatMap((l, i) => (/^\s*[[{]/.test(l) && l.length < 100_000 ? [i] : []));
      for (let k = rng.between(1, 4); k > 0 && json.length > 0; k--) {
        const i = rng.pick(json);
        try {
          const value = JSON.parse(lines[i]);
          mutateJson(value, rng, 0);
          lines[i] = JSON.stringify(value);
        } catch {
          // not JSON after all: leave the line alone
        }
      }
      return lines;
    })],
  ["emoji", 2, (t, rng) => {
    for (let k = rng.between(1, 5); k > 0; k--) {
      t = insertAt(t, rng.int(t.length + 1), rng.pick(EMOJI));
    }
    return t;
  }],
  ["ansi", 2, (t, rng) => {
    if (rng.chance(0.3)) return mapLines(t, (ls) => ls.map((l) => rng.pick(ANSI) + l));
    for (let k = rng.between(1, 6); k > 0; k--) {
      t = insertAt(t, rng.int(t.length + 1), rng.pick(ANSI));
    }
    return t;
  }],
  ["carriageReturns", 2, (t, rng) => {
    switch (rng.int(5)) {
      case 0:
        return t.replaceAll("\n", "\r\n");
      case 1:
        return t.replaceAll("\n", "\r");
      case 2:
        return mapLines(t, (ls) => ls.map((l) => "\r" + l));
      case 3:
        return t.replaceAll("\n", "\r\r\r\n");
      default:
        for (let k = rng.between(1, 20); k > 0; k--) t = insertAt(t, rng.int(t.length + 1), "\r");
        return t;
    }
  }],
  ["splice", 1, (t, rng, _tool, corpus) => {
    const donor = rng.pick(rng.pick(Object.values(corpus))).text.split("\n");
    const from = rng.int(donor.length);
    return mapLines(t, (lines) => {
      lines.splice(rng.int(lines.length + 1), 0, ...donor.slice(from, from + rng.between(1, 20)));
      return lines;
    });
  }],
];
const TOTAL_WEIGHT = MUTATIONS.reduce((sum, [, w]) => sum + w, 0);

const JSON_VALUES: (() => unknown)[] = [
  () => 1e308,
  () => -1e308,
  () => Number.MIN_VALUE,
  () => 0,
  () => 90,
  () => -90,
  () => 180,
  () => -180,
  () => 90.0000001,
  () => -180.0000001,
  () => 2 ** 64,
  () => 2 ** 53 + 2,
  () => -1,
  () => 0.5,
  () => 4,
  () => 3,
  () => 2,
  () => 1,
  () => "3",
  () => "",
  () => null,
  () => true,
  () => [],
  () => ({}),
  () => "x".repeat(300),
  () => "2024-06-15T10:00:00.000Z",
];

/** Replaces, deletes or adds a few keys of a parsed JSON value, in place. */
function mutateJson(value: unknown, rng: Rng, depth: number): void {
  if (typeof value !== "object" || value === null || depth > 6) return;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  for (let k = rng.between(1, 3); k > 0; k--) {
    const r = rng.int(10);
    if (keys.length > 0 && r < 5) {
      const key = rng.pick(keys);
      if (typeof obj[key] === "object" && obj[key] !== null && rng.chance(0.6)) {
        mutateJson(obj[key], rng, depth + 1);
      } else obj[key] = rng.pick(JSON_VALUES)();
    } else if (keys.length > 0 && r < 7) {
      delete obj[rng.pick(keys)];
    } else if (!Array.isArray(obj)) {
      const key = rng.pick(["lat", "lon", "mode", "class", "alt", "bytes", "rx", "ifname", "nSat"]);
      obj[key] = rng.pick(JSON_VALUES)();
    }
  }
}

/** Random chunks (some empty, some splitting surrogate pairs); at most ~2000 of them. */
function chunk(text: string, rng: Rng): string[] {
  const chunks: string[] = [];
  const small = rng.chance(0.5);
  const minSize = Math.max(0, Math.ceil(text.length / 2000));
  for (let i = 0; i < text.length;) {
    const size = rng.chance(0.05) ? 0 : minSize + rng.between(1, small ? 8 : 4096);
    chunks.push(text.slice(i, i + size));
    i += size;
  }
  if (rng.chance(0.1)) chunks.push("");
  return chunks;
}

/**
 * Rebuilds case `index` of `parser` for `seed`: the same arguments give the same input everywhere.
 *
 * @example
 * ```ts
 * const c = fuzzCase("parseIwScan", 1, 4211);
 * console.log(c.description, JSON.stringify(c.input));
 * ```
 */
export function fuzzCase(parser: string, seed: number, index: number): FuzzCase {
  const target = PARSERS.find((p) => p.name === parser);
  if (!target) throw new Error(`Unknown parser "${parser}": one of ${PARSERS.map((p) => p.name)}`);
  const corpus = loadCorpus();
  const rng = new Rng(caseSeed(seed, parser, index));
  const own = corpus[target.tool];
  // One case in ten starts from another tool's capture: parsers must survive foreign text too.
  const source = own.length === 0 || rng.chance(0.1)
    ? rng.pick(rng.pick(Object.values(corpus).filter((c) => c.length > 0)))
    : rng.pick(own);
  let input = source.text;
  const applied: string[] = [];
  const chosen: (typeof MUTATIONS)[number][] = [];
  for (let n = rng.between(1, 4); n > 0; n--) {
    let x = rng.int(TOTAL_WEIGHT);
    chosen.push(MUTATIONS.find(([, w]) => (x -= w) < 0)!);
  }
  // The 1 MB line goes in last: mutating a megabyte again would dominate the run's time.
  chosen.sort((a, b) => Number(a[0] === "hugeLine") - Number(b[0] === "hugeLine"));
  for (const [name, , mutate] of chosen) {
    applied.push(name);
    input = mutate(input, rng, target.tool, corpus);
  }
  const chunks = target.stream ? chunk(input, rng) : null;
  const description = `${source.name} +${applied.join(" +")}` +
    (chunks ? ` in ${chunks.length} chunks` : "") + ` (${input.length} chars)`;
  return { parser, seed, index, input, chunks, description };
}

function firstLine(error: unknown): string {
  const s = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return s.length > 160 ? `${s.slice(0, 160)}…` : s;
}

/**
 * Runs `casesPerParser` cases against each parser and counts exceptions and invariant failures.
 *
 * @example
 * ```ts
 * const { rows } = fuzzParsers({ casesPerParser: 1000, seed: 1 });
 * rows.every((r) => r.exceptions === 0 && r.rangeViolations === 0);
 * ```
 */
export function fuzzParsers(options: FuzzOptions): FuzzReport {
  const { casesPerParser, seed, onProgress } = options;
  const targets = options.parsers
    ? PARSERS.filter((p) => options.parsers!.includes(p.name))
    : PARSERS;
  loadCorpus();
  const rows: FuzzRow[] = [];
  for (const target of targets) {
    const row: FuzzRow = {
      parser: target.name,
      cases: 0,
      exceptions: 0,
      rangeViolations: 0,
      firstFailure: null,
      ms: 0,
    };
    const started = performance.now();
    const step = Math.max(1, Math.ceil(casesPerParser / 10));
    for (let index = 0; index < casesPerParser; index++) {
      const c = fuzzCase(target.name, seed, index);
      let failure: string | null = null;
      try {
        const bad = target.run(c.input, c.chunks);
        row.rangeViolations += bad.length;
        if (bad.length) failure = `${bad[0]}${bad.length > 1 ? ` (+${bad.length - 1} more)` : ""}`;
      } catch (error) {
        row.exceptions++;
        failure = `threw ${firstLine(error)}`;
      }
      row.cases++;
      if (failure !== null && row.firstFailure === null) {
        row.firstFailure = `seed ${seed}, case ${index}: ${failure}; input ${c.description}`;
        onProgress?.(`${target.name}: first failure: ${row.firstFailure}`);
      }
      if ((index + 1) % step === 0 && index + 1 < casesPerParser) {
        onProgress?.(`${target.name}: ${index + 1}/${casesPerParser} cases`);
      }
    }
    row.ms = Math.round(performance.now() - started);
    onProgress?.(
      `${target.name}: ${row.cases} cases, ${row.exceptions} exceptions, ` +
        `${row.rangeViolations} violations, ${row.ms} ms`,
    );
    rows.push(row);
  }
  return { rows };
}

// ---------------------------------------------------------------------------------------------
// Linear-time probe
// ---------------------------------------------------------------------------------------------

/** One parser × input shape timed at two line lengths. */
export interface ProbeRow {
  parser: string;
  shape: string;
  smallMs: number;
  largeMs: number;
  ok: boolean;
}

/** Line lengths of the probe: under the parsers' 65,536-character line limit, 8× apart. */
const PROBE_SMALL = 7_500;
const PROBE_LARGE = 60_000;
/** A probe fails when the long line takes this long and grew more than `PROBE_RATIO`× (linear: 8×). */
const PROBE_BUDGET_MS = 250;
const PROBE_RATIO = 20;

const PROBE_BODIES: [string, (n: number) => string][] = [
  ["tabs+x", (n) => "\t".repeat(n) + "x"],
  ["spaces+x", (n) => " ".repeat(n) + "x"],
  ["tab+'a '*n", (n) => "\t" + "a ".repeat(n / 2)],
  ["tab+'0a '*n", (n) => "\t" + "0a ".repeat(n / 3)],
  ["'00 '*n+x", (n) => "  " + "00 ".repeat(n / 3) + "x"],
  ["'['*n", (n) => "[".repeat(n)],
  ["'[a]#'*n+x", (n) => "[a]#".repeat(n / 4) + "x"],
  ["ESC[*n", (n) => "\x1b[".repeat(n / 2)],
  ["ESC[+0*n", (n) => "\x1b[" + "0".repeat(n)],
  ["ESC]+a*n", (n) => "\x1b]" + "a".repeat(n)],
  ["'\\x'*n", (n) => "\\x".repeat(n / 2)],
  ["':'*n", (n) => ":".repeat(n)],
  ["'{'*n", (n) => "{".repeat(n)],
  ["CR*n+x", (n) => "\r".repeat(n) + "x"],
  ["'a'*n", (n) => "a".repeat(n)],
  ["'a:'*n", (n) => "\ta:".repeat(n / 3)],
];

const PROBE_CONTEXTS: Record<Tool, ((line: string) => string)[]> = {
  iw: [
    (l) => l,
    (l) => `BSS 00:11:22:33:44:55(on wlan0)\n\tfreq: 2412\n${l}\n`,
    (l) => `BSS 00:11:22:33:44:55(on wlan0)\n\tSSID: ${l}\n`,
  ],
  bluetoothctl: [
    (l) => l,
    (l) => `[CHG] Device AA:BB:CC:DD:EE:FF ${l}`,
    (l) => `[bluetooth]# ${l}`,
    (l) => `Device AA:BB:CC:DD:EE:FF (public)\n${l}\n`,
    (l) => `Device AA:BB:CC:DD:EE:FF (public)\n\tManufacturerData Value:\n${l}\n`,
  ],
  gpsd: [(l) => l, (l) => `{"class":"TPV","mode":3,"device":"${l}"}`],
  health: [(l) => l, (l) => `[{"ifname":"${l}"}]`],
  vcgencmd: [(l) => l, (l) => `temp=${l}'C`],
};

function timeOnce(target: Target, text: string): number {
  const t = performance.now();
  try {
    target.run(text, target.stream ? [text] : null);
  } catch {
    // exceptions are the fuzzer's business; the probe only times
  }
  return performance.now() - t;
}

/**
 * Times every parser on long lines of repeated units (up to 60,000 characters) and flags any whose
 * time grows much faster than the input: a backtracking regex that a collector's input can stall.
 */
export function probeLinearity(onProgress?: (line: string) => void): ProbeRow[] {
  const rows: ProbeRow[] = [];
  for (const target of PARSERS) {
    for (const [shape, body] of PROBE_BODIES) {
      PROBE_CONTEXTS[target.tool].forEach((context, i) => {
        const small = context(body(PROBE_SMALL));
        const large = context(body(PROBE_LARGE));
        let largeMs = timeOnce(target, large);
        // A near miss is timed again (a GC pause is not a regex); far over budget is conclusive.
        if (largeMs >= PROBE_BUDGET_MS && largeMs < 4 * PROBE_BUDGET_MS) {
          largeMs = Math.min(largeMs, timeOnce(target, large));
        }
        const smallMs = Math.min(timeOnce(target, small), timeOnce(target, small));
        const ok = largeMs < PROBE_BUDGET_MS || largeMs < PROBE_RATIO * Math.max(smallMs, 1);
        const row = {
          parser: target.name,
          shape: `${shape} in context ${i}`,
          smallMs: Math.round(smallMs * 10) / 10,
          largeMs: Math.round(largeMs * 10) / 10,
          ok,
        };
        if (!ok) onProgress?.(`${target.name}: superlinear on ${row.shape}: ${row.largeMs} ms`);
        rows.push(row);
      });
    }
  }
  return rows;
}

/** The probe's input for one row, for a bug report. */
export function probeInput(parser: string, shape: string): string | null {
  const target = PARSERS.find((p) => p.name === parser);
  const m = /^(.*) in context (\d+)$/.exec(shape);
  const body = PROBE_BODIES.find(([s]) => s === m?.[1]);
  const context = target && m ? PROBE_CONTEXTS[target.tool][Number(m[2])] : undefined;
  return body && context ? context(body[1](PROBE_LARGE)) : null;
}
