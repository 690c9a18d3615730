/** The fuzzer's seeded randomness: one independent stream per case, so a case replays alone. */

export { Rng } from "../../lib/random.ts";

export function fmix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Seed of one case: independent of other parsers and cases, so any case replays alone. */
export function caseSeed(seed: number, parser: string, index: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < parser.length; i++) h = Math.imul(h ^ parser.charCodeAt(i), 0x01000193);
  return fmix32(fmix32(h ^ fmix32(seed >>> 0)) ^ fmix32((index + 0x9e3779b9) >>> 0));
}
