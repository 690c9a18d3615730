/**
 * Access points along the sample route and the `iw dev wlan0 scan` text a car passing them would
 * print. Records carry the fields piwardrive reads (header, `freq`, `capability`, `signal`,
 * `last seen`, `SSID`, `DS Parameter set`, `RSN`, `HT operation`, `WPA`), laid out as iw 6.9 does
 * by `scripts/lib/iw_text.ts`; the many elements it skips (rates, HT/VHT capabilities, WMM…) are
 * left out to keep the embedded sample small.
 *
 * @module
 */
import type { Rng } from "../../lib/random.ts";
import { bssRecordText, escapeSsid, securityBlock } from "../../lib/iw_text.ts";
import { along, distance, type Point } from "./route.ts";

export type Security = "open" | "wep" | "psk" | "transition" | "sae" | "owe" | "eap" | "mixed";

export interface AccessPoint {
  bssid: string;
  /** The SSID exactly as iw prints it (escaped). */
  ssid: string;
  freqMhz: number;
  channel: number;
  capability: number;
  security: Security;
  /** RSN capabilities field; iw decodes it into words. */
  rsnCaps: number;
  pos: Point;
  /** Route distance the AP stands beside: the scan lists APs in this order (first seen first). */
  s: number;
  /** Transmit power and walls, dB. */
  biasDb: number;
  /** Last tick in which wlan0 is associated with this BSS (0: never). */
  associatedUntil: number;
}

export const AP_COUNT = 120;
const RANGE_M = 150;
const MIN_DBM = -92;
const CH24 = [1, 6, 11];
const CH5 = [36, 40, 44, 48, 36, 44, 52, 60, 100, 108, 116, 132, 149, 153, 157, 161];
const CAP_WORDS = ["ESS", "IBSS", "CfPollable", "CfPollReq", "Privacy", "ShortPreamble", "PBCC"]
  .concat(["ChannelAgility", "SpectrumMgmt", "QoS", "ShortSlotTime", "APSD", "RadioMeasure"])
  .concat(["DSSS-OFDM", "DelayedBACK", "ImmediateBACK"]);
const HEX = "0123456789ABCDEF";
const ALNUM = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
const USER_NAMES = ["Pretty Fly for a WiFi", "The LAN Before Time", "Flat 2B", "Mill Road 14"]
  .concat(["Garden Office", "Studio 5", "NoMoreBuffering", "Loading...", "Not Your WiFi"])
  .concat(["Hogwarts Great Hall", "Bill Wi the Science Fi", "Tell My WiFi Love Her"]);

const utf8 = (text: string) => escapeSsid(text);

/** Another BSS of the same device: next BSSID (or the same one under another prefix). */
interface Twin {
  band: 2 | 5;
  ssid?: string;
  security?: Security;
  /** A locally administered prefix for a hotspot BSS, e.g. BT hubs' `BTWi-fi`. */
  oui?: string;
}

interface Spec {
  oui: string;
  ssid: string;
  security: Security;
  band: 2 | 5;
  s: number;
  side: number;
  twins?: Twin[];
  associatedUntil?: number;
  channel?: number;
}

/** The edge cases a wardriving log must survive, each placed where the car passes close by. */
function specials(): Spec[] {
  const a = (s: number, side: number, oui: string, ssid: string, security: Security, band: 2 | 5) =>
    ({ s, side, oui, ssid, security, band }) as Spec;
  return [
    {
      ...a(4, -14, "88:03:55", "BT-K7XQ2F", "psk", 2),
      associatedUntil: 6,
      channel: 6,
      twins: [{ band: 5 }, { band: 2, oui: "8a:03:55", ssid: "BTWi-fi", security: "open" }],
    },
    a(55, 22, "f0:9f:c2", "", "psk", 5), // hidden: empty SSID
    a(125, -18, "f0:9f:c2", utf8(" Guest"), "open", 2),
    { ...a(240, 16, "b0:95:75", utf8("Café Ünïcode"), "psk", 2), twins: [{ band: 5 }] },
    a(300, -25, "00:1e:58", "dlink-4F2A", "mixed", 2),
    a(400, 9, "da:a1:19", utf8("Jake’s iPhone"), "psk", 2), // randomised (locally administered)
    a(520, -30, "3c:84:6a", "1234", "psk", 2),
    // A university building: each Aruba AP sends eduroam on both bands and a visitor network.
    ...[570, 610, 650].map((s, i) => ({
      ...a(s, 35 - 20 * i, "70:3a:0e", "eduroam", "eap", 2),
      twins: [{ band: 5 }, { band: 5, ssid: "Uni-Visitor", security: "open" }] as Twin[],
    })),
    a(700, 20, "00:25:9c", "Linksys", "wep", 2),
    a(780, -12, "fa:8f:ca", "DIRECT-7B-HP ENVY 6000 series", "psk", 2),
    a(880, 14, "4c:5e:0c", '"Free", <WiFi> & co', "open", 2),
    a(950, -20, "00:18:0a", "Coffee-Secure", "owe", 5),
    a(1000, 25, "f4:f2:6d", "\\x00".repeat(8), "psk", 2), // hidden: a run of NUL bytes
    a(1100, -16, "f0:9f:c2", "Ravenscroft-WPA3", "sae", 5),
    a(1150, 8, "02:1a:11", "AndroidAP_4417", "transition", 5),
    a(1250, -22, "dc:a6:32", "pi-hotspot", "psk", 2),
    a(1320, 30, "7c:4c:a5", "", "sae", 2),
  ];
}

/** A typical home or shop network: vendor prefix, default-style SSID, usual security. */
function generic(rng: Rng, s: number, side: number): Spec {
  const kind = rng.between(0, 9);
  const spec = (oui: string, ssid: string, extra: Partial<Spec> = {}): Spec => ({
    s,
    side,
    band: 2,
    security: "psk",
    oui,
    ssid,
    ...extra,
  });
  const dual = (p: number): Twin[] => (rng.chance(p) ? [{ band: 5 }] : []);
  let out: Spec;
  if (kind <= 1) {
    // BT hubs also carry the BT Wi-fi hotspot under a locally administered twin prefix.
    const hotspot: Twin[] = rng.chance(0.5)
      ? [{ band: 2, oui: "8a:03:55", ssid: "BTWi-fi", security: "open" }]
      : [];
    out = spec("88:03:55", `BT-${rng.chars(6, ALNUM)}`, {
      security: rng.chance(0.3) ? "transition" : "psk",
      twins: [{ band: 5 }, ...hotspot],
    });
  } else if (kind === 2) out = spec("7c:4c:a5", `SKY${rng.chars(5, ALNUM)}`, { twins: dual(0.5) });
  else if (kind === 3) {
    out = spec("00:1a:2b", `VM${rng.between(1000000, 9999999)}`, { twins: dual(0.7) });
  } else if (kind === 4 || kind === 5) {
    const ssid = rng.chance(0.6) ? `TP-Link_${rng.chars(4, HEX)}` : rng.pick(USER_NAMES);
    const oui = rng.pick(["f4:f2:6d", "3c:84:6a", "b0:95:75"]);
    const security = rng.chance(0.25) ? "transition" : "psk";
    out = spec(oui, ssid, { security, twins: dual(0.4) });
  } else if (kind === 6) {
    out = spec("a0:63:91", `NETGEAR${rng.between(10, 99)}`, { twins: dual(0.6) });
  } else if (kind === 7) {
    const security = rng.pick<Security>(["transition", "transition", "sae", "psk"]);
    out = spec("f0:9f:c2", rng.pick(USER_NAMES), { security, band: 5 });
  } else if (kind === 8) out = spec("4c:5e:0c", `MikroTik-${rng.chars(6, HEX)}`);
  else {
    const shop = rng.pick(["Bakery", "Salon", "Bookshop", "Dental", "Studio"]);
    const staff: Twin[] = [{ band: 5, ssid: `${shop}-Staff`, security: "eap" }];
    out = spec("00:18:0a", `${shop}-Guest`, {
      security: "open",
      twins: rng.chance(0.6) ? staff : [],
    });
  }
  if (rng.chance(0.05)) out.ssid = ""; // some owners hide their network
  return out;
}

/** The access points beside the route, deterministic for a given `rng`, in route order. */
export function buildAccessPoints(rng: Rng, drivenM: number): AccessPoint[] {
  const taken = new Set<string>();
  const aps: AccessPoint[] = [];
  /** `radio` is `spec` itself for the device's first BSS, else one of its twins. */
  const add = (spec: Spec, radio: Twin, bssid: string) => {
    if (aps.length >= AP_COUNT || taken.has(bssid)) return;
    taken.add(bssid);
    const { band } = radio;
    const security = radio.security ?? spec.security;
    const ssid = radio.ssid ?? spec.ssid;
    const channel = band === 2 ? spec.channel ?? rng.pick(CH24) : rng.pick(CH5);
    // SpectrumMgmt is mandatory on DFS channels; RadioMeasure and ShortPreamble vary by vendor.
    const spectrum = band === 5 && ((channel >= 52 && channel <= 144) || rng.chance(0.4));
    const capability = security === "wep" ? 0x0031 : 0x0401 | (security === "open" ? 0 : 0x0010) |
      (spectrum ? 0x0100 : 0) | (rng.chance(0.5) ? 0x1000 : 0) |
      (band === 2 && rng.chance(0.3) ? 0x0020 : 0);
    const rsnCaps = security === "psk"
      ? rng.pick([0x000c, 0x000c, 0x0000])
      : { transition: 0x008c, sae: 0x00cc, owe: 0x00cc, eap: 0x0028 }[security as string] ?? 0;
    aps.push({
      bssid,
      ssid: band === 5 && ssid.startsWith("TP-Link_") ? `${ssid}_5G` : ssid,
      freqMhz: band === 2 ? 2407 + 5 * channel : 5000 + 5 * channel,
      channel,
      capability,
      security,
      rsnCaps,
      pos: along(spec.s, spec.side),
      s: spec.s,
      biasDb: rng.range(-4, 5),
      associatedUntil: radio === spec ? spec.associatedUntil ?? 0 : 0,
    });
  };
  const place = (spec: Spec) => {
    let tail = rng.macBytes(3);
    while (taken.has(`${spec.oui}:${tail}`)) tail = rng.macBytes(3);
    // Multi-BSS devices number their BSSIDs from a base with the low nibble clear.
    const low = parseInt(tail.slice(-2), 16) & 0xf0;
    const bssid = (oui: string, n: number) =>
      `${oui}:${tail.slice(0, -2)}${(low + n).toString(16).padStart(2, "0")}`;
    add(spec, spec, bssid(spec.oui, 0));
    spec.twins?.forEach((twin, i) => add(spec, twin, bssid(twin.oui ?? spec.oui, i + 1)));
  };
  for (const spec of specials()) place(spec);
  // Sites on a jittered grid, filled in random order until the count is reached: no stretch of
  // road is left without networks, and the sites left over are scattered, not all at the end.
  const from = -100;
  const step = (drivenM + 100 - from) / 60;
  const sites = Array.from({ length: 60 }, (_, i) => from + (i + rng.range(0.1, 0.9)) * step);
  const order = sites.map((s) => ({ s, key: rng.next() })).sort((x, y) => x.key - y.key);
  for (let i = 0; aps.length < AP_COUNT; i++) {
    const s = i < order.length ? order[i].s : rng.range(from, drivenM + 100);
    place(generic(rng, s, (rng.chance(0.5) ? 1 : -1) * rng.range(6, 75)));
  }
  return aps.sort((x, y) => x.s - y.s);
}

/** iw's `capability:` line: the flag words in bit order, then the hex. */
function capabilityText(bits: number): string {
  const words = CAP_WORDS.filter((_, i) => (bits & (1 << i)) !== 0);
  return `${words.join(" ")} (0x${bits.toString(16).padStart(4, "0")})`;
}

/** iw's RSN `* Capabilities:` value. */
function rsnCapsText(caps: number): string {
  const rc = (n: number) => [1, 2, 4, 16][n];
  const words = [`${rc((caps >> 2) & 3)}-PTKSA-RC`, `${rc((caps >> 4) & 3)}-GTKSA-RC`];
  if (caps & 0x0040) words.push("MFP-required");
  if (caps & 0x0080) words.push("MFP-capable");
  return `${words.join(" ")} (0x${caps.toString(16).padStart(4, "0")})`;
}

const AKM: Partial<Record<Security, string>> = {
  psk: "PSK",
  transition: "PSK SAE",
  sae: "SAE",
  owe: "OWE",
  eap: "IEEE 802.1X",
  mixed: "PSK",
};

/** One BSS record as `iw dev wlan0 scan` prints it, trimmed to the elements piwardrive reads. */
export function bssText(
  ap: AccessPoint,
  signalDbm: number,
  lastSeenMs: number,
  associated: boolean,
): string {
  const akm = AKM[ap.security];
  const tkip = ap.security === "mixed";
  return bssRecordText({
    bssid: ap.bssid,
    associated,
    freqMhz: ap.freqMhz,
    capability: capabilityText(ap.capability),
    signalDbm,
    lastSeenMs,
    ssid: ap.ssid,
    elements: {
      dsParameterSet: ap.freqMhz < 3000 ? [`\tDS Parameter set: channel ${ap.channel}`] : undefined,
      rsn: akm === undefined ? undefined : securityBlock(
        "RSN",
        tkip ? "TKIP" : "CCMP",
        tkip ? "CCMP TKIP" : "CCMP",
        akm,
        rsnCapsText(ap.rsnCaps),
      ),
      htOperation: ap.freqMhz > 5000 ? htOperation(ap.channel) : undefined,
      wpa: tkip ? securityBlock("WPA", "TKIP", "TKIP CCMP", "PSK") : undefined,
    },
  });
}

/** The first lines of iw's `HT operation:` block: the channel pair piwardrive reads. */
function htOperation(channel: number): string[] {
  const above = [36, 44, 52, 60, 100, 108, 116, 124, 132, 149, 157].includes(channel);
  return [
    "\tHT operation:",
    `\t\t * primary channel: ${channel}`,
    `\t\t * secondary channel offset: ${above ? "above" : "below"}`,
    "\t\t * STA channel width: any",
  ];
}

/** Received signal by a log-distance path-loss model; 5 GHz loses more through walls. */
export function signalAt(ap: AccessPoint, car: Point, rng: Rng): number | null {
  const d = distance(ap.pos, car);
  if (d > RANGE_M) return null;
  const band = ap.freqMhz > 5000 ? -6 : 0;
  const dbm = -27 - 26 * Math.log10(Math.max(d, 1.5)) + ap.biasDb + band + rng.noise(2);
  return dbm < MIN_DBM ? null : Math.min(-30, Math.round(dbm));
}

/** The text of one scan at `car` during tick `tick` (1-based). */
export function scanText(aps: AccessPoint[], car: Point, tick: number, rng: Rng): string {
  let text = "";
  for (const ap of aps) {
    const signal = signalAt(ap, car, rng);
    // A weak beacon is often missed by one scan and caught by the next.
    if (signal === null || (signal < -86 && rng.chance(0.3))) continue;
    text += bssText(ap, signal, rng.between(10, 3800), tick <= ap.associatedUntil);
  }
  return text;
}
