/**
 * Parsers for the `bluetoothctl` session: the event stream of an interactive session (`scan on`)
 * and the `devices` list (`bluetoothctl_info.ts` reads `info <MAC>`). Pure: text in, records and
 * warnings out. An odd line becomes a warning, never an exception, and every pattern is linear so
 * hostile input cannot stall a collector. Lines are cleaned as `bluetoothctl_text.ts` says.
 *
 * @module
 */
import { lineStreamParser, type StreamParser, TOO_LONG } from "./lines.ts";
import {
  cleanLine,
  cleanLines,
  DEVICE,
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
const TAG = /\[(NEW|CHG|DEL)\] /;
const PROPERTY = /^[A-Za-z][A-Za-z0-9 ._-]{0,63}$/;
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
/** An event about `address` that says nothing yet. */
export function blankEvent(kind: BtEvent["kind"], address: string): BtEvent {
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

  return lineStreamParser(warnings, handleLine, flush);
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
