import assert from "node:assert/strict";
import { channelFromFreq } from "./iw_channel.ts";
import { type IwBss, parseIwScan } from "./iw_scan.ts";
import { ENCRYPTION_LABELS } from "./iw_security.ts";
import { sharedCaptures } from "../../tests/shared_fixtures.ts";
import { mulberry32 } from "../../scripts/lib/random.ts";

const FIXTURES = new URL("../../tests/fixtures/iw/", import.meta.url);

/** A record in iw 6.x layout; `fields` are the tab-indented lines after the header. */
function bss(header: string, ...fields: string[]): string {
  return [header, ...fields.map((f) => `\t${f}`)].join("\n") + "\n";
}

function only(text: string): { record: IwBss; warnings: string[] } {
  const { records, warnings } = parseIwScan(text);
  assert.equal(records.length, 1);
  return { record: records[0], warnings };
}

for (const entry of Deno.readDirSync(FIXTURES)) {
  if (!entry.name.endsWith(".txt")) continue;
  Deno.test(`parseIwScan() matches ${entry.name.replace(".txt", ".expected.json")}`, () => {
    const text = Deno.readTextFileSync(new URL(entry.name, FIXTURES));
    const expected = JSON.parse(
      Deno.readTextFileSync(new URL(entry.name.replace(/\.txt$/, ".expected.json"), FIXTURES)),
    );
    assert.deepStrictEqual(parseIwScan(text), expected);
  });
}

const shared = sharedCaptures("iw");

Deno.test("every encryption summary of every capture is made of ENCRYPTION_LABELS, strongest first", () => {
  const texts = [...Deno.readDirSync(FIXTURES)].filter((e) => e.name.endsWith(".txt"))
    .map((e) => Deno.readTextFileSync(new URL(e.name, FIXTURES)));
  const seen = new Set<string>();
  for (const text of [...texts, ...(shared ?? []).map((c) => c.text)]) {
    for (const { encryption } of parseIwScan(text).records) {
      const ranks = encryption.split("/").map((l) => ENCRYPTION_LABELS.indexOf(l as never));
      assert.ok(ranks.every((r, i) => r >= 0 && (i === 0 || r > ranks[i - 1])), encryption);
      encryption.split("/").forEach((l) => seen.add(l));
    }
  }
  for (const label of ["WPA3-SAE", "WPA2-PSK", "WPA-PSK", "Open"]) {
    assert.ok(seen.has(label), label);
  }
});
const capture = (suffix: string) => shared?.find((c) => c.name.endsWith(suffix))?.text ?? "";

Deno.test({
  name: "parseIwScan() reads every real capture without throwing",
  ignore: shared === null,
  fn() {
    for (const { name, text } of shared ?? []) {
      const { records, warnings } = parseIwScan(text);
      for (const w of warnings) assert.match(w, /^line \d+: /, name);
      for (const r of records) assertSane(r);
    }
  },
});

Deno.test({
  name: "parseIwScan() reads the centos scan1 capture (26 BSSes, 4-space indent)",
  ignore: shared === null,
  fn() {
    const { records, warnings } = parseIwScan(capture("centos77-scan1.txt"));
    assert.equal(records.length, 26);
    assert.deepStrictEqual(warnings, []);
    const associated = records.filter((r) => r.associated);
    assert.deepStrictEqual(associated.map((r) => [r.bssid, r.freqMhz, r.channel]), [
      ["ac:22:05:e6:ff:24", 5180, 36],
    ]);
    const hidden = records.find((r) => r.bssid === "fe:49:2d:20:d8:21");
    assert.deepStrictEqual([hidden?.ssid, hidden?.hidden], [null, true]);
    const sae = records.find((r) => r.bssid === "34:31:c4:b8:2e:85");
    assert.deepStrictEqual(sae?.rsn?.authSuites, ["PSK", "SAE"]);
    assert.equal(sae?.encryption, "WPA3-SAE/WPA2-PSK");
    const mixed = records.find((r) => r.bssid === "ac:22:05:db:4d:5b");
    assert.equal(mixed?.encryption, "WPA2-PSK/WPA-PSK");
    assert.equal(records.filter((r) => r.encryption === "Open").length, 5);
  },
});

Deno.test({
  name: "parseIwScan() reads the masked scan2 capture: hex privacy bit and both last-seen values",
  ignore: shared === null,
  fn() {
    const { record, warnings } = only(capture("centos77-scan2.txt"));
    assert.deepStrictEqual(warnings, [
      'line 1: masked or malformed BSSID "xx:xx:xx:xx:3e:41": record kept',
    ]);
    assert.equal(record.iface, "wlan0-1");
    assert.equal(record.capabilityHex, 0x1431);
    assert.equal(record.privacy, true);
    assert.equal(record.lastSeenMs, 1410);
    assert.equal(record.lastSeenBoottimeS, 4206.107);
    assert.equal(record.channel, 1);
    assert.equal(record.encryption, "WPA2-PSK");
  },
});

Deno.test({
  name: "parseIwScan() reads the partial OpenWrt captures",
  ignore: shared === null,
  fn() {
    const dot0 = only(capture("freqdot0-partial.txt")).record;
    assert.equal(dot0.freqMhz, 5180);
    assert.equal(dot0.channel, 36);
    assert.deepStrictEqual(dot0.rsn?.authSuites, ["PSK", "FT/PSK", "PSK/SHA-256"]);
    assert.deepStrictEqual([dot0.rsn?.mfpRequired, dot0.encryption], [true, "WPA2-PSK"]);
    const luci = only(capture("luci6262-partial.txt")).record;
    assert.deepStrictEqual([luci.associated, luci.freqMhz, luci.channel], [true, 5520, 104]);
    const fragment = parseIwScan(capture("6ghz-heop-fragment.txt"));
    assert.deepStrictEqual(fragment.records, []);
    assert.equal(fragment.warnings.length, 7);
  },
});

Deno.test("channelFromFreq() covers the 2.4, 5 and 6 GHz rasters", () => {
  const cases: [number, number | null][] = [
    [2412, 1],
    [2472, 13],
    [2484, 14],
    [2413, null],
    [5180, 36],
    [5825, 165],
    [4920, 184],
    [5935, 2],
    [5955, 1],
    [7115, 233],
    [5960, null], // channel 2's raster number, not a 20 MHz primary
    [58320, null],
    [2412.5, null],
  ];
  for (const [freq, channel] of cases) assert.equal(channelFromFreq(freq), channel, `${freq}`);
});

Deno.test("parseIwScan() accepts header variants and ignores `BSS Load:`", () => {
  const text = bss("BSS 00:11:22:33:44:55 (on wlan0) -- authenticated", "BSS Load:", "freq: 2412") +
    bss("BSS AA:BB:CC:DD:EE:FF", "freq: 2437") +
    "    BSS 02:00:00:00:00:01(on mesh0) -- joined\n" +
    bss("BSS 02:00:00:00:00:02(on wlan0) -- unknown status: 7");
  const { records, warnings } = parseIwScan(text);
  assert.deepStrictEqual(records.map((r) => [r.bssid, r.iface, r.associated]), [
    ["00:11:22:33:44:55", "wlan0", false],
    ["aa:bb:cc:dd:ee:ff", null, false],
    ["02:00:00:00:00:01", "mesh0", true],
    ["02:00:00:00:00:02", "wlan0", false],
  ]);
  assert.deepStrictEqual(warnings, ['line 7: unknown BSS status "unknown status: 7"']);
});

Deno.test("parseIwScan() decodes SSID escapes into UTF-8 and flags bad ones", () => {
  const ssid = (value: string) => only(bss("BSS 00:11:22:33:44:55(on wlan0)", `SSID: ${value}`));
  assert.equal(ssid("a\\x5cb\\x20").record.ssid, "a\\b ");
  assert.equal(ssid("\\xef\\xbb\\xbfbom").record.ssid, "\ufeffbom");
  assert.equal(ssid("\\xff\\xfe").record.ssid, "\ufffd\ufffd");
  assert.deepStrictEqual(ssid("\\x00").record.hidden, true);
  const bad = ssid("x\\xZZ\\");
  assert.equal(bad.record.ssid, "x\\xZZ\\");
  assert.deepStrictEqual(bad.warnings, [
    'line 2: invalid escape in SSID "x\\\\xZZ\\\\": kept as text',
  ]);
  assert.equal(ssid("\\x41".repeat(40)).warnings[0], "line 2: SSID longer than 32 bytes (40)");
});

Deno.test("parseIwScan() range-checks numbers into null plus a warning", () => {
  const { record, warnings } = only(
    bss(
      "BSS 00:11:22:33:44:55(on wlan0)",
      "freq: 99999999",
      "signal: -130.00 dBm",
      "last seen: soon",
      "beacon interval: 70000 TUs",
      "capability: ESS",
      "DS Parameter set: channel 40",
    ),
  );
  assert.deepStrictEqual(
    [record.freqMhz, record.signalDbm, record.lastSeenMs, record.beaconIntervalTu],
    [null, null, null, null],
  );
  assert.deepStrictEqual([record.capabilityHex, record.privacy, record.channel], [null, false, 40]);
  assert.equal(warnings.length, 5);
  const odd = only(bss("BSS 00:11:22:33:44:55", "freq: 2412", "signal: -43.-50 dBm"));
  assert.equal(odd.record.signalDbm, -43.5);
  const unspec = only(bss("BSS 00:11:22:33:44:55", "signal: 80/100"));
  assert.deepStrictEqual([unspec.record.signalDbm, unspec.warnings], [null, []]);
});

Deno.test("parseIwScan() checks announced channels against the band", () => {
  const { record, warnings } = only(
    bss("BSS 00:11:22:33:44:55", "freq: 2412", "DS Parameter set: channel 36", "HT operation:") +
      "\t\t * primary channel: 1\n",
  );
  assert.equal(record.channel, 1);
  assert.deepStrictEqual(warnings, ["line 3: channel 36 is not valid for 2412 MHz"]);
  const dmg = only(bss("BSS 00:11:22:33:44:55", "freq: 58320"));
  assert.deepStrictEqual([dmg.record.freqMhz, dmg.record.channel], [58320, null]);
  assert.deepStrictEqual(dmg.warnings, ["line 2: no 2.4/5/6 GHz channel for 58320 MHz"]);
  assert.equal(only(bss("BSS 00:11:22:33:44:55", "freq: 902.500")).record.freqMhz, 902.5);
});

Deno.test("parseIwScan() keeps the probe response's values when `-b` prints both IE sets", () => {
  const { record } = only(bss(
    "BSS 00:11:22:33:44:55(on wlan0)",
    "capability: ESS Privacy (0x0011)",
    "Information elements from Probe Response frame:",
    "SSID: real",
    "RSN:\t * Version: 1",
    "\t * Authentication suites: SAE",
    "Information elements from Beacon frame:",
    "SSID: \\x00\\x00\\x00\\x00",
    "RSN:\t * Version: 1",
    "\t * Authentication suites: PSK",
  ));
  assert.deepStrictEqual([record.ssid, record.hidden, record.encryption], [
    "real",
    false,
    "WPA3-SAE",
  ]);
});

Deno.test("parseIwScan() survives flattened pastes, CRLF and stray text", () => {
  const text = "$ iw dev wlan0 scan\r\nBSS 00:11:22:33:44:55(on wlan0)\r\nfreq: 2412\r\n" +
    "capability: ESS Privacy (0x0011)\r\nSSID: flat\r\nWPS:\t * Version: 1.0\r\n* Version: 9\r\n" +
    "RSN:\t * Version: 1\r\n* Group cipher: CCMP\r\n* Pairwise ciphers: CCMP\r\n" +
    "* Authentication suites: IEEE 802.1X/SUITE-B-192\r\n";
  const { records, warnings } = parseIwScan(text);
  assert.deepStrictEqual(warnings, ['line 1: text outside a BSS record: "$ iw dev wlan0 scan"']);
  assert.equal(records[0].ssid, "flat");
  assert.deepStrictEqual(records[0].rsn?.authSuites, ["EAP/SUITE-B-192"]);
  assert.deepStrictEqual([records[0].rsn?.version, records[0].encryption], [1, "WPA3-EAP"]);
  assert.deepStrictEqual(parseIwScan(""), { records: [], warnings: [] });
});

Deno.test("parseIwScan() keeps reading fields after a stray unindented line", () => {
  const { record } = only(
    bss("BSS 00:11:22:33:44:55(on wlan0)", "freq: 2412") + "oops, a broken line\n" +
      bss("", "signal: -50.00 dBm", "SSID: after").slice(1),
  );
  assert.deepStrictEqual([record.signalDbm, record.ssid], [-50, "after"]);
});

Deno.test("parseIwScan() caps warnings and copes with a 1 MB line", () => {
  const noise = parseIwScan("junk\n".repeat(5000));
  assert.equal(noise.warnings.length, 1001);
  assert.equal(noise.warnings[1000], "4000 more warnings not shown");
  const huge = only(bss("BSS 00:11:22:33:44:55", `SSID: ${"\\x41".repeat(250_000)}`, "freq: 2412"));
  assert.deepStrictEqual([huge.record.ssid, huge.record.freqMhz], [null, 2412]);
  assert.deepStrictEqual(huge.warnings, [
    "line 2: SSID of 1000000 characters cannot come from iw: ignored",
  ]);
});

Deno.test("parseIwScan() parses 1,000 BSSes in one pass", () => {
  const one = Deno.readTextFileSync(new URL("iw-6.9-mixed-2g5g-scan.txt", FIXTURES));
  const text = one.repeat(100);
  const started = performance.now();
  const { records } = parseIwScan(text);
  assert.equal(records.length, 1000);
  assert.ok(performance.now() - started < 2000, "parsing 1,000 BSSes took over 2 s");
});

Deno.test("parseIwScan() never throws on 2,000 seeded mutations and keeps values in range", () => {
  const base = Deno.readTextFileSync(new URL("iw-6.9-mixed-2g5g-scan.txt", FIXTURES));
  const random = mulberry32(0x1dea);
  const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)];
  const junk = ["\\x", "\\xZ", "\\x00", "\t", "\n", "BSS ", ":", "-", "9", "\ud800", "é", "\0"];
  for (let i = 0; i < 2000; i++) {
    let text = base;
    for (let n = 1 + Math.floor(random() * 8); n > 0; n--) {
      const at = Math.floor(random() * text.length);
      switch (pick(["flip", "junk", "cut", "dup", "drop"])) {
        case "flip":
          text = text.slice(0, at) + String.fromCharCode(Math.floor(random() * 0x3000)) +
            text.slice(at + 1);
          break;
        case "junk":
          text = text.slice(0, at) + pick(junk) + text.slice(at);
          break;
        case "cut":
          text = text.slice(0, at);
          break;
        case "dup": {
          const lines = text.split("\n");
          const k = Math.floor(random() * lines.length);
          lines.splice(k, 0, lines[k]);
          text = lines.join("\n");
          break;
        }
        case "drop":
          text = text.slice(0, at) + text.slice(at + 1 + Math.floor(random() * 200));
      }
    }
    const { records, warnings } = parseIwScan(text);
    for (const r of records) assertSane(r);
    for (const w of warnings) assert.equal(typeof w, "string");
  }
});

function assertSane(r: IwBss): void {
  const within = (v: number | null, lo: number, hi: number) =>
    v === null || (Number.isFinite(v) && v >= lo && v <= hi);
  assert.ok(within(r.signalDbm, -120, 0), `signal ${r.signalDbm}`);
  assert.ok(within(r.freqMhz, 1, 100000), `freq ${r.freqMhz}`);
  assert.ok(r.channel === null || (Number.isInteger(r.channel) && within(r.channel, 1, 233)));
  assert.ok(within(r.lastSeenMs, 0, 1e10) && within(r.lastSeenBoottimeS, 0, 1e13));
  assert.ok(within(r.capabilityHex, 0, 0xffff) && within(r.beaconIntervalTu, 0, 65535));
  assert.ok(within(r.rsn?.version ?? null, 0, 65535) && within(r.wpa?.version ?? null, 0, 65535));
  assert.match(r.encryption, /^(Open|WEP|WPA[23]?(-[A-Z]+)?(\/WPA[23]?(-[A-Z]+)?)*)$/);
  assert.equal(r.hidden, r.hidden && r.ssid === null);
}
