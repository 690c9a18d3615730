import assert from "node:assert/strict";
import { parseIwScan } from "../../src/parsers/iw_scan.ts";
import { bssRecordText, ELEMENT_ORDER, escapeSsid, securityBlock } from "./iw_text.ts";

const TRIMMED = {
  bssid: "3c:84:6a:a1:b2:c3",
  associated: false,
  freqMhz: 2412,
  capability: "ESS Privacy ShortSlotTime (0x0411)",
  signalDbm: -48,
  lastSeenMs: 120,
  ssid: "HomeNet",
};

Deno.test("a trimmed record: the header lines, the SSID, nothing else", () => {
  assert.equal(
    bssRecordText(TRIMMED),
    [
      "BSS 3c:84:6a:a1:b2:c3(on wlan0)",
      "\tfreq: 2412.0",
      "\tcapability: ESS Privacy ShortSlotTime (0x0411)",
      "\tsignal: -48.00 dBm",
      "\tlast seen: 120 ms ago",
      "\tSSID: HomeNet",
      "",
    ].join("\n"),
  );
});

Deno.test("a full record's header is laid out as in the iw 6.9 capture", async () => {
  const capture = await Deno.readTextFile(
    new URL("../../tests/fixtures/iw/iw-6.9-mixed-2g5g-scan.txt", import.meta.url),
  );
  const text = bssRecordText({
    ...TRIMMED,
    associated: true,
    lastSeenBoottimeS: 1523.412,
    tsf: { usec: 1523407391, days: 0, hours: 0, minutes: 25, seconds: 23 },
    beaconIntervalTu: 100,
    capability: "ESS Privacy ShortSlotTime RadioMeasure (0x1411)",
    probeResponse: true,
  });
  assert.deepEqual(text.split("\n").slice(0, 10), capture.split("\n").slice(0, 10));
});

Deno.test("elements print in ELEMENT_ORDER whatever order the record lists them in", () => {
  const reversed = Object.fromEntries(
    [...ELEMENT_ORDER].reverse().map((key) => [key, [`\t${key}: a`, `\t\t${key} b`]]),
  );
  const lines = bssRecordText({ ...TRIMMED, elements: reversed }).trimEnd().split("\n");
  assert.deepEqual(
    lines.slice(6),
    ELEMENT_ORDER.flatMap((key) => [`\t${key}: a`, `\t\t${key} b`]),
  );
});

Deno.test("a record with RSN and WPA parses back to what it holds", () => {
  const text = bssRecordText({
    ...TRIMMED,
    ssid: escapeSsid(" Café"),
    elements: {
      wpa: securityBlock("WPA", "TKIP", "TKIP CCMP", "PSK"),
      dsParameterSet: ["\tDS Parameter set: channel 1"],
      rsn: securityBlock("RSN", "TKIP", "CCMP TKIP", "PSK", "1-PTKSA-RC 1-GTKSA-RC (0x0000)"),
    },
  });
  const { records, warnings } = parseIwScan(text);
  assert.deepEqual(warnings, []);
  assert.deepEqual(
    records.map((r) => [r.bssid, r.ssid, r.channel, r.signalDbm, r.encryption]),
    [["3c:84:6a:a1:b2:c3", " Café", 1, -48, "WPA2-PSK/WPA-PSK"]],
  );
});
