import assert from "node:assert/strict";
import {
  buildOuiTable,
  loadPinnedSource,
  OUI_SOURCE,
} from "../../scripts/generate/make_oui_table.ts";
import { isRandomizedMac, loadOuiTable, ouiTableInfo, ouiVendor } from "./oui.ts";
import table from "./oui_table.txt" with { type: "text" };

await loadOuiTable();

Deno.test("ouiVendor names well-known MA-L prefixes exactly as the registry spells them", () => {
  assert.equal(ouiVendor("00:00:0c:12:34:56"), "Cisco Systems, Inc");
  assert.equal(ouiVendor("00:1b:63:12:34:56"), "Apple, Inc.");
  assert.equal(ouiVendor("dc:a6:32:12:34:56"), "Raspberry Pi Trading Ltd");
  assert.equal(ouiVendor("b8:27:eb:12:34:56"), "Raspberry Pi Foundation");
  assert.equal(ouiVendor("f4:f2:6d:12:34:56"), "TP-LINK TECHNOLOGIES CO.,LTD.");
  // names outside ASCII survive the table's encoding
  assert.equal(ouiVendor("94:27:70:00:00:01"), "BSH Hausgeräte GmbH");
  assert.equal(ouiVendor("08:ea:40:00:00:01"), "SHENZHEN BILIAN ELECTRONIC CO.，LTD");
});

Deno.test("ouiVendor prefers the longest registered prefix: MA-S, then MA-M, then MA-L", () => {
  assert.equal(
    ouiVendor("8c:1f:64:00:0f:ff"),
    "Suzhou Xingxiangyi Precision Manufacturing Co.,Ltd.",
  );
  assert.equal(ouiVendor("c8:5c:e2:7a:bc:de"), "SYNERGY SYSTEMS AND SOLUTIONS");
  assert.equal(ouiVendor("10:06:48:00:00:00"), "FLEXTRONICS TECHNOLOGIES (INDIA) PVT LTD");
  // a sub-block of an IEEE-RA block that nobody has bought yet
  assert.equal(ouiVendor("10:06:48:f0:00:00"), "IEEE Registration Authority");
});

Deno.test("ouiVendor decodes names the table stores escaped outside ASCII", () => {
  // the table is pure ASCII, so V8 holds it one byte a char; "^" + 4 hex digits is a code unit
  assert.match(table, /^[\t\n\x20-\x7e]*$/);
  assert.ok(table.includes("BSH Hausger^00e4te"), "ä escaped as ^00e4");
  assert.ok(table.includes("^ff0c"), "， (fullwidth comma) escaped as ^ff0c");
  for (const mac of ["94:27:70:00:00:01", "38:b4:d3:ff:ff:ff", "74:5d:43:12:34:56"]) {
    assert.equal(ouiVendor(mac), "BSH Hausgeräte GmbH", mac);
  }
  assert.equal(ouiVendor("08:ea:40:00:00:01"), "SHENZHEN BILIAN ELECTRONIC CO.，LTD");
  assert.equal(ouiVendor("20:32:33:00:00:01"), "SHENZHEN BILIAN ELECTRONIC CO.，LTD");
  // an MA-M name, under a prefix the MA-L registry lacks
  assert.equal(ouiVendor("1c:87:79:2a:bc:de"), "SMARTMOVT TECHNOLOGY Co.， LTD");
});

// The records around each end of each registry and of a few blocks, from oui-data 2.1.9: the
// bisections' edges, the MA-L index's buckets (12-bit) and the MA-M/MA-S marks on MA-L records.
Deno.test("ouiVendor is exact at the first and last record of each registry and block", () => {
  const cases: [string, string | null][] = [
    // MA-L: first and last records, a bucket's last and the next one's first
    ["00:00:00:00:00:00", "XEROX CORPORATION"],
    ["fc:ff:a9:ff:ff:ff", null],
    ["fc:ff:aa:ff:ff:ff", "IEEE Registration Authority"],
    ["fc:ff:ab:00:00:00", null],
    ["00:0f:fe:ff:ff:ff", "G-PRO COMPUTER"],
    ["00:0f:ff:ff:ff:ff", "Control4"],
    ["00:10:00:00:00:00", "CABLE TELEVISION LABORATORIES, INC."],
    ["10:00:00:00:00:00", "Private"],
    // MA-M: first and last blocks, with their neighbours
    ["00:55:d9:ff:ff:ff", null],
    ["00:55:da:00:00:00", "Shinko Technos co.,ltd."],
    ["00:55:da:0f:ff:ff", "Shinko Technos co.,ltd."],
    ["00:55:da:10:00:00", "KoolPOS Inc."],
    ["fc:e4:98:df:ff:ff", "Infinity Electronics Ltd"],
    ["fc:e4:98:e0:00:00", "TIH Microelectronics Technology Co. Ltd."],
    ["fc:e4:98:ef:ff:ff", "TIH Microelectronics Technology Co. Ltd."],
    ["fc:e4:98:f0:00:00", "IEEE Registration Authority"],
    // an MA-M block between unsold ones: just below and above is the IEEE's MA-L
    ["ec:ba:33:ff:ff:ff", null],
    ["ec:ba:34:1f:ff:ff", "IEEE Registration Authority"],
    ["ec:ba:34:20:00:00", "Safety electronic technology(huizhou) Co.,Ltd"],
    ["ec:ba:34:2f:ff:ff", "Safety electronic technology(huizhou) Co.,Ltd"],
    ["ec:ba:34:30:00:00", "IEEE Registration Authority"],
    ["ec:ba:35:00:00:00", null],
    // MA-S: first and last blocks, and one between unsold ones
    ["00:1b:c4:ff:ff:ff", "Ultratec, Inc."],
    ["00:1b:c5:00:00:00", "Converging Systems Inc."],
    ["00:1b:c5:00:0f:ff", "Converging Systems Inc."],
    ["00:1b:c5:00:10:00", "OpenRB.com, Direct SIA"],
    ["8c:1f:64:ff:bf:ff", "Taicang T&W Electronics"],
    ["8c:1f:64:ff:c0:00", "Invendis Technologies India Pvt Ltd"],
    ["8c:1f:64:ff:cf:ff", "Invendis Technologies India Pvt Ltd"],
    ["8c:1f:64:ff:d0:00", "IEEE Registration Authority"],
    ["8c:1f:65:00:00:00", null],
    ["8c:1f:64:00:2f:ff", "IEEE Registration Authority"],
    ["8c:1f:64:00:30:00", "Brighten Controls LLP"],
    ["8c:1f:64:00:3f:ff", "Brighten Controls LLP"],
    ["8c:1f:64:00:40:00", "IEEE Registration Authority"],
    // MA-M blocks under a prefix the MA-L registry lacks: an unsold block has no vendor
    ["1c:87:74:00:00:00", "Philips Personal Health Solutions"],
    ["1c:87:74:ef:ff:ff", "Quest Integrity"],
    ["1c:87:74:f0:00:00", null],
    ["1c:87:73:ff:ff:ff", null],
  ];
  for (const [mac, expected] of cases) assert.equal(ouiVendor(mac), expected, mac);
});

Deno.test("ouiVendor accepts the four MAC spellings in any case", () => {
  for (
    const mac of [
      "dc:a6:32:01:02:03",
      "DC:A6:32:01:02:03",
      "dc-a6-32-01-02-03",
      "DC-A6-32-01-02-03",
      "dca6.3201.0203",
      "DCA6.3201.0203",
      "dca632010203",
      "DcA632010203",
    ]
  ) {
    assert.equal(ouiVendor(mac), "Raspberry Pi Trading Ltd", mac);
    assert.equal(isRandomizedMac(mac), false, mac);
  }
});

Deno.test("locally administered (randomised) MACs have no vendor and are flagged", () => {
  for (
    const mac of ["da:a1:19:12:34:56", "02:00:00:00:00:01", "DA-A1-19-12-34-56", "7a1b2c3d4e5f"]
  ) {
    assert.equal(ouiVendor(mac), null, mac);
    assert.equal(isRandomizedMac(mac), true, mac);
  }
  // DEC registered AA-00-04 before the U/L bit meant anything; it is still not a vendor address
  assert.equal(ouiVendor("aa:00:04:00:12:34"), null);
  assert.equal(isRandomizedMac("aa:00:04:00:12:34"), true);
});

Deno.test("multicast MACs have no vendor and are not randomised unless the U/L bit says so", () => {
  assert.equal(ouiVendor("01:00:5e:00:00:fb"), null);
  assert.equal(isRandomizedMac("01:00:5e:00:00:fb"), false);
  assert.equal(ouiVendor("33:33:00:00:00:01"), null);
  assert.equal(ouiVendor("ff:ff:ff:ff:ff:ff"), null);
  assert.equal(isRandomizedMac("ff:ff:ff:ff:ff:ff"), true);
});

Deno.test("malformed input gives null and false, never an exception", () => {
  const hostile: unknown[] = [
    "",
    "zz:zz:zz:zz:zz:zz",
    "00:1b:63",
    "00:1b:63:00:00:0",
    "00:1b:63:00:00:000",
    "00:1b:63:00:00:0g",
    "00:1b-63:00:00:00",
    "00.1b.63.00.00.00",
    "001b:6300:0000",
    "0x001b63000000",
    " 00:1b:63:00:00:00",
    "00:1b:63:00:00:00\n",
    "00:1b:63:00:00:0\0",
    "\0".repeat(12),
    "\0".repeat(17),
    "００:１b:63:00:00:00",
    "\uD800\uDC00:1b:63:00:00:",
    "a".repeat(1 << 20),
    "00:1b:63:00:00:00".repeat(60_000),
    null,
    undefined,
    42,
    { toString: () => "00:1b:63:00:00:00" },
  ];
  for (const value of hostile) {
    const mac = value as string;
    assert.equal(ouiVendor(mac), null, JSON.stringify(mac)?.slice(0, 40));
    assert.equal(isRandomizedMac(mac), false, JSON.stringify(mac)?.slice(0, 40));
  }
});

Deno.test("ouiTableInfo reports the pinned source and the prefixes the header promises", () => {
  const info = ouiTableInfo();
  assert.match(info.source, /^npm oui-data \(IEEE MA-L, MA-M and MA-S registries\)$/);
  assert.equal(info.version, OUI_SOURCE.version);
  const promised = Number(/^# prefixes: (\d+)/m.exec(table)?.[1]);
  assert.ok(promised > 50_000, `header promises ${promised} prefixes`);
  assert.equal(info.prefixes, promised);
});

Deno.test("the committed table is what scripts/generate/make_oui_table.ts makes from the pinned source", async (t) => {
  let source: Record<string, string> | undefined;
  let why = "";
  try {
    source = await loadPinnedSource();
  } catch (error) {
    why = error instanceof Error ? error.message : String(error);
  }
  if (!source) {
    // CI reaches the npm registry, so there the check must run; offline it cannot
    if (Deno.env.get("CI") === "true") throw new Error(`Cannot check the OUI table: ${why}`);
    console.warn(`Skipping the OUI table check, the pinned source is not available: ${why}`);
  }
  const ignore = source === undefined;

  await t.step({
    name: "byte for byte",
    ignore,
    fn: () => assert.ok(buildOuiTable(source!) === table, "regenerate: see src/oui/README.md"),
  });

  await t.step({
    name: "every registered prefix looks up to its registry name",
    ignore,
    fn: () => {
      const name = (key: string) => source![key]?.split("\n")[0];
      let checked = 0;
      for (const key of Object.keys(source!)) {
        for (const fill of ["0", "F"]) {
          const mac = key.padEnd(12, fill);
          const expected = (parseInt(mac.slice(0, 2), 16) & 0x03) !== 0
            ? undefined
            : name(mac.slice(0, 9)) ?? name(mac.slice(0, 7)) ?? name(mac.slice(0, 6));
          assert.equal(ouiVendor(mac), expected ?? null, mac);
          checked++;
        }
      }
      assert.equal(checked, Object.keys(source!).length * 2);
    },
  });
});
