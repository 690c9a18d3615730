import assert from "node:assert/strict";
import {
  createGpspipeStreamParser,
  type GpsdMessage,
  type GpsdTpv,
  gpsTimeIsPlausible,
  isGpsdClass,
  parseGpsdLine,
  parseGpspipe,
} from "./gpsd.ts";
import { MAX_LINE_CHARS } from "./lines.ts";
import { sharedCaptures } from "../../tests/shared_fixtures.ts";

const FIXTURES = new URL("../../tests/fixtures/gpsd/", import.meta.url);
const drive = Deno.readTextFileSync(new URL("drive.gpspipe.jsonl", FIXTURES));
const driveExpected = JSON.parse(
  Deno.readTextFileSync(new URL("drive.gpspipe.expected.json", FIXTURES)),
);

const tpvs = (records: GpsdMessage[]): GpsdTpv[] =>
  records.filter((m): m is GpsdTpv => isGpsdClass(m, "TPV"));
const hasPosition = (t: GpsdTpv) => t.lat !== undefined || t.lon !== undefined;
const hasAltitude = (t: GpsdTpv) => t.altHae !== undefined || t.altMsl !== undefined;

/** Kismet's rule, checked on every TPV any test produces. */
function assertKismetRule(records: GpsdMessage[], label: string): void {
  for (const t of tpvs(records)) {
    if (t.mode < 2) assert.ok(!hasPosition(t), `${label}: position in mode ${t.mode}`);
    if (t.mode < 3) assert.ok(!hasAltitude(t), `${label}: altitude in mode ${t.mode}`);
    if (hasPosition(t)) {
      assert.ok(Math.abs(t.lat!) <= 90 && Math.abs(t.lon!) <= 180, label);
      assert.ok(!(t.lat === 0 && t.lon === 0), `${label}: (0,0) kept`);
    }
  }
}

Deno.test("parseGpspipe() matches drive.gpspipe.expected.json", () => {
  assert.deepStrictEqual(parseGpspipe(drive), driveExpected);
});

Deno.test("parseGpspipe() drive capture: modes run 1 → 2 → 3, position from mode 2", () => {
  const { records } = parseGpspipe(drive);
  const modes = tpvs(records).map((t) => t.mode);
  assert.deepStrictEqual([...new Set(modes)], [1, 2, 3]);
  assert.deepStrictEqual(modes, [...modes].sort());
  assert.equal(tpvs(records).find(hasPosition)?.mode, 2);
  assertKismetRule(records, "drive");
  assert.deepStrictEqual(records.at(-1), { class: "DEVICE", path: "/dev/pts/1", closing: true });
});

const shared = sharedCaptures("gpsd");
const capture = (suffix: string) => {
  const found = shared?.find((c) => c.name.endsWith(suffix));
  if (!found) throw new Error(`Cannot find shared capture "*${suffix}"`);
  return parseGpspipe(found.text);
};

/** One check per shared capture; a capture without one fails the first test. */
const perCapture: Record<string, (records: GpsdMessage[]) => void> = {
  "bu303-nofix.txt"(records) {
    assert.equal(tpvs(records).length, 7);
    for (const t of tpvs(records)) assert.deepStrictEqual([t.mode, hasPosition(t)], [1, false]);
    assert.deepStrictEqual(records[0], { class: "SKY", time: "2002-11-14T14:32:55.280Z" });
    assert.deepStrictEqual(records[2], {
      class: "SKY",
      time: "2002-11-14T14:32:56.280Z",
      hdop: 50,
    });
  },
  "trimble-lasseniq-bin2d.txt"(records) {
    const modes = tpvs(records).map((t) => t.mode);
    assert.deepStrictEqual([...new Set(modes)], [0, 2]);
    const runs = modes.filter((m, i) => m !== modes[i - 1]); // collapse repeats: 0, 2, 0, 2, …
    assert.deepStrictEqual(runs, runs.map((_, i) => (i % 2 ? 2 : 0)));
    assert.equal(runs.length, 60);
    // The raw mode-2 TPVs carry altHAE/altMSL; altitude is kept only in mode 3 (Kismet's rule).
    assert.deepStrictEqual(tpvs(records)[1], {
      class: "TPV",
      mode: 2,
      time: "2019-11-01T23:37:39.000Z",
      lat: 44.068830928,
      lon: -121.314048507,
      speedMps: 0,
      trackDeg: 0,
    });
    for (const t of tpvs(records)) assert.equal(hasPosition(t), t.mode === 2);
  },
  "ublox-neo-m8n.txt"(records) {
    const all = tpvs(records);
    assert.equal(all.length, 44);
    for (const t of all) assert.deepStrictEqual([t.mode, t.status], [3, 2]);
    assert.deepStrictEqual(all[1], all[2]); // identical consecutive reports are both kept
    assert.deepStrictEqual([all[0].ephM, all[0].epvM, all[0].altMsl], [1.132, 1.602, 28.895]);
  },
  "bu303-climbing.txt"(records) {
    const sky = records.find((m) => isGpsdClass(m, "SKY"));
    assert.deepStrictEqual(sky, {
      class: "SKY",
      time: "2005-06-19T16:12:23.890Z",
      satellitesSeen: 7,
      satellitesUsed: 6,
      hdop: 1.49,
    });
    assert.deepStrictEqual([tpvs(records)[0].epxM, tpvs(records)[0].epyM], [15.294, 16.316]);
  },
  "gpsdclient-3.17.json"(records) {
    assert.deepStrictEqual(records.slice(0, 3).map((m) => m.class), [
      "VERSION",
      "DEVICES",
      "WATCH",
    ]);
    assert.deepStrictEqual(tpvs(records)[0], {
      class: "TPV",
      mode: 3,
      device: "/dev/ttyO4",
      lat: 51.813280233,
      lon: 6.5502142,
      altMsl: 30.393, // from the deprecated `alt`: gpsd 3.17 sends no altHAE/altMSL
      epxM: 8.171,
      epyM: 11.499,
      epvM: 19.55,
      speedMps: 0,
      trackDeg: 12.45,
      climbMps: 0,
    });
    assert.equal(tpvs(records)[1].time, "2021-08-13T09:12:41.000Z");
  },
  "eg25.json"(records) {
    const skies = records.filter((m) => isGpsdClass(m, "SKY"));
    assert.deepStrictEqual(skies.map((s) => [s.satellitesSeen, s.satellitesUsed, s.hdop]), [
      [10, 0, 0.5],
      [undefined, undefined, 0.5], // SKY without satellites[] nor nSat: counts unknown, not 0
      [undefined, undefined, 0.5],
    ]);
    assert.deepStrictEqual(tpvs(records)[1], tpvs(records)[2]);
    assert.deepStrictEqual([tpvs(records)[0].altHae, tpvs(records)[0].altMsl], [302.3, 257.3]);
  },
};

Deno.test({
  name: "parseGpspipe() reads every shared gpsd capture, NMEA lines skipped silently",
  ignore: shared === null,
  fn() {
    for (const { name, text } of shared ?? []) {
      const { records, warnings } = parseGpspipe(text);
      assert.deepStrictEqual(warnings, [], name);
      assert.ok(records.length > 0, name);
      assertKismetRule(records, name);
      assert.ok(Object.keys(perCapture).some((s) => name.endsWith(s)), `No checks for ${name}`);
    }
  },
});

for (const [suffix, check] of Object.entries(perCapture)) {
  Deno.test({
    name: `parseGpspipe() shared capture *${suffix}`,
    ignore: shared === null,
    fn: () => check(capture(suffix).records),
  });
}

Deno.test("parseGpsdLine() applies Kismet's rule and range checks", () => {
  const tpv = (json: string) => parseGpsdLine(json).message;
  const base = '"class":"TPV","lat":52.2,"lon":0.12,"altHAE":58.4,"altMSL":12.3';
  assert.deepStrictEqual(tpv(`{${base},"mode":1}`), { class: "TPV", mode: 1 });
  assert.deepStrictEqual(tpv(`{${base},"mode":2}`), {
    class: "TPV",
    mode: 2,
    lat: 52.2,
    lon: 0.12,
  });
  assert.deepStrictEqual(tpv(`{${base},"mode":3}`), {
    class: "TPV",
    mode: 3,
    lat: 52.2,
    lon: 0.12,
    altHae: 58.4,
    altMsl: 12.3,
  });
  assert.deepStrictEqual(tpv('{"class":"TPV","mode":3,"lat":0,"lon":0,"alt":5}'), {
    class: "TPV",
    mode: 3,
    altMsl: 5,
  });
  for (const bad of ['"lat":91,"lon":0.1', '"lat":52,"lon":-180.5', '"lat":"52","lon":0.1']) {
    assert.deepStrictEqual(tpv(`{"class":"TPV","mode":2,${bad}}`), { class: "TPV", mode: 2 });
  }
  assert.deepStrictEqual(
    tpv('{"class":"TPV","mode":2,"lat":1e400,"lon":0.1,"eph":-1,"speed":1e9,"track":361}'),
    { class: "TPV", mode: 2 },
  );
  assert.deepStrictEqual(tpv('{"class":"TPV","mode":2,"time":"yesterday","status":1.5}'), {
    class: "TPV",
    mode: 2,
  });
});

Deno.test("parseGpsdLine() keeps other classes and warns on what it cannot use", () => {
  const line = (text: string) => parseGpsdLine(text);
  assert.deepStrictEqual(line('{"class":"ERROR","message":"Unrecognized request \'FOO\'"}'), {
    message: { class: "ERROR", message: "Unrecognized request 'FOO'" },
    warning: null,
  });
  assert.deepStrictEqual(line('{"class":"GST","rms":1.2}').message, { class: "GST" });
  assert.deepStrictEqual(line('{"class":"DEVICE","path":"/dev/pts/1","activated":0}').message, {
    class: "DEVICE",
    path: "/dev/pts/1",
    closing: true,
  });
  for (const silent of ["", "  \r", "# comment", "$GPGSA,A,1,,,,,,,,,,,,,,,*1E", "!AIVDM,1"]) {
    assert.deepStrictEqual(line(silent), { message: null, warning: null }, silent);
  }
  const warnings: [string, string][] = [
    ['{"class":"TPV"}', 'TPV without a valid "mode": "{\\"class\\":\\"TPV\\"}"'],
    [
      '{"class":"TPV","mode":"3"}',
      'TPV without a valid "mode": "{\\"class\\":\\"TPV\\",\\"mode\\":\\"3\\"}"',
    ],
    [
      '{"class":"TPV","mode":4}',
      'TPV without a valid "mode": "{\\"class\\":\\"TPV\\",\\"mode\\":4}"',
    ],
    ['{"class":"TPV","mo', 'invalid JSON: "{\\"class\\":\\"TPV\\",\\"mo"'],
    ["[1,2]", 'expected an object with a "class" name: "[1,2]"'],
    ['{"class":5}', 'expected an object with a "class" name: "{\\"class\\":5}"'],
    ['{"class":"a b"}', 'expected an object with a "class" name: "{\\"class\\":\\"a b\\"}"'],
    ["garbage \uFFFD", 'not JSON: "garbage \uFFFD"'],
  ];
  for (const [text, warning] of warnings) {
    assert.deepStrictEqual(line(text), { message: null, warning }, text);
  }
});

Deno.test("parseGpspipe() numbers warnings by line and bounds them", () => {
  const long = '{"class":"TPV","mode":1,"x":"' + "x".repeat(MAX_LINE_CHARS) + '"}';
  const result = parseGpspipe(
    `{"class":"SKY","nSat":3}\r\nnope\n${long}\n{"class":"TPV","mode":0}`,
  );
  assert.deepStrictEqual(result, {
    records: [{ class: "SKY", satellitesSeen: 3 }, { class: "TPV", mode: 0 }],
    warnings: [
      'line 2: not JSON: "nope"',
      `line 3: longer than ${MAX_LINE_CHARS} characters, skipped`,
    ],
  });
  const snippet = parseGpsdLine("{" + "x".repeat(1_000_000)).warning!;
  assert.ok(snippet.length < 100, "a warning quotes only the start of a long line");
});

Deno.test("createGpspipeStreamParser() gives the same result however chunks split", () => {
  const text = drive.slice(0, 4000) + '{"class":"TPV","mode":1}'; // last line without newline
  const whole = parseGpspipe(text);
  for (const size of [1, 7, 64, 1000]) {
    const parser = createGpspipeStreamParser();
    const records: GpsdMessage[] = [];
    for (let i = 0; i < text.length; i += size) {
      records.push(...parser.push(text.slice(i, i + size)));
    }
    records.push(...parser.end());
    assert.deepStrictEqual({ records, warnings: parser.warnings }, whole, `chunk size ${size}`);
  }
});

Deno.test("createGpspipeStreamParser() drops an endless line without buffering it", () => {
  const parser = createGpspipeStreamParser();
  const chunk = "x".repeat(10_000);
  for (let i = 0; i < 300; i++) assert.deepStrictEqual(parser.push(chunk), []);
  assert.deepStrictEqual(parser.push('\n{"class":"TPV","mode":1}\n'), [{ class: "TPV", mode: 1 }]);
  assert.deepStrictEqual(parser.end(), []);
  assert.deepStrictEqual(parser.warnings, [
    `line 1: longer than ${MAX_LINE_CHARS} characters, skipped`,
  ]);
});

Deno.test("parseGpspipe() never throws on mutated captures", () => {
  let seed = 42; // deterministic xorshift so a failure can be replayed
  const random = (n: number) => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) % n;
  };
  const sources = [drive, ...(shared ?? []).map((c) => c.text)];
  for (let i = 0; i < 2_000; i++) {
    const bytes = new TextEncoder().encode(sources[i % sources.length].slice(0, 3000));
    for (let flips = random(8) + 1; flips > 0; flips--) bytes[random(bytes.length)] = random(256);
    const text = new TextDecoder().decode(bytes.subarray(0, random(bytes.length) + 1));
    const { records, warnings } = parseGpspipe(text);
    assertKismetRule(records, `case ${i}`);
    for (const w of warnings) assert.match(w, /^line \d+: /);
  }
});

Deno.test("gpsTimeIsPlausible() rejects rollover and pre-fix dates, trusts an unset clock", () => {
  const now = new Date("2024-06-15T10:00:03Z");
  assert.equal(gpsTimeIsPlausible("2024-06-15T10:00:00.000Z", now), true);
  assert.equal(gpsTimeIsPlausible("2024-03-01T00:00:00Z", now), true); // fake-hwclock lag
  assert.equal(gpsTimeIsPlausible("2004-10-30T10:00:00.000Z", now), false); // 1024 weeks back
  assert.equal(gpsTimeIsPlausible("2044-02-01T10:00:00.000Z", now), false);
  assert.equal(gpsTimeIsPlausible("2024-13-01T00:00:00Z", now), false);
  assert.equal(gpsTimeIsPlausible("not a time", now), false);
  assert.equal(gpsTimeIsPlausible("2024-06-15T10:00:00Z", new Date(0)), true); // Pi without RTC
  assert.equal(gpsTimeIsPlausible("2005-06-09T14:33:00.280Z", new Date(0)), false);
  assert.equal(gpsTimeIsPlausible("2024-06-15T10:00:00Z", new Date(NaN)), true);
});
