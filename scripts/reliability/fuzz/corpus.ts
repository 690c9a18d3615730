/** The fuzzer's corpus: the real captures (read in place) and the project's own fixtures. */
import { sharedCaptures } from "../../../tests/shared_fixtures.ts";

export type Tool = "iw" | "bluetoothctl" | "gpsd" | "health" | "vcgencmd";
export type Corpus = Record<Tool, { name: string; text: string }[]>;

// ---------------------------------------------------------------------------------------------
// Corpus
// ---------------------------------------------------------------------------------------------

export const FIXTURES = new URL("../../../tests/fixtures/", import.meta.url);
/** `vcgencmd measure_temp` has no capture in the tree: these are what the Pi prints. */
export const VCGENCMD_SEEDS = [
  "temp=47.2'C\n",
  "temp=85.0'C\n",
  "temp=-3.5'C\n",
  "VCHI initialization failed\n",
  "temp=150.0'C\n",
];

export function projectFixtures(tool: string): { name: string; text: string }[] {
  const dir = new URL(`${tool}/`, FIXTURES);
  return [...Deno.readDirSync(dir)]
    .map((e) => e.name)
    .filter((n) => /\.(txt|jsonl|json)$/.test(n) && !n.endsWith(".expected.json"))
    .sort()
    .map((n) => ({ name: `${tool}/${n}`, text: Deno.readTextFileSync(new URL(n, dir)) }));
}

export function shared(tool: string): { name: string; text: string }[] {
  return (sharedCaptures(tool) ?? []).map((c) => ({
    name: `real/${tool}/${c.name}`,
    text: c.text,
  }));
}

export let corpusCache: Corpus | null = null;

/** Every seed input by tool. The real captures are read in place, never copied. */
export function loadCorpus(): Corpus {
  corpusCache ??= {
    iw: [...projectFixtures("iw"), ...shared("iw")],
    bluetoothctl: [...projectFixtures("bluetoothctl"), ...shared("bluetoothctl")],
    gpsd: [...projectFixtures("gpsd"), ...shared("gpsd")],
    health: projectFixtures("health"),
    vcgencmd: VCGENCMD_SEEDS.map((text, i) => ({ name: `vcgencmd/seed-${i}`, text })),
  };
  return corpusCache;
}
