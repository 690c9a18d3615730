import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { sha256Hex } from "./sha256.ts";

// The padding stores the length in bits in 8 bytes; inputs of a few hundred bytes only fill the
// lowest two. These lengths put bits in the third (≥ 8 KiB) and fourth (≥ 2 MiB) bytes too.
Deno.test("sha256Hex equals node:crypto for inputs whose length needs 3 and 4 bytes", () => {
  for (const n of [8192 + 3, 2 * 1048576 + 5]) {
    const data = new Uint8Array(n).map((_, i) => (i * 31 + 11) & 0xff);
    assert.equal(
      sha256Hex(data),
      createHash("sha256").update(data).digest("hex"),
      `length ${n}`,
    );
  }
});
