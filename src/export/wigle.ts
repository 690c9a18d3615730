/**
 * WiGLE CSV 1.6, the format wigle.net imports: a pre-header line describing the logger, the
 * 14-column header, then one RFC 4180 record per sighting (or per network/device with `--best`).
 *
 * Choices where our data and WiGLE's differ (the WiGLE app knows more than `iw` summaries keep):
 * - AuthMode comes from the `wifi_networks.encryption` summary (`WPA3-SAE/WPA2-PSK`), one bracket
 *   per label in its order (strongest first), then `[ESS]`: see `wigleAuthMode`. The summary keeps
 *   no cipher, so RSN labels (WPA2/WPA3) say CCMP — mandatory for both — and WPA1 labels TKIP.
 * - SSIDs and names are written raw (RFC 4180 quoting only): this is an interchange format and
 *   WiGLE must get the real SSID, so no spreadsheet-formula neutralising (`--format csv` does it).
 * - Rows without a position or at (0,0) are never written (`ExportSource` skips and counts them).
 *   WiGLE rejects AccuracyMeters 0, so an unknown or non-positive accuracy is written as
 *   `WIGLE_UNKNOWN_ACCURACY_M` (a conservative 100 m, which WiGLE weighs lightly) and counted.
 * - Unknown numbers: Channel, Frequency and RSSI 0, AltitudeMeters 0 (what the WiGLE app and
 *   Kismet write). Bluetooth rows: AuthMode `Misc [BT]` or `Misc [LE]` and Type BT or BLE as in
 *   Kismet's converter, Channel and Frequency 0, MfgrId the company id when the data has one.
 */
import type { EncryptionLabel } from "../parsers/iw_security.ts";
import { csvField } from "./csv.ts";
import type { ExportPoint, ExportSource } from "./source.ts";

/** Line 2 of a WiGLE 1.6 file. */
export const WIGLE_HEADER =
  "MAC,SSID,AuthMode,FirstSeen,Channel,Frequency,RSSI,CurrentLatitude,CurrentLongitude,AltitudeMeters,AccuracyMeters,RCOIs,MfgrId,Type";

/** AccuracyMeters written when the fix reported none (or 0, which WiGLE rejects). */
export const WIGLE_UNKNOWN_ACCURACY_M = 100;

/** What the pre-header says about the logger. */
export interface WigleDevice {
  /** piwardrive's version. */
  appVersion: string;
  /** Hardware, e.g. "Raspberry Pi 4 Model B Rev 1.4". */
  model: string;
  /** Operating system release, e.g. the kernel's "6.6.31+rpt-rpi-v8". */
  release: string;
}

/** The pre-header is `key=value` pairs split at commas, with no quoting: keep values plain. */
function preHeaderValue(text: string): string {
  // deno-lint-ignore no-control-regex -- control characters would break the line
  return text.replace(/[,\x00-\x1f\x7f]/g, " ").replace(/ {2,}/g, " ").trim();
}

/**
 * Line 1 of a WiGLE 1.6 file.
 *
 * @example
 * ```ts
 * wiglePreHeader({ appVersion: "0.1.0", model: "Raspberry Pi 4", release: "6.6" });
 * // "WigleWifi-1.6,appRelease=piwardrive-0.1.0,model=Raspberry Pi 4,release=6.6,device=piwardrive,display=,board=,brand=,star=Sol,body=3,subBody=0"
 * ```
 */
export function wiglePreHeader(device: WigleDevice): string {
  return `WigleWifi-1.6,appRelease=piwardrive-${preHeaderValue(device.appVersion)},model=${
    preHeaderValue(device.model)
  },release=${
    preHeaderValue(device.release)
  },device=piwardrive,display=,board=,brand=,star=Sol,body=3,subBody=0`;
}

// One bracket per label of the encryption summary (labels of `parseIwScan`'s `encryption`): typed
// by that list, so a label the parser gains cannot miss its bracket here.
const AUTH_BRACKETS: Record<EncryptionLabel, string> = {
  "WPA3-SAE": "[WPA3-SAE-CCMP]",
  "WPA3-EAP": "[WPA3-EAP-CCMP]",
  "WPA3-OWE": "[WPA3-OWE-CCMP]",
  "WPA3-DPP": "[WPA3-DPP-CCMP]",
  "WPA2-EAP": "[WPA2-EAP-CCMP]",
  "WPA2-PSK": "[WPA2-PSK-CCMP]",
  "WPA2": "[WPA2-CCMP]",
  "WPA-EAP": "[WPA-EAP-TKIP]",
  "WPA-PSK": "[WPA-PSK-TKIP]",
  "WPA": "[WPA-TKIP]",
  "WEP": "[WEP]",
  "Open": "",
};

/**
 * Android's capability string for an encryption summary: `WPA2-PSK` → `[WPA2-PSK-CCMP][ESS]`,
 * `WPA3-SAE/WPA2-PSK` → `[WPA3-SAE-CCMP][WPA2-PSK-CCMP][ESS]`, `WEP` → `[WEP][ESS]`, `Open` →
 * `[ESS]`; an unknown label is kept in brackets; null (never known) gives "" rather than claiming
 * an open network.
 *
 * @example
 * ```ts
 * wigleAuthMode("WPA3-OWE"); // "[WPA3-OWE-CCMP][ESS]"
 * ```
 */
export function wigleAuthMode(encryption: string | null): string {
  if (encryption === null || encryption.trim() === "") return "";
  // A drive has a handful of distinct values: map each once.
  let mode = AUTH_MODES.get(encryption);
  if (mode === undefined) {
    mode = authModeOf(encryption);
    if (AUTH_MODES.size < 1000) AUTH_MODES.set(encryption, mode);
  }
  return mode;
}

const AUTH_MODES = new Map<string, string>();

function authModeOf(encryption: string): string {
  const brackets = encryption.split("/").map((label) => label.trim()).filter(Boolean).map((label) =>
    AUTH_BRACKETS[label as EncryptionLabel] ?? `[${label.replace(/[[\]]/g, "")}]`
  );
  return `${brackets.join("")}[ESS]`;
}

/**
 * `yyyy-MM-dd HH:mm:ss` in UTC, or "" for a missing or unreadable time.
 *
 * @example
 * ```ts
 * wigleTime("2024-06-01T16:30:05.250+02:00"); // "2024-06-01 14:30:05"
 * ```
 */
export function wigleTime(iso: string | null): string {
  // The stored form (`2026-11-01T10:00:00.000Z`, UTC) needs no date arithmetic.
  if (iso !== null && iso.length === 24 && iso[10] === "T" && iso[23] === "Z" && STORED.test(iso)) {
    return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
  }
  const ms = iso === null ? NaN : Date.parse(iso);
  return Number.isNaN(ms) ? "" : new Date(ms).toISOString().slice(0, 19).replace("T", " ");
}

const STORED = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

const LOW_ENERGY = /\b(?:le|ble|btle)\b|low[ -]?energy/i;

/** The Bluetooth SIG company id in a manufacturer value ("76", "0x004c", "Apple, Inc. (76)"). */
function mfgrId(manufacturer: string | null): number | null {
  const m = /^\s*(?:0x([0-9a-f]{1,4})|(\d{1,5}))\s*$|\((\d{1,5})\)\s*$/i.exec(manufacturer ?? "");
  if (!m) return null;
  const id = m[1] !== undefined ? parseInt(m[1], 16) : Number(m[2] ?? m[3]);
  return id <= 0xffff ? id : null;
}

const UNSET = Symbol("unset");

/**
 * `format` remembering its last argument: a value `===` the one before is not formatted again
 * (a tick's sightings share their time, position, altitude and often accuracy). +0 and -0 are
 * `===` and both written "0".
 */
function repeating<T, R>(format: (value: T) => R): (value: T) => R {
  let last: unknown = UNSET;
  let result: R;
  return (value) => {
    if (value !== last) {
      result = format(value);
      last = value;
    }
    return result;
  };
}

/**
 * WiGLE records, one per point, counting those written with the default accuracy.
 *
 * @example
 * ```ts
 * const records = new WigleRecords();
 * const text = [...source.points({ best: false })].map((p) => records.record(p)).join("");
 * console.log(records.accuracyDefaulted);
 * ```
 */
export class WigleRecords {
  /** Records written with `WIGLE_UNKNOWN_ACCURACY_M` for want of an accuracy. */
  accuracyDefaulted = 0;
  readonly #authMode = repeating((encryption: string | null) =>
    csvField(wigleAuthMode(encryption))
  );
  readonly #lowEnergy = repeating((deviceType: string | null) => LOW_ENERGY.test(deviceType ?? ""));
  readonly #time = repeating((iso: string | null) => csvField(wigleTime(iso)));
  readonly #lat = repeating(csvField);
  readonly #lon = repeating(csvField);
  readonly #alt = repeating(csvField);
  readonly #accuracy = repeating(csvField);

  /** One record with its `\n`: the columns of `WIGLE_HEADER` as RFC 4180 fields (`csvField`). */
  record(p: ExportPoint): string {
    const known = p.accuracyM !== null && p.accuracyM > 0;
    if (!known) this.accuracyDefaulted++;
    const wifi = p.kind === "wifi";
    const lowEnergy = !wifi && this.#lowEnergy(p.deviceType);
    // Fields already RFC 4180 (`csvRecord` would test each again), joined into one flat
    // string: a record concatenated piece by piece is a tree that costs memory until written.
    return [
      csvField(p.id),
      csvField(p.name ?? ""),
      wifi ? this.#authMode(p.encryption) : lowEnergy ? "Misc [LE]" : "Misc [BT]",
      this.#time(p.seenAt ?? p.firstSeen),
      csvField(p.channel ?? 0),
      csvField(p.freqMhz ?? 0),
      csvField(p.signalDbm === null ? 0 : Math.round(p.signalDbm)),
      this.#lat(p.lat),
      this.#lon(p.lon),
      this.#alt(p.altM ?? 0),
      this.#accuracy(known ? p.accuracyM : WIGLE_UNKNOWN_ACCURACY_M),
      "", // RCOIs
      wifi ? "" : csvField(mfgrId(p.manufacturer)),
      wifi ? "WIFI\n" : lowEnergy ? "BLE\n" : "BT\n",
    ].join(",");
  }
}

// Records per chunk: a chunk per record would cost a generator step and a buffered write each.
const RECORDS_PER_CHUNK = 256;

/**
 * A WiGLE 1.6 file, a chunk per few hundred records; returns how many rows got the default
 * accuracy.
 *
 * @example
 * ```ts
 * for (const chunk of wigleText(source, { best: false, device })) await writer.write(chunk);
 * ```
 */
export function* wigleText(
  source: ExportSource,
  options: { best: boolean; device: WigleDevice },
): Generator<string, { accuracyDefaulted: number }> {
  yield `${wiglePreHeader(options.device)}\n${WIGLE_HEADER}\n`;
  const records = new WigleRecords();
  let chunk = "";
  let count = 0;
  for (const p of source.points({ best: options.best })) {
    chunk += records.record(p);
    if (++count === RECORDS_PER_CHUNK) {
      yield chunk;
      chunk = "";
      count = 0;
    }
  }
  if (chunk !== "") yield chunk;
  return { accuracyDefaulted: records.accuracyDefaulted };
}
