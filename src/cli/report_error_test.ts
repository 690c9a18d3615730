import assert from "node:assert/strict";
import { oneLine, reportError } from "./report_error.ts";
import { PiwardriveError } from "../errors.ts";

Deno.test("oneLine escapes line breaks and control characters, keeps everything else", () => {
  assert.equal(oneLine("plain 'WPA3' é ✓"), "plain 'WPA3' é ✓");
  assert.equal(oneLine("a\nb\r\tc"), "a\\nb\\r\\tc");
  assert.equal(
    oneLine("\x1b[31mred\x00\x7f\u0085\u2028"),
    "\\u001b[31mred\\u0000\\u007f\\u0085\\u2028",
  );
});

Deno.test("an error quoting a damaged file's bytes is printed on one line", () => {
  const lines: string[] = [];
  const io = { out: () => {}, err: (t: string) => lines.push(t), isTerminal: false };
  const code = reportError(
    new PiwardriveError('Cannot open database "x.db": unrecognized token: "\'WPA3\ne\r\n\x1b"'),
    io,
    false,
  );
  assert.equal(code, 1);
  assert.deepEqual(lines, [
    'piwardrive: Cannot open database "x.db": unrecognized token: "\'WPA3\\ne\\r\\n\\u001b"',
  ]);
  lines.length = 0;
  reportError(new Error("boom\nsecond"), io, false);
  assert.deepEqual(lines, [
    "piwardrive: unexpected error: boom\\nsecond (run with --debug for details)",
  ]);
});
