import assert from "node:assert/strict";
// Test-only parser, pinned here rather than in deno.json (the shipped import map stays as it is).
// deno-lint-ignore no-import-prefix
import { parse } from "npm:csv-parse@7.0.3/sync";
import { csvField, csvRecord, neutralizeFormula } from "./csv.ts";

const HOSTILE: string[] = JSON.parse(
  Deno.readTextFileSync(new URL("../../tests/fixtures/export/hostile_names.json", import.meta.url)),
);

Deno.test("csvField quotes exactly the fields RFC 4180 requires", () => {
  assert.equal(csvField("plain text"), "plain text");
  assert.equal(csvField('a"b'), '"a""b"');
  assert.equal(csvField("a,b"), '"a,b"');
  assert.equal(csvField("a\nb"), '"a\nb"');
  assert.equal(csvField("a\rb"), '"a\rb"');
  assert.equal(csvField("nul\0tab\t"), "nul\0tab\t");
  assert.equal(csvField(""), "");
  assert.equal(csvField(null), "");
  assert.equal(csvField(undefined), "");
  assert.equal(csvField(-60), "-60");
  assert.equal(csvField(1.5e-7), "0.00000015");
});

Deno.test("csvRecord ends with LF and round-trips through a real CSV parser", () => {
  assert.equal(csvRecord(["x", 1, null, 'q"']), 'x,1,,"q"""\n');
  const text = HOSTILE.map((name, i) => csvRecord([i, name])).join("");
  assert.deepEqual(parse(text), HOSTILE.map((name, i) => [String(i), name]));
});

Deno.test("neutralizeFormula prefixes a quote to formula openings only", () => {
  for (const text of ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx"]) {
    assert.equal(neutralizeFormula(text), `'${text}`);
  }
  for (const text of ["a=1", "1-2", "'quoted", "", " =x", "📡"]) {
    assert.equal(neutralizeFormula(text), text);
  }
  assert.equal(neutralizeFormula(null), null);
});
