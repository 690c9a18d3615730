/**
 * Pure parsers of what the tools print: `iw … scan`, `bluetoothctl` (session stream, `devices`,
 * `info`), `gpspipe -w`, and the health tools. Text in, `{ records, warnings }` out; an odd line
 * is a warning, never an exception; no `Deno.*` here, so they run anywhere and fuzz cheaply.
 */
export type { ParseResult } from "./types.ts";
export { LineSplitter, MAX_LINE_CHARS, type StreamParser } from "./lines.ts";
export { type IwBss, parseIwScan } from "./iw_scan.ts";
export { channelFromFreq } from "./iw_channel.ts";
export { ENCRYPTION_LABELS, type EncryptionLabel, type SecurityInfo } from "./iw_security.ts";
export {
  type BtEvent,
  createBluetoothctlStreamParser,
  parseBluetoothctlDevices,
  parseBluetoothctlEvents,
} from "./bluetoothctl.ts";
export { type BtDeviceInfo, type BtUuid, parseBluetoothctlInfo } from "./bluetoothctl_info.ts";
export {
  createGpspipeStreamParser,
  type GpsdMessage,
  type GpsdTpv,
  gpsTimeIsPlausible,
  parseGpsdLine,
  parseGpspipe,
} from "./gpsd.ts";
export {
  cpuPercentFromTimes,
  parseIpLinkStats,
  parseVcgencmdTemp,
  sumNetworkBytes,
} from "./health.ts";
