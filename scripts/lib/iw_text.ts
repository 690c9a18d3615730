/**
 * The pieces of `iw dev wlan0 scan` text both generators print (the bench's full iw 6.9 records
 * and the sample drive's trimmed ones): the SSID escape and the RSN/WPA blocks, as iw writes them.
 *
 * @module
 */

/**
 * iw's `print_ssid_escaped`: printable ASCII as is, inner spaces as is, all else `\xNN`.
 * A string is taken as its UTF-8 bytes.
 */
export function escapeSsid(ssid: string | Uint8Array): string {
  const bytes = typeof ssid === "string" ? new TextEncoder().encode(ssid) : ssid;
  let out = "";
  bytes.forEach((b, i) => {
    const edge = i === 0 || i === bytes.length - 1;
    if (b > 0x20 && b < 0x7f && b !== 0x5c) out += String.fromCharCode(b);
    else if (b === 0x20 && !edge) out += " ";
    else out += `\\x${b.toString(16).padStart(2, "0")}`;
  });
  return out;
}

/** An `RSN:` or `WPA:` block, one entry a line; `capabilities` only where iw prints them (RSN). */
export function securityBlock(
  label: "RSN" | "WPA",
  group: string,
  pairwise: string,
  akm: string,
  capabilities?: string,
): string[] {
  const lines = [
    `\t${label}:\t * Version: 1`,
    `\t\t * Group cipher: ${group}`,
    `\t\t * Pairwise ciphers: ${pairwise}`,
    `\t\t * Authentication suites: ${akm}`,
  ];
  if (capabilities !== undefined) lines.push(`\t\t * Capabilities: ${capabilities}`);
  return lines;
}
