/** iw's escaping of SSIDs and mesh IDs, undone. */

/** Decodes iw's SSID escaping: `\xNN` is a raw byte, other characters are their UTF-8 bytes. */
export function decodeSsid(
  escaped: string,
): { text: string; empty: boolean; bytes: number; badEscape: boolean } {
  if (!escaped.includes("\\")) {
    const bytes = NON_ASCII.test(escaped) ? ENCODER.encode(escaped).length : escaped.length;
    return { text: escaped, empty: escaped === "", bytes, badEscape: false };
  }
  const out: number[] = [];
  let badEscape = false;
  for (let i = 0; i < escaped.length; i++) {
    const c = escaped.charCodeAt(i);
    if (c === 92 && escaped[i + 1] === "x" && HEX2.test(escaped.slice(i + 2, i + 4))) {
      out.push(parseInt(escaped.slice(i + 2, i + 4), 16));
      i += 3;
    } else if (c < 0x80) {
      badEscape ||= c === 92; // iw prints every backslash as \x5c, so a bare one is damage
      out.push(c);
    } else {
      // Encode a whole run of non-ASCII characters at once: per character is 100× slower.
      let j = i + 1;
      while (j < escaped.length && escaped.charCodeAt(j) >= 0x80) j++;
      for (const b of ENCODER.encode(escaped.slice(i, j))) out.push(b);
      i = j - 1;
    }
  }
  const text = DECODER.decode(Uint8Array.from(out));
  return { text, empty: out.every((b) => b === 0), bytes: out.length, badEscape };
}

const NON_ASCII = /[\u0080-\uffff]/;
const HEX2 = /^[0-9a-fA-F]{2}$/;
const ENCODER = new TextEncoder();
// ignoreBOM keeps a leading EF BB BF in the SSID instead of silently dropping it.
const DECODER = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });
