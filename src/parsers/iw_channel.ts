/** WiFi channels: the channel of a frequency, and whether an announced channel fits its band. */
import type { Warn } from "./iw_record.ts";

/** Channel number of a 2.4, 5 or 6 GHz frequency, or `null` off those bands' channel rasters.
 *
 * @example
 * ```ts
 * channelFromFreq(2484); // 14
 * channelFromFreq(5955); // 1 (6 GHz)
 * ```
 */
export function channelFromFreq(freqMhz: number): number | null {
  if (!Number.isInteger(freqMhz)) return null;
  if (freqMhz === 2484) return 14;
  if (freqMhz === 5935) return 2; // 6 GHz channel 2 sits below that band's raster
  let ch: number;
  if (freqMhz >= 2412 && freqMhz <= 2472) ch = (freqMhz - 2407) / 5;
  else if (freqMhz >= 4910 && freqMhz <= 4980) ch = (freqMhz - 4000) / 5; // 4.9 GHz (Japan, public safety)
  else if (freqMhz >= 5030 && freqMhz <= 5895) ch = (freqMhz - 5000) / 5;
  else if (freqMhz >= 5955 && freqMhz <= 7115) ch = (freqMhz - 5950) / 5;
  else return null;
  if (!Number.isInteger(ch)) return null;
  // 6 GHz 20 MHz primaries are 1, 5, 9, …; other numbers name wider channels, never a BSS's own.
  return freqMhz >= 5955 && ch % 4 !== 1 ? null : ch;
}

/**
 * A channel the BSS announces, or null (with a warning) when it cannot be on the band of `freqMhz`.
 * iw prints `freq:` before the information elements, so the frequency is known by then.
 */
export function checkChannel(
  ch: number,
  freqMhz: number | null,
  line: number,
  warn: Warn,
): number | null {
  const f = freqMhz ?? 0;
  const max = f >= 2400 && f < 2500 ? 14 : f >= 4900 && f < 5925 ? 196 : 233;
  if (ch >= 1 && ch <= max) return ch;
  warn(line, `channel ${ch} is not valid for ${freqMhz === null ? "any band" : `${freqMhz} MHz`}`);
  return null;
}
