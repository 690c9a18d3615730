/**
 * Exports: the networks, devices and GPS track of a database as WiGLE CSV 1.6, KML 2.2,
 * GeoJSON, GPX 1.1 or plain CSV. `ExportSource` streams the filtered rows (never the whole table
 * in memory); one generator per format turns each into a chunk of text. Writing the chunks —
 * files, stdout, buffering — progress and the summary belong to the CLI
 * (`src/cli/export_command.ts`).
 *
 * Row granularity: `wigle` and `csv` write one row per sighting, or per network/device with
 * `best`; the map formats (`kml`, `gpx`, `geojson`) always show each network/device once at its
 * stored best position, plus the track.
 */
import { csvText } from "./csv.ts";
import { geojsonText } from "./geojson.ts";
import { gpxText } from "./gpx.ts";
import { kmlText } from "./kml.ts";
import type { ExportSource } from "./source.ts";
import { type WigleDevice, wigleText } from "./wigle.ts";

export { CSV_COLUMNS, csvField, csvRecord, neutralizeFormula } from "./csv.ts";
export { geojsonPointFeature } from "./geojson.ts";
export { gpxWaypoint } from "./gpx.ts";
export { KML_WIFI_FOLDERS, kmlPlacemark } from "./kml.ts";
export { decimal } from "./decimal.ts";
export {
  type DeviceKind,
  distanceM,
  type ExclusionZone,
  type ExportFilter,
  parseExclusionZone,
  parseTimeBound,
  trackTimeWindow,
} from "./filters.ts";
export { ensureExportSchema, ensureTables, EXPORT_TABLES } from "./schema.ts";
export { type ExportCounts, type ExportPoint, ExportSource } from "./source.ts";
export { type ExportTrackPoint } from "./track.ts";
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
 * `format` from `source` as a stream of text chunks (a CSV row, a placemark, a point each; WiGLE
 * rows a few hundred at a time); the generator's return value is what the format adds to
 * `source.counts`.
 *
 * @example
 * ```ts
 * const source = new ExportSource(db, { kinds: ["wifi"], since: null, until: null, exclusions: [] });
 * const chunks = exportText("kml", source, { best: true, track: true, device });
 * for (let next = chunks.next(); !next.done; next = chunks.next()) await writer.write(next.value);
 * console.log(source.counts.written);
 * ```
 */
export function* exportText(
  format: ExportFormat,
  source: ExportSource,
  options: ExportOptions,
): Generator<string, ExportResult> {
  switch (format) {
    case "wigle":
      return yield* wigleText(source, options);
    case "csv":
      yield* csvText(source, options);
      break;
    case "kml":
      yield* kmlText(source, options);
      break;
    case "gpx":
      yield* gpxText(source, { ...options, creator: `piwardrive ${options.device.appVersion}` });
      break;
    case "geojson":
      yield* geojsonText(source, options);
      break;
  }
  return { accuracyDefaulted: 0 };
}
