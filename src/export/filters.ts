/**
 * What an export may include: the device kinds, the time window and the exclusion zones, the
 * parsing of `--since`/`--until` and `--exclude` into them, and the position rule every point
 * and track fix must pass.
 */
import type { SQLInputValue } from "node:sqlite";

export type DeviceKind = "wifi" | "bluetooth";

/** A privacy zone (home, work): nothing within `radiusM` metres of the centre is exported. */
export interface ExclusionZone {
  lat: number;
  lon: number;
  radiusM: number;
}

/** What to export. Times are UTC ISO-8601 (`parseTimeBound`); `since` inclusive, `until` not. */
export interface ExportFilter {
  kinds: readonly DeviceKind[];
  since: string | null;
  until: string | null;
  exclusions: readonly ExclusionZone[];
  /**
   * Sightings of this WiGLE upload batch only (`upload_batches.id`), or of none (null);
   * best rows ignore it.
   */
  uploadBatch?: number | null;
}

/** A usable position: finite, in range, and not (0,0), which receivers report for no fix. */
export function hasPosition(lat: number, lon: number): boolean {
  return Number.isFinite(lat) && Number.isFinite(lon) && Math.abs(lat) <= 90 &&
    Math.abs(lon) <= 180 && !(lat === 0 && lon === 0);
}

const EARTH_RADIUS_M = 6_371_008.8; // IUGG mean radius

/**
 * Great-circle distance in metres (haversine).
 *
 * @example
 * ```ts
 * distanceM(0, 0, 0, 1); // ≈ 111195
 * ```
 */
export function distanceM(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLon = (lon2 - lon1) * rad;
  const h = Math.sin(dLat / 2) ** 2 +
    Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Adds the filter's time window on `gps_track.system_time` (the Pi's clock) to a query. */
export function trackTimeWindow(
  filter: Pick<ExportFilter, "since" | "until">,
  where: string[],
  params: SQLInputValue[],
): void {
  if (filter.since !== null) {
    where.push("system_time >= ?");
    params.push(filter.since);
  }
  if (filter.until !== null) {
    where.push("system_time < ?");
    params.push(filter.until);
  }
}

/** Whether `lat`,`lon` lies within one of `zones`. */
export function isExcluded(zones: readonly ExclusionZone[], lat: number, lon: number): boolean {
  return zones.some((z) => distanceM(lat, lon, z.lat, z.lon) <= z.radiusM);
}

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$/i;
/** Words Number() accepts that name no place: refused with the field's own message. */
const NOT_FINITE = /^[+-]?(?:nan|inf|infinity)$/i;
/** Half the Earth's circumference, rounded down: a larger zone would cover the whole planet. */
const MAX_RADIUS_M = 20_000_000;

/**
 * `LAT,LON,RADIUS_M` (decimal degrees, metres) as an exclusion zone.
 *
 * @example
 * ```ts
 * parseExclusionZone("52.52,13.405,250"); // { lat: 52.52, lon: 13.405, radiusM: 250 }
 * ```
 */
export function parseExclusionZone(text: string): ExclusionZone {
  const parts = text.split(",").map((p) => p.trim());
  if (parts.length !== 3 || !parts.every((p) => NUMBER.test(p) || NOT_FINITE.test(p))) {
    throw new SyntaxError(`Expected LAT,LON,RADIUS_M like 52.52,13.405,250`);
  }
  // Number() of "1e309" is Infinity and of "NaN" is NaN: neither may reach the distance sums.
  const [lat, lon, radiusM] = parts.map(Number);
  if (!(Math.abs(lat) <= 90)) {
    throw new RangeError(`Latitude ${parts[0]} must be a finite number of degrees within -90..90`);
  }
  if (!(Math.abs(lon) <= 180)) {
    throw new RangeError(
      `Longitude ${parts[1]} must be a finite number of degrees within -180..180`,
    );
  }
  if (!(radiusM > 0 && radiusM <= MAX_RADIUS_M)) {
    throw new RangeError(
      `Radius ${
        parts[2]
      } must be a finite number of metres, more than 0 and at most 20000000 (20,000 km)`,
    );
  }
  return { lat, lon, radiusM };
}

// Groups: year, month, day, hour, minute, second, fraction, "Z", offset sign, hours, minutes.
const ISO_TIME =
  /^(\d{4})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,9}))?)?(?:(Z)|([+-])(\d\d)(?::?(\d\d))?)?)?$/i;

/**
 * An ISO-8601 date (`2024-06-01`, midnight UTC) or date-time (`2024-06-01T14:30`,
 * `…:05.250Z`, `…+02:00`; UTC when it has no zone) as the UTC form the database stores,
 * `2024-06-01T14:30:05.250Z`, which compares correctly as text.
 *
 * @example
 * ```ts
 * parseTimeBound("2024-06-01T16:30+02:00"); // "2024-06-01T14:30:00.000Z"
 * ```
 */
export function parseTimeBound(text: string): string {
  const m = ISO_TIME.exec(text.trim());
  if (!m) {
    throw new SyntaxError(
      "Expected an ISO-8601 date or date-time like 2024-06-01, 2024-06-01T14:30:00Z or 2024-06-01T16:30+02:00",
    );
  }
  const [year, month, day, hour, minute, second, offsetH, offsetM] = [1, 2, 3, 4, 5, 6, 10, 11]
    .map((i) => Number(m[i] ?? 0));
  const ms = Number((m[7] ?? "").padEnd(3, "0").slice(0, 3));
  const offsetMin = (m[9] === "-" ? -1 : 1) * (offsetH * 60 + offsetM);
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  if (
    month < 1 || month > 12 || date.getUTCDate() !== day || hour > 23 || minute > 59 ||
    second > 59 || offsetH > 23 || offsetM > 59
  ) {
    throw new RangeError("No such date or time: a field is out of range");
  }
  date.setUTCHours(hour, minute - offsetMin, second, ms);
  return date.toISOString();
}
