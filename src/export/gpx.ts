/**
 * GPX 1.1: a waypoint per network or device at its stored best position (GPX puts waypoints
 * before tracks), then the GPS track as one `trk` with a `trkseg` per segment (`ele` when the fix
 * was 3D, `time` always). Text goes through `xmlEscape`; times are normalised to `xsd:dateTime`
 * in UTC, and a time that cannot be read is left out rather than written invalid.
 */
import { decimal } from "./decimal.ts";
import type { ExportPoint, ExportSource } from "./source.ts";
import { xmlElement, xmlEscape } from "./xml.ts";

function xsdTime(iso: string | null): string | null {
  const ms = iso === null ? NaN : Date.parse(iso);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

const number = (n: number | null) => (n === null ? null : decimal(n));

/**
 * One waypoint: name the SSID or device name (else the address), desc the address and what is
 * known of it, type `WiFi <encryption type>` or `Bluetooth`.
 */
export function gpxWaypoint(p: ExportPoint): string {
  const facts = [
    p.id,
    p.encryption,
    p.signalDbm === null ? null : `${decimal(p.signalDbm)} dBm`,
    p.channel === null ? null : `channel ${p.channel}`,
    p.lastSeen === null ? null : `last seen ${p.lastSeen}`,
  ].filter((f) => f !== null);
  return `<wpt lat="${decimal(p.lat)}" lon="${decimal(p.lon)}">${
    xmlElement("time", xsdTime(p.firstSeen))
  }${xmlElement("name", p.name || p.id)}${xmlElement("desc", facts.join(", "))}${
    xmlElement("type", p.kind === "wifi" ? "WiFi" : "Bluetooth")
  }</wpt>\n`;
}

/**
 * A GPX 1.1 document, chunk by chunk.
 *
 * @example
 * ```ts
 * for (const chunk of gpxText(source, { track: true, creator: "piwardrive 0.1.0" })) {
 *   await writer.write(chunk);
 * }
 * ```
 */
export function* gpxText(
  source: ExportSource,
  options: { track: boolean; creator: string },
): Generator<string> {
  yield `<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="${
    xmlEscape(options.creator)
  }" xmlns="http://www.topografix.com/GPX/1/1" ` +
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ' +
    'xsi:schemaLocation="http://www.topografix.com/GPX/1/1 http://www.topografix.com/GPX/1/1/gpx.xsd">\n' +
    "<metadata><name>piwardrive export</name></metadata>\n";
  for (const p of source.points({ best: true })) yield gpxWaypoint(p);
  if (options.track) {
    let open = false;
    for (const t of source.track()) {
      const point = `<trkpt lat="${decimal(t.lat)}" lon="${decimal(t.lon)}">${
        xmlElement("ele", number(t.altM))
      }${xmlElement("time", xsdTime(t.time))}</trkpt>\n`;
      if (!t.newSegment) yield point;
      else yield `${open ? "</trkseg>\n" : "<trk><name>GPS track</name>\n"}<trkseg>\n${point}`;
      open = true;
    }
    if (open) yield "</trkseg>\n</trk>\n";
  }
  yield "</gpx>\n";
}
