import assert from "node:assert/strict";
import {
  cpuPercentFromTimes,
  type CpuTimes,
  parseIpLinkStats,
  parseThermalMilliC,
  parseVcgencmdTemp,
  sumNetworkBytes,
} from "./health.ts";

const FIXTURES = new URL("../../tests/fixtures/health/", import.meta.url);
const ipCapture = Deno.readTextFileSync(new URL("ip-s-j-link.json", FIXTURES));

Deno.test("parseIpLinkStats() matches ip-s-j-link.expected.json", () => {
  const expected = JSON.parse(
    Deno.readTextFileSync(new URL("ip-s-j-link.expected.json", FIXTURES)),
  );
  assert.deepStrictEqual(parseIpLinkStats(ipCapture), expected);
});

Deno.test("sumNetworkBytes() leaves out the loopback unless asked", () => {
  const { records } = parseIpLinkStats(ipCapture);
  assert.deepStrictEqual(sumNetworkBytes(records), { rxBytes: 61492187, txBytes: 117610 });
  assert.deepStrictEqual(sumNetworkBytes(records, { excludeLoopback: true }), {
    rxBytes: 61492187,
    txBytes: 117610,
  });
  assert.deepStrictEqual(sumNetworkBytes(records, { excludeLoopback: false }), {
    rxBytes: 61492187 + 900305,
    txBytes: 117610 + 900305,
  });
  assert.deepStrictEqual(sumNetworkBytes([]), { rxBytes: 0, txBytes: 0 });
});

Deno.test("parseIpLinkStats() falls back to stats and warns per unusable link", () => {
  const links = [
    { ifname: "wlan0", stats: { rx: { bytes: 7 }, tx: { bytes: 9 } } }, // old iproute2
    { ifname: "wlan1", stats64: { rx: { bytes: 1 }, tx: { bytes: 2 } }, stats: { rx: {} } },
    { ifname: "eth0" }, // `ip -j link` without -s
    { ifname: "eth1", stats64: { rx: { bytes: -1 }, tx: { bytes: 2 } } },
    { ifname: "eth2", stats64: { rx: { bytes: "1" }, tx: { bytes: 2 } } },
    { stats64: { rx: { bytes: 1 }, tx: { bytes: 2 } } },
    null,
    { ifname: "x".repeat(100), stats64: { rx: { bytes: 1 }, tx: { bytes: 2 } } },
  ];
  assert.deepStrictEqual(parseIpLinkStats(JSON.stringify(links)), {
    records: [
      { ifname: "wlan0", rxBytes: 7, txBytes: 9 },
      { ifname: "wlan1", rxBytes: 1, txBytes: 2 },
    ],
    warnings: [
      'link 3: no byte counters for "eth0"',
      'link 4: no byte counters for "eth1"',
      'link 5: no byte counters for "eth2"',
      'link 6: no usable "ifname"',
      'link 7: no usable "ifname"',
      'link 8: no usable "ifname"',
    ],
  });
});

Deno.test("parseIpLinkStats() turns bad documents into one warning", () => {
  assert.deepStrictEqual(parseIpLinkStats(""), { records: [], warnings: ['invalid JSON: ""'] });
  assert.deepStrictEqual(parseIpLinkStats('{"ifname":"lo"}'), {
    records: [],
    warnings: ['expected an array of links: "{\\"ifname\\":\\"lo\\"}"'],
  });
  assert.deepStrictEqual(parseIpLinkStats(ipCapture.slice(0, 100)).records, []);
  assert.ok(parseIpLinkStats("[" + "x".repeat(1_000_000)).warnings[0].length < 100);
});

Deno.test("parseVcgencmdTemp() reads temp=…'C within −40…150 °C", () => {
  const cases: [string, number | null][] = [
    ["temp=47.2'C\n", 47.2],
    ["temp=85.0'C", 85],
    ["temp=-5.5'C", -5.5],
    ["temp=150.0'C", 150],
    ["temp=150.1'C", null],
    ["temp=-40.1'C", null],
    ["temp=47.2", null],
    ["VCHI initialization failed", null],
    ["", null],
    ["temp=4\uFFFD.2'C", null],
  ];
  for (const [text, expected] of cases) assert.equal(parseVcgencmdTemp(text), expected, text);
});

Deno.test("parseThermalMilliC() reads millidegrees as °C within −40…150 °C", () => {
  const cases: [string, number | null][] = [
    ["47236\n", 47.236],
    ["0", 0],
    ["-1000", -1],
    ["150000", 150],
    ["150001", null],
    ["-40001", null],
    ["47.2", null],
    ["", null],
    ["abc", null],
    ["99999999999999999999", null],
  ];
  for (const [text, expected] of cases) assert.equal(parseThermalMilliC(text), expected, text);
});

const core = (user: number, sys: number, idle: number, nice = 0, irq = 0) => ({
  times: { user, nice, sys, idle, irq } satisfies CpuTimes,
});

Deno.test("cpuPercentFromTimes() compares busy and idle deltas over all cores", () => {
  const prev = [core(1000, 500, 8000), core(2000, 0, 7000)];
  // core 0: busy +300 (user 100, sys 100, nice 50, irq 50), idle +700; core 1: busy 0, idle +1000
  const next = [core(1100, 600, 8700, 50, 50), core(2000, 0, 8000)];
  assert.equal(cpuPercentFromTimes(prev, next), (100 * 300) / 2000);
  assert.equal(cpuPercentFromTimes([core(0, 0, 0)], [core(10, 0, 0)]), 100);
  assert.equal(cpuPercentFromTimes([core(0, 0, 0)], [core(0, 0, 10)]), 0);
});

Deno.test("cpuPercentFromTimes() returns null when it cannot tell", () => {
  const one = [core(10, 10, 10)];
  assert.equal(cpuPercentFromTimes(one, one), null); // no time passed
  assert.equal(cpuPercentFromTimes(one, [core(20, 20, 20), core(1, 1, 1)]), null); // hotplug
  assert.equal(cpuPercentFromTimes(one, [core(5, 20, 20)]), null); // counter went backwards
  assert.equal(cpuPercentFromTimes(one, [core(NaN, 20, 20)]), null);
  assert.equal(cpuPercentFromTimes([], []), null);
});

Deno.test("health parsers never throw on mutated input", () => {
  let seed = 7;
  const random = (n: number) => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) % n;
  };
  const sources = [ipCapture, "temp=47.2'C\n", "47236\n"];
  for (let i = 0; i < 2_000; i++) {
    const bytes = new TextEncoder().encode(sources[i % sources.length]);
    for (let flips = random(4) + 1; flips > 0; flips--) bytes[random(bytes.length)] = random(256);
    const text = new TextDecoder().decode(bytes.subarray(0, random(bytes.length) + 1));
    const { records } = parseIpLinkStats(text);
    for (const r of records) assert.ok(r.rxBytes >= 0 && r.txBytes >= 0 && r.ifname !== "");
    for (const t of [parseVcgencmdTemp(text), parseThermalMilliC(text)]) {
      assert.ok(t === null || (t >= -40 && t <= 150), text);
    }
  }
});
