/**
 * Collectors: each runs one tool (or reads its recorded output in a replay) and hands the text to
 * a pure parser in `src/parsers/`. WiFi is polled once per tick; Bluetooth and GPS are long-lived
 * streams read in the background and drained once per tick; health is sampled from Deno's system
 * APIs and two tools. Nothing here writes to the database or the terminal.
 */
export { WifiCollector, type WifiScan } from "./wifi.ts";
export { StreamCollector, type StreamSource } from "./stream.ts";
export { BluetoothInfoCollector } from "./bluetooth_info.ts";
export { HealthCollector, type HealthSample } from "./health.ts";
export { isValidInterfaceName, runTool, type ToolResult } from "./tool.ts";
