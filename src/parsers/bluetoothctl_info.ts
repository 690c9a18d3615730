/** `bluetoothctl info <MAC>`: what BlueZ knows about one device, as one record. */
import {
  type Cleaned,
  cleanLines,
  HEXDUMP,
  MAC,
  nameOf,
  numberIn,
  quote,
  SUB_KEY,
  UUID,
  type Warn,
} from "./bluetoothctl_text.ts";
import type { ParseResult } from "./types.ts";

/** One entry of the `UUID:` lines of `info`. */
export interface BtUuid {
  /** bluetoothctl's name, possibly cut short (`Advanced Audio Distribu..`). */
  name: string;
  uuid: string;
}

/** What `bluetoothctl info <MAC>` says about one device. */
export interface BtDeviceInfo {
  address: string;
  addressType: "public" | "random" | null;
  name: string | null;
  /** Null when it is only BlueZ's fallback (the MAC with dashes). */
  alias: string | null;
  deviceClass: number | null;
  icon: string | null;
  appearance: number | null;
  paired: boolean | null;
  bonded: boolean | null;
  trusted: boolean | null;
  blocked: boolean | null;
  connected: boolean | null;
  legacyPairing: boolean | null;
  rssiDbm: number | null;
  txPowerDbm: number | null;
  uuids: BtUuid[];
  /** The first `ManufacturerData` entry only; further entries raise a warning. */
  manufacturerId: number | null;
  manufacturerData: string | null;
  batteryPercent: number | null;
}
const INFO_HEADER = new RegExp(`^(Device|Controller) (${MAC})(?: \\(([a-z]+)\\))?\\s*$`);
const FIELD = /^[ \t]+([^:\s][^:]*):(?: ?(.*))?$/s; // the key starts after the indent: linear

type Setter = (info: BtDeviceInfo, value: string, warn: Warn) => void;
type FlagKey = "paired" | "bonded" | "trusted" | "blocked" | "connected" | "legacyPairing";
const flag = (key: FlagKey): Setter => (info, value, warn) => {
  if (value.trim() === "yes" || value.trim() === "no") info[key] = value.trim() === "yes";
  else warn(`${key} is neither yes nor no: ${quote(value)}`);
};
/** One setter per `info` field, given the text after `Key: ` as printed. A Map: no `__proto__`. */
const INFO_FIELDS = new Map<string, Setter>([
  ["Name", (info, value) => void (info.name = value === "" ? null : value)],
  ["Alias", (info, value) => void (info.alias = nameOf(value, info.address))],
  ["Icon", (info, value) => void (info.icon = value.trim() === "" ? null : value.trim())],
  ["Class", (info, v, warn) => void (info.deviceClass = numberIn(v, 0, 0xffffffff, "Class", warn))],
  [
    "Appearance",
    (info, v, warn) => void (info.appearance = numberIn(v, 0, 0xffff, "Appearance", warn)),
  ],
  ["RSSI", (info, v, warn) => void (info.rssiDbm = numberIn(v, -127, 0, "RSSI", warn))],
  ["TxPower", (info, v, warn) => void (info.txPowerDbm = numberIn(v, -127, 20, "TxPower", warn))],
  [
    "Battery Percentage",
    (info, v, warn) => void (info.batteryPercent = numberIn(v, 0, 100, "battery", warn)),
  ],
  ["UUID", (info, value, warn) => {
    const open = value.lastIndexOf("(");
    const uuid = open >= 0 && value.endsWith(")") ? value.slice(open + 1, -1) : "";
    if (UUID.test(uuid)) info.uuids.push({ name: value.slice(0, open).trim(), uuid });
    else warn(`cannot read UUID ${quote(value)}`);
  }],
  ["Paired", flag("paired")],
  ["Bonded", flag("bonded")],
  ["Trusted", flag("trusted")],
  ["Blocked", flag("blocked")],
  ["Connected", flag("connected")],
  ["LegacyPairing", flag("legacyPairing")],
]);
// Printed by `info` but of no use to a wardriving log.
const SKIPPED =
  "Modalias WakeAllowed ServicesResolved AdvertisingFlags AdvertisingData ServiceData";
for (const key of `${SKIPPED} Sets CablePairing PreferredBearer`.split(" ")) {
  INFO_FIELDS.set(key, () => {});
}

function emptyInfo(address: string, addressType: BtDeviceInfo["addressType"]): BtDeviceInfo {
  return {
    address,
    addressType,
    name: null,
    alias: null,
    deviceClass: null,
    icon: null,
    appearance: null,
    paired: null,
    bonded: null,
    trusted: null,
    blocked: null,
    connected: null,
    legacyPairing: null,
    rssiDbm: null,
    txPowerDbm: null,
    uuids: [],
    manufacturerId: null,
    manufacturerData: null,
    batteryPercent: null,
  };
}

/** The controller warning: `show` output describes the adapter, which is not a device seen. */
function controllerWarning(lineNo: number, header: string, lines: Cleaned[]): string {
  const features = lines.some((l) => l.text.trim() === "Advertising Features:");
  const section = features ? ', with an "Advertising Features:" section' : "";
  return `line ${lineNo}: ${
    quote(header)
  } is a controller (bluetoothctl show${section}), not a device: no record`;
}

/**
 * Parses `bluetoothctl info <MAC>` into zero or one record. Controller output (`show`) yields none.
 *
 * @example
 * ```ts
 * const { records } = parseBluetoothctlInfo("Device AA:BB:CC:DD:EE:FF (random)\n\tRSSI: -52\n");
 * // records[0].addressType === "random", records[0].rssiDbm === -52
 * ```
 */
export function parseBluetoothctlInfo(text: string): ParseResult<BtDeviceInfo> {
  const warnings: string[] = [];
  const lines = [...cleanLines(text, warnings)];
  let info: BtDeviceInfo | null = null;
  /** Hexdump lines after a `…Value:` line; `keep` only for the first manufacturer entry. */
  let hex: { parts: string[]; keep: boolean } | null = null;
  let manufacturerEntries = 0;
  const endHex = () => {
    if (info && hex?.keep && hex.parts.length) info.manufacturerData = hex.parts.join("");
    hex = null;
  };

  for (const [i, { text: line, prompted, lineNo }] of lines.entries()) {
    const warn = (msg: string) => void warnings.push(`line ${lineNo}: ${msg}`);
    const dump = HEXDUMP.exec(line);
    if (dump && hex) {
      hex.parts.push(dump[1].replaceAll(" ", "").toLowerCase());
      continue;
    }
    endHex();
    if (line.trim() === "") continue;
    const header = INFO_HEADER.exec(line);
    const field = FIELD.exec(line);
    if (header?.[1] === "Controller") {
      warnings.push(controllerWarning(lineNo, line.trim(), lines.slice(i)));
      break;
    } else if (header && info) {
      warn(`second device ${quote(line)} ignored: info describes one device`);
      break;
    } else if (header) {
      const type = header[3] ?? null;
      const known = type === "public" || type === "random";
      if (type !== null && !known) warn(`unknown address type "${type}"`);
      info = emptyInfo(header[2].toUpperCase(), known ? type : null);
    } else if (info && field) {
      const [key, value] = [field[1].trim(), field[2] ?? ""];
      const sub = SUB_KEY.exec(key);
      if (sub?.[1] === "ManufacturerData" && sub[2] === "Key" && ++manufacturerEntries === 1) {
        info.manufacturerId = numberIn(value, 0, 0xffff, "manufacturer id", warn);
      } else if (sub?.[1] === "ManufacturerData" && sub[2] === "Key") {
        warn(`manufacturer data entry ${manufacturerEntries} ignored: only the first is kept`);
      } else if (sub?.[1] === "ManufacturerData") {
        hex = { parts: [], keep: manufacturerEntries <= 1 };
      } else if (INFO_FIELDS.has(sub?.[1] ?? key)) {
        INFO_FIELDS.get(sub?.[1] ?? key)?.(info, value, warn);
        // An empty value (`AdvertisingFlags:`, `ServiceData Value:`) is followed by a hexdump.
        if (value === "") hex = { parts: [], keep: false };
      } else warn(`unknown field ${quote(key)}`);
    } else if (!prompted) warn(`unrecognised line ${quote(line)}`);
  }
  endHex();
  return { records: info ? [info] : [], warnings };
}
