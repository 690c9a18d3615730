/**
 * Parses the text printed by `iw dev <if> scan` and `iw dev <if> scan dump` into one record per BSS.
 *
 * One pass over the lines, no exceptions: anything odd becomes a `line N: …` warning, and iw's many
 * fields this logger does not store (HT/VHT/HE capabilities, WPS, WMM, …) are skipped silently.
 * Facts about the format (tabs or pasted spaces, `freq: 2412.0`, two `last seen:` lines, `\xNN`
 * escapes in SSIDs, old iw's numeric suite names) come from iw's `scan.c` and the real captures.
 *
 * @module
 */
import type { ParseResult } from "./types.ts";

/** One RSN (WPA2/WPA3) or WPA (vendor, WPA1) element as iw prints it, suite names normalised. */
export interface SecurityInfo {
  version: number | null;
  groupCipher: string | null;
  pairwiseCiphers: string[];
  /** iw's names with "IEEE 802.1X" spelled "EAP", e.g. "PSK", "SAE", "FT/PSK", "EAP/SUITE-B-192". */
  authSuites: string[];
  mfpRequired: boolean;
  mfpCapable: boolean;
}

/** One `BSS …` record. Absent or invalid values are `null`, never a made-up 0. */
export interface IwBss {
  /** Lowercase `aa:bb:cc:dd:ee:ff`; a masked capture's text as printed (with a warning). */
  bssid: string;
  iface: string | null;
  /** True for `-- associated` and `-- joined` (IBSS), false for `-- authenticated` or no status. */
  associated: boolean;
  /** Decoded text; null when hidden (empty or all `\x00`), absent, or too long to be real. */
  ssid: string | null;
  /** True for an empty or all-zero SSID; false for a mesh point (named by `meshId` instead). */
  hidden: boolean;
  meshId: string | null;
  freqMhz: number | null;
  channel: number | null;
  signalDbm: number | null;
  lastSeenMs: number | null;
  lastSeenBoottimeS: number | null;
  beaconIntervalTu: number | null;
  capabilityHex: number | null;
  /** Bit 0x0010 of `capabilityHex`: some iw builds omit the word "Privacy" although the bit is set. */
  privacy: boolean;
  /**
   * Summary for `wifi_networks.encryption`, e.g. "WPA3-SAE/WPA2-PSK" (rule at `securityLabels`),
   * labels from `ENCRYPTION_LABELS`; the WiGLE AuthMode is derived from it (`wigleAuthMode`).
   */
  encryption: string;
  rsn: SecurityInfo | null;
  wpa: SecurityInfo | null;
}

const MAX_WARNINGS = 1000;
const FULL_MAC = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/i;
// Bounded character class without letters beyond hex and "x": `BSS Load:` and `BSS Color` never match.
const HEADER = /^BSS ([0-9a-fA-FxX:.*]{1,32})/;
const FREQ = /^(\d{1,6})(?:\.(\d{1,3}))?$/;
const SIGNAL = /^(-?)(\d{1,4})(?:\.(-?)(\d{1,2}))? dBm$/;
const SEEN_MS = /^(\d{1,10}) ms ago$/;
const SEEN_BOOT = /^(\d{1,12}\.\d{1,9})s \[boottime\]$/;
const BEACON = /^(\d{1,5})(?: TUs)?$/;
const CAPA_HEX = /\(0x([0-9a-fA-F]{1,4})\)$/;
const DS_CHANNEL = /^channel (\d{1,3})$/;
const SMALL_INT = /^\d{1,5}$/;
const NON_ASCII = /[\u0080-\uffff]/;
const HEX2 = /^[0-9a-fA-F]{2}$/;
const SUITE_NUM = /^[0-9a-f]{2}-[0-9a-f]{2}-[0-9a-f]{2}:\d{1,3}$/;

// Old iw prints suites it has no name for as "oui:type"; these are the names newer iw prints
// ("IEEE 802.1X" spelled "EAP"), listed by type number, "-" for numbers without a name.
const AKM_NAMES = new Map([
  ...suiteTable(
    "00-0f-ac",
    "- EAP PSK FT/EAP FT/PSK EAP/SHA-256 PSK/SHA-256 TDLS/TPK SAE FT/SAE - EAP/SUITE-B " +
      "EAP/SUITE-B-192 FT/EAP/SHA-384 FILS/SHA-256 FILS/SHA-384 FT/FILS/SHA-256 FT/FILS/SHA-384 " +
      "OWE FT/PSK/SHA-384 PSK/SHA-384 - - - SAE-EXT-KEY FT/SAE-EXT-KEY",
  ),
  ...suiteTable("00-50-f2", "- EAP PSK"),
  ...suiteTable("50-6f-9a", "- OSEN DPP"),
]);
const CIPHERS =
  "USE-GROUP WEP-40 TKIP - CCMP WEP-104 AES-128-CMAC NO-GROUP GCMP GCMP-256 CCMP-256 " +
  "BIP-GMAC-128 BIP-GMAC-256 BIP-CMAC-256";
const CIPHER_NAMES = new Map([
  ...suiteTable("00-0f-ac", CIPHERS),
  ...suiteTable("00-50-f2", CIPHERS),
]);
// Kind of each AKM: decides its WPA generation in `encryption`.
const AKM_KIND = new Map(
  Object.entries({
    SAE: "SAE FT/SAE SAE-EXT-KEY FT/SAE-EXT-KEY",
    PSK: "PSK FT/PSK PSK/SHA-256 PSK/SHA-384 FT/PSK/SHA-384",
    EAP: "EAP FT/EAP EAP/SHA-256 OSEN FILS/SHA-256 FILS/SHA-384 FT/FILS/SHA-256 FT/FILS/SHA-384",
    EAP3: "EAP/SUITE-B EAP/SUITE-B-192 FT/EAP/SHA-384",
    OWE: "OWE",
    DPP: "DPP",
  }).flatMap(([kind, names]) => names.split(" ").map((n) => [n, kind] as [string, string])),
);
/**
 * Every label `IwBss.encryption` is made of, strongest first (the order within a summary): an
 * RSN or WPA block gives the first ten, the privacy bit alone "WEP", neither "Open".
 */
export const ENCRYPTION_LABELS = [
  "WPA3-SAE",
  "WPA3-EAP",
  "WPA3-OWE",
  "WPA3-DPP",
  "WPA2-EAP",
  "WPA2-PSK",
  "WPA2",
  "WPA-EAP",
  "WPA-PSK",
  "WPA",
  "WEP",
  "Open",
] as const;
export type EncryptionLabel = typeof ENCRYPTION_LABELS[number];
const LABEL_RANK: readonly string[] = ENCRYPTION_LABELS.slice(0, 10);

/** Which multi-line field the `*` items under it belong to. */
type Block = "other" | "rsn" | "wpa" | "ht";

/** Parser state for the record being read; `rec` is what gets emitted. */
interface Draft {
  rec: IwBss;
  base: number; // indent of the first field; deeper lines are details of the last top-level one
  block: Block;
  sec: SecurityInfo | null;
  probeSet: boolean; // saw "Information elements from Probe Response frame:"
  beaconSet: boolean; // inside the second (`-b`) IE set: the probe response's values win
  mesh: boolean;
  ds: number | null; // `DS Parameter set: channel N`, checked against the band when read
  ht: number | null; // HT operation `* primary channel: N`, likewise
  line: number; // where the record starts, for warnings about the record as a whole
}

type Warn = (line: number, message: string) => void;

/**
 * Parses `iw … scan` / `iw … scan dump` output. Never throws; odd lines become warnings.
 *
 * A header whose BSSID is masked (`xx:xx:xx:xx:3e:41`, `32:00:2...`) still opens a record, so the
 * rest of a pasted capture stays usable: the BSSID is kept as printed (lowercased) and a warning
 * says so. Callers that store BSSIDs must check the `aa:bb:cc:dd:ee:ff` shape themselves.
 *
 * @example
 * ```ts
 * const { records } = parseIwScan("BSS 00:11:22:33:44:55(on wlan0)\n\tfreq: 2412\n\tSSID: cafe\n");
 * records[0].channel; // 1
 * ```
 */
export function parseIwScan(text: string): ParseResult<IwBss> {
  const records: IwBss[] = [];
  const warnings: string[] = [];
  let dropped = 0;
  const warn: Warn = (line, message) => {
    if (warnings.length < MAX_WARNINGS) warnings.push(`line ${line}: ${message}`);
    else dropped++;
  };
  let d: Draft | null = null;
  // Walk the text with indexOf instead of split(): most lines are details we skip, and
  // this way they are never copied out of the input string.
  for (let start = 0, line = 1; start <= text.length; line++) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    let p = start;
    let indent = 0;
    for (; p < end; p++) {
      const c = text.charCodeAt(p);
      if (c === 32) indent++;
      else if (c === 9) indent = (indent + 8) & ~7;
      else break;
    }
    // iw escapes leading/trailing spaces inside values as \x20, so trailing blanks are paste noise.
    let e = end;
    while (e > p && isBlank(text.charCodeAt(e - 1))) e--;
    start = end + 1;
    if (p === e) continue;
    if (text.startsWith("BSS ", p)) {
      const next = openRecord(text.slice(p, e), line, warn);
      if (next !== null) {
        if (d !== null) records.push(finish(d, warn));
        d = next;
        continue;
      }
    }
    if (d === null) warn(line, `text outside a BSS record: ${quote(text.slice(p, e))}`);
    else readLine(d, text, p, e, indent, line, warn);
  }
  if (d !== null) records.push(finish(d, warn));
  if (dropped > 0) warnings.push(`${dropped} more warnings not shown`);
  return { records, warnings };
}

/** Channel number of a 2.4, 5 or 6 GHz frequency, or `null` off those bands' channel rasters.
 *
 * @example
 * ```ts
 * channelFromFreq(2484); // 14
 * channelFromFreq(5955); // 1 (6 GHz)
 * ```
 */
export function channelFromFreq(freqMhz: number): number | null {
  if (!Number.isInteger(freqMhz)) return null;
  if (freqMhz === 2484) return 14;
  if (freqMhz === 5935) return 2; // 6 GHz channel 2 sits below that band's raster
  let ch: number;
  if (freqMhz >= 2412 && freqMhz <= 2472) ch = (freqMhz - 2407) / 5;
  else if (freqMhz >= 4910 && freqMhz <= 4980) ch = (freqMhz - 4000) / 5; // 4.9 GHz (Japan, public safety)
  else if (freqMhz >= 5030 && freqMhz <= 5895) ch = (freqMhz - 5000) / 5;
  else if (freqMhz >= 5955 && freqMhz <= 7115) ch = (freqMhz - 5950) / 5;
  else return null;
  if (!Number.isInteger(ch)) return null;
  // 6 GHz 20 MHz primaries are 1, 5, 9, …; other numbers name wider channels, never a BSS's own.
  return freqMhz >= 5955 && ch % 4 !== 1 ? null : ch;
}

function openRecord(body: string, line: number, warn: Warn): Draft | null {
  const m = HEADER.exec(body);
  if (m === null || !m[1].includes(":")) return null;
  let rest = body.slice(m[0].length);
  if (rest !== "" && rest[0] !== " " && rest[0] !== "\t" && rest[0] !== "(") return null;
  const token = m[1].toLowerCase();
  if (!FULL_MAC.test(token)) warn(line, `masked or malformed BSSID ${quote(m[1])}: record kept`);
  let iface: string | null = null;
  rest = rest.trimStart();
  if (rest.startsWith("(on ")) {
    const close = rest.indexOf(")");
    const name = close < 0 ? "" : rest.slice(4, close).trim();
    if (name === "" || name.length > 64) warn(line, `unreadable interface in ${quote(rest)}`);
    else iface = name;
    rest = close < 0 ? "" : rest.slice(close + 1).trimStart();
  }
  let associated = false;
  if (rest.startsWith("--")) {
    const status = rest.slice(2).trim();
    associated = status === "associated" || status === "joined";
    if (!associated && status !== "authenticated") {
      warn(line, `unknown BSS status ${quote(status)}`);
    }
  } else if (rest !== "") warn(line, `unexpected text after the BSSID: ${quote(rest)}`);
  return {
    rec: {
      bssid: token,
      iface,
      associated,
      ssid: null,
      hidden: false,
      meshId: null,
      freqMhz: null,
      channel: null,
      signalDbm: null,
      lastSeenMs: null,
      lastSeenBoottimeS: null,
      beaconIntervalTu: null,
      capabilityHex: null,
      privacy: false,
      encryption: "Open",
      rsn: null,
      wpa: null,
    },
    base: -1,
    block: "other",
    sec: null,
    probeSet: false,
    beaconSet: false,
    mesh: false,
    ds: null,
    ht: null,
    line,
  };
}

/** One non-header line `text[from, to)` of record `d`, indented by `indent` columns. */
function readLine(
  d: Draft,
  text: string,
  from: number,
  to: number,
  indent: number,
  line: number,
  warn: Warn,
): void {
  // The first field sets the depth of top-level fields; a stray shallower line (a paste's
  // comment, a broken line) is read as top-level without shifting that depth for the rest.
  if (d.base < 0) d.base = indent;
  // A `*` item belongs to the block above even when a paste flattened its indentation.
  if (text.charCodeAt(from) === 42) {
    if (d.block === "other") return;
    let q = from + 1;
    while (q < to && isBlank(text.charCodeAt(q))) q++;
    // HT operation has 13 items and only the primary channel matters: skip the rest uncopied.
    if (d.block !== "ht" || text.startsWith("primary channel:", q)) {
      readItem(d, text.slice(q, to), line, warn);
    }
    return;
  }
  if (indent > d.base) return; // detail of a field we skip (HT capabilities, Country, …)
  let colon = from;
  while (colon < to && text.charCodeAt(colon) !== 58) colon++;
  const key = text.slice(from, colon);
  const value = colon < to ? text.slice(colon + 1, to).trim() : "";
  const r = d.rec;
  d.block = "other";
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
    case "SSID":
    case "MESH ID": {
      if (d.beaconSet) return;
      // An element holds at most 255 bytes, which iw prints in at most 1020 characters.
      if (value.length > 1020) {
        return warn(line, `${key} of ${value.length} characters cannot come from iw: ignored`);
      }
      const s = decodeSsid(value);
      if (s.badEscape) warn(line, `invalid escape in ${key} ${quote(value)}: kept as text`);
      if (s.bytes > 32) warn(line, `${key} longer than 32 bytes (${s.bytes})`);
      if (key === "SSID") {
        r.ssid = s.empty ? null : s.text;
        r.hidden = s.empty;
      } else {
        d.mesh = true;
        r.meshId = s.empty ? null : s.text;
      }
      return;
    }
    case "DS Parameter set":
      if (d.beaconSet) return;
      m = DS_CHANNEL.exec(value);
      d.ds = m === null ? null : checkChannel(Number(m[1]), r.freqMhz, line, warn);
      if (m === null) warn(line, `unreadable DS Parameter set ${quote(value)}`);
      return;
    case "RSN":
    case "WPA":
      if (d.beaconSet) return;
      d.block = key === "RSN" ? "rsn" : "wpa";
      d.sec = {
        version: null,
        groupCipher: null,
        pairwiseCiphers: [],
        authSuites: [],
        mfpRequired: false,
        mfpCapable: false,
      };
      if (key === "RSN") r.rsn = d.sec;
      else r.wpa = d.sec;
      // iw prints the block's first item on the header line: `RSN:\t * Version: 1`.
      if (value.startsWith("*")) readItem(d, value.slice(1).trim(), line, warn);
      return;
    case "HT operation":
      if (!d.beaconSet) d.block = "ht";
      return;
    case "Information elements from Probe Response frame":
      d.probeSet = true;
      return;
    case "Information elements from Beacon frame":
      d.beaconSet = d.probeSet;
      return;
  }
}

/** One `* name: value` item (star stripped) of an RSN, WPA or HT operation block. */
function readItem(d: Draft, item: string, line: number, warn: Warn): void {
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
  const sec = d.sec;
  if (sec === null) return;
  switch (key) {
    case "Version":
      sec.version = SMALL_INT.test(value) && Number(value) <= 65535 ? Number(value) : null;
      if (sec.version === null) warn(line, `unreadable version ${quote(value)}`);
      return;
    case "Group cipher":
      sec.groupCipher = suiteNames(value, CIPHER_NAMES)[0] ?? null;
      return;
    case "Pairwise ciphers":
    case "Authentication suites": {
      const names = suiteNames(value, key === "Pairwise ciphers" ? CIPHER_NAMES : AKM_NAMES);
      // An RSN element has at most 255 bytes, room for 63 suites; more is damage.
      if (names.length > 63) warn(line, `${names.length} suites in one list: kept the first 63`);
      if (key === "Pairwise ciphers") sec.pairwiseCiphers = names.slice(0, 63);
      else sec.authSuites = names.slice(0, 63);
      return;
    }
    case "Capabilities": {
      // The hex is authoritative (0x0040 MFP required, 0x0080 MFP capable); words only without it.
      const m = CAPA_HEX.exec(value);
      const bits = m === null ? -1 : parseInt(m[1], 16);
      sec.mfpRequired = bits < 0 ? value.includes("MFP-required") : (bits & 0x0040) !== 0;
      sec.mfpCapable = bits < 0 ? value.includes("MFP-capable") : (bits & 0x0080) !== 0;
    }
  }
}

/** Space-separated suite names, multi-word names joined and old numeric names translated. */
function suiteNames(value: string, numeric: Map<string, string>): string[] {
  if (!value.includes(" ") && !value.includes(":")) return value === "" ? [] : [value];
  const joined = value.includes("IEEE 802.1X") || value.includes("Use group")
    ? value.replaceAll("IEEE 802.1X", "EAP").replaceAll("Use group cipher suite", "USE-GROUP")
    : value;
  const names: string[] = [];
  for (const w of joined.split(" ")) {
    if (w === "") continue;
    const lower = w.includes(":") ? w.toLowerCase() : "";
    names.push(SUITE_NUM.test(lower) ? numeric.get(lower) ?? lower : w);
  }
  return names;
}

/** Decodes iw's SSID escaping: `\xNN` is a raw byte, other characters are their UTF-8 bytes. */
function decodeSsid(
  escaped: string,
): { text: string; empty: boolean; bytes: number; badEscape: boolean } {
  if (!escaped.includes("\\")) {
    const bytes = NON_ASCII.test(escaped) ? ENCODER.encode(escaped).length : escaped.length;
    return { text: escaped, empty: escaped === "", bytes, badEscape: false };
  }
  const out: number[] = [];
  let badEscape = false;
  for (let i = 0; i < escaped.length; i++) {
    const c = escaped.charCodeAt(i);
    if (c === 92 && escaped[i + 1] === "x" && HEX2.test(escaped.slice(i + 2, i + 4))) {
      out.push(parseInt(escaped.slice(i + 2, i + 4), 16));
      i += 3;
    } else if (c < 0x80) {
      badEscape ||= c === 92; // iw prints every backslash as \x5c, so a bare one is damage
      out.push(c);
    } else {
      // Encode a whole run of non-ASCII characters at once: per character is 100× slower.
      let j = i + 1;
      while (j < escaped.length && escaped.charCodeAt(j) >= 0x80) j++;
      for (const b of ENCODER.encode(escaped.slice(i, j))) out.push(b);
      i = j - 1;
    }
  }
  const text = DECODER.decode(Uint8Array.from(out));
  return { text, empty: out.every((b) => b === 0), bytes: out.length, badEscape };
}

const ENCODER = new TextEncoder();
// ignoreBOM keeps a leading EF BB BF in the SSID instead of silently dropping it.
const DECODER = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

function finish(d: Draft, warn: Warn): IwBss {
  const r = d.rec;
  if (d.mesh) r.hidden = false; // a mesh point names itself by MESH ID; its empty SSID hides nothing
  // DS Parameter set, else HT primary channel, else the frequency (6 GHz has neither element).
  // The announced channel is checked again against the record's final frequency: a channel read
  // before `freq:`, or a second `freq:` line, must not leave a channel of another band.
  const announced = d.ds ?? d.ht;
  const fits = announced !== null && checkChannel(announced, r.freqMhz, d.line, warn) !== null;
  r.channel = fits ? announced : r.freqMhz === null ? null : channelFromFreq(r.freqMhz);
  const labels = [...securityLabels(r.wpa, "WPA"), ...securityLabels(r.rsn, "WPA2")];
  r.encryption = labels.length > 0
    ? LABEL_RANK.filter((l) => labels.includes(l)).join("/")
    : r.privacy
    ? "WEP"
    : "Open";
  return r;
}

/**
 * A channel the BSS announces, or null (with a warning) when it cannot be on the band of `freqMhz`.
 * iw prints `freq:` before the information elements, so the frequency is known by then.
 */
function checkChannel(ch: number, freqMhz: number | null, line: number, warn: Warn): number | null {
  const f = freqMhz ?? 0;
  const max = f >= 2400 && f < 2500 ? 14 : f >= 4900 && f < 5925 ? 196 : 233;
  if (ch >= 1 && ch <= max) return ch;
  warn(line, `channel ${ch} is not valid for ${freqMhz === null ? "any band" : `${freqMhz} MHz`}`);
  return null;
}

/**
 * Labels for `encryption` from one RSN ("WPA2") or WPA block.
 *
 * `encryption` (the `wifi_networks.encryption` column) is one label per AKM, strongest first, joined
 * by "/": RSN gives WPA3-SAE (SAE family), WPA3-EAP (Suite B, FT/EAP/SHA-384, or EAP/SHA-256 with MFP
 * required, i.e. WPA3-Enterprise), WPA3-OWE, WPA3-DPP, WPA2-EAP (other 802.1X, FILS, OSEN), WPA2-PSK
 * (PSK family, MFP or not); WPA gives WPA-EAP / WPA-PSK; a block with no known AKM gives bare
 * "WPA2"/"WPA". The privacy bit without either block is "WEP", else "Open" (also with no
 * `capability:` line).
 */
function securityLabels(sec: SecurityInfo | null, proto: "WPA" | "WPA2"): string[] {
  const labels: string[] = [];
  if (sec === null) return labels;
  for (const suite of sec.authSuites) {
    const label = akmLabel(suite, proto, sec.mfpRequired);
    if (label.includes("-") && !labels.includes(label)) labels.push(label);
  }
  if (labels.length === 0) labels.push(proto);
  return labels;
}

function akmLabel(suite: string, proto: "WPA" | "WPA2", mfpRequired: boolean): string {
  const kind = AKM_KIND.get(suite);
  if (proto === "WPA") return kind === "PSK" || kind === "EAP" ? `WPA-${kind}` : "WPA";
  if (kind === "SAE" || kind === "OWE" || kind === "DPP") return `WPA3-${kind}`;
  if (kind === "EAP3" || (suite === "EAP/SHA-256" && mfpRequired)) return "WPA3-EAP";
  return kind === "PSK" || kind === "EAP" ? `WPA2-${kind}` : "WPA2";
}

/** `[oui:0, names[0]], [oui:1, names[1]], …` from a space-separated list, skipping "-". */
function suiteTable(oui: string, names: string): [string, string][] {
  return names.split(" ").flatMap((n, i) =>
    n === "-" ? [] : [[`${oui}:${i}`, n] as [string, string]]
  );
}

function isBlank(c: number): boolean {
  return c === 32 || c === 9 || c === 13 || c === 11 || c === 12;
}

/** Quotes an offending value for a warning, cut short so a 1 MB line cannot bloat the result. */
function quote(s: string): string {
  return JSON.stringify(s.length > 60 ? s.slice(0, 60) + "…" : s);
}
