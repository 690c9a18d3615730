/**
 * KML 2.2 for Google Earth and friends: one placemark per network or device at its stored best
 * position, WiFi in folders by encryption type, Bluetooth in its own folder, and the GPS track as
 * LineStrings (one per segment). Empty folders are left out. Text goes through `xmlEscape`.
 */
import { decimal, type ExportPoint, type ExportSource, type TextSink } from "./query.ts";
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
  return `<Placemark>${xmlElement("name", p.name || p.id)}<ExtendedData>${extended}</ExtendedData>` +
    `<Point><coordinates>${decimal(p.lon)},${decimal(p.lat)}</coordinates></Point></Placemark>\n`;
}

async function writeFolder(out: TextSink, name: string, points: Iterable<ExportPoint>) {
  let open = false;
  for (const p of points) {
    if (!open) await out.write(`<Folder>${xmlElement("name", name)}\n`);
    open = true;
    await out.write(kmlPlacemark(p));
  }
  if (open) await out.write("</Folder>\n");
}

/**
 * Writes a KML document.
 *
 * @example
 * ```ts
 * await writeKml(source, sink, { track: true });
 * ```
 */
export async function writeKml(
  source: ExportSource,
  out: TextSink,
  options: { track: boolean },
): Promise<void> {
  await out.write(
    '<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2">\n' +
      "<Document><name>piwardrive export</name>\n",
  );
  for (const folder of KML_WIFI_FOLDERS) {
    const points = source.points({
      best: true,
      kind: "wifi",
      encryptionType: folder.encryptionType,
    });
    await writeFolder(out, folder.name, points);
  }
  await writeFolder(out, "Bluetooth", source.points({ best: true, kind: "bluetooth" }));
  if (options.track) await writeTrack(source, out);
  await out.write("</Document>\n</kml>\n");
}

async function writeTrack(source: ExportSource, out: TextSink): Promise<void> {
  let segment = 0;
  for (const t of source.track()) {
    if (t.newSegment) {
      await out.write(
        segment === 0
          ? "<Folder><name>GPS track</name>\n"
          : "\n</coordinates></LineString></Placemark>\n",
      );
      segment++;
      await out.write(
        `<Placemark><name>Track segment ${segment}</name>${
          xmlElement("description", `from ${t.time}`)
        }<LineString><tessellate>1</tessellate><coordinates>\n`,
      );
    } else await out.write(" ");
    const alt = t.altM === null ? "" : `,${decimal(t.altM)}`;
    await out.write(`${decimal(t.lon)},${decimal(t.lat)}${alt}`);
  }
  if (segment > 0) await out.write("\n</coordinates></LineString></Placemark>\n</Folder>\n");
}
