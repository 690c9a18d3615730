/**
 * The `iw dev wlan0 scan` text both generators print (the bench's full iw 6.9 records and the
 * sample drive's trimmed ones): the record layout, the SSID escape and the RSN/WPA blocks, as iw
 * writes them. A generator decides what a record holds; {@linkcode bssRecordText} lays it out.
 *
 * @module
 */

/**
 * The information elements a record can carry, in the order iw 6.9 prints them. iw prints the
 * elements in the order the frame carries them, and an access point sends them in the order
 * 802.11 fixes for a beacon or probe response: this list is that order.
 */
export const ELEMENT_ORDER = [
  "supportedRates",
  "dsParameterSet",
  "country",
  "powerConstraint",
  "erp",
  "extendedSupportedRates",
  "rsn",
  "bssLoad",
  "htCapabilities",
  "htOperation",
  "extendedCapabilities",
  "vhtCapabilities",
  "vhtOperation",
  "wpa",
  "wps",
  "wmm",
] as const;

/** One information element of {@linkcode ELEMENT_ORDER}. */
export type ElementKey = typeof ELEMENT_ORDER[number];

/** iw's TSF and the uptime it reads from it, `TSF: 1523407391 usec (0d, 00:25:23)`. */
export interface Tsf {
  usec: number;
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
}

/**
 * One BSS of a scan. The optional header fields are those of a full iw 6.9 record (the kernel
 * reports them; the sample drive's trimmed records leave them out).
 */
export interface BssRecord {
  bssid: string;
  /** wlan0 is associated with this BSS (` -- associated` on the header line). */
  associated: boolean;
  /** `last seen: 1523.412s [boottime]`. */
  lastSeenBoottimeS?: number;
  tsf?: Tsf;
  freqMhz: number;
  beaconIntervalTu?: number;
  /** The `capability:` value: flag words, then the hex. */
  capability: string;
  signalDbm: number;
  lastSeenMs: number;
  /** The elements come from a probe response (iw says so before them). */
  probeResponse?: boolean;
  /** The SSID as iw prints it, already escaped ({@linkcode escapeSsid}); empty when hidden. */
  ssid: string;
  /** Each element's lines, tab-indented as iw prints them; an absent key is not printed. */
  elements?: Partial<Record<ElementKey, readonly string[]>>;
}

/**
 * One record as iw 6.9 prints it (`print_bss_handler`): the header lines, the SSID, then the
 * elements in {@linkcode ELEMENT_ORDER}, each line ending in a line break.
 *
 * @example
 * ```ts
 * bssRecordText({
 *   bssid: "3c:84:6a:a1:b2:c3",
 *   associated: false,
 *   freqMhz: 2412,
 *   capability: "ESS ShortSlotTime (0x0401)",
 *   signalDbm: -48,
 *   lastSeenMs: 120,
 *   ssid: "HomeNet",
 *   elements: { dsParameterSet: ["\tDS Parameter set: channel 1"] },
 * }); // "BSS 3c:84:6a:a1:b2:c3(on wlan0)\n\tfreq: 2412.0\n…\tDS Parameter set: channel 1\n"
 * ```
 */
export function bssRecordText(record: BssRecord): string {
  const lines = [`BSS ${record.bssid}(on wlan0)${record.associated ? " -- associated" : ""}`];
  if (record.lastSeenBoottimeS !== undefined) {
    lines.push(`\tlast seen: ${record.lastSeenBoottimeS.toFixed(3)}s [boottime]`);
  }
  if (record.tsf !== undefined) lines.push(`\tTSF: ${tsfText(record.tsf)}`);
  lines.push(`\tfreq: ${record.freqMhz}.0`);
  if (record.beaconIntervalTu !== undefined) {
    lines.push(`\tbeacon interval: ${record.beaconIntervalTu} TUs`);
  }
  lines.push(
    `\tcapability: ${record.capability}`,
    `\tsignal: ${record.signalDbm.toFixed(2)} dBm`,
    `\tlast seen: ${record.lastSeenMs} ms ago`,
  );
  if (record.probeResponse) lines.push("\tInformation elements from Probe Response frame:");
  lines.push(`\tSSID: ${record.ssid}`);
  for (const key of ELEMENT_ORDER) lines.push(...record.elements?.[key] ?? []);
  return lines.join("\n") + "\n";
}

function tsfText({ usec, days, hours, minutes, seconds }: Tsf): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return `${usec} usec (${days}d, ${two(hours)}:${two(minutes)}:${two(seconds)})`;
}

/**
 * iw's `print_ssid_escaped`: printable ASCII as is, inner spaces as is, all else `\xNN`.
 * A string is taken as its UTF-8 bytes.
 */
export function escapeSsid(ssid: string | Uint8Array): string {
  const bytes = typeof ssid === "string" ? new TextEncoder().encode(ssid) : ssid;
  let out = "";
  bytes.forEach((b, i) => {
    const edge = i === 0 || i === bytes.length - 1;
    if (b > 0x20 && b < 0x7f && b !== 0x5c) out += String.fromCharCode(b);
    else if (b === 0x20 && !edge) out += " ";
    else out += `\\x${b.toString(16).padStart(2, "0")}`;
  });
  return out;
}

/** An `RSN:` or `WPA:` block, one entry a line; `capabilities` only where iw prints them (RSN). */
export function securityBlock(
  label: "RSN" | "WPA",
  group: string,
  pairwise: string,
  akm: string,
  capabilities?: string,
): string[] {
  const lines = [
    `\t${label}:\t * Version: 1`,
    `\t\t * Group cipher: ${group}`,
    `\t\t * Pairwise ciphers: ${pairwise}`,
    `\t\t * Authentication suites: ${akm}`,
  ];
  if (capabilities !== undefined) lines.push(`\t\t * Capabilities: ${capabilities}`);
  return lines;
}
