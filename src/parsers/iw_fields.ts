/**
 * The top-level fields of an iw `BSS …` record this logger keeps, one reader per family: the
 * radio (frequency, signal, last seen, beacon interval, capability), the names (SSID, MESH ID),
 * the channel elements (DS Parameter set, HT operation), the security blocks (RSN, WPA) and the
 * two information-element sets of `iw scan -b`. Every other field is skipped.
 */
import { channelFromFreq, checkChannel } from "./iw_channel.ts";
import { CAPA_HEX, type Draft, quote, SMALL_INT, type Warn } from "./iw_record.ts";
import { newSecurityInfo, readSecurityItem } from "./iw_security.ts";
import { decodeSsid } from "./iw_ssid.ts";

const FREQ = /^(\d{1,6})(?:\.(\d{1,3}))?$/;
const SIGNAL = /^(-?)(\d{1,4})(?:\.(-?)(\d{1,2}))? dBm$/;
const SEEN_MS = /^(\d{1,10}) ms ago$/;
const SEEN_BOOT = /^(\d{1,12}\.\d{1,9})s \[boottime\]$/;
const BEACON = /^(\d{1,5})(?: TUs)?$/;
const DS_CHANNEL = /^channel (\d{1,3})$/;

/** Reads one field's `value` (text after the colon, trimmed) into the record being read. */
type FieldReader = (d: Draft, key: string, value: string, line: number, warn: Warn) => void;

/** What the radio reports about a BSS: where, how loud, when, and its capability bits. */
function readRadio(d: Draft, key: string, value: string, line: number, warn: Warn): void {
  const r = d.rec;
  let m: RegExpExecArray | null;
  switch (key) {
    case "freq":
      m = FREQ.exec(value);
      // iw prints `%d.%d` with the offset in kHz: "2412.0" is 2412 MHz, "902.500" is 902.5 MHz.
      r.freqMhz = m === null ? null : Number(m[1]) + (m[2] === undefined ? 0 : Number(m[2]) / 1000);
      if (r.freqMhz === null || r.freqMhz < 1 || r.freqMhz > 100000) {
        r.freqMhz = null;
        warn(line, `unreadable frequency ${quote(value)}`);
      } else if (channelFromFreq(r.freqMhz) === null) {
        warn(line, `no 2.4/5/6 GHz channel for ${r.freqMhz} MHz`);
      }
      return;
    case "signal":
      r.signalDbm = null;
      if (value.endsWith("/100")) return; // drivers without dBm report a 0–100 quality: not a dBm
      m = SIGNAL.exec(value);
      if (m !== null) {
        // Old iw printed -4350 mBm as "-43.-50 dBm": either minus sign makes the value negative.
        const magnitude = Number(`${m[2]}.${m[4] ?? "0"}`);
        r.signalDbm = (m[1] === "-" || m[3] === "-") && magnitude !== 0 ? -magnitude : magnitude;
      }
      if (r.signalDbm === null || r.signalDbm < -120 || r.signalDbm > 0) {
        r.signalDbm = null;
        warn(line, `signal ${quote(value)} is not between -120 and 0 dBm`);
      }
      return;
    case "last seen":
      // Both forms can appear in one record: `4206.107s [boottime]` and `1410 ms ago`.
      m = SEEN_MS.exec(value);
      if (m !== null) return void (r.lastSeenMs = Number(m[1]));
      m = SEEN_BOOT.exec(value);
      if (m !== null) return void (r.lastSeenBoottimeS = Number(m[1]));
      return warn(line, `unreadable last seen ${quote(value)}`);
    case "beacon interval":
      m = BEACON.exec(value);
      r.beaconIntervalTu = m === null || Number(m[1]) > 65535 ? null : Number(m[1]);
      if (r.beaconIntervalTu === null) warn(line, `unreadable beacon interval ${quote(value)}`);
      return;
    case "capability":
      m = CAPA_HEX.exec(value);
      r.capabilityHex = m === null ? null : parseInt(m[1], 16);
      r.privacy = r.capabilityHex !== null && (r.capabilityHex & 0x0010) !== 0;
      if (m === null) warn(line, `capability without a hex value: ${quote(value)}`);
      return;
  }
}

/** `SSID` or `MESH ID`: iw's escaped bytes, decoded. */
function readName(d: Draft, key: string, value: string, line: number, warn: Warn): void {
  if (d.beaconSet) return;
  // An element holds at most 255 bytes, which iw prints in at most 1020 characters.
  if (value.length > 1020) {
    return warn(line, `${key} of ${value.length} characters cannot come from iw: ignored`);
  }
  const s = decodeSsid(value);
  if (s.badEscape) warn(line, `invalid escape in ${key} ${quote(value)}: kept as text`);
  if (s.bytes > 32) warn(line, `${key} longer than 32 bytes (${s.bytes})`);
  if (key === "SSID") {
    d.rec.ssid = s.empty ? null : s.text;
    d.rec.hidden = s.empty;
  } else {
    d.mesh = true;
    d.rec.meshId = s.empty ? null : s.text;
  }
}

/** `DS Parameter set: channel N`, and the start of an `HT operation` block (its items below). */
function readChannel(d: Draft, key: string, value: string, line: number, warn: Warn): void {
  if (d.beaconSet) return;
  if (key === "HT operation") {
    d.block = "ht";
    return;
  }
  const m = DS_CHANNEL.exec(value);
  d.ds = m === null ? null : checkChannel(Number(m[1]), d.rec.freqMhz, line, warn);
  if (m === null) warn(line, `unreadable DS Parameter set ${quote(value)}`);
}

/** The start of an `RSN` or `WPA` block, whose `*` items follow. */
function readSecurity(d: Draft, key: string, value: string, line: number, warn: Warn): void {
  if (d.beaconSet) return;
  d.block = key === "RSN" ? "rsn" : "wpa";
  d.sec = newSecurityInfo();
  if (key === "RSN") d.rec.rsn = d.sec;
  else d.rec.wpa = d.sec;
  // iw prints the block's first item on the header line: `RSN:\t * Version: 1`.
  if (value.startsWith("*")) readItem(d, value.slice(1).trim(), line, warn);
}

/** `iw scan -b` prints the probe response's elements, then the beacon's: the first set wins. */
function readElementSet(d: Draft, key: string): void {
  if (key === "Information elements from Probe Response frame") d.probeSet = true;
  else d.beaconSet = d.probeSet;
}

/** The reader of each top-level field this logger keeps. */
export const FIELD_READERS: ReadonlyMap<string, FieldReader> = new Map<string, FieldReader>([
  ...["freq", "signal", "last seen", "beacon interval", "capability"].map((
    k,
  ): [string, FieldReader] => [k, readRadio]),
  ["SSID", readName],
  ["MESH ID", readName],
  ["DS Parameter set", readChannel],
  ["HT operation", readChannel],
  ["RSN", readSecurity],
  ["WPA", readSecurity],
  ["Information elements from Probe Response frame", readElementSet],
  ["Information elements from Beacon frame", readElementSet],
]);

/** One `* name: value` item (star stripped) of an RSN, WPA or HT operation block. */
export function readItem(d: Draft, item: string, line: number, warn: Warn): void {
  const colon = item.indexOf(":");
  if (colon < 0) return;
  const key = item.slice(0, colon);
  const value = item.slice(colon + 1).trim();
  if (d.block === "ht") {
    if (key !== "primary channel") return;
    const ok = SMALL_INT.test(value);
    d.ht = ok ? checkChannel(Number(value), d.rec.freqMhz, line, warn) : null;
    if (!ok) warn(line, `unreadable primary channel ${quote(value)}`);
    return;
  }
  if (d.sec !== null) readSecurityItem(d.sec, key, value, line, warn);
}
