import assert from "node:assert/strict";
import { distanceM, parseExclusionZone, parseTimeBound } from "./filters.ts";

Deno.test("parseTimeBound: ISO-8601 dates and date-times to the stored UTC form", () => {
  const cases: [string, string][] = [
    ["2024-06-01", "2024-06-01T00:00:00.000Z"],
    ["2024-02-29", "2024-02-29T00:00:00.000Z"],
    ["2024-06-01T14:30", "2024-06-01T14:30:00.000Z"],
    ["2024-06-01 14:30:05", "2024-06-01T14:30:05.000Z"],
    ["2024-06-01T14:30:05.25Z", "2024-06-01T14:30:05.250Z"],
    ["2024-06-01T14:30:05.123456789z", "2024-06-01T14:30:05.123Z"],
    ["2024-06-01t16:30+02:00", "2024-06-01T14:30:00.000Z"],
    ["2024-06-01T16:30+0200", "2024-06-01T14:30:00.000Z"],
    ["2024-06-01T00:30-05", "2024-06-01T05:30:00.000Z"],
    ["  2024-06-01  ", "2024-06-01T00:00:00.000Z"],
  ];
  for (const [text, iso] of cases) assert.equal(parseTimeBound(text), iso, text);
});

Deno.test("parseTimeBound: anything else is a SyntaxError or RangeError", () => {
  for (const text of ["", "yesterday", "2024-6-1", "20240601", "2024-06-01Z", "1717250000"]) {
    assert.throws(() => parseTimeBound(text), SyntaxError, text);
  }
  for (
    const text of [
      "2023-02-29",
      "2024-13-01",
      "2024-00-10",
      "2024-06-31",
      "2024-06-01T24:00",
      "2024-06-01T10:60",
      "2024-06-01T10:00:60",
      "2024-06-01T10:00+24:00",
    ]
  ) {
    assert.throws(() => parseTimeBound(text), RangeError, text);
  }
});

Deno.test("parseExclusionZone: LAT,LON,RADIUS_M in range, plain numbers only", () => {
  assert.deepEqual(parseExclusionZone("52.52,13.405,250"), {
    lat: 52.52,
    lon: 13.405,
    radiusM: 250,
  });
  assert.deepEqual(parseExclusionZone(" -33.9 , 151.2 , 1e3 "), {
    lat: -33.9,
    lon: 151.2,
    radiusM: 1000,
  });
  for (const text of ["52.5,13.4", "52.5,13.4,1,2", "0x10,1,1", ",1,1", "a,b,c", "1,1,Inf1"]) {
    assert.throws(() => parseExclusionZone(text), SyntaxError, text);
  }
  for (const text of ["90.1,0,1", "0,-180.5,1", "0,0,0", "0,0,-1"]) {
    assert.throws(() => parseExclusionZone(text), RangeError, text);
  }
  // Numbers that are no place or no distance get the field's own message, not "more than 0".
  const cases: [string, string][] = [
    ["NaN,0,1", "Latitude NaN must be a finite number of degrees within -90..90"],
    ["1e309,0,1", "Latitude 1e309 must be a finite number of degrees within -90..90"],
    ["0,-inf,1", "Longitude -inf must be a finite number of degrees within -180..180"],
    ...["1e309", "Infinity", "nan", "20000000.5"].map((r): [string, string] => [
      `52.2,0.12,${r}`,
      `Radius ${r} must be a finite number of metres, more than 0 and at most 20000000 (20,000 km)`,
    ]),
  ];
  for (const [text, message] of cases) {
    assert.throws(() => parseExclusionZone(text), { name: "RangeError", message }, text);
  }
  assert.equal(parseExclusionZone("0,0,20000000").radiusM, 20_000_000);
});

Deno.test("distanceM is the haversine great-circle distance", () => {
  assert.ok(Math.abs(distanceM(0, 0, 0, 1) - 111_195) < 1);
  assert.ok(Math.abs(distanceM(0, 0, 1, 0) - 111_195) < 1);
  // Berlin to Munich, about 504 km.
  assert.ok(Math.abs(distanceM(52.52, 13.405, 48.137, 11.575) - 504_000) < 2_000);
  assert.equal(distanceM(48.1, 11.5, 48.1, 11.5), 0);
  assert.ok(Math.abs(distanceM(0, 179.9, 0, -179.9) - 22_239) < 1);
});
