/**
 * Synthetic `iw dev wlan0 scan` output for the benchmark: access points along a drive, as full
 * iw 6.9 records (see `tests/fixtures/iw/iw-6.9-mixed-2g5g-scan.txt`): both `last seen:` lines,
 * TSF, rates, Country, RSN/WPA blocks, HT/VHT/WPS/WMM blocks that the parser must skip, SSIDs with
 * iw's `\xNN` escapes. This file decides what each record holds; `scripts/lib/iw_text.ts` lays it
 * out. Everything comes from a seeded PRNG, so a run is reproducible.
 *
 * A drive is a line of `poolSize` access points; tick `t` hears the window of `perScan` of them
 * starting at `t * advance`, strongest in the middle of the window, so each BSSID recurs in
 * `perScan / advance` consecutive ticks as it would on a real drive.
 *
 * @module
 */

import { Rng } from "../lib/random.ts";
import { bssRecordText, escapeSsid, securityBlock } from "../lib/iw_text.ts";

export { escapeSsid };

/** Security of a generated access point, and the `encryption` summary parseIwScan gives it. */
export const SECURITY = {
  wpa2psk: "WPA2-PSK",
  transition: "WPA3-SAE/WPA2-PSK",
  sae: "WPA3-SAE",
  owe: "WPA3-OWE",
  open: "Open",
  wep: "WEP",
  eap: "WPA2-EAP",
  mixed: "WPA2-PSK/WPA-PSK",
} as const;
export type Security = keyof typeof SECURITY;

const SECURITY_WEIGHTS: [Security, number][] = [
  ["wpa2psk", 50],
  ["transition", 12],
  ["sae", 5],
  ["owe", 3],
  ["open", 10],
  ["wep", 2],
  ["eap", 8],
  ["mixed", 10],
];

/** One generated access point. */
export interface AccessPoint {
  index: number;
  bssid: string;
  /** Decoded SSID, null when hidden. */
  ssid: string | null;
  freqMhz: number;
  channel: number;
  security: Security;
  wps: boolean;
}

const OUIS = [
  "3c:84:6a", // AVM
  "f4:f2:6d", // TP-Link
  "a0:b5:49", // Arcadyan
  "00:1a:2b",
  "dc:15:c8",
  "88:03:55", // Arcadyan
  "70:3a:0e", // Aruba
  "b0:be:76", // TP-Link
  "e0:28:6d", // AVM
  "c8:0e:14", // AVM
  "44:4e:6d", // AVM
  "00:24:fe",
];
const PREFIXES = ["FRITZ!Box 7590", "Vodafone-", "TP-Link_", "o2-WLAN", "Telekom", "WLAN-"];
const WORDS = ["HomeNet", "Cafe", "Lobby", "Office", "Guest", "Praxis", "Baeckerei", "Hotel"];
const UNICODE = ["Café ☕", "Büro-5G", "Wohnung Ä", "Straße 12", "Gäste"];
const CH24 = [1, 1, 1, 6, 6, 6, 11, 11, 11, 2, 3, 4, 5, 7, 8, 9, 10, 12, 13];
const CH5 = [36, 40, 44, 48, 52, 56, 60, 64, 100, 104, 108, 112, 116, 132, 136, 149, 153, 157, 161];

/** The `poolSize` access points of a drive, the same for the same seed. */
export function accessPoints(poolSize: number, seed = 1): AccessPoint[] {
  const rng = new Rng(seed);
  const aps: AccessPoint[] = [];
  for (let i = 0; i < poolSize; i++) {
    // An odd multiplier is a bijection on 24 bits: the low three bytes are unique per index.
    const low = Math.imul(i + 1, 0x9e3779) & 0xffffff;
    const local = rng.next() < 0.08; // phone hotspots and mesh repeaters: locally administered
    const oui = local
      ? `${hex(((rng.int(64) << 2) | 2) & 0xff)}:${hex(rng.int(256))}:${hex(rng.int(256))}`
      : rng.pick(OUIS);
    const bssid = `${oui}:${hex(low >> 16)}:${hex((low >> 8) & 0xff)}:${hex(low & 0xff)}`;
    const five = rng.next() < 0.4;
    const channel = five ? rng.pick(CH5) : rng.pick(CH24);
    const freqMhz = five ? 5000 + 5 * channel : 2407 + 5 * channel;
    const security = rng.weighted(SECURITY_WEIGHTS);
    aps.push({
      index: i,
      bssid,
      ssid: ssidFor(rng, i, security),
      freqMhz,
      channel,
      security,
      wps: security !== "open" && security !== "eap" && rng.next() < 0.3,
    });
  }
  return aps;
}

function ssidFor(rng: Rng, i: number, security: Security): string | null {
  const r = rng.next();
  if (r < 0.05) return null; // hidden
  if (security === "eap") return rng.pick(["eduroam", "CorpNet", "Uni-Staff"]);
  if (security === "open") return rng.pick(["Free WiFi", "Telekom_FON", "BVG Wi-Fi", "@Hotspot"]);
  if (r < 0.12) return `${rng.pick(UNICODE)} ${i % 100}`;
  if (r < 0.15) return ` ${rng.pick(WORDS)} ${i % 1000}`; // leading space: printed as \x20
  if (r < 0.6) return `${rng.pick(PREFIXES)}${(i * 7919 % 0xffff).toString(16).toUpperCase()}`;
  return `${rng.pick(WORDS)}-${i}`;
}

/** Signal of the access point at `pos` of a window of `size`: strongest in the middle. */
function signalAt(rng: Rng, pos: number, size: number): number {
  const d = Math.abs(pos - size / 2) / (size / 2); // 0 (closest) … 1 (edge)
  const dbm = -35 - 55 * d - rng.int(8);
  return Math.max(-95, dbm);
}

/** The text of one scan hearing `aps` (signals from their position in the list). */
export function scanText(aps: readonly AccessPoint[], rng: Rng, bootS = 1523.4): string {
  const parts: string[] = [];
  aps.forEach((ap, pos) => {
    parts.push(
      bssRecord(ap, signalAt(rng, pos, aps.length), rng, bootS, pos === 0 && aps.length > 1),
    );
  });
  return parts.join("");
}

/** A scan of `count` access points of a fresh pool (the iw-parse capture). */
export function captureText(count: number, seed = 7): { text: string; aps: AccessPoint[] } {
  const aps = accessPoints(count, seed);
  return { text: scanText(aps, new Rng(seed + 1)), aps };
}

/** The drive's window heard at tick `t`. */
export function windowAt(
  pool: readonly AccessPoint[],
  t: number,
  perScan: number,
  advance: number,
): AccessPoint[] {
  const start = (t * advance) % pool.length;
  const out: AccessPoint[] = [];
  for (let k = 0; k < perScan; k++) out.push(pool[(start + k) % pool.length]);
  return out;
}

/** Pool size so that `ticks` ticks of `perScan` advancing by `advance` never wrap. */
export function poolSizeFor(ticks: number, perScan: number, advance: number): number {
  return perScan + advance * Math.max(0, ticks - 1);
}

/** Two lowercase hex digits, as in a BSSID. */
function hex(n: number): string {
  return n.toString(16).padStart(2, "0");
}

/**
 * One full iw 6.9 record of `ap`. Its draws from `rng` come in a fixed order (last seen, TSF,
 * probe response, BSS Load): reordering them would change every capture.
 */
function bssRecord(
  ap: AccessPoint,
  signal: number,
  rng: Rng,
  bootS: number,
  associated: boolean,
): string {
  const five = ap.freqMhz > 5000;
  const seenMs = 100 + rng.int(3000);
  const tsf = {
    usec: 100_000_000 + rng.int(2_000_000_000),
    days: 0,
    hours: 0,
    minutes: rng.int(60),
    seconds: rng.int(60),
  };
  const probeResponse = rng.next() < 0.5;
  const bssLoad = rng.next() < 0.6 ? bssLoadBlock(rng) : undefined;
  // A WEP access point is a pre-802.11n one: no HT/VHT elements, no WMM.
  const ht = ap.security !== "wep";
  const band = five
    ? { supportedRates: RATES_5, country: COUNTRY_5, powerConstraint: POWER_CONSTRAINT }
    : {
      supportedRates: RATES_24,
      dsParameterSet: [`\tDS Parameter set: channel ${ap.channel}`],
      country: COUNTRY_24,
      erp: ERP,
      extendedSupportedRates: EXTENDED_RATES_24,
    };
  return bssRecordText({
    bssid: ap.bssid,
    associated,
    lastSeenBoottimeS: bootS - seenMs / 1000,
    tsf,
    freqMhz: ap.freqMhz,
    beaconIntervalTu: 100,
    capability: capabilityFor(ap.security, five),
    signalDbm: signal,
    lastSeenMs: seenMs,
    probeResponse,
    ssid: ap.ssid === null ? "" : escapeSsid(ap.ssid),
    elements: {
      ...band,
      rsn: RSN[ap.security],
      bssLoad,
      htCapabilities: ht ? (five ? HT_CAPA_5 : HT_CAPA_24) : undefined,
      htOperation: ht ? htOperation(ap.channel, five) : undefined,
      extendedCapabilities: ht ? EXT_CAPA : undefined,
      vhtCapabilities: ht && five ? VHT_CAPA : undefined,
      vhtOperation: ht && five ? vhtOperation(ap.channel) : undefined,
      wpa: ap.security === "mixed" ? WPA_TKIP : undefined,
      wps: ap.wps ? WPS : undefined,
      wmm: ht ? WMM : undefined,
    },
  });
}

function capabilityFor(security: Security, five: boolean): string {
  if (security === "wep") return "ESS Privacy ShortPreamble (0x0031)";
  if (security === "open") return "ESS ShortSlotTime (0x0401)";
  return five
    ? "ESS Privacy SpectrumMgmt ShortSlotTime RadioMeasure (0x1511)"
    : "ESS Privacy ShortSlotTime RadioMeasure (0x1411)";
}

function bssLoadBlock(rng: Rng): string[] {
  return [
    "\tBSS Load:",
    `\t\t * station count: ${rng.int(20)}`,
    `\t\t * channel utilisation: ${rng.int(256)}/255`,
    "\t\t * available admission capacity: 0 [*32us]",
  ];
}

const RATES_24 = ["\tSupported rates: 1.0* 2.0* 5.5* 11.0* 6.0 9.0 12.0 18.0 "];
const RATES_5 = ["\tSupported rates: 6.0* 9.0 12.0* 18.0 24.0* 36.0 48.0 54.0 "];
const EXTENDED_RATES_24 = ["\tExtended supported rates: 24.0 36.0 48.0 54.0 "];
const ERP = ["\tERP: Barker_Preamble_Mode"];
const COUNTRY_24 = ["\tCountry: DE\tEnvironment: Indoor/Outdoor", "\t\tChannels [1 - 13] @ 20 dBm"];
const COUNTRY_5 = [
  "\tCountry: DE\tEnvironment: Indoor/Outdoor",
  "\t\tChannels [36 - 48] @ 23 dBm",
  "\t\tChannels [52 - 64] @ 20 dBm",
  "\t\tChannels [100 - 140] @ 27 dBm",
];
const POWER_CONSTRAINT = ["\tPower constraint: 0 dB"];

function rsnBlock(akm: string, capa: string, pairwise = "CCMP", group = "CCMP"): string[] {
  return securityBlock("RSN", group, pairwise, akm, capa);
}

const RSN: Partial<Record<Security, string[]>> = {
  wpa2psk: rsnBlock("PSK", "16-PTKSA-RC 1-GTKSA-RC (0x000c)"),
  transition: rsnBlock("PSK SAE", "16-PTKSA-RC 1-GTKSA-RC MFP-capable (0x008c)"),
  sae: rsnBlock("SAE", "16-PTKSA-RC 1-GTKSA-RC MFP-required MFP-capable (0x00cc)"),
  owe: rsnBlock("OWE", "16-PTKSA-RC 1-GTKSA-RC MFP-required MFP-capable (0x00cc)"),
  eap: rsnBlock("IEEE 802.1X FT/IEEE 802.1X", "4-PTKSA-RC 4-GTKSA-RC MFP-capable (0x00a8)"),
  mixed: rsnBlock("PSK", "1-PTKSA-RC 1-GTKSA-RC (0x0000)", "TKIP CCMP", "TKIP"),
};

const WPA_TKIP = securityBlock("WPA", "TKIP", "TKIP CCMP", "PSK");

const HT_CAPA_24 = [
  "\tHT capabilities:",
  "\t\tCapabilities: 0x19ad",
  "\t\t\tRX LDPC",
  "\t\t\tHT20",
  "\t\t\tSM Power Save disabled",
  "\t\t\tRX HT20 SGI",
  "\t\t\tTX STBC",
  "\t\t\tRX STBC 1-stream",
  "\t\t\tMax AMSDU length: 7935 bytes",
  "\t\t\tDSSS/CCK HT40",
  "\t\tMaximum RX AMPDU length 65535 bytes (exponent: 0x003)",
  "\t\tMinimum RX AMPDU time spacing: 4 usec (0x05)",
  "\t\tHT TX/RX MCS rate indexes supported: 0-15",
];

const HT_CAPA_5 = [
  "\tHT capabilities:",
  "\t\tCapabilities: 0x9ef",
  "\t\t\tRX LDPC",
  "\t\t\tHT20/HT40",
  "\t\t\tSM Power Save disabled",
  "\t\t\tRX HT20 SGI",
  "\t\t\tRX HT40 SGI",
  "\t\t\tTX STBC",
  "\t\t\tRX STBC 1-stream",
  "\t\t\tMax AMSDU length: 7935 bytes",
  "\t\t\tNo DSSS/CCK HT40",
  "\t\tMaximum RX AMPDU length 65535 bytes (exponent: 0x003)",
  "\t\tMinimum RX AMPDU time spacing: 4 usec (0x05)",
  "\t\tHT TX/RX MCS rate indexes supported: 0-31",
];

function htOperation(channel: number, five: boolean): string[] {
  return [
    "\tHT operation:",
    `\t\t * primary channel: ${channel}`,
    `\t\t * secondary channel offset: ${five ? "above" : "no secondary"}`,
    `\t\t * STA channel width: ${five ? "any" : "20 MHz"}`,
    "\t\t * RIFS: 0",
    "\t\t * HT protection: no",
    "\t\t * non-GF present: 1",
    "\t\t * OBSS non-GF present: 0",
    "\t\t * dual beacon: 0",
    "\t\t * dual CTS protection: 0",
    "\t\t * STBC beacon: 0",
    "\t\t * L-SIG TXOP Prot: 0",
    "\t\t * PCO active: 0",
    "\t\t * PCO phase: 0",
  ];
}

const EXT_CAPA = [
  "\tExtended capabilities:",
  "\t\t * Extended Channel Switching",
  "\t\t * BSS Transition",
  "\t\t * Operating Mode Notification",
];

const MCS_SET = [
  "\t\t\t1 streams: MCS 0-9",
  "\t\t\t2 streams: MCS 0-9",
  "\t\t\t3 streams: MCS 0-9",
  "\t\t\t4 streams: MCS 0-9",
  "\t\t\t5 streams: not supported",
  "\t\t\t6 streams: not supported",
  "\t\t\t7 streams: not supported",
  "\t\t\t8 streams: not supported",
];

const VHT_CAPA = [
  "\tVHT capabilities:",
  "\t\tVHT Capabilities (0x339b79b2):",
  "\t\t\tMax MPDU length: 11454",
  "\t\t\tSupported Channel Width: neither 160 nor 80+80",
  "\t\t\tRX LDPC",
  "\t\t\tshort GI (80 MHz)",
  "\t\t\tTX STBC",
  "\t\t\tSU Beamformer",
  "\t\t\tSU Beamformee",
  "\t\t\tMU Beamformer",
  "\t\tVHT RX MCS set:",
  ...MCS_SET,
  "\t\tVHT RX highest supported: 0 Mbps",
  "\t\tVHT TX MCS set:",
  ...MCS_SET,
  "\t\tVHT TX highest supported: 0 Mbps",
  "\t\tVHT extended NSS: supported",
];

function vhtOperation(channel: number): string[] {
  const centre = channel >= 149 ? 155 : 42 + 16 * Math.floor((channel - 36) / 16);
  return [
    "\tVHT operation:",
    "\t\t * channel width: 1 (80 MHz)",
    `\t\t * center freq segment 1: ${centre}`,
    "\t\t * center freq segment 2: 0",
    "\t\t * VHT basic MCS set: 0xfffc",
  ];
}

const WPS = [
  "\tWPS:\t * Version: 1.0",
  "\t\t * Wi-Fi Protected Setup State: 2 (Configured)",
  "\t\t * Response Type: 3 (AP)",
  "\t\t * UUID: 8c5f1d9e-3a44-5b2e-9c7d-3c846aa1b2c3",
  "\t\t * Manufacturer: AVM",
  "\t\t * Model: FRITZ!Box",
  "\t\t * Model Number: 7590",
  "\t\t * Serial Number: 0000000000",
  "\t\t * Primary Device Type: 6-0050f204-1",
  "\t\t * Device name: FRITZ!Box 7590",
  "\t\t * Config methods: Display, PBC, Keypad",
  "\t\t * Version2: 2.0",
];

const WMM = [
  "\tWMM:\t * Parameter version 1",
  "\t\t * u-APSD",
  "\t\t * BE: CW 15-1023, AIFSN 3",
  "\t\t * BK: CW 15-1023, AIFSN 7",
  "\t\t * VI: CW 7-15, AIFSN 2, TXOP 3008 usec",
  "\t\t * VO: CW 3-7, AIFSN 2, TXOP 1504 usec",
];
