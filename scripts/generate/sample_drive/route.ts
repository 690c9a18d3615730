/**
 * The sample drive's route and timeline: a polyline of a few streets east of central Cambridge
 * (UK) and the car's true position once per second, in local metres and in degrees.
 *
 * @module
 */

/** Start of the route, and the origin of the local east/north metre grid. */
export const ORIGIN = { lat: 52.2053, lon: 0.1218 };
/** Metres per degree at 52.2°N (WGS 84); a flat grid is exact enough over two kilometres. */
const M_PER_DEG_LAT = 111_260;
const M_PER_DEG_LON = 68_350;

/** Corners of the route; the car drives them in order. */
const WAYPOINTS: readonly [number, number][] = [
  [52.2053, 0.1218],
  [52.2047, 0.1256],
  [52.2029, 0.1285],
  [52.2023, 0.1342],
  [52.2056, 0.1376],
  [52.208, 0.1352],
  [52.2098, 0.1336],
];

export interface Point {
  /** Metres east and north of {@link ORIGIN}. */
  x: number;
  y: number;
}

/** Where the car truly is at one second of the drive. */
export interface Sample extends Point {
  t: number;
  lat: number;
  lon: number;
  /** Distance driven along the route, metres. */
  s: number;
  speedMps: number;
  /** Heading, degrees from true north. */
  trackDeg: number;
}

export function toLatLon(p: Point): { lat: number; lon: number } {
  return { lat: ORIGIN.lat + p.y / M_PER_DEG_LAT, lon: ORIGIN.lon + p.x / M_PER_DEG_LON };
}

export function distance(a: Point, b: Point): number {
  return Math.hypot(a.x - b.x, a.y - b.y);
}

const CORNERS: Point[] = WAYPOINTS.map(([lat, lon]) => ({
  x: (lon - ORIGIN.lon) * M_PER_DEG_LON,
  y: (lat - ORIGIN.lat) * M_PER_DEG_LAT,
}));
/** Route distance at which each corner is reached. */
const CORNER_S: number[] = CORNERS.reduce<number[]>(
  (acc, p, i) => [...acc, i === 0 ? 0 : acc[i - 1] + distance(CORNERS[i - 1], p)],
  [],
);
export const ROUTE_LENGTH_M = CORNER_S[CORNER_S.length - 1];

/**
 * The point `s` metres along the route, `side` metres to its right (negative: left), with the
 * heading there. Beyond either end the first or last leg is extended.
 */
export function along(s: number, side = 0): Point & { trackDeg: number } {
  let i = 1;
  while (i < CORNERS.length - 1 && s > CORNER_S[i]) i++;
  const a = CORNERS[i - 1];
  const b = CORNERS[i];
  const len = CORNER_S[i] - CORNER_S[i - 1];
  const ux = (b.x - a.x) / len;
  const uy = (b.y - a.y) / len;
  const f = s - CORNER_S[i - 1];
  const trackDeg = (Math.atan2(ux, uy) * 180 / Math.PI + 360) % 360;
  return { x: a.x + ux * f + uy * side, y: a.y + uy * f - ux * side, trackDeg };
}

/** Cruising speed limited near corners, so the car slows for each turn as a driver would. */
function speedLimit(s: number, t: number): number {
  const cruise = 9.2 + 1.0 * Math.sin(t / 11);
  const nearest = Math.min(...CORNER_S.slice(1, -1).map((c) => Math.abs(c - s)));
  return Math.min(cruise, 4.5 + nearest * 0.1);
}

/**
 * One sample per second for `seconds` seconds: parked for the first 6 s, then pulling away,
 * reaching about 8 m/s within 10 s and slowing for corners.
 */
export function drive(seconds: number): Sample[] {
  const out: Sample[] = [];
  let s = 0;
  let v = 0;
  for (let t = 0; t < seconds; t++) {
    const p = along(s);
    out.push({ t, s, speedMps: v, ...p, ...toLatLon(p) });
    const target = t < 6 ? 0 : speedLimit(s, t);
    v = Math.max(0, Math.min(target, v + 1.4, ROUTE_LENGTH_M - s));
    if (v < target && v > target - 0.3) v = target;
    s += v;
  }
  return out;
}
