/**
 * Kismet's encryption sets as our `wifi_networks.encryption` labels (one per AKM, strongest
 * first, joined by "/", as `parseIwScan` writes them): `WPA3-SAE/WPA2-PSK`, `WPA2-EAP`, `WEP`,
 * `Open`. `crypt_bitfield` (Kismet 2025-09-R1 on) is a 64-bit set read exactly as a BigInt: WPS
 * (bit 57) and the EAP methods (58-62) put it above 2^53, where a double loses bits 0-4, the
 * very WEP/WPA/WPA1/WPA2/WPA3 bits. `crypt_set` is the older set, all below bit 30.
 */
import { rankLabels } from "../parsers/iw_security.ts";

const has = (set: bigint, bits: number[]) => bits.some((b) => (set >> BigInt(b)) & 1n);

/** The same ranking as the labels `parseIwScan` writes. */
const ranked = rankLabels;

/**
 * Labels from `dot11.advertisedssid.crypt_bitfield` (bits per IMPORTS.md §2.4).
 *
 * @example
 * ```ts
 * labelsFromCryptBitfield((1n << 57n) | (1n << 44n) | (1n << 38n) | (1n << 4n) | (1n << 3n) | 2n);
 * // "WPA3-SAE/WPA2-PSK"
 * ```
 */
export function labelsFromCryptBitfield(set: bigint): string {
  if (set === 0n) return "Open";
  const sae = has(set, [44, 45]);
  const owe = has(set, [54]);
  const suiteB = has(set, [47, 48, 49]);
  const eap = has(set, [37, 39, 41, 50, 51, 52, 53]);
  const psk = has(set, [38, 40, 42, 55, 56]);
  const labels = new Set<string>();
  if (sae) labels.add("WPA3-SAE");
  if (suiteB || (has(set, [4]) && eap && !has(set, [3]))) labels.add("WPA3-EAP");
  if (owe) labels.add("WPA3-OWE");
  const wpa2 = has(set, [3]);
  const wpa1 = has(set, [2]) || (has(set, [1]) && !wpa2 && !has(set, [4]));
  if (wpa2) {
    if (eap) labels.add("WPA2-EAP");
    if (psk) labels.add("WPA2-PSK");
    if (!eap && !psk && labels.size === 0) labels.add("WPA2");
  }
  if (wpa1) {
    if (eap) labels.add("WPA-EAP");
    if (psk) labels.add("WPA-PSK");
    if (!eap && !psk) labels.add("WPA");
  }
  if (labels.size > 0) return ranked(labels);
  if (has(set, [4])) return "WPA3-SAE"; // WPA3 with no AKM named: Personal is what it announces
  if (has(set, [0, 7, 8, 23, 24])) return "WEP";
  return "Open";
}

/**
 * Labels from the legacy `dot11.advertisedssid.crypt_set`; null for Kismet's "unknown" (1).
 *
 * @example
 * ```ts
 * labelsFromCryptSet((1 << 28) | (1 << 7) | (1 << 6)); // "WPA2-PSK"
 * ```
 */
export function labelsFromCryptSet(value: number): string | null {
  if (value === 0) return "Open";
  if (value === 1) return null;
  const set = BigInt(value);
  const eap = has(set, [11, 12, 13, 14, 15]);
  const psk = has(set, [7]);
  const labels = new Set<string>();
  if (has(set, [16]) || (has(set, [29]) && !eap)) labels.add("WPA3-SAE");
  if (has(set, [29]) && eap) labels.add("WPA3-EAP");
  if (has(set, [17])) labels.add("WPA3-OWE");
  const versioned = has(set, [27, 28, 29]);
  if (has(set, [28])) {
    if (eap) labels.add("WPA2-EAP");
    if (psk) labels.add("WPA2-PSK");
    if (!eap && !psk && labels.size === 0) labels.add("WPA2");
  }
  if (has(set, [27]) || (has(set, [6]) && !versioned)) {
    if (eap) labels.add("WPA-EAP");
    if (psk) labels.add("WPA-PSK");
    if (!eap && !psk) labels.add("WPA");
  }
  if (labels.size > 0) return ranked(labels);
  if (has(set, [1, 3, 4])) return "WEP";
  return "Open";
}
