/**
 * The security elements of an iw scan: RSN (WPA2/WPA3) and WPA (vendor, WPA1) blocks as iw prints
 * them, suite names normalised, and the `encryption` summary made of them.
 */
import { CAPA_HEX, quote, SMALL_INT, type Warn } from "./iw_record.ts";

/** One RSN (WPA2/WPA3) or WPA (vendor, WPA1) element as iw prints it, suite names normalised. */
export interface SecurityInfo {
  version: number | null;
  groupCipher: string | null;
  pairwiseCiphers: string[];
  /** iw's names with "IEEE 802.1X" spelled "EAP", e.g. "PSK", "SAE", "FT/PSK", "EAP/SUITE-B-192". */
  authSuites: string[];
  mfpRequired: boolean;
  mfpCapable: boolean;
}

const SUITE_NUM = /^[0-9a-f]{2}-[0-9a-f]{2}-[0-9a-f]{2}:\d{1,3}$/;

// Old iw prints suites it has no name for as "oui:type"; these are the names newer iw prints
// ("IEEE 802.1X" spelled "EAP"), listed by type number, "-" for numbers without a name.
const AKM_NAMES = new Map([
  ...suiteTable(
    "00-0f-ac",
    "- EAP PSK FT/EAP FT/PSK EAP/SHA-256 PSK/SHA-256 TDLS/TPK SAE FT/SAE - EAP/SUITE-B " +
      "EAP/SUITE-B-192 FT/EAP/SHA-384 FILS/SHA-256 FILS/SHA-384 FT/FILS/SHA-256 FT/FILS/SHA-384 " +
      "OWE FT/PSK/SHA-384 PSK/SHA-384 - - - SAE-EXT-KEY FT/SAE-EXT-KEY",
  ),
  ...suiteTable("00-50-f2", "- EAP PSK"),
  ...suiteTable("50-6f-9a", "- OSEN DPP"),
]);
const CIPHERS =
  "USE-GROUP WEP-40 TKIP - CCMP WEP-104 AES-128-CMAC NO-GROUP GCMP GCMP-256 CCMP-256 " +
  "BIP-GMAC-128 BIP-GMAC-256 BIP-CMAC-256";
const CIPHER_NAMES = new Map([
  ...suiteTable("00-0f-ac", CIPHERS),
  ...suiteTable("00-50-f2", CIPHERS),
]);
// Kind of each AKM: decides its WPA generation in `encryption`.
const AKM_KIND = new Map(
  Object.entries({
    SAE: "SAE FT/SAE SAE-EXT-KEY FT/SAE-EXT-KEY",
    PSK: "PSK FT/PSK PSK/SHA-256 PSK/SHA-384 FT/PSK/SHA-384",
    EAP: "EAP FT/EAP EAP/SHA-256 OSEN FILS/SHA-256 FILS/SHA-384 FT/FILS/SHA-256 FT/FILS/SHA-384",
    EAP3: "EAP/SUITE-B EAP/SUITE-B-192 FT/EAP/SHA-384",
    OWE: "OWE",
    DPP: "DPP",
  }).flatMap(([kind, names]) => names.split(" ").map((n) => [n, kind] as [string, string])),
);
/**
 * Every label `IwBss.encryption` is made of, strongest first (the order within a summary): an
 * RSN or WPA block gives the first ten, the privacy bit alone "WEP", neither "Open".
 */
export const ENCRYPTION_LABELS = [
  "WPA3-SAE",
  "WPA3-EAP",
  "WPA3-OWE",
  "WPA3-DPP",
  "WPA2-EAP",
  "WPA2-PSK",
  "WPA2",
  "WPA-EAP",
  "WPA-PSK",
  "WPA",
  "WEP",
  "Open",
] as const;
export type EncryptionLabel = typeof ENCRYPTION_LABELS[number];
const LABEL_RANK: readonly string[] = ENCRYPTION_LABELS.slice(0, 10);

/**
 * The `encryption` summary of a set of RSN/WPA labels: strongest first, joined by "/" (a label
 * outside the first ten of `ENCRYPTION_LABELS` is left out).
 *
 * @example
 * ```ts
 * rankLabels(["WPA2-PSK", "WPA3-SAE"]); // "WPA3-SAE/WPA2-PSK"
 * ```
 */
export function rankLabels(labels: Iterable<string>): string {
  const given = new Set(labels);
  return LABEL_RANK.filter((l) => given.has(l)).join("/");
}

/** A block's elements before its items are read. */
export function newSecurityInfo(): SecurityInfo {
  return {
    version: null,
    groupCipher: null,
    pairwiseCiphers: [],
    authSuites: [],
    mfpRequired: false,
    mfpCapable: false,
  };
}

/** One `* key: value` item of an RSN or WPA block into `sec`. */
export function readSecurityItem(
  sec: SecurityInfo,
  key: string,
  value: string,
  line: number,
  warn: Warn,
): void {
  switch (key) {
    case "Version":
      sec.version = SMALL_INT.test(value) && Number(value) <= 65535 ? Number(value) : null;
      if (sec.version === null) warn(line, `unreadable version ${quote(value)}`);
      return;
    case "Group cipher":
      sec.groupCipher = suiteNames(value, CIPHER_NAMES)[0] ?? null;
      return;
    case "Pairwise ciphers":
    case "Authentication suites": {
      const names = suiteNames(value, key === "Pairwise ciphers" ? CIPHER_NAMES : AKM_NAMES);
      // An RSN element has at most 255 bytes, room for 63 suites; more is damage.
      if (names.length > 63) warn(line, `${names.length} suites in one list: kept the first 63`);
      if (key === "Pairwise ciphers") sec.pairwiseCiphers = names.slice(0, 63);
      else sec.authSuites = names.slice(0, 63);
      return;
    }
    case "Capabilities": {
      // The hex is authoritative (0x0040 MFP required, 0x0080 MFP capable); words only without it.
      const m = CAPA_HEX.exec(value);
      const bits = m === null ? -1 : parseInt(m[1], 16);
      sec.mfpRequired = bits < 0 ? value.includes("MFP-required") : (bits & 0x0040) !== 0;
      sec.mfpCapable = bits < 0 ? value.includes("MFP-capable") : (bits & 0x0080) !== 0;
    }
  }
}

/** The `wifi_networks.encryption` summary of a BSS's blocks and privacy bit (rule at `securityLabels`). */
export function encryptionSummary(
  wpa: SecurityInfo | null,
  rsn: SecurityInfo | null,
  privacy: boolean,
): string {
  const labels = [...securityLabels(wpa, "WPA"), ...securityLabels(rsn, "WPA2")];
  return labels.length > 0 ? rankLabels(labels) : privacy ? "WEP" : "Open";
}

/** Space-separated suite names, multi-word names joined and old numeric names translated. */
function suiteNames(value: string, numeric: Map<string, string>): string[] {
  if (!value.includes(" ") && !value.includes(":")) return value === "" ? [] : [value];
  const joined = value.includes("IEEE 802.1X") || value.includes("Use group")
    ? value.replaceAll("IEEE 802.1X", "EAP").replaceAll("Use group cipher suite", "USE-GROUP")
    : value;
  const names: string[] = [];
  for (const w of joined.split(" ")) {
    if (w === "") continue;
    const lower = w.includes(":") ? w.toLowerCase() : "";
    names.push(SUITE_NUM.test(lower) ? numeric.get(lower) ?? lower : w);
  }
  return names;
}

/**
 * Labels for `encryption` from one RSN ("WPA2") or WPA block.
 *
 * `encryption` (the `wifi_networks.encryption` column) is one label per AKM, strongest first, joined
 * by "/": RSN gives WPA3-SAE (SAE family), WPA3-EAP (Suite B, FT/EAP/SHA-384, or EAP/SHA-256 with MFP
 * required, i.e. WPA3-Enterprise), WPA3-OWE, WPA3-DPP, WPA2-EAP (other 802.1X, FILS, OSEN), WPA2-PSK
 * (PSK family, MFP or not); WPA gives WPA-EAP / WPA-PSK; a block with no known AKM gives bare
 * "WPA2"/"WPA". The privacy bit without either block is "WEP", else "Open" (also with no
 * `capability:` line).
 */
function securityLabels(sec: SecurityInfo | null, proto: "WPA" | "WPA2"): string[] {
  const labels: string[] = [];
  if (sec === null) return labels;
  for (const suite of sec.authSuites) {
    const label = akmLabel(suite, proto, sec.mfpRequired);
    if (label.includes("-") && !labels.includes(label)) labels.push(label);
  }
  if (labels.length === 0) labels.push(proto);
  return labels;
}

function akmLabel(suite: string, proto: "WPA" | "WPA2", mfpRequired: boolean): string {
  const kind = AKM_KIND.get(suite);
  if (proto === "WPA") return kind === "PSK" || kind === "EAP" ? `WPA-${kind}` : "WPA";
  if (kind === "SAE" || kind === "OWE" || kind === "DPP") return `WPA3-${kind}`;
  if (kind === "EAP3" || (suite === "EAP/SHA-256" && mfpRequired)) return "WPA3-EAP";
  return kind === "PSK" || kind === "EAP" ? `WPA2-${kind}` : "WPA2";
}

/** `[oui:0, names[0]], [oui:1, names[1]], …` from a space-separated list, skipping "-". */
function suiteTable(oui: string, names: string): [string, string][] {
  return names.split(" ").flatMap((n, i) =>
    n === "-" ? [] : [[`${oui}:${i}`, n] as [string, string]]
  );
}
