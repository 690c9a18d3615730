/**
 * What a report shows, read from the database in one pass with flat memory: the points (every
 * network and device at its best position, through the export's reader, so `--since`, `--until`
 * and the privacy zones act exactly as in `export`) stream out as they are read, while the
 * figures of the summary and the charts are counted on the way; the track and the health come
 * after. Only the figures are held: per channel, per minute, per vendor, never per point.
 */
import type { DatabaseSync, SQLInputValue } from "node:sqlite";
import {
  distanceM,
  ensureTables,
  EXPORT_TABLES,
  type ExportFilter,
  ExportSource,
  trackTimeWindow,
} from "../export/mod.ts";

/** Encryption classes, in the order of the page's legend; Bluetooth devices are the last. */
export const CLASSES = ["WPA3", "WPA2", "WPA", "WEP", "Open", "Unknown", "Bluetooth"] as const;

/** Signal histogram bins: the lower edge of each 10 dB bin; below the first counts in it. */
export const SIGNAL_BINS = [-100, -90, -80, -70, -60, -50, -40, -30] as const;

/** Health rows kept for the chart at most (every n-th row of a longer drive). */
const HEALTH_POINTS = 600;

/** One bar of a chart: its label and its count. */
export type Bar = [label: string, count: number];

/** The figures of the summary and the charts. */
export interface ReportFigures {
  summary: {
    from: string | null;
    to: string | null;
    durationS: number;
    distanceM: number;
    networks: number;
    networksNew: number;
    devices: number;
    gpsReports: number;
    gpsFixes: number;
    noPosition: number;
    excluded: number;
  };
  channels: { "2.4 GHz": Bar[]; "5 GHz": Bar[]; "6 GHz": Bar[] };
  encryption: Bar[];
  signal: Bar[];
  newPerMinute: Bar[];
  bluetoothClasses: Bar[];
  vendors: Bar[];
  /** [time, CPU °C, memory %, disk %] */
  health: [string, number | null, number | null, number | null][];
}

/**
 * A point of the page: `[lat, lon, class, name, id, vendor, channel, signal, firstSeen,
 * lastSeen, deviceType]`, `class` an index into {@link CLASSES}.
 */
export type PagePoint = [
  number,
  number,
  number,
  string | null,
  string,
  string | null,
  number | null,
  number | null,
  string | null,
  string | null,
  string | null,
];

/** The class of an `encryption` value, as the `encryption_type` column computes it. */
export function encryptionClass(encryption: string | null): number {
  if (encryption === null) return CLASSES.indexOf("Unknown");
  const e = encryption.toUpperCase();
  for (const c of ["WPA3", "WPA2", "WPA", "WEP"] as const) {
    if (e.includes(c)) return CLASSES.indexOf(c);
  }
  return CLASSES.indexOf("Open");
}

/** The band of a frequency in MHz, or null. */
export function bandOf(freqMhz: number | null): keyof ReportFigures["channels"] | null {
  if (freqMhz === null) return null;
  if (freqMhz >= 2400 && freqMhz < 2500) return "2.4 GHz";
  if (freqMhz >= 5150 && freqMhz < 5925) return "5 GHz";
  if (freqMhz >= 5925 && freqMhz < 7125) return "6 GHz";
  return null;
}

const round6 = (n: number) => Math.round(n * 1e6) / 1e6;

/**
 * Reads one report. Call {@link points}, then {@link track}, then {@link figures}; inside one
 * read transaction for one snapshot.
 */
export class ReportReader {
  readonly #db: DatabaseSync;
  readonly #filter: ExportFilter;
  readonly #source: ExportSource;
  readonly #channels = { "2.4 GHz": new Map(), "5 GHz": new Map(), "6 GHz": new Map() } as Record<
    keyof ReportFigures["channels"],
    Map<number, number>
  >;
  readonly #classes = new Map<string, number>();
  readonly #signal = new Array<number>(SIGNAL_BINS.length).fill(0);
  readonly #minutes = new Map<string, number>();
  readonly #btClasses = new Map<string, number>();
  readonly #vendors = new Map<string, number>();
  #networks = 0;
  #networksNew = 0;
  #devices = 0;
  #from: string | null = null;
  #to: string | null = null;
  #distance = 0;

  constructor(db: DatabaseSync, filter: ExportFilter) {
    this.#db = db;
    this.#filter = filter;
    this.#source = new ExportSource(db, filter);
  }

  /** Every WiFi network, then every Bluetooth device, at its best position. */
  *points(): Generator<PagePoint> {
    // The export's point carries no WiFi vendor; one indexed look-up per network (bssid is unique).
    const vendorOf = this.#db.prepare("SELECT vendor FROM wifi_networks WHERE bssid = ?");
    for (const p of this.#source.points({ best: true })) {
      this.#seen(p.firstSeen);
      this.#seen(p.lastSeen);
      let cls: number;
      let vendor: string | null;
      if (p.kind === "wifi") {
        this.#networks++;
        if (this.#filter.since === null || (p.firstSeen ?? "") >= this.#filter.since) {
          this.#networksNew++;
          if (p.firstSeen !== null) count(this.#minutes, p.firstSeen.slice(0, 16));
        }
        cls = encryptionClass(p.encryption);
        vendor = (vendorOf.get(p.id)?.vendor as string | null | undefined) ?? null;
        const band = bandOf(p.freqMhz);
        if (band !== null && p.channel !== null) count(this.#channels[band], p.channel);
        if (p.signalDbm !== null) {
          let bin = 0;
          while (bin + 1 < SIGNAL_BINS.length && p.signalDbm >= SIGNAL_BINS[bin + 1]) bin++;
          this.#signal[bin]++;
        }
      } else {
        this.#devices++;
        cls = CLASSES.indexOf("Bluetooth");
        vendor = p.manufacturer;
        count(this.#btClasses, p.deviceType ?? "unknown");
      }
      count(this.#classes, CLASSES[cls]);
      if (vendor !== null && p.kind === "wifi") count(this.#vendors, vendor);
      yield [
        round6(p.lat),
        round6(p.lon),
        cls,
        p.name,
        p.id,
        vendor,
        p.channel,
        p.signalDbm,
        p.firstSeen,
        p.lastSeen,
        p.deviceType,
      ];
    }
  }

  /** The track's segments' points as `[lat, lon, newSegment]` (1 starts a segment). */
  *track(): Generator<[number, number, 0 | 1]> {
    let last: { lat: number; lon: number } | null = null;
    for (const t of this.#source.track()) {
      this.#seen(t.time);
      if (!t.newSegment && last !== null) {
        this.#distance += distanceM(last.lat, last.lon, t.lat, t.lon);
      }
      last = t;
      yield [round6(t.lat), round6(t.lon), t.newSegment ? 1 : 0];
    }
  }

  /** The figures, once the points and the track were read. */
  figures(): ReportFigures {
    const where: string[] = [];
    const params: SQLInputValue[] = [];
    trackTimeWindow(this.#filter, where, params);
    const gps = this.#db.prepare(
      `SELECT count(*) AS n, coalesce(sum(mode >= 2), 0) AS fixes FROM gps_track${clause(where)}`,
    ).get(...params) as { n: number; fixes: number };
    const from = this.#from === null ? null : Date.parse(this.#from);
    const to = this.#to === null ? null : Date.parse(this.#to);
    const { counts } = this.#source;
    return {
      summary: {
        from: this.#from,
        to: this.#to,
        durationS: from !== null && to !== null ? Math.round((to - from) / 1000) : 0,
        distanceM: Math.round(this.#distance),
        networks: this.#networks,
        networksNew: this.#networksNew,
        devices: this.#devices,
        gpsReports: gps.n,
        gpsFixes: gps.fixes,
        noPosition: counts.noPosition,
        excluded: counts.excluded,
      },
      channels: {
        "2.4 GHz": sortedBars(this.#channels["2.4 GHz"]),
        "5 GHz": sortedBars(this.#channels["5 GHz"]),
        "6 GHz": sortedBars(this.#channels["6 GHz"]),
      },
      encryption: CLASSES.map((c): Bar => [c, this.#classes.get(c) ?? 0]).filter((b) => b[1] > 0),
      signal: SIGNAL_BINS.map((edge, i): Bar => [`${edge}`, this.#signal[i]]),
      newPerMinute: this.#perMinute(),
      bluetoothClasses: [...this.#btClasses].sort((a, b) => b[1] - a[1] || cmp(a[0], b[0])),
      vendors: [...this.#vendors].sort((a, b) => b[1] - a[1] || cmp(a[0], b[0])).slice(0, 10),
      health: this.#health(),
    };
  }

  /** Every minute from the first new network to the last, empty minutes included. */
  #perMinute(): Bar[] {
    const keys = [...this.#minutes.keys()].sort();
    if (keys.length === 0) return [];
    const out: Bar[] = [];
    const end = Date.parse(`${keys.at(-1)}:00Z`);
    for (let t = Date.parse(`${keys[0]}:00Z`); t <= end; t += 60_000) {
      const key = new Date(t).toISOString().slice(0, 16);
      out.push([key.slice(11), this.#minutes.get(key) ?? 0]);
    }
    return out;
  }

  /** Health rows of the window, every n-th so the chart holds at most HEALTH_POINTS. */
  #health(): ReportFigures["health"] {
    const where: string[] = [];
    const params: SQLInputValue[] = [];
    if (this.#filter.since !== null) {
      where.push("timestamp >= ?");
      params.push(this.#filter.since);
    }
    if (this.#filter.until !== null) {
      where.push("timestamp < ?");
      params.push(this.#filter.until);
    }
    const { n } = this.#db.prepare(`SELECT count(*) AS n FROM health_records${clause(where)}`)
      .get(...params) as { n: number };
    const step = Math.max(1, Math.ceil(n / HEALTH_POINTS));
    const out: ReportFigures["health"] = [];
    let i = 0;
    for (
      const r of this.#db.prepare(
        `SELECT timestamp, cpu_temp, memory_percent, disk_percent FROM health_records${
          clause(where)
        } ORDER BY timestamp, id`,
      ).iterate(...params)
    ) {
      if (i++ % step !== 0) continue;
      out.push([
        r.timestamp as string,
        r.cpu_temp as number | null,
        r.memory_percent as number | null,
        r.disk_percent as number | null,
      ]);
    }
    return out;
  }

  /** Widens the drive's span to `time`, clipped to the window. */
  #seen(time: string | null): void {
    if (time === null) return;
    const { since, until } = this.#filter;
    if (since !== null && time < since) time = since;
    if (until !== null && time > until) time = until;
    if (this.#from === null || time < this.#from) this.#from = time;
    if (this.#to === null || time > this.#to) this.#to = time;
  }
}

function count<K>(map: Map<K, number>, key: K): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function sortedBars(map: Map<number, number>): Bar[] {
  return [...map].sort((a, b) => a[0] - b[0]).map(([k, v]): Bar => [String(k), v]);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function clause(where: string[]): string {
  return where.length > 0 ? ` WHERE ${where.join(" AND ")}` : "";
}

/** Every table a report and the live view read; an older schema needs `piwardrive migrate`. */
export function ensureReportSchema(db: DatabaseSync, dbPath: string): void {
  ensureTables(db, [...EXPORT_TABLES, "health_records"], `Cannot read "${dbPath}"`);
}
