/**
 * MAC address → vendor, from the IEEE registries embedded in `oui_table.txt` (written by
 * `scripts/make_oui_table.ts`, whose header comment describes the format). The table is part of
 * the module graph, so `deno compile` carries it and nothing is read or fetched at run time.
 *
 * The table module is loaded on demand by `loadOuiTable()` (800 kB of text, about 20 ms: most of
 * a `migrate --verify`, which never needs it) and parsed on the first lookup (about 30 ms) into
 * one sorted array per registry; a lookup after that is a hand-rolled MAC parse and at most three
 * bisections (well under a microsecond), because migrations call it once per row from SQL.
 * Hostile input gets `null`, never an exception.
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

/**
 * The parsed table. Each registry is a sorted `Float64Array` of `prefix * VENDOR_SLOTS + vendor`
 * (an index into `names`), searched by bisection: filling and sorting a typed array costs a
 * fraction of inserting 54,000 entries into `Map`s, which was most of the first call.
 */
interface OuiIndex {
  /** 24-bit MA-L prefixes (`DCA632`). */
  mal: Float64Array;
  /** 28-bit MA-M prefixes (`1006480`). */
  mam: Float64Array;
  /** 36-bit MA-S prefixes (`8C1F64000`). */
  mas: Float64Array;
  /** Vendor names as the table spells them, token references and all. */
  names: string[];
  /** `names` with references expanded, filled in as lookups return them. */
  expanded: (string | undefined)[];
  tokens: string[];
  info: OuiTableInfo;
}

// Same digits as scripts/make_oui_table.ts; the generator round-trip test keeps them in step.
const CODE_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_";
const CODE_WIDTHS = [4, 5, 6] as const;
const TOKEN_MARK = "~";

/** Value of each ASCII char as a base-64 code digit (-1: none). */
const CODE_VALUE = digitValues(CODE_DIGITS);
/** Value of each ASCII char as a hex digit (-1: none). */
const HEX_VALUE = digitValues("0123456789abcdef", "0123456789ABCDEF");

const TWO_24 = 0x1000000;
/** Vendor indexes packed below a prefix: 36 + 16 bits stay within a double's exact 53. */
const VENDOR_SLOTS = 0x10000;

let table: string | undefined;
let parsed: OuiIndex | undefined;

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
  const index = loadIndex();
  let vendor = findVendor(index.mas, Math.floor(value / 0x1000));
  if (vendor < 0) vendor = findVendor(index.mam, Math.floor(value / 0x100000));
  if (vendor < 0) vendor = findVendor(index.mal, high24);
  return vendor < 0 ? null : vendorName(index, vendor);
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
 * Where the embedded table comes from and how many prefixes it holds (parses it if needed).
 *
 * @example
 * ```ts
 * ouiTableInfo(); // { source: "npm oui-data (IEEE …)", version: "2.1.9", prefixes: 53730 }
 * ```
 */
export function ouiTableInfo(): OuiTableInfo {
  return { ...loadIndex().info };
}

function loadIndex(): OuiIndex {
  if (table === undefined) {
    // A program defect, not bad input: a caller skipped loadOuiTable().
    throw new Error("The vendor (OUI) table is not loaded: await loadOuiTable() first");
  }
  return parsed ??= parseOuiTable(table);
}

/** The vendor packed with `prefix` in a sorted registry array, or -1. */
function findVendor(entries: Float64Array, prefix: number): number {
  const target = prefix * VENDOR_SLOTS;
  let low = 0;
  let high = entries.length;
  while (low < high) { // first entry >= target
    const mid = (low + high) >>> 1;
    if (entries[mid] < target) low = mid + 1;
    else high = mid;
  }
  return low < entries.length && entries[low] < target + VENDOR_SLOTS ? entries[low] - target : -1;
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

/**
 * Parses the table text (format in `scripts/make_oui_table.ts`). One pass with `indexOf` and
 * `charCodeAt`: splitting 30,000 lines into fields allocated enough strings to take most of the
 * first call. Names keep their token references until a lookup returns them. Throws
 * `SyntaxError` with the line number on a malformed table: a build defect the tests catch, not
 * bad input.
 */
function parseOuiTable(text: string): OuiIndex {
  const packed: number[][] = [[], [], []];
  const names: string[] = [];
  const header = new Map<string, string>();
  let tokens: string[] = [];
  let line = 0;
  for (let at = 0; at < text.length;) {
    line++;
    let end = text.indexOf("\n", at);
    if (end < 0) end = text.length;
    const tab = text.indexOf("\t", at);
    if (text.charCodeAt(at) === 0x23) { // "#": a comment, some of them "key: value"
      const colon = text.indexOf(":", at);
      if (colon > 0 && colon < end) {
        header.set(text.slice(at + 1, colon).trim(), text.slice(colon + 1, end).trim());
      }
    } else if (tab < 0 || tab > end) {
      if (end > at) throw new SyntaxError(`Cannot parse OUI table line ${line}: no tab`);
    } else if (tab === at + 1 && text[at] === TOKEN_MARK) {
      tokens = text.slice(tab + 1, end).split("\t");
    } else {
      const vendor = names.push(text.slice(at, tab)) - 1;
      if (vendor >= VENDOR_SLOTS) throw new SyntaxError(`Too many OUI table vendors: ${vendor}`);
      for (let registry = 0, pos = tab + 1; pos < end; registry++, pos++) {
        const width = CODE_WIDTHS[registry];
        if (width === undefined) throw new SyntaxError(`Cannot parse OUI table line ${line}: tabs`);
        for (; pos < end && text.charCodeAt(pos) !== 0x09; pos += width) {
          const prefix = decodeNumber(text, pos, Math.min(width, end - pos), line);
          packed[registry].push(prefix * VENDOR_SLOTS + vendor);
        }
      }
    }
    at = end + 1;
  }
  const [mal, mam, mas] = packed.map((entries) => new Float64Array(entries).sort());
  const info = {
    source: header.get("source") ?? "unknown",
    version: header.get("version") ?? "unknown",
    prefixes: mal.length + mam.length + mas.length,
  };
  return { mal, mam, mas, names, expanded: new Array(names.length), tokens, info };
}

/** The vendor name at `vendor`, its token references expanded once and remembered. */
function vendorName(index: OuiIndex, vendor: number): string {
  return index.expanded[vendor] ??= expandTokens(index.names[vendor], index.tokens);
}

function expandTokens(encoded: string, tokens: string[]): string {
  let at = encoded.indexOf(TOKEN_MARK);
  if (at < 0) return encoded;
  let out = "";
  let from = 0;
  for (; at >= 0; at = encoded.indexOf(TOKEN_MARK, from)) {
    const code = encoded.charCodeAt(at + 1);
    // a reference to a token the table lacks reads as itself rather than throw mid-lookup
    const token = code < 128 ? tokens[CODE_VALUE[code]] : undefined;
    out += encoded.slice(from, at) + (token ?? encoded.slice(at, at + 2));
    from = at + 2;
  }
  return out + encoded.slice(from);
}

function decodeNumber(text: string, at: number, width: number, line: number): number {
  let value = 0;
  for (let i = at; i < at + width; i++) {
    const code = text.charCodeAt(i);
    const digit = code < 128 ? CODE_VALUE[code] : -1;
    if (digit < 0) {
      throw new SyntaxError(`Cannot parse OUI table line ${line}: bad prefix digit "${text[i]}"`);
    }
    value = value * 64 + digit;
  }
  return value;
}

/** A char-code → digit value table for the given digit strings (all map to 0, 1, 2, …). */
function digitValues(...alphabets: string[]): Int8Array {
  const values = new Int8Array(128).fill(-1);
  for (const alphabet of alphabets) {
    for (let i = 0; i < alphabet.length; i++) values[alphabet.charCodeAt(i)] = i;
  }
  return values;
}
