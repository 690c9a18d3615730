/**
 * What every export format reads: points (sightings, or one per network/device) and the GPS
 * track, read from SQLite in pages of a few hundred rows (keyset pagination on the sort key) so
 * memory does not grow with the database, after the filters (kind, time window, exclusion
 * zones) and the position rule: a row without a valid position — none, out of range, or exactly
 * (0,0), which is "no fix" — is skipped and counted, never written at a made-up place.
 */
import type { DatabaseSync, SQLInputValue } from "node:sqlite";
import { nameText, Owners, setReturnArrays, SQL } from "./columns.ts";
import {
  type DeviceKind,
  type ExportFilter,
  hasPosition,
  isExcluded,
  trackTimeWindow,
} from "./filters.ts";
import { type ExportTrackPoint, segmentTrack, TRACK_COLUMNS } from "./track.ts";

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

/** Which best rows to read: one KML folder's encryption type, null for unknown; all if absent. */
export interface PointQuery {
  best: boolean;
  kind?: DeviceKind;
  encryptionType?: string | null;
}

const PROGRESS_EVERY = 4096;
// Small enough that a page dies young in V8's capped new space (see the start task's V8 flags):
// a page of 4,096 rows was promoted to the old space and made the export three times slower.
const PAGE_ROWS = 256;

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
  *track(): Generator<ExportTrackPoint> {
    const where = ["mode >= 2", "lat IS NOT NULL", "lon IS NOT NULL"];
    const params: SQLInputValue[] = [];
    trackTimeWindow(this.#filter, where, params);
    const pages = this.#pages(TRACK_COLUMNS, "gps_track", where, params, ["system_time", "id"]);
    yield* segmentTrack(
      pages.flatMap((page) => page),
      (lat, lon) => this.#isExcluded(lat, lon),
      this.counts,
      () => this.#tick(),
    );
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
    return isExcluded(this.#filter.exclusions, lat, lon);
  }

  #tick(): void {
    if (++this.#read % PROGRESS_EVERY === 0) this.#progress(this.counts);
  }
}
