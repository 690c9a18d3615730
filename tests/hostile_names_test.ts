/**
 * Hostile names travel byte-exact: SSIDs as iw prints them (escaped bytes) and Bluetooth names as
 * bluetoothctl prints them go through the parsers into the database and come back unchanged.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { cli, tempDir } from "./helpers/cli.ts";

export const HOSTILE_NAMES = [
  `quote"d 'single'`,
  "comma, and; semicolon",
  "new\nline\r\ttab",
  "nul\u0000inside",
  "emoji 📡🚗 ü é",
  "'; DROP TABLE wifi_networks; --",
  '=HYPERLINK("http://x.example","y")',
  "+1-2@SUM(A1)",
  "<![CDATA[x]]> <b>&amp;</b>",
  " leading and trailing ",
  "back\\slash",
];

/** An SSID the way iw prints it: printable ASCII as is, other bytes as \xNN (iw's print_ssid_escaped). */
function iwEscape(ssid: string): string {
  const bytes = new TextEncoder().encode(ssid);
  let out = "";
  bytes.forEach((b, i) => {
    const edgeSpace = b === 0x20 && (i === 0 || i === bytes.length - 1);
    out += b > 0x20 && b < 0x7f && b !== 0x5c || (b === 0x20 && !edgeSpace)
      ? String.fromCharCode(b)
      : `\\x${b.toString(16).padStart(2, "0")}`;
  });
  return out;
}

function iwScan(names: string[]): string {
  return names.map((name, i) =>
    `BSS 00:11:22:33:44:${i.toString(16).padStart(2, "0")}(on wlan0)\n` +
    `\tfreq: 2412.0\n\tsignal: -50.00 dBm\n\tcapability: ESS (0x0401)\n\tSSID: ${
      iwEscape(name)
    }\n` +
    `\tDS Parameter set: channel 1\n`
  ).join("");
}

Deno.test("hostile SSIDs and Bluetooth names round-trip byte-exact into the database", async () => {
  using dir = tempDir();
  const tick = `${dir.path}/drive/0001`;
  Deno.mkdirSync(tick, { recursive: true });
  Deno.writeTextFileSync(`${tick}/iw.txt`, iwScan(HOSTILE_NAMES));
  // bluetoothctl prints a name on one line: no newline or NUL can reach it.
  const btNames = HOSTILE_NAMES.filter((n) =>
    !["\n", "\r", "\0"].some((c) => n.includes(c)) && n.trim() === n
  );
  Deno.writeTextFileSync(
    `${tick}/bluetoothctl.txt`,
    btNames.map((name, i) =>
      `[NEW] Device AA:BB:CC:00:00:${i.toString(16).padStart(2, "0")} ${name}\n`
    )
      .join(""),
  );
  const path = `${dir.path}/h.db`;
  const result = await cli("--db", path, "collect", "--replay", `${dir.path}/drive`, "--quiet");
  assert.equal(result.code, 0, result.stderr);
  const db = new DatabaseSync(path, { readOnly: true });
  // A name holding NUL is stored as its bytes (SQLite reads text only up to a NUL).
  const text = (v: unknown) => v instanceof Uint8Array ? new TextDecoder().decode(v) : v;
  const column = (sql: string) => db.prepare(sql).all().map((r) => text(Object.values(r)[0]));
  const ssids = column("SELECT ssid FROM wifi_networks ORDER BY bssid");
  const sightings = column("SELECT ssid FROM wifi_sightings ORDER BY network_id");
  const names = column("SELECT name FROM bluetooth_devices ORDER BY address");
  db.close();
  assert.deepEqual(ssids, HOSTILE_NAMES);
  assert.deepEqual(sightings, HOSTILE_NAMES);
  assert.deepEqual(names, btNames);
  // And the tables are all still there.
  assert.equal((await cli("--db", path, "migrate", "--verify")).code, 0);
});
