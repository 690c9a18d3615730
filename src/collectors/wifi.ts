/**
 * WiFi: `iw dev <if> scan` once per tick. Without the privilege for a fresh scan (CAP_NET_ADMIN)
 * it falls back to `iw dev <if> scan dump` (the kernel's cached results) with one warning; a busy
 * radio is retried next tick; a hung iw is killed.
 */
import { type IwBss, parseIwScan } from "../parsers/iw_scan.ts";
import { runTool, type ToolResult } from "./tool.ts";

/** One tick's scan: networks seen, and what went wrong (each warning said once per cause). */
export interface WifiScan {
  networks: IwBss[];
  warnings: string[];
  /** False when the tool cannot work at all (missing, no such interface). */
  available: boolean;
}

/** Where scan text comes from: the real tool, or a replay. */
export type WifiSource = (args: string[]) => Promise<ToolResult>;

const SCAN_TIMEOUT_MS = 30_000;
const MAC = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/;

/**
 * Scans WiFi on one interface, once per call: `iw dev <if> scan`, or `scan dump` once a fresh
 * scan turned out not to be allowed; each problem is said once, never thrown.
 *
 * @example
 * ```ts
 * const wifi = new WifiCollector("wlan0");
 * const scan = await wifi.scan(); // the networks heard, with the scan's warnings
 * ```
 */
export class WifiCollector {
  readonly #iface: string;
  readonly #source: WifiSource;
  #dump = false;
  #available: boolean | null = null;
  readonly #said = new Set<string>();

  constructor(
    iface: string,
    source: WifiSource = (args) => runTool("iw", args, { timeoutMs: SCAN_TIMEOUT_MS }),
  ) {
    this.#iface = iface;
    this.#source = source;
  }

  /** Whether the last scan found a working tool and interface (null before the first). */
  get lastScanAvailable(): boolean | null {
    return this.#available;
  }

  /** Scans once. */
  async scan(): Promise<WifiScan> {
    const scan = await this.#scan();
    this.#available = scan.available;
    return scan;
  }

  async #scan(): Promise<WifiScan> {
    const warnings: string[] = [];
    const once = (key: string, message: string) => {
      if (!this.#said.has(key)) warnings.push(message);
      this.#said.add(key);
    };
    let result = await this.#source(this.#args());
    if (
      result.kind === "failed" && !this.#dump &&
      /Operation not permitted \(-1\)/.test(result.stderr)
    ) {
      this.#dump = true;
      once(
        "dump",
        `wifi: no permission for a fresh scan on ${this.#iface}; reading cached results with "iw dev ${this.#iface} scan dump" (run as root or: setcap cap_net_admin+ep $(command -v iw))`,
      );
      result = await this.#source(this.#args());
    }
    switch (result.kind) {
      case "ok": {
        const parsed = parseIwScan(result.stdout);
        for (const w of parsed.warnings.slice(0, 3)) warnings.push(`wifi: ${w}`);
        // Masked or malformed BSSIDs cannot identify a network: keep only real MACs.
        return {
          networks: parsed.records.filter((n) => MAC.test(n.bssid)),
          warnings,
          available: true,
        };
      }
      case "missing":
        once("missing", "wifi: iw is not installed (apt install iw); WiFi is not collected");
        return { networks: [], warnings, available: false };
      case "forbidden":
        once("forbidden", `wifi: not allowed to run iw: ${result.detail}`);
        return { networks: [], warnings, available: false };
      case "timeout":
        once(
          "timeout",
          `wifi: iw did not answer within ${
            SCAN_TIMEOUT_MS / 1000
          } s and was stopped; retrying next tick`,
        );
        return { networks: [], warnings, available: true };
      case "failed": {
        if (/Device or resource busy \(-16\)/.test(result.stderr)) {
          return { networks: [], warnings, available: true }; // another scan runs: next tick
        }
        if (/No such device \(-19\)/.test(result.stderr)) {
          once(
            "nodev",
            `wifi: no interface "${this.#iface}" (see \`iw dev\`; choose one with --iface)`,
          );
          return { networks: [], warnings, available: false };
        }
        const detail = result.stderr.trim().split("\n")[0] || `exit code ${result.code}`;
        once(`failed:${detail}`, `wifi: iw failed: ${detail}`);
        return { networks: [], warnings, available: true };
      }
    }
  }

  #args(): string[] {
    return this.#dump ? ["dev", this.#iface, "scan", "dump"] : ["dev", this.#iface, "scan"];
  }
}
