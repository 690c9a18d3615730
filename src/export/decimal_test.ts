import assert from "node:assert/strict";
import { decimal } from "./decimal.ts";

Deno.test("decimal never writes exponent notation", () => {
  assert.equal(decimal(1.5e-7), "0.00000015");
  assert.equal(decimal(-1.5e-7), "-0.00000015");
  assert.equal(decimal(1e21), "1000000000000000000000");
  assert.equal(decimal(52.5), "52.5");
  assert.equal(decimal(-60), "-60");
  assert.equal(decimal(NaN), "");
});
