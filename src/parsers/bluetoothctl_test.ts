/**
 * Tests for the bluetoothctl parsers: our fixtures compared whole with their expected JSON, the shared
 * real captures read in place with per-file assertions, chunking, fuzzing and hostile sizes.
 */
import assert from "node:assert/strict";
import {
  blankEvent,
  type BtEvent,
  createBluetoothctlStreamParser,
  parseBluetoothctlDevices,
  parseBluetoothctlEvents,
} from "./bluetoothctl.ts";
import { parseBluetoothctlInfo } from "./bluetoothctl_info.ts";
import { sharedCaptures } from "../../tests/shared_fixtures.ts";
import { mulberry32 as random } from "../../scripts/lib/random.ts";

const FIXTURES = new URL("../../tests/fixtures/bluetoothctl/", import.meta.url);
const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes); // invalid UTF-8 → U+FFFD

/** Which parser a fixture or capture is for, from its name. */
function parserFor(name: string): (text: string) => { records: unknown[]; warnings: string[] } {
  if (name.includes("devices-")) return parseBluetoothctlDevices;
  if (name.includes("info-") || name.includes("show-")) return parseBluetoothctlInfo;
  return parseBluetoothctlEvents;
}

function event(kind: BtEvent["kind"], address: string, fields: Partial<BtEvent> = {}): BtEvent {
  return { ...blankEvent(kind, address), ...fields };
}

/** Feeds the text in chunks cut at the given offsets. */
function parseInChunks(text: string, cuts: number[]): { records: BtEvent[]; warnings: string[] } {
  const parser = createBluetoothctlStreamParser();
  const records: BtEvent[] = [];
  let from = 0;
  for (const cut of [...cuts, text.length]) {
    records.push(...parser.push(text.slice(from, cut)));
    from = cut;
  }
  return { records: [...records, ...parser.end()], warnings: parser.warnings };
}

Deno.test("fixtures: each parses to its expected JSON, compared whole", async (t) => {
  const names = [...Deno.readDirSync(FIXTURES)].map((e) => e.name).filter((n) =>
    n.endsWith(".txt")
  );
  assert.ok(names.length >= 7, `only ${names.length} fixtures`);
  for (const name of names.sort()) {
    await t.step(name, () => {
      const text = decode(Deno.readFileSync(new URL(name, FIXTURES)));
      const expected = JSON.parse(
        Deno.readTextFileSync(new URL(name.replace(/\.txt$/, ".expected.json"), FIXTURES)),
      );
      assert.deepStrictEqual(parserFor(name)(text), expected);
    });
  }
});

Deno.test("shared captures: every file parses without an exception, with its known content", async (t) => {
  const captures = sharedCaptures("bluetoothctl");
  if (captures === null) return; // absent outside CI; sharedCaptures throws under CI=true
  const byName = new Map(captures.map((c) => [c.name, c.text]));
  for (const { name, text } of captures) {
    await t.step(`${name} parses`, () => void parserFor(name)(text));
  }
  const capture = (name: string) => {
    const text = byName.get(name);
    assert.ok(text !== undefined, `missing shared capture ${name}`);
    return text;
  };

  await t.step(
    "camper monitor (BlueZ 5.80+): hex RSSI, TxPower, continuation lines, DEL then NEW",
    () => {
      const { records, warnings } = parseBluetoothctlEvents(
        capture("bluetoothctl-scan-camper-monitor-rpi-bluez580plus.txt"),
      );
      assert.deepStrictEqual(warnings, [
        'line 1: unrecognised line "camper@CamperMonitor:~$ sudo bluetoothctl"',
      ]);
      const news = records.filter((e) => e.kind === "new");
      assert.equal(news.length, 15);
      assert.deepStrictEqual(news.filter((e) => e.name !== null).map((e) => e.name), [
        "Battery Guard",
      ]);
      assert.deepStrictEqual(
        records.find((e) => e.address === "6A:15:06:6C:9C:94" && e.property === "RSSI"),
        event("chg", "6A:15:06:6C:9C:94", {
          property: "RSSI",
          value: "0xffffffc3 (-61)",
          rssiDbm: -61,
        }),
      );
      const tx = records.filter((e) => e.property === "TxPower").map((
        e,
      ) => [e.address, e.txPowerDbm]);
      assert.deepStrictEqual(tx, [["7D:9D:E0:7B:6D:17", 12], ["4B:DB:B2:4F:44:26", 12]]);
      const data = "0c0e0815b6106e4127b0caf54683db151006401dbfa66a48"; // two hexdump lines joined
      assert.deepStrictEqual(
        records.find((e) => e.property === "ManufacturerData"),
        event("chg", "41:AB:23:5A:0B:CD", {
          property: "ManufacturerData",
          value: data,
          manufacturerId: 76,
          manufacturerData: data,
        }),
      );
      assert.equal(records.filter((e) => e.property === "ManufacturerData").length, 12);
      const last = records.slice(-3).map((e) => [e.kind, e.address]);
      assert.deepStrictEqual(last, [
        ["del", "5A:82:D9:B5:43:18"],
        ["chg", "73:6E:D8:C6:55:D4"],
        ["new", "5A:82:D9:B5:43:18"],
      ]);
    },
  );

  await t.step(
    "old BlueZ (isalic8): decimal RSSI, Name/Alias changes, `[bluetooth]$` prompt",
    () => {
      const { records, warnings } = parseBluetoothctlEvents(
        capture("bluetoothctl-scan-old-bluez-isalic8.txt"),
      );
      assert.deepStrictEqual(warnings, []);
      assert.deepStrictEqual(
        records[0],
        event("chg", "5B:14:5C:16:8B:BF", { property: "RSSI", value: "-92", rssiDbm: -92 }),
      );
      assert.deepStrictEqual(records.map((e) => e.rssiDbm).filter((r) => r !== null), [
        -92,
        -62,
        -63,
        -81,
        -102,
        -79,
      ]);
      assert.deepStrictEqual(
        records.filter((e) => e.name).map((e) => [e.kind, e.property, e.name]),
        [
          ["chg", "Name", "Bomb Ass TV"],
          ["chg", "Alias", "Bomb Ass TV"],
          ["new", null, "JBL Charge 3"],
        ],
      );
    },
  );

  await t.step("5.66 mock session: readline markers, nameless device with trailing space", () => {
    const { records, warnings } = parseBluetoothctlEvents(
      capture("bluetoothctl-5.66-interactive-scan-bluez-mock.txt"),
    );
    assert.deepStrictEqual(records, [
      event("new", "AA:BB:CC:DD:EE:FF", { name: "My Phone" }),
      event("new", "11:22:33:44:55:66"),
      event("chg", "AA:BB:CC:DD:EE:FF", { property: "RSSI", value: "-55", rssiDbm: -55 }),
    ]);
    assert.deepStrictEqual(warnings, [
      'line 3: bluetoothctl reported "Failed to register agent: org.bluez.Error.InvalidArguments"',
    ]);
  });

  await t.step("jc info files: fields, units, both Class forms, battery", () => {
    const [headset] = parseBluetoothctlInfo(capture("bluetoothctl-info-jc-device.txt")).records;
    assert.deepStrictEqual(
      [
        headset.address,
        headset.addressType,
        headset.name,
        headset.icon,
        headset.rssiDbm,
        headset.txPowerDbm,
      ],
      ["EB:06:EF:62:B3:19", "public", "TaoTronics TT-BH026", "audio-headset", -52, 4],
    );
    assert.equal(headset.deviceClass, 0x240404);
    assert.deepStrictEqual([headset.paired, headset.legacyPairing, headset.uuids.length], [
      false,
      false,
      7,
    ]);
    assert.deepStrictEqual(headset.uuids[0], {
      name: "Advanced Audio Distribu..",
      uuid: "0000110d-0000-1000-8000-00805f9b34fb",
    });

    const mouse = parseBluetoothctlInfo(capture("bluetoothctl-info-jc-device_random.txt"));
    assert.deepStrictEqual(mouse.warnings, []);
    const [m] = mouse.records;
    assert.deepStrictEqual([m.addressType, m.appearance, m.paired, m.bonded, m.rssiDbm], [
      "random",
      0x03c2,
      true,
      true,
      null,
    ]);
    assert.equal(m.uuids[5].uuid, "00010000-0000-1000-8000-011f2000046d");

    const [sony] =
      parseBluetoothctlInfo(capture("bluetoothctl-info-jc-device_with_battery.txt")).records;
    // `0x11240404 (2360324)`: the decimal in parentheses wins (the hex and decimal disagree in the capture)
    assert.deepStrictEqual([sony.deviceClass, sony.batteryPercent, sony.connected], [
      2360324,
      70,
      true,
    ]);
  });

  await t.step("jc controller (`show`): no device record, a warning that says why", () => {
    const result = parseBluetoothctlInfo(
      capture("bluetoothctl-info-jc-controller_with_manufacturer.txt"),
    );
    assert.deepStrictEqual(result, {
      records: [],
      warnings: [
        'line 1: "Controller 48:A4:72:3C:96:63 (public)" is a controller (bluetoothctl show, with an ' +
        '"Advertising Features:" section), not a device: no record',
      ],
    });
  });
});

Deno.test("events: RSSI forms, nil, nameless aliases, prompts and tags anywhere", () => {
  const text = [
    "[bluetoothctl]> [CHG] Device aa:bb:cc:dd:ee:ff RSSI: 0xffffffc4 (-60)",
    "[My Phone]# [CHG] Device AA:BB:CC:DD:EE:FF RSSI: -61",
    "[CHG] Device AA:BB:CC:DD:EE:FF RSSI is nil",
    "[NEW] Device 11:22:33:44:55:66 11-22-33-44-55-66",
    "[NEW] Device 11:22:33:44:55:67 ",
    "\x1b[0;92mNEW\x1b[0m] stray colour, then [NEW] Device 11:22:33:44:55:68 X",
  ].join("\n");
  const { records, warnings } = parseBluetoothctlEvents(text);
  assert.deepStrictEqual(records.map((e) => [e.kind, e.address, e.name, e.rssiDbm]), [
    ["chg", "AA:BB:CC:DD:EE:FF", null, -60],
    ["chg", "AA:BB:CC:DD:EE:FF", null, -61],
    ["chg", "AA:BB:CC:DD:EE:FF", null, null],
    ["new", "11:22:33:44:55:66", null, null],
    ["new", "11:22:33:44:55:67", null, null],
    ["new", "11:22:33:44:55:68", "X", null],
  ]);
  assert.deepStrictEqual(warnings, []);
});

Deno.test("events: out-of-range RSSI and TxPower become null with a warning, never 0", () => {
  const { records, warnings } = parseBluetoothctlEvents(
    "[CHG] Device AA:BB:CC:DD:EE:FF RSSI: -200\n[CHG] Device AA:BB:CC:DD:EE:FF TxPower: 0x0015 (21)\n",
  );
  assert.deepStrictEqual(records.map((e) => [e.rssiDbm, e.txPowerDbm, e.value]), [
    [null, null, "-200"],
    [null, null, "0x0015 (21)"],
  ]);
  assert.deepStrictEqual(warnings, [
    "line 1: RSSI -200 out of range -127…0",
    "line 2: TxPower 21 out of range -127…20",
  ]);
});

Deno.test("stream: a continuation event is held until the next line proves it complete", () => {
  const parser = createBluetoothctlStreamParser();
  assert.deepStrictEqual(
    parser.push("[CHG] Device AA:BB:CC:DD:EE:FF ManufacturerData.Key: 0x004c (76)\n"),
    [],
  );
  assert.deepStrictEqual(
    parser.push("[CHG] Device AA:BB:CC:DD:EE:FF ManufacturerData.Value:\n  01 02"),
    [],
  );
  assert.deepStrictEqual(
    parser.push("  ..\n  03                                               .\n"),
    [],
  );
  const [done, rssi] = parser.push("[CHG] Device AA:BB:CC:DD:EE:FF RSSI: -50\n");
  assert.deepStrictEqual([done.manufacturerId, done.manufacturerData, rssi.rssiDbm], [
    76,
    "010203",
    -50,
  ]);
  assert.deepStrictEqual(
    parser.push("[CHG] Device AA:BB:CC:DD:EE:FF ManufacturerData.Value:\n  ff\n"),
    [],
  );
  assert.deepStrictEqual(parser.end().map((e) => [e.manufacturerId, e.manufacturerData]), [[
    null,
    "ff",
  ]]);
  assert.deepStrictEqual(parser.warnings, []);
});

Deno.test("stream: every fixture gives the same result however its text is cut into chunks", () => {
  const next = random(42);
  for (const name of [...Deno.readDirSync(FIXTURES)].map((e) => e.name)) {
    if (!name.endsWith(".txt") || parserFor(name) !== parseBluetoothctlEvents) continue;
    const text = decode(Deno.readFileSync(new URL(name, FIXTURES)));
    const whole = parseBluetoothctlEvents(text);
    for (let cut = 0; cut <= text.length; cut++) {
      assert.deepStrictEqual(parseInChunks(text, [cut]), whole, `${name} cut at ${cut}`);
    }
    for (let round = 0; round < 50; round++) {
      const cuts = Array.from({ length: 8 }, () => Math.floor(next() * text.length)).sort((a, b) =>
        a - b
      );
      assert.deepStrictEqual(parseInChunks(text, cuts), whole, `${name} cut at ${cuts}`);
    }
  }
});

Deno.test("devices and info: odd lines warn, no record is invented", () => {
  assert.deepStrictEqual(
    parseBluetoothctlDevices("Device AA:BB:CC:DD:EE:FF 'x'\nNo default controller available\n"),
    {
      records: [{ address: "AA:BB:CC:DD:EE:FF", name: "'x'" }],
      warnings: ['line 2: unrecognised line "No default controller available"'],
    },
  );
  const info = parseBluetoothctlInfo(
    "Device AA:BB:CC:DD:EE:FF (public)\n\t__proto__: x\n\tconstructor: y\n\tPaired: maybe\n" +
      "Device 11:22:33:44:55:66 (public)\n\tName: second\n",
  );
  assert.equal(info.records.length, 1);
  assert.deepStrictEqual([info.records[0].paired, info.records[0].name], [null, null]);
  assert.deepStrictEqual(info.warnings, [
    'line 2: unknown field "__proto__"',
    'line 3: unknown field "constructor"',
    'line 4: paired is neither yes nor no: "maybe"',
    'line 5: second device "Device 11:22:33:44:55:66 (public)" ignored: info describes one device',
  ]);
});

Deno.test("fuzz: byte flips, truncation, invalid UTF-8, NUL and emoji never throw", () => {
  const next = random(7);
  const sources = [...Deno.readDirSync(FIXTURES)]
    .filter((e) => e.name.endsWith(".txt"))
    .map((e) => Deno.readFileSync(new URL(e.name, FIXTURES)));
  const specials = [0x00, 0x01, 0x02, 0x0a, 0x0d, 0x1b, 0x5b, 0x3a, 0x28, 0xff, 0xc3, 0xf0, 0x9f];
  for (let round = 0; round < 3000; round++) {
    const bytes = sources[round % sources.length].slice(0, Math.floor(next() * 4000) + 1);
    for (let flips = Math.floor(next() * 8); flips > 0; flips--) {
      const at = Math.floor(next() * bytes.length);
      bytes[at] = next() < 0.5
        ? specials[Math.floor(next() * specials.length)]
        : Math.floor(next() * 256);
    }
    const text = decode(bytes) + (round % 5 === 0 ? "\u{1F4F1}\ud800\0" : "");
    for (
      const parse of [parseBluetoothctlEvents, parseBluetoothctlDevices, parseBluetoothctlInfo]
    ) {
      const { records, warnings } = parse(text);
      assert.ok(Array.isArray(records) && Array.isArray(warnings));
    }
    parseInChunks(text, [Math.floor(next() * text.length)]);
  }
});

Deno.test("hostile sizes: 1 MB lines are skipped with a warning, in linear time", () => {
  const mb = 1 << 20;
  const pathological = [
    "[".repeat(60_000), // prompt pattern
    `[${"a".repeat(60_000)}`,
    `\x1b[${"0".repeat(60_000)}`,
    "\x1b]".repeat(30_000), // OSC without terminator
    `${"\r".repeat(60_000)}x`,
    "[NEW] ".repeat(10_000),
    `[CHG] Device AA:BB:CC:DD:EE:FF ${"a ".repeat(30_000)}`,
    `\t${"Battery ".repeat(7_000)}`,
    ` ${"00 ".repeat(20_000)}`,
    `Device AA:BB:CC:DD:EE:FF (${"a".repeat(60_000)}`,
  ];
  const started = performance.now();
  for (const line of pathological) {
    const text = Array(16).fill(line).join("\n"); // about 1 MB per input
    parseBluetoothctlEvents(text);
    parseBluetoothctlDevices(text);
    parseBluetoothctlInfo(`Device AA:BB:CC:DD:EE:FF\n${text}`);
  }
  const huge = `[NEW] Device AA:BB:CC:DD:EE:FF ${
    "\u{1F4F1}".repeat(mb / 2)
  }\n[NEW] Device AA:BB:CC:DD:EE:01 ok\n`;
  const result = parseBluetoothctlEvents(huge);
  assert.deepStrictEqual(result.records.map((e) => e.name), ["ok"]);
  assert.deepStrictEqual(result.warnings, ["line 1: longer than 65536 characters, skipped"]);
  // Fed in chunks, a newline-free megabyte is dropped as it grows, not kept whole.
  const parser = createBluetoothctlStreamParser();
  for (let i = 0; i < mb; i += 4096) parser.push("x".repeat(4096));
  assert.deepStrictEqual([parser.end(), parser.warnings], [[], [
    "line 1: longer than 65536 characters, skipped",
  ]]);
  const elapsed = performance.now() - started;
  assert.ok(elapsed < 5000, `hostile inputs took ${Math.round(elapsed)} ms: a pattern backtracks`);
});
