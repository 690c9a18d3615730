/**
 * A child process's resource use, for the sections that report memory and CPU. Deno refuses to
 * read /proc without --allow-all, so a small /usr/bin/python3 wrapper starts the process, samples
 * VmRSS/VmHWM from /proc every 200 ms, and takes the exact peak RSS (ru_maxrss) and CPU time
 * (utime + stime) from getrusage(RUSAGE_CHILDREN) once it has reaped it. Also the row of a memory
 * that must stay flat as the input grows.
 *
 * @module
 */
import { type Context, PYTHON, type Row, which } from "./lib.ts";

/** Runs argv (JSON in argv[1]) and prints its resource use as JSON. */
export const RUSAGE_WRAPPER = `
import json, resource, subprocess, sys, time

def status(pid):
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    out[key] = int(value.split()[0])
    except OSError:
        pass
    return out

argv = json.loads(sys.argv[1])
started = time.monotonic()
with open(sys.argv[2], "wb") as err:
    child = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
    rss = hwm = samples = 0
    while child.poll() is None:
        s = status(child.pid)
        if s:
            rss, hwm, samples = max(rss, s.get("VmRSS", 0)), max(hwm, s.get("VmHWM", 0)), samples + 1
        try:
            child.wait(timeout=0.2)
        except subprocess.TimeoutExpired:
            pass
wall = time.monotonic() - started
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"code": child.returncode, "wall_s": wall, "cpu_s": ru.ru_utime + ru.ru_stime,
                  "maxrss_kb": ru.ru_maxrss, "sampled_rss_kb": rss, "sampled_hwm_kb": hwm,
                  "samples": samples}))
`;

export interface Usage {
  code: number;
  wall_s: number;
  cpu_s: number;
  maxrss_kb: number;
  sampled_rss_kb: number;
  sampled_hwm_kb: number;
  samples: number;
}

/** Runs `argv` under the wrapper; throws with its stderr when it fails. */
export async function measureProcess(ctx: Context, argv: string[]): Promise<Usage> {
  const errFile = ctx.path("child-stderr.txt");
  const out = await ctx.run([PYTHON, "-c", RUSAGE_WRAPPER, JSON.stringify(argv), errFile]);
  const usage = JSON.parse(out.stdout) as Usage;
  if (usage.code !== 0) {
    throw new Error(
      `${argv.slice(-6).join(" ")} exited ${usage.code}: ${Deno.readTextFileSync(errFile)}`,
    );
  }
  return usage;
}

/**
 * Throws unless the wrapper's Python is installed. A section calls it before building its inputs,
 * so a machine without it fails at once.
 */
export function requireUsageWrapper(): void {
  if (!which(PYTHON)) throw new Error(`${PYTHON} is needed to read the child's /proc`);
}

/** Kilobytes (as getrusage and /proc give them) in MB. */
export const mb = (kb: number): number => kb / 1024;

/** Kilobytes as the table prints them, e.g. "74.2 MB". */
export function fmtMb(kb: number): string {
  return `${mb(kb).toFixed(1)} MB`;
}

/**
 * The row of a command that streams: its peak RSS on the big input against the same command's on
 * the small one, which must stay within 1.2×.
 */
export function flatRssRow(benchmark: string, big: Usage, small: Usage, note?: string): Row {
  return {
    benchmark,
    piwardrive: fmtMb(big.maxrss_kb),
    peer: fmtMb(small.maxrss_kb),
    ratio: big.maxrss_kb / small.maxrss_kb,
    target: { kind: "max", value: 1.2, label: "flat ≤ 1.2×" },
    note,
  };
}
