/**
 * Exports: the networks, devices and GPS track of a database as WiGLE CSV 1.6, KML 2.2,
 * GeoJSON, GPX 1.1 or plain CSV. `ExportSource` streams the filtered rows (never the whole table
 * in memory); one writer per format turns them into text for a `TextSink`. Files, stdout,
 * progress and the summary belong to the CLI (`src/cli/export_command.ts`).
 *
 * Row granularity: `wigle` and `csv` write one row per sighting, or per network/device with
 * `best`; the map formats (`kml`, `gpx`, `geojson`) always show each network/device once at its
 * stored best position, plus the track.
 */
import { writeCsv } from "./csv.ts";
import { writeGeojson } from "./geojson.ts";
import { writeGpx } from "./gpx.ts";
import { writeKml } from "./kml.ts";
import type { ExportSource, TextSink } from "./query.ts";
import { type WigleDevice, writeWigle } from "./wigle.ts";

export { CSV_COLUMNS, csvField, csvRecord, neutralizeFormula } from "./csv.ts";
export { geojsonPointFeature } from "./geojson.ts";
export { gpxWaypoint } from "./gpx.ts";
export { KML_WIFI_FOLDERS, kmlPlacemark } from "./kml.ts";
export {
  decimal,
  type DeviceKind,
  distanceM,
  type ExclusionZone,
  type ExportCounts,
  type ExportFilter,
  type ExportPoint,
  ExportSource,
  parseExclusionZone,
  parseTimeBound,
  type TextSink,
  type TrackPoint,
} from "./query.ts";
export {
  WIGLE_HEADER,
  WIGLE_UNKNOWN_ACCURACY_M,
  wigleAuthMode,
  type WigleDevice,
  wiglePreHeader,
  wigleTime,
} from "./wigle.ts";
export { XML_REPLACEMENT, xmlEscape } from "./xml.ts";

export const EXPORT_FORMATS = ["wigle", "kml", "geojson", "gpx", "csv"] as const;
export type ExportFormat = typeof EXPORT_FORMATS[number];

export interface ExportOptions {
  /** wigle/csv: one row per network/device at its best position instead of per sighting. */
  best: boolean;
  /** kml/gpx/geojson: include the GPS track. */
  track: boolean;
  /** The logger, for WiGLE's pre-header and GPX's creator. */
  device: WigleDevice;
}

/** What a format adds to `ExportSource.counts`. */
export interface ExportResult {
  /** WiGLE rows written with `WIGLE_UNKNOWN_ACCURACY_M` for want of an accuracy. */
  accuracyDefaulted: number;
}

/**
 * Writes `format` from `source` to `out`.
 *
 * @example
 * ```ts
 * const source = new ExportSource(db, { kinds: ["wifi"], since: null, until: null, exclusions: [] });
 * await writeExport("kml", source, sink, { best: true, track: true, device });
 * console.log(source.counts.written);
 * ```
 */
export async function writeExport(
  format: ExportFormat,
  source: ExportSource,
  out: TextSink,
  options: ExportOptions,
): Promise<ExportResult> {
  switch (format) {
    case "wigle":
      return await writeWigle(source, out, options);
    case "csv":
      await writeCsv(source, out, options);
      break;
    case "kml":
      await writeKml(source, out, options);
      break;
    case "gpx":
      await writeGpx(source, out, { ...options, creator: `piwardrive ${options.device.appVersion}` });
      break;
    case "geojson":
      await writeGeojson(source, out, options);
      break;
  }
  return { accuracyDefaulted: 0 };
}
