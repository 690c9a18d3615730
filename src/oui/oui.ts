/**
 * MAC address → vendor, from the IEEE registries embedded in `oui_table.txt` (written by
 * `scripts/generate/make_oui_table.ts`, whose header comment describes the format in full). The table is
 * part of the module graph, so `deno compile` carries it and nothing is read or fetched at run
 * time.
 *
 * The table is bisected as the text it is, never parsed: parsing it into typed arrays cost 30 ms
 * and about 12 MB of resident memory on the first lookup, and V8 held the text two bytes a char
 * because some names are not ASCII. Now those are escaped, and the text is pure ASCII (824 kB,
 * one byte a char). After the `# key: value` header and a line of name tokens come four lines of
 * fixed-width base-94 numbers (a digit is its char code minus 33):
 * - the MA-L index: 4097 numbers of 3 digits, entry `b` the count of MA-L records whose prefix
 *   is below `b * 4096`, so the records of the 24-bit prefix `p` are between entries `p >> 12`
 *   and `(p >> 12) + 1`;
 * - MA-L records, 5 chars: 2 digits of `(prefix mod 4096) * 2 + longer`, 3 of name offset (`~~~`:
 *   no name). `longer` is 1 when MA-M or MA-S blocks lie under the prefix, so only then are
 *   those searched; the generator adds a nameless record for such a prefix the MA-L registry
 *   lacks;
 * - MA-M records, 8 chars: 5 digits of the 28-bit prefix, 3 of name offset;
 * - MA-S records, 9 chars: 6 digits of the 36-bit prefix, 3 of name offset.
 *
 * Then one vendor name a line; an offset counts chars from the first. In a name `~` + digit `i`
 * stands for token `i` and `^` + 4 hex digits for a UTF-16 code unit outside ASCII
 * (`Hausger^00e4te`); tokens expand first, then escapes.
 *
 * A lookup is a hand-rolled MAC parse, two index entries and a bisection of the prefix's bucket
 * (about 40 records on average, at most 4096), plus bisections of the MA-S and MA-M lines under the
 * 440 prefixes marked `longer`: well under a microsecond, because migrations call it once per row
 * from SQL. A name is decoded when a lookup first returns it, then kept. Hostile input gets
 * `null`, never an exception.
 */

/** What the embedded table is, from its header. */
export interface OuiTableInfo {
  /** Where the data comes from, e.g. `npm oui-data (IEEE MA-L, MA-M and MA-S registries)`. */
  source: string;
  /** The source package's version, e.g. `2.1.9`. */
  version: string;
  /** Registered prefixes loaded, all three registries together. */
  prefixes: number;
}

/** One line of `count` fixed-width records, each `keyWidth` digits of key and a name offset. */
interface RecordLine {
  /** Index of its first char in the table. */
  at: number;
  count: number;
  keyWidth: number;
}

/** Where the sections of the table start, read from its header once. */
interface OuiLayout {
  text: string;
  /** First char of the MA-L index line. */
  indexAt: number;
  mal: RecordLine;
  mam: RecordLine;
  mas: RecordLine;
  /** First char of the first name line: name offsets count from here. */
  namesAt: number;
  /** First char of the token line's first token (after `~` and a tab). */
  tokensAt: number;
  info: OuiTableInfo;
}

// Same constants as scripts/generate/make_oui_table.ts; the generator round-trip test keeps them in step.
const DIGIT_BASE = 94;
const DIGIT_ZERO = 0x21; // "!"
const NAME_WIDTH = 3;
const NO_NAME = DIGIT_BASE ** NAME_WIDTH - 1;
const BUCKET_BITS = 12;
const INDEX_WIDTH = 3;
/** The lines after the token line as the header's `# format: 2, lines: …` must list them. */
const LINES = [
  { label: "MA-L index", width: INDEX_WIDTH },
  { label: "MA-L", width: 2 + NAME_WIDTH },
  { label: "MA-M", width: 5 + NAME_WIDTH },
  { label: "MA-S", width: 6 + NAME_WIDTH },
] as const;
const TOKEN_MARK = "~";
const ESCAPE_MARK = "^";

/** Value of each ASCII char as a hex digit (-1: none). */
const HEX_VALUE = hexValues();

const TWO_24 = 0x1000000;

let table: string | undefined;
let layout: OuiLayout | undefined;
let tokens: string[] | undefined;
/** Names returned so far, by offset: a few hundred in a drive, at most one per vendor. */
const names = new Map<number, string>();

/**
 * Loads the embedded table (a static specifier, so `deno bundle` and `deno compile` carry it).
 * Whatever may look a vendor up awaits this first: the collector, and `migrate` before it applies
 * anything (version 9 backfills vendors from SQL).
 *
 * @example
 * ```ts
 * await loadOuiTable();
 * ouiVendor("DC:A6:32:01:02:03"); // "Raspberry Pi Trading Ltd"
 * ```
 */
export async function loadOuiTable(): Promise<void> {
  table ??= (await import("./oui_table.txt", { with: { type: "text" } })).default;
}

/**
 * The vendor registered for a MAC address's longest matching prefix (MA-S, then MA-M, then
 * MA-L), or `null` when none is, when the address is locally administered (randomised) or
 * multicast, or when it is not a MAC address at all. Accepts `aa:bb:cc:dd:ee:ff`,
 * `AA-BB-CC-DD-EE-FF`, `aabb.ccdd.eeff` and `aabbccddeeff`, in either case. Never throws on
 * input; needs `loadOuiTable()` to have finished.
 *
 * @example
 * ```ts
 * ouiVendor("DC:A6:32:01:02:03"); // "Raspberry Pi Trading Ltd"
 * ouiVendor("dca6.3201.0203"); // "Raspberry Pi Trading Ltd"
 * ouiVendor("da:a1:19:01:02:03"); // null: a randomised address
 * ouiVendor("not a mac"); // null
 * ```
 */
export function ouiVendor(mac: string): string | null {
  const value = parseMac(mac);
  if (value < 0) return null;
  const high24 = Math.floor(value / TWO_24);
  // I/G (multicast) and U/L (locally administered) bits of the first octet: no vendor owns these.
  if ((high24 >>> 16) & 0x03) return null;
  const t = loadLayout();
  const text = t.text;
  const entry = t.indexAt + (high24 >>> BUCKET_BITS) * INDEX_WIDTH;
  const mal = findRecord(
    text,
    t.mal,
    decodeNumber(text, entry, INDEX_WIDTH),
    decodeNumber(text, entry + INDEX_WIDTH, INDEX_WIDTH),
    (high24 & ((1 << BUCKET_BITS) - 1)) * 2, // keys are (prefix mod 4096) * 2 + longer,
    2, // so either
  );
  if (mal < 0) return null;
  let name = -1;
  if (decodeNumber(text, mal, t.mal.keyWidth) & 1) { // longer: MA-M or MA-S blocks lie under it
    name = findName(text, t.mas, Math.floor(value / 0x1000));
    if (name < 0) name = findName(text, t.mam, Math.floor(value / 0x100000));
  }
  if (name < 0) name = decodeNumber(text, mal + t.mal.keyWidth, NAME_WIDTH);
  return name === NO_NAME ? null : vendorName(t, name);
}

/**
 * Whether a MAC address is locally administered (bit 0x02 of the first octet), as phones and
 * laptops make them when they randomise. `false` for anything that is not a MAC address.
 *
 * @example
 * ```ts
 * isRandomizedMac("da:a1:19:01:02:03"); // true
 * isRandomizedMac("02:00:00:00:00:01"); // true
 * isRandomizedMac("dc:a6:32:01:02:03"); // false
 * isRandomizedMac("zz"); // false
 * ```
 */
export function isRandomizedMac(mac: string): boolean {
  const value = parseMac(mac);
  return value >= 0 && ((Math.floor(value / TWO_24) >>> 16) & 0x02) !== 0;
}

/**
 * Where the embedded table comes from and how many prefixes it holds, read from its header.
 *
 * @example
 * ```ts
 * ouiTableInfo(); // { source: "npm oui-data (IEEE …)", version: "2.1.9", prefixes: 53730 }
 * ```
 */
export function ouiTableInfo(): OuiTableInfo {
  return { ...loadLayout().info };
}

function loadLayout(): OuiLayout {
  if (table === undefined) {
    // A program defect, not bad input: a caller skipped loadOuiTable().
    throw new Error("The vendor (OUI) table is not loaded: await loadOuiTable() first");
  }
  return layout ??= readLayout(table);
}

/**
 * Locates the sections from the header: the lines after the token line hold as many records of
 * the widths as `# format: 2, lines: …` says, and the names follow them. Reads the header and
 * checks that a newline ends each of those lines, nothing more. Throws `SyntaxError` on a table
 * of another format or shape: a build defect the tests catch, not bad input.
 */
function readLayout(text: string): OuiLayout {
  const tokenLine = text.indexOf(`\n${TOKEN_MARK}\t`) + 1;
  if (tokenLine <= 0) throw new SyntaxError("Cannot read the OUI table: no token line");
  const header = text.slice(0, tokenLine);
  const field = (key: string) => new RegExp(`^# ${key}: (.*)$`, "m").exec(header)?.[1].trim();
  const format = field("format") ?? "";
  const listed = /^2, lines: (.*)$/.exec(format)?.[1].split(", ") ?? [];
  let at = text.indexOf("\n", tokenLine) + 1;
  const lines = LINES.map(({ label, width }, i) => {
    const count = Number(listed[i]?.match(`^${label} (\\d+) x ${width}$`)?.[1] ?? NaN);
    const line = { at, count, keyWidth: width - NAME_WIDTH };
    at += count * width + 1;
    if (!(count >= 0) || text.charCodeAt(at - 1) !== 0x0a) {
      throw new SyntaxError(`Cannot read the OUI table: ${label} line is not as "${format}" says`);
    }
    return line;
  });
  if (listed.length !== LINES.length || lines[0].count !== (1 << (24 - BUCKET_BITS)) + 1) {
    throw new SyntaxError(`Cannot read the OUI table: format "${format}" is not this one`);
  }
  const info = {
    source: field("source") ?? "unknown",
    version: field("version") ?? "unknown",
    prefixes: Number(/^\d+/.exec(field("prefixes") ?? "")?.[0] ?? 0),
  };
  const [index, mal, mam, mas] = lines;
  return { text, indexAt: index.at, mal, mam, mas, namesAt: at, tokensAt: tokenLine + 2, info };
}

/**
 * Bisects records `[low, high)` of a line for a key in `[target, target + span)`: the index of
 * the record's first char in the table, or -1.
 */
function findRecord(
  text: string,
  line: RecordLine,
  low: number,
  high: number,
  target: number,
  span: number,
): number {
  const width = line.keyWidth + NAME_WIDTH;
  const end = high;
  while (low < high) { // first record with key >= target
    const mid = (low + high) >>> 1;
    if (decodeNumber(text, line.at + mid * width, line.keyWidth) < target) low = mid + 1;
    else high = mid;
  }
  if (low === end) return -1;
  const at = line.at + low * width;
  return decodeNumber(text, at, line.keyWidth) < target + span ? at : -1;
}

/** The name offset of the record keyed `prefix` in an MA-M or MA-S line, or -1. */
function findName(text: string, line: RecordLine, prefix: number): number {
  const at = findRecord(text, line, 0, line.count, prefix, 1);
  return at < 0 ? -1 : decodeNumber(text, at + line.keyWidth, NAME_WIDTH);
}

/**
 * The base-94 number in the `width` (at least 2) chars from `at`. The first two digits are
 * unrolled by hand: an MA-L key is just those, and V8 does not unroll the loop, with which the
 * bisections took about twice as long.
 */
function decodeNumber(text: string, at: number, width: number): number {
  let value = (text.charCodeAt(at) - DIGIT_ZERO) * DIGIT_BASE + text.charCodeAt(at + 1) -
    DIGIT_ZERO;
  for (let i = at + 2; i < at + width; i++) {
    value = value * DIGIT_BASE + text.charCodeAt(i) - DIGIT_ZERO;
  }
  return value;
}

/** The vendor name at `offset` in the name lines, decoded once and remembered. */
function vendorName(t: OuiLayout, offset: number): string {
  let name = names.get(offset);
  if (name === undefined) {
    const at = t.namesAt + offset;
    name = unescapeName(expandTokens(t, t.text.slice(at, t.text.indexOf("\n", at))));
    names.set(offset, name);
  }
  return name;
}

function expandTokens(t: OuiLayout, encoded: string): string {
  let at = encoded.indexOf(TOKEN_MARK);
  if (at < 0) return encoded;
  // 94 short strings, split once from the token line when a name first needs one
  tokens ??= t.text.slice(t.tokensAt, t.text.indexOf("\n", t.tokensAt)).split("\t");
  let out = "";
  let from = 0;
  for (; at >= 0; at = encoded.indexOf(TOKEN_MARK, from)) {
    // a reference to a token the table lacks reads as itself rather than throw mid-lookup
    const token = tokens[encoded.charCodeAt(at + 1) - DIGIT_ZERO];
    out += encoded.slice(from, at) + (token ?? encoded.slice(at, at + 2));
    from = at + 2;
  }
  return out + encoded.slice(from);
}

/** Turns each `^` + 4 hex digits back into its UTF-16 code unit. */
function unescapeName(escaped: string): string {
  let at = escaped.indexOf(ESCAPE_MARK);
  if (at < 0) return escaped;
  let out = "";
  let from = 0;
  for (; at >= 0; at = escaped.indexOf(ESCAPE_MARK, from)) {
    const code = parseInt(escaped.slice(at + 1, at + 5), 16);
    out += escaped.slice(from, at) + String.fromCharCode(code);
    from = at + 5;
  }
  return out + escaped.slice(from);
}

/**
 * The 48-bit value of a MAC address in one of the four accepted spellings, or -1. Written
 * without regular expressions or allocation, since it runs once per row of a backfill.
 */
function parseMac(mac: string): number {
  if (typeof mac !== "string") return -1;
  const length = mac.length;
  let step: number; // chars per group of hex digits, then one separator
  let separator = 0;
  if (length === 12) step = 12;
  else if (length === 14) {
    step = 4;
    separator = 0x2e; // "."
  } else if (length === 17) {
    step = 2;
    separator = mac.charCodeAt(2);
    if (separator !== 0x3a && separator !== 0x2d) return -1; // ":" or "-", the same throughout
  } else return -1;
  let high = 0;
  let low = 0;
  let digits = 0;
  for (let i = 0; i < length; i++) {
    const code = mac.charCodeAt(i);
    if (i % (step + 1) === step) {
      if (code !== separator) return -1;
      continue;
    }
    const digit = code < 128 ? HEX_VALUE[code] : -1;
    if (digit < 0) return -1;
    if (digits++ < 6) high = high * 16 + digit;
    else low = low * 16 + digit;
  }
  return high * TWO_24 + low;
}

/** A char-code → hex digit value table, either case (-1: none). */
function hexValues(): Int8Array {
  const values = new Int8Array(128).fill(-1);
  for (const alphabet of ["0123456789abcdef", "0123456789ABCDEF"]) {
    for (let i = 0; i < alphabet.length; i++) values[alphabet.charCodeAt(i)] = i;
  }
  return values;
}
