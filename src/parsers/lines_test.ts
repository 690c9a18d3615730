import assert from "node:assert/strict";
import { LineSplitter, MAX_LINE_CHARS } from "./lines.ts";

/** The lines of `chunks` fed one by one, then `end()`. */
function split(chunks: string[]): (string | null)[] {
  const lines = new LineSplitter();
  const out: (string | null)[] = [];
  for (const chunk of chunks) lines.push(chunk, (line) => out.push(line));
  lines.end((line) => out.push(line));
  return out;
}

Deno.test("LineSplitter gives the same lines however the chunks split", () => {
  const text = "alpha\n\nbeta gamma\ndelta";
  const whole = split([text]);
  assert.deepEqual(whole, ["alpha", "", "beta gamma", "delta"]);
  for (let at = 0; at <= text.length; at++) {
    assert.deepEqual(split([text.slice(0, at), text.slice(at)]), whole, `split at ${at}`);
  }
  assert.deepEqual(split([...text]), whole);
  assert.deepEqual(split(["a\n"]), ["a"]);
  assert.deepEqual(split([""]), []);
});

Deno.test("LineSplitter hands an overlong line over as null and keeps none of it", () => {
  const long = "x".repeat(MAX_LINE_CHARS + 1);
  assert.deepEqual(split([`ok\n${long}\nafter`]), ["ok", null, "after"]);
  assert.deepEqual(split(["x".repeat(MAX_LINE_CHARS), "\n"]), ["x".repeat(MAX_LINE_CHARS)]);
  // Fed in pieces with no newline: null at the end, whatever its length by then.
  assert.deepEqual(split([long.slice(0, 10), long.slice(10), "more"]), [null]);
  assert.deepEqual(split([long, "tail\nnext"]), [null, "next"]);
});
