import assert from "node:assert/strict";
import { TABLE_SPECS, toArrays, toTimestamp } from "./tables.ts";

Deno.test("toTimestamp: ISO kept, zone-less taken as UTC, anything else null", () => {
  assert.equal(toTimestamp("2026-11-01T10:00:04.000Z"), "2026-11-01T10:00:04.000Z");
  assert.equal(toTimestamp("2024-06-01 10:00:00"), "2024-06-01T10:00:00Z");
  assert.equal(toTimestamp("2024-06-01T10:00:00+02:00"), "2024-06-01T10:00:00+02:00");
  assert.equal(toTimestamp("2024-13-45T99:00:00Z"), null);
  assert.equal(toTimestamp("yesterday"), null);
  assert.equal(toTimestamp(null), null);
});

Deno.test("toArrays: one array per column, NUL replaced, bigints as text, summaries drop the id", () => {
  const spec = TABLE_SPECS.find((s) => s.table === "wifi_networks")!;
  const rows = [
    {
      id: 9,
      bssid: "aa",
      ssid: "a\0b",
      f: 2412,
      c: 1,
      e: null,
      v: null,
      fs: "2024-06-01 10:00:00",
      ls: "x",
      s: -50,
      lat: 52,
      lon: 0.1,
      acc: 5n,
    },
  ];
  const arrays = toArrays(rows, spec.columns, false);
  assert.equal(arrays.length, spec.columns.length);
  assert.deepEqual(arrays.map((a) => a[0]), [
    "aa",
    "a\uFFFDb",
    2412,
    1,
    null,
    null,
    "2024-06-01T10:00:00Z",
    null,
    -50,
    52,
    0.1,
    "5",
  ]);
});
