/**
 * Text for XML 1.0 documents (KML, GPX).
 *
 * XML 1.0 cannot carry NUL, the other C0 controls except tab, LF and CR, lone UTF-16 surrogates,
 * U+FFFE or U+FFFF — not even as character references — so each is replaced by U+FFFD (the
 * replacement character). Everything else comes back exactly from any conforming parser: the five
 * markup characters become entities, and tab, LF and CR become character references, so neither
 * line-end normalisation (CR LF → LF) nor attribute-value normalisation (tab/LF → space) can
 * change them.
 */

// Everything outside the Char production (XML 1.0 §2.2); with the u flag a lone surrogate is one
// code point and falls outside the ranges.
const NOT_XML_CHAR = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&apos;",
  "\t": "&#9;",
  "\n": "&#10;",
  "\r": "&#13;",
};
const SPECIAL = /[&<>"'\t\n\r]/g;

/** Replacement for characters XML 1.0 cannot carry. */
export const XML_REPLACEMENT = "\uFFFD";

/**
 * `text` for an XML element or attribute value (either quote style).
 *
 * @example
 * ```ts
 * xmlEscape('<a href="x">&\u0000'); // "&lt;a href=&quot;x&quot;&gt;&amp;\uFFFD"
 * ```
 */
export function xmlEscape(text: string): string {
  return text.replace(NOT_XML_CHAR, XML_REPLACEMENT).replace(SPECIAL, (c) => ESCAPES[c]);
}

/**
 * `<name>escaped text</name>`, or "" when `value` is null or undefined.
 *
 * @example
 * ```ts
 * xmlElement("name", "Café & co"); // "<name>Café &amp; co</name>"
 * ```
 */
export function xmlElement(name: string, value: string | number | null | undefined): string {
  return value === null || value === undefined
    ? ""
    : `<${name}>${xmlEscape(String(value))}</${name}>`;
}
