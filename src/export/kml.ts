/**
 * KML 2.2 for Google Earth and friends: one placemark per network or device at its stored best
 * position, WiFi in folders by encryption type, Bluetooth in its own folder, and the GPS track as
 * LineStrings (one per segment). Empty folders are left out. Text goes through `xmlEscape`.
 */
import { decimal } from "./decimal.ts";
import type { ExportPoint, ExportSource } from "./source.ts";
import { xmlElement, xmlEscape } from "./xml.ts";

/** WiFi folders in order: the `wifi_networks.encryption_type` value each holds (null: unknown). */
export const KML_WIFI_FOLDERS: readonly { name: string; encryptionType: string | null }[] = [
  { name: "WiFi WPA3", encryptionType: "WPA3" },
  { name: "WiFi WPA2", encryptionType: "WPA2" },
  { name: "WiFi WPA", encryptionType: "WPA" },
  { name: "WiFi WEP", encryptionType: "WEP" },
  { name: "WiFi Open", encryptionType: "Open" },
  { name: "WiFi unknown encryption", encryptionType: null },
];

const data = (name: string, value: string | number | null) =>
  value === null
    ? ""
    : `<Data name="${name}"><value>${
      xmlEscape(typeof value === "number" ? decimal(value) : value)
    }</value></Data>`;

/** One placemark; the name is the SSID or device name, else the address. */
export function kmlPlacemark(p: ExportPoint): string {
  const wifi = p.kind === "wifi";
  const extended = [
    data("type", p.kind),
    data(wifi ? "bssid" : "address", p.id),
    data(wifi ? "ssid" : "name", p.name),
    data("encryption", p.encryption),
    data("device_type", p.deviceType),
    data("signal_dbm", p.signalDbm),
    data("channel", p.channel),
    data("frequency_mhz", p.freqMhz),
    data("first_seen", p.firstSeen),
    data("last_seen", p.lastSeen),
    data("accuracy_m", p.accuracyM),
  ].join("");
  return `<Placemark>${
    xmlElement("name", p.name || p.id)
  }<ExtendedData>${extended}</ExtendedData>` +
    `<Point><coordinates>${decimal(p.lon)},${decimal(p.lat)}</coordinates></Point></Placemark>\n`;
}

function* folder(name: string, points: Iterable<ExportPoint>): Generator<string> {
  let open = false;
  for (const p of points) {
    yield open ? kmlPlacemark(p) : `<Folder>${xmlElement("name", name)}\n${kmlPlacemark(p)}`;
    open = true;
  }
  if (open) yield "</Folder>\n";
}

/**
 * A KML document, chunk by chunk.
 *
 * @example
 * ```ts
 * for (const chunk of kmlText(source, { track: true })) await writer.write(chunk);
 * ```
 */
export function* kmlText(source: ExportSource, options: { track: boolean }): Generator<string> {
  yield '<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2">\n' +
    "<Document><name>piwardrive export</name>\n";
  for (const f of KML_WIFI_FOLDERS) {
    yield* folder(
      f.name,
      source.points({ best: true, kind: "wifi", encryptionType: f.encryptionType }),
    );
  }
  yield* folder("Bluetooth", source.points({ best: true, kind: "bluetooth" }));
  if (options.track) yield* track(source);
  yield "</Document>\n</kml>\n";
}

const END_SEGMENT = "\n</coordinates></LineString></Placemark>\n";

function* track(source: ExportSource): Generator<string> {
  let segment = 0;
  for (const t of source.track()) {
    const tuple = `${decimal(t.lon)},${decimal(t.lat)}${
      t.altM === null ? "" : `,${decimal(t.altM)}`
    }`;
    if (!t.newSegment) {
      yield ` ${tuple}`;
      continue;
    }
    segment++;
    yield `${
      segment === 1 ? "<Folder><name>GPS track</name>\n" : END_SEGMENT
    }<Placemark><name>Track segment ${segment}</name>${
      xmlElement("description", `from ${t.time}`)
    }<LineString><tessellate>1</tessellate><coordinates>\n${tuple}`;
  }
  if (segment > 0) yield `${END_SEGMENT}</Folder>\n`;
}
