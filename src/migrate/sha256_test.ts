import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { sha256Hex } from "./sha256.ts";

const encode = (s: string) => new TextEncoder().encode(s);

Deno.test("sha256Hex matches the FIPS 180-4 examples", () => {
  assert.equal(
    sha256Hex(encode("abc")),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
  assert.equal(
    sha256Hex(encode("")),
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  );
  assert.equal(
    sha256Hex(encode("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
  );
});

Deno.test("sha256Hex equals node:crypto for every length around the block boundaries", () => {
  const bytes = new Uint8Array(300).map((_, i) => (i * 151 + 7) & 0xff);
  for (let n = 0; n <= 300; n++) {
    const data = bytes.subarray(0, n);
    assert.equal(sha256Hex(data), createHash("sha256").update(data).digest("hex"), `length ${n}`);
  }
  for (const f of Deno.readDirSync(new URL("../../migrations/", import.meta.url))) {
    const data = Deno.readFileSync(new URL(`../../migrations/${f.name}`, import.meta.url));
    assert.equal(sha256Hex(data), createHash("sha256").update(data).digest("hex"), f.name);
  }
});
