import assert from "node:assert/strict";
// Test-only parser, pinned here rather than in deno.json (the shipped import map stays as it is).
// deno-lint-ignore no-import-prefix
import { XMLParser, XMLValidator } from "npm:fast-xml-parser@5.12.1";
import { XML_REPLACEMENT, xmlElement, xmlEscape } from "./xml.ts";

const parser = new XMLParser({
  ignoreAttributes: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  htmlEntities: true,
});

/** `text` as an element and as an attribute, parsed back. */
function roundTrip(text: string): { element: string; attribute: string } {
  const doc = `<r a="${xmlEscape(text)}"><e>${xmlEscape(text)}</e></r>`;
  assert.equal(XMLValidator.validate(doc), true, doc);
  const r = parser.parse(doc).r;
  return { element: r.e, attribute: r["@_a"] };
}

Deno.test("xmlEscape: markup, quotes, tab, LF and CR come back exactly", () => {
  assert.equal(xmlEscape(`<a b="c">&'`), "&lt;a b=&quot;c&quot;&gt;&amp;&apos;");
  assert.equal(xmlEscape("a\tb\nc\rd"), "a&#9;b&#10;c&#13;d");
  for (
    const text of [
      "<tag>&amp; \"q\" 's'",
      "<![CDATA[x]]>",
      "cr\r\nlf\ttab",
      "📡🚗 Café",
      "]]>",
      "'; DROP TABLE wifi_networks; --",
    ]
  ) {
    assert.deepEqual(roundTrip(text), { element: text, attribute: text });
  }
});

Deno.test("xmlEscape: what XML 1.0 cannot carry becomes U+FFFD, nothing else changes", () => {
  const forbidden = [
    ...Array.from({ length: 32 }, (_, c) => String.fromCharCode(c))
      .filter((c) => !"\t\n\r".includes(c)),
    "\uFFFE",
    "\uFFFF",
    "\uD800", // lone high surrogate
    "\uDFFF", // lone low surrogate
  ];
  for (const c of forbidden) assert.equal(xmlEscape(`a${c}b`), `a${XML_REPLACEMENT}b`);
  const allowed = "\x7f\x85\u00a0\uD7FF\uE000\uFFFD\u{10000}\u{10FFFF}";
  assert.equal(xmlEscape(allowed), allowed);
  assert.deepEqual(roundTrip("nul\0byte"), {
    element: `nul${XML_REPLACEMENT}byte`,
    attribute: `nul${XML_REPLACEMENT}byte`,
  });
});

Deno.test("xmlElement writes nothing for a missing value", () => {
  assert.equal(xmlElement("name", "a&b"), "<name>a&amp;b</name>");
  assert.equal(xmlElement("ele", 0), "<ele>0</ele>");
  assert.equal(xmlElement("ele", null), "");
  assert.equal(xmlElement("ele", undefined), "");
});
