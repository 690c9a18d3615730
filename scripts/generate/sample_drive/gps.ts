/**
 * What `gpspipe -w` prints while gpsd follows a u-blox receiver on /dev/ttyACM0 through the sample
 * drive: VERSION/DEVICES/WATCH once, then one TPV per second and one SKY every 10 s. The receiver
 * starts cold: no fix (mode 1, time only), then 2D, then 3D, with the accuracy estimate shrinking
 * as more satellites are used. Numbers carry gpsd's own precision (`lat` 9 decimals, …).
 *
 * @module
 */
import type { Rng } from "../../lib/random.ts";
import type { Sample } from "./route.ts";

const DEVICE = "/dev/ttyACM0";
/** Second of the drive at which the receiver reports a 2D fix, then a 3D fix. */
export const FIX_2D_AT_S = 15;
export const FIX_3D_AT_S = 25;
/** Geoid separation at Cambridge (EGM96), metres: altHAE = altMSL + this. */
const GEOID_SEP_M = 45.6;
const M_PER_DEG_LAT = 111_260;
const M_PER_DEG_LON = 68_350;

/** The sky during the drive: GPS PRN, elevation, azimuth; two GLONASS satellites (PRN 65+). */
const SATELLITES: readonly [number, number, number][] = [
  [2, 61, 134],
  [5, 48, 271],
  [10, 12, 32],
  [12, 35, 58],
  [15, 22, 198],
  [18, 70, 305],
  [25, 29, 110],
  [29, 17, 241],
  [66, 44, 87],
  [75, 26, 322],
];

export const HEADER_LINES = [
  '{"class":"VERSION","release":"3.25","rev":"3.25","proto_major":3,"proto_minor":15}',
  `{"class":"DEVICES","devices":[{"class":"DEVICE","path":"${DEVICE}","driver":"u-blox",` +
  '"subtype":"SW ROM CORE 3.01 (107888),HW 00080000","activated":"2026-11-01T09:59:58.412Z",' +
  '"flags":1,"native":1,"bps":9600,"parity":"N","stopbits":1,"cycle":1.00,"mincycle":0.25}]}',
  '{"class":"WATCH","enable":true,"json":true,"nmea":false,"raw":0,"scaled":false,' +
  '"timing":false,"split24":false,"pps":false}',
];

const START_MS = Date.UTC(2026, 10, 1, 10, 0, 0);

/** gpsd's ISO 8601 time with milliseconds. */
export function gpsTime(second: number): string {
  return new Date(START_MS + second * 1000).toISOString();
}

const f = (n: number, digits: number) => n.toFixed(digits);

/** Keeps the receiver's slowly wandering position error and its satellite count between ticks. */
export class Receiver {
  #rng: Rng;
  #errN = 0;
  #errE = 0;
  #altMsl = 11.8;

  constructor(rng: Rng) {
    this.#rng = rng;
  }

  /** Satellites used at second `t`: none at first, three for 2D, six to nine for 3D. */
  used(t: number): number {
    if (t < FIX_2D_AT_S) return Math.floor(t / 6);
    if (t < FIX_3D_AT_S) return 3;
    return Math.min(9, 5 + Math.floor((t - FIX_3D_AT_S) / 12) + (t % 17 < 3 ? -1 : 0));
  }

  /** 95 % horizontal error: about 12 m at the first 3D fix, 3–5 m later. */
  #eph(t: number): number {
    if (t < FIX_3D_AT_S) return 24 + this.#rng.range(-2, 3);
    return 3 + 7 * Math.exp(-(t - FIX_3D_AT_S) / 25) + (9 - this.used(t)) * 0.3 +
      this.#rng.range(0, 0.5);
  }

  /** The TPV line for sample `p`. */
  tpv(p: Sample): string {
    const head = `{"class":"TPV","device":"${DEVICE}","mode":`;
    const time = gpsTime(p.t);
    if (p.t < FIX_2D_AT_S) return `${head}1,"time":"${time}","ept":0.005}`;
    const mode = p.t < FIX_3D_AT_S ? 2 : 3;
    const eph = this.#eph(p.t);
    // A random walk bounded by the error estimate: positions jitter a few metres, never jump.
    this.#errN = 0.8 * this.#errN + this.#rng.noise(eph / 8);
    this.#errE = 0.8 * this.#errE + this.#rng.noise(eph / 8);
    const lat = p.lat + this.#errN / M_PER_DEG_LAT;
    const lon = p.lon + this.#errE / M_PER_DEG_LON;
    const speed = p.speedMps < 0.2 ? 0 : Math.max(0, p.speedMps + this.#rng.noise(0.1));
    const track = (p.trackDeg + this.#rng.noise(0.6) + 360) % 360;
    let line = `${head}${mode},"time":"${time}","ept":0.005,"lat":${f(lat, 9)},"lon":${f(lon, 9)}`;
    if (mode === 3) {
      const climb = this.#rng.noise(0.15);
      this.#altMsl = Math.min(16, Math.max(8, this.#altMsl + climb));
      line += `,"altHAE":${f(this.#altMsl + GEOID_SEP_M, 4)},"altMSL":${f(this.#altMsl, 4)}`;
      line += `,"epv":${f(eph * 1.7, 3)}`;
      return `${line},"track":${f(track, 4)},"speed":${f(speed, 3)},"climb":${f(climb, 3)},` +
        `"eph":${f(eph, 3)}}`;
    }
    return `${line},"track":${f(track, 4)},"speed":${f(speed, 3)},"eph":${f(eph, 3)}}`;
  }

  /** The SKY line at second `t`: signal strengths flicker, the strongest satellites are used. */
  sky(t: number): string {
    const used = this.used(t);
    const sats = SATELLITES.map(([prn, el, az]) => ({
      prn,
      el,
      az,
      ss: Math.max(12, Math.round(18 + el * 0.4 + this.#rng.noise(2))),
    }));
    const ranked = [...sats].sort((a, b) => b.ss - a.ss).slice(0, used).map((s) => s.prn);
    const list = sats.map(({ prn, el, az, ss }) => {
      const glonass = prn >= 65;
      return `{"PRN":${prn},"el":${f(el, 1)},"az":${f(az, 1)},"ss":${f(ss, 1)},` +
        `"used":${ranked.includes(prn)},"gnssid":${glonass ? 6 : 0},"svid":${
          glonass ? prn - 64 : prn
        }}`;
    });
    let dops = "";
    if (used >= 3) {
      const hdop = 0.8 + 6 / (used * used) + this.#rng.range(0, 0.1);
      const vdop = hdop * 1.4;
      const pdop = Math.hypot(hdop, vdop);
      dops = `"xdop":${f(hdop * 0.6, 2)},"ydop":${f(hdop * 0.8, 2)},"vdop":${f(vdop, 2)},` +
        `"tdop":${f(hdop * 0.9, 2)},"hdop":${f(hdop, 2)},"gdop":${f(pdop * 1.3, 2)},` +
        `"pdop":${f(pdop, 2)},`;
    }
    return `{"class":"SKY","device":"${DEVICE}","time":"${gpsTime(t)}",${dops}` +
      `"nSat":${sats.length},"uSat":${used},"satellites":[${list.join(",")}]}`;
  }
}

/** The `gpspipe -w` lines printed during one 5-second tick (1-based), header lines on the first. */
export function gpspipeText(receiver: Receiver, samples: Sample[], tick: number): string {
  const lines = tick === 1 ? [...HEADER_LINES] : [];
  samples.forEach((p, i) => {
    lines.push(receiver.tpv(p));
    // This receiver reports its satellites every 10 s (NAV-SAT rate 10), on odd ticks.
    if (i === 0 && tick % 2 === 1) lines.push(receiver.sky(p.t));
  });
  return lines.join("\n") + "\n";
}
