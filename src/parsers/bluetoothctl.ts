/**
 * Parsers for `bluetoothctl` output: the event stream of an interactive session (`scan on`), the
 * `devices` list and `info <MAC>`. Pure: text in, records and warnings out. An odd line becomes a
 * warning, never an exception, and every pattern is linear so hostile input cannot stall a collector.
 *
 * Each line is first cleaned the way a terminal would show it: the text after its last `\r`, without
 * ANSI sequences, readline's \x01/\x02 markers or other control characters, and without the prompt
 * (`[bluetooth]# `, `[bluetoothctl]> `, `[My Phone]# `, `[bluetooth]$ `). Device names are otherwise
 * kept exactly as printed.
 *
 * @module
 */
import { LineSplitter, MAX_LINE_CHARS, type StreamParser, TOO_LONG } from "./lines.ts";
import type { ParseResult } from "./types.ts";

/** One `[NEW]`, `[CHG]` or `[DEL]` line about a device, with its continuation lines folded in. */
export interface BtEvent {
  kind: "new" | "chg" | "del";
  /** Upper case, `AA:BB:CC:DD:EE:FF`. */
  address: string;
  /** NEW/DEL: the alias; CHG: the new `Name`/`Alias`. Null when nameless (empty, or the MAC with dashes). */
  name: string | null;
  /** CHG only: `RSSI`, `Name`, `Alias`, `TxPower`, `UUIDs`, `ManufacturerData`, `ServiceData`, `Connected`… */
  property: string | null;
  /** CHG only: the text after the colon, or the bytes as hex for a hexdump value; null when empty or nil. */
  value: string | null;
  rssiDbm: number | null;
  txPowerDbm: number | null;
  /** Bluetooth SIG company identifier, e.g. 76 (0x004c) for Apple. */
  manufacturerId: number | null;
  /** Lower-case hex without separators. */
  manufacturerData: string | null;
  /** `UUIDs` value, or the `ServiceData` key. */
  uuid: string | null;
}

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

const MAC = "[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}";
// CSI (colour, ESC[K, ESC[22P), OSC titles, two-byte escapes and a lone ESC.
// deno-lint-ignore no-control-regex
const ANSI = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])?/g;
// C0 controls except tab (info indents with it); \x01/\x02 are readline's markers.
// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/g;
const PROMPT = /^(?:\[[^\]]*\][#>$] ?)+/;
const TAG = /\[(NEW|CHG|DEL)\] /;
const DEVICE = new RegExp(`^Device (${MAC})(?: (.*))?$`, "s");
const INFO_HEADER = new RegExp(`^(Device|Controller) (${MAC})(?: \\(([a-z]+)\\))?\\s*$`);
const FIELD = /^[ \t]+([^:\s][^:]*):(?: ?(.*))?$/s; // the key starts after the indent: linear
const HEXDUMP = /^[ \t]+((?:[0-9a-fA-F]{2} ){0,15}[0-9a-fA-F]{2})(?: {2,}.*)?$/s;
const NUMBER = /^(?:(-?\d{1,10})|0x([0-9a-fA-F]{1,8})(?: \((-?\d{1,10})\))?)$/;
const SUB_KEY = /^(.+)[ .](Key|Value)$/;
const PROPERTY = /^[A-Za-z][A-Za-z0-9 ._-]{0,63}$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
// Objects other than devices that bluetoothctl reports: not wardriving data, not odd either.
const OTHER_OBJECT =
  /^(?:Controller|Primary|Secondary|Characteristic|Descriptor|Attribute|Transport|Endpoint|Player|Folder|Item|Media|Battery|Advertisement|Set)\b/;
// Session chatter that is expected and says nothing new about devices (`Device` lines are the
// answer to an interactive `devices`, `Controller` lines to `list`).
const QUIET = new RegExp(
  `^(?:${
    [
      "Discovery (?:started|stopped)",
      "SetDiscoveryFilter success",
      "Waiting to connect to bluetoothd\\.\\.\\.",
      "Agent (?:registered|unregistered|is already registered)",
      "Default agent request successful",
      "hci\\d+ type \\d+ discovering (?:on|off)",
      "\\[SIGNAL\\] .*",
      `(?:Controller|Device) ${MAC}(?: .*)?`,
      `Attempting to (?:pair|connect) with ${MAC}`,
      "(?:Pairing|Connection) successful",
      "Changing .* succeeded",
    ].join("|")
  })$`,
  "s",
);

/** `prompted`: a prompt came first, so without an event the line is an echoed command. */
type Cleaned = { text: string; prompted: boolean };
type Warn = (msg: string) => void;

function cleanLine(raw: string): Cleaned {
  let end = raw.length;
  while (end > 0 && raw.charCodeAt(end - 1) === 13) end--; // CRLF, no regex: a long \r run stays linear
  let line = raw.slice(raw.lastIndexOf("\r", end - 1) + 1, end);
  line = line.replace(ANSI, "").replace(CONTROL, "");
  const prompt = PROMPT.exec(line);
  return prompt
    ? { text: line.slice(prompt[0].length), prompted: true }
    : { text: line, prompted: false };
}

/** Quotes a line for a warning, cut short so a 1 MB line cannot flood the log. */
function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}

/**
 * `-60`, `0xffffffc4 (-60)` (5.67+: the decimal in parentheses wins) or bare hex `0x00240404`,
 * within [min, max]; otherwise null with a warning, since a clamped or invented value would lie.
 */
function numberIn(raw: string, min: number, max: number, what: string, warn: Warn): number | null {
  const m = NUMBER.exec(raw.trim());
  const decimal = m?.[1] ?? m?.[3];
  const n = decimal !== undefined ? Number(decimal) : m ? parseInt(m[2], 16) : null;
  if (n === null) warn(`cannot read ${what} ${quote(raw)}`);
  else if (n < min || n > max) warn(`${what} ${n} out of range ${min}…${max}`);
  else return n;
  return null;
}

/** BlueZ falls back to the MAC with dashes when a device has no name: that is not a name. */
function nameOf(alias: string | undefined, address: string): string | null {
  if (!alias || alias.toUpperCase() === address.replaceAll(":", "-")) return null;
  return alias;
}

function blankEvent(kind: BtEvent["kind"], address: string): BtEvent {
  return {
    kind,
    address,
    name: null,
    property: null,
    value: null,
    rssiDbm: null,
    txPowerDbm: null,
    manufacturerId: null,
    manufacturerData: null,
    uuid: null,
  };
}

/**
 * An event waiting for its `Value` line (after a `Key`: `hex` null) or for hexdump lines (after a
 * `Value:`). `event` is null for a non-device object whose hexdump is only to be skipped.
 */
type Pending = { event: BtEvent | null; hex: string[] | null };

/**
 * Creates a streaming parser for the raw stdout of an interactive `bluetoothctl` session.
 *
 * @example
 * ```ts
 * const parser = createBluetoothctlStreamParser();
 * const events = [...parser.push("[NEW] Device AA:BB:CC:DD:EE:FF Phone\n[CHG] Dev"), ...parser.end()];
 * // events[0]: { kind: "new", address: "AA:BB:CC:DD:EE:FF", name: "Phone", … }
 * // parser.warnings[0]: 'line 2: unrecognised line "[CHG] Dev"'
 * ```
 */
export function createBluetoothctlStreamParser(): StreamParser<BtEvent> {
  const warnings: string[] = [];
  const lines = new LineSplitter();
  let lineNo = 0;
  let pending: Pending | null = null;

  const warnAt = (n: number) => (msg: string) => void warnings.push(`line ${n}: ${msg}`);

  function flush(out: BtEvent[]): void {
    const event = pending?.event;
    if (event) {
      if (pending?.hex?.length) event.value = pending.hex.join("");
      if (event.property === "ManufacturerData") event.manufacturerData = event.value;
      out.push(event);
    }
    pending = null;
  }

  function handleLine(raw: string | null, out: BtEvent[]): void {
    lineNo++;
    const warn = warnAt(lineNo);
    if (raw === null) return warn(TOO_LONG);
    const { text, prompted } = cleanLine(raw);
    const hex = HEXDUMP.exec(text);
    if (hex && pending?.hex) return void pending.hex.push(hex[1].replaceAll(" ", "").toLowerCase());
    if (text.trim() === "") return;
    const tag = TAG.exec(text);
    if (tag) return handleTagged(tag[1], text.slice(tag.index + tag[0].length), warn, out);
    flush(out);
    if (hex) warn(`hexdump line without a property before it: ${quote(text)}`);
    else if (prompted || QUIET.test(text)) return;
    else if (/^Failed|failed\b/.test(text)) warn(`bluetoothctl reported ${quote(text.trim())}`);
    else warn(`unrecognised line ${quote(text)}`);
  }

  function handleTagged(tag: string, rest: string, warn: Warn, out: BtEvent[]): void {
    const device = DEVICE.exec(rest);
    if (!device) {
      flush(out);
      if (!OTHER_OBJECT.test(rest)) return warn(`unrecognised event ${quote(`[${tag}] ${rest}`)}`);
      // e.g. `[CHG] Attribute /org/bluez/… Value:` is followed by a hexdump to skip
      if (rest.trimEnd().endsWith(":")) pending = { event: null, hex: [] };
      return;
    }
    const address = device[1].toUpperCase();
    const event = blankEvent(tag === "NEW" ? "new" : tag === "CHG" ? "chg" : "del", address);
    if (tag !== "CHG") {
      flush(out);
      event.name = nameOf(device[2], address);
      out.push(event);
      return;
    }
    const detail = device[2] ?? "";
    const colon = detail.indexOf(":");
    const nil = colon < 0 && detail.endsWith(" is nil"); // after `scan off`, or a value removed
    const property = colon >= 0 ? detail.slice(0, colon) : nil ? detail.slice(0, -7) : "";
    if (!PROPERTY.test(property)) {
      flush(out);
      return warn(`unrecognised device change ${quote(detail)}`);
    }
    const sub = SUB_KEY.exec(property);
    event.property = sub ? sub[1] : property;
    // One separating space only: names keep their own leading and trailing spaces.
    const value = nil ? "" : detail.slice(colon + 1).replace(/^ /, "");
    if (sub?.[2] === "Value") {
      // The Key line just before names the same entry: one event for both, then the hexdump.
      const prior = pending?.hex === null ? pending.event : null;
      const same = prior?.address === address && prior.property === event.property;
      if (!same) flush(out);
      pending = { event: same ? prior : event, hex: [] };
      return;
    }
    flush(out);
    if (sub) {
      if (event.property === "ManufacturerData") {
        event.manufacturerId = numberIn(value, 0, 0xffff, "manufacturer id", warn);
      } else if (UUID.test(value.trim())) event.uuid = value.trim();
      pending = { event, hex: null };
      return;
    }
    event.value = value === "" ? null : value;
    if (property === "RSSI" && !nil) event.rssiDbm = numberIn(value, -127, 0, "RSSI", warn);
    else if (property === "TxPower" && !nil) {
      event.txPowerDbm = numberIn(value, -127, 20, "TxPower", warn);
    } else if (property === "Name" || property === "Alias") event.name = nameOf(value, address);
    else if (property === "UUIDs") event.uuid = event.value;
    else if (value === "" && !nil) {
      pending = { event, hex: [] }; // e.g. `AdvertisingFlags:`, whose hexdump follows
      return;
    }
    out.push(event);
  }

  return {
    warnings,
    push(chunk: string): BtEvent[] {
      const out: BtEvent[] = [];
      lines.push(chunk, (line) => handleLine(line, out));
      return out;
    },
    end(): BtEvent[] {
      const out: BtEvent[] = [];
      lines.end((line) => handleLine(line, out));
      flush(out);
      return out;
    },
  };
}

/**
 * Parses a whole recorded session at once.
 *
 * @example
 * ```ts
 * const { records } = parseBluetoothctlEvents("[CHG] Device AA:BB:CC:DD:EE:FF RSSI: 0xffffffc4 (-60)\n");
 * // records[0].rssiDbm === -60
 * ```
 */
export function parseBluetoothctlEvents(text: string): ParseResult<BtEvent> {
  const parser = createBluetoothctlStreamParser();
  const records = [...parser.push(text), ...parser.end()];
  return { records, warnings: parser.warnings };
}

/** Cleaned lines with their numbers; over-long ones become warnings instead. */
function* cleanLines(text: string, warnings: string[]): Generator<Cleaned & { lineNo: number }> {
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].length > MAX_LINE_CHARS) {
      warnings.push(`line ${i + 1}: ${TOO_LONG}`);
    } else yield { ...cleanLine(lines[i]), lineNo: i + 1 };
  }
}

/**
 * Parses `bluetoothctl devices`: one `Device <MAC> <alias>` per line.
 *
 * @example
 * ```ts
 * parseBluetoothctlDevices("Device AA:BB:CC:DD:EE:FF Phone\nDevice 11:22:33:44:55:66 11-22-33-44-55-66\n");
 * // records: [{ address: "AA:BB:CC:DD:EE:FF", name: "Phone" }, { address: "11:22:33:44:55:66", name: null }]
 * ```
 */
export function parseBluetoothctlDevices(
  text: string,
): ParseResult<{ address: string; name: string | null }> {
  const records: { address: string; name: string | null }[] = [];
  const warnings: string[] = [];
  for (const { text: line, prompted, lineNo } of cleanLines(text, warnings)) {
    const m = DEVICE.exec(line);
    if (m) records.push({ address: m[1].toUpperCase(), name: nameOf(m[2], m[1].toUpperCase()) });
    else if (line.trim() !== "" && !prompted) {
      warnings.push(`line ${lineNo}: unrecognised line ${quote(line)}`);
    }
  }
  return { records, warnings };
}

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
