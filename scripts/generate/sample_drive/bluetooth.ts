/**
 * Bluetooth devices along the sample route and the event lines an interactive `bluetoothctl`
 * session (BlueZ 5.66, after `scan on`) prints as the car passes them: `[NEW]` when a device is
 * first heard, `[CHG] … RSSI:` (and now and then `TxPower`, `ManufacturerData`, a resolved `Name`)
 * while it stays in range, `[DEL]` once BlueZ drops it, 30 s (6 ticks) after the last advert.
 * Plain lines, without the colour codes and prompt a terminal session adds.
 *
 * @module
 */
import type { Rng } from "../../lib/random.ts";
import { along, distance, type Point } from "./route.ts";

interface BtDevice {
  address: string;
  /** Null: nameless, printed with the MAC-with-dashes alias. */
  name: string | null;
  /** Route distance and side offset where it sits; `null`: inside our car. */
  at: { s: number; side: number } | null;
  /** Drives ahead of us from this second to that one (another car's kit), else fixed. */
  drivesAhead?: [number, number];
  biasDb: number;
  txPowerDbm?: number;
  /** Company identifier and the advert payload generator (fresh bytes each time it changes). */
  maker?: [number, (rng: Rng) => number[]];
  /** Name learned from a later scan response, on the third tick in range. */
  laterName?: string;
}

/** Apple "Nearby Info" (type 0x10): what idle iPhones and Macs advertise. */
const nearby = (
  rng: Rng,
) => [0x10, 0x05, rng.between(1, 0x1f), rng.pick([0x18, 0x1c]), ...bytes(rng, 3)];
/** Apple proximity pairing (0x07): AirPods case and battery state. */
const airpods = (rng: Rng) => [0x07, 0x19, 0x01, 0x0e, 0x20, 0x2b, 0x99, 0x8f, ...bytes(rng, 19)];
/** iBeacon (0x02): fixed UUID, major and minor, measured power -59 dBm. */
const ibeacon = () =>
  [0x02, 0x15, 0xf7, 0x82, 0x6d, 0xa6, 0x4f, 0xa2, 0x4e, 0x98, 0x80, 0x24]
    .concat([0xbc, 0x5b, 0x71, 0xe0, 0x89, 0x3e, 0x00, 0x0a, 0x00, 0x07, 0xc5]);
/** Apple offline finding (0x12): an AirTag away from its owner, key rotating. */
const findMy = (rng: Rng) => [0x12, 0x19, 0x10, ...bytes(rng, 22), 0x01, 0x00];
const samsung = (rng: Rng) => [0x42, 0x09, 0x81, 0x02, 0x14, ...bytes(rng, 6)];

function bytes(rng: Rng, n: number): number[] {
  return Array.from({ length: n }, () => rng.between(0, 255));
}

const APPLE = 0x004c;

/** The devices of the sample drive; addresses are fixed so the sample reads the same each run. */
export function buildBtDevices(rng: Rng): BtDevice[] {
  const fixed = (s: number, side: number) => ({ s, side });
  const dev = (
    address: string,
    name: string | null,
    at: BtDevice["at"],
    extra: Partial<BtDevice> = {},
  ) => ({ address, name, at, biasDb: rng.range(-5, 5), ...extra }) as BtDevice;
  return [
    dev("00:1C:D7:4E:21:9A", "CAR MULTIMEDIA", null, { txPowerDbm: 4 }),
    dev("5E:0A:31:C4:77:10", null, null, { maker: [APPLE, nearby] }), // the driver's iPhone
    dev("4C:87:5D:21:0B:7E", "AirPods Pro", fixed(20, 8), { maker: [APPLE, airpods] }),
    dev("71:3B:09:AA:52:E1", null, fixed(35, -10), { maker: [APPLE, nearby] }),
    dev("E4:1F:7C:0A:9D:33", "[TV] Samsung 7 Series (55)", fixed(90, 18)),
    dev("60:AB:D2:11:4F:C8", "Galaxy Buds2 Pro", fixed(150, -6), { maker: [0x0075, samsung] }),
    dev("48:F0:2C:7A:16:05", null, fixed(160, 12)),
    dev("D0:03:DF:5B:8E:21", "Forerunner 255", fixed(230, 5), { txPowerDbm: 0 }),
    dev("6F:19:82:E5:30:4B", null, fixed(260, -14), { maker: [APPLE, ibeacon] }),
    dev("C8:7B:23:91:AF:6D", "JBL Tune 510BT", fixed(330, -9)),
    dev("7A:62:1E:0D:C3:98", null, fixed(420, 7), { maker: [APPLE, nearby] }),
    dev("F4:4E:FD:38:62:B0", "Toyota Touch", null, { drivesAhead: [40, 110] }),
    dev("5B:D4:80:2F:11:E7", null, fixed(560, 10), { laterName: "Pixel 8" }),
    dev("38:18:4C:9E:07:5A", "WH-1000XM4", fixed(620, -8)),
    dev("66:A9:3C:F1:28:0D", null, fixed(640, 20), { maker: [APPLE, nearby] }),
    dev("E8:DB:84:12:6C:F3", "HP ENVY 6000 series", fixed(780, -12), { txPowerDbm: 8 }),
    dev("D6:1E:5A:07:B9:44", null, fixed(860, 6)), // a Tile tracker: no name, no maker data
    dev("C4:2D:91:F8:5E:02", "Mi Smart Band 6", fixed(930, -7)),
    dev("50:8A:06:3B:D2:7F", null, fixed(990, 9), { maker: [APPLE, airpods] }),
    dev("EB:31:C9:64:0A:8D", null, fixed(1060, -5), { maker: [APPLE, findMy] }),
    dev("A0:B7:65:2C:19:E6", "Galaxy S23", fixed(1120, 11), { maker: [0x0075, samsung] }),
    dev("F8:4D:89:6E:3A:C1", "Charge 5", fixed(1200, -6)),
    dev("44:0C:EE:97:B2:58", null, fixed(1270, 15)),
    dev("79:E2:14:5D:86:0F", null, fixed(1340, -9), { maker: [APPLE, nearby] }),
    dev("52:6B:F3:08:D1:A4", null, fixed(1450, 8), { maker: [APPLE, nearby] }),
  ];
}

/** bluetoothctl's hexdump of a value: 16 bytes a line, then the printable characters. */
export function hexdump(data: number[]): string[] {
  const lines: string[] = [];
  for (let i = 0; i < data.length; i += 16) {
    const row = data.slice(i, i + 16);
    const hex = Array.from(
      { length: 16 },
      (_, j) => j < row.length ? `${row[j].toString(16).padStart(2, "0")} ` : "   ",
    ).join("");
    const ascii = row.map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : ".")).join("");
    lines.push(`  ${hex} ${ascii.padEnd(16)}`);
  }
  return lines;
}

/** Per-device state carried from tick to tick. */
interface Seen {
  present: boolean;
  lastTick: number;
  ticksInRange: number;
  /** The RSSI BlueZ last published. */
  rssi: number;
}

/** What the session prints on `scan on`, before the first device (the Pi's own controller). */
const SESSION_START = [
  "Agent registered",
  "[CHG] Controller B8:27:EB:4C:1D:02 Pairable: yes",
  "Discovery started",
  "[CHG] Controller B8:27:EB:4C:1D:02 Discovering: yes",
];
const RANGE_M = 90;
const RSSI_THRESHOLD_DB = 8;
const DEL_AFTER_TICKS = 6; // BlueZ's TemporaryTimeout: 30 s

/** Tracks which devices bluetoothctl knows and prints each tick's events. */
export class BtScanner {
  #devices: BtDevice[];
  #rng: Rng;
  #seen = new Map<string, Seen>();

  constructor(devices: BtDevice[], rng: Rng) {
    this.#devices = devices;
    this.#rng = rng;
  }

  #position(d: BtDevice, car: Point & { s: number; t: number }): Point | null {
    if (d.drivesAhead) {
      const [from, to] = d.drivesAhead;
      return car.t >= from && car.t <= to ? along(car.s + 25) : null;
    }
    return d.at === null ? car : along(d.at.s, d.at.side);
  }

  #rssiAt(d: BtDevice, car: Point & { s: number; t: number }): number | null {
    const pos = this.#position(d, car);
    if (pos === null) return null;
    const dist = distance(pos, car);
    if (dist > RANGE_M) return null;
    const dbm = Math.round(
      -50 - 22 * Math.log10(Math.max(dist, 1)) + d.biasDb + this.#rng.noise(2),
    );
    return dbm < -96 ? null : Math.min(-30, dbm);
  }

  /** The lines printed during tick `tick` (1-based) with the car at `car`; "" when silent. */
  tick(tick: number, car: Point & { s: number; t: number }): string {
    const groups: string[][] = [];
    for (const d of this.#devices) {
      const seen = this.#seen.get(d.address);
      const rssi = this.#rssiAt(d, car);
      const line = (rest: string) => `[CHG] Device ${d.address} ${rest}`;
      const alias = d.name ?? d.address.replaceAll(":", "-");
      if (rssi === null) {
        if (seen?.present && tick - seen.lastTick >= DEL_AFTER_TICKS) {
          const named = d.laterName !== undefined && seen.ticksInRange >= 3;
          groups.push([`[DEL] Device ${d.address} ${named ? d.laterName : alias}`]);
          seen.present = false;
        }
        continue;
      }
      if (!seen?.present) {
        groups.push([`[NEW] Device ${d.address} ${alias}`]);
        this.#seen.set(d.address, { present: true, lastTick: tick, ticksInRange: 1, rssi });
        continue;
      }
      seen.lastTick = tick;
      seen.ticksInRange++;
      const mine: string[] = [];
      // Adverts keep arriving through the tick, each with its own fading; BlueZ (device.c,
      // RSSI_THRESHOLD) publishes a new RSSI only when it differs from the last by 8 dB or more.
      const again = Math.min(-30, Math.round(rssi + this.#rng.noise(4)));
      for (const reading of this.#rng.chance(0.5) ? [rssi, again] : [rssi]) {
        if (Math.abs(reading - seen.rssi) < RSSI_THRESHOLD_DB) continue;
        mine.push(line(`RSSI: ${reading}`));
        seen.rssi = reading;
      }
      if (seen.ticksInRange === 2 && d.txPowerDbm !== undefined) {
        mine.push(line(`TxPower: ${d.txPowerDbm}`));
      }
      if (seen.ticksInRange === 3 && d.laterName) {
        mine.push(line(`Name: ${d.laterName}`), line(`Alias: ${d.laterName}`));
      }
      if (d.maker && (seen.ticksInRange === 2 || this.#rng.chance(0.2))) {
        const [company, payload] = d.maker;
        mine.push(
          line(`ManufacturerData Key: 0x${company.toString(16).padStart(4, "0")}`),
          line("ManufacturerData Value:"),
          ...hexdump(payload(this.#rng)),
        );
      }
      if (mine.length > 0) groups.push(mine);
    }
    // Devices' events interleave as their adverts arrive; each device's stay in order.
    const keyed = groups.map((g) => ({ g, k: this.#rng.next() })).sort((a, b) => a.k - b.k);
    const lines = keyed.flatMap(({ g }) => g);
    if (tick === 1) lines.unshift(...SESSION_START);
    return lines.length === 0 ? "" : lines.join("\n") + "\n";
  }
}
