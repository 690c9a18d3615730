/**
 * Bluetooth enrichment: the first time a run hears a device, `bluetoothctl info <MAC>` (one
 * short-lived process at a time, in the background) tells its address type, icon, UUIDs and
 * TX power, which the next tick stores with it.
 */
import { type BtDeviceInfo, parseBluetoothctlInfo } from "../parsers/bluetoothctl_info.ts";
import { runTool, type ToolResult } from "./tool.ts";

const INFO_TIMEOUT_MS = 5_000;
const MAX_QUEUE = 200;
const MAC = /^[0-9A-F]{2}(?::[0-9A-F]{2}){5}$/;

/**
 * Asks `bluetoothctl info` about each device once per run, one question at a time in the
 * background, and hands what it learnt to the next tick. A full queue drops new questions rather
 * than grow; a missing tool stops the questions.
 *
 * @example
 * ```ts
 * const info = new BluetoothInfoCollector();
 * info.request("AA:BB:CC:DD:EE:FF");
 * // … a tick later:
 * for (const device of info.take()) console.log(device.address, device.addressType);
 * await info.settle();
 * ```
 */
export class BluetoothInfoCollector {
  readonly #run: (address: string) => Promise<ToolResult>;
  readonly #asked = new Set<string>();
  readonly #queue: string[] = [];
  #ready: BtDeviceInfo[] = [];
  #busy: Promise<void> | null = null;
  #available = true;

  constructor(
    run: (address: string) => Promise<ToolResult> = (address) =>
      runTool("bluetoothctl", ["info", address], { timeoutMs: INFO_TIMEOUT_MS }),
  ) {
    this.#run = run;
  }

  /** Asks about `address` once per run. */
  request(address: string): void {
    if (!this.#available || this.#asked.has(address) || !MAC.test(address)) return;
    if (this.#queue.length >= MAX_QUEUE) return;
    this.#asked.add(address);
    this.#queue.push(address);
    this.#busy ??= this.#drainQueue();
  }

  /** What has been learnt since the last call. */
  take(): BtDeviceInfo[] {
    const ready = this.#ready;
    this.#ready = [];
    return ready;
  }

  /** Waits for the question being asked (at shutdown). */
  async settle(): Promise<void> {
    this.#queue.length = 0;
    await this.#busy;
  }

  async #drainQueue(): Promise<void> {
    for (let address = this.#queue.shift(); address; address = this.#queue.shift()) {
      const result = await this.#run(address);
      if (result.kind === "missing" || result.kind === "forbidden") {
        this.#available = false; // the stream collector already said why
        break;
      }
      if (result.kind !== "ok") continue; // gone from BlueZ's cache, or busy: not essential
      const info = parseBluetoothctlInfo(result.stdout).records[0];
      if (info && info.address === address) this.#ready.push(info);
    }
    this.#busy = null;
  }
}
