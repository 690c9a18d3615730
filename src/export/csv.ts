/**
 * RFC 4180 records, and the plain `csv` export of sightings.
 *
 * Numbers are written in plain decimal notation (`decimal`), never as `1e-7`.
 * Quoting: a field containing `"`, `,`, CR or LF is put in double quotes with its quotes doubled;
 * records end with `\n` (what WiGLE writes; every CSV reader accepts it). Text is written as it
 * is otherwise, NUL and other control characters included: CSV has no escape for them, and a
 * reader gets back exactly what was stored.
 */
import { decimal } from "./decimal.ts";
import type { ExportPoint, ExportSource } from "./source.ts";

/** A field value; null and undefined are written as an empty field. */
export type CsvValue = string | number | null | undefined;

const NEEDS_QUOTES = /[",\r\n]/;

/**
 * One field, quoted when RFC 4180 requires it.
 *
 * @example
 * ```ts
 * csvField('a"b'); // '"a""b"'
 * ```
 */
export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return decimal(value); // digits, "-" and "." never need quotes
  return NEEDS_QUOTES.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/**
 * One record with its `\n`.
 *
 * @example
 * ```ts
 * csvRecord(["x", 1, null]); // "x,1,\n"
 * ```
 */
export function csvRecord(values: readonly CsvValue[]): string {
  let line = csvField(values[0]);
  for (let i = 1; i < values.length; i++) line += "," + csvField(values[i]);
  return line + "\n";
}

// OWASP's list of cell openings a spreadsheet takes for a formula: = + - @, tab and CR.
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * A text cell a spreadsheet will not evaluate: a leading `'` when the text starts with `=`, `+`,
 * `-`, `@`, tab or CR (Excel, LibreOffice and Sheets hide the `'` and show the text). Only for
 * text columns: numbers such as an RSSI of -70 are never passed through it.
 *
 * @example
 * ```ts
 * neutralizeFormula("=HYPERLINK(1)"); // "'=HYPERLINK(1)"
 * ```
 */
export function neutralizeFormula(text: string | null): string | null {
  return text !== null && FORMULA_START.test(text) ? `'${text}` : text;
}

/** Columns of `--format csv`: one record per sighting (or per network/device with `--best`). */
export const CSV_COLUMNS = [
  "type",
  "id",
  "name",
  "encryption",
  "seen_at",
  "first_seen",
  "last_seen",
  "signal_dbm",
  "channel",
  "frequency_mhz",
  "lat",
  "lon",
  "alt_m",
  "accuracy_m",
] as const;

/** The plain CSV record of one point; every text cell goes through `neutralizeFormula`. */
export function csvPointRecord(p: ExportPoint): string {
  const text = neutralizeFormula;
  return csvRecord([
    p.kind,
    text(p.id),
    text(p.name),
    text(p.encryption),
    text(p.seenAt),
    text(p.firstSeen),
    text(p.lastSeen),
    p.signalDbm,
    p.channel,
    p.freqMhz,
    p.lat,
    p.lon,
    p.altM,
    p.accuracyM,
  ]);
}

/**
 * The plain CSV, chunk by chunk: the header, then one record per sighting, or per network/device.
 *
 * @example
 * ```ts
 * for (const chunk of csvText(source, { best: false })) await writer.write(chunk);
 * ```
 */
export function* csvText(source: ExportSource, options: { best: boolean }): Generator<string> {
  yield csvRecord(CSV_COLUMNS);
  for (const p of source.points({ best: options.best })) yield csvPointRecord(p);
}
