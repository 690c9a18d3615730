/**
 * Parses gpsd's JSON stream as printed by `gpspipe -w`: one object per line, keyed on `class`.
 *
 * gpsd guarantees only `class` (and `mode` on TPV), so every other field is optional and checked:
 * a value of the wrong type or out of range is left out, never defaulted. Kismet's rule applies to
 * positions: latitude/longitude only in mode 2 or 3, altitude only in mode 3, and (0,0) means "no
 * fix". Pure (no `Deno.*`), linear in its input and never throws: a bad line becomes a warning.
 *
 * @module
 */

import { lineStreamParser, MAX_LINE_CHARS, type StreamParser, TOO_LONG } from "./lines.ts";
import type { ParseResult } from "./types.ts";

/** A time-position-velocity report. Units: metres, metres per second, degrees. */
export interface GpsdTpv {
  class: "TPV";
  /** 0 unknown, 1 no fix, 2 two-dimensional fix, 3 three-dimensional fix. */
  mode: 0 | 1 | 2 | 3;
  device?: string;
  /** ISO 8601 time as gpsd sent it; GPS time can be wrong, see {@link gpsTimeIsPlausible}. */
  time?: string;
  /** gpsd fix status, e.g. 2 = DGPS. */
  status?: number;
  /** Only in mode 2/3, both finite, in range and not both 0. */
  lat?: number;
  lon?: number;
  /** Height above the ellipsoid (`altHAE`); only in mode 3. */
  altHae?: number;
  /** Height above mean sea level (`altMSL`, else the deprecated `alt`); only in mode 3. */
  altMsl?: number;
  /** Horizontal error estimate (`eph`, 95 %). */
  ephM?: number;
  epxM?: number;
  epyM?: number;
  epvM?: number;
  speedMps?: number;
  /** Course over ground, degrees from true north. */
  trackDeg?: number;
  climbMps?: number;
}

/** A satellite-view report, reduced to counts and horizontal dilution of precision. */
export interface GpsdSky {
  class: "SKY";
  device?: string;
  time?: string;
  /** `nSat`, else the length of `satellites[]`; absent when neither is sent. */
  satellitesSeen?: number;
  /** `uSat`, else the satellites with `used: true`; absent when neither is sent. */
  satellitesUsed?: number;
  hdop?: number;
}

/** The banner gpsd sends first. */
export interface GpsdVersion {
  class: "VERSION";
  release?: string;
  rev?: string;
  protoMajor?: number;
  protoMinor?: number;
}

/** One receiver known to gpsd. */
export interface GpsdDevice {
  class: "DEVICE";
  path?: string;
  driver?: string;
  /** ISO time the device was opened. */
  activated?: string;
  /** gpsd is closing the device (it sends `"activated":0`); gpsfake's replay ends this way. */
  closing?: true;
  bps?: number;
  cycleS?: number;
}

/** The list of receivers, sent after VERSION. */
export interface GpsdDevices {
  class: "DEVICES";
  devices: GpsdDevice[];
}

/** gpsd's echo of the watch policy in force. */
export interface GpsdWatch {
  class: "WATCH";
  enable?: boolean;
  json?: boolean;
  nmea?: boolean;
  device?: string;
}

/** gpsd's answer to a bad request. */
export interface GpsdError {
  class: "ERROR";
  message?: string;
}

/** Any other class (GST, ATT, TOFF, PPS, …): kept so callers can count them, fields dropped. */
export interface GpsdOther {
  class: string;
}

/** A message with one of the classes this parser models field by field. */
export type GpsdKnownMessage =
  | GpsdTpv
  | GpsdSky
  | GpsdVersion
  | GpsdDevices
  | GpsdDevice
  | GpsdWatch
  | GpsdError;

/** Any gpsd message. Known classes always come as their own type, never as {@link GpsdOther}. */
export type GpsdMessage = GpsdKnownMessage | GpsdOther;

/** How far GPS time may stray from a set system clock, see {@link gpsTimeIsPlausible}. */
export const GPS_TIME_TOLERANCE_DAYS = 366;

/** A system clock before this year is unset (the Pi has no RTC and boots in 1970 or at image date). */
export const CLOCK_UNSET_BEFORE_YEAR = 2024;

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;
const CLASS_NAME = /^[A-Za-z0-9_]{1,32}$/;
const MAX_TEXT_CHARS = 256;
const DAY_MS = 86_400_000;

type Json = Record<string, unknown>;

/**
 * Narrows a message to one of the modelled classes (`"TPV"`, `"SKY"`, …).
 *
 * @example
 * ```ts
 * const { message } = parseGpsdLine('{"class":"TPV","mode":1}');
 * if (message && isGpsdClass(message, "TPV")) console.log(message.mode); // 1
 * ```
 */
export function isGpsdClass<C extends GpsdKnownMessage["class"]>(
  message: GpsdMessage,
  cls: C,
): message is Extract<GpsdKnownMessage, { class: C }> {
  return message.class === cls;
}

/**
 * Parses one line of gpsd output. Blank lines, NMEA/AIS sentences (`$…`, `!…`) and `#` comments
 * are skipped silently (both null), as gpsd's regression logs interleave them; any other text, bad
 * JSON, an object without a usable `class`, a TPV without a valid `mode`, or a line longer than
 * {@link MAX_LINE_CHARS} is a warning.
 *
 * @example
 * ```ts
 * parseGpsdLine('{"class":"TPV","mode":2,"lat":52.2,"lon":0.12,"altMSL":9}');
 * // { message: { class: "TPV", mode: 2, lat: 52.2, lon: 0.12 }, warning: null }
 * parseGpsdLine("$GPGSA,A,1,,,,,,,,,,,,,,,*1E"); // { message: null, warning: null }
 * ```
 */
export function parseGpsdLine(
  line: string,
): { message: GpsdMessage | null; warning: string | null } {
  // JSON.parse of a huge malformed line (megabytes of "[") takes seconds: refuse it early.
  if (line.length > MAX_LINE_CHARS) return fail(TOO_LONG);
  const text = line.trim(); // also drops `\r` and a byte-order mark
  if (text === "" || text[0] === "$" || text[0] === "!" || text[0] === "#") {
    return { message: null, warning: null };
  }
  if (text[0] !== "{" && text[0] !== "[") return fail(`not JSON: ${snippet(text)}`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return fail(`invalid JSON: ${snippet(text)}`);
  }
  if (!isObject(value) || typeof value.class !== "string" || !CLASS_NAME.test(value.class)) {
    return fail(`expected an object with a "class" name: ${snippet(text)}`);
  }
  const message = convert(value.class, value);
  return message
    ? { message, warning: null }
    : fail(`TPV without a valid "mode": ${snippet(text)}`);
}

/**
 * Parses a whole `gpspipe -w` capture (or a gpsd `.chk` log). Warnings read `line N: …`.
 *
 * @example
 * ```ts
 * const { records, warnings } = parseGpspipe('{"class":"SKY","nSat":9,"uSat":7}\nnot json\n');
 * // records: [{ class: "SKY", satellitesSeen: 9, satellitesUsed: 7 }]
 * // warnings: ['line 2: not JSON: "not json"']
 * ```
 */
export function parseGpspipe(text: string): ParseResult<GpsdMessage> {
  const parser = createGpspipeStreamParser();
  const records = parser.push(text);
  records.push(...parser.end());
  return { records, warnings: parser.warnings };
}

/**
 * Incremental form of {@link parseGpspipe} for a live `gpspipe` stdout: chunks may split lines
 * anywhere. A line over {@link MAX_LINE_CHARS} is dropped with a warning rather than buffered, so a
 * stream without newlines cannot exhaust memory. Callers may drain `warnings` (`splice(0)`).
 *
 * @example
 * ```ts
 * const parser = createGpspipeStreamParser();
 * parser.push('{"class":"TPV","mo'); // []
 * parser.push('de":1}\n'); // [{ class: "TPV", mode: 1 }]
 * parser.end(); // []
 * ```
 */
export function createGpspipeStreamParser(): StreamParser<GpsdMessage> {
  const warnings: string[] = [];
  let lineNumber = 0;

  const finishLine = (line: string | null, out: GpsdMessage[]): void => {
    lineNumber++;
    const { message, warning } = line === null ? fail(TOO_LONG) : parseGpsdLine(line);
    if (warning) warnings.push(`line ${lineNumber}: ${warning}`);
    if (message) out.push(message);
  };

  return lineStreamParser(warnings, finishLine);
}

/**
 * Whether a GPS `time` can be trusted as wall-clock time. GPS receivers report junk dates before a
 * fix (years off in the captures) and after a 1024-week rollover (19.6 years off), while the Pi's
 * fake-hwclock can leave the system clock months behind after a long power-off. So: the time must
 * be ISO 8601 and within ±{@link GPS_TIME_TOLERANCE_DAYS} days (366) of `systemNow`; when the
 * system clock is unset (year < {@link CLOCK_UNSET_BEFORE_YEAR}) it need only be in or after that
 * year. This cannot catch an error under a year: trust time only from TPVs with mode ≥ 2.
 *
 * @example
 * ```ts
 * gpsTimeIsPlausible("2024-06-15T10:00:00.000Z", new Date("2024-06-15T10:00:03Z")); // true
 * gpsTimeIsPlausible("2005-06-09T14:33:00.280Z", new Date("2024-06-15T10:00:03Z")); // false
 * gpsTimeIsPlausible("2024-06-15T10:00:00.000Z", new Date(0)); // true: clock unset
 * ```
 */
export function gpsTimeIsPlausible(time: string, systemNow: Date): boolean {
  if (typeof time !== "string" || !ISO_TIME.test(time)) return false;
  const gpsMs = Date.parse(time);
  if (!Number.isFinite(gpsMs)) return false;
  const nowMs = systemNow.getTime();
  if (!Number.isFinite(nowMs) || systemNow.getUTCFullYear() < CLOCK_UNSET_BEFORE_YEAR) {
    return new Date(gpsMs).getUTCFullYear() >= CLOCK_UNSET_BEFORE_YEAR;
  }
  return Math.abs(gpsMs - nowMs) <= GPS_TIME_TOLERANCE_DAYS * DAY_MS;
}

function convert(cls: string, raw: Json): GpsdMessage | null {
  switch (cls) {
    case "TPV":
      return tpv(raw);
    case "SKY":
      return sky(raw);
    case "VERSION":
      return compact<GpsdVersion>({
        class: "VERSION",
        release: text(raw.release),
        rev: text(raw.rev),
        protoMajor: integer(raw.proto_major, 0, 1000),
        protoMinor: integer(raw.proto_minor, 0, 1000),
      });
    case "DEVICES":
      return {
        class: "DEVICES",
        devices: Array.isArray(raw.devices) ? raw.devices.filter(isObject).map(device) : [],
      };
    case "DEVICE":
      return device(raw);
    case "WATCH":
      return compact<GpsdWatch>({
        class: "WATCH",
        enable: bool(raw.enable),
        json: bool(raw.json),
        nmea: bool(raw.nmea),
        device: text(raw.device),
      });
    case "ERROR":
      return compact<GpsdError>({ class: "ERROR", message: text(raw.message, 1024) });
    default:
      return { class: cls };
  }
}

function tpv(raw: Json): GpsdTpv | null {
  const mode = raw.mode;
  if (mode !== 0 && mode !== 1 && mode !== 2 && mode !== 3) return null;
  let lat = mode >= 2 ? number(raw.lat, -90, 90) : undefined;
  let lon = mode >= 2 ? number(raw.lon, -180, 180) : undefined;
  if (lat === undefined || lon === undefined || (lat === 0 && lon === 0)) lat = lon = undefined;
  const altitude = (v: unknown) => (mode === 3 ? number(v, -1_500, 100_000) : undefined);
  return compact<GpsdTpv>({
    class: "TPV",
    mode,
    device: text(raw.device),
    time: isoTime(raw.time),
    status: integer(raw.status, 0, 255),
    lat,
    lon,
    altHae: altitude(raw.altHAE),
    altMsl: altitude(raw.altMSL) ?? altitude(raw.alt),
    ephM: number(raw.eph, 0, 1e7),
    epxM: number(raw.epx, 0, 1e7),
    epyM: number(raw.epy, 0, 1e7),
    epvM: number(raw.epv, 0, 1e7),
    speedMps: number(raw.speed, 0, 2_000),
    trackDeg: number(raw.track, 0, 360),
    climbMps: number(raw.climb, -2_000, 2_000),
  });
}

function sky(raw: Json): GpsdSky {
  const satellites = Array.isArray(raw.satellites) ? raw.satellites.filter(isObject) : undefined;
  return compact<GpsdSky>({
    class: "SKY",
    device: text(raw.device),
    time: isoTime(raw.time),
    satellitesSeen: integer(raw.nSat, 0, 1000) ?? satellites?.length,
    satellitesUsed: integer(raw.uSat, 0, 1000) ??
      satellites?.filter((s) => s.used === true).length,
    hdop: number(raw.hdop, 0, 100),
  });
}

function device(raw: Json): GpsdDevice {
  return compact<GpsdDevice>({
    class: "DEVICE",
    path: text(raw.path),
    driver: text(raw.driver),
    activated: isoTime(raw.activated),
    closing: raw.activated === 0 ? true : undefined,
    bps: integer(raw.bps, 0, 100_000_000),
    cycleS: number(raw.cycle, 0, 3_600),
  });
}

/** Drops keys whose value is undefined, so records compare whole against expected JSON. */
function compact<T extends object>(record: { [K in keyof T]: T[K] | undefined }): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) if (value !== undefined) out[key] = value;
  return out as T;
}

function fail(warning: string) {
  return { message: null, warning };
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function number(value: unknown, min: number, max: number): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value >= min && value <= max
    ? value
    : undefined;
}

function integer(value: unknown, min: number, max: number): number | undefined {
  const n = number(value, min, max);
  return n !== undefined && Number.isInteger(n) ? n : undefined;
}

function bool(value: unknown): boolean | undefined {
  return typeof value === "boolean" ? value : undefined;
}

function text(value: unknown, maxChars = MAX_TEXT_CHARS): string | undefined {
  return typeof value === "string" && value.length <= maxChars ? value : undefined;
}

function isoTime(value: unknown): string | undefined {
  return typeof value === "string" && ISO_TIME.test(value) ? value : undefined;
}

/** The start of an offending line, quoted, so a 1 MB line cannot bloat the warnings. */
function snippet(line: string): string {
  return JSON.stringify(line.length > 60 ? line.slice(0, 60) + "…" : line);
}
