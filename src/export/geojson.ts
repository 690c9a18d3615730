/**
 * GeoJSON (RFC 7946): one FeatureCollection, written as it is read — the opening, each feature,
 * the closing — never built in memory. A Point feature per network or device at its stored best
 * position (coordinates `[lon, lat]`, WGS 84 as the RFC requires), and a LineString feature per
 * segment of the GPS track, whose properties (start, end, point count) follow its geometry.
 */
import type { ExportPoint, ExportSource, TextSink } from "./query.ts";

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
 * Writes a GeoJSON FeatureCollection.
 *
 * @example
 * ```ts
 * await writeGeojson(source, sink, { track: true });
 * ```
 */
export async function writeGeojson(
  source: ExportSource,
  out: TextSink,
  options: { track: boolean },
): Promise<void> {
  await out.write('{"type":"FeatureCollection","features":[');
  let separator = "\n";
  for (const p of source.points({ best: true })) {
    await out.write(separator + geojsonPointFeature(p));
    separator = ",\n";
  }
  if (options.track) {
    const segment = { type: "track", start: "", end: "", points: 0 };
    for (const t of source.track()) {
      if (t.newSegment) {
        if (segment.points > 0) await out.write(`]},"properties":${JSON.stringify(segment)}}`);
        await out.write(
          `${separator}{"type":"Feature","geometry":{"type":"LineString","coordinates":[`,
        );
        separator = ",\n";
        Object.assign(segment, { start: t.time, points: 0 });
      } else await out.write(",");
      segment.end = t.time;
      segment.points++;
      await out.write(JSON.stringify([t.lon, t.lat]));
    }
    if (segment.points > 0) await out.write(`]},"properties":${JSON.stringify(segment)}}`);
  }
  await out.write("\n]}\n");
}
