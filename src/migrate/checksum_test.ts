import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { migrationChecksum, normalizeMigrationText } from "./checksum.ts";

const text = "-- migrate:up\nCREATE TABLE t(x);\n";

Deno.test("migrationChecksum is the tagged SHA-256 of the text", () => {
  const expected = createHash("sha256").update(text).digest("hex");
  assert.equal(migrationChecksum(text), `sha256:${expected}`);
});

Deno.test("migrationChecksum ignores CRLF line endings and a leading BOM, nothing else", () => {
  assert.equal(migrationChecksum(text.replaceAll("\n", "\r\n")), migrationChecksum(text));
  assert.equal(migrationChecksum("\uFEFF" + text), migrationChecksum(text));
  assert.notEqual(migrationChecksum(text.replace("x", "y")), migrationChecksum(text));
  assert.notEqual(migrationChecksum(text + "\n"), migrationChecksum(text));
  assert.notEqual(migrationChecksum(text.replaceAll("\n", "\r")), migrationChecksum(text));
  // A BOM that is not leading is content.
  assert.notEqual(migrationChecksum(text + "\uFEFF"), migrationChecksum(text));
});

Deno.test("normalizeMigrationText only touches CRLF pairs", () => {
  assert.equal(normalizeMigrationText("a\r\nb\rc\n"), "a\nb\rc\n");
});
