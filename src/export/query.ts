/**
 * What every export format reads: points (sightings, or one per network/device) and the GPS
 * track, read from SQLite in pages of a few hundred rows (keyset pagination on the sort key) so
 * memory does not grow with the database, after the filters (kind, time window, exclusion
 * zones) and the position rule: a row without a valid position — none, out of range, or exactly
 * (0,0), which is "no fix" — is skipped and counted, never written at a made-up place.
 */
import type { DatabaseSync, SQLInputValue, StatementSync } from "node:sqlite";

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

/** Running totals, reported in the summary. */
export interface ExportCounts {
  /** Points handed to the format (each becomes one row, placemark, waypoint or feature). */
  written: number;
  /** Points skipped for having no valid position (none, out of range, or (0,0)). */
  noPosition: number;
  /** Points inside an exclusion zone. */
  excluded: number;
  trackPoints: number;
  trackExcluded: number;
}

/** A WiFi network or Bluetooth device at one place: a sighting, or its stored best position. */
export interface ExportPoint {
  kind: DeviceKind;
  /** BSSID or Bluetooth address. */
  id: string;
  /** SSID or device name. */
  name: string | null;
  /** `wifi_networks.encryption`, e.g. "WPA3-SAE/WPA2-PSK"; null for Bluetooth. */
  encryption: string | null;
  deviceType: string | null;
  manufacturer: string | null;
  /** When this sighting was made; null for a best-position row. */
  seenAt: string | null;
  firstSeen: string | null;
  lastSeen: string | null;
  signalDbm: number | null;
  channel: number | null;
  freqMhz: number | null;
  lat: number;
  lon: number;
  altM: number | null;
  accuracyM: number | null;
}

/** A 2D/3D fix of the track. Segments break at exclusion zones and at gaps of 10 minutes. */
export interface TrackPoint {
  /** GPS time when the receiver's clock was believed, else the Pi's clock. */
  time: string;
  lat: number;
  lon: number;
  altM: number | null;
  accuracyM: number | null;
  speedMps: number | null;
  /** The first point of a segment; every segment has at least two points. */
  newSegment: boolean;
}

/** Which best rows to read: one KML folder's encryption type, null for unknown; all if absent. */
export interface PointQuery {
  best: boolean;
  kind?: DeviceKind;
  encryptionType?: string | null;
}

const TRACK_GAP_MS = 10 * 60_000;
const PROGRESS_EVERY = 4096;
// Small enough that a page dies young in V8's capped new space (see the start task's V8 flags):
// a page of 4,096 rows was promoted to the old space and made the export three times slower.
const PAGE_ROWS = 256;

// node:sqlite cuts TEXT at the first NUL, and an SSID or device name may hold one: such a value
// is read as bytes and decoded (invalid UTF-8 becomes U+FFFD). Only those: decoding every name
// would cost a third of the export's time.
const NAME = (sql: string) =>
  `CASE WHEN instr(${sql}, char(0)) THEN CAST(${sql} AS BLOB) ELSE ${sql} END`;
const NAME_DECODER = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

/** A name read through `NAME`: text, or the bytes of one holding NUL, decoded. */
function nameText(value: unknown): string | null {
  return value instanceof Uint8Array ? NAME_DECODER.decode(value) : value as string | null;
}

/** What a network or device gives each of its points. */
interface Owner {
  id: string;
  name: string | null;
  encryption: string | null;
  deviceType: string | null;
  manufacturer: string | null;
  firstSeen: string | null;
  lastSeen: string | null;
}

/**
 * How points are read. Each value node:sqlite hands over costs time (a string most, a NULL too),
 * so a page row holds only what varies by point, in this order: `ownerId, name, seenAt,
 * signalDbm, channel, freqMhz, lat, lon, altM, accuracyM` (`name` NULL when it is the owner's);
 * what a network or device gives all its points (`Owner`, in that order) is read once per owner.
 * Reading sightings so takes about 30 % less time.
 */
const SQL = {
  wifi: {
    owners: `SELECT id, bssid, ${
      NAME("ssid")
    }, encryption, NULL, NULL, first_seen, last_seen FROM wifi_networks`,
    sightings: {
      columns: [
        "s.network_id",
        `CASE WHEN s.ssid IS NULL OR s.ssid IS n.ssid THEN NULL ELSE ${NAME("s.ssid")} END`,
        "s.seen_at",
        "s.signal_dbm",
        "coalesce(s.channel, n.channel)",
        "coalesce(s.frequency, n.frequency)",
        "s.gps_lat",
        "s.gps_lon",
        "s.gps_alt",
        "s.gps_accuracy",
      ],
      from: "wifi_sightings AS s JOIN wifi_networks AS n ON n.id = s.network_id",
      keys: ["s.seen_at", "s.id"],
    },
    best: {
      columns: [
        "id",
        "NULL",
        "NULL",
        "signal_strength",
        "channel",
        "frequency",
        "gps_lat",
        "gps_lon",
        "NULL",
        "gps_accuracy",
      ],
      from: "wifi_networks",
      keys: ["id"],
    },
  },
  bluetooth: {
    owners: `SELECT id, address, ${
      NAME("name")
    }, NULL, device_type, manufacturer, first_seen, last_seen FROM bluetooth_devices`,
    sightings: {
      columns: [
        "s.device_id",
        `CASE WHEN s.name IS NULL OR s.name IS d.name THEN NULL ELSE ${NAME("s.name")} END`,
        "s.seen_at",
        "s.rssi_dbm",
        "NULL",
        "NULL",
        "s.gps_lat",
        "s.gps_lon",
        "s.gps_alt",
        "s.gps_accuracy",
      ],
      from: "bluetooth_sightings AS s JOIN bluetooth_devices AS d ON d.id = s.device_id",
      keys: ["s.seen_at", "s.id"],
    },
    best: {
      columns: [
        "id",
        "NULL",
        "NULL",
        "rssi",
        "NULL",
        "NULL",
        "gps_lat",
        "gps_lon",
        "NULL",
        "gps_accuracy",
      ],
      from: "bluetooth_devices",
      keys: ["id"],
    },
  },
};

// A drive sees the same networks tick after tick; keeping no more bounds the memory.
const OWNERS_KEPT = 4096;

/** Networks or devices by row id, read for a page's points and kept for the next pages. */
class Owners {
  readonly #owners = new Map<number, Owner>();
  readonly #read: StatementSync;

  constructor(db: DatabaseSync, select: string) {
    this.#read = db.prepare(`${select} WHERE id IN (SELECT value FROM json_each(?))`);
    setReturnArrays(this.#read);
  }

  /** Reads the owners of `ids` not kept yet, in one query. */
  load(ids: readonly number[]): void {
    let missing = ids.filter((id) => !this.#owners.has(id));
    if (missing.length === 0) return;
    if (this.#owners.size + missing.length > OWNERS_KEPT) {
      // All forgotten at once, and all of this page's read again.
      this.#owners.clear();
      missing = [...ids];
    }
    for (const r of this.#read.all(JSON.stringify(missing)) as unknown as unknown[][]) {
      this.#owners.set(r[0] as number, {
        id: r[1] as string,
        name: nameText(r[2]),
        encryption: r[3] as string | null,
        deviceType: r[4] as string | null,
        manufacturer: r[5] as string | null,
        firstSeen: r[6] as string | null,
        lastSeen: r[7] as string | null,
      });
    }
  }

  /** A loaded owner. */
  get(id: number): Owner {
    return this.#owners.get(id)!;
  }
}

/** Rows as arrays: node:sqlite builds them faster than objects. */
function setReturnArrays(statement: StatementSync): void {
  (statement as unknown as { setReturnArrays(on: boolean): void }).setReturnArrays(true);
}

interface RawTrackPoint {
  system_time: string;
  gps_time: string | null;
  gps_time_plausible: number;
  lat: number;
  lon: number;
  alt_m: number | null;
  accuracy_m: number | null;
  speed_mps: number | null;
}

/**
 * The filtered, counted rows of one database. Each generator holds a page of rows at a time,
 * read by a few statements (points: with their networks' or devices' own, read separately); run
 * them inside a read transaction for one consistent snapshot.
 *
 * @example
 * ```ts
 * const source = new ExportSource(db, { kinds: ["wifi"], since: null, until: null, exclusions: [] });
 * for (const p of source.points({ best: true })) console.log(p.id, p.lat, p.lon);
 * console.log(source.counts.noPosition);
 * ```
 */
export class ExportSource {
  readonly counts: ExportCounts = {
    written: 0,
    noPosition: 0,
    excluded: 0,
    trackPoints: 0,
    trackExcluded: 0,
  };
  readonly #db: DatabaseSync;
  readonly #filter: ExportFilter;
  readonly #progress: (counts: ExportCounts) => void;
  #read = 0;

  constructor(
    db: DatabaseSync,
    filter: ExportFilter,
    progress: (counts: ExportCounts) => void = () => {},
  ) {
    this.#db = db;
    this.#filter = filter;
    this.#progress = progress;
  }

  /** Whether the filter asks for `kind`. */
  wants(kind: DeviceKind): boolean {
    return this.#filter.kinds.includes(kind);
  }

  /** Points of the wanted kinds (WiFi first), sightings by time, or best rows by id. */
  *points(query: PointQuery): Generator<ExportPoint> {
    for (const kind of ["wifi", "bluetooth"] as const) {
      if (!this.wants(kind) || (query.kind !== undefined && query.kind !== kind)) continue;
      const sql = query.best ? SQL[kind].best : SQL[kind].sightings;
      const where: string[] = [];
      const params: SQLInputValue[] = [];
      this.#timeWindow(query.best, where, params);
      if (kind === "wifi" && query.best && query.encryptionType !== undefined) {
        where.push("encryption_type IS ?");
        params.push(query.encryptionType);
      }
      const owners = new Owners(this.#db, SQL[kind].owners);
      for (const rows of this.#pages(sql.columns, sql.from, where, params, sql.keys)) {
        const kept = rows.filter((r) => {
          this.#tick();
          // Columns in SQL order: ownerId, name, seenAt, signalDbm, channel, freqMhz, lat, lon…
          const lat = r[6] as number | null;
          const lon = r[7] as number | null;
          if (lat === null || lon === null || !hasPosition(lat, lon)) {
            this.counts.noPosition++;
            return false;
          }
          if (this.#isExcluded(lat, lon)) {
            this.counts.excluded++;
            return false;
          }
          return true;
        });
        owners.load(kept.map((r) => r[0] as number));
        for (const r of kept) {
          const owner = owners.get(r[0] as number);
          this.counts.written++;
          // A fresh object of one fixed shape (formatters read it fast), made as it is handed
          // over: with a page of them alive at once, V8 took to allocating them in the old
          // space (pretenuring), and the export's memory grew by a third.
          yield {
            kind,
            id: owner.id,
            name: r[1] === null ? owner.name : nameText(r[1]),
            encryption: owner.encryption,
            deviceType: owner.deviceType,
            manufacturer: owner.manufacturer,
            seenAt: r[2] as string | null,
            firstSeen: owner.firstSeen,
            lastSeen: owner.lastSeen,
            signalDbm: r[3] as number | null,
            channel: r[4] as number | null,
            freqMhz: r[5] as number | null,
            lat: r[6] as number,
            lon: r[7] as number,
            altM: r[8] as number | null,
            accuracyM: r[9] as number | null,
          };
        }
      }
    }
  }

  /** The track's 2D/3D fixes by the Pi's clock, in segments of at least two points. */
  *track(): Generator<TrackPoint> {
    const where = ["mode >= 2", "lat IS NOT NULL", "lon IS NOT NULL"];
    const params: SQLInputValue[] = [];
    if (this.#filter.since !== null) {
      where.push("system_time >= ?");
      params.push(this.#filter.since);
    }
    if (this.#filter.until !== null) {
      where.push("system_time < ?");
      params.push(this.#filter.until);
    }
    const pages = this.#pages(
      [
        "system_time",
        "gps_time",
        "gps_time_plausible",
        "lat",
        "lon",
        "alt_m",
        "accuracy_m",
        "speed_mps",
      ],
      "gps_track",
      where,
      params,
      ["system_time", "id"],
    );
    // A segment's first point waits for its second, so no segment is a lone point.
    let pending: TrackPoint | null = null;
    let open = false;
    let lastMs = NaN;
    for (const row of pages.flatMap((page) => page)) {
      const [systemTime, gpsTime, plausible, lat, lon, altM, accuracyM, speedMps] = row as [
        string,
        string | null,
        number,
        number,
        number,
        number | null,
        number | null,
        number | null,
      ];
      const r = {
        system_time: systemTime,
        gps_time: gpsTime,
        gps_time_plausible: plausible,
        lat,
        lon,
        alt_m: altM,
        accuracy_m: accuracyM,
        speed_mps: speedMps,
      } satisfies RawTrackPoint;
      this.#tick();
      const excluded = hasPosition(r.lat, r.lon) && this.#isExcluded(r.lat, r.lon);
      if (excluded) this.counts.trackExcluded++;
      const ms = Date.parse(r.system_time);
      if (excluded || !hasPosition(r.lat, r.lon) || !(ms - lastMs <= TRACK_GAP_MS)) {
        open = false;
        pending = null;
      }
      lastMs = ms;
      if (excluded || !hasPosition(r.lat, r.lon)) continue;
      const point: TrackPoint = {
        time: r.gps_time_plausible === 1 && r.gps_time !== null ? r.gps_time : r.system_time,
        lat: r.lat,
        lon: r.lon,
        altM: r.alt_m,
        accuracyM: r.accuracy_m,
        speedMps: r.speed_mps,
        newSegment: false,
      };
      if (open) {
        this.counts.trackPoints++;
        yield point;
      } else if (pending !== null) {
        this.counts.trackPoints += 2;
        yield pending;
        yield point;
        pending = null;
        open = true;
      } else {
        pending = { ...point, newSegment: true };
      }
    }
  }

  /**
   * The rows of `SELECT columns FROM from WHERE where ORDER BY keys`, a page at a time: each page
   * starts after the last key of the one before (a key not among the columns is added after
   * them). node:sqlite returns a page with `all()` several times faster than it steps `iterate()`
   * row by row, and a page bounds the memory held.
   */
  *#pages(
    columns: readonly string[],
    from: string,
    where: readonly string[],
    params: readonly SQLInputValue[],
    keys: readonly string[],
  ): Generator<unknown[][]> {
    const selected = [...columns];
    const keyAt = keys.map((k) =>
      selected.includes(k) ? selected.indexOf(k) : selected.push(k) - 1
    );
    const after = `(${keys.join(", ")}) > (${keys.map(() => "?").join(", ")})`;
    const statement = (conditions: readonly string[]) => {
      const prepared = this.#db.prepare(
        `SELECT ${selected.join(", ")} FROM ${from}${
          conditions.length ? ` WHERE ${conditions.join(" AND ")}` : ""
        } ORDER BY ${keys.join(", ")} LIMIT ${PAGE_ROWS}`,
      );
      setReturnArrays(prepared);
      return prepared;
    };
    let rows = statement(where).all(...params) as unknown as unknown[][];
    const next = statement([...where, after]);
    for (;;) {
      const last = rows.at(-1);
      const lastKey = keyAt.map((i) => last?.[i] as SQLInputValue);
      yield rows;
      if (rows.length < PAGE_ROWS) return;
      rows = next.all(...params, ...lastKey) as unknown as unknown[][];
    }
  }

  /** Sightings by their time; a best row by whether [first_seen, last_seen] meets the window. */
  #timeWindow(best: boolean, where: string[], params: SQLInputValue[]): void {
    const { since, until } = this.#filter;
    if (since !== null) {
      where.push(best ? "last_seen >= ?" : "s.seen_at >= ?");
      params.push(since);
    }
    if (until !== null) {
      where.push(best ? "first_seen < ?" : "s.seen_at < ?");
      params.push(until);
    }
    const batch = this.#filter.uploadBatch;
    if (!best && batch === null) where.push("s.upload_batch IS NULL");
    if (!best && batch !== undefined && batch !== null) {
      where.push("s.upload_batch = ?");
      params.push(batch);
    }
  }

  #isExcluded(lat: number, lon: number): boolean {
    return this.#filter.exclusions.some((z) => distanceM(lat, lon, z.lat, z.lon) <= z.radiusM);
  }

  #tick(): void {
    if (++this.#read % PROGRESS_EVERY === 0) this.#progress(this.counts);
  }
}

/** A usable position: finite, in range, and not (0,0), which receivers report for no fix. */
function hasPosition(lat: number, lon: number): boolean {
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

/**
 * A number in plain decimal notation, never exponent form (`1e-7` is not a valid `xsd:decimal`
 * for GPX/KML, and WiGLE's importer expects plain numbers); "" for NaN or ±Infinity.
 *
 * @example
 * ```ts
 * decimal(1.5e-7); // "0.00000015"
 * ```
 */
export function decimal(n: number): string {
  if (!Number.isFinite(n)) return "";
  const text = String(n);
  const e = text.indexOf("e");
  if (e < 0) return text;
  const sign = n < 0 ? "-" : "";
  const mantissa = text.slice(sign.length, e);
  const digits = mantissa.replace(".", "");
  const dot = mantissa.includes(".") ? mantissa.indexOf(".") : mantissa.length;
  const point = dot + Number(text.slice(e + 1));
  if (point <= 0) return `${sign}0.${"0".repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${"0".repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}
