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
import { channelFromFreq, checkChannel } from "./iw_channel.ts";
import { FIELD_READERS, readItem } from "./iw_fields.ts";
import { type Draft, isBlank, type IwBss, quote, type Warn } from "./iw_record.ts";
import { encryptionSummary } from "./iw_security.ts";
import type { ParseResult } from "./types.ts";

// The type of what `parseIwScan` returns, where its callers look for it.
export type { IwBss } from "./iw_record.ts";

const MAX_WARNINGS = 1000;
const FIELD_INITIALS = new Set([...FIELD_READERS.keys()].map((k) => k.charCodeAt(0)));
const FULL_MAC = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/i;
// Bounded character class without letters beyond hex and "x": `BSS Load:` and `BSS Color` never match.
const HEADER = /^BSS ([0-9a-fA-FxX:.*]{1,32})/;

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
    if (text.charCodeAt(p) === 66 /* B */ && text.startsWith("BSS ", p)) {
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
  d.block = "other";
  // Most top-level fields are ones we skip: their first letter already tells most of them apart.
  if (!FIELD_INITIALS.has(text.charCodeAt(from))) return;
  let colon = from;
  while (colon < to && text.charCodeAt(colon) !== 58) colon++;
  const read = FIELD_READERS.get(text.slice(from, colon));
  if (read === undefined) return;
  read(d, text.slice(from, colon), colon < to ? text.slice(colon + 1, to).trim() : "", line, warn);
}

/** The record of `d`, its channel and encryption settled now that all its lines are read. */
function finish(d: Draft, warn: Warn): IwBss {
  const r = d.rec;
  if (d.mesh) r.hidden = false; // a mesh point names itself by MESH ID; its empty SSID hides nothing
  // DS Parameter set, else HT primary channel, else the frequency (6 GHz has neither element).
  // The announced channel is checked again against the record's final frequency: a channel read
  // before `freq:`, or a second `freq:` line, must not leave a channel of another band.
  const announced = d.ds ?? d.ht;
  const fits = announced !== null && checkChannel(announced, r.freqMhz, d.line, warn) !== null;
  r.channel = fits ? announced : r.freqMhz === null ? null : channelFromFreq(r.freqMhz);
  r.encryption = encryptionSummary(r.wpa, r.rsn, r.privacy);
  return r;
}
