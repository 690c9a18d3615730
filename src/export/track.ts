/**
 * The GPS track as an export shows it: 2D/3D fixes in segments that break at exclusion zones,
 * at fixes without a usable position and at gaps of 10 minutes, each segment at least two points
 * long.
 */
import { hasPosition } from "./filters.ts";
import type { ExportCounts } from "./source.ts";

/** A 2D/3D fix of the track. Segments break at exclusion zones and at gaps of 10 minutes. */
export interface ExportTrackPoint {
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

/** The `gps_track` columns `segmentTrack` reads, in its order. */
export const TRACK_COLUMNS = [
  "system_time",
  "gps_time",
  "gps_time_plausible",
  "lat",
  "lon",
  "alt_m",
  "accuracy_m",
  "speed_mps",
] as const;

const TRACK_GAP_MS = 10 * 60_000;

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
 * The segments of `rows` (`TRACK_COLUMNS`, by the Pi's clock), counting points written and
 * points inside an exclusion zone in `counts`; `tick` is called once a row.
 *
 * @example
 * ```ts
 * for (const p of segmentTrack(rows, () => false, counts, () => {})) console.log(p.time);
 * ```
 */
export function* segmentTrack(
  rows: Iterable<unknown[]>,
  isExcluded: (lat: number, lon: number) => boolean,
  counts: ExportCounts,
  tick: () => void,
): Generator<ExportTrackPoint> {
  // A segment's first point waits for its second, so no segment is a lone point.
  let pending: ExportTrackPoint | null = null;
  let open = false;
  let lastMs = NaN;
  for (const row of rows) {
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
    tick();
    const excluded = hasPosition(r.lat, r.lon) && isExcluded(r.lat, r.lon);
    if (excluded) counts.trackExcluded++;
    const ms = Date.parse(r.system_time);
    if (excluded || !hasPosition(r.lat, r.lon) || !(ms - lastMs <= TRACK_GAP_MS)) {
      open = false;
      pending = null;
    }
    lastMs = ms;
    if (excluded || !hasPosition(r.lat, r.lon)) continue;
    const point: ExportTrackPoint = {
      time: r.gps_time_plausible === 1 && r.gps_time !== null ? r.gps_time : r.system_time,
      lat: r.lat,
      lon: r.lon,
      altM: r.alt_m,
      accuracyM: r.accuracy_m,
      speedMps: r.speed_mps,
      newSegment: false,
    };
    if (open) {
      counts.trackPoints++;
      yield point;
    } else if (pending !== null) {
      counts.trackPoints += 2;
      yield pending;
      yield point;
      pending = null;
      open = true;
    } else {
      pending = { ...point, newSegment: true };
    }
  }
}
