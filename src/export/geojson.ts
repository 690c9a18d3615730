/**
 * GeoJSON (RFC 7946): one FeatureCollection, written as it is read — the opening, each feature,
 * the closing — never built in memory. A Point feature per network or device at its stored best
 * position (coordinates `[lon, lat]`, WGS 84 as the RFC requires), and a LineString feature per
 * segment of the GPS track, whose properties (start, end, point count) follow its geometry.
 */
import type { ExportPoint, ExportSource } from "./source.ts";

/** The feature of one network or device. */
export function geojsonPointFeature(p: ExportPoint): string {
  const properties = p.kind === "wifi"
    ? {
      type: "wifi",
      bssid: p.id,
      ssid: p.name,
      encryption: p.encryption,
      signal_dbm: p.signalDbm,
      channel: p.channel,
      frequency_mhz: p.freqMhz,
      first_seen: p.firstSeen,
      last_seen: p.lastSeen,
      accuracy_m: p.accuracyM,
    }
    : {
      type: "bluetooth",
      address: p.id,
      name: p.name,
      device_type: p.deviceType,
      manufacturer: p.manufacturer,
      signal_dbm: p.signalDbm,
      first_seen: p.firstSeen,
      last_seen: p.lastSeen,
      accuracy_m: p.accuracyM,
    };
  return JSON.stringify({
    type: "Feature",
    geometry: { type: "Point", coordinates: [p.lon, p.lat] },
    properties,
  });
}

/**
 * A GeoJSON FeatureCollection, chunk by chunk.
 *
 * @example
 * ```ts
 * for (const chunk of geojsonText(source, { track: true })) await writer.write(chunk);
 * ```
 */
export function* geojsonText(
  source: ExportSource,
  options: { track: boolean },
): Generator<string> {
  yield '{"type":"FeatureCollection","features":[';
  let separator = "\n";
  for (const p of source.points({ best: true })) {
    yield separator + geojsonPointFeature(p);
    separator = ",\n";
  }
  if (options.track) yield* trackFeatures(source, separator);
  yield "\n]}\n";
}

/** A LineString feature per segment; the properties follow the coordinates, once known. */
function* trackFeatures(source: ExportSource, separator: string): Generator<string> {
  const segment = { type: "track", start: "", end: "", points: 0 };
  const close = () => `]},"properties":${JSON.stringify(segment)}}`;
  for (const t of source.track()) {
    const position = JSON.stringify([t.lon, t.lat]);
    if (t.newSegment) {
      const opening =
        `${separator}{"type":"Feature","geometry":{"type":"LineString","coordinates":[`;
      yield `${segment.points > 0 ? close() : ""}${opening}${position}`;
      separator = ",\n";
      Object.assign(segment, { start: t.time, points: 0 });
    } else yield `,${position}`;
    segment.end = t.time;
    segment.points++;
  }
  if (segment.points > 0) yield close();
}
