import assert from "node:assert/strict";
import { labelsFromCryptBitfield, labelsFromCryptSet } from "./kismet_crypt.ts";
import { parseDevice } from "./kismet.ts";

const bits = (...n: number[]) => n.reduce((set, b) => set | (1n << BigInt(b)), 0n);

Deno.test("crypt_bitfield: labels strongest first, WPS and EAP-method bits above 2^53 kept apart", () => {
  const cases: [bigint, string][] = [
    [0n, "Open"],
    [bits(0, 7), "WEP"],
    [bits(1, 3, 38, 26, 10), "WPA2-PSK"],
    [bits(1, 3, 4, 38, 44, 26, 10, 57), "WPA3-SAE/WPA2-PSK"],
    [bits(1, 3, 37, 26, 61, 62), "WPA2-EAP"],
    [bits(1, 2, 3, 38, 25, 26), "WPA2-PSK/WPA-PSK"],
    [bits(1, 4, 54), "WPA3-OWE"],
    [bits(1, 4, 47, 29), "WPA3-EAP"],
  ];
  for (const [set, label] of cases) assert.equal(labelsFromCryptBitfield(set), label, String(set));
});

Deno.test("crypt_set (legacy): versions 27-29 with PSK/EAP/SAE, WEP, open and unknown", () => {
  const set = (...n: number[]) => n.reduce((v, b) => v | (1 << b), 0);
  assert.equal(labelsFromCryptSet(0), "Open");
  assert.equal(labelsFromCryptSet(1), null);
  assert.equal(labelsFromCryptSet(set(1)), "WEP");
  assert.equal(labelsFromCryptSet(set(28, 9, 7, 6)), "WPA2-PSK");
  assert.equal(labelsFromCryptSet(set(28, 11, 6)), "WPA2-EAP");
  assert.equal(labelsFromCryptSet(set(29, 28, 7, 6)), "WPA3-SAE/WPA2-PSK");
  assert.equal(labelsFromCryptSet(set(27, 5, 7, 6)), "WPA-PSK");
});

Deno.test("parseDevice reads crypt_bitfield from its digits: a double would lose bits 0-4", () => {
  const value = bits(57, 44, 38, 26, 10, 4, 3, 1);
  const text = `{"dot11.device": {"dot11.device.last_beaconed_ssid_record": ` +
    `{"dot11.advertisedssid.crypt_bitfield": ${value}}}}`;
  assert.notEqual(BigInt(Number(value)), value, "as a double the value is another set");
  const record = (parseDevice(new TextEncoder().encode(text))["dot11.device"] as Record<
    string,
    Record<string, unknown>
  >)["dot11.device.last_beaconed_ssid_record"];
  assert.equal(record["dot11.advertisedssid.crypt_bitfield"], value);
});
