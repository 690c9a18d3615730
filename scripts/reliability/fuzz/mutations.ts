/** The mutations a fuzz case applies to a capture, and the chunking of stream input. */
import type { Corpus, Tool } from "./corpus.ts";
import type { Rng } from "./rng.ts";

// ---------------------------------------------------------------------------------------------
// Mutations
// ---------------------------------------------------------------------------------------------

export const ENCODER = new TextEncoder();
export const DECODER = new TextDecoder("utf-8", { fatal: false });
export const MB = 1 << 20;
export const NUMBER = /-?\d+(?:\.\d+)?/g;

export function insertAt(text: string, pos: number, s: string): string {
  return text.slice(0, pos) + s + text.slice(pos);
}

export function mapLines(text: string, f: (lines: string[]) => string[]): string {
  return f(text.split("\n")).join("\n");
}

export function randomBytes(rng: Rng, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = rng.chance(0.6) ? 0x80 + rng.int(128) : rng.int(256);
  return b;
}

export function randomMac(rng: Rng): string {
  return Array.from({ length: 6 }, () => rng.int(256).toString(16).padStart(2, "0")).join(":");
}

export const HUGE_NUMBERS = [
  "-99999999.00",
  "99999999",
  "1e308",
  "-1e308",
  "1e309",
  "1.7976931348623157e308",
  "NaN",
  "-NaN",
  "-0",
  "-0.0",
  "Infinity",
  "-Infinity",
  "0",
  "00",
  "-",
  ".",
  "1e-400",
  "4.9e-324",
  "9".repeat(400),
  "18446744073709551616",
  "18446744073709551615",
  "-2147483649",
  "0x7fffffff",
  "0xffffffff",
  "2.5",
  "-120.01",
  "-127",
  "-128",
  "20",
  "21",
  "90.0000001",
  "-180.0000001",
  "1E+2",
];

export const EMOJI = [
  "😀",
  "👨‍👩‍👧‍👦",
  "🇺🇸",
  "❤️",
  "\u202e",
  "\ufeff",
  "\u200b",
  "\u0301",
  "𝕏",
  "ﷺ",
  "\u2028",
  "\u2029",
  "\u0085",
  "\ufffd",
];

export const ANSI = [
  "\x1b[0;94m",
  "\x1b[0m",
  "\x1b[K",
  "\x1b]0;title\x07",
  "\x1b",
  "\x1b[",
  "\x01\x1b[0;93m\x02",
  "\x1b[22P",
  "\x1b[?2004h",
  "\x9b31m",
  "\x1bc",
  "\x1b]8;;http://x\x1b\\",
];

/** Lines that target each parser's numbers and ranges. */
export function hostileLine(rng: Rng, tool: Tool): string {
  const mac = randomMac(rng);
  const MAC = mac.toUpperCase();
  const ch = () => rng.pick([0, 1, 6, 13, 14, 15, 36, 149, 165, 177, 181, 196, 197, 233, 234, 999]);
  const iw = [
    () =>
      `\tsignal: ${
        rng.pick([
          "-99999999.00",
          "NaN",
          "-0.00",
          "-0.-50",
          "5.00",
          "-120.01",
          "-9999.99",
          "-120.00",
          "-43.-50",
          "-1e3",
        ])
      } dBm`,
    () =>
      `\tfreq: ${
        rng.pick([
          "99999999",
          "999999.999",
          "0",
          "-0",
          "NaN",
          "2412.5",
          "58320",
          "902.500",
          "5935",
          "4920",
          "100000.999",
          "2484",
          "5030",
          "7125",
          "1e4",
        ])
      }`,
    () => `\tDS Parameter set: channel ${ch()}`,
    () => `\t\t * primary channel: ${ch()}`,
    () => "\tHT operation:",
    () => `BSS ${mac}(on wlan0)${rng.pick(["", " -- associated", " -- joined", " -- x"])}`,
    () => `BSS ${rng.pick(["xx:xx:xx:xx:3e:41", "32:00:2...", "::::", `${mac}:`])}`,
    () => `\t${rng.pick(["SSID", "MESH ID"])}: ${ssidNoise(rng)}`,
    () =>
      `\tlast seen: ${
        rng.pick(["99999999999 ms ago", "-1 ms ago", "1e308s [boottime]", "4206.107s [boottime]"])
      }`,
    () => `\tbeacon interval: ${rng.pick(["99999 TUs", "65535 TUs", "-1 TUs", "NaN"])}`,
    () => `\tcapability: ESS Privacy (0x${rng.pick(["ffff", "0", "10000", "zz"])})`,
    () => `\tRSN:\t * Version: ${rng.pick(["99999999", "65536", "-1"])}`,
    () => "\t\t * Authentication suites: " + "PSK ".repeat(rng.between(1, 200)),
  ];
  const bt = [
    () =>
      `[CHG] Device ${MAC} RSSI: ${
        rng.pick([
          "-99999999",
          "0xffffffc4 (-60)",
          "0x7fffffff (2147483647)",
          "-128",
          "21",
          "1",
          "NaN",
          "-0",
          "0xffffff80 (-128)",
          "1e308",
          "0x (-1)",
          "-9999999999",
        ])
      }`,
    () =>
      `[CHG] Device ${MAC} TxPower: ${rng.pick(["21", "-128", "0x7fffffff", "99999999999", "-0"])}`,
    () =>
      `[NEW] Device ${rng.pick([mac, MAC, "00:11:22:33:44:5G", `${MAC}:00`, "0:1:2:3:4:5"])} ${
        rng.pick(EMOJI)
      }`,
    () =>
      `[CHG] Device ${MAC} ManufacturerData Key: ${
        rng.pick(["0xffffffff", "65536", "-1", "0x004c"])
      }`,
    () => `[CHG] Device ${MAC} ManufacturerData Value:`,
    () => "  4c 00 02 15 ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff  L.......",
    () =>
      `\t${rng.pick(["RSSI", "TxPower", "Battery Percentage", "ManufacturerData Key"])}: ${
        rng.pick(HUGE_NUMBERS)
      }`,
    () => `Device ${rng.pick([mac, MAC])} (${rng.pick(["random", "public", "weird", ""])})`,
    () => `Controller ${MAC} (public)`,
    () =>
      `[\x01\x1b[0;94m\x02bluetooth\x01\x1b[0m\x02]# ${rng.pick(["scan on", `info ${MAC}`, ""])}`,
    () =>
      `[CHG] Device ${MAC} ${
        rng.pick(["Name", "Alias", "UUIDs", "Connected", "__proto__", "constructor"])
      }: ${rng.pick(EMOJI)}`,
  ];
  const tpv = (fields: string) =>
    `{"class":"TPV","mode":${
      rng.pick(["0", "1", "2", "3", "4", "-1", "2.0", '"3"', "null", "1e308"])
    }${fields}}`;
  const gpsd = [
    () => tpv(`,"lat":${rng.pick(HUGE_NUMBERS)},"lon":${rng.pick(HUGE_NUMBERS)}`),
    () =>
      tpv(
        `,"lat":${rng.pick(["0", "-0", "90", "-90", "45.5", "90.0000001"])},"lon":${
          rng.pick(["0", "-0", "180", "-180", "7.1", "180.0000001"])
        }`,
      ),
    () => tpv(`,"lat":${rng.pick(["45", '"45"', "1e308", "-0"])}`),
    () => tpv(`,"lon":${rng.pick(["7", '"7"', "-1e308"])}`),
    () =>
      tpv(
        `,"lat":45,"lon":7,"alt":${rng.pick(HUGE_NUMBERS)},"speed":${
          rng.pick(HUGE_NUMBERS)
        },"eph":${rng.pick(HUGE_NUMBERS)}`,
      ),
    () =>
      `{"class":"SKY","nSat":${rng.pick(HUGE_NUMBERS)},"hdop":${
        rng.pick(HUGE_NUMBERS)
      },"satellites":[{"used":true},null,7]}`,
    () =>
      `{"class":"${rng.pick(["__proto__", "constructor", "TPV ", "tpv", "", "x".repeat(33)])}"}`,
    () => `{"class":"TPV","mode":3,"lat":45,"lon":7,"__proto__":{"lat":1e308}}`,
    () =>
      `{"class":"DEVICES","devices":[${
        rng.pick(["null", '{"bps":1e308}', "[]", '{"activated":0}'])
      }]}`,
    () => `{"class":"VERSION","proto_major":${rng.pick(HUGE_NUMBERS)}}`,
  ];
  const health = [
    () =>
      `[{"ifname":"wlan0","stats64":{"rx":{"bytes":${rng.pick(HUGE_NUMBERS)}},"tx":{"bytes":${
        rng.pick(HUGE_NUMBERS)
      }}}}]`,
    () =>
      `[{"ifname":${
        rng.pick(['""', "null", "7", '"lo"'])
      },"stats":{"rx":{"bytes":1},"tx":{"bytes":2}}}]`,
  ];
  const vcgencmd = [
    () =>
      `temp=${
        rng.pick(["999.9", "-0", "NaN", "150.001", "-40.0", "-40.001", "1e3", "-999", "47.2"])
      }'C`,
    () => `temp=${rng.pick(HUGE_NUMBERS)}'C`,
  ];
  const byTool = { iw, bluetoothctl: bt, gpsd, health, vcgencmd };
  const pool = rng.chance(0.8) ? byTool[tool] : rng.pick(Object.values(byTool));
  return rng.pick(pool)();
}

/** iw-style SSID escapes, valid and not. */
export function ssidEscape(rng: Rng): string {
  return rng.pick([
    () => `\\x${rng.int(256).toString(16).padStart(2, "0")}`,
    () => `\\x${rng.int(256).toString(16).padStart(2, "0").toUpperCase()}`,
    () => "\\x",
    () => "\\xZZ",
    () => "\\x0",
    () => "\\",
    () => "\\x00".repeat(rng.between(1, 40)),
    () => "\\xe2\\x82",
    () => "\\xc3\\x28",
    () => "\\xed\\xa0\\x80",
    () => "\\xef\\xbb\\xbf",
    () => "\\x5c",
  ])();
}

export function ssidNoise(rng: Rng): string {
  let s = "";
  for (let i = rng.between(0, 12); i > 0; i--) s += rng.chance(0.6) ? ssidEscape(rng) : "a";
  return s;
}

export let bigLines: string[] | null = null;

/** 1 MB lines, built once: V8 concatenates them without copying. */
export function hugeLines(): string[] {
  bigLines ??= [
    "A".repeat(MB),
    "\tSSID: " + "\\x41".repeat(MB / 4),
    '{"class":"TPV","mode":3,"lat":' + "1".repeat(MB) + ',"lon":7}',
    "[CHG] Device AA:BB:CC:DD:EE:FF Name: " + "é".repeat(MB),
    "[".repeat(MB),
    "\t".repeat(MB) + "x",
    "\x1b[".repeat(MB / 2),
    "Device AA:BB:CC:DD:EE:FF " + "😀".repeat(MB / 2),
    "  " + "4c ".repeat(MB / 3),
  ];
  return bigLines;
}

/** A line of one repeated unit, 256–8192 characters: long enough to expose superlinear regexes. */
export function longRunLine(rng: Rng): string {
  const unit = rng.pick([
    "\t",
    " ",
    "[",
    "[a]#",
    "\x1b[",
    "0",
    "a ",
    "\\x",
    ":",
    "{",
    '{"a":',
    "-",
    "\r",
    "00 ",
    "a",
  ]);
  const n = Math.ceil(rng.between(256, 8192) / unit.length);
  return rng.pick(["", "\t", "  ", "[CHG] Device AA:BB:CC:DD:EE:FF "]) + unit.repeat(n) +
    rng.pick(["", "x", ":", "]", "\x07"]);
}

export type Mutation = (text: string, rng: Rng, tool: Tool, corpus: Corpus) => string;

/** Mutations and their weights. */
export const MUTATIONS: [string, number, Mutation][] = [
  ["byteFlip", 3, (t, rng) => {
    // Flip bytes of the UTF-8 encoding of a window (up to 4 KB): whole-text encoding costs more
    // than the parse on the larger captures.
    const from = rng.int(t.length + 1);
    const to = Math.min(t.length, from + rng.between(1, 4096));
    const bytes = ENCODER.encode(t.slice(from, to));
    if (bytes.length === 0) return t;
    for (let k = rng.between(1, 8); k > 0; k--) {
      const i = rng.int(bytes.length);
      bytes[i] = rng.pick([bytes[i] ^ (1 << rng.int(8)), rng.int(256), 0xff, 0x80, 0xc0, 0]);
    }
    return t.slice(0, from) + DECODER.decode(bytes) + t.slice(to);
  }],
  ["truncate", 2, (t, rng) => t.slice(0, rng.int(t.length + 1))],
  ["shuffleLines", 2, (t, rng) =>
    mapLines(t, (lines) => {
      if (rng.chance(0.5)) {
        for (let i = lines.length - 1; i > 0; i--) {
          const j = rng.int(i + 1);
          [lines[i], lines[j]] = [lines[j], lines[i]];
        }
      } else {
        for (let k = rng.between(1, 5); k > 0; k--) {
          const i = rng.int(lines.length);
          const j = rng.int(lines.length);
          [lines[i], lines[j]] = [lines[j], lines[i]];
        }
      }
      return lines;
    })],
  ["duplicateLines", 2, (t, rng) =>
    mapLines(t, (lines) => {
      for (let k = rng.between(1, 5); k > 0; k--) {
        const line = lines[rng.int(lines.length)];
        lines.splice(rng.int(lines.length + 1), 0, ...Array(rng.between(1, 3)).fill(line));
      }
      return lines;
    })],
  ["deleteLines", 2, (t, rng) =>
    mapLines(t, (lines) => {
      for (let k = rng.between(1, 5); k > 0 && lines.length > 0; k--) {
        lines.splice(rng.int(lines.length), rng.between(1, 3));
      }
      return lines;
    })],
  ["hugeLine", 1, (t, rng) => {
    // Spliced in without splitting the text, and applied after the other mutations (see
    // `fuzzCase`), so the megabyte is concatenated, not copied, before the parser reads it.
    const nl = t.indexOf("\n", rng.int(t.length + 1));
    const big = rng.pick(hugeLines());
    return nl < 0 ? `${t}\n${big}` : `${t.slice(0, nl + 1)}${big}\n${t.slice(nl + 1)}`;
  }],
  ["longRunLine", 1, (t, rng) =>
    mapLines(t, (lines) => {
      lines.splice(rng.int(lines.length + 1), 0, longRunLine(rng));
      return lines;
    })],
  ["invalidUtf8", 2, (t, rng) => {
    for (let k = rng.between(1, 4); k > 0; k--) {
      const junk = rng.chance(0.5)
        ? DECODER.decode(randomBytes(rng, rng.between(1, 16)))
        : rng.pick(["\ud800", "\udfff", "\udbff\udbff", "\udc00\ud800", "a\ud83d", "\ude00b"]);
      t = insertAt(t, rng.int(t.length + 1), junk);
    }
    return t;
  }],
  ["ssidEscapes", 2, (t, rng) =>
    mapLines(t, (lines) => {
      const ssid = lines.flatMap((l, i) => (/^\s*(SSID|MESH ID):/.test(l) ? [i] : []));
      for (let k = rng.between(1, 4); k > 0 && lines.length > 0; k--) {
        const i = ssid.length ? rng.pick(ssid) : rng.int(lines.length);
        const line = lines[i];
        const colon = line.indexOf(":");
        const pos = colon < 0 ? rng.int(line.length + 1) : rng.between(colon + 1, line.length);
        lines[i] = insertAt(line, pos, rng.chance(0.3) ? " " + ssidEscape(rng) : ssidEscape(rng));
      }
      return lines;
    })],
  ["nul", 2, (t, rng) => {
    if (rng.chance(0.2)) {
      return mapLines(t, (lines) => {
        lines.splice(rng.int(lines.length + 1), 0, "\0".repeat(rng.between(1, 64)));
        return lines;
      });
    }
    for (let k = rng.between(1, 10); k > 0; k--) t = insertAt(t, rng.int(t.length + 1), "\0");
    return t;
  }],
  ["hugeNumbers", 3, (t, rng) => {
    // The first number after each of a few random positions, replaced from the end backwards.
    const spots: [number, number][] = [];
    for (let k = rng.between(1, 5); k > 0; k--) {
      NUMBER.lastIndex = rng.int(t.length + 1);
      const m = NUMBER.exec(t);
      if (m && !spots.some(([i]) => i === m.index)) spots.push([m.index, m[0].length]);
    }
    spots.sort((a, b) => b[0] - a[0]);
    for (const [i, len] of spots) t = t.slice(0, i) + rng.pick(HUGE_NUMBERS) + t.slice(i + len);
    return t;
  }],
  ["hostileLine", 3, (t, rng, tool) =>
    mapLines(t, (lines) => {
      for (let k = rng.between(1, 3); k > 0; k--) {
        lines.splice(rng.int(lines.length + 1), 0, hostileLine(rng, tool));
      }
      return lines;
    })],
  ["jsonValues", 2, (t, rng) =>
    mapLines(t, (lines) => {
      const json = lines.flatMap((l, i) => (/^\s*[[{]/.test(l) && l.length < 100_000 ? [i] : []));
      for (let k = rng.between(1, 4); k > 0 && json.length > 0; k--) {
        const i = rng.pick(json);
        try {
          const value = JSON.parse(lines[i]);
          mutateJson(value, rng, 0);
          lines[i] = JSON.stringify(value);
        } catch {
          // not JSON after all: leave the line alone
        }
      }
      return lines;
    })],
  ["emoji", 2, (t, rng) => {
    for (let k = rng.between(1, 5); k > 0; k--) {
      t = insertAt(t, rng.int(t.length + 1), rng.pick(EMOJI));
    }
    return t;
  }],
  ["ansi", 2, (t, rng) => {
    if (rng.chance(0.3)) return mapLines(t, (ls) => ls.map((l) => rng.pick(ANSI) + l));
    for (let k = rng.between(1, 6); k > 0; k--) {
      t = insertAt(t, rng.int(t.length + 1), rng.pick(ANSI));
    }
    return t;
  }],
  ["carriageReturns", 2, (t, rng) => {
    switch (rng.int(5)) {
      case 0:
        return t.replaceAll("\n", "\r\n");
      case 1:
        return t.replaceAll("\n", "\r");
      case 2:
        return mapLines(t, (ls) => ls.map((l) => "\r" + l));
      case 3:
        return t.replaceAll("\n", "\r\r\r\n");
      default:
        for (let k = rng.between(1, 20); k > 0; k--) t = insertAt(t, rng.int(t.length + 1), "\r");
        return t;
    }
  }],
  ["splice", 1, (t, rng, _tool, corpus) => {
    const donor = rng.pick(rng.pick(Object.values(corpus))).text.split("\n");
    const from = rng.int(donor.length);
    return mapLines(t, (lines) => {
      lines.splice(rng.int(lines.length + 1), 0, ...donor.slice(from, from + rng.between(1, 20)));
      return lines;
    });
  }],
];
export const TOTAL_WEIGHT = MUTATIONS.reduce((sum, [, w]) => sum + w, 0);

export const JSON_VALUES: (() => unknown)[] = [
  () => 1e308,
  () => -1e308,
  () => Number.MIN_VALUE,
  () => 0,
  () => 90,
  () => -90,
  () => 180,
  () => -180,
  () => 90.0000001,
  () => -180.0000001,
  () => 2 ** 64,
  () => 2 ** 53 + 2,
  () => -1,
  () => 0.5,
  () => 4,
  () => 3,
  () => 2,
  () => 1,
  () => "3",
  () => "",
  () => null,
  () => true,
  () => [],
  () => ({}),
  () => "x".repeat(300),
  () => "2024-06-15T10:00:00.000Z",
];

/** Replaces, deletes or adds a few keys of a parsed JSON value, in place. */
export function mutateJson(value: unknown, rng: Rng, depth: number): void {
  if (typeof value !== "object" || value === null || depth > 6) return;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  for (let k = rng.between(1, 3); k > 0; k--) {
    const r = rng.int(10);
    if (keys.length > 0 && r < 5) {
      const key = rng.pick(keys);
      if (typeof obj[key] === "object" && obj[key] !== null && rng.chance(0.6)) {
        mutateJson(obj[key], rng, depth + 1);
      } else obj[key] = rng.pick(JSON_VALUES)();
    } else if (keys.length > 0 && r < 7) {
      delete obj[rng.pick(keys)];
    } else if (!Array.isArray(obj)) {
      const key = rng.pick(["lat", "lon", "mode", "class", "alt", "bytes", "rx", "ifname", "nSat"]);
      obj[key] = rng.pick(JSON_VALUES)();
    }
  }
}

/** Random chunks (some empty, some splitting surrogate pairs); at most ~2000 of them. */
export function chunk(text: string, rng: Rng): string[] {
  const chunks: string[] = [];
  const small = rng.chance(0.5);
  const minSize = Math.max(0, Math.ceil(text.length / 2000));
  for (let i = 0; i < text.length;) {
    const size = rng.chance(0.05) ? 0 : minSize + rng.between(1, small ? 8 : 4096);
    chunks.push(text.slice(i, i + size));
    i += size;
  }
  if (rng.chance(0.1)) chunks.push("");
  return chunks;
}
