/**
 * Integration test: a real interactive `bluetoothctl` against the BlueZ mock, its raw stdout fed chunk
 * by chunk into the stream parser as a collector would. With `BLUEZ_MOCK_RECORD_DIR` set, the raw
 * outputs are also written there (how `tests/fixtures/bluetoothctl/*-5.66-mock.txt` were recorded).
 */
import assert from "node:assert/strict";
import {
  type BtEvent,
  createBluetoothctlStreamParser,
  parseBluetoothctlDevices,
  parseBluetoothctlEvents,
} from "../../src/parsers/bluetoothctl.ts";
import { parseBluetoothctlInfo } from "../../src/parsers/bluetoothctl_info.ts";
import { bluezMockAvailable, bluezMockMissing, startBluezMock } from "./bluez_mock.ts";

const skip = !bluezMockAvailable() && Deno.env.get("CI") !== "true";
if (skip) console.warn(`Skipping the BlueZ mock tests: missing ${bluezMockMissing().join(", ")}`);
const recordDir = Deno.env.get("BLUEZ_MOCK_RECORD_DIR");
const WAIT_MS = 10_000;

const PHONE = "AA:BB:CC:DD:EE:FF";
const NAMELESS = "11:22:33:44:55:66";
const HOSTILE = "C0:FF:EE:00:00:01";
const HOSTILE_NAME = `Café ☕ "x" '; DROP TABLE devices;--`;

/** An interactive session whose stdout goes, chunk by chunk, to the stream parser. */
class Session {
  readonly parser = createBluetoothctlStreamParser();
  readonly events: BtEvent[] = [];
  readonly raw: Uint8Array[] = [];
  text = "";
  readonly #process: Deno.ChildProcess;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array>;
  readonly #reading: Promise<void>;

  constructor(env: Record<string, string>) {
    const options = { env, stdin: "piped", stdout: "piped", stderr: "null" } as const;
    const process = this.#process = new Deno.Command("bluetoothctl", options).spawn();
    this.#stdin = process.stdin.getWriter();
    this.#reading = (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of process.stdout) {
        this.raw.push(chunk);
        const text = decoder.decode(chunk, { stream: true });
        this.text += text;
        this.events.push(...this.parser.push(text));
      }
      this.events.push(...this.parser.push(decoder.decode()), ...this.parser.end());
    })();
  }

  async send(line: string): Promise<void> {
    await this.#stdin.write(new TextEncoder().encode(`${line}\n`));
  }

  /** Polls until `done` holds; on timeout the error shows what bluetoothctl printed. */
  async until(what: string, done: () => boolean): Promise<void> {
    const deadline = Date.now() + WAIT_MS;
    while (!done()) {
      if (Date.now() > deadline) {
        throw new Error(`Timed out waiting for ${what}: output ${JSON.stringify(this.text)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** Waits for exit after `quit`; kills by pid if it does not come, so nothing outlives the test. */
  async close(): Promise<Deno.CommandStatus> {
    await this.#stdin.close().catch(() => {});
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), 5000)));
    const status = await Promise.race([this.#process.status, late]);
    clearTimeout(timer);
    if (status === null) this.#process.kill("SIGKILL");
    await this.#reading;
    return await this.#process.status;
  }
}

/** A one-shot `bluetoothctl <args>`; killed by pid after 10 s. */
async function bluetoothctl(env: Record<string, string>, ...args: string[]): Promise<Uint8Array> {
  const child = new Deno.Command("bluetoothctl", {
    args,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  })
    .spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), WAIT_MS);
  try {
    const output = await child.output();
    assert.ok(output.success, `bluetoothctl ${args.join(" ")} failed with code ${output.code}`);
    return output.stdout;
  } finally {
    clearTimeout(timer);
  }
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  chunks.reduce((offset, c) => (all.set(c, offset), offset + c.length), 0);
  return all;
}

async function record(name: string, bytes: Uint8Array): Promise<void> {
  if (recordDir) await Deno.writeFile(`${recordDir}/${name}`, bytes);
}

const only = (events: BtEvent[], kind: BtEvent["kind"], property: string | null = null) =>
  events.filter((e) => e.kind === kind && e.property === property);

Deno.test({
  name: "bluez mock: interactive scan session parses into NEW and CHG events",
  ignore: skip,
  async fn() {
    const started = performance.now();
    const mock = await startBluezMock();
    let session: Session | null = null;
    try {
      session = new Session(mock.env);
      const s = session;
      await s.send("scan on");
      await s.until("Discovery started", () => s.text.includes("Discovery started"));
      // Added while scanning: devices present before bluetoothctl connects print no [NEW].
      await mock.addDevice(PHONE, "My Phone");
      await mock.addDevice(NAMELESS, "");
      await mock.addDevice(HOSTILE, HOSTILE_NAME);
      await s.until("3 NEW events", () => only(s.events, "new").length === 3);
      await mock.setRssi(PHONE, -48);
      await mock.setRssi(NAMELESS, -71);
      await mock.setRssi(HOSTILE, -90);
      await s.until("3 RSSI events", () => only(s.events, "chg", "RSSI").length === 3);
      await mock.setRssi(PHONE, -55);
      await mock.setDeviceProperty(
        NAMELESS,
        "ManufacturerData",
        "<@a{qv} {76: <[byte 0x10, 0x06, 0x3d, 0x1d, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d]>}>",
      );
      await mock.dropRssi(HOSTILE);
      await s.until("the RSSI drop", () => s.text.includes("RSSI is nil"));
      await s.send("devices");
      await s.until("the devices list", () => s.text.includes(`Device ${HOSTILE} ${HOSTILE_NAME}`));
      await s.send("quit");
      assert.deepStrictEqual((await s.close()).code, 0);
      await record(
        "interactive-scan-5.66-mock.txt",
        concat(s.raw),
      );

      const events = s.events;
      assert.deepStrictEqual(only(events, "new").map((e) => [e.address, e.name]), [
        [PHONE, "My Phone"],
        [NAMELESS, null],
        [HOSTILE, HOSTILE_NAME],
      ]);
      assert.deepStrictEqual(only(events, "chg", "RSSI").map((e) => [e.address, e.rssiDbm]), [
        [PHONE, -48],
        [NAMELESS, -71],
        [HOSTILE, -90],
        [PHONE, -55],
        [HOSTILE, null],
      ]);
      const [data] = only(events, "chg", "ManufacturerData");
      assert.deepStrictEqual([data.address, data.manufacturerId], [NAMELESS, 76]);
      assert.deepStrictEqual(data.manufacturerData, "10063d1d4142434445464748494a4b4c4d"); // 2 hexdump lines joined
      assert.deepStrictEqual(events.length, 9);
      // Only the mock's own quirk is odd: it has no agent manager.
      assert.deepStrictEqual(
        s.parser.warnings.filter((w) => !w.includes("Failed to register agent")),
        [],
      );
      // Chunks as they came and the whole text at once give the same result.
      assert.deepStrictEqual(parseBluetoothctlEvents(s.text).records, events);
      console.log(`scan session against the mock: ${Math.round(performance.now() - started)} ms`);
    } finally {
      await session?.close();
      await mock.stop();
    }
  },
});

Deno.test({
  name: "bluez mock: one-shot devices, info and show parse",
  ignore: skip,
  async fn() {
    const mock = await startBluezMock();
    try {
      await mock.addDevice(PHONE, "My Phone");
      await mock.addDevice(NAMELESS, "");
      await mock.setRssi(PHONE, -48);
      await mock.setDeviceProperty(
        PHONE,
        "ManufacturerData",
        "<@a{qv} {76: <[byte 0x10, 0x06, 0x3d]>}>",
      );
      await mock.setDeviceProperty(PHONE, "UUIDs", "<['0000180f-0000-1000-8000-00805f9b34fb']>");
      const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

      const devices = await bluetoothctl(mock.env, "devices");
      await record("devices-5.66-mock.txt", devices);
      assert.deepStrictEqual(parseBluetoothctlDevices(decode(devices)), {
        records: [{ address: PHONE, name: "My Phone" }, { address: NAMELESS, name: null }],
        warnings: [],
      });

      const info = await bluetoothctl(mock.env, "info", PHONE);
      await record("info-5.66-mock.txt", info);
      const parsed = parseBluetoothctlInfo(decode(info));
      assert.deepStrictEqual(parsed.warnings, []);
      assert.deepStrictEqual(parsed.records.length, 1);
      const [device] = parsed.records;
      assert.deepStrictEqual([device.address, device.addressType, device.name, device.alias], [
        PHONE,
        "public",
        "My Phone",
        "My Phone",
      ]);
      // The mock's real values, zeros included: 0 here is what BlueZ said, not a default.
      assert.deepStrictEqual([
        device.rssiDbm,
        device.txPowerDbm,
        device.deviceClass,
        device.appearance,
      ], [-48, 0, 0, 0]);
      assert.deepStrictEqual([device.paired, device.connected, device.icon], [false, false, null]);
      assert.deepStrictEqual(device.uuids, [{
        name: "Battery Service",
        uuid: "0000180f-0000-1000-8000-00805f9b34fb",
      }]);
      assert.deepStrictEqual([device.manufacturerId, device.manufacturerData], [76, "10063d"]);

      const show = await bluetoothctl(mock.env, "show");
      await record("show-5.66-mock.txt", show);
      const controller = parseBluetoothctlInfo(decode(show));
      assert.deepStrictEqual(controller.records, []);
      assert.ok(controller.warnings[0].includes("is a controller"), controller.warnings[0]);
    } finally {
      await mock.stop();
    }
  },
});
