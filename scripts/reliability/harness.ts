/** What every reliability scenario reports, and a seeded random source for kill times. */

export interface ScenarioResult {
  scenario: string;
  trials: number;
  failures: number;
  rowsLost: number;
  /** One line per failure (enough to reproduce), and facts worth printing. */
  notes: string[];
}

/** The seeded generator: the same seed gives the same kill times. */
export { mulberry32 as seededRandom } from "../lib/random.ts";

/** Collects failures of one scenario. */
export class Tally {
  readonly result: ScenarioResult;
  constructor(scenario: string) {
    this.result = { scenario, trials: 0, failures: 0, rowsLost: 0, notes: [] };
  }
  trial(): number {
    return this.result.trials++;
  }
  fail(note: string): void {
    this.result.failures++;
    this.result.notes.push(note);
  }
  lost(rows: number, note: string): void {
    if (rows <= 0) return;
    this.result.rowsLost += rows;
    this.fail(note);
  }
  note(text: string): void {
    this.result.notes.push(text);
  }
}

/** A fresh copy of `golden`, named `name`, in the trial's own folder `t<trial>` under `root`. */
export function trialCopy(
  golden: string,
  root: string,
  trial: number,
  name: string,
): { folder: string; path: string } {
  const folder = `${root}/t${trial}`;
  Deno.mkdirSync(folder);
  const path = `${folder}/${name}`;
  Deno.copyFileSync(golden, path);
  return { folder, path };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
