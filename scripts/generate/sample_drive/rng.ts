/**
 * Seeded randomness for the sample drive: the same seed gives the same drive on every machine, so
 * the committed JSON can be compared byte for byte with a fresh run.
 *
 * @module
 */

/** A deterministic source of numbers in [0, 1) and the few draws the generator needs. */
export class Rng {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** mulberry32: small, fast and good enough for test data; integer arithmetic only. */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform in [min, max). */
  range(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** Roughly normal with standard deviation `sd` (sum of four uniforms: no trig, no logs). */
  noise(sd: number): number {
    return (this.next() + this.next() + this.next() + this.next() - 2) * 1.732 * sd;
  }

  /** `n` characters drawn from `alphabet`. */
  chars(n: number, alphabet: string): string {
    let s = "";
    for (let i = 0; i < n; i++) s += alphabet[Math.floor(this.next() * alphabet.length)];
    return s;
  }

  /** `n` random bytes as lower-case hex pairs joined by ":". */
  macBytes(n: number): string {
    return Array.from({ length: n }, () => this.int(0, 255).toString(16).padStart(2, "0")).join(
      ":",
    );
  }
}
