/**
 * The one seeded random generator of the tooling, the tests and the generators: mulberry32, in
 * integer arithmetic only, so a seed gives the same numbers on every machine (the committed sample
 * drive is compared byte for byte with a fresh run; a fuzz case or a kill time replays from its
 * seed). Not for anything secret.
 *
 * @module
 */

/** A function returning the next number in [0, 1) of the stream seeded by `seed`. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The stream of `mulberry32` and the draws its users make of it. */
export class Rng {
  readonly next: () => number;

  constructor(seed: number) {
    this.next = mulberry32(seed);
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Integer in [min, max]. */
  between(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  /** Uniform in [min, max). */
  range(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** One of `items`, each as likely as its weight. */
  weighted<T>(items: readonly [T, number][]): T {
    const total = items.reduce((s, [, w]) => s + w, 0);
    let r = this.next() * total;
    for (const [item, w] of items) {
      r -= w;
      if (r < 0) return item;
    }
    return items[items.length - 1][0];
  }

  /** Roughly normal with standard deviation `sd` (sum of four uniforms: no trig, no logs). */
  noise(sd: number): number {
    return (this.next() + this.next() + this.next() + this.next() - 2) * 1.732 * sd;
  }

  /** `n` characters drawn from `alphabet`. */
  chars(n: number, alphabet: string): string {
    let s = "";
    for (let i = 0; i < n; i++) s += alphabet[this.int(alphabet.length)];
    return s;
  }

  /** `n` random bytes as lower-case hex pairs joined by ":". */
  macBytes(n: number): string {
    return Array.from({ length: n }, () => this.between(0, 255).toString(16).padStart(2, "0"))
      .join(":");
  }
}
