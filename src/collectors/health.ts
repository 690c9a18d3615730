/**
 * Device health without reading /proc or /sys (Deno allows those only to programs with every
 * permission): memory from `Deno.systemMemoryInfo`, CPU from two `os.cpus()` snapshots, disk
 * from `statfs` of the database's folder, network counters from `ip -s -j link`, and the SoC
 * temperature from `vcgencmd measure_temp` (Raspberry Pi OS) when it is installed.
 */
import { cpus } from "node:os";
import { statfsSync } from "node:fs";
import {
  cpuPercentFromTimes,
  type CpuTimes,
  parseIpLinkStats,
  parseVcgencmdTemp,
  sumNetworkBytes,
} from "../parsers/health.ts";
import { runTool } from "./tool.ts";

export interface HealthSample {
  cpuTempC: number | null;
  cpuPercent: number | null;
  memoryPercent: number | null;
  diskPercent: number | null;
  networkRxBytes: number | null;
  networkTxBytes: number | null;
}

const TOOL_TIMEOUT_MS = 5_000;

/**
 * One health sample per call: CPU use since the previous call, memory, disk fill of the database's
 * file system, network byte counters and the SoC temperature; a value the Pi cannot give is null,
 * with its warning said once.
 *
 * @example
 * ```ts
 * const health = new HealthCollector("/var/lib/piwardrive");
 * const { sample, warnings } = await health.sample();
 * ```
 */
export class HealthCollector {
  readonly #diskPath: string;
  #previousCpu: { times: CpuTimes }[] | null = null;
  readonly #said = new Set<string>();
  #warnings: string[] = [];

  /** `diskPath`: a folder on the file system whose fill level is reported (the database's). */
  constructor(diskPath: string) {
    this.#diskPath = diskPath;
    this.#previousCpu = totalCpuTimes();
  }

  /** A sample now, and the warnings not said before. */
  async sample(): Promise<{ sample: HealthSample; warnings: string[] }> {
    const [temperature, network] = await Promise.all([this.#temperature(), this.#network()]);
    const cpu = totalCpuTimes();
    const sample: HealthSample = {
      cpuTempC: temperature,
      cpuPercent: this.#previousCpu && cpu
        ? round(cpuPercentFromTimes(this.#previousCpu, cpu))
        : null,
      memoryPercent: this.#memory(),
      diskPercent: this.#disk(),
      networkRxBytes: network?.rxBytes ?? null,
      networkTxBytes: network?.txBytes ?? null,
    };
    this.#previousCpu = cpu;
    const warnings = this.#warnings;
    this.#warnings = [];
    return { sample, warnings };
  }

  #memory(): number | null {
    try {
      const m = Deno.systemMemoryInfo();
      return m.total > 0 ? round(((m.total - m.available) / m.total) * 100) : null;
    } catch (error) {
      this.#say("memory", `health: memory not available: ${(error as Error).message}`);
      return null;
    }
  }

  #disk(): number | null {
    try {
      const fs = statfsSync(this.#diskPath);
      const used = Number(fs.blocks) - Number(fs.bfree);
      const total = used + Number(fs.bavail); // what df counts: root's reserve excluded
      return total > 0 ? round((used / total) * 100) : null;
    } catch (error) {
      this.#say("disk", `health: disk usage not available: ${(error as Error).message}`);
      return null;
    }
  }

  async #temperature(): Promise<number | null> {
    const result = await runTool("vcgencmd", ["measure_temp"], { timeoutMs: TOOL_TIMEOUT_MS });
    if (result.kind === "ok") return parseVcgencmdTemp(result.stdout);
    this.#say(
      "temp",
      result.kind === "missing"
        ? "health: vcgencmd is not installed (Raspberry Pi OS has it); CPU temperature is not recorded"
        : "health: vcgencmd measure_temp failed; CPU temperature is not recorded",
    );
    return null;
  }

  async #network(): Promise<{ rxBytes: number; txBytes: number } | null> {
    const result = await runTool("ip", ["-s", "-j", "link"], { timeoutMs: TOOL_TIMEOUT_MS });
    if (result.kind !== "ok") {
      this.#say(
        "ip",
        "health: `ip -s -j link` failed (install iproute2); network counters are not recorded",
      );
      return null;
    }
    const links = parseIpLinkStats(result.stdout);
    return links.records.length > 0 ? sumNetworkBytes(links.records) : null;
  }

  #say(key: string, message: string): void {
    if (this.#said.has(key)) return;
    this.#said.add(key);
    this.#warnings.push(message);
  }
}

function totalCpuTimes(): { times: CpuTimes }[] | null {
  try {
    const all = cpus();
    return all.length === 0 ? null : all;
  } catch {
    return null;
  }
}

function round(value: number | null): number | null {
  return value === null ? null : Math.round(value * 10) / 10;
}
