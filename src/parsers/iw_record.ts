/**
 * The record `parseIwScan` builds for each `BSS …` header, the state it keeps while reading one,
 * and the helpers every part of the iw parser shares.
 */
import type { SecurityInfo } from "./iw_security.ts";

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

/** Which multi-line field the `*` items under it belong to. */
export type Block = "other" | "rsn" | "wpa" | "ht";

/** Parser state for the record being read; `rec` is what gets emitted. */
export interface Draft {
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

/** Records a `line N: …` warning. */
export type Warn = (line: number, message: string) => void;

/** The hex value iw prints in parentheses after capability words, e.g. `ESS Privacy (0x0411)`. */
export const CAPA_HEX = /\(0x([0-9a-fA-F]{1,4})\)$/;
export const SMALL_INT = /^\d{1,5}$/;

/** A space, tab, CR, VT or FF. */
export function isBlank(c: number): boolean {
  return c === 32 || c === 9 || c === 13 || c === 11 || c === 12;
}

/** Quotes an offending value for a warning, cut short so a 1 MB line cannot bloat the result. */
export function quote(s: string): string {
  return JSON.stringify(s.length > 60 ? s.slice(0, 60) + "…" : s);
}
