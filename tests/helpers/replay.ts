/** Replay folders for tests, built from the project's own fixtures. */
import { fileURLToPath } from "node:url";

const FIXTURES = fileURLToPath(new URL("../fixtures/", import.meta.url));

/** Lines of the gpsfake recording (no fix, then 2D, then 3D). */
export function gpspipeLines(): string[] {
  return Deno.readTextFileSync(`${FIXTURES}gpsd/drive.gpspipe.jsonl`).split("\n").filter(Boolean);
}

/**
 * A replay of `ticks` ticks in `dir`: each tick has the mixed 2.4/5 GHz iw capture and a slice of
 * the gpspipe recording; tick 2 has the recorded bluetoothctl session.
 */
export function writeReplay(dir: string, ticks: number): void {
  const iw = Deno.readTextFileSync(`${FIXTURES}iw/iw-6.9-mixed-2g5g-scan.txt`);
  const bt = Deno.readTextFileSync(`${FIXTURES}bluetoothctl/interactive-scan-5.66-mock.txt`);
  const gps = gpspipeLines();
  const per = Math.ceil(gps.length / ticks);
  for (let i = 0; i < ticks; i++) {
    const tick = `${dir}/${String(i + 1).padStart(4, "0")}`;
    Deno.mkdirSync(tick, { recursive: true });
    Deno.writeTextFileSync(`${tick}/iw.txt`, iw);
    const slice = gps.slice(i * per, (i + 1) * per);
    if (slice.length > 0) Deno.writeTextFileSync(`${tick}/gpspipe.jsonl`, slice.join("\n") + "\n");
    if (i === 1) Deno.writeTextFileSync(`${tick}/bluetoothctl.txt`, bt);
  }
}
