/**
 * How every `bluetoothctl` parser reads a line, and the values all of them decode.
 *
 * Each line is first cleaned the way a terminal would show it: the text after its last `\r`, without
 * ANSI sequences, readline's \x01/\x02 markers or other control characters, and without the prompt
 * (`[bluetooth]# `, `[bluetoothctl]> `, `[My Phone]# `, `[bluetooth]$ `). Device names are otherwise
 * kept exactly as printed.
 */
import { MAX_LINE_CHARS, TOO_LONG } from "./lines.ts";

export const MAC = "[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}";
// CSI (colour, ESC[K, ESC[22P), OSC titles, two-byte escapes and a lone ESC.
// deno-lint-ignore no-control-regex
export const ANSI = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])?/g;
// C0 controls except tab (info indents with it); \x01/\x02 are readline's markers.
// deno-lint-ignore no-control-regex
export const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/g;
export const PROMPT = /^(?:\[[^\]]*\][#>$] ?)+/;
export const DEVICE = new RegExp(`^Device (${MAC})(?: (.*))?$`, "s");
export const HEXDUMP = /^[ \t]+((?:[0-9a-fA-F]{2} ){0,15}[0-9a-fA-F]{2})(?: {2,}.*)?$/s;
export const NUMBER = /^(?:(-?\d{1,10})|0x([0-9a-fA-F]{1,8})(?: \((-?\d{1,10})\))?)$/;
export const SUB_KEY = /^(.+)[ .](Key|Value)$/;
export const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
/** `prompted`: a prompt came first, so without an event the line is an echoed command. */
export type Cleaned = { text: string; prompted: boolean };
export type Warn = (msg: string) => void;

export function cleanLine(raw: string): Cleaned {
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
export function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}

/**
 * `-60`, `0xffffffc4 (-60)` (5.67+: the decimal in parentheses wins) or bare hex `0x00240404`,
 * within [min, max]; otherwise null with a warning, since a clamped or invented value would lie.
 */
export function numberIn(
  raw: string,
  min: number,
  max: number,
  what: string,
  warn: Warn,
): number | null {
  const m = NUMBER.exec(raw.trim());
  const decimal = m?.[1] ?? m?.[3];
  const n = decimal !== undefined ? Number(decimal) : m ? parseInt(m[2], 16) : null;
  if (n === null) warn(`cannot read ${what} ${quote(raw)}`);
  else if (n < min || n > max) warn(`${what} ${n} out of range ${min}…${max}`);
  else return n;
  return null;
}

/** BlueZ falls back to the MAC with dashes when a device has no name: that is not a name. */
export function nameOf(alias: string | undefined, address: string): string | null {
  if (!alias || alias.toUpperCase() === address.replaceAll(":", "-")) return null;
  return alias;
}
/** Cleaned lines with their numbers; over-long ones become warnings instead. */
export function* cleanLines(
  text: string,
  warnings: string[],
): Generator<Cleaned & { lineNo: number }> {
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].length > MAX_LINE_CHARS) {
      warnings.push(`line ${i + 1}: ${TOO_LONG}`);
    } else yield { ...cleanLine(lines[i]), lineNo: i + 1 };
  }
}
