/**
 * Turning parsed tool output into a tick's observations: Bluetooth events folded per device,
 * gpsd reports into track points, and the position an observation may carry — only from a fix
 * of mode 2 or 3 that is at most `maxFixAgeMs` old.
 */
import type { BtEvent } from "../parsers/bluetoothctl.ts";
import type { BtDeviceInfo } from "../parsers/bluetoothctl_info.ts";
import {
  type GpsdMessage,
  type GpsdTpv,
  gpsTimeIsPlausible,
  isGpsdClass,
} from "../parsers/gpsd.ts";
import type { IwBss } from "../parsers/iw_scan.ts";
import type { BtObservation, Position, TrackPoint, WifiObservation } from "./tick.ts";

export function wifiObservations(networks: IwBss[]): WifiObservation[] {
  return networks.map((n) => ({
    bssid: n.bssid,
    ssid: n.ssid,
    freqMhz: n.freqMhz === null ? null : Math.round(n.freqMhz),
    channel: n.channel,
    signalDbm: n.signalDbm,
    encryption: n.encryption,
  }));
}

/**
 * One observation per device that reported anything this tick (the strongest RSSI wins), with
 * what `bluetoothctl info` told about devices since the last tick folded in.
 */
export function bluetoothObservations(
  events: BtEvent[],
  infos: BtDeviceInfo[] = [],
): BtObservation[] {
  const byAddress = new Map<string, BtObservation>();
  for (const e of events) {
    if (e.kind === "del") continue;
    const o = byAddress.get(e.address) ?? {
      address: e.address,
      name: null,
      rssiDbm: null,
      txPowerDbm: null,
      deviceType: null,
      manufacturer: null,
      services: null,
    };
    if (e.name !== null && (e.kind === "new" || e.property === "Name" || e.property === "Alias")) {
      o.name = e.name;
    }
    if (e.rssiDbm !== null && (o.rssiDbm === null || e.rssiDbm > o.rssiDbm)) o.rssiDbm = e.rssiDbm;
    if (e.txPowerDbm !== null) o.txPowerDbm = e.txPowerDbm;
    if (e.uuid !== null && e.property === "UUIDs") {
      o.services = [...new Set([...(o.services ?? []), e.uuid])];
    }
    byAddress.set(e.address, o);
  }
  for (const info of infos) {
    const o = byAddress.get(info.address) ?? {
      address: info.address,
      name: null,
      rssiDbm: info.rssiDbm,
      txPowerDbm: null,
      deviceType: null,
      manufacturer: null,
      services: null,
    };
    o.name ??= info.name ?? info.alias;
    o.txPowerDbm ??= info.txPowerDbm;
    o.deviceType = info.icon || info.addressType;
    if (info.uuids.length > 0) {
      o.services = [...new Set([...(o.services ?? []), ...info.uuids.map((u) => u.uuid)])];
    }
    byAddress.set(info.address, o);
  }
  return [...byAddress.values()];
}

/** Keeps the latest fix and hands out positions only while it is fresh. */
export class PositionTracker {
  readonly #maxAgeMs: number;
  #fix: { tpv: GpsdTpv; atMs: number } | null = null;
  #last: { tpv: GpsdTpv; atMs: number } | null = null;
  #previousKey = "";

  constructor(maxAgeMs: number) {
    this.#maxAgeMs = maxAgeMs;
  }

  /** Track points for the reports that arrived (repeated identical reports are dropped). */
  accept(messages: GpsdMessage[], nowMs: number, systemNow: Date): TrackPoint[] {
    const points: TrackPoint[] = [];
    for (const m of messages) {
      if (!isGpsdClass(m, "TPV")) continue;
      const key = JSON.stringify(m);
      if (key === this.#previousKey) continue;
      this.#previousKey = key;
      this.#last = { tpv: m, atMs: nowMs };
      if (m.mode >= 2 && m.lat !== undefined && m.lon !== undefined) {
        this.#fix = { tpv: m, atMs: nowMs };
      }
      points.push({
        systemTime: systemNow.toISOString(),
        gpsTime: m.time ?? null,
        gpsTimePlausible: m.time !== undefined && gpsTimeIsPlausible(m.time, systemNow),
        mode: m.mode,
        lat: m.mode >= 2 ? m.lat ?? null : null,
        lon: m.mode >= 2 ? m.lon ?? null : null,
        altM: m.mode === 3 ? m.altMsl ?? m.altHae ?? null : null,
        accuracyM: m.ephM ?? maxDefined(m.epxM, m.epyM),
        speedMps: m.speedMps ?? null,
        trackDeg: m.trackDeg ?? null,
      });
    }
    return points;
  }

  /** The position for an observation made at `nowMs`, or null without a fresh 2D/3D fix. */
  position(nowMs: number): Position | null {
    if (!this.#fix || nowMs - this.#fix.atMs > this.#maxAgeMs) return null;
    const t = this.#fix.tpv;
    return {
      lat: t.lat!,
      lon: t.lon!,
      altM: t.mode === 3 ? t.altMsl ?? t.altHae ?? null : null,
      accuracyM: t.ephM ?? maxDefined(t.epxM, t.epyM),
    };
  }

  /** Mode of the latest report and the age of the fix, for the status line. */
  status(nowMs: number): { mode: number | null; fixAgeMs: number | null; gpsTime: string | null } {
    return {
      mode: this.#last?.tpv.mode ?? null,
      fixAgeMs: this.#fix ? nowMs - this.#fix.atMs : null,
      gpsTime: this.#last?.tpv.time ?? null,
    };
  }
}

function maxDefined(a: number | undefined, b: number | undefined): number | null {
  if (a === undefined && b === undefined) return null;
  return Math.max(a ?? -Infinity, b ?? -Infinity);
}
